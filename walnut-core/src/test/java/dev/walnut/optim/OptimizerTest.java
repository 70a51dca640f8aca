package dev.walnut.optim;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.CleanTapeExtension;
import dev.walnut.autograd.GradientContext;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SGD and Adam: float64 trajectories against hand-computed values, both calling styles (the
 * seed's {@code step(params)}/{@code zeroGrad(params)} and PyTorch's constructor parameters), and
 * the tape rule of {@code zeroGrad} (DESIGN.md §4.1, §5).
 */
@ExtendWith(CleanTapeExtension.class)
class OptimizerTest {

    private static Tensor param(double... values) {
        return Tensor.fromArray(values, values.length).setRequiresGrad(true);
    }

    /** loss = sum(p^2), so grad = 2p. */
    private static void backwardOfSumOfSquares(Tensor p) {
        p.mul(p).sum().backward();
    }

    /** One training step on loss = sum(p^2) with the optimizer's constructor parameters: backward, step, zeroGrad. */
    private static void stepOnSumOfSquares(Optimizer optimizer, Tensor p) {
        backwardOfSumOfSquares(p);
        optimizer.step();
        optimizer.zeroGrad();
    }

    // ------------------------------------------------------------------ SGD

    @Test
    void sgdTrajectoryIsPMinusLrTimesGradient() {
        // p <- p - 0.1 * 2p = 0.8 p
        Tensor p = param(1.0, -2.0, 0.5);
        var sgd = new SGD(List.of(p), 0.1);
        double[][] expected = {{0.8, -1.6, 0.4}, {0.64, -1.28, 0.32}, {0.512, -1.024, 0.256}};
        for (double[] e : expected) {
            stepOnSumOfSquares(sgd, p);
            assertArrayEquals(e, p.toDoubleArray(), 1e-15);
        }
    }

    @Test
    void sgdWithMomentumFollowsPyTorchsBufferConvention() {
        // buf_1 = g_1; buf_t = 0.9 buf_{t-1} + g_t; p -= 0.1 buf. With g = 2p and p0 = 1:
        // p1 = 0.8, buf = 2;  p2: g = 1.6, buf = 3.4, p = 0.46;  p3: g = 0.92, buf = 3.98, p = 0.062
        Tensor p = param(1.0, -2.0);
        var sgd = new SGD(List.of(p), 0.1, 0.9);
        double[][] expected = {{0.8, -1.6}, {0.46, -0.92}, {0.062, -0.124}};
        for (double[] e : expected) {
            stepOnSumOfSquares(sgd, p);
            assertArrayEquals(e, p.toDoubleArray(), 1e-15);
        }
    }

    // ------------------------------------------------------------------ Adam

