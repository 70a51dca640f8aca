package dev.walnut.nn;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import dev.walnut.nn.functional.Activations;
import dev.walnut.nn.functional.Losses;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The thin module wrappers (activations, losses, 1-d pooling, Unflatten, Bilinear,
 * ConvTranspose2d): closed-form values on tiny inputs, agreement with the functional op wrapped,
 * PyTorch's repr, PyTorch's default initialisation, and float64 gradchecks for the layers with
 * parameters.
 */
class MoreLayersTest {
    private static final double LN2 = Math.log(2);

    private static Tensor t(double... values) {
        return Tensor.fromArray(values, values.length).to(DType.F32);
    }

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
        assertValues(expected, actual, 1e-5);
    }

    private static void assertSame(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 1e-6);
    }

    // ------------------------------------------------------------------ activations

    @Test
    void eluMatchesClosedFormAndFunctional() {
        Tensor x = t(-1, 0, 2);
        double e = Math.exp(-1) - 1;
        assertValues(new double[] {e, 0, 2}, new ELU().forward(x));
        assertValues(new double[] {0.5 * e, 0, 2}, new ELU(0.5).forward(x));
        assertSame(Activations.elu(x, 0.5), new ELU(0.5).forward(x));
    }

    @Test
    void seluMatchesClosedFormAndFunctional() {
        Tensor x = t(-1, 1);
        assertValues(new double[] {-1.7580993408473766 * (1 - Math.exp(-1)), 1.0507009873554805},
                new SELU().forward(x));
        assertSame(Activations.selu(x), new SELU().forward(x));
    }

    @Test
    void softplusUsesBetaAndThreshold() {
        assertValues(new double[] {LN2, 30}, new Softplus().forward(t(0, 30)));
        assertValues(new double[] {Math.log1p(Math.exp(2)) / 2}, new Softplus(2.0, 20.0).forward(t(1)));
        // beta * x = 4 > threshold 3: linear.
        assertValues(new double[] {2}, new Softplus(2.0, 3.0).forward(t(2)));
        Tensor x = t(-2, 0.5, 3);
        assertSame(Activations.softplus(x, 2.0, 3.0), new Softplus(2.0, 3.0).forward(x));
    }

    @Test
    void mishIsXTimesTanhSoftplus() {
        assertValues(new double[] {0, Math.tanh(Math.log1p(Math.E))}, new Mish().forward(t(0, 1)));
        Tensor x = t(-3, -0.5, 2);
        assertSame(Activations.mish(x), new Mish().forward(x));
    }

    @Test
    void hardtanhClampsToRange() {
        assertValues(new double[] {-1, -0.5, 0.5, 1}, new Hardtanh().forward(t(-2, -0.5, 0.5, 2)));
        assertValues(new double[] {0, 3, 6}, new Hardtanh(0, 6).forward(t(-2, 3, 7)));
        assertThrows(IllegalArgumentException.class, () -> new Hardtanh(1, -1));
    }

    @Test
    void hardsigmoidAndHardswish() {
        assertValues(new double[] {0, 0.5, 0.75, 1}, new Hardsigmoid().forward(t(-4, 0, 1.5, 4)));
        assertValues(new double[] {0, -1.0 / 3, 2.0 / 3, 4}, new Hardswish().forward(t(-4, -1, 1, 4)));
        Tensor x = t(-3.5, -2, 0.25, 2.5, 3.5);
        assertSame(Activations.hardsigmoid(x), new Hardsigmoid().forward(x));
        assertSame(Activations.hardswish(x), new Hardswish().forward(x));
    }

    @Test
    void logSigmoidIsStable() {
        assertValues(new double[] {-LN2, -100, 0}, new LogSigmoid().forward(t(0, -100, 100)), 1e-4);
        Tensor x = t(-2, 0.5, 3);
        assertSame(Activations.logSigmoid(x), new LogSigmoid().forward(x));
    }

    @Test
    void softminLogSoftmaxAndGluAlongADim() {
        assertValues(new double[] {2.0 / 3, 1.0 / 3}, new Softmin(0).forward(t(0, LN2)));
        assertValues(new double[] {-LN2, -LN2}, new LogSoftmax(0).forward(t(0, 0)));
        assertValues(new double[] {0.5, 2}, new GLU().forward(t(1, 2, 0, 100)));
        // GLU along dim 0 of [2, 2]: rows are a and b.
        assertValues(new double[] {0.5, 3}, new GLU(0).forward(t(new double[] {1, 3, 0, 100}, 2, 2)));
        Tensor x = t(new double[] {1, -2, 0.5, 3, 0, -1}, 2, 3);
        assertSame(Activations.softmin(x, 1), new Softmin(1).forward(x));
        assertSame(Activations.logSoftmax(x, 0), new LogSoftmax(0).forward(x));
        assertSame(Activations.glu(x, 0), new GLU(0).forward(x));
    }

    // ------------------------------------------------------------------ losses

    @Test
    void nllLossPicksTargetLogProbabilities() {
        Tensor logp = t(new double[] {-1, -2, -3, -4}, 2, 2);
        Tensor target = Tensor.of(0L, 1L);
        assertValues(new double[] {2.5}, new NLLLoss().forward(logp, target));
        assertValues(new double[] {1, 4}, new NLLLoss(null, -100, "none").forward(logp, target));
        Tensor w = t(1, 3);
        assertSame(Losses.nllLoss(logp, target, w, -100, "mean"), new NLLLoss(w, -100, "mean").forward(logp, target));
        assertThrows(IllegalArgumentException.class, () -> new NLLLoss().forward(new Tensor[] {logp}));
    }

    @Test
    void l1SmoothL1AndHuber() {
        assertValues(new double[] {4.0 / 3}, new L1Loss().forward(t(1, 2, 3), t(1, 0, 5)));
        assertValues(new double[] {4}, new L1Loss("sum").forward(t(1, 2, 3), t(1, 0, 5)));
        // |d| = 0.5 -> 0.5 d^2 / beta; |d| = 2 -> |d| - beta / 2.
        assertValues(new double[] {0.8125}, new SmoothL1Loss().forward(t(0.5, 2), t(0, 0)));
        assertValues(new double[] {0.8125}, new HuberLoss().forward(t(0.5, 2), t(0, 0)));
        // delta = 2: 0.5 * 0.25 and 2 * (3 - 1).
        assertValues(new double[] {2.0625}, new HuberLoss("mean", 2.0).forward(t(0.5, 3), t(0, 0)));
        Tensor a = t(0.1, -3, 1.5);
        Tensor b = t(0, 0.5, -1);
        assertSame(Losses.smoothL1Loss(a, b, "sum", 0.5), new SmoothL1Loss("sum", 0.5).forward(a, b));
        assertSame(Losses.huberLoss(a, b, "none", 0.5), new HuberLoss("none", 0.5).forward(a, b));
    }

    @Test
    void binaryCrossEntropyLosses() {
        assertValues(new double[] {(LN2 + Math.log(10)) / 2}, new BCELoss().forward(t(0.5, 0.9), t(1, 0)));
        assertValues(new double[] {LN2}, new BCEWithLogitsLoss().forward(t(0, 0), t(1, 0)));
        // pos_weight 3 scales the positive term: (3 ln2 + ln2) / 2.
        assertValues(new double[] {2 * LN2}, new BCEWithLogitsLoss(null, "mean", t(3)).forward(t(0, 0), t(1, 0)));
        Tensor w = t(2, 0.5);
        assertSame(Losses.binaryCrossEntropy(t(0.3, 0.8), t(0, 1), w, "sum"),
                new BCELoss(w, "sum").forward(t(0.3, 0.8), t(0, 1)));
        assertTrue(new BCEWithLogitsLoss(w, "mean", t(3)).namedBuffers().containsKey("pos_weight"));
    }

    @Test
    void klDivLoss() {
        Tensor input = t(Math.log(0.5), Math.log(0.5));
        Tensor target = t(0.25, 0.75);
        double expected = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
        assertValues(new double[] {expected}, new KLDivLoss("sum", false).forward(input, target));
        assertValues(new double[] {expected}, new KLDivLoss("sum", true).forward(input, target.log()));
        assertSame(Losses.klDiv(input, target, "mean", false), new KLDivLoss().forward(input, target));
    }

    @Test
    void cosineEmbeddingMarginRankingAndTripletLosses() {
        Tensor x1 = t(new double[] {1, 0, 1, 0}, 2, 2);
        Tensor x2 = t(new double[] {0, 1, 1, 1}, 2, 2);
        Tensor y = t(1, -1);
        // 1 - cos = 1 for the similar pair, max(0, cos - margin) = 1/sqrt(2) for the dissimilar one.
        assertValues(new double[] {(1 + Math.sqrt(0.5)) / 2}, new CosineEmbeddingLoss().forward(x1, x2, y));
        assertValues(new double[] {0.5}, new CosineEmbeddingLoss(0.8, "mean").forward(x1, x2, y));

        assertValues(new double[] {0.5}, new MarginRankingLoss().forward(t(1, 2), t(2, 1), t(1, 1)));
        assertValues(new double[] {2, 0}, new MarginRankingLoss(1.0, "none").forward(t(1, 2), t(2, 1), t(1, 1)));

        Tensor anchor = t(new double[] {0, 0}, 1, 2);
        Tensor positive = t(new double[] {3, 4}, 1, 2);
        Tensor negative = t(new double[] {0, 1}, 1, 2);
        // max(0, d(a, p) - d(a, n) + margin) = 5 - 1 + 1.
        assertValues(new double[] {5}, new TripletMarginLoss().forward(anchor, positive, negative), 1e-4);
        assertSame(Losses.tripletMarginLoss(anchor, positive, negative, 0.5, 1.0, 1e-6, true, "sum"),
                new TripletMarginLoss(0.5, 1.0, 1e-6, true, "sum").forward(anchor, positive, negative));
        assertThrows(IllegalArgumentException.class, () -> new TripletMarginLoss().forward(anchor, positive));
    }

    // ------------------------------------------------------------------ 1-d pooling, Unflatten

    @Test
    void pool1dModules() {
        Tensor x = t(new double[] {1, 3, 2, 4}, 1, 1, 4);
        assertValues(new double[] {3, 4}, new MaxPool1d(2).forward(x));
        assertValues(new double[] {1, 3, 3, 4, 4}, new MaxPool1d(2, 1, 1).forward(x));
        assertValues(new double[] {2, 3}, new AvgPool1d(2).forward(x));
        // Zero padding counts towards the average.
        assertValues(new double[] {0.5, 2, 2.5, 3, 2}, new AvgPool1d(2, 1, 1).forward(x));
        assertValues(new double[] {1, 2, 2.5, 3, 4}, new AvgPool1d(2, 1, 1, false, false).forward(x));
        assertArrayEquals(new long[] {1, 1, 2}, new MaxPool1d(2).forward(x).shape());
    }

    @Test
    void unflattenSplitsOneDim() {
        Tensor x = Tensor.arange(12).reshape(2, 6);
        Tensor y = new Unflatten(1, 2, 3).forward(x);
        assertArrayEquals(new long[] {2, 2, 3}, y.shape());
        assertArrayEquals(x.toDoubleArray(), y.toDoubleArray());
        assertArrayEquals(new long[] {2, 2, 3}, new Unflatten(-1, -1, 3).forward(x).shape());
        assertArrayEquals(new long[] {1, 2, 6}, new Unflatten(0, 1, 2).forward(x).shape());
        assertThrows(IllegalArgumentException.class, () -> new Unflatten(1, 4, 2).forward(x));
    }

    // ------------------------------------------------------------------ Bilinear

    @Test
    void bilinearComputesX1TransposedAX2PlusBias() {
        var bl = new Bilinear(2, 2, 2);
        bl.loadStateDict(Map.of("weight", t(new double[] {1, 2, 3, 4, 1, 0, 0, 1}, 2, 2, 2),
                "bias", t(0.5, -1)));
        // out 0: 1*(1*3 + 2*4) + 2*(3*3 + 4*4) = 61; out 1: x1 . x2 = 11.
        assertValues(new double[] {61.5, 10}, bl.forward(t(new double[] {1, 2}, 1, 2), t(new double[] {3, 4}, 1, 2)));
        // Leading dims are kept.
        assertArrayEquals(new long[] {3, 4, 2},
                bl.forward(Tensor.zeros(3, 4, 2), Tensor.zeros(3, 4, 2)).shape());
        assertThrows(IllegalArgumentException.class, () -> bl.forward(Tensor.zeros(1, 2), Tensor.zeros(1, 3)));
    }

    @Test
    void bilinearDefaultInitAndGradcheck() {
        var bl = new Bilinear(4, 3, 5);
        assertArrayEquals(new long[] {5, 4, 3}, bl.weight().shape());
        double bound = 1 / Math.sqrt(4);
        for (double v : bl.weight().toDoubleArray()) {
            assertTrue(Math.abs(v) <= bound);
        }
        for (double v : bl.bias().toDoubleArray()) {
            assertTrue(Math.abs(v) <= bound);
        }
        assertNull(new Bilinear(4, 3, 5, false).bias());

        var small = new Bilinear(3, 2, 2);
        small.to(DType.F64);
        GradCheck.check(in -> small.forward(in[0], in[1]), randn64(1, 2, 3), randn64(2, 2, 2),
                small.weight(), small.bias());
    }

    // ------------------------------------------------------------------ ConvTranspose2d

    @Test
    void convTranspose2dScattersTheKernel() {
        var up = new ConvTranspose2d(1, 1, 2);
        up.loadStateDict(Map.of("weight", t(new double[] {1, 2, 3, 4}, 1, 1, 2, 2), "bias", t(0.5)));
        Tensor x = t(new double[] {1, 0, 0, 1}, 1, 1, 2, 2);
        assertValues(new double[] {1.5, 2.5, 0.5, 3.5, 5.5, 2.5, 0.5, 3.5, 4.5}, up.forward(x));

        var strided = new ConvTranspose2d(1, 1, 2, 2, 0, 0, 1, false, 1);
        strided.loadStateDict(Map.of("weight", t(new double[] {1, 2, 3, 4}, 1, 1, 2, 2)));
        assertValues(new double[] {1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4}, strided.forward(x));
    }

    @Test
    void convTranspose2dDefaultInitUsesFanInFromDimOne() {
        var up = new ConvTranspose2d(4, 6, 3);
        assertArrayEquals(new long[] {4, 6, 3, 3}, up.weight().shape());
        // fan_in = weight.size(1) * k * k = 54; kaiming_uniform(a = sqrt(5)) gives bound 1/sqrt(fan_in).
        double bound = 1 / Math.sqrt(54);
        double max = 0;
        for (double v : up.weight().toDoubleArray()) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= bound + 1e-7, "max |w| = " + max);
        assertTrue(max > 0.8 * bound, "max |w| = " + max);
        for (double v : up.bias().toDoubleArray()) {
            assertTrue(Math.abs(v) <= bound + 1e-7);
        }
    }

    @Test
    void convTranspose2dGradcheck() {
        var up = new ConvTranspose2d(2, 4, 3, 2, 1, 1, 2, true, 1);
        up.to(DType.F64);
        Tensor x = randn64(3, 1, 2, 3, 3);
        assertArrayEquals(new long[] {1, 4, 6, 6}, up.forward(x).shape());
        GradCheck.check(in -> up.forward(in[0]), x, up.weight(), up.bias());
    }

    // ------------------------------------------------------------------ repr

    @Test
    void reprMatchesPyTorch() {
        assertEquals("ELU(alpha=1.0)", new ELU().toString());
        assertEquals("SELU()", new SELU().toString());
        assertEquals("Softplus(beta=1.0, threshold=20.0)", new Softplus().toString());
        assertEquals("Hardtanh(min_val=-1.0, max_val=1.0)", new Hardtanh().toString());
        assertEquals("GLU(dim=-1)", new GLU().toString());
        assertEquals("LogSoftmax(dim=1)", new LogSoftmax(1).toString());
        assertEquals("L1Loss()", new L1Loss().toString());
        assertEquals("NLLLoss()", new NLLLoss().toString());
        assertEquals("MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
                new MaxPool1d(2).toString());
        assertEquals("AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))", new AvgPool1d(3).toString());
        assertEquals("Unflatten(dim=1, unflattened_size=(2, 3))", new Unflatten(1, 2, 3).toString());
        assertEquals("Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)",
                new Bilinear(2, 3, 4).toString());
        assertEquals("ConvTranspose2d(16, 8, kernel_size=(2, 2), stride=(2, 2))",
                new ConvTranspose2d(16, 8, 2, 2, 0).toString());
        assertEquals("ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
                + "output_padding=(1, 1), groups=2, bias=False)",
                new ConvTranspose2d(4, 6, 3, 2, 1, 1, 2, false, 1).toString());
    }
}
