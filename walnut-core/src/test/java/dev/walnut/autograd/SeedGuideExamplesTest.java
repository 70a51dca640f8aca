package dev.walnut.autograd;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.optim.Adam;
import dev.walnut.optim.Optimizer;
import dev.walnut.optim.SGD;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The examples of the seed document, the <i>Gradient Tape Management Guide</i> of hodu
 * ({@code /work/shared/seeds/gradient-tape-guide.md}), translated to Walnut and checked against
 * closed-form values. Where the seed's code does not do what its comments say (Example 2), the
 * tests show what really happens and then the pattern that does what was meant.
 */
@ExtendWith(CleanTapeExtension.class)
class SeedGuideExamplesTest {

    private static Tensor randn(Generator gen, long... shape) {
        return Tensor.randn(shape, DType.F32, gen);
    }

    /** d mean(X W) / dW[i][j] = (sum_b X[b][i]) / (rows(X) * cols(W)): every column of W gets the same gradient. */
    private static double[] meanOfMatmulGrad(Tensor input, int outFeatures) {
        int rows = (int) input.size(0);
        int in = (int) input.size(1);
        float[] x = input.toFloatArray();
        double[] g = new double[in * outFeatures];
        for (int i = 0; i < in; i++) {
            double colSum = 0;
            for (int b = 0; b < rows; b++) {
                colSum += x[b * in + i];
            }
            for (int j = 0; j < outFeatures; j++) {
                g[i * outFeatures + j] = colSum / ((double) rows * outFeatures);
            }
        }
        return g;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * {@code Autograd.computeGradients(loss.id())} for {@code loss = mean(input W)}, checking W's
     * gradient against {@link #meanOfMatmulGrad}; returns that gradient.
     */
    private static float[] computeAndCheckMeanOfMatmulGrad(Tensor loss, Tensor input, Tensor weight) {
        Autograd.computeGradients(loss.id());
        float[] grad = weight.grad().toFloatArray();
        assertArrayEquals(meanOfMatmulGrad(input, (int) weight.size(1)), toDoubles(grad), 1e-6);
        return grad;
    }

    /**
     * An SGD step on {@code weight} alone, which must move it by exactly SGD's update in float32 as
     * the kernels compute it: {@code p + g * (float) -lr}.
     */
    private static void stepAndAssertMovedByMinusLrTimesGrad(SGD optimizer, double lr, Tensor weight, float[] grad) {
        float[] before = weight.toFloatArray();
        optimizer.step(List.of(weight));
        float[] after = weight.toFloatArray();
        for (int k = 0; k < before.length; k++) {
            float expected = before[k] + grad[k] * (float) -lr;
            assertEquals(expected, after[k], 0.0f, "element " + k);
        }
    }

    /** The seed's {@code optimizer.step(&params); optimizer.zero_grad(&params)}. */
    private static void stepAndZeroGrad(Optimizer optimizer, Tensor... params) {
        List<Tensor> list = List.of(params);
        optimizer.step(list);
        optimizer.zeroGrad(list);
    }

    // ------------------------------------------------------------------ "Using Optimizer with Default Context"

    @Test
    void defaultContextSgdLoopMovesTheWeightByLrTimesGradAndEmptiesContextZeroEachIteration() {
        var gen = new Generator(1);
        Tensor input = randn(gen, 4, 10);
        var optimizer = new SGD(0.01);
        Tensor weight = randn(gen, 10, 5).setRequiresGrad(true);

        for (int epoch = 0; epoch < 10; epoch++) {
            Tensor output = input.matmul(weight);
            Tensor loss = output.mean(new int[] {}, false);
            assertEquals(0, GradientContext.current().id());
            assertEquals(2, GradientContext.defaultContext().tapeSize(), "MmBackward0 and MeanBackward0");

            float[] grad = computeAndCheckMeanOfMatmulGrad(loss, input, weight);
            stepAndAssertMovedByMinusLrTimesGrad(optimizer, 0.01, weight, grad);

            optimizer.zeroGrad(List.of(weight));
            assertEquals(0, GradientContext.defaultContext().tapeSize());
            assertArrayEquals(new float[50], weight.grad().toFloatArray(), 0.0f);
        }
    }

    // ------------------------------------------------------------------ "Using Custom Gradient Context"

    @Test
    void customContextRecordsIntoItsOwnTapeAndClosingItReturnsToContextZero() {
        GradientContext closed;
        try (var ctx = new GradientContext()) {
            closed = ctx;
            assertNotEquals(0, ctx.id());
            assertSame(ctx, GradientContext.current());
            Tensor x = Tensor.randn(new long[] {2, 3}, DType.F32, new Generator(2)).setRequiresGrad(true);
            Tensor y = x.mulScalar(2.0);
            assertSame(ctx, y.gradFn().context());
            assertEquals(1, ctx.tapeSize());
            assertEquals(0, GradientContext.defaultContext().tapeSize());
            Autograd.computeGradients(y.sum());
            assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2}, x.grad().toFloatArray(), 0.0f);
        }
        assertTrue(closed.isClosed());
        assertEquals(0, closed.tapeSize(), "closing discards the tape");
        assertSame(GradientContext.defaultContext(), GradientContext.current());
    }

