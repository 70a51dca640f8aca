package dev.walnut.autograd;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lessons of the PyTorch autograd page ({@code /work/shared/seeds/pytorch-autograd-ko.md}),
 * with Walnut standing in for PyTorch, plus the rest of DESIGN.md §4.2: leaves, hooks, custom
 * functions, functional gradients.
 */
@ExtendWith(CleanTapeExtension.class)
class PyTorchLessonsTest {

    @BeforeEach
    void startWithGradModeOn() {
        assertTrue(Autograd.isGradEnabled());
    }

    @AfterEach
    void leaveGradModeOn() {
        assertTrue(Autograd.isGradEnabled(), "the test left grad mode off");
    }

    private static Tensor leaf(double... values) {
        return Tensor.of(values).setRequiresGrad(true);
    }

    private static Tensor leaf64(double... values) {
        return Tensor.fromArray(values, values.length).setRequiresGrad(true);
    }

    // ------------------------------------------------------------------ basics

    @Test
    void derivativeOfXSquaredPlus3XPlus1AtTwoIsSeven() {
        Tensor x = leaf(2.0);
        Tensor y = x.pow(2).add(x.mul(3.0)).add(1.0);
        assertEquals(11.0, y.item(), 0.0);
        y.backward();
        assertEquals(7.0, x.grad().item(), 0.0);
    }

    @Test
    void derivativeOf2XSquaredPlus3AtTwoIsEight() {
        Tensor x = leaf(2.0);
        Tensor y = x.pow(2);
        Tensor z = y.mul(2.0).add(3.0);
        assertEquals("tensor([11.], grad_fn=<AddBackward0>)", z.toString(), "as PyTorch prints it");
        z.backward();
        assertEquals(8.0, x.grad().item(), 0.0);
    }

    @Test
    void doublingFiveTimesInALoopGivesGradient32() {
        Tensor x = leaf(1.0);
        Tensor y = x;
        for (int i = 0; i < 5; i++) {
            y = y.mul(2.0);
        }
        y.backward();
        assertEquals(32.0, x.grad().item(), 0.0);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor x = leaf(1.0);
        x.pow(2).backward();
        assertEquals(2.0, x.grad().item(), 0.0);
        x.pow(3).backward();
        assertEquals(5.0, x.grad().item(), 0.0, "2 + 3");
    }

    @Test
    void gradientsOfLinearFunctionsAccumulate2Then5() {
        Tensor x = leaf(4.0);
        x.mul(2.0).backward();
        assertEquals(2.0, x.grad().item(), 0.0);
        x.mul(3.0).backward();
        assertEquals(5.0, x.grad().item(), 0.0);
    }

    @Test
    void derivativeOfCubicPolynomialAtTwoIs15() {
        // d/dx (x^3 + 2x^2 - 5x + 3) = 3x^2 + 4x - 5 = 12 + 8 - 5 at x = 2
        Tensor x = leaf(2.0);
        Tensor y = x.pow(3).add(x.pow(2).mul(2.0)).sub(x.mul(5.0)).add(3.0);
        assertEquals(9.0, y.item(), 0.0, "8 + 8 - 10 + 3");
        y.backward();
        assertEquals(15.0, x.grad().item(), 0.0);
    }

    @Test
    void conditionalGraphsDifferentiateTheBranchTaken() {
        Tensor pos = leaf(1.5);
        Tensor neg = leaf(-1.5);
        for (Tensor x : List.of(pos, neg)) {
            Tensor y = x.item() > 0 ? x.pow(2) : x.pow(3);
            y.backward();
        }
        assertEquals(3.0, pos.grad().item(), 0.0, "2x");
        assertEquals(6.75, neg.grad().item(), 0.0, "3x^2");
    }

    // ------------------------------------------------------------------ higher order

    @Test
    void secondDerivativeOfXCubedAtTwoIs12ViaGradWithCreateGraph() {
        Tensor x = leaf(2.0);
        Tensor y = x.pow(3);
        Tensor grad1 = Autograd.grad(y, x, GradOptions.defaults().createGraph());
        assertEquals(12.0, grad1.item(), 0.0, "3x^2");
        assertTrue(grad1.requiresGrad(), "createGraph makes the gradient differentiable");
        Tensor grad2 = Autograd.grad(grad1, x);
        assertEquals(12.0, grad2.item(), 0.0, "6x");
        assertNull(x.grad(), "Autograd.grad does not touch .grad");
    }

