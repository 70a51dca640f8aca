package dev.walnut.nn;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import dev.walnut.nn.init.Init;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every layer of {@code dev.walnut.nn}: closed-form outputs with hand-set parameters, a float64
 * gradcheck (w.r.t. input and parameters) on a tiny instance, train/eval behaviour, PyTorch's
 * repr, and PyTorch's default initialisation ({@code reset_parameters}).
 */
class LayersTest {
    private static Tensor t(double[] values, long... shape) {
        return Tensor.fromArray(values, shape).to(DType.F32);
    }

    private static Tensor randn64(long seed, long... shape) {
        return Tensor.randn(shape, DType.F64, new Generator(seed)).setRequiresGrad(true);
    }

    private static void assertValues(double[] expected, Tensor actual, double tol) {
        assertArrayEquals(expected, actual.toDoubleArray(), tol);
    }

    private static void assertValues(double[] expected, Tensor actual) {
        assertValues(expected, actual, 1e-6);
    }

    /** Gradcheck of {@code module} (converted to F64) w.r.t. {@code input} and all its parameters. */
    private static void gradcheck(Module module, Tensor input) {
        module.to(DType.F64);
        Tensor[] inputs = new Tensor[1 + module.parameters().size()];
        inputs[0] = input;
        for (int i = 1; i < inputs.length; i++) {
            inputs[i] = module.parameters().get(i - 1);
        }
        Function<Tensor[], Tensor> fn = in -> module.forward(in[0]);
        GradCheck.check(fn, inputs);
    }

    // ------------------------------------------------------------------ Linear

    @Test
    void linearComputesXTimesWeightTransposedPlusBias() {
        var fc = new Linear(2, 3);
        fc.loadStateDict(Map.of("weight", t(new double[] {1, 2, 3, 4, 5, 6}, 3, 2),
                "bias", t(new double[] {0.5, -0.5, 0}, 3)));
        assertValues(new double[] {3.5, 6.5, 11, 1.5, 2.5, 5},
                fc.forward(t(new double[] {1, 1, 1, 0}, 2, 2)));
    }

    @Test
    void linearWithoutBiasHasOnlyAWeight() {
        var fc = new Linear(2, 1, false);
        assertNull(fc.bias());
        assertEquals(1, fc.parameters().size());
        Init.constant(fc.weight(), 2.0);
        assertValues(new double[] {6}, fc.forward(t(new double[] {1, 2}, 1, 2)));
    }

    @Test
    void linearGradcheck() {
        gradcheck(new Linear(3, 2), randn64(1, 4, 3));
        gradcheck(new Linear(3, 2, false), randn64(2, 2, 5, 3));
    }

    @Test
    void linearDefaultInitIsUniformWithinOneOverSqrtFanIn() {
        var fc = new Linear(100, 400);
        double bound = 1 / Math.sqrt(100);
        assertUniformWithin(fc.weight(), bound);
        assertUniformWithin(new Linear(100, 4000).bias(), bound);
    }

    /** All values in [-bound, bound], spread out to the edges, std close to bound / sqrt(3). */
    private static void assertUniformWithin(Tensor w, double bound) {
        double[] v = w.toDoubleArray();
        double max = 0;
        double sum = 0;
        double sq = 0;
        for (double x : v) {
            assertTrue(Math.abs(x) <= bound, "value " + x + " outside ±" + bound);
            max = Math.max(max, Math.abs(x));
            sum += x;
            sq += x * x;
        }
        assertTrue(max > 0.95 * bound, "max |w| " + max + " far from bound " + bound);
        double mean = sum / v.length;
        double std = Math.sqrt(sq / v.length - mean * mean);
        assertEquals(bound / Math.sqrt(3), std, 0.05 * bound);
        assertEquals(0, mean, 0.05 * bound);
    }

    // ------------------------------------------------------------------ Conv2d

