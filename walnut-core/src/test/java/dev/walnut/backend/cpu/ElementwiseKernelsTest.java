package dev.walnut.backend.cpu;

import dev.walnut.backend.BinaryOp;
import dev.walnut.backend.UnaryOp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every elementwise kernel against straightforward float64 reference code, over contiguous,
 * strided and broadcast (stride 0) inputs at non-zero offsets, for n = 0, 1, small, and large
 * enough (200 000) to take the parallel path; plus the special values each op promises.
 */
class ElementwiseKernelsTest {
    private static final int[] SIZES = {0, 1, 7, 1000};
    /** Above every parallel grain: each kernel family runs one or two representative ops this big. */
    private static final int[] SIZES_AND_LARGE = {0, 1, 7, 1000, 200_000};
    private static final float SENTINEL_F = 777.25f;
    private static final double SENTINEL_D = 777.25;
    private static final int SENTINEL_I = 0x5EED;

    /** Where a logical vector lives in its storage array. */
    record Layout(String name, int off, int stride) {
        int storageLength(int n) {
            return off + (n == 0 ? 0 : (n - 1) * stride) + 3;
        }

        int at(int i) {
            return off + i * stride;
        }
    }

    private static final int OUT_OFF = 4;
    /**
     * "aligned" shares the output's offset, which takes the kernels' vectorizable loops directly;
     * "contiguous" at another offset goes through their copy-to-align path.
     */
    private static final Layout[] LAYOUTS = {
        new Layout("aligned", OUT_OFF, 1), new Layout("contiguous", 3, 1), new Layout("strided", 2, 3),
        new Layout("broadcast", 5, 0),
    };

    // ------------------------------------------------------------------------ reference ops

    private static double refUnary(int op, double p1, double p2, double x) {
        switch (op) {
            case UnaryOp.NEG: return -x;
            case UnaryOp.ABS: return Math.abs(x);
            case UnaryOp.SIGN: return Double.isNaN(x) ? Double.NaN : x > 0 ? 1 : x < 0 ? -1 : x;
            case UnaryOp.EXP: return Math.exp(x);
            case UnaryOp.LOG: return Math.log(x);
            case UnaryOp.SQRT: return Math.sqrt(x);
            case UnaryOp.RSQRT: return 1 / Math.sqrt(x);
            case UnaryOp.SQUARE: return x * x;
            case UnaryOp.RECIPROCAL: return 1 / x;
            case UnaryOp.SIN: return Math.sin(x);
            case UnaryOp.COS: return Math.cos(x);
            case UnaryOp.TANH: return Math.tanh(x);
            case UnaryOp.SIGMOID: return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            case UnaryOp.RELU: return Double.isNaN(x) ? x : x > 0 ? x : 0;
            case UnaryOp.ADD_SCALAR: return x + p1;
            case UnaryOp.MUL_SCALAR: return x * p1;
            case UnaryOp.RSUB_SCALAR: return p1 - x;
            case UnaryOp.DIV_SCALAR: return x / p1;
            case UnaryOp.RDIV_SCALAR: return p1 / x;
            case UnaryOp.POW_SCALAR:
                // The documented fast paths: 0.5 means sqrt, -0.5 means 1/sqrt.
                return p1 == 0.5 ? Math.sqrt(x) : p1 == -0.5 ? 1 / Math.sqrt(x) : Math.pow(x, p1);
            case UnaryOp.RPOW_SCALAR: return Math.pow(p1, x);
            case UnaryOp.CLAMP: return Double.isNaN(x) ? x : Math.min(Math.max(x, p1), p2);
            case UnaryOp.MAX_SCALAR: return Double.isNaN(x) || Double.isNaN(p1) ? Double.NaN : Math.max(x, p1);
            case UnaryOp.MIN_SCALAR: return Double.isNaN(x) || Double.isNaN(p1) ? Double.NaN : Math.min(x, p1);
            case UnaryOp.LOG1P: return Math.log1p(x);
            case UnaryOp.EXPM1: return Math.expm1(x);
            case UnaryOp.FLOOR: return Math.floor(x);
            case UnaryOp.CEIL: return Math.ceil(x);
            case UnaryOp.ROUND: return Math.rint(x);
            case UnaryOp.TRUNC: return x < 0 ? Math.ceil(x) : Math.floor(x);
            case UnaryOp.ERF: return ErfReference.erf(x);
            default: throw new AssertionError(op);
        }
    }

    private static double refBinary(int op, double a, double b) {
        switch (op) {
            case BinaryOp.ADD: return a + b;
            case BinaryOp.SUB: return a - b;
            case BinaryOp.MUL: return a * b;
            case BinaryOp.DIV: return a / b;
            case BinaryOp.POW: return Math.pow(a, b);
            case BinaryOp.MAXIMUM: return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
            case BinaryOp.MINIMUM: return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
            case BinaryOp.ATAN2: return Math.atan2(a, b);
            default: throw new AssertionError(op);
        }
    }

    private static boolean refCompare(int op, double a, double b) {
        switch (op) {
            case BinaryOp.EQ: return a == b;
            case BinaryOp.NE: return a != b;
            case BinaryOp.LT: return a < b;
            case BinaryOp.LE: return a <= b;
            case BinaryOp.GT: return a > b;
            case BinaryOp.GE: return a >= b;
            case BinaryOp.LOGICAL_AND: return a != 0 && b != 0;
            case BinaryOp.LOGICAL_OR: return a != 0 || b != 0;
            case BinaryOp.LOGICAL_XOR: return (a != 0) != (b != 0);
            default: throw new AssertionError(op);
        }
    }