    @Test
    void thirdDerivativeOfXToTheFourthAtTwoIs48() {
        Tensor x = leaf64(2.0);
        Tensor g1 = Autograd.grad(x.pow(4), x, GradOptions.defaults().createGraph());
        Tensor g2 = Autograd.grad(g1, x, GradOptions.defaults().createGraph());
        Tensor g3 = Autograd.grad(g2, x);
        assertEquals(32.0, g1.item(), 0.0, "4x^3");
        assertEquals(48.0, g2.item(), 0.0, "12x^2");
        assertEquals(48.0, g3.item(), 0.0, "24x");
    }

    @Test
    void backwardWithCreateGraphAccumulatesADifferentiableGradient() {
        Tensor x = leaf64(3.0);
        x.pow(3).backward(null, GradOptions.defaults().createGraph());
        assertEquals(27.0, x.grad().item(), 0.0, "3x^2");
        Tensor g = x.grad();
        x.setGrad(null);
        g.backward();
        assertEquals(18.0, x.grad().item(), 0.0, "6x");
    }

    // ------------------------------------------------------------------ the regression example

    @Test
    void linearRegressionExampleConvergesToTheLeastSquaresLine() {
        var gen = new Generator(2024);
        Tensor x = Tensor.linspace(-3, 3, 50).reshape(-1, 1);
        Tensor y = x.mul(2.0).add(1.0).add(Tensor.randn(new long[] {50, 1}, DType.F32, gen).mul(0.3));
        Tensor w = Tensor.randn(new long[] {1, 1}, DType.F32, gen).setRequiresGrad(true);
        Tensor b = Tensor.zeros(1).setRequiresGrad(true);
        double learningRate = 0.01;

        double firstLoss = Double.NaN;
        double loss = Double.NaN;
        // The seed runs 100 epochs; b only converges like (1 - 2 lr)^epochs (0.13 left after 100), so run 600.
        for (int epoch = 0; epoch < 600; epoch++) {
            Tensor yPred = x.matmul(w).add(b);
            Tensor l = yPred.sub(y).pow(2).mean();
            l.backward();
            try (var off = Autograd.noGrad()) {
                w.subInPlace(w.grad().mul(learningRate));
                b.subInPlace(b.grad().mul(learningRate));
            }
            w.grad().zeroInPlace();
            b.grad().zeroInPlace();
            loss = l.item();
            if (epoch == 0) {
                firstLoss = loss;
            }
            Autograd.clearDefaultContextTape();
        }

        // Closed-form least squares on the same data.
        float[] xs = x.toFloatArray();
        float[] ys = y.toFloatArray();
        double mx = 0;
        double my = 0;
        for (int i = 0; i < 50; i++) {
            mx += xs[i] / 50.0;
            my += ys[i] / 50.0;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < 50; i++) {
            sxy += (xs[i] - mx) * (ys[i] - my);
            sxx += (xs[i] - mx) * (xs[i] - mx);
        }
        double wStar = sxy / sxx;
        double bStar = my - wStar * mx;

        assertEquals(wStar, w.item(), 1e-4);
        assertEquals(bStar, b.item(), 1e-4);
        assertEquals(2.0, w.item(), 0.1, "w ≈ 2");
        assertEquals(1.0, b.item(), 0.1, "b ≈ 1");
        assertTrue(loss < firstLoss && loss < 0.15, "loss " + firstLoss + " -> " + loss);
    }

    // ------------------------------------------------------------------ the computational graph

    @Test
    void chainOfOpsRecordsItsGradFnsAndDifferentiatesTo90() {
        Tensor x = leaf(3.0);
        Tensor a = x.add(2.0);
        Tensor b = a.mul(3.0);
        Tensor c = b.pow(2);
        Tensor loss = c.mean();
        assertEquals(5.0, a.item(), 0.0);
        assertEquals(15.0, b.item(), 0.0);
        assertEquals(225.0, c.item(), 0.0);
        assertEquals(225.0, loss.item(), 0.0);

        // The same names PyTorch prints (it wraps a Python scalar into a tensor).
        assertEquals("AddBackward0", a.gradFn().name());
        assertEquals("MulBackward0", b.gradFn().name());
        assertEquals("PowBackward0", c.gradFn().name());
        assertEquals("MeanBackward0", loss.gradFn().name());
        assertEquals("tensor(225., grad_fn=<MeanBackward0>)", loss.toString());

        assertSame(c.gradFn(), loss.gradFn().nextFunctions().get(0));
        assertSame(b.gradFn(), c.gradFn().nextFunctions().get(0));
        assertSame(a.gradFn(), b.gradFn().nextFunctions().get(0));
        assertNull(a.gradFn().nextFunctions().get(0), "x is a leaf");
        assertTrue(a.gradFn().sequenceNumber() < b.gradFn().sequenceNumber());
        assertTrue(c.gradFn().sequenceNumber() < loss.gradFn().sequenceNumber());

        loss.backward();
        assertEquals(90.0, x.grad().item(), 0.0, "2 * b * 3");
    }