    /** PyTorch's Adam in plain double arithmetic, for loss = sum(p^2). */
    private static double[][] adamReference(double[] p0, int steps, double lr, double beta1, double beta2, double eps) {
        double[] p = p0.clone();
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        double[][] out = new double[steps][];
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = 2 * p[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.pow(beta1, t));
                double vHat = v[i] / (1 - Math.pow(beta2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
            out[t - 1] = p.clone();
        }
        return out;
    }

    @Test
    void adamTrajectoryAppliesBiasCorrectionExactlyOnceWithTStartingAtOne() {
        double[] p0 = {0.5, -1.0, 2.0};
        Tensor p = param(p0);
        var adam = new Adam(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0.0);
        double[][] reference = adamReference(p0, 3, 0.1, 0.9, 0.999, 1e-8);
        // The same numbers written out (step 1 is p - lr * sign(g) up to eps).
        double[][] expected = {
            {0.400000001, -0.9000000005, 1.90000000025},
            {0.3011874216591668, -0.8004122286917927, 1.800166486115701},
            {0.2048712525602996, -0.7015862729460302, 1.700623392046465},
        };
        for (int t = 0; t < 3; t++) {
            assertArrayEquals(expected[t], reference[t], 1e-15);
            stepOnSumOfSquares(adam, p);
            assertArrayEquals(expected[t], p.toDoubleArray(), 1e-12, "after step " + (t + 1));
        }
    }

    @Test
    void adamDefaultsAreBetas09And0999AndEps1e8() {
        double[] p0 = {3.0, -0.25};
        Tensor p = param(p0);
        var adam = new Adam(List.of(p), 0.01);
        double[][] reference = adamReference(p0, 3, 0.01, 0.9, 0.999, 1e-8);
        for (int t = 0; t < 3; t++) {
            stepOnSumOfSquares(adam, p);
            assertArrayEquals(reference[t], p.toDoubleArray(), 1e-12);
        }
    }

    @Test
    void adamKeepsSeparateStateAndStepCountsPerParameter() {
        Tensor a = param(1.0);
        Tensor b = param(-4.0);
        var adam = new Adam(0.1, 0.9, 0.999, 1e-8);
        for (int t = 0; t < 3; t++) {
            backwardOfSumOfSquares(a);
            backwardOfSumOfSquares(b);
            adam.step(List.of(a, b));
            adam.zeroGrad(List.of(a, b));
        }
        assertEquals(adamReference(new double[] {1.0}, 3, 0.1, 0.9, 0.999, 1e-8)[2][0], a.item(), 1e-12);
        assertEquals(adamReference(new double[] {-4.0}, 3, 0.1, 0.9, 0.999, 1e-8)[2][0], b.item(), 1e-12);
    }

    // ------------------------------------------------------------------ calling styles

    @Test
    void seedStyleAndPyTorchStyleGiveIdenticalTrajectories() {
        Tensor seedP = param(0.5, -1.0, 2.0);
        Tensor torchP = param(0.5, -1.0, 2.0);
        var seedAdam = new Adam(0.1, 0.9, 0.999, 1e-8);
        var torchAdam = new Adam(List.of(torchP), 0.1, 0.9, 0.999, 1e-8, 0.0);
        assertEquals(List.of(), seedAdam.parameters());
        assertEquals(1, torchAdam.parameters().size());
        for (int t = 0; t < 5; t++) {
            backwardOfSumOfSquares(seedP);
            seedAdam.step(List.of(seedP));
            seedAdam.zeroGrad(List.of(seedP));
            backwardOfSumOfSquares(torchP);
            torchAdam.step();
            torchAdam.zeroGrad();
            assertArrayEquals(seedP.toDoubleArray(), torchP.toDoubleArray(), 0.0);
        }
    }

    @Test
    void stepWithoutConstructorParametersFailsWithAClearMessage() {
        var sgd = new SGD(0.1);
        var e = assertThrows(IllegalStateException.class, sgd::step);
        assertContains(e.getMessage(), "SGD.step()", "without parameters", "step(params)");
    }

    @Test
    void zeroGradWithoutConstructorParametersFailsWithAClearMessage() {
        var adam = new Adam(0.1, 0.9, 0.999, 1e-8);
        var e = assertThrows(IllegalStateException.class, adam::zeroGrad);
        assertContains(e.getMessage(), "Adam.zeroGrad()", "without parameters");
    }

    @Test
    void constructingWithANonLeafParameterFails() {
        Tensor nonLeaf = param(1.0).mul(2.0);
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(nonLeaf), 0.1));
        assertContains(e.getMessage(), "non-leaf", "MulBackward0");
    }

    @Test
    void negativeLearningRateIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(-0.1));
        assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
    }

    // ------------------------------------------------------------------ zeroGrad and the tape

    @Test
    void zeroGradZeroesTheGradients() {
        Tensor p = param(1.0, 2.0);
        var sgd = new SGD(List.of(p), 0.1);
        backwardOfSumOfSquares(p);
        assertArrayEquals(new double[] {2, 4}, p.grad().toDoubleArray(), 0.0);
        sgd.zeroGrad();
        // PyTorch 2.x sets .grad to None by default (set_to_none=True); Walnut zeroes it, as the seed does.
        assertArrayEquals(new double[] {0, 0}, p.grad().toDoubleArray(), 0.0);
        backwardOfSumOfSquares(p);
        assertArrayEquals(new double[] {2, 4}, p.grad().toDoubleArray(), 0.0, "no leftover accumulation");
    }

    @Test
    void zeroGradKeepsAMissingGradientMissing() {
        Tensor p = param(1.0);
        new SGD(List.of(p), 0.1).zeroGrad();
        assertNull(p.grad());
    }

    @Test
    void zeroGradClearsContextZerosTape() {
        Tensor p = param(1.0, 2.0);
        var sgd = new SGD(List.of(p), 0.1);
        backwardOfSumOfSquares(p);
        assertEquals(2, GradientContext.defaultContext().tapeSize());
        sgd.zeroGrad();
        assertEquals(0, GradientContext.defaultContext().tapeSize());
    }

    @Test
    void zeroGradInsideACustomContextClearsOnlyContextZerosTape() {
        Tensor p = param(1.0, 2.0);
        var adam = new Adam(List.of(p), 0.1);
        p.mul(3.0); // one node in context 0
        try (var ctx = new GradientContext()) {
            backwardOfSumOfSquares(p);
            assertEquals(2, ctx.tapeSize());
            adam.zeroGrad();
            assertEquals(0, GradientContext.defaultContext().tapeSize());
            assertEquals(2, ctx.tapeSize(), "the custom context needs Autograd.clearTape()");
            assertArrayEquals(new double[] {0, 0}, p.grad().toDoubleArray(), 0.0);
        }
    }

    @Test
    void stepRecordsNothingAndLeavesParametersAsLeaves() {
        Tensor p = param(1.0, 2.0);
        var sgd = new SGD(List.of(p), 0.1, 0.9);
        var adam = new Adam(List.of(p), 0.1);
        backwardOfSumOfSquares(p);
        int tape = GradientContext.current().tapeSize();
        int version = p.version();
        sgd.step();
        adam.step();
        assertEquals(tape, GradientContext.current().tapeSize());
        assertTrue(p.isLeaf());
        assertNull(p.gradFn());
        assertTrue(p.requiresGrad());
        assertEquals(version + 2, p.version(), "each step writes the parameter in place once");
        assertTrue(Autograd.isGradEnabled(), "step restores grad mode");
    }

    @Test
    void stepInsideACustomContextRecordsNothingThereEither() {
        Tensor p = param(1.0);
        var adam = new Adam(List.of(p), 0.1);
        try (var ctx = new GradientContext()) {
            backwardOfSumOfSquares(p);
            int before = ctx.tapeSize();
            adam.step();
            assertEquals(before, ctx.tapeSize());
            Autograd.clearTape();
        }
    }

    @Test
    void parametersWithoutAGradientAreSkipped() {
        Tensor used = param(1.0);
        Tensor unused = param(5.0);
        var sgd = new SGD(List.of(used, unused), 0.1, 0.9);
        backwardOfSumOfSquares(used);
        sgd.step();
        assertEquals(0.8, used.item(), 1e-15);
        assertEquals(5.0, unused.item(), 0.0);
        assertNull(unused.grad());
    }

    @Test
    void adamCountsStepsOnlyWhenAParameterHasAGradient() {
        Tensor a = param(1.0);
        Tensor late = param(-3.0);
        var adam = new Adam(List.of(a, late), 0.1);
        backwardOfSumOfSquares(a);
        adam.step();
        adam.zeroGrad();
        assertEquals(-3.0, late.item(), 0.0);

        backwardOfSumOfSquares(a);
        assertNull(late.grad());
        adam.step();
        adam.zeroGrad();
        assertEquals(-3.0, late.item(), 0.0);

        // Its first update, at the optimizer's third step, is a t = 1 update: -lr * sign(g).
        backwardOfSumOfSquares(late);
        adam.step();
        assertEquals(-3.0 + 0.1, late.item(), 1e-9);
        assertFalse(Double.isNaN(a.item()));
    }

    @Test
    void learningRateCanBeChangedBetweenSteps() {
        Tensor p = param(1.0);
        var sgd = new SGD(List.of(p), 0.1);
        sgd.setLr(0.25);
        assertEquals(0.25, sgd.lr(), 0.0);
        backwardOfSumOfSquares(p);
        sgd.step();
        assertEquals(0.5, p.item(), 1e-15, "1 - 0.25 * 2");
    }
}
