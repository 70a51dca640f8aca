package dev.walnut.nn.init;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.init.Init.FanMode;
import dev.walnut.nn.init.Init.Nonlinearity;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code torch.nn.init}'s definitions: bounds, moments, gains, fans, orthogonality, seeding. */
class InitTest {
    private static Generator gen() {
        return new Generator(42);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    private static void assertWithin(double[] v, double lo, double hi) {
        for (double x : v) {
            assertTrue(x >= lo && x <= hi, "value " + x + " outside [" + lo + ", " + hi + "]");
        }
    }

    @Test
    void uniformStaysInRangeWithUniformMoments() {
        double[] v = Init.uniform(Tensor.zeros(200_000), -2, 3, gen()).toDoubleArray();
        assertWithin(v, -2, 3);
        assertEquals(0.5, mean(v), 0.02);
        assertEquals(5 / Math.sqrt(12), std(v), 0.01);
    }

    @Test
    void normalHasTheRequestedMeanAndStd() {
        double[] v = Init.normal(Tensor.zeros(200_000), 1, 2, gen()).toDoubleArray();
        assertEquals(1, mean(v), 0.02);
        assertEquals(2, std(v), 0.02);
    }

    @Test
    void truncNormalStaysInsideAbsoluteBoundsWithTruncatedStd() {
        double[] v = Init.truncNormal(Tensor.zeros(200_000), 0, 1, -2, 2, gen()).toDoubleArray();
        assertWithin(v, -2, 2);
        assertEquals(0, mean(v), 0.01);
        // std of N(0,1) truncated to [-2, 2]: sqrt(1 - 2*2*phi(2) / (Phi(2) - Phi(-2)))
        assertEquals(Math.sqrt(1 - 4 * 0.05399096651318806 / 0.9544997361036416), std(v), 0.01);
        // bounds are absolute values, not multiples of std
        assertWithin(Init.truncNormal(Tensor.zeros(10_000), 5, 1, 4.5, 6, gen()).toDoubleArray(), 4.5, 6);
        assertWithin(Init.truncNormal(Tensor.zeros(10_000), 0, 0.02).toDoubleArray(), -2, 2);
        assertThrows(IllegalArgumentException.class, () -> Init.truncNormal(Tensor.zeros(2), 0, 1, 1, -1, gen()));
    }

    @Test
    void constantZerosAndOnesFill() {
        assertArrayEquals(new double[] {3, 3, 3}, Init.constant(Tensor.zeros(3), 3).toDoubleArray());
        assertArrayEquals(new double[] {0, 0}, Init.zeros(Tensor.ones(2)).toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, Init.ones(Tensor.zeros(2)).toDoubleArray());
    }

    @Test
    void initialisingAParameterRecordsNoGraph() {
        Tensor w = Tensor.zeros(3, 4).setRequiresGrad(true);
        Init.kaimingUniform(w);
        Init.orthogonal(w);
        Init.constant(w, 1);
        assertTrue(w.isLeaf());
        assertTrue(w.requiresGrad());
        assertNull(w.gradFn());
    }

    @Test
    void calculateGainFollowsPyTorchsTable() {
        assertEquals(1, Init.calculateGain(Nonlinearity.LINEAR, null));
        assertEquals(1, Init.calculateGain(Nonlinearity.CONV2D, null));
        assertEquals(1, Init.calculateGain(Nonlinearity.CONV_TRANSPOSE1D, null));
        assertEquals(1, Init.calculateGain(Nonlinearity.SIGMOID, null));
        assertEquals(5.0 / 3, Init.calculateGain(Nonlinearity.TANH, null), 1e-15);
        assertEquals(Math.sqrt(2), Init.calculateGain(Nonlinearity.RELU, null), 1e-15);
        assertEquals(Math.sqrt(2 / (1 + 0.01 * 0.01)), Init.calculateGain(Nonlinearity.LEAKY_RELU, null), 1e-15);
        assertEquals(Math.sqrt(2 / 1.04), Init.calculateGain(Nonlinearity.LEAKY_RELU, 0.2), 1e-15);
        assertEquals(Math.sqrt(2), Init.calculateGain(Nonlinearity.LEAKY_RELU, 0.0), 1e-15);
        assertEquals(0.75, Init.calculateGain(Nonlinearity.SELU, null));
    }

    @Test
    void fansMultiplyByTheReceptiveField() {
        assertArrayEquals(new long[] {200, 300}, Init.fans(Tensor.zeros(300, 200)));
        assertArrayEquals(new long[] {8 * 9, 16 * 9}, Init.fans(Tensor.zeros(16, 8, 3, 3)));
        assertThrows(IllegalArgumentException.class, () -> Init.fans(Tensor.zeros(5)));
    }

    @Test
    void xavierUniformBoundIsGainTimesSqrtSixOverFanSum() {
        double bound = Math.sqrt(6.0 / (200 + 300));
        double[] v = Init.xavierUniform(Tensor.zeros(300, 200), 1.0, gen()).toDoubleArray();
        assertWithin(v, -bound, bound);
        assertEquals(bound / Math.sqrt(3), std(v), 0.01 * bound);
        double gain = 5.0 / 3;
        double[] g = Init.xavierUniform(Tensor.zeros(300, 200), gain, gen()).toDoubleArray();
        assertWithin(g, -gain * bound, gain * bound);
        assertTrue(Math.abs(g[0]) > 0 && std(g) > 1.6 * std(v));
    }

    @Test
    void xavierNormalStdIsGainTimesSqrtTwoOverFanSum() {
        double[] v = Init.xavierNormal(Tensor.zeros(64, 32, 3, 3), 5.0 / 3, gen()).toDoubleArray();
        double expected = 5.0 / 3 * Math.sqrt(2.0 / (32 * 9 + 64 * 9));
        assertEquals(expected, std(v), 0.02 * expected);
        assertEquals(0, mean(v), 0.02 * expected);
    }

    @Test
    void kaimingUniformDefaultsToFanInLeakyReluWithZeroSlope() {
        double bound = Math.sqrt(6.0 / 512);
        double[] v = Init.kaimingUniform(Tensor.zeros(256, 512)).toDoubleArray();
        assertWithin(v, -bound, bound);
        assertEquals(bound / Math.sqrt(3), std(v), 0.01 * bound);
    }

    @Test
    void kaimingUniformWithSqrtFiveSlopeGivesOneOverSqrtFanIn() {
        double bound = 1 / Math.sqrt(128);
        double[] v = Init.kaimingUniform(Tensor.zeros(512, 128), Math.sqrt(5), FanMode.FAN_IN,
                Nonlinearity.LEAKY_RELU, gen()).toDoubleArray();
        assertWithin(v, -bound, bound);
        assertEquals(bound / Math.sqrt(3), std(v), 0.01 * bound);
    }

    @Test
    void kaimingNormalFanModesPickTheFan() {
        Tensor w = Tensor.zeros(256, 512);
        double fanOut = std(Init.kaimingNormal(w, 0, FanMode.FAN_OUT, Nonlinearity.RELU, gen()).toDoubleArray());
        assertEquals(Math.sqrt(2) / Math.sqrt(256), fanOut, 0.01 * fanOut);
        double fanIn = std(Init.kaimingNormal(w, 0, FanMode.FAN_IN, Nonlinearity.RELU, gen()).toDoubleArray());
        assertEquals(Math.sqrt(2) / Math.sqrt(512), fanIn, 0.01 * fanIn);
        double tanh = std(Init.kaimingNormal(w, 0, FanMode.FAN_IN, Nonlinearity.TANH, gen()).toDoubleArray());
        assertEquals(5.0 / 3 / Math.sqrt(512), tanh, 0.01 * tanh);
        double conv = std(Init.kaimingNormal(Tensor.zeros(64, 16, 3, 3)).toDoubleArray());
        assertEquals(Math.sqrt(2.0 / (16 * 9)), conv, 0.03 * conv);
    }

    @Test
    void kaimingUniformFanOutUsesDimZero() {
        double bound = Math.sqrt(3) * Math.sqrt(2) / Math.sqrt(100);
        double[] v = Init.kaimingUniform(Tensor.zeros(100, 1000), 0, FanMode.FAN_OUT, Nonlinearity.RELU, gen())
                .toDoubleArray();
        assertWithin(v, -bound, bound);
        assertEquals(bound / Math.sqrt(3), std(v), 0.01 * bound);
    }

    /** A^T A (columns) or A A^T (rows) of the tensor viewed as [size(0), rest]. */
    private static double[][] gram(Tensor t, boolean rows) {
        int r = (int) t.size(0);
        int c = (int) (t.numel() / r);
        double[] a = t.toDoubleArray();
        int n = rows ? r : c;
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < (rows ? c : r); k++) {
                    s += rows ? a[i * c + k] * a[j * c + k] : a[k * c + i] * a[k * c + j];
                }
                g[i][j] = s;
            }
        }
        return g;
    }

    private static void assertScaledIdentity(double[][] g, double scale) {
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < g.length; j++) {
                assertEquals(i == j ? scale : 0, g[i][j], 1e-5, "at (" + i + ", " + j + ")");
            }
        }
    }

    @Test
    void orthogonalTallMatrixHasOrthonormalColumns() {
        Tensor q = Init.orthogonal(Tensor.zeros(new long[] {8, 3}, DType.F64), 1.0, gen());
        assertScaledIdentity(gram(q, false), 1);
    }

    @Test
    void orthogonalWideMatrixHasOrthonormalRows() {
        Tensor q = Init.orthogonal(Tensor.zeros(new long[] {3, 8}, DType.F64), 1.0, gen());
        assertScaledIdentity(gram(q, true), 1);
    }

    @Test
    void orthogonalSquareMatrixWithGainAndHigherDimTensors() {
        Tensor q = Init.orthogonal(Tensor.zeros(new long[] {5, 5}, DType.F64), 2.0, gen());
        assertScaledIdentity(gram(q, false), 4);
        assertScaledIdentity(gram(q, true), 4);
        Tensor conv = Init.orthogonal(Tensor.zeros(4, 2, 2, 2), 1.0, gen());   // viewed as [4, 8]
        assertScaledIdentity(gram(conv, true), 1);
        assertThrows(IllegalArgumentException.class, () -> Init.orthogonal(Tensor.zeros(4)));
    }

    @Test
    void seededGeneratorsReproduceEveryInitialiser() {
        for (int kind = 0; kind < 7; kind++) {
            Tensor a = Tensor.zeros(6, 4);
            Tensor b = Tensor.zeros(6, 4);
            Tensor c = Tensor.zeros(6, 4);
            init(kind, a, new Generator(7));
            init(kind, b, new Generator(7));
            init(kind, c, new Generator(8));
            assertTrue(a.equal(b), "initialiser " + kind + " is not reproducible with the same seed");
            assertFalse(a.equal(c), "initialiser " + kind + " ignores the seed");
        }
    }

    private static void init(int kind, Tensor t, Generator g) {
        switch (kind) {
            case 0 -> Init.uniform(t, -1, 1, g);
            case 1 -> Init.normal(t, 0, 1, g);
            case 2 -> Init.truncNormal(t, 0, 1, -2, 2, g);
            case 3 -> Init.xavierUniform(t, 1, g);
            case 4 -> Init.xavierNormal(t, 1, g);
            case 5 -> Init.kaimingUniform(t, 0, FanMode.FAN_IN, Nonlinearity.RELU, g);
            default -> Init.orthogonal(t, 1, g);
        }
    }
}