    @Test
    void retainGraphAllowsASecondBackwardThatAccumulates4Then8() {
        Tensor x = leaf(2.0);
        Tensor y = x.pow(2);
        y.backward(GradOptions.defaults().retainGraph());
        assertEquals(4.0, x.grad().item(), 0.0);
        y.backward();
        assertEquals(8.0, x.grad().item(), 0.0);
    }

    // ------------------------------------------------------------------ controlling recording

    @Test
    void resultsComputedUnderNoGradHaveNoGradFnAndDoNotRequireGrad() {
        Tensor x = leaf(2.0);
        Tensor y;
        Tensor z;
        try (var off = Autograd.noGrad()) {
            assertFalse(Autograd.isGradEnabled());
            y = x.pow(2);
            z = y.add(3.0);
        }
        assertNull(y.gradFn());
        assertNull(z.gradFn());
        assertFalse(y.requiresGrad());
        assertFalse(z.requiresGrad());
        assertEquals(7.0, z.item(), 0.0);
        assertEquals(0, GradientContext.current().tapeSize(), "nothing was recorded");
    }

    @Test
    void noGradLambdaFormAndNestedEnableGrad() {
        Tensor x = leaf(2.0);
        Tensor y = Autograd.noGrad(() -> x.mul(3.0));
        assertFalse(y.requiresGrad());
        try (var off = Autograd.noGrad()) {
            try (var off2 = Autograd.noGrad()) {
                assertFalse(Autograd.isGradEnabled());
            }
            assertFalse(Autograd.isGradEnabled(), "closing the inner scope restores the outer mode");
            try (var on = Autograd.enableGrad()) {
                Tensor z = x.mul(3.0);
                assertEquals("MulBackward0", z.gradFn().name());
            }
            assertFalse(Autograd.isGradEnabled());
        }
        assertTrue(Autograd.isGradEnabled());
    }

    @Test
    void detachSharesStorageButHasNoHistoryAndNoGradRequirement() {
        Tensor x = leaf(2.0);
        Tensor y = x.pow(2);
        Tensor z = y.detach();
        assertTrue(y.requiresGrad());
        assertFalse(z.requiresGrad());
        assertNull(z.gradFn());
        assertTrue(z.isLeaf());
        assertNull(z.grad());
        z.setDouble(9.0, 0);
        assertEquals(9.0, y.item(), 0.0, "writes through the detached tensor show in the original");
        assertEquals(y.version(), z.version(), "they share the version counter");
    }

    @Test
    void detachOfALeafCanBeWrittenInPlaceLikeInPyTorch() {
        // torch: x.detach().zero_() is allowed and zeroes x; only x itself is protected.
        Tensor x = leaf(1.0, 2.0);
        Tensor d = x.detach();
        d.zeroInPlace();
        assertArrayEquals(new float[] {0, 0}, x.toFloatArray(), 0.0f);
    }

    @Test
    void frozenOutputFedThroughDetachGetsNoGradient() {
        Tensor frozenW = leaf(5.0);
        Tensor w = leaf(2.0);
        Tensor x = Tensor.of(3.0);
        Tensor frozenOutput = x.mul(frozenW);
        Tensor loss = frozenOutput.detach().mul(w).sum();
        loss.backward();
        assertEquals(15.0, w.grad().item(), 0.0);
        assertNull(frozenW.grad());
    }

    // ------------------------------------------------------------------ functional gradients