    // ----------------------------------------------------------------------- input helpers

    /** n float-representable values, a few of them special; constant for a broadcast layout. */
    private static double[] values(Random r, int n, Layout layout, boolean specials) {
        double[] v = new double[n];
        double[] special = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1000, -1000,
            0.5, 1.5, 2.5, -2.5, 1e-30};
        for (int i = 0; i < n; i++) {
            v[i] = (float) (specials && r.nextInt(10) == 0 ? special[r.nextInt(special.length)] : r.nextDouble() * 20 - 10);
        }
        if (layout.stride == 0 && n > 0) {
            Arrays.fill(v, v[0]);
        }
        return v;
    }

    private static float[] floats(double[] v, Layout l) {
        float[] a = new float[l.storageLength(v.length)];
        Arrays.fill(a, SENTINEL_F);
        for (int i = 0; i < v.length; i++) a[l.at(i)] = (float) v[i];
        return a;
    }

    private static double[] doubles(double[] v, Layout l) {
        double[] a = new double[l.storageLength(v.length)];
        Arrays.fill(a, SENTINEL_D);
        for (int i = 0; i < v.length; i++) a[l.at(i)] = v[i];
        return a;
    }

    private static long[] integers(Random r, int n, Layout l) {
        long[] v = new long[n];
        long[] special = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 46341};
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(8) == 0 ? special[r.nextInt(special.length)] : r.nextInt(201) - 100;
        }
        if (l.stride == 0 && n > 0) {
            Arrays.fill(v, v[0]);
        }
        return v;
    }

    private static int[] ints(long[] v, Layout l) {
        int[] a = new int[l.storageLength(v.length)];
        Arrays.fill(a, SENTINEL_I);
        for (int i = 0; i < v.length; i++) a[l.at(i)] = (int) v[i];
        return a;
    }

    private static long[] longs(long[] v, Layout l) {
        long[] a = new long[l.storageLength(v.length)];
        Arrays.fill(a, SENTINEL_I);
        for (int i = 0; i < v.length; i++) a[l.at(i)] = v[i];
        return a;
    }

    private static boolean[] bools(boolean[] v, Layout l) {
        boolean[] a = new boolean[l.storageLength(v.length)];
        Arrays.fill(a, true);
        for (int i = 0; i < v.length; i++) a[l.at(i)] = v[i];
        return a;
    }

    private static boolean[] randomBools(Random r, int n, Layout l) {
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) v[i] = r.nextBoolean();
        if (l.stride == 0 && n > 0) {
            Arrays.fill(v, v[0]);
        }
        return v;
    }

    private static float[] floatOut(int n) {
        float[] out = new float[OUT_OFF + n + 2];
        Arrays.fill(out, SENTINEL_F);
        return out;
    }

    private static double[] doubleOut(int n) {
        double[] out = new double[OUT_OFF + n + 2];
        Arrays.fill(out, SENTINEL_D);
        return out;
    }

    // ------------------------------------------------------------------------ assertions

    // Messages are built only on failure: these checks run tens of millions of times.

    /** The float result is within 2 ulp of the exact (float64) answer rounded to float. */
    private static void assertFloat(double exact, float actual, String what, double x) {
        float e = (float) exact;
        boolean ok = Float.isNaN(e) || Float.isNaN(actual) ? Float.isNaN(e) == Float.isNaN(actual)
                : Float.isInfinite(e) || Float.isInfinite(actual) ? e == actual
                : Math.abs(e - actual) <= 2 * Math.ulp(e);
        if (!ok) fail(what + " x=" + x + ": expected " + e + " but was " + actual);
    }

    /** The double result is within 4 ulp of the reference. */
    private static void assertDouble(double e, double actual, String what, double x) {
        boolean ok = Double.isNaN(e) || Double.isNaN(actual) ? Double.isNaN(e) == Double.isNaN(actual)
                : Double.isInfinite(e) || Double.isInfinite(actual) ? e == actual
                : Math.abs(e - actual) <= 4 * Math.ulp(e);
        if (!ok) fail(what + " x=" + x + ": expected " + e + " but was " + actual);
    }

    private static void assertSentinels(float[] out, int n, String what) {
        for (int i = 0; i < out.length; i++) {
            if ((i < OUT_OFF || i >= OUT_OFF + n) && out[i] != SENTINEL_F) fail(what + ": wrote outside the output at " + i);
        }
    }

    private static void assertSentinels(double[] out, int n, String what) {
        for (int i = 0; i < out.length; i++) {
            if ((i < OUT_OFF || i >= OUT_OFF + n) && out[i] != SENTINEL_D) fail(what + ": wrote outside the output at " + i);
        }
    }

    // -------------------------------------------------------------------------------- unary

    /** Parameters for each op: exactly representable in float so float and double agree on them. */
    private static int[] sizes(boolean large) {
        return large ? SIZES_AND_LARGE : SIZES;
    }

    private static double[][] unaryParams(int op) {
        switch (op) {
            case UnaryOp.POW_SCALAR: return new double[][] {{2}, {0.5}, {-1}, {1}, {3}, {0}, {-0.5}, {-2}, {1.75}, {-2.25}};
            case UnaryOp.RPOW_SCALAR: return new double[][] {{2}, {0.5}, {-1.5}};
            case UnaryOp.CLAMP: return new double[][] {{-0.5, 2.25}, {Double.NEGATIVE_INFINITY, 1}, {3, -3}};
            case UnaryOp.DIV_SCALAR: case UnaryOp.RDIV_SCALAR: return new double[][] {{1.75}, {0}, {-0.0}};
            default: return new double[][] {{1.75, 0}};
        }
    }

    @Test
    void floatUnaryOpsMatchFloat64ReferenceForEveryLayoutAndSize() {
        Random r = new Random(1);
        for (int op = 0; op < UnaryOp.COUNT; op++) {
            for (double[] p : unaryParams(op)) {
                double p1 = p[0], p2 = p.length > 1 ? p[1] : 0;
                for (Layout l : LAYOUTS) {
                    for (int n : sizes(op == UnaryOp.EXP || op == UnaryOp.NEG)) {
                        double[] v = values(r, n, l, true);
                        float[] x = floats(v, l), out = floatOut(n);
                        ElementwiseKernels.unary(op, p1, p2, x, l.off, l.stride, out, OUT_OFF, n);
                        String what = UnaryOp.name(op) + "(p1=" + p1 + ", p2=" + p2 + ") " + l.name + " n=" + n;
                        for (int i = 0; i < n; i++) {
                            assertFloat(refUnary(op, p1, p2, (float) v[i]), out[OUT_OFF + i], what, (float) v[i]);
                        }
                        assertSentinels(out, n, what);
                    }
                }
            }
        }
    }

    @Test
    void doubleUnaryOpsMatchReferenceForEveryLayoutAndSize() {
        Random r = new Random(2);
        for (int op = 0; op < UnaryOp.COUNT; op++) {
            for (double[] p : unaryParams(op)) {
                double p1 = p[0], p2 = p.length > 1 ? p[1] : 0;
                for (Layout l : LAYOUTS) {
                    for (int n : sizes(op == UnaryOp.TANH || op == UnaryOp.ADD_SCALAR)) {
                        double[] v = values(r, n, l, true);
                        for (int i = 0; i < n; i++) v[i] += l.stride == 0 ? 0 : 1e-9 * i; // not float-representable
                        double[] x = doubles(v, l), out = doubleOut(n);
                        ElementwiseKernels.unary(op, p1, p2, x, l.off, l.stride, out, OUT_OFF, n);
                        String what = UnaryOp.name(op) + "(p1=" + p1 + ") " + l.name + " n=" + n;
                        for (int i = 0; i < n; i++) {
                            assertDouble(refUnary(op, p1, p2, v[i]), out[OUT_OFF + i], what, v[i]);
                        }
                        assertSentinels(out, n, what);
                    }
                }
            }
        }
    }

    @Test
    void unaryWorksInPlace() {
        float[] x = {-2f, -0.5f, 0f, 3f};
        ElementwiseKernels.unary(UnaryOp.RELU, 0, 0, x, 0, 1, x, 0, 4);
        assertArrayEquals(new float[] {0f, 0f, 0f, 3f}, x);
        double[] d = {1, 4, 9};
        ElementwiseKernels.unary(UnaryOp.SQRT, 0, 0, d, 0, 1, d, 0, 3);
        assertArrayEquals(new double[] {1, 2, 3}, d);
    }

    @Test
    void sigmoidAndTanhSaturateWithoutNaNForHugeInputs() {
        float[] x = {-1e30f, -1000f, -200f, 100f, 1000f, 1e30f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        float[] s = new float[x.length], t = new float[x.length];
        ElementwiseKernels.unary(UnaryOp.SIGMOID, 0, 0, x, 0, 1, s, 0, x.length);
        ElementwiseKernels.unary(UnaryOp.TANH, 0, 0, x, 0, 1, t, 0, x.length);
        assertArrayEquals(new float[] {0f, 0f, 0f, 1f, 1f, 1f, 0f, 1f}, s);
        assertArrayEquals(new float[] {-1f, -1f, -1f, 1f, 1f, 1f, -1f, 1f}, t);

        double[] xd = {-1e300, -740, 740, 1e300, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY};
        double[] sd = new double[xd.length], td = new double[xd.length];
        ElementwiseKernels.unary(UnaryOp.SIGMOID, 0, 0, xd, 0, 1, sd, 0, xd.length);
        ElementwiseKernels.unary(UnaryOp.TANH, 0, 0, xd, 0, 1, td, 0, xd.length);
        assertEquals(0.0, sd[0]);
        assertTrue(sd[1] > 0 && sd[1] < 1e-320, "sigmoid(-740) keeps its subnormal value, got " + sd[1]);
        assertArrayEquals(new double[] {1, 1, 0, 1}, new double[] {sd[2], sd[3], sd[4], sd[5]});
        assertArrayEquals(new double[] {-1, -1, 1, 1, -1, 1}, td);
    }

    @Test
    void expOverflowsToInfinityAndUnderflowsToZero() {
        float[] x = {1000f, -1000f, 88.8f}, y = new float[3];
        ElementwiseKernels.unary(UnaryOp.EXP, 0, 0, x, 0, 1, y, 0, 3);
        assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 0f, Float.POSITIVE_INFINITY}, y);
    }

    @Test
    void roundIsHalfToEvenLikeTorchRound() {
        float[] x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4999998f}, y = new float[x.length];
        ElementwiseKernels.unary(UnaryOp.ROUND, 0, 0, x, 0, 1, y, 0, x.length);
        assertArrayEquals(new float[] {0f, 2f, 2f, -0f, -2f, -2f, 2f}, y);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(y[3]), "round(-0.5) is -0.0");
    }

    @Test
    void truncRoundsTowardZeroAndKeepsSignOfZero() {
        double[] x = {-1.7, 1.7, -0.3, Double.NaN, Double.NEGATIVE_INFINITY}, y = new double[5];
        ElementwiseKernels.unary(UnaryOp.TRUNC, 0, 0, x, 0, 1, y, 0, 5);
        assertEquals(-1.0, y[0]);
        assertEquals(1.0, y[1]);
        assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits(y[2]));
        assertTrue(Double.isNaN(y[3]));
        assertEquals(Double.NEGATIVE_INFINITY, y[4]);
    }

    @Test
    void clampReluMaxAndSignKeepNaN() {
        float[] x = {Float.NaN}, y = new float[1];
        for (int op : new int[] {UnaryOp.CLAMP, UnaryOp.RELU, UnaryOp.MAX_SCALAR, UnaryOp.MIN_SCALAR, UnaryOp.SIGN}) {
            y[0] = 0f;
            ElementwiseKernels.unary(op, -1, 1, x, 0, 1, y, 0, 1);
            assertTrue(Float.isNaN(y[0]), UnaryOp.name(op) + "(NaN) is NaN");
        }
    }

    @Test
    void clampWithMinAboveMaxGivesMax() {
        float[] x = {-5f, 0f, 5f}, y = new float[3];
        ElementwiseKernels.unary(UnaryOp.CLAMP, 2, 1, x, 0, 1, y, 0, 3);
        assertArrayEquals(new float[] {1f, 1f, 1f}, y);
    }

    @Test
    void powScalarFastPathsFollowPyTorch() {
        float[] x = {-0f, Float.NEGATIVE_INFINITY, 4f, Float.NaN}, y = new float[4];
        ElementwiseKernels.unary(UnaryOp.POW_SCALAR, 0.5, 0, x, 0, 1, y, 0, 4);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(y[0]), "pow(-0, 0.5) = sqrt(-0) = -0");
        assertTrue(Float.isNaN(y[1]), "pow(-inf, 0.5) = sqrt(-inf) = NaN");
        assertEquals(2f, y[2]);
        ElementwiseKernels.unary(UnaryOp.POW_SCALAR, 0, 0, x, 0, 1, y, 0, 4);
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, y, "x^0 is 1, even for NaN");
        ElementwiseKernels.unary(UnaryOp.POW_SCALAR, 2, 0, new float[] {3f}, 0, 1, y, 0, 1);
        assertEquals(9f, y[0]);
    }

    @Test
    void unaryOfStrideZeroInputComputesOnceAndBroadcasts() {
        float[] x = {9f, 4f}, y = floatOut(5);
        ElementwiseKernels.unary(UnaryOp.SQRT, 0, 0, x, 1, 0, y, OUT_OFF, 5);
        for (int i = 0; i < 5; i++) assertEquals(2f, y[OUT_OFF + i]);
        assertSentinels(y, 5, "broadcast sqrt");
    }

    private static long refIntUnary(int op, double p1, double p2, long x, boolean isInt) {
        long lo = isInt ? Integer.MIN_VALUE : Long.MIN_VALUE, hi = isInt ? Integer.MAX_VALUE : Long.MAX_VALUE;
        switch (op) {
            case UnaryOp.NEG: return -x;
            case UnaryOp.ABS: return Math.abs(x);
            case UnaryOp.SIGN: return Long.signum(x);
            case UnaryOp.SQUARE: return x * x;
            case UnaryOp.RELU: return Math.max(x, 0);
            case UnaryOp.ADD_SCALAR: return x + (long) p1;
            case UnaryOp.MUL_SCALAR: return x * (long) p1;
            case UnaryOp.RSUB_SCALAR: return (long) p1 - x;
            case UnaryOp.CLAMP: {
                long a = (long) Math.max(lo, Math.min(hi, Math.ceil(p1)));
                long b = (long) Math.max(lo, Math.min(hi, Math.floor(p2)));
                return Math.min(Math.max(x, a), b);
            }
            case UnaryOp.MAX_SCALAR: return Math.max(x, (long) Math.max(lo, Math.min(hi, Math.ceil(p1))));
            case UnaryOp.MIN_SCALAR: return Math.min(x, (long) Math.max(lo, Math.min(hi, Math.floor(p1))));
            default: throw new AssertionError(op);
        }
    }

    private static final int[] INTEGER_UNARY_OPS = {UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SIGN, UnaryOp.SQUARE, UnaryOp.RELU,
        UnaryOp.ADD_SCALAR, UnaryOp.MUL_SCALAR, UnaryOp.RSUB_SCALAR, UnaryOp.CLAMP, UnaryOp.MAX_SCALAR, UnaryOp.MIN_SCALAR};

    @Test
    void integerUnaryOpsWrapLikeTwosComplementAndSaturateBounds() {
        Random r = new Random(3);
        double[][] params = {{7, 0}, {-5, 100}, {Double.NEGATIVE_INFINITY, 3}, {-1e20, 1e20}, {2.5, 7.5}};
        for (int op : INTEGER_UNARY_OPS) {
            for (double[] p : params) {
                for (Layout l : LAYOUTS) {
                    for (int n : sizes(op == UnaryOp.CLAMP)) {
                        long[] v = integers(r, n, l);
                        int[] xi = ints(v, l);
                        long[] xl = longs(v, l);
                        int[] oi = new int[OUT_OFF + n + 1];
                        long[] ol = new long[OUT_OFF + n + 1];
                        ElementwiseKernels.unary(op, p[0], p[1], xi, l.off, l.stride, oi, OUT_OFF, n);
                        ElementwiseKernels.unary(op, p[0], p[1], xl, l.off, l.stride, ol, OUT_OFF, n);
                        for (int i = 0; i < n; i++) {
                            if (oi[OUT_OFF + i] != (int) refIntUnary(op, p[0], p[1], (int) v[i], true)
                                    || ol[OUT_OFF + i] != refIntUnary(op, p[0], p[1], v[i], false)) {
                                fail(UnaryOp.name(op) + Arrays.toString(p) + " " + l.name + " n=" + n + " x=" + v[i]
                                        + ": int " + oi[OUT_OFF + i] + ", long " + ol[OUT_OFF + i]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void integerAbsOfMinValueStaysMinValue() {
        int[] y = new int[1];
        ElementwiseKernels.unary(UnaryOp.ABS, 0, 0, new int[] {Integer.MIN_VALUE}, 0, 1, y, 0, 1);
        assertEquals(Integer.MIN_VALUE, y[0]);
    }

    @Test
    void floatingOnlyUnaryOpOnIntegersFailsNamingTheOp() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.unary(UnaryOp.EXP, 0, 0, new int[3], 0, 1, new int[3], 0, 3));
        assertTrue(e.getMessage().contains("exp") && e.getMessage().contains("int32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.unary(UnaryOp.SQRT, 0, 0, new long[3], 0, 1, new long[3], 0, 3));
        assertTrue(e.getMessage().contains("sqrt") && e.getMessage().contains("int64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.unary(99, 0, 0, new float[3], 0, 1, new float[3], 0, 3));
        assertTrue(e.getMessage().contains("unary#99"), e.getMessage());
    }

    @Test
    void integerClampWithNaNBoundFails() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.unary(UnaryOp.CLAMP, Double.NaN, 1, new int[3], 0, 1, new int[3], 0, 3));
        assertTrue(e.getMessage().contains("clamp"), e.getMessage());
    }

    @Test
    void unaryNameGivesLowerCaseOpNames() {
        assertEquals("exp", ElementwiseKernels.unaryName(UnaryOp.EXP));
        assertEquals("relu", ElementwiseKernels.unaryName(UnaryOp.RELU));
        assertEquals("trunc", ElementwiseKernels.unaryName(UnaryOp.TRUNC));
        for (int op = 0; op < UnaryOp.COUNT; op++) assertFalse(UnaryOp.name(op).contains("#"));
    }

    // ------------------------------------------------------------------------------- binary

    @Test
    void floatAndDoubleBinaryOpsMatchReferenceForEveryLayoutPair() {
        Random r = new Random(4);
        for (int op = BinaryOp.ADD; op <= BinaryOp.ATAN2; op++) {
            // POW's broadcast exponent takes the scalar fast paths, where sqrt differs from pow at
            // -0 and -inf, so special values stay out of its exponents.
            boolean specialsInB = op != BinaryOp.POW;
            for (Layout la : LAYOUTS) {
                for (Layout lb : LAYOUTS) {
                    for (int n : sizes(op == BinaryOp.ADD || op == BinaryOp.ATAN2)) {
                        double[] va = values(r, n, la, true), vb = values(r, n, lb, specialsInB);
                        String what = BinaryOp.name(op) + " a:" + la.name + " b:" + lb.name + " n=" + n;
                        float[] out = floatOut(n);
                        ElementwiseKernels.binary(op, floats(va, la), la.off, la.stride, floats(vb, lb), lb.off, lb.stride,
                                out, OUT_OFF, n);
                        double[] outD = doubleOut(n);
                        ElementwiseKernels.binary(op, doubles(va, la), la.off, la.stride, doubles(vb, lb), lb.off, lb.stride,
                                outD, OUT_OFF, n);
                        for (int i = 0; i < n; i++) {
                            double e = refBinary(op, va[i], vb[i]);
                            assertFloat(e, out[OUT_OFF + i], what, va[i]);
                            assertDouble(e, outD[OUT_OFF + i], what, va[i]);
                        }
                        assertSentinels(out, n, what);
                        assertSentinels(outD, n, what);
                    }
                }
            }
        }
    }

    @Test
    void maximumAndMinimumPropagateNaNFromEitherSide() {
        float[] a = {Float.NaN, 1f, -0f}, b = {1f, Float.NaN, 0f}, mx = new float[3], mn = new float[3];
        ElementwiseKernels.binary(BinaryOp.MAXIMUM, a, 0, 1, b, 0, 1, mx, 0, 3);
        ElementwiseKernels.binary(BinaryOp.MINIMUM, a, 0, 1, b, 0, 1, mn, 0, 3);
        assertTrue(Float.isNaN(mx[0]) && Float.isNaN(mx[1]) && Float.isNaN(mn[0]) && Float.isNaN(mn[1]));
        assertEquals(0f, mx[2]);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(mn[2]));
    }

    @Test
    void binaryWorksInPlaceOnEitherOperandWhateverTheOtherOffset() {
        float[] a = {1f, 2f, 3f}, b = {10f, 20f, 30f};
        ElementwiseKernels.binary(BinaryOp.ADD, a, 0, 1, b, 0, 1, a, 0, 3);
        assertArrayEquals(new float[] {11f, 22f, 33f}, a);
        // a -= b[1:], writing into a: b is not at the output's offset.
        float[] x = {1f, 2f}, y = {0f, 10f, 20f};
        ElementwiseKernels.binary(BinaryOp.SUB, x, 0, 1, y, 1, 1, x, 0, 2);
        assertArrayEquals(new float[] {-9f, -18f}, x);
        // b[1:] = a - b[1:], writing into b: a is not at the output's offset.
        long[] p = {5, 6, 7}, q = {0, 1, 2};
        ElementwiseKernels.binary(BinaryOp.SUB, p, 0, 1, q, 1, 1, q, 1, 2);
        assertArrayEquals(new long[] {0, 4, 4}, q);
        double[] u = {0, 1, 2, 3};
        ElementwiseKernels.binary(BinaryOp.MUL, u, 2, 1, u, 0, 1, u, 0, 2); // u[0:2] = u[2:4] * u[0:2]
        assertArrayEquals(new double[] {0, 3, 2, 3}, u);
    }

    private static long refIntBinary(int op, long a, long b, boolean isInt) {
        switch (op) {
            case BinaryOp.ADD: return a + b;
            case BinaryOp.SUB: return a - b;
            case BinaryOp.MUL: return a * b;
            case BinaryOp.MAXIMUM: return Math.max(a, b);
            case BinaryOp.MINIMUM: return Math.min(a, b);
            case BinaryOp.POW: {
                long p = 1;
                for (long k = 0; k < b; k++) p = isInt ? (int) (p * a) : p * a;
                return p;
            }
            default: throw new AssertionError(op);
        }
    }

    @Test
    void integerBinaryOpsWrapForEveryLayoutPair() {
        Random r = new Random(5);
        int[] ops = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.MAXIMUM, BinaryOp.MINIMUM, BinaryOp.POW};
        for (int op : ops) {
            for (Layout la : LAYOUTS) {
                for (Layout lb : LAYOUTS) {
                    for (int n : sizes(op == BinaryOp.MUL)) {
                        long[] va = integers(r, n, la), vb = integers(r, n, lb);
                        if (op == BinaryOp.POW) {
                            for (int i = 0; i < n; i++) vb[i] = Math.floorMod(vb[i], 70);
                        }
                        int[] oi = new int[OUT_OFF + n + 1];
                        long[] ol = new long[OUT_OFF + n + 1];
                        ElementwiseKernels.binary(op, ints(va, la), la.off, la.stride, ints(vb, lb), lb.off, lb.stride, oi, OUT_OFF, n);
                        ElementwiseKernels.binary(op, longs(va, la), la.off, la.stride, longs(vb, lb), lb.off, lb.stride, ol, OUT_OFF, n);
                        for (int i = 0; i < n; i++) {
                            if (oi[OUT_OFF + i] != (int) refIntBinary(op, (int) va[i], (int) vb[i], true)
                                    || ol[OUT_OFF + i] != refIntBinary(op, va[i], vb[i], false)) {
                                fail(BinaryOp.name(op) + " a:" + la.name + " b:" + lb.name + " n=" + n + " " + va[i] + "," + vb[i]
                                        + ": int " + oi[OUT_OFF + i] + ", long " + ol[OUT_OFF + i]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void integerPowWithNegativeExponentFailsBeforeWritingAnything() {
        int n = 200_000;
        int[] a = new int[n], b = new int[n], out = new int[n];
        Arrays.fill(b, 2);
        Arrays.fill(out, SENTINEL_I);
        b[n - 1] = -1;
        var e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.binary(BinaryOp.POW, a, 0, 1, b, 0, 1, out, 0, n));
        assertTrue(e.getMessage().startsWith("pow: integers to negative integer powers are not allowed"), e.getMessage());
        for (int v : out) assertEquals(SENTINEL_I, v);
    }

    @Test
    void integerDivisionIsNotAKernel() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.binary(BinaryOp.DIV, new int[1], 0, 1, new int[1], 0, 1, new int[1], 0, 1));
        assertTrue(e.getMessage().contains("div") && e.getMessage().contains("int32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.binary(BinaryOp.ATAN2, new long[1], 0, 1, new long[1], 0, 1, new long[1], 0, 1));
        assertTrue(e.getMessage().contains("atan2") && e.getMessage().contains("int64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.binary(BinaryOp.LT, new float[1], 0, 1, new float[1], 0, 1, new float[1], 0, 1));
        assertTrue(e.getMessage().contains("lt"), e.getMessage());
    }

    @Test
    void integerPowWrapsLikeRepeatedMultiplication() {
        int[] out = new int[3];
        ElementwiseKernels.binary(BinaryOp.POW, new int[] {2, 3, -2}, 0, 1, new int[] {31, 0, 3}, 0, 1, out, 0, 3);
        assertArrayEquals(new int[] {Integer.MIN_VALUE, 1, -8}, out);
    }

    // ------------------------------------------------------------------- compare and logical

    @Test
    void comparisonsAndLogicalOpsMatchReferenceForEveryDtypeAndLayoutPair() {
        Random r = new Random(6);
        for (int op = BinaryOp.EQ; op <= BinaryOp.LOGICAL_XOR; op++) {
            for (Layout la : LAYOUTS) {
                for (Layout lb : LAYOUTS) {
                    for (int n : sizes(la == lb && (op == BinaryOp.LT || op == BinaryOp.LOGICAL_AND))) {
                        String what = BinaryOp.name(op) + " a:" + la.name + " b:" + lb.name + " n=" + n;
                        // Few distinct values so that equality actually happens.
                        double[] va = values(r, n, la, true), vb = values(r, n, lb, true);
                        for (int i = 0; i < n; i++) {
                            if (!Double.isNaN(va[i]) && !Double.isInfinite(va[i])) va[i] = Math.round(va[i] / 4);
                            if (!Double.isNaN(vb[i]) && !Double.isInfinite(vb[i])) vb[i] = Math.round(vb[i] / 4);
                        }
                        boolean[] of = new boolean[OUT_OFF + n], od = new boolean[OUT_OFF + n];
                        ElementwiseKernels.compare(op, floats(va, la), la.off, la.stride, floats(vb, lb), lb.off, lb.stride, of, OUT_OFF, n);
                        ElementwiseKernels.compare(op, doubles(va, la), la.off, la.stride, doubles(vb, lb), lb.off, lb.stride, od, OUT_OFF, n);
                        long[] ia = integers(r, n, la), ib = integers(r, n, lb);
                        for (int i = 0; i < n; i++) {
                            ia[i] = la.stride == 0 ? ia[0] % 3 : ia[i] % 3;
                            ib[i] = lb.stride == 0 ? ib[0] % 3 : ib[i] % 3;
                        }
                        boolean[] oi = new boolean[OUT_OFF + n], ol = new boolean[OUT_OFF + n];
                        ElementwiseKernels.compare(op, ints(ia, la), la.off, la.stride, ints(ib, lb), lb.off, lb.stride, oi, OUT_OFF, n);
                        ElementwiseKernels.compare(op, longs(ia, la), la.off, la.stride, longs(ib, lb), lb.off, lb.stride, ol, OUT_OFF, n);
                        boolean[] ba = randomBools(r, n, la), bb = randomBools(r, n, lb);
                        boolean[] ob = new boolean[OUT_OFF + n];
                        ElementwiseKernels.compare(op, bools(ba, la), la.off, la.stride, bools(bb, lb), lb.off, lb.stride, ob, OUT_OFF, n);
                        for (int i = 0; i < n; i++) {
                            boolean e = refCompare(op, va[i], vb[i]);
                            if (of[OUT_OFF + i] != e || od[OUT_OFF + i] != e) fail(what + " " + va[i] + "," + vb[i]);
                            e = refCompare(op, ia[i], ib[i]);
                            if (oi[OUT_OFF + i] != e || ol[OUT_OFF + i] != e) fail(what + " int " + ia[i] + "," + ib[i]);
                            if (ob[OUT_OFF + i] != refCompare(op, ba[i] ? 1 : 0, bb[i] ? 1 : 0)) fail(what + " bool " + ba[i] + "," + bb[i]);
                        }
                        for (int i = 0; i < OUT_OFF; i++) {
                            if (of[i] || od[i] || oi[i] || ol[i] || ob[i]) fail(what + ": wrote before the output offset");
                        }
                    }
                }
            }
        }
    }

    @Test
    void nanIsUnequalToItselfAndTrueAsALogicalValue() {
        float[] nan = {Float.NaN}, zero = {0f};
        boolean[] out = new boolean[1];
        ElementwiseKernels.compare(BinaryOp.EQ, nan, 0, 1, nan, 0, 1, out, 0, 1);
        assertFalse(out[0]);
        ElementwiseKernels.compare(BinaryOp.NE, nan, 0, 1, nan, 0, 1, out, 0, 1);
        assertTrue(out[0]);
        ElementwiseKernels.compare(BinaryOp.LOGICAL_OR, nan, 0, 1, zero, 0, 1, out, 0, 1);
        assertTrue(out[0]);
        ElementwiseKernels.compare(BinaryOp.EQ, new float[] {-0f}, 0, 1, zero, 0, 1, out, 0, 1);
        assertTrue(out[0], "-0.0 == 0.0");
    }

    @Test
    void logicalRejectsNonLogicalOps() {
        var e = assertThrows(IllegalArgumentException.class, () -> ElementwiseKernels.logical(BinaryOp.EQ,
                new boolean[1], 0, 1, new boolean[1], 0, 1, new boolean[1], 0, 1));
        assertTrue(e.getMessage().contains("eq"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ElementwiseKernels.compare(BinaryOp.ADD,
                new float[1], 0, 1, new float[1], 0, 1, new boolean[1], 0, 1));
    }

    @Test
    void logicalAndNotMatchReference() {
        Random r = new Random(7);
        for (Layout la : LAYOUTS) {
            for (Layout lb : LAYOUTS) {
                for (int n : sizes(la == lb)) {
                    boolean[] a = randomBools(r, n, la), b = randomBools(r, n, lb);
                    boolean[] sa = bools(a, la), sb = bools(b, lb);
                    for (int op = BinaryOp.LOGICAL_AND; op <= BinaryOp.LOGICAL_XOR; op++) {
                        boolean[] out = new boolean[n];
                        ElementwiseKernels.logical(op, sa, la.off, la.stride, sb, lb.off, lb.stride, out, 0, n);
                        for (int i = 0; i < n; i++) {
                            if (out[i] != refCompare(op, a[i] ? 1 : 0, b[i] ? 1 : 0)) fail(BinaryOp.name(op) + " " + la.name + "," + lb.name);
                        }
                    }
                    boolean[] not = new boolean[n];
                    ElementwiseKernels.logicalNot(sa, la.off, la.stride, not, 0, n);
                    for (int i = 0; i < n; i++) assertEquals(!a[i], not[i], "not " + la.name + " n=" + n);
                }
            }
        }
    }

    // -------------------------------------------------------------------------------- where

    @Test
    void whereSelectsPerElementForEveryDtypeAndLayout() {
        Random r = new Random(8);
        for (Layout lc : LAYOUTS) {
            for (Layout la : LAYOUTS) {
                for (Layout lb : LAYOUTS) {
                    for (int n : sizes(la == lb && lb == lc)) {
                        String what = "where c:" + lc.name + " a:" + la.name + " b:" + lb.name + " n=" + n;
                        boolean[] c = randomBools(r, n, lc), sc = bools(c, lc);
                        double[] va = values(r, n, la, false), vb = values(r, n, lb, false);
                        long[] ia = integers(r, n, la), ib = integers(r, n, lb);
                        boolean[] ba = randomBools(r, n, la), bb = randomBools(r, n, lb);
                        float[] of = new float[n];
                        double[] od = new double[n];
                        int[] oi = new int[n];
                        long[] ol = new long[n];
                        boolean[] ob = new boolean[n];
                        ElementwiseKernels.where(sc, lc.off, lc.stride, floats(va, la), la.off, la.stride, floats(vb, lb), lb.off, lb.stride, of, 0, n);
                        ElementwiseKernels.where(sc, lc.off, lc.stride, doubles(va, la), la.off, la.stride, doubles(vb, lb), lb.off, lb.stride, od, 0, n);
                        ElementwiseKernels.where(sc, lc.off, lc.stride, ints(ia, la), la.off, la.stride, ints(ib, lb), lb.off, lb.stride, oi, 0, n);
                        ElementwiseKernels.where(sc, lc.off, lc.stride, longs(ia, la), la.off, la.stride, longs(ib, lb), lb.off, lb.stride, ol, 0, n);
                        ElementwiseKernels.where(sc, lc.off, lc.stride, bools(ba, la), la.off, la.stride, bools(bb, lb), lb.off, lb.stride, ob, 0, n);
                        for (int i = 0; i < n; i++) {
                            if (of[i] != (float) (c[i] ? va[i] : vb[i]) || od[i] != (c[i] ? va[i] : vb[i])
                                    || oi[i] != (int) (c[i] ? ia[i] : ib[i]) || ol[i] != (c[i] ? ia[i] : ib[i])
                                    || ob[i] != (c[i] ? ba[i] : bb[i])) {
                                fail(what + " at " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void negativeCountIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> ElementwiseKernels.unary(UnaryOp.NEG, 0, 0, new float[1], 0, 1, new float[1], 0, -1));
    }

    @Test
    void floatOrderKeyOrdersLikeFloatCompareWithNaNAtTheGivenEnd() {
        float[] v = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -1f, -Float.MIN_NORMAL, -Float.MIN_VALUE, -0f, 0f,
            Float.MIN_VALUE, Float.MIN_NORMAL, 1f, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
            Float.NaN, Float.intBitsToFloat(0xFFC00001), Float.intBitsToFloat(0x7F800001)};
        for (float a : v) {
            for (float b : v) {
                int ka = ElementwiseKernels.floatOrderKey(a, Integer.MAX_VALUE);
                int kb = ElementwiseKernels.floatOrderKey(b, Integer.MAX_VALUE);
                boolean expected = Float.isNaN(a) ? !Float.isNaN(b) : !Float.isNaN(b) && a > b;
                assertEquals(expected, ka > kb, a + " > " + b);
                int la = ElementwiseKernels.floatOrderKey(a, Integer.MIN_VALUE);
                int lb = ElementwiseKernels.floatOrderKey(b, Integer.MIN_VALUE);
                if (!Float.isNaN(b)) {
                    assertEquals(a > b, la > lb, a + " > " + b + " (NaN lowest)");
                }
            }
        }
    }

    @Test
    void thresholdBackwardKeepsGradientBitsAboveTheThresholdOnly() {
        float[] x = {-0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.NaN, Float.POSITIVE_INFINITY, -2f, 2f};
        float nanPayload = Float.intBitsToFloat(0x7FC01234);
        float[] g = {1f, 2f, nanPayload, 4f, 5f, -0f, 7f, Float.NEGATIVE_INFINITY};
        float[] out = new float[x.length];
        ElementwiseKernels.thresholdBackward(g, 0, x, 0, 0.0, out, x.length);
        assertArrayEquals(
                new int[] {0, 0, 0x7FC01234, 0, 0, 0x80000000, 0, 0xFF800000}, bits(out));
        ElementwiseKernels.thresholdBackward(g, 0, x, 0, -1.0, out, x.length);
        assertArrayEquals(new float[] {1f, 2f, nanPayload, 4f, 0f, -0f, 0f,
            Float.NEGATIVE_INFINITY}, out);
        ElementwiseKernels.thresholdBackward(g, 0, x, 0, Double.NaN, out, x.length);
        assertArrayEquals(new float[x.length], out);
    }

    private static int[] bits(float[] v) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = Float.floatToRawIntBits(v[i]);
        }
        return r;
    }
}