    @Test
    void customContextLoopNeedsClearTapeBecauseZeroGradClearsOnlyContextZero() {
        var gen = new Generator(3);
        Tensor input = randn(gen, 4, 10);
        try (var ctx = new GradientContext()) {
            var optimizer = new SGD(0.01);
            Tensor weight = randn(gen, 10, 5).setRequiresGrad(true);

            for (int epoch = 0; epoch < 10; epoch++) {
                Tensor output = input.matmul(weight);
                Tensor loss = output.mean(new int[] {}, false);
                assertEquals(2, ctx.tapeSize());
                assertEquals(0, GradientContext.defaultContext().tapeSize(), "nothing records into context 0");

                float[] grad = computeAndCheckMeanOfMatmulGrad(loss, input, weight);
                stepAndAssertMovedByMinusLrTimesGrad(optimizer, 0.01, weight, grad);

                optimizer.zeroGrad(List.of(weight));
                assertEquals(2, ctx.tapeSize(), "zeroGrad left the custom context's tape alone");

                Autograd.clearTape();
                assertEquals(0, ctx.tapeSize());
            }
        }
    }

    @Test
    void clearTapeInACustomContextLeavesContextZerosTapeAlone() {
        Tensor mainX = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        Tensor mainY = mainX.mulScalar(5.0);
        assertEquals(1, GradientContext.defaultContext().tapeSize());
        try (var ctx = new GradientContext()) {
            Tensor auxX = Tensor.of(1.0).setRequiresGrad(true);
            auxX.mulScalar(2.0).addScalar(1.0);
            assertEquals(2, ctx.tapeSize());
            Autograd.clearTape();
            assertEquals(0, ctx.tapeSize());
            assertEquals(1, GradientContext.defaultContext().tapeSize());
        }
        mainY.sum().backward();
        assertArrayEquals(new float[] {5, 5}, mainX.grad().toFloatArray(), 0.0f);
    }

    @Test
    void clearDefaultContextTapeFromInsideACustomContextClearsOnlyContextZero() {
        Tensor.of(1.0).setRequiresGrad(true).mulScalar(2.0);
        try (var ctx = new GradientContext()) {
            Tensor.of(1.0).setRequiresGrad(true).mulScalar(3.0);
            Autograd.clearDefaultContextTape();
            assertEquals(0, GradientContext.defaultContext().tapeSize());
            assertEquals(1, ctx.tapeSize());
        }
    }

    // ------------------------------------------------------------------ Example 1