    @Test
    void gradOfADotProductReturnsTheOtherFactorAndLeavesDotGradUntouched() {
        Tensor x = leaf(1.0, 2.0);
        Tensor w = leaf(3.0, 4.0);
        Tensor y = x.mul(w).sum();
        Tensor gradX = Autograd.grad(y, x);
        assertArrayEquals(new float[] {3, 4}, gradX.toFloatArray(), 0.0f);
        assertFalse(gradX.requiresGrad());
        assertNull(x.grad());
        assertNull(w.grad());
    }

    @Test
    void gradWithAllowUnusedReturnsNullForAnUnusedInput() {
        Tensor x = leaf(1.0, 2.0);
        Tensor unused = leaf(7.0);
        Tensor y = x.mul(2.0).sum();
        Tensor[] g = Autograd.grad(new Tensor[] {y}, new Tensor[] {x, unused}, null,
                GradOptions.defaults().allowUnused());
        assertArrayEquals(new float[] {2, 2}, g[0].toFloatArray(), 0.0f);
        assertNull(g[1]);
    }

    @Test
    void gradWithoutAllowUnusedFailsForAnUnusedInput() {
        Tensor x = leaf(1.0, 2.0);
        Tensor unused = leaf(7.0);
        Tensor y = x.mul(2.0).sum();
        var e = assertThrows(IllegalArgumentException.class,
                () -> Autograd.grad(new Tensor[] {y}, new Tensor[] {x, unused}, null, GradOptions.defaults()));
        assertContains(e.getMessage(), "input 1", "allowUnused");
    }

    @Test
    void gradWithRespectToANonLeafReturnsItsGradient() {
        Tensor x = leaf(1.0, 2.0);
        Tensor h = x.mul(3.0);
        Tensor y = h.pow(2).sum();
        Tensor gh = Autograd.grad(y, h);
        assertArrayEquals(new float[] {6, 12}, gh.toFloatArray(), 0.0f, "2h");
        assertNull(x.grad());
    }

    @Test
    void gradWithRespectToAnIntermediateLeavesTheGraphBelowItUsable() {
        // torch.autograd.grad runs (and frees) only the part of the graph between the outputs and
        // the inputs: PowBackward0 below h is not needed for dy/dh, so h can still be backpropagated.
        Tensor x = leaf(1.0, 2.0);
        Tensor h = x.pow(2);
        Tensor y = h.mul(3.0).sum();
        Tensor gh = Autograd.grad(y, h);
        assertArrayEquals(new float[] {3, 3}, gh.toFloatArray(), 0.0f);
        h.sum().backward();
        assertArrayEquals(new float[] {2, 4}, x.grad().toFloatArray(), 0.0f, "2x");
    }

    @Test
    void backwardOfANonScalarWithAnExplicitGradOutputWeightsTheGradient() {
        Tensor x = leaf(1.0, 2.0);
        Tensor y = x.mul(2.0);
        y.backward(Tensor.of(1.0, 10.0));
        assertArrayEquals(new float[] {2, 20}, x.grad().toFloatArray(), 0.0f);
    }

    @Test
    void computeGradientsByTensorIdMatchesBackward() {
        Tensor x = leaf(1.0, 2.0, 3.0);
        Tensor loss = x.pow(2).sum();
        Autograd.computeGradients(loss.id());
        assertArrayEquals(new float[] {2, 4, 6}, x.grad().toFloatArray(), 0.0f);
    }

    @Test
    void jacobianOfAnElementwiseFunctionIsDiagonal() {
        Tensor x = leaf64(1.0, 2.0, 3.0);
        Tensor j = Autograd.jacobian(t -> t.pow(2), x);
        assertArrayEquals(new long[] {3, 3}, j.shape());
        assertArrayEquals(new double[] {2, 0, 0, 0, 4, 0, 0, 0, 6}, j.toDoubleArray(), 0.0);
        assertNull(x.grad());
    }

    @Test
    void jacobianOfALinearMapIsItsMatrix() {
        // The seed's example (x @ y.T with x 1x2 and y 1x3) does not type-check; with y 3x2 it does.
        Tensor x = Tensor.fromArray(new double[] {1, 2}, 1, 2);
        Tensor y = Tensor.fromArray(new double[] {3, 4, 5, 6, 7, 8}, 3, 2);
        Tensor j = Autograd.jacobian(t -> t.matmul(y.t()), x);
        assertArrayEquals(new long[] {1, 3, 1, 2}, j.shape());
        assertArrayEquals(new double[] {3, 4, 5, 6, 7, 8}, j.toDoubleArray(), 0.0);
    }

