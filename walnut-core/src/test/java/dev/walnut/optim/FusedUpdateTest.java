package dev.walnut.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.CleanTapeExtension;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fused one-pass updates of SGD, Adam and AdamW (the back end's {@code Kernels.sgdUpdate} and {@code adamUpdate}) against the
 * tensor-op formulation they replace: a contiguous parameter takes the fused path, a transposed
 * (non-contiguous) parameter with the same values falls back to the tensor ops, and after
 * several steps with the same gradients the two must agree bit for bit, in F32 and F64, with
 * every option that changes the arithmetic.
 */
@ExtendWith(CleanTapeExtension.class)
class FusedUpdateTest {
    private static final int STEPS = 6;

    /** Runs the optimizer on a contiguous [5, 7] parameter and on a transposed view of the same values. */
    private static void assertFusedMatchesTensorOps(DType dtype, Function<List<Tensor>, Optimizer> make) {
        Generator gen = new Generator(7);
        Tensor init = Tensor.randn(new long[] {5, 7}, dtype, gen);
        Tensor fused = init.clone().setRequiresGrad(true);
        // Stored as [7, 5] and viewed as its transpose: same logical values, non-contiguous.
        Tensor strided = init.t().contiguous().t().detach().setRequiresGrad(true);
        assertTrue(fused.isContiguous());
        assertFalse(strided.isContiguous());
        Optimizer a = make.apply(List.of(fused));
        Optimizer b = make.apply(List.of(strided));
        for (int step = 0; step < STEPS; step++) {
            Tensor g = Tensor.randn(new long[] {5, 7}, dtype, gen);
            fused.setGrad(g.clone());
            strided.setGrad(g.t().contiguous().t());
            int version = fused.version();
            a.step();
            b.step();
            assertTrue(fused.version() > version, "the fused write bumps the version counter");
            if (dtype == DType.F32) {
                assertArrayEquals(strided.toFloatArray(), fused.toFloatArray(), "step " + step);
            } else {
                assertArrayEquals(strided.toDoubleArray(), fused.toDoubleArray(), "step " + step);
            }
        }
        assertEquals(b.stateDict().get("state").toString(), a.stateDict().get("state").toString());
    }

    private static void bothDTypes(Function<List<Tensor>, Optimizer> make) {
        assertFusedMatchesTensorOps(DType.F32, make);
        assertFusedMatchesTensorOps(DType.F64, make);
    }

    @Test
    void plainSgdMatchesTensorOps() {
        bothDTypes(ps -> new SGD(ps, 0.1));
    }

    @Test
    void sgdWithMomentumDampeningAndWeightDecayMatchesTensorOps() {
        bothDTypes(ps -> SGD.builder().optLr(0.05).optMomentum(0.9).optDampening(0.1).optWeightDecay(0.01).build(ps));
    }

    @Test
    void nesterovSgdMaximizingMatchesTensorOps() {
        bothDTypes(ps -> SGD.builder().optLr(0.05).optMomentum(0.8).optNesterov(true).optMaximize(true).build(ps));
    }

    @Test
    void adamMatchesTensorOps() {
        bothDTypes(ps -> new Adam(ps, 1e-2));
    }

    @Test
    void adamWithL2AmsgradAndMaximizeMatchesTensorOps() {
        bothDTypes(ps -> Adam.builder().optLr(3e-2).optBetas(0.8, 0.99).optEps(1e-6).optWeightDecay(0.1)
                .optAmsgrad(true).optMaximize(true).build(ps));
    }

    @Test
    void adamWWithDecoupledDecayMatchesTensorOps() {
        bothDTypes(ps -> AdamW.builder().optLr(1e-2).optWeightDecay(0.05).build(ps));
        bothDTypes(ps -> AdamW.builder().optLr(1e-2).optWeightDecay(0.05).optAmsgrad(true).build(ps));
    }
}