    @Test
    void example1AdamFirstStepMovesEveryElementByLrInTheDirectionOfMinusTheGradient() {
        var gen = new Generator(4);
        Tensor input = randn(gen, 8, 784);
        double lr = 0.001;
        double eps = 1e-8;
        var optimizer = new Adam(lr, 0.9, 0.999, eps);
        Tensor weight = randn(gen, 784, 10).setRequiresGrad(true);
        Tensor bias = Tensor.zeros(new long[] {10}, DType.F32).setRequiresGrad(true);

        Tensor logits = input.matmul(weight).add(bias);
        Tensor loss = logits.mean(new int[] {}, false);
        assertEquals(3, GradientContext.defaultContext().tapeSize(), "MmBackward0, AddBackward0, MeanBackward0");
        Autograd.computeGradients(loss.id());

        // d mean(XW + b)/dW[i][j] = colsum_i(X) / (8 * 10); d/db[j] = 8 / (8 * 10) = 0.1.
        float[] gw = weight.grad().toFloatArray();
        float[] gb = bias.grad().toFloatArray();
        assertArrayEquals(meanOfMatmulGrad(input, 10), toDoubles(gw), 1e-6);
        assertArrayEquals(new double[] {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, toDoubles(gb), 1e-7);

        float[] wBefore = weight.toFloatArray();
        List<Tensor> params = List.of(weight, bias);
        optimizer.step(params);
        float[] wAfter = weight.toFloatArray();
        float[] bAfter = bias.toFloatArray();

        // First step: m_hat = g and v_hat = g^2, so the update is -lr * g / (|g| + eps) = -lr * sign(g) up to eps.
        for (int k = 0; k < wBefore.length; k++) {
            double g = gw[k];
            double expected = -lr * g / (Math.abs(g) + eps);
            // float32 arithmetic: a relative error of ~1e-6 on the update, plus one rounding of the weight.
            assertEquals(expected, (double) wAfter[k] - wBefore[k], 1e-6 * lr + Math.ulp(wBefore[k]), "weight element " + k);
            assertEquals(-Math.signum(g), Math.signum((double) wAfter[k] - wBefore[k]), 0.0, "moves against the gradient");
        }
        for (int k = 0; k < 10; k++) {
            assertEquals(-0.001, bAfter[k], 1e-9, "bias element " + k);
        }

        optimizer.zeroGrad(params);
        assertEquals(0, GradientContext.defaultContext().tapeSize(), "zeroGrad cleared context 0's tape");
    }

    @Test
    void example1TrainingLoopKeepsTheDefaultTapeEmptyBetweenEpochs() {
        var gen = new Generator(5);
        Tensor input = randn(gen, 8, 784);
        var optimizer = new Adam(0.001, 0.9, 0.999, 1e-8);
        Tensor weight = randn(gen, 784, 10).setRequiresGrad(true);
        Tensor bias = Tensor.zeros(new long[] {10}, DType.F32).setRequiresGrad(true);
        for (int epoch = 0; epoch < 5; epoch++) {
            Tensor loss = input.matmul(weight).add(bias).mean(new int[] {}, false);
            Autograd.computeGradients(loss.id());
            stepAndZeroGrad(optimizer, weight, bias);
            assertEquals(0, GradientContext.defaultContext().tapeSize());
        }
        // The bias gradient is 0.1 at every step, so m_hat / sqrt(v_hat) = 1 and it moves by lr each epoch.
        assertArrayEquals(new double[] {-0.005, -0.005, -0.005, -0.005, -0.005, -0.005, -0.005, -0.005, -0.005, -0.005},
                toDoubles(bias.toFloatArray()), 1e-8);
    }

    // ------------------------------------------------------------------ Example 2

    /**
     * The seed's code, faithfully: one RAII guard opened before the loop. Because the active
     * context is the top of the stack, the "main model (context 0)" block actually records into
     * the auxiliary context; it still trains correctly, but zeroGrad's clearing of context 0
     * does nothing for it and only the aux block's clearTape() frees its nodes.
     */
    @Test
    void example2AsWrittenRecordsTheMainModelIntoTheAuxiliaryContext() {
        var gen = new Generator(6);
        Tensor input = randn(gen, 4, 100);
        var mainOptimizer = new Adam(0.001, 0.9, 0.999, 1e-8);
        Tensor mainWeight = randn(gen, 100, 50).setRequiresGrad(true);

        try (var auxCtx = new GradientContext()) {
            var auxOptimizer = new SGD(0.01);
            Tensor auxWeight = randn(gen, 50, 10).setRequiresGrad(true);

            for (int epoch = 0; epoch < 3; epoch++) {
                // === "Train main model (context 0)" ===
                Tensor mainOutput = input.matmul(mainWeight);
                Tensor mainLoss = mainOutput.mean(new int[] {}, false);
                assertSame(auxCtx, mainLoss.gradFn().context(), "the main model records into the aux context");
                assertEquals(0, GradientContext.defaultContext().tapeSize());
                assertEquals(2, auxCtx.tapeSize());

                computeAndCheckMeanOfMatmulGrad(mainLoss, input, mainWeight); // reads the aux tape, where the loss is
                stepAndZeroGrad(mainOptimizer, mainWeight);
                assertEquals(2, auxCtx.tapeSize(), "zeroGrad cleared context 0, which the main model never used");

                // === "Train auxiliary model (context 1)" ===
                Tensor auxInput = mainWeight.detach();
                Tensor auxOutput = auxInput.matmul(auxWeight);
                Tensor auxLoss = auxOutput.mean(new int[] {}, false);
                assertEquals(4, auxCtx.tapeSize(), "main and aux nodes share the aux tape");

                computeAndCheckMeanOfMatmulGrad(auxLoss, auxInput, auxWeight);
                stepAndZeroGrad(auxOptimizer, auxWeight);
                Autograd.clearTape();
                assertEquals(0, auxCtx.tapeSize(), "clearTape frees the main model's nodes too");
            }
        }
    }

    /** What Example 2 means: a long-lived aux context entered only around the aux block. */
    @Test
    void example2WithCreateAndEnterKeepsTheMainModelInContextZeroAndTheAuxModelInItsOwnContext() {
        var gen = new Generator(7);
        Tensor input = randn(gen, 4, 100);
        var mainOptimizer = new Adam(0.001, 0.9, 0.999, 1e-8);
        Tensor mainWeight = randn(gen, 100, 50).setRequiresGrad(true);
        var aux = GradientContext.create();
        try {
            assertSame(GradientContext.defaultContext(), GradientContext.current(), "create() does not enter");
            var auxOptimizer = new SGD(0.01);
            Tensor auxWeight = randn(gen, 50, 10).setRequiresGrad(true);

            for (int epoch = 0; epoch < 3; epoch++) {
                Tensor mainLoss = input.matmul(mainWeight).mean(new int[] {}, false);
                assertSame(GradientContext.defaultContext(), mainLoss.gradFn().context());
                assertEquals(2, GradientContext.defaultContext().tapeSize());
                assertEquals(0, aux.tapeSize());
                Autograd.computeGradients(mainLoss.id());
                stepAndZeroGrad(mainOptimizer, mainWeight);
                assertEquals(0, GradientContext.defaultContext().tapeSize());

                try (var in = aux.enter()) {
                    assertSame(aux, GradientContext.current());
                    Tensor auxInput = mainWeight.detach();
                    Tensor auxLoss = auxInput.matmul(auxWeight).mean(new int[] {}, false);
                    assertSame(aux, auxLoss.gradFn().context());
                    assertEquals(2, aux.tapeSize());
                    assertEquals(0, GradientContext.defaultContext().tapeSize());
                    computeAndCheckMeanOfMatmulGrad(auxLoss, auxInput, auxWeight);
                    stepAndZeroGrad(auxOptimizer, auxWeight);
                    assertEquals(2, aux.tapeSize());
                    Autograd.clearTape();
                    assertEquals(0, aux.tapeSize());
                }
                assertSame(GradientContext.defaultContext(), GradientContext.current());
            }
        } finally {
            aux.close();
        }
        assertTrue(aux.isClosed());
    }

    @Test
    void reenteredContextKeepsItsTapeWhileTheMainModelRecordsIntoContextZeroInBetween() {
        var aux = GradientContext.create();
        try {
            Tensor auxWeight = Tensor.of(1.0, 2.0, 3.0).setRequiresGrad(true);
            Tensor auxLoss;
            try (var in = aux.enter()) {
                auxLoss = auxWeight.mulScalar(3.0).sum();
            }
            assertEquals(2, aux.tapeSize());

            Tensor mainWeight = Tensor.of(1.0, 1.0).setRequiresGrad(true);
            mainWeight.mulScalar(2.0).sum().backward();
            assertArrayEquals(new float[] {2, 2}, mainWeight.grad().toFloatArray(), 0.0f);
            Autograd.clearDefaultContextTape();
            assertEquals(2, aux.tapeSize(), "context 0 work does not touch the aux tape");

            try (var in = aux.enter()) {
                auxLoss.backward();
            }
            assertArrayEquals(new float[] {3, 3, 3}, auxWeight.grad().toFloatArray(), 0.0f);
        } finally {
            aux.close();
        }
    }

    // ------------------------------------------------------------------ Example 3

    @Test
    void example3NestedContextsComputeIndependentGradientsAndTheMainTapeSurvivesThem() {
        var gen = new Generator(8);
        Tensor mainX = randn(gen, 2, 3).setRequiresGrad(true);
        Tensor mainY = mainX.mulScalar(2.0);
        assertEquals(1, GradientContext.defaultContext().tapeSize());

        Tensor aux1X;
        Tensor aux2X;
        long id1;
        try (var ctx1 = new GradientContext()) {
            id1 = ctx1.id();
            aux1X = randn(gen, 3, 4).setRequiresGrad(true);
            Tensor aux1Y = aux1X.mulScalar(3.0);
            // hodu's compute_gradients(aux1_y.id()) seeds a non-scalar output with ones; Walnut wants it explicit.
            aux1Y.backward(Tensor.onesLike(aux1Y));
            assertArrayEquals(filled(12, 3f), aux1X.grad().toFloatArray(), 0.0f);
            Autograd.clearTape();
            assertEquals(0, ctx1.tapeSize());

            try (var ctx2 = new GradientContext()) {
                assertTrue(ctx2.id() > id1);
                assertSame(ctx2, GradientContext.current());
                aux2X = randn(gen, 4, 5).setRequiresGrad(true);
                Tensor aux2Y = aux2X.mulScalar(4.0);
                aux2Y.backward(Tensor.onesLike(aux2Y));
                assertArrayEquals(filled(20, 4f), aux2X.grad().toFloatArray(), 0.0f);
                Autograd.clearTape();
                assertEquals(0, ctx2.tapeSize());
            }
            assertSame(ctx1, GradientContext.current());
        }
        assertSame(GradientContext.defaultContext(), GradientContext.current());
        assertEquals(1, GradientContext.defaultContext().tapeSize(), "the nested contexts left context 0 alone");

        mainY.backward(Tensor.onesLike(mainY));
        assertArrayEquals(filled(6, 2f), mainX.grad().toFloatArray(), 0.0f);
        assertArrayEquals(filled(12, 3f), aux1X.grad().toFloatArray(), 0.0f);
        assertArrayEquals(filled(20, 4f), aux2X.grad().toFloatArray(), 0.0f);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void nodesRecordedInAnotherContextAreConstantsForBackward() {
        Tensor x = Tensor.of(2.0).setRequiresGrad(true);
        Tensor y = x.mulScalar(5.0); // context 0
        try (var ctx = new GradientContext()) {
            Tensor w = Tensor.of(3.0).setRequiresGrad(true);
            Tensor z = y.mul(w).sum(); // context ctx; y's node is in context 0
            z.backward();
            assertEquals(10.0, w.grad().item(), 0.0, "dz/dw = y = 10");
            assertNull(x.grad(), "the path through context 0's node is not followed");
        }
    }

    // ------------------------------------------------------------------ "What Happens If You Forget to Clear the Tape?"

    private static int trainInCustomContext(int iterations, boolean clearTapeEachIteration, int[] maxTapeSize) {
        var gen = new Generator(9);
        Tensor input = randn(gen, 4, 10);
        var optimizer = new SGD(0.01);
        Tensor weight = randn(gen, 10, 5).setRequiresGrad(true);
        try (var ctx = new GradientContext()) {
            for (int i = 0; i < iterations; i++) {
                Tensor loss = input.matmul(weight).mean(new int[] {}, false);
                Autograd.computeGradients(loss.id());
                stepAndZeroGrad(optimizer, weight);
                maxTapeSize[0] = Math.max(maxTapeSize[0], ctx.tapeSize());
                if (clearTapeEachIteration) {
                    Autograd.clearTape();
                }
            }
            return ctx.tapeSize();
        }
    }

    @Test
    void forgettingClearTapeInACustomContextGrowsTheTapeByTwoNodesPerIteration() {
        int[] max = {0};
        assertEquals(2 * 50, trainInCustomContext(50, false, max));
        assertEquals(100, max[0]);
        assertEquals(2 * 100, trainInCustomContext(100, false, max));
    }

    @Test
    void callingClearTapeEachIterationKeepsTheCustomTapeBounded() {
        int[] max = {0};
        assertEquals(0, trainInCustomContext(100, true, max));
        assertEquals(2, max[0], "never more than one iteration's nodes");
    }

    // ------------------------------------------------------------------ "Important Notes"

    @Test
    void defaultContextCannotBeClosed() {
        GradientContext zero = GradientContext.defaultContext();
        var e = assertThrows(IllegalStateException.class, zero::close);
        assertContains(e.getMessage(), "default context 0 is never deleted", "clearDefaultContextTape()");
        assertEquals(0, zero.id());
        assertSame(zero, GradientContext.current(), "context 0 is still active and usable");
        Tensor x = Tensor.of(1.0).setRequiresGrad(true);
        x.mulScalar(4.0).sum().backward();
        assertEquals(4.0, x.grad().item(), 0.0);
    }

    @Test
    void zeroGradClearsOnlyContextZerosTapeEvenInsideACustomContext() {
        Tensor p = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        p.mulScalar(2.0).sum().backward();
        assertEquals(2, GradientContext.defaultContext().tapeSize());
        var optimizer = new SGD(0.1);
        try (var ctx = new GradientContext()) {
            p.mulScalar(3.0).sum().backward();
            assertEquals(2, ctx.tapeSize());
            optimizer.zeroGrad(List.of(p));
            assertEquals(0, GradientContext.defaultContext().tapeSize());
            assertEquals(2, ctx.tapeSize());
            assertArrayEquals(new float[] {0, 0}, p.grad().toFloatArray(), 0.0f);
            Autograd.clearTape();
        }
    }

    @Test
    void contextIdsAreFreshAndUniqueAcrossContexts() {
        long a;
        long b;
        try (var c1 = new GradientContext()) {
            a = c1.id();
        }
        try (var c2 = GradientContext.open()) {
            b = c2.id();
        }
        assertTrue(a > 0 && b > a, "ids " + a + ", " + b);
    }
}
