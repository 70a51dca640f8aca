package dev.walnut.backend.cpu;

import dev.walnut.backend.ReduceOp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ReduceKernels} against float64 reference loops over {@code [outer, len, inner]} blocks:
 * the {@code inner == 1} fast path, column blocks (including more than one block), empty and
 * unit sizes, non-zero offsets, every parallel split (rows, columns, pieces of one long row),
 * NaN/inf rules, and exact float summation.
 */
class ReduceKernelsTest {
    private static final int X_OFF = 3, OUT_OFF = 2;
    private static final float SENTINEL_F = 777.25f;

    /** {outer, len, inner}: fast path, column blocks, a block boundary, unit and empty sizes. */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {3, 7, 1}, {4, 5, 3}, {2, 3, 1500}, {5, 1, 4}, {1, 1000, 1}, {2, 300, 257}, {0, 3, 2}, {3, 3, 0},
    };
    /** Each above the parallel grain; between them they take every split. */
    private static final int[][] PARALLEL_SHAPES = {
        {2000, 50, 1},      // rows
        {1, 300_000, 1},    // pieces of one long row
        {3, 100_000, 1},    // rows or pieces, depending on the thread count
        {1, 5000, 64},      // columns
        {2, 20_000, 3},     // columns (few, narrow) or rows, depending on the thread count
    };

    // ------------------------------------------------------------------------ reference

    private static double refReduce(int op, double[] v, int o, int len, int inner, int i) {
        double r = op == ReduceOp.SUM ? 0 : op == ReduceOp.PROD ? 1 : v[o * len * inner + i];
        for (int l = 0; l < len; l++) {
            double x = v[(o * len + l) * inner + i];
            switch (op) {
                case ReduceOp.SUM: r += x; break;
                case ReduceOp.PROD: r *= x; break;
                case ReduceOp.MAX: r = Double.isNaN(r) || Double.isNaN(x) ? Double.NaN : Math.max(r, x); break;
                default: r = Double.isNaN(r) || Double.isNaN(x) ? Double.NaN : Math.min(r, x); break;
            }
        }
        return r;
    }

    private static double absSum(double[] v, int o, int len, int inner, int i) {
        double s = 0;
        for (int l = 0; l < len; l++) s += Math.abs(v[(o * len + l) * inner + i]);
        return s;
    }

    /** Float-representable values: signed for sums, near ±1 for products, with NaNs for max/min. */
    private static double[] values(Random r, int n, int op) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            if (op == ReduceOp.PROD) {
                v[k] = (float) ((r.nextBoolean() ? 1 : -1) * (1 + (r.nextDouble() - 0.5) * 1e-3));
            } else {
                v[k] = (float) (r.nextDouble() * 200 - 100);
            }
        }
        if ((op == ReduceOp.MAX || op == ReduceOp.MIN) && n > 0) {
            for (int k = 0; k < n / 500 + 1; k++) {
                if (r.nextInt(3) == 0) v[r.nextInt(n)] = Double.NaN;
            }
        }
        return v;
    }

    private static float[] floats(double[] v) {
        float[] a = new float[X_OFF + v.length + 2];
        Arrays.fill(a, Float.NaN); // padding a kernel must never read
        for (int i = 0; i < v.length; i++) a[X_OFF + i] = (float) v[i];
        return a;
    }

    private static double[] doubles(double[] v) {
        double[] a = new double[X_OFF + v.length + 2];
        Arrays.fill(a, Double.NaN);
        System.arraycopy(v, 0, a, X_OFF, v.length);
        return a;
    }

    private static void checkFloatingReduce(int op, int[] shape, Random r) {
        int outer = shape[0], len = shape[1], inner = shape[2], n = outer * len * inner;
        double[] v = values(r, n, op);
        float[] of = new float[OUT_OFF + outer * inner + 1];
        double[] od = new double[OUT_OFF + outer * inner + 1];
        Arrays.fill(of, SENTINEL_F);
        Arrays.fill(od, SENTINEL_F);
        ReduceKernels.reduce(op, floats(v), X_OFF, outer, len, inner, of, OUT_OFF);
        ReduceKernels.reduce(op, doubles(v), X_OFF, outer, len, inner, od, OUT_OFF);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double e = refReduce(op, v, o, len, inner, i);
                float f = of[OUT_OFF + o * inner + i];
                double d = od[OUT_OFF + o * inner + i];
                double scale = op == ReduceOp.SUM ? absSum(v, o, len, inner, i) : Math.abs(e);
                boolean ok = Double.isNaN(e) ? Float.isNaN(f) && Double.isNaN(d)
                        : Math.abs(f - (float) e) <= Math.ulp((float) e) + 1e-12 * scale
                        && Math.abs(d - e) <= 4 * Math.ulp(e) + 1e-12 * scale;
                if (!ok) {
                    fail(ReduceOp.name(op) + " " + Arrays.toString(shape) + " at (" + o + ", " + i + "): expected " + e
                            + " but was " + f + " (float32) / " + d + " (float64)");
                }
            }
        }
        assertEquals(SENTINEL_F, of[OUT_OFF - 1]);
        assertEquals(SENTINEL_F, of[of.length - 1]);
        assertEquals((double) SENTINEL_F, od[od.length - 1]);
    }

    // ------------------------------------------------------------------------ reduce

    @Test
    void floatingReductionsMatchReferenceForEveryShape() {
        Random r = new Random(21);
        for (int op = ReduceOp.SUM; op <= ReduceOp.MIN; op++) {
            for (int[] shape : SHAPES) {
                checkFloatingReduce(op, shape, r);
            }
        }
    }

    @Test
    void floatingReductionsMatchReferenceWhenSplitAcrossThreads() {
        Random r = new Random(22);
        for (int op = ReduceOp.SUM; op <= ReduceOp.MIN; op++) {
            for (int[] shape : PARALLEL_SHAPES) {
                checkFloatingReduce(op, shape, r);
            }
        }
    }

    @Test
    void summingSixteenMillionOnesInFloatIsExact() {
        int n = 1 << 24;
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        float[] out = new float[2];
        ReduceKernels.reduce(ReduceOp.SUM, ones, 0, 1, n, 1, out, 0);
        assertEquals(16777216f, out[0]);
        ReduceKernels.reduce(ReduceOp.SUM, ones, 0, 1, n / 2, 2, out, 0);   // column path
        assertArrayEquals(new float[] {8388608f, 8388608f}, out);
        ReduceKernels.reduce(ReduceOp.SUM, ones, 0, 2, n / 2, 1, out, 0);   // two long rows
        assertArrayEquals(new float[] {8388608f, 8388608f}, out);
    }

    @Test
    void emptyReductionGivesTheIdentityOrFails() {
        float[] out = {5f, 5f, 5f, 5f};
        ReduceKernels.reduce(ReduceOp.SUM, new float[0], 0, 2, 0, 2, out, 0);
        assertArrayEquals(new float[] {0f, 0f, 0f, 0f}, out);
        ReduceKernels.reduce(ReduceOp.PROD, new float[0], 0, 2, 0, 2, out, 0);
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, out);
        long[] lo = {5};
        ReduceKernels.reduce(ReduceOp.SUM, new int[0], 0, 1, 0, 1, lo, 0);
        assertEquals(0L, lo[0]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> ReduceKernels.reduce(ReduceOp.MAX, new float[0], 0, 2, 0, 2, new float[4], 0));
        assertTrue(e.getMessage().startsWith("max"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ReduceKernels.reduce(ReduceOp.MIN, new long[0], 0, 1, 0, 1, new long[1], 0));
        // An empty output needs no identity.
        ReduceKernels.reduce(ReduceOp.MAX, new float[0], 0, 0, 0, 2, new float[0], 0);
    }

    @Test
    void maxAndMinPropagateNaNOnEveryPath() {
        float[] x = {1f, Float.NaN, 3f, 2f, 0f, 5f};
        float[] out = new float[2];
        ReduceKernels.reduce(ReduceOp.MAX, x, 0, 2, 3, 1, out, 0);
        assertTrue(Float.isNaN(out[0]));
        assertEquals(5f, out[1]);
        ReduceKernels.reduce(ReduceOp.MIN, x, 0, 1, 3, 2, out, 0);   // columns {1,3,0} and {NaN,2,5}
        assertEquals(0f, out[0]);
        assertTrue(Float.isNaN(out[1]));
        double[] big = new double[300_000];
        big[299_999] = Double.NaN;
        double[] o1 = new double[1];
        ReduceKernels.reduce(ReduceOp.MAX, big, 0, 1, big.length, 1, o1, 0);
        assertTrue(Double.isNaN(o1[0]), "NaN in the last piece of a split row");
    }

    @Test
    void integerReductionsAccumulateInLongAndWrapThere() {
        Random r = new Random(23);
        int[][] shapes = concat(SHAPES, PARALLEL_SHAPES);
        for (int op = ReduceOp.SUM; op <= ReduceOp.MIN; op++) {
            for (int[] shape : shapes) {
                int outer = shape[0], len = shape[1], inner = shape[2], n = outer * len * inner;
                int[] xi = new int[X_OFF + n];
                long[] xl = new long[X_OFF + n];
                for (int k = 0; k < n; k++) {
                    xi[X_OFF + k] = op == ReduceOp.PROD ? (r.nextBoolean() ? 1 : -1) * (r.nextInt(100) == 0 ? 3 : 1) : r.nextInt();
                    xl[X_OFF + k] = op == ReduceOp.PROD ? r.nextInt(5) - 2 : r.nextLong();
                }
                long[] fromInt = new long[outer * inner], fromLong = new long[outer * inner];
                int[] narrow = new int[outer * inner];
                ReduceKernels.reduce(op, xi, X_OFF, outer, len, inner, fromInt, 0);
                ReduceKernels.reduce(op, xl, X_OFF, outer, len, inner, fromLong, 0);
                if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
                    ReduceKernels.reduce(op, xi, X_OFF, outer, len, inner, narrow, 0);
                }
                for (int o = 0; o < outer; o++) {
                    for (int i = 0; i < inner; i++) {
                        long ei = op == ReduceOp.SUM ? 0 : op == ReduceOp.PROD ? 1 : xi[X_OFF + o * len * inner + i];
                        long el = op == ReduceOp.SUM ? 0 : op == ReduceOp.PROD ? 1 : xl[X_OFF + o * len * inner + i];
                        for (int l = 0; l < len; l++) {
                            int k = X_OFF + (o * len + l) * inner + i;
                            switch (op) {
                                case ReduceOp.SUM: ei += xi[k]; el += xl[k]; break;
                                case ReduceOp.PROD: ei *= xi[k]; el *= xl[k]; break;
                                case ReduceOp.MAX: ei = Math.max(ei, xi[k]); el = Math.max(el, xl[k]); break;
                                default: ei = Math.min(ei, xi[k]); el = Math.min(el, xl[k]); break;
                            }
                        }
                        int j = o * inner + i;
                        if (fromInt[j] != ei || fromLong[j] != el
                                || (op == ReduceOp.MAX || op == ReduceOp.MIN) && narrow[j] != ei) {
                            fail(ReduceOp.name(op) + " " + Arrays.toString(shape) + " at " + j + ": expected " + ei + "/" + el
                                    + " but was " + fromInt[j] + "/" + fromLong[j]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void int32SumBeyondTheInt32RangeIsExactInInt64() {
        int[] x = new int[100];
        Arrays.fill(x, Integer.MAX_VALUE);
        long[] out = new long[1];
        ReduceKernels.reduce(ReduceOp.SUM, x, 0, 1, 100, 1, out, 0);
        assertEquals(100L * Integer.MAX_VALUE, out[0]);
    }

    @Test
    void int32SumIntoInt32OutputIsRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ReduceKernels.reduce(ReduceOp.SUM, new int[2], 0, 1, 2, 1, new int[1], 0));
        assertTrue(e.getMessage().contains("long[]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ReduceKernels.reduce(ReduceOp.ARGMAX, new float[2], 0, 1, 2, 1, new float[1], 0));
    }

    @Test
    void booleanSumCountsAndMaxMinAreAnyAll() {
        Random r = new Random(24);
        for (int[] shape : concat(SHAPES, PARALLEL_SHAPES)) {
            int outer = shape[0], len = shape[1], inner = shape[2], n = outer * len * inner;
            boolean[] x = new boolean[X_OFF + n];
            // Mostly-true rows so that "all" is sometimes true.
            for (int k = 0; k < n; k++) x[X_OFF + k] = r.nextInt(len > 10 ? 100_000 : 3) != 0;
            long[] count = new long[outer * inner], prod = new long[outer * inner];
            boolean[] any = new boolean[outer * inner], all = new boolean[outer * inner];
            ReduceKernels.reduce(ReduceOp.SUM, x, X_OFF, outer, len, inner, count, 0);
            ReduceKernels.reduce(ReduceOp.PROD, x, X_OFF, outer, len, inner, prod, 0);
            ReduceKernels.reduce(ReduceOp.MAX, x, X_OFF, outer, len, inner, any, 0);
            ReduceKernels.reduce(ReduceOp.MIN, x, X_OFF, outer, len, inner, all, 0);
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    long c = 0;
                    for (int l = 0; l < len; l++) c += x[X_OFF + (o * len + l) * inner + i] ? 1 : 0;
                    int j = o * inner + i;
                    if (count[j] != c || prod[j] != (c == len ? 1 : 0) || any[j] != c > 0 || all[j] != (c == len)) {
                        fail(Arrays.toString(shape) + " at " + j + ": count " + c + " of " + len);
                    }
                }
            }
        }
        boolean[] out = {false, true};
        ReduceKernels.reduce(ReduceOp.MAX, new boolean[0], 0, 1, 0, 1, out, 0);
        ReduceKernels.reduce(ReduceOp.MIN, new boolean[0], 0, 1, 0, 1, out, 1);
        assertArrayEquals(new boolean[] {false, true}, out, "any() of nothing is false, all() of nothing is true");
    }

    // ------------------------------------------------------------------------ argReduce

    private static int refArg(boolean max, double[] v, int o, int len, int inner, int i) {
        int best = 0;
        double b = v[o * len * inner + i];
        for (int l = 1; l < len && !Double.isNaN(b); l++) {
            double x = v[(o * len + l) * inner + i];
            if (Double.isNaN(x) || (max ? x > b : x < b)) {
                best = l;
                b = x;
            }
        }
        return best;
    }

    @Test
    void argMaxAndArgMinPickTheFirstOccurrenceAndTreatNaNAsExtreme() {
        Random r = new Random(25);
        for (int[] shape : concat(SHAPES, PARALLEL_SHAPES)) {
            int outer = shape[0], len = shape[1], inner = shape[2], n = outer * len * inner;
            double[] v = new double[n];
            for (int k = 0; k < n; k++) v[k] = r.nextInt(7) - 3;   // many ties
            for (int k = 0; k < n / 400 + (n > 0 ? 1 : 0); k++) v[r.nextInt(n)] = Double.NaN;
            int[] vi = new int[X_OFF + n];
            long[] vl = new long[X_OFF + n];
            double[] vNoNaN = v.clone();
            for (int k = 0; k < n; k++) {
                if (Double.isNaN(vNoNaN[k])) vNoNaN[k] = 3;
                vi[X_OFF + k] = (int) vNoNaN[k];
                vl[X_OFF + k] = (long) vNoNaN[k];
            }
            for (int op : new int[] {ReduceOp.ARGMAX, ReduceOp.ARGMIN}) {
                boolean max = op == ReduceOp.ARGMAX;
                for (boolean withValues : new boolean[] {false, true}) {
                    int m = outer * inner;
                    long[] idxF = new long[OUT_OFF + m], idxD = new long[m], idxI = new long[m], idxL = new long[m];
                    float[] valF = withValues ? new float[m] : null;
                    double[] valD = withValues ? new double[m] : null;
                    int[] valI = withValues ? new int[m] : null;
                    long[] valL = withValues ? new long[m] : null;
                    ReduceKernels.argReduce(op, floats(v), X_OFF, outer, len, inner, valF, 0, idxF, OUT_OFF);
                    ReduceKernels.argReduce(op, doubles(v), X_OFF, outer, len, inner, valD, 0, idxD, 0);
                    ReduceKernels.argReduce(op, vi, X_OFF, outer, len, inner, valI, 0, idxI, 0);
                    ReduceKernels.argReduce(op, vl, X_OFF, outer, len, inner, valL, 0, idxL, 0);
                    for (int o = 0; o < outer; o++) {
                        for (int i = 0; i < inner; i++) {
                            int j = o * inner + i;
                            int e = refArg(max, v, o, len, inner, i), ei = refArg(max, vNoNaN, o, len, inner, i);
                            if (idxF[OUT_OFF + j] != e || idxD[j] != e || idxI[j] != ei || idxL[j] != ei) {
                                fail(ReduceOp.name(op) + " " + Arrays.toString(shape) + " at " + j + ": expected " + e + "/" + ei
                                        + " but was " + idxF[OUT_OFF + j] + ", " + idxD[j] + ", " + idxI[j] + ", " + idxL[j]);
                            }
                            if (withValues) {
                                double ev = v[(o * len + e) * inner + i];
                                long evi = (long) vNoNaN[(o * len + ei) * inner + i];
                                if (Double.compare(valF[j], ev) != 0 || Double.compare(valD[j], ev) != 0
                                        || valI[j] != evi || valL[j] != evi) {
                                    fail(ReduceOp.name(op) + " values " + Arrays.toString(shape) + " at " + j);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void argMaxOfALongRowSplitAcrossThreadsKeepsTheFirstTie() {
        float[] x = new float[300_000];
        x[250_000] = 7f;
        x[100_000] = 7f;
        x[299_999] = 7f;
        long[] idx = new long[1];
        float[] val = new float[1];
        ReduceKernels.argReduce(ReduceOp.ARGMAX, x, 0, 1, x.length, 1, val, 0, idx, 0);
        assertEquals(100_000L, idx[0]);
        assertEquals(7f, val[0]);
        x[200_000] = Float.NaN;
        x[280_000] = Float.NaN;
        ReduceKernels.argReduce(ReduceOp.ARGMIN, x, 0, 1, x.length, 1, val, 0, idx, 0);
        assertEquals(200_000L, idx[0], "the first NaN is the min too");
        assertTrue(Float.isNaN(val[0]));
    }

    @Test
    void argReduceOverAnEmptyDimensionFails() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ReduceKernels.argReduce(ReduceOp.ARGMAX, new float[0], 0, 1, 0, 1, null, 0, new long[1], 0));
        assertTrue(e.getMessage().startsWith("argmax"), e.getMessage());
    }

    // ------------------------------------------------------------------------ softmax

    private static double[] refSoftmax(double[] v, int o, int len, int inner, int i, boolean log) {
        double m = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < len; l++) m = Math.max(m, v[(o * len + l) * inner + i]);
        double s = 0;
        for (int l = 0; l < len; l++) s += Math.exp(v[(o * len + l) * inner + i] - m);
        double[] r = new double[len];
        for (int l = 0; l < len; l++) {
            double x = v[(o * len + l) * inner + i];
            r[l] = log ? x - m - Math.log(s) : Math.exp(x - m) / s;
        }
        return r;
    }

    @Test
    void softmaxAndLogSoftmaxMatchReferenceIncludingMinusInfinity() {
        Random r = new Random(26);
        int[][] shapes = concat(SHAPES, new int[][] {{3000, 20, 1}, {2, 3000, 8}});
        for (int[] shape : shapes) {
            int outer = shape[0], len = shape[1], inner = shape[2], n = outer * len * inner;
            double[] v = new double[n];
            for (int k = 0; k < n; k++) v[k] = (float) (r.nextDouble() * 40 - 20 + (r.nextInt(50) == 0 ? 1000 : 0));
            for (int k = 0; k < n / 10; k++) v[r.nextInt(n)] = Double.NEGATIVE_INFINITY;
            // Keep one finite entry per slice, so no slice is all -inf here.
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) v[o * len * inner + i] = 0.5;
            }
            for (boolean log : new boolean[] {false, true}) {
                float[] of = new float[n + OUT_OFF];
                double[] od = new double[n];
                ReduceKernels.softmax(floats(v), X_OFF, outer, len, inner, of, OUT_OFF, log);
                double[] inPlace = doubles(v);
                ReduceKernels.softmax(inPlace, X_OFF, outer, len, inner, inPlace, X_OFF, log);
                ReduceKernels.softmax(doubles(v), X_OFF, outer, len, inner, od, 0, log);
                for (int o = 0; o < outer; o++) {
                    for (int i = 0; i < inner; i++) {
                        double[] e = refSoftmax(v, o, len, inner, i, log);
                        for (int l = 0; l < len; l++) {
                            int k = (o * len + l) * inner + i;
                            double tol = log ? 1e-5 * Math.max(1, Math.abs(e[l])) : 1e-6;
                            boolean ok = Double.isInfinite(e[l]) ? of[OUT_OFF + k] == e[l] && od[k] == e[l]
                                    : Math.abs(of[OUT_OFF + k] - e[l]) <= tol && Math.abs(od[k] - e[l]) <= 1e-12 * Math.max(1, Math.abs(e[l]));
                            if (!ok || Double.compare(od[k], inPlace[X_OFF + k]) != 0) {
                                fail((log ? "log_softmax " : "softmax ") + Arrays.toString(shape) + " at " + k + ": expected " + e[l]
                                        + " but was " + of[OUT_OFF + k] + " / " + od[k] + " / in place " + inPlace[X_OFF + k]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void softmaxOfHugeLogitsIsFinite() {
        float[] x = {1000f, 999f, -1000f}, y = new float[3];
        ReduceKernels.softmax(x, 0, 1, 3, 1, y, 0, false);
        assertEquals(1 / (1 + Math.exp(-1)), y[0], 1e-6);
        assertEquals(0f, y[2]);
        ReduceKernels.softmax(x, 0, 1, 3, 1, y, 0, true);
        assertEquals(-Math.log1p(Math.exp(-1)), y[0], 1e-5);
        assertEquals(-2000 - Math.log1p(Math.exp(-1)), y[2], 1e-2);
    }

    @Test
    void softmaxOfAllMinusInfinityOrNaNIsNaNLikePyTorch() {
        float ninf = Float.NEGATIVE_INFINITY;
        float[] x = {ninf, ninf, 1f, Float.NaN, 0f, 0f}, y = new float[6];
        ReduceKernels.softmax(x, 0, 3, 2, 1, y, 0, false);
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]), "all -inf row");
        assertTrue(Float.isNaN(y[2]) && Float.isNaN(y[3]), "row with NaN");
        assertArrayEquals(new float[] {0.5f, 0.5f}, Arrays.copyOfRange(y, 4, 6));
        // Same along columns (inner > 1): x as [1, 2, 3] has columns {-inf,NaN}, {-inf,0}, {1,0}.
        ReduceKernels.softmax(x, 0, 1, 2, 3, y, 0, true);
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[3]));
        assertEquals(ninf, y[1]);
        assertEquals(0f, y[4]);
    }

    // ------------------------------------------------------------------------ logsumexp

    @Test
    void logSumExpMatchesReferenceAndHandlesInfinities() {
        Random r = new Random(27);
        for (int[] shape : concat(SHAPES, new int[][] {{3000, 20, 1}, {2, 3000, 8}})) {
            int outer = shape[0], len = shape[1], inner = shape[2], n = outer * len * inner;
            double[] v = new double[n];
            for (int k = 0; k < n; k++) v[k] = (float) (r.nextDouble() * 40 - 20 + (r.nextInt(50) == 0 ? 500 : 0));
            float[] of = new float[outer * inner];
            double[] od = new double[outer * inner];
            ReduceKernels.logSumExp(floats(v), X_OFF, outer, len, inner, of, 0);
            ReduceKernels.logSumExp(doubles(v), X_OFF, outer, len, inner, od, 0);
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    double m = Double.NEGATIVE_INFINITY, s = 0;
                    for (int l = 0; l < len; l++) m = Math.max(m, v[(o * len + l) * inner + i]);
                    for (int l = 0; l < len; l++) s += Math.exp(v[(o * len + l) * inner + i] - m);
                    double e = m + Math.log(s);
                    int j = o * inner + i;
                    if (Math.abs(of[j] - e) > 2e-6 * Math.abs(e) + 1e-6 || Math.abs(od[j] - e) > 1e-13 * Math.abs(e) + 1e-13) {
                        fail("logsumexp " + Arrays.toString(shape) + " at " + j + ": expected " + e + " but was " + of[j] + " / " + od[j]);
                    }
                }
            }
        }
        float ninf = Float.NEGATIVE_INFINITY, inf = Float.POSITIVE_INFINITY;
        float[] x = {ninf, ninf, 1f, inf, Float.NaN, inf, 1000f, 1000f}, y = new float[4];
        ReduceKernels.logSumExp(x, 0, 4, 2, 1, y, 0);
        assertEquals(ninf, y[0], "all -inf");
        assertEquals(inf, y[1], "+inf present");
        assertTrue(Float.isNaN(y[2]), "NaN present");
        assertEquals(1000 + Math.log(2), y[3], 1e-3);
        ReduceKernels.logSumExp(x, 0, 1, 4, 2, y, 0);   // columns {-inf,1,NaN,1000} and {-inf,inf,inf,1000}
        assertTrue(Float.isNaN(y[0]));
        assertEquals(inf, y[1]);
        float[] empty = {5f, 5f};
        ReduceKernels.logSumExp(new float[0], 0, 2, 0, 1, empty, 0);
        assertArrayEquals(new float[] {ninf, ninf}, empty);
    }

    @Test
    void negativeSizesAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> ReduceKernels.reduce(ReduceOp.SUM, new float[1], 0, 1, -1, 1, new float[1], 0));
        assertThrows(IllegalArgumentException.class,
                () -> ReduceKernels.softmax(new float[1], 0, -1, 1, 1, new float[1], 0, false));
    }

    private static int[][] concat(int[][] a, int[][] b) {
        int[][] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
