package dev.walnut.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import dev.walnut.dispatch.Dispatcher;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@link FusedOps#ELEMENTWISE} against its decomposition: values, both derivative rules, errors. */
class FusedOpsTest {
    private static final FusedOps.Elementwise PROGRAM = new FusedOps.Elementwise(
            "mul(x0, x1); exp(t0); addScalar(t1, 1.0); div(x2, t2); tanh(t3); sub(t4, x0); clamp(t5, -0.9, 2.0); "
                    + "powScalar(t6, 2); add(t7, t0)");

    private static Tensor randn(long seed, DType dt, long... shape) {
        return Tensor.randn(shape, dt, new Generator(seed));
    }

    private static Tensor[] inputs(DType dt) {
        // x0 full, x1 a broadcast row, x2 a 0-d scalar.
        return new Tensor[] {randn(1, dt, 3, 4), randn(2, dt, 4).mul(0.5), Tensor.scalar(1.3, dt)};
    }

    private static Tensor fused(Tensor[] in) {
        return Dispatcher.call(FusedOps.ELEMENTWISE, PROGRAM, in);
    }

    @Test
    void computesTheSameBitsAsItsSteps() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor[] in = inputs(dt);
            Tensor expected = FusedOps.decompose(PROGRAM, in);
            Tensor actual = fused(in);
            assertArrayEquals(expected.shape(), actual.shape());
            assertEquals(dt, actual.dtype());
            assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0.0);
            assertEquals(PROGRAM.inputs(), 3);
        }
    }

    /**
     * Inputs read through strides across the interpreter's 1024-element blocks: per-channel
     * biases (whose trailing broadcast dims the gather reads as one run), broadcasts in the middle
     * and a transposed view, each the same bits as the steps one by one.
     */
    @Test
    void gathersBroadcastAndStridedInputsAcrossBlocks() {
        FusedOps.Elementwise p = new FusedOps.Elementwise("add(x0, x1); mul(t0, x2); relu(t1)");
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor x = randn(11, dt, 2, 8, 30, 30);
            Tensor[][] cases = {
                {x, randn(12, dt, 8, 1, 1), randn(13, dt, 2, 1, 30, 1)},
                {x, randn(14, dt, 1, 8, 1, 30), randn(15, dt, 30)},
                {x, randn(16, dt, 2, 8, 30, 30).transpose(2, 3), randn(17, dt, 2, 8, 1, 1)},
                {x.transpose(0, 1), randn(18, dt, 2, 1, 1), randn(19, dt, 8, 2, 1, 30)},
            };
            for (Tensor[] in : cases) {
                Tensor expected = FusedOps.decompose(p, in);
                Tensor actual = Dispatcher.call(FusedOps.ELEMENTWISE, p, in);
                assertArrayEquals(expected.shape(), actual.shape());
                assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0.0, dt.toString());
            }
        }
    }

    @Test
    void inferAgreesWithTheKernel() {
        Tensor[] in = inputs(DType.F32);
        TensorSpec spec = FusedOps.ELEMENTWISE.infer(PROGRAM, TensorSpec.of(in[0]), TensorSpec.of(in[1]), TensorSpec.of(in[2]))[0];
        assertEquals(TensorSpec.of(fused(in)), spec);
    }

    @Test
    void reverseRulePassesGradcheckWithBroadcastInputs() {
        Function<Tensor[], Tensor> f = FusedOpsTest::fused;
        Tensor[] in = inputs(DType.F64);
        for (Tensor t : in) {
            t.setRequiresGrad(true);
        }
        GradCheck.check(f, in);
        GradCheck.checkSecondOrder(f, in);
    }

    @Test
    void forwardRuleMatchesCentralDifferences() {
        Tensor[] in = inputs(DType.F64);
        Tensor[] t = {randn(7, DType.F64, 3, 4), randn(8, DType.F64, 4), Tensor.scalar(0.7, DType.F64)};
        Tensor out = fused(in);
        Tensor jvp = FusedOps.ELEMENTWISE.jvp(PROGRAM, in, new Tensor[] {out}, t)[0];
        double eps = 1e-6;
        Tensor[] plus = new Tensor[3];
        Tensor[] minus = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            plus[i] = in[i].add(t[i].mul(eps));
            minus[i] = in[i].sub(t[i].mul(eps));
        }
        double[] fd = fused(plus).sub(fused(minus)).div(2 * eps).toDoubleArray();
        assertArrayEquals(fd, jvp.toDoubleArray(), 1e-6);
    }

    @Test
    void aProgramEndingWithASumMatchesItsStepsAndPassesGradcheck() {
        FusedOps.Elementwise sum = new FusedOps.Elementwise("mul(x0, x1); tanh(t0); sub(t1, x2); sum(t2)");
        Tensor[] in = inputs(DType.F64);
        Tensor fused = Dispatcher.call(FusedOps.ELEMENTWISE, sum, in);
        assertEquals(0, fused.dim());
        assertEquals(FusedOps.decompose(sum, in).item(), fused.item(), 1e-12);
        for (Tensor t : in) {
            t.setRequiresGrad(true);
        }
        GradCheck.check(a -> Dispatcher.call(FusedOps.ELEMENTWISE, sum, a), in);
        GradCheck.checkSecondOrder(a -> Dispatcher.call(FusedOps.ELEMENTWISE, sum, a), in);
        Tensor[] t = {randn(7, DType.F64, 3, 4), randn(8, DType.F64, 4), Tensor.scalar(0.7, DType.F64)};
        double jvp = FusedOps.ELEMENTWISE.jvp(sum, in, new Tensor[] {fused}, t)[0].item();
        double eps = 1e-6;
        Tensor[] plus = new Tensor[3];
        Tensor[] minus = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            plus[i] = in[i].detach().add(t[i].mul(eps));
            minus[i] = in[i].detach().sub(t[i].mul(eps));
        }
        double fd = (Dispatcher.call(FusedOps.ELEMENTWISE, sum, plus).item()
                - Dispatcher.call(FusedOps.ELEMENTWISE, sum, minus).item()) / (2 * eps);
        assertEquals(fd, jvp, 1e-6);
    }

    @Test
    void malformedProgramsFailNamingTheStep() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FusedOps.Elementwise("exp(x0); sum(t0); neg(t1)"))
                .getMessage().contains("follows the sum, which must be the last step"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FusedOps.Elementwise("exp(x0); neg(x0); sum(t0)"))
                .getMessage().contains("the sum must read the step before it"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FusedOps.Elementwise("exp(x0); gt(t0, x1)"))
                .getMessage().contains("step 1: 'gt' is not a fusable op"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FusedOps.Elementwise("exp(t0)"))
                .getMessage().contains("reads t0, which is not an earlier step"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FusedOps.Elementwise("exp(x1)"))
                .getMessage().contains("input x0 is never read"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FusedOps.Elementwise("addScalar(x0)"))
                .getMessage().contains("needs 1 operand(s) and 1 number(s)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FusedOps.Elementwise("mulScalar(x0, two)"))
                .getMessage().contains("'two' is not a number"));
    }

    @Test
    void inputsOfMixedOrIntegerDtypesAreRejected() {
        Tensor[] in = inputs(DType.F32);
        in[1] = in[1].to(DType.F64);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> fused(in)).getMessage()
                .contains("inputs must share one float dtype"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Dispatcher.call(FusedOps.ELEMENTWISE, new FusedOps.Elementwise("neg(x0)"), Tensor.arange(3))).getMessage()
                .contains("inputs must share one float dtype"));
    }

    @Test
    void stepTextKeepsIntegralScalarsAndClampBounds() {
        assertEquals("mulScalar(x0, 2)", FusedOps.step(ElementwiseOps.MUL_SCALAR, new ElementwiseOps.Scalar(2, true),
                java.util.List.of("x0")));
        assertEquals("clamp(t3, -Infinity, 1.0)", FusedOps.step(ElementwiseOps.CLAMP,
                new ElementwiseOps.Clamp(Double.NEGATIVE_INFINITY, 1.0), java.util.List.of("t3")));
        assertTrue(FusedOps.isFusable(ElementwiseOps.TANH));
        assertTrue(!FusedOps.isFusable(ElementwiseOps.WHERE) && !FusedOps.isFusable(ElementwiseOps.CAST));
        assertEquals(FusedOps.ELEMENTWISE, FusedOps.byName("fusedElementwise"));
    }
}