    @Test
    void conv2dSumsEachWindowPlusBias() {
        var conv = new Conv2d(1, 1, 2);
        Init.ones(conv.weight());
        Init.constant(conv.bias(), 1.0);
        Tensor x = t(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor y = conv.forward(x);
        assertArrayEquals(new long[] {1, 1, 2, 2}, y.shape());
        assertValues(new double[] {13, 17, 25, 29}, y);
    }

    @Test
    void conv2dStrideAndPaddingShapeTheOutput() {
        var conv = new Conv2d(1, 2, 3, 2, 1);
        assertArrayEquals(new long[] {1, 2, 3, 3}, conv.forward(Tensor.randn(1, 1, 5, 5)).shape());
        // 'same' padding: a centre-one kernel is the identity
        var same = new Conv2d(1, 1, 3, 1, 1);
        same.loadStateDict(Map.of("weight", t(new double[] {0, 0, 0, 0, 1, 0, 0, 0, 0}, 1, 1, 3, 3),
                "bias", t(new double[] {0}, 1)));
        Tensor x = Tensor.randn(1, 1, 4, 4);
        assertTrue(same.forward(x).allClose(x, 0, 1e-6));
    }

    @Test
    void conv2dGroupsKeepChannelsSeparate() {
        var conv = new Conv2d(2, 2, 1, 1, 0, 1, 2, false);
        assertArrayEquals(new long[] {2, 1, 1, 1}, conv.weight().shape());
        conv.loadStateDict(Map.of("weight", t(new double[] {2, 3}, 2, 1, 1, 1)));
        assertValues(new double[] {2, 4, 9, 12}, conv.forward(t(new double[] {1, 2, 3, 4}, 1, 2, 1, 2)));
    }

    @Test
    void conv2dGradcheck() {
        gradcheck(new Conv2d(2, 3, 2, 1, 1), randn64(3, 1, 2, 3, 3));
        gradcheck(new Conv2d(2, 2, 3, 2, 1, 1, 2, false), randn64(4, 2, 2, 4, 4));
    }

    @Test
    void conv2dDefaultInitIsUniformWithinOneOverSqrtFanIn() {
        var conv = new Conv2d(4, 64, 3);
        double bound = 1 / Math.sqrt(4 * 3 * 3);
        assertUniformWithin(conv.weight(), bound);
        assertUniformWithin(new Conv2d(4, 2000, 3).bias(), bound);
        // groups shrink the fan-in to C_in / groups * k * k
        assertUniformWithin(new Conv2d(4, 256, 3, 1, 0, 1, 2, true).weight(), 1 / Math.sqrt(2 * 3 * 3));
    }

    @Test
    void conv2dRejectsChannelsNotDivisibleByGroups() {
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, 3, 1, 0, 1, 2, true));
    }

    // ------------------------------------------------------------------ pooling

    private static Tensor oneToSixteen() {
        return Tensor.arange(1, 17, 1).to(DType.F32).reshape(1, 1, 4, 4);
    }

    @Test
    void maxPool2dTakesTheMaximumOfEachWindow() {
        assertValues(new double[] {6, 8, 14, 16}, new MaxPool2d(2).forward(oneToSixteen()));
        assertValues(new double[] {6, 7, 8, 10, 11, 12, 14, 15, 16}, new MaxPool2d(2, 1, 0).forward(oneToSixteen()));
    }

    @Test
    void avgPool2dAveragesEachWindowCountingPadding() {
        assertValues(new double[] {3.5, 5.5, 11.5, 13.5}, new AvgPool2d(2).forward(oneToSixteen()));
        // padding 1, window 2, stride 2: the corner window holds only the 1 -> 1/4
        Tensor y = new AvgPool2d(2, 2, 1).forward(oneToSixteen());
        assertArrayEquals(new long[] {1, 1, 3, 3}, y.shape());
        assertEquals(0.25, y.toDoubleArray()[0], 1e-6);
    }

    @Test
    void adaptiveAvgPool2dUsesPyTorchsOverlappingBins() {
        Tensor x = t(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        assertValues(new double[] {5}, new AdaptiveAvgPool2d(1).forward(x));
        // bins [floor(i*3/2), ceil((i+1)*3/2)) = [0,2) and [1,3) in each direction
        assertValues(new double[] {3, 4, 6, 7}, new AdaptiveAvgPool2d(2).forward(x));
        assertArrayEquals(new long[] {1, 1, 1, 3}, new AdaptiveAvgPool2d(1, 3).forward(x).shape());
    }

    @Test
    void poolingGradcheck() {
        gradcheck(new MaxPool2d(2), randn64(5, 1, 2, 4, 4));
        gradcheck(new MaxPool2d(3, 2, 1), randn64(6, 1, 1, 5, 5));
        gradcheck(new AvgPool2d(2), randn64(7, 1, 2, 4, 4));
        gradcheck(new AvgPool2d(3, 2, 1), randn64(8, 1, 1, 5, 5));
        gradcheck(new AdaptiveAvgPool2d(2), randn64(9, 1, 2, 3, 5));
    }

    // ------------------------------------------------------------------ shape layers

    @Test
    void identityReturnsItsInput() {
        Tensor x = Tensor.randn(2, 3);
        assertSame(x, new Identity().forward(x));
        gradcheck(new Identity(), randn64(10, 2, 3));
    }

    @Test
    void flattenKeepsTheBatchDimByDefault() {
        Tensor x = Tensor.arange(0, 24, 1).to(DType.F32).reshape(2, 3, 4);
        Tensor y = new Flatten().forward(x);
        assertArrayEquals(new long[] {2, 12}, y.shape());
        assertArrayEquals(x.toDoubleArray(), y.toDoubleArray());
        assertArrayEquals(new long[] {6, 4}, new Flatten(0, 1).forward(x).shape());
        gradcheck(new Flatten(), randn64(11, 2, 3, 2));
    }

    // ------------------------------------------------------------------ activations

    @Test
    void reluZeroesNegatives() {
        assertValues(new double[] {0, 0, 2}, new ReLU().forward(t(new double[] {-1, 0, 2}, 3)));
        gradcheck(new ReLU(), Tensor.fromArray(new double[] {-1.5, -0.3, 0.4, 2}, 4).setRequiresGrad(true));
    }

    @Test
    void leakyReluScalesNegativesBySlope() {
        assertValues(new double[] {-0.2, 0, 3}, new LeakyReLU(0.1).forward(t(new double[] {-2, 0, 3}, 3)));
        assertValues(new double[] {-0.02}, new LeakyReLU().forward(t(new double[] {-2}, 1)));
        gradcheck(new LeakyReLU(0.2), Tensor.fromArray(new double[] {-1.5, -0.3, 0.4, 2}, 4).setRequiresGrad(true));
    }

    @Test
    void geluExactAndTanhApproximation() {
        Tensor x = t(new double[] {-1, 0, 1}, 3);
        assertValues(new double[] {-0.15865525393145707, 0, 0.8413447460685429}, new GELU().forward(x), 1e-6);
        assertValues(new double[] {-0.15880800939172324, 0, 0.8411919906082768}, new GELU("tanh").forward(x), 1e-6);
        gradcheck(new GELU(), randn64(12, 5));
        gradcheck(new GELU("tanh"), randn64(13, 5));
    }

    @Test
    void siluIsXTimesSigmoidX() {
        assertValues(new double[] {-0.2689414213699951, 0, 0.7310585786300049},
                new SiLU().forward(t(new double[] {-1, 0, 1}, 3)));
        gradcheck(new SiLU(), randn64(14, 5));
    }

    @Test
    void tanhAndSigmoidClosedForm() {
        Tensor x = t(new double[] {-1, 0, 1}, 3);
        assertValues(new double[] {-0.7615941559557649, 0, 0.7615941559557649}, new Tanh().forward(x));
        assertValues(new double[] {0.2689414213699951, 0.5, 0.7310585786300049}, new Sigmoid().forward(x));
        gradcheck(new Tanh(), randn64(15, 5));
        gradcheck(new Sigmoid(), randn64(16, 5));
    }

    @Test
    void softmaxNormalisesAlongItsDim() {
        Tensor x = t(new double[] {0, Math.log(3), 1, 1}, 2, 2);
        assertValues(new double[] {0.25, 0.75, 0.5, 0.5}, new Softmax(1).forward(x));
        assertValues(new double[] {1 / (1 + Math.E), 3 / (3 + Math.E), Math.E / (1 + Math.E), Math.E / (3 + Math.E)},
                new Softmax(0).forward(x), 1e-6);
        gradcheck(new Softmax(1), randn64(17, 2, 3));
        gradcheck(new Softmax(0), randn64(18, 2, 3));
    }

    // ------------------------------------------------------------------ Dropout

    @Test
    void dropoutIsTheIdentityInEvalMode() {
        var d = new Dropout(0.9);
        d.eval();
        Tensor x = Tensor.randn(100);
        assertTrue(d.forward(x).equal(x));
        var d64 = new Dropout(0.5);
        d64.eval();
        gradcheck(d64, randn64(19, 6));
    }

    @Test
    void dropoutInTrainingZeroesOrScalesByOneOverOneMinusP() {
        var d = new Dropout(0.5);
        assertTrue(d.isTraining());
        Tensor x = Tensor.ones(10_000);
        double[] y = d.forward(x).toDoubleArray();
        int zeros = 0;
        for (double v : y) {
            assertTrue(v == 0.0 || v == 2.0, "value " + v);
            zeros += v == 0.0 ? 1 : 0;
        }
        assertEquals(5000, zeros, 300);
        assertTrue(new Dropout(0.0).forward(x).equal(x));
        assertValues(new double[10_000], new Dropout(1.0).forward(x));
    }

    @Test
    void dropoutGradientIsTheSameMaskAsTheOutput() {
        Tensor x = Tensor.fromArray(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 8).setRequiresGrad(true);
        Tensor y = new Dropout(0.25).forward(x);
        y.sum().backward();
        // y = x * mask / (1 - p) and dy/dx = mask / (1 - p)
        assertValues(y.toDoubleArray(), x.mul(x.grad()), 1e-12);
    }

    @Test
    void dropoutRejectsProbabilitiesOutsideZeroOne() {
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1));
    }

    // ------------------------------------------------------------------ BatchNorm

    @Test
    void batchNorm1dTrainingNormalisesWithBiasedBatchStatistics() {
        var bn = new BatchNorm1d(2);
        bn.loadStateDict(Map.of("weight", t(new double[] {2, 3}, 2), "bias", t(new double[] {1, -1}, 2)), false);
        // batch mean [2, 4], biased var [1, 4]
        Tensor y = bn.forward(t(new double[] {1, 2, 3, 6}, 2, 2));
        double s0 = 1 / Math.sqrt(1 + 1e-5);
        double s1 = 2 / Math.sqrt(4 + 1e-5);
        assertValues(new double[] {1 - 2 * s0, -1 - 3 * s1, 1 + 2 * s0, -1 + 3 * s1}, y, 1e-5);
    }

    @Test
    void batchNormTrainingUpdatesRunningStatsWithMomentumAndUnbiasedVariance() {
        var bn = new BatchNorm1d(2);
        bn.forward(t(new double[] {1, 2, 3, 6}, 2, 2));
        // running = 0.9 * running + 0.1 * stat; unbiased var [2, 8]
        assertValues(new double[] {0.2, 0.4}, bn.runningMean());
        assertValues(new double[] {0.9 + 0.2, 0.9 + 0.8}, bn.runningVar(), 1e-6);
        assertEquals(1, bn.namedBuffers().get("num_batches_tracked").itemLong());
        bn.forward(t(new double[] {1, 2, 3, 6}, 2, 2));
        assertValues(new double[] {0.9 * 0.2 + 0.2, 0.9 * 0.4 + 0.4}, bn.runningMean(), 1e-6);
        assertValues(new double[] {0.9 * 1.1 + 0.2, 0.9 * 1.7 + 0.8}, bn.runningVar(), 1e-6);
        assertEquals(2, bn.namedBuffers().get("num_batches_tracked").itemLong());
    }

    @Test
    void batchNormCustomMomentumIsUsed() {
        var bn = new BatchNorm1d(1, 1e-5, 0.5, true);
        bn.forward(t(new double[] {2, 4}, 2, 1));
        assertValues(new double[] {1.5}, bn.runningMean());
        assertValues(new double[] {0.5 + 0.5 * 2}, bn.runningVar(), 1e-6);
    }

    @Test
    void batchNormEvalUsesRunningStatsAndLeavesThemAlone() {
        var bn = new BatchNorm1d(2, 0.0, 0.1, true);
        bn.loadStateDict(Map.of("weight", t(new double[] {2, 3}, 2), "bias", t(new double[] {1, -1}, 2),
                "running_mean", t(new double[] {1, 2}, 2), "running_var", t(new double[] {4, 16}, 2),
                "num_batches_tracked", Tensor.zeros(new long[0], DType.I64)));
        bn.eval();
        Tensor x = t(new double[] {3, 6, 5, 2}, 2, 2);
        // (x - rm) / sqrt(rv) * w + b
        assertValues(new double[] {3, 2, 5, -1}, bn.forward(x));
        assertValues(new double[] {1, 2}, bn.runningMean());
        assertValues(new double[] {4, 16}, bn.runningVar());
        assertEquals(0, bn.namedBuffers().get("num_batches_tracked").itemLong());
    }

    @Test
    void evalChangesBatchNormOutput() {
        var bn = new BatchNorm2d(3);
        Tensor x = Tensor.randn(4, 3, 2, 2).mul(Tensor.of(5.0)).add(Tensor.of(2.0));
        Tensor train = bn.forward(x);
        bn.eval();
        Tensor eval = bn.forward(x);
        assertFalse(train.allClose(eval, 1e-3, 1e-3), "eval() must switch BatchNorm to running statistics");
        bn.train();
        assertTrue(bn.forward(x).allClose(train, 1e-5, 1e-5));
    }

    @Test
    void batchNorm2dReducesOverBatchAndSpatialDims() {
        var bn = new BatchNorm2d(1);
        // mean 4, biased var 5, unbiased var 20/3
        Tensor y = bn.forward(t(new double[] {1, 3, 5, 7}, 2, 1, 1, 2));
        double s = 1 / Math.sqrt(5 + 1e-5);
        assertValues(new double[] {-3 * s, -s, s, 3 * s}, y, 1e-5);
        assertValues(new double[] {0.4}, bn.runningMean(), 1e-6);
        assertValues(new double[] {0.9 + 0.1 * 20 / 3.0}, bn.runningVar(), 1e-6);
    }

    @Test
    void batchNorm1dAcceptsThreeDimInputsAndRejectsOthers() {
        assertArrayEquals(new long[] {2, 3, 4}, new BatchNorm1d(3).forward(Tensor.randn(2, 3, 4)).shape());
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm1d(3).forward(Tensor.randn(2, 3, 4, 4)));
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(Tensor.randn(2, 3)));
    }

    @Test
    void batchNormGradcheckInTrainAndEval() {
        gradcheck(new BatchNorm1d(3), randn64(20, 4, 3));
        gradcheck(new BatchNorm2d(2), randn64(21, 2, 2, 2, 2));
        var bn = new BatchNorm2d(2);
        bn.forward(Tensor.randn(3, 2, 2, 2));
        bn.eval();
        gradcheck(bn, randn64(22, 2, 2, 2, 2));
    }

    @Test
    void batchNormDefaultsAreOnesZerosAndFreshRunningStats() {
        var bn = new BatchNorm2d(3);
        assertValues(new double[] {1, 1, 1}, bn.weight());
        assertValues(new double[] {0, 0, 0}, bn.bias());
        assertValues(new double[] {0, 0, 0}, bn.runningMean());
        assertValues(new double[] {1, 1, 1}, bn.runningVar());
        Tensor n = bn.namedBuffers().get("num_batches_tracked");
        assertEquals(DType.I64, n.dtype());
        assertEquals(0, n.dim());
        assertEquals(0, n.itemLong());
        var plain = new BatchNorm1d(3, 1e-5, 0.1, false);
        assertNull(plain.weight());
        assertTrue(plain.parameters().isEmpty());
    }

    // ------------------------------------------------------------------ LayerNorm

    @Test
    void layerNormNormalisesTheTrailingDims() {
        var ln = new LayerNorm(2);
        ln.loadStateDict(Map.of("weight", t(new double[] {2, 3}, 2), "bias", t(new double[] {1, -1}, 2)));
        // row [1, 3]: mean 2, var 1 -> [-1, 1]; row [5, 5]: var 0 -> [0, 0]
        double s = 1 / Math.sqrt(1 + 1e-5);
        assertValues(new double[] {1 - 2 * s, -1 + 3 * s, 1, -1}, ln.forward(t(new double[] {1, 3, 5, 5}, 2, 2)), 1e-5);
        var ln2 = new LayerNorm(2, 2);
        Tensor y = ln2.forward(t(new double[] {1, 2, 3, 4}, 1, 2, 2));
        double sd = Math.sqrt(1.25 + 1e-5);
        assertValues(new double[] {-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}, y, 1e-5);
    }

    @Test
    void layerNormIsTheSameInTrainAndEval() {
        var ln = new LayerNorm(3);
        Tensor x = Tensor.randn(2, 3);
        Tensor train = ln.forward(x);
        ln.eval();
        assertTrue(ln.forward(x).equal(train));
    }

    @Test
    void layerNormGradcheck() {
        var ln = new LayerNorm(3);
        Init.normal(ln.weight(), 1, 0.5);
        Init.normal(ln.bias(), 0, 0.5);
        gradcheck(ln, randn64(23, 2, 3));
        gradcheck(new LayerNorm(new long[] {2, 2}, 1e-5, false), randn64(24, 3, 2, 2));
    }

    @Test
    void layerNormDefaultsAreOnesAndZeros() {
        var ln = new LayerNorm(2, 3);
        assertArrayEquals(new long[] {2, 3}, ln.weight().shape());
        assertValues(new double[] {1, 1, 1, 1, 1, 1}, ln.weight());
        assertValues(new double[] {0, 0, 0, 0, 0, 0}, ln.bias());
    }

    // ------------------------------------------------------------------ Embedding

    @Test
    void embeddingLooksUpRows() {
        var emb = new Embedding(3, 2);
        emb.loadStateDict(Map.of("weight", t(new double[] {0, 1, 2, 3, 4, 5}, 3, 2)));
        Tensor y = emb.forward(Tensor.of(2L, 0L, 2L));
        assertArrayEquals(new long[] {3, 2}, y.shape());
        assertValues(new double[] {4, 5, 0, 1, 4, 5}, y);
    }

    @Test
    void embeddingGradcheckWithRespectToTheTable() {
        var emb = new Embedding(4, 3).to(DType.F64);
        Tensor idx = Tensor.of(1L, 3L, 1L);
        GradCheck.check(in -> emb.forward(idx), emb.parameters().get(0));
    }

    @Test
    void embeddingPaddingRowStartsAtZeroAndGetsNoGradient() {
        var emb = new Embedding(4, 2, -1L);
        assertValues(new double[] {0, 0}, emb.weight().select(0, 3));
        emb.forward(Tensor.of(3L, 0L, 3L)).sum().backward();
        double[] g = emb.weight().grad().toDoubleArray();
        assertArrayEquals(new double[] {1, 1, 0, 0, 0, 0, 0, 0}, g, 0);
        assertThrows(IllegalArgumentException.class, () -> new Embedding(4, 2, 4L));
    }

    @Test
    void embeddingDefaultInitIsStandardNormal() {
        double[] v = new Embedding(1000, 100).weight().toDoubleArray();
        double sum = 0;
        double sq = 0;
        for (double x : v) {
            sum += x;
            sq += x * x;
        }
        double mean = sum / v.length;
        assertEquals(0, mean, 0.02);
        assertEquals(1, Math.sqrt(sq / v.length - mean * mean), 0.02);
    }

    // ------------------------------------------------------------------ losses

    @Test
    void crossEntropyLossIsMeanNegativeLogSoftmaxOfTheTarget() {
        Tensor logits = t(new double[] {0, 0, 0, Math.log(3)}, 2, 2);
        Tensor loss = new CrossEntropyLoss().forward(logits, Tensor.of(0L, 1L));
        assertEquals((Math.log(2) - Math.log(0.75)) / 2, loss.item(), 1e-6);
        Tensor none = new CrossEntropyLoss(null, -100, "none", 0.0).forward(logits, Tensor.of(0L, 1L));
        assertValues(new double[] {Math.log(2), -Math.log(0.75)}, none, 1e-6);
        // an ignored target drops out of the mean
        Tensor ignored = new CrossEntropyLoss(null, 1, "mean", 0.0).forward(logits, Tensor.of(0L, 1L));
        assertEquals(Math.log(2), ignored.item(), 1e-6);
    }

    @Test
    void crossEntropyLossGradcheck() {
        var ce = new CrossEntropyLoss();
        Tensor target = Tensor.of(0L, 2L, 1L);
        GradCheck.check(in -> ce.forward(in[0], target), randn64(25, 3, 3));
        var weighted = new CrossEntropyLoss(Tensor.fromArray(new double[] {1, 2, 0.5}, 3), -100, "mean", 0.1);
        GradCheck.check(in -> weighted.forward(in[0], target), randn64(26, 3, 3));
    }

    @Test
    void mseLossAveragesSquaredErrors() {
        Tensor a = t(new double[] {1, 2}, 2);
        Tensor b = t(new double[] {0, 0}, 2);
        assertEquals(2.5, new MSELoss().forward(a, b).item(), 1e-6);
        assertEquals(5, new MSELoss("sum").forward(a, b).item(), 1e-6);
        assertValues(new double[] {1, 4}, new MSELoss("none").forward(a, b));
        GradCheck.check(in -> new MSELoss().forward(in[0], in[1]), randn64(27, 2, 3), randn64(28, 2, 3));
    }

    @Test
    void lossModulesNeedExactlyTwoInputs() {
        Tensor x = Tensor.ones(2);
        assertThrows(IllegalArgumentException.class, () -> new MSELoss().forward(x, x, x));
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss().forward(new Tensor[] {x}));
        // the single-tensor forward points at forward(Tensor...)
        var e = assertThrows(IllegalArgumentException.class, () -> new MSELoss().forward(x));
        assertTrue(e.getMessage().contains("forward(Tensor...)"), e.getMessage());
    }

    // ------------------------------------------------------------------ repr

    @Test
    void reprMatchesPyTorch() {
        assertEquals("Linear(in_features=4, out_features=8, bias=True)", new Linear(4, 8).toString());
        assertEquals("Linear(in_features=8, out_features=2, bias=False)", new Linear(8, 2, false).toString());
        assertEquals("Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
                new Conv2d(1, 32, 3, 1, 1).toString());
        assertEquals("Conv2d(3, 16, kernel_size=(5, 5), stride=(1, 1))", new Conv2d(3, 16, 5).toString());
        assertEquals("Conv2d(2, 4, kernel_size=(3, 3), stride=(2, 2), dilation=(2, 2), groups=2, bias=False)",
                new Conv2d(2, 4, 3, 2, 0, 2, 2, false).toString());
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
                new MaxPool2d(2).toString());
        assertEquals("AvgPool2d(kernel_size=3, stride=2, padding=1)", new AvgPool2d(3, 2, 1).toString());
        assertEquals("AdaptiveAvgPool2d(output_size=1)", new AdaptiveAvgPool2d(1).toString());
        assertEquals("AdaptiveAvgPool2d(output_size=(2, 3))", new AdaptiveAvgPool2d(2, 3).toString());
        assertEquals("BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
                new BatchNorm1d(4).toString());
        assertEquals("BatchNorm2d(64, eps=0.001, momentum=0.01, affine=False, track_running_stats=True)",
                new BatchNorm2d(64, 1e-3, 0.01, false).toString());
        assertEquals("LayerNorm((4,), eps=1e-05, elementwise_affine=True)", new LayerNorm(4).toString());
        assertEquals("LayerNorm((2, 3), eps=1e-06, elementwise_affine=False)",
                new LayerNorm(new long[] {2, 3}, 1e-6, false).toString());
        assertEquals("Embedding(10, 3)", new Embedding(10, 3).toString());
        assertEquals("Embedding(10, 3, padding_idx=9)", new Embedding(10, 3, -1L).toString());
        assertEquals("Dropout(p=0.5, inplace=False)", new Dropout().toString());
        assertEquals("Dropout(p=0.0001, inplace=False)", new Dropout(1e-4).toString());
        assertEquals("Flatten(start_dim=1, end_dim=-1)", new Flatten().toString());
        assertEquals("GELU(approximate='none')", new GELU().toString());
        assertEquals("GELU(approximate='tanh')", new GELU("tanh").toString());
        assertEquals("LeakyReLU(negative_slope=0.01)", new LeakyReLU().toString());
        assertEquals("LeakyReLU(negative_slope=1e-05)", new LeakyReLU(1e-5).toString());
        assertEquals("Softmax(dim=1)", new Softmax(1).toString());
        assertEquals("Identity()", new Identity().toString());
        assertEquals("ReLU()", new ReLU().toString());
        assertEquals("SiLU()", new SiLU().toString());
        assertEquals("Tanh()", new Tanh().toString());
        assertEquals("Sigmoid()", new Sigmoid().toString());
        assertEquals("CrossEntropyLoss()", new CrossEntropyLoss().toString());
        assertEquals("MSELoss()", new MSELoss().toString());
    }

    @Test
    void pythonFloatReprRules() {
        assertEquals("1e-05", PyRepr.pyFloat(1e-5));
        assertEquals("0.0001", PyRepr.pyFloat(1e-4));
        assertEquals("0.1", PyRepr.pyFloat(0.1));
        assertEquals("2.0", PyRepr.pyFloat(2));
        assertEquals("-2.5e-07", PyRepr.pyFloat(-2.5e-7));
        assertEquals("1e+16", PyRepr.pyFloat(1e16));
        assertEquals("1234567.0", PyRepr.pyFloat(1234567));
    }
}