    @Test
    void hessianOfSumOfCubesIsDiagonal6X() {
        Tensor x = leaf64(1.0, -2.0, 0.5);
        Tensor h = Autograd.hessian(t -> t.pow(3).sum(), x);
        assertArrayEquals(new long[] {3, 3}, h.shape());
        assertArrayEquals(new double[] {6, 0, 0, 0, -12, 0, 0, 0, 3}, h.toDoubleArray(), 1e-12);
    }

    // ------------------------------------------------------------------ custom functions

    /** y = x^3 with a hand-written gradient 3x^2 (written with tensor ops, so twice differentiable). */
    static class Cube extends Function {
        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return in[0].pow(3);
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
            Tensor x = ctx.saved(0);
            return new Tensor[] {grad.mul(x.square()).mul(3.0)};
        }
    }

    /** Clamps to [-1, 1] but passes the gradient straight through (the straight-through estimator). */
    static final class ClampStraightThrough extends Function {
        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... in) {
            return in[0].clamp(-1.0, 1.0);
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
            return new Tensor[] {grad};
        }
    }

    /** a * b where the backward records which inputs asked for a gradient. */
    static final class RecordingMul extends Function {
        final List<Boolean> needs = new ArrayList<>();

        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... in) {
            ctx.saveForBackward(in[0], in[1]);
            return in[0].mul(in[1]);
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
            needs.add(ctx.needsInputGrad(0));
            needs.add(ctx.needsInputGrad(1));
            return new Tensor[] {
                ctx.needsInputGrad(0) ? grad.mul(ctx.saved(1)) : null,
                ctx.needsInputGrad(1) ? grad.mul(ctx.saved(0)) : null};
        }
    }

    @Test
    void customCubeIsUsedLikeABuiltIn() {
        Tensor x = leaf(1.0, 2.0, -3.0);
        Tensor y = new Cube().apply(x);
        assertArrayEquals(new float[] {1, 8, -27}, y.toFloatArray(), 0.0f);
        assertEquals("CubeBackward", y.gradFn().name());
        assertEquals(1, y.gradFn().savedCount());
        assertFalse(y.isLeaf());
        y.mul(2.0).sum().backward();
        assertArrayEquals(new float[] {6, 24, 54}, x.grad().toFloatArray(), 0.0f, "2 * 3x^2");
    }

    @Test
    void customCubePassesGradCheckOfFirstAndSecondOrder() {
        Tensor x = Tensor.randn(new long[] {3, 4}, DType.F64, new Generator(11)).setRequiresGrad(true);
        var cube = new Cube();
        GradCheck.check(in -> cube.apply(in[0]), x);
        GradCheck.checkSecondOrder(in -> cube.apply(in[0]), x);
        assertEquals(0, GradientContext.current().tapeSize(), "GradCheck keeps its probes off the caller's tape");
    }

    @Test
    void gradCheckRejectsAWrongCustomGradient() {
        Function wrong = new Cube() {
            @Override
            protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
                return new Tensor[] {grad.mul(ctx.saved(0).square()).mul(2.0)}; // should be 3
            }
        };
        Tensor x = Tensor.randn(new long[] {4}, DType.F64, new Generator(12)).setRequiresGrad(true);
        var e = assertThrows(AssertionError.class, () -> GradCheck.check(in -> wrong.apply(in[0]), x));
        assertTrue(e.getMessage().contains("first-order mismatch"), e.getMessage());
    }

    @Test
    void straightThroughClampPassesTheGradientEverywhere() {
        Tensor x = leaf(-3.0, 0.5, 2.0);
        Tensor y = new ClampStraightThrough().apply(x);
        assertArrayEquals(new float[] {-1, 0.5f, 1}, y.toFloatArray(), 0.0f);
        y.sum().backward();
        assertArrayEquals(new float[] {1, 1, 1}, x.grad().toFloatArray(), 0.0f);
    }

    @Test
    void customFunctionSeesWhichInputsNeedGradients() {
        Tensor a = leaf(2.0, 3.0);
        Tensor constant = Tensor.of(5.0, 7.0);
        var fn = new RecordingMul();
        fn.apply(a, constant).sum().backward();
        assertEquals(List.of(true, false), fn.needs);
        assertArrayEquals(new float[] {5, 7}, a.grad().toFloatArray(), 0.0f);
    }

    @Test
    void customFunctionOnInputsThatDoNotRequireGradRecordsNothing() {
        Tensor y = new Cube().apply(Tensor.of(2.0));
        assertFalse(y.requiresGrad());
        assertNull(y.gradFn());
        assertEquals(0, GradientContext.current().tapeSize());
    }

    @Test
    void savedTensorsOfACustomFunctionAreFreedByBackward() {
        Tensor x = leaf(2.0);
        Tensor y = new Cube().apply(x);
        y.backward();
        assertEquals(12.0, x.grad().item(), 0.0);
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertContains(e.getMessage(), "CubeBackward", "retainGraph");
    }

    @Test
    void savedTensorsOfACustomFunctionAreCheckedForInPlaceChanges() {
        Tensor x = leaf(2.0);
        Tensor h = x.mul(1.0);
        Tensor y = new Cube().apply(h);
        h.mulInPlace(2.0);
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertContains(e.getMessage(), "CubeBackward", "modified by an in-place operation");
    }

    // ------------------------------------------------------------------ hooks

    @Test
    void hookOnALeafCanDoubleItsGradient() {
        Tensor x = leaf(1.0, 2.0, 3.0);
        x.registerHook(g -> g.mul(2.0));
        x.mul(3.0).sum().backward();
        assertArrayEquals(new float[] {6, 6, 6}, x.grad().toFloatArray(), 0.0f);
    }

    @Test
    void removingAHookThroughItsHandleRestoresThePlainGradient() {
        Tensor x = leaf(1.0, 2.0);
        HookHandle handle = x.registerHook(g -> g.mul(2.0));
        handle.remove();
        handle.remove(); // idempotent
        x.mul(3.0).sum().backward();
        assertArrayEquals(new float[] {3, 3}, x.grad().toFloatArray(), 0.0f);
    }

    @Test
    void hookHandleCanScopeAHookWithTryWithResources() {
        Tensor x = leaf(1.0);
        try (HookHandle h = x.registerHook(g -> g.mul(10.0))) {
            x.mul(1.0).backward();
        }
        assertEquals(10.0, x.grad().item(), 0.0);
        x.mul(1.0).backward();
        assertEquals(11.0, x.grad().item(), 0.0);
    }

    @Test
    void hookOnANonLeafChangesTheGradientFlowingUpstream() {
        Tensor x = leaf(1.0, 2.0);
        Tensor y = x.mul(3.0);
        List<float[]> seen = new ArrayList<>();
        y.registerHook(g -> {
            seen.add(g.toFloatArray());
            return g.mul(10.0);
        });
        y.sum().backward();
        assertEquals(1, seen.size());
        assertArrayEquals(new float[] {1, 1}, seen.get(0), 0.0f);
        assertArrayEquals(new float[] {30, 30}, x.grad().toFloatArray(), 0.0f);
    }

    @Test
    void hookReturningNullObservesWithoutReplacing() {
        Tensor x = leaf(4.0);
        AtomicInteger calls = new AtomicInteger();
        x.registerHook(g -> {
            calls.incrementAndGet();
            return null;
        });
        x.mul(5.0).backward();
        assertEquals(1, calls.get());
        assertEquals(5.0, x.grad().item(), 0.0);
    }

    @Test
    void leafHookRunsOnceOnTheSummedGradientOfAllUses() {
        Tensor x = leaf(1.0);
        List<Double> seen = new ArrayList<>();
        x.registerHook(g -> {
            seen.add(g.item());
            return null;
        });
        x.mul(2.0).add(x.mul(3.0)).backward();
        assertEquals(List.of(5.0), seen);
    }

    @Test
    void registeringAHookOnATensorThatDoesNotRequireGradFails() {
        var e = assertThrows(IllegalStateException.class, () -> Tensor.of(1.0).registerHook(g -> g));
        assertTrue(e.getMessage().contains("doesn't require gradient"), e.getMessage());
    }

    // ------------------------------------------------------------------ leaves and retainGrad

    @Test
    void retainGradKeepsTheGradientOfANonLeaf() {
        Tensor x = leaf(1.0);
        Tensor y = x.pow(2);
        Tensor z = y.add(3.0);
        y.retainGrad();
        assertTrue(y.retainsGrad());
        z.backward();
        assertEquals(2.0, x.grad().item(), 0.0);
        assertEquals(1.0, y.grad().item(), 0.0);
    }

    @Test
    void gradOfANonLeafWithoutRetainGradIsNull() {
        Tensor x = leaf(1.0);
        Tensor y = x.pow(2);
        Tensor z = y.add(3.0);
        z.backward();
        assertEquals(2.0, x.grad().item(), 0.0);
        assertNull(y.grad());
        assertFalse(y.retainsGrad());
    }

    @Test
    void retainedGradientSeesTheHookModifiedValue() {
        Tensor x = leaf(1.0);
        Tensor y = x.mul(2.0);
        y.registerHook(g -> g.mul(7.0));
        y.retainGrad();
        y.mul(1.0).backward();
        assertEquals(7.0, y.grad().item(), 0.0);
        assertEquals(14.0, x.grad().item(), 0.0);
    }

    @Test
    void isActiveMeansTopOfTheContextStack() {
        try (var outer = new GradientContext()) {
            assertTrue(outer.isActive());
            try (var inner = new GradientContext()) {
                assertTrue(inner.isActive());
                assertFalse(outer.isActive(), "outer is open but not the active context");
            }
            assertTrue(outer.isActive());
        }
    }

    @Test
    void gradientsOfTwoLeavesAreIndependentTensors() {
        // In PyTorch each leaf's .grad is its own tensor (AccumulateGrad clones a gradient it can't steal).
        Tensor a = leaf(1.0, 2.0);
        Tensor b = leaf(3.0, 4.0);
        a.add(b).sum().backward();
        assertArrayEquals(new float[] {1, 1}, a.grad().toFloatArray(), 0.0f);
        try (var off = Autograd.noGrad()) {
            a.grad().mulInPlace(10.0);
        }
        assertArrayEquals(new float[] {10, 10}, a.grad().toFloatArray(), 0.0f);
        assertArrayEquals(new float[] {1, 1}, b.grad().toFloatArray(), 0.0f, "b's gradient must not change");
    }

    @Test
    void zeroingOneLeafsGradientLeavesAnotherLeafsGradientAlone() {
        Tensor a = leaf(1.0, 2.0);
        Tensor b = leaf(3.0, 4.0);
        a.add(b).sum().backward();
        a.zeroGrad();
        assertArrayEquals(new float[] {0, 0}, a.grad().toFloatArray(), 0.0f);
        assertArrayEquals(new float[] {1, 1}, b.grad().toFloatArray(), 0.0f);
    }

    @Test
    void gradientOfASumCanBeUpdatedElementwiseInPlace() {
        Tensor x = leaf(1.0, 2.0, 3.0);
        x.sum().backward();
        try (var off = Autograd.noGrad()) {
            x.grad().addInPlace(Tensor.of(1.0, 2.0, 3.0));
        }
        assertArrayEquals(new float[] {2, 3, 4}, x.grad().toFloatArray(), 0.0f);
    }

    @Test
    void hessianOfALinearFunctionIsZero() {
        Tensor x = leaf64(1.0, 2.0);
        Tensor h = Autograd.hessian(t -> t.mul(3.0).sum(), x);
        assertArrayEquals(new double[] {0, 0, 0, 0}, h.toDoubleArray(), 0.0);
    }

    @Test
    void userCreatedTensorsAreLeavesAndOpsOnLeavesRequiringGradAreNot() {
        Tensor x = leaf(1.0);
        Tensor c = Tensor.of(2.0);
        assertTrue(x.isLeaf());
        assertTrue(x.requiresGrad());
        assertTrue(c.isLeaf());
        assertFalse(c.requiresGrad());

        Tensor y = x.mul(c);
        assertFalse(y.isLeaf());
        assertTrue(y.requiresGrad());
        assertNotNull(y.gradFn());

        Tensor k = c.mul(3.0);
        assertTrue(k.isLeaf(), "ops on tensors that do not require grad produce leaves");
        assertFalse(k.requiresGrad());

        Tensor d = y.detach();
        assertTrue(d.isLeaf());
        assertFalse(d.requiresGrad());
    }

    @Test
    void integerResultsOfOpsOnTensorsRequiringGradDoNotRequireGrad() {
        Tensor x = leaf(1.0, -2.0);
        Tensor mask = x.gt(0.0);
        assertEquals(DType.BOOL, mask.dtype());
        assertFalse(mask.requiresGrad());
        assertTrue(mask.isLeaf());
    }
}
