package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link CopyKernels} against an element-by-element reference: every source/destination type
 * pair over random N-d views (permuted, stepped, broadcast, offset), 0-d and empty shapes, copies
 * big enough to split across threads, and the conversion rules.
 */
class CopyKernelsTest {
    private static final Class<?>[] TYPES = {float.class, double.class, int.class, long.class, boolean.class};

    // ------------------------------------------------------------------------ reference

    /** Reference conversion of one element, written independently of the kernel's tables. */
    private static void convertOne(Object src, int si, Object dst, int di) {
        boolean isBool = src instanceof boolean[];
        boolean isFloating = src instanceof float[] || src instanceof double[];
        double x = isFloating ? Array.getDouble(src, si) : 0;
        long l = src instanceof int[] || src instanceof long[] ? Array.getLong(src, si) : 0;
        int b = isBool && Array.getBoolean(src, si) ? 1 : 0;
        if (dst instanceof boolean[] d) d[di] = isBool ? b == 1 : isFloating ? x != 0 : l != 0;
        else if (dst instanceof float[] d) d[di] = isBool ? b : isFloating ? (float) x : (float) l;
        else if (dst instanceof double[] d) d[di] = isBool ? b : isFloating ? x : (double) l;
        else if (dst instanceof int[] d) d[di] = isBool ? b : isFloating ? (int) x : (int) l;
        else ((long[]) dst)[di] = isBool ? b : isFloating ? (long) x : l;
    }

    private static void referenceCopy(Object src, int srcOff, int[] shape, int[] ss, Object dst, int dstOff, int[] ds) {
        for (int s : shape) {
            if (s == 0) return;
        }
        int[] idx = new int[shape.length];
        while (true) {
            int so = srcOff, dof = dstOff;
            for (int d = 0; d < shape.length; d++) {
                so += idx[d] * ss[d];
                dof += idx[d] * ds[d];
            }
            convertOne(src, so, dst, dof);
            int d = shape.length - 1;
            while (d >= 0 && ++idx[d] == shape[d]) {
                idx[d] = 0;
                d--;
            }
            if (d < 0) return;
        }
    }

    // ------------------------------------------------------------------------ random views

    /** Strides of a view of {@code shape} inside a larger buffer: permuted dims, steps, padding. */
    private static int[] randomStrides(Random r, int[] shape, boolean allowBroadcast) {
        int nd = shape.length;
        int[] order = new int[nd];
        for (int i = 0; i < nd; i++) order[i] = i;
        for (int i = nd - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        if (r.nextInt(3) == 0) {
            for (int i = 0; i < nd; i++) order[i] = nd - 1 - i; // plain row-major, often collapsible
        }
        int[] strides = new int[nd];
        int pitch = 1;
        for (int k = nd - 1; k >= 0; k--) {
            int d = order[k];
            int step = r.nextInt(4) == 0 ? 2 : 1;
            strides[d] = pitch * step;
            pitch = strides[d] * Math.max(1, shape[d]) + (r.nextInt(4) == 0 ? 1 : 0);
        }
        if (allowBroadcast) {
            for (int d = 0; d < nd; d++) {
                if (r.nextInt(5) == 0) strides[d] = 0;
            }
        }
        return strides;
    }

    private static int extent(int off, int[] shape, int[] strides) {
        int e = off;
        for (int d = 0; d < shape.length; d++) e += Math.max(0, shape[d] - 1) * strides[d];
        return e + 1;
    }

    private static Object randomArray(Random r, Class<?> type, int n) {
        Object a = Array.newInstance(type, n);
        for (int i = 0; i < n; i++) {
            double special = new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.0, 0, 3e9, -2.7, 2.7}[r.nextInt(7)];
            double v = r.nextInt(6) == 0 ? special : r.nextInt(7) - 3 + (r.nextBoolean() ? 0.5 : 0);
            if (type == float.class) Array.setFloat(a, i, (float) v);
            else if (type == double.class) Array.setDouble(a, i, v);
            else if (type == int.class) Array.setInt(a, i, r.nextInt(8) == 0 ? Integer.MIN_VALUE : r.nextInt(11) - 5);
            else if (type == long.class) Array.setLong(a, i, r.nextInt(8) == 0 ? (1L << 40) + 7 : r.nextInt(11) - 5);
            else Array.setBoolean(a, i, r.nextBoolean());
        }
        return a;
    }

    private static Object copyOf(Object a) {
        int n = Array.getLength(a);
        Object c = Array.newInstance(a.getClass().getComponentType(), n);
        System.arraycopy(a, 0, c, 0, n);
        return c;
    }

    private static void assertSameContents(Object expected, Object actual, String what) {
        boolean same = expected instanceof float[] e ? Arrays.equals(e, (float[]) actual)
                : expected instanceof double[] e ? Arrays.equals(e, (double[]) actual)
                : expected instanceof int[] e ? Arrays.equals(e, (int[]) actual)
                : expected instanceof long[] e ? Arrays.equals(e, (long[]) actual)
                : Arrays.equals((boolean[]) expected, (boolean[]) actual);
        if (!same) {
            int n = Array.getLength(expected);
            for (int i = 0; i < n; i++) {
                if (!Array.get(expected, i).equals(Array.get(actual, i))) {
                    fail(what + ": first difference at " + i + ": expected " + Array.get(expected, i) + " but was " + Array.get(actual, i));
                }
            }
        }
    }

    /** Runs one copy through the kernel and the reference and compares the whole destination. */
    private static void checkCopy(Random r, Class<?> st, Class<?> dt, int[] shape, int[] ss, int srcOff, int[] ds, int dstOff,
            String what) {
        Object src = randomArray(r, st, extent(srcOff, shape, ss) + 2);
        Object dst = randomArray(r, dt, extent(dstOff, shape, ds) + 2);
        Object expected = copyOf(dst);
        referenceCopy(src, srcOff, shape, ss, expected, dstOff, ds);
        CopyKernels.copy(src, srcOff, shape, ss, dst, dstOff, ds);
        assertSameContents(expected, dst, what + " " + st + "->" + dt + " shape " + Arrays.toString(shape)
                + " src " + Arrays.toString(ss) + "@" + srcOff + " dst " + Arrays.toString(ds) + "@" + dstOff);
    }

    // ------------------------------------------------------------------------------ tests

    @Test
    void everyTypePairMatchesReferenceOnRandomStridedViews() {
        Random r = new Random(11);
        for (Class<?> st : TYPES) {
            for (Class<?> dt : TYPES) {
                for (int trial = 0; trial < 60; trial++) {
                    int nd = r.nextInt(5);
                    int[] shape = new int[nd];
                    for (int d = 0; d < nd; d++) shape[d] = r.nextInt(20) == 0 ? 0 : 1 + r.nextInt(r.nextBoolean() ? 2 : 6);
                    int[] ss = randomStrides(r, shape, true), ds = randomStrides(r, shape, false);
                    checkCopy(r, st, dt, shape, ss, r.nextInt(4), ds, r.nextInt(4), "trial " + trial);
                }
            }
        }
    }

    /**
     * The stride-2 phase split of [n, c, h, w] ({@code reshape(n, c, h/2, 2, w/2, 2).permute(0,
     * 1, 3, 5, 2, 4)}, the space-to-depth copy that runs both phases in one pass) in float and
     * double, small and big enough to split across threads, from an offset and into a
     * non-contiguous destination: the reference's bits, NaN payloads and -0.0 included.
     */
    @Test
    void phaseSplitCopiesMatchReference() {
        Random r = new Random(5);
        int[][] sizes = {{1, 3, 230, 230}, {2, 2, 6, 10}, {64, 3, 8, 8}, {1, 1, 2, 2}};
        for (int[] z : sizes) {
            int n = z[0], c = z[1], h = z[2], w = z[3];
            int[] shape = {n, c, 2, 2, h / 2, w / 2};
            int[] ss = {c * h * w, h * w, w, 1, 2 * w, 2};
            for (Class<?> type : new Class<?>[] {float.class, double.class}) {
                int off = 3;
                Object src = Array.newInstance(type, off + n * c * h * w);
                for (int i = 0; i < Array.getLength(src); i++) {
                    double v = r.nextInt(10) == 0 ? -0.0 : r.nextGaussian();
                    if (type == float.class) {
                        Array.setFloat(src, i, i % 97 == 0 ? Float.intBitsToFloat(0x7fc00123) : (float) v);
                    } else {
                        Array.setDouble(src, i, i % 97 == 0 ? Double.longBitsToDouble(0x7ff8000000000123L) : v);
                    }
                }
                // Contiguous destination, and one with a gap after every output row.
                for (int gap : new int[] {0, 1}) {
                    int row = w / 2 + gap;
                    int[] ds = {c * 4 * (h / 2) * row, 4 * (h / 2) * row, 2 * (h / 2) * row, (h / 2) * row, row, 1};
                    int len = n * ds[0];
                    Object want = Array.newInstance(type, len);
                    Object got = Array.newInstance(type, len);
                    referenceCopy(src, off, shape, ss, want, 0, ds);
                    CopyKernels.copy(src, off, shape, ss, got, 0, ds);
                    String what = type + " " + Arrays.toString(z) + " gap " + gap;
                    if (type == float.class) {
                        for (int i = 0; i < len; i++) {
                            assertEquals(Float.floatToRawIntBits(((float[]) want)[i]), Float.floatToRawIntBits(((float[]) got)[i]), what);
                        }
                    } else {
                        for (int i = 0; i < len; i++) {
                            assertEquals(Double.doubleToRawLongBits(((double[]) want)[i]),
                                    Double.doubleToRawLongBits(((double[]) got)[i]), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void contiguousSameTypeCopyIsExact() {
        float[] src = {1f, Float.NaN, -0f, 4f, 5f, 6f}, dst = new float[8];
        CopyKernels.copy(src, 1, new int[] {2, 2}, new int[] {2, 1}, dst, 3, new int[] {2, 1});
        assertArrayEquals(new float[] {0, 0, 0, Float.NaN, -0f, 4f, 5f, 0}, dst);
    }

    @Test
    void transposeCopiesIntoRowMajorOrder() {
        float[] m = {1f, 2f, 3f, 4f, 5f, 6f};
        double[] t = new double[6];
        CopyKernels.copy(m, 0, new int[] {3, 2}, new int[] {1, 3}, t, 0, new int[] {2, 1});
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, t);
    }

    @Test
    void zeroDimensionalCopyMovesOneElement() {
        long[] src = {7, 8, 9};
        int[] dst = {0, 0, 0};
        CopyKernels.copy(src, 2, new int[0], new int[0], dst, 1, new int[0]);
        assertArrayEquals(new int[] {0, 9, 0}, dst);
    }

    @Test
    void zeroSizeDimensionCopiesNothing() {
        float[] src = {1f, 2f};
        float[] dst = {5f, 5f};
        // Strides that would be out of range if anything were read show nothing is.
        CopyKernels.copy(src, 0, new int[] {3, 0, 4}, new int[] {100, 100, 100}, dst, 0, new int[] {100, 100, 100});
        assertArrayEquals(new float[] {5f, 5f}, dst);
    }

    @Test
    void broadcastSourceIsReplicated() {
        // A [3, 1] column expanded to [3, 4]: source strides {1, 0}.
        int[] col = {1, 2, 3};
        float[] out = new float[12];
        CopyKernels.copy(col, 0, new int[] {3, 4}, new int[] {1, 0}, out, 0, new int[] {4, 1});
        assertArrayEquals(new float[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, out);
    }

    @Test
    void floatToIntegerTruncatesTowardZeroAndNeverThrows() {
        float[] src = {2.7f, -2.7f, -0.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e9f};
        int[] i = new int[src.length];
        long[] l = new long[src.length];
        int[] shape = {src.length}, unit = {1};
        CopyKernels.copy(src, 0, shape, unit, i, 0, unit);
        CopyKernels.copy(src, 0, shape, unit, l, 0, unit);
        assertArrayEquals(new int[] {2, -2, 0, 0, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE}, i);
        assertArrayEquals(new long[] {2, -2, 0, 0, Long.MAX_VALUE, Long.MIN_VALUE, 3_000_000_000L}, l);
    }

    @Test
    void booleanConversionsAreZeroOneAndNonZero() {
        double[] src = {0.0, -0.0, Double.NaN, 0.25, -3};
        boolean[] b = new boolean[5];
        int[] shape = {5}, unit = {1};
        CopyKernels.copy(src, 0, shape, unit, b, 0, unit);
        assertArrayEquals(new boolean[] {false, false, true, true, true}, b);
        float[] f = new float[5];
        CopyKernels.copy(b, 0, shape, unit, f, 0, unit);
        assertArrayEquals(new float[] {0f, 0f, 1f, 1f, 1f}, f);
        long[] l = new long[5];
        CopyKernels.copy(b, 0, shape, unit, l, 0, unit);
        assertArrayEquals(new long[] {0, 0, 1, 1, 1}, l);
    }

    @Test
    void longToIntWrapsAndLongToFloatRoundsOnce() {
        long[] src = {(1L << 32) + 5, -1, (1L << 53) + 1};
        int[] i = new int[3];
        double[] d = new double[3];
        int[] shape = {3}, unit = {1};
        CopyKernels.copy(src, 0, shape, unit, i, 0, unit);
        CopyKernels.copy(src, 0, shape, unit, d, 0, unit);
        assertArrayEquals(new int[] {5, -1, 1}, i);
        assertEquals((double) ((1L << 53) + 1), d[2]);
    }

    @Test
    void largeCopiesSplitAcrossThreadsMatchReference() {
        Random r = new Random(12);
        // 2-d transpose (rows split across threads), with and without a cast.
        checkCopy(r, float.class, float.class, new int[] {700, 500}, new int[] {1, 700}, 3, new int[] {500, 1}, 2, "transpose");
        checkCopy(r, float.class, double.class, new int[] {700, 500}, new int[] {1, 700}, 0, new int[] {500, 1}, 0, "transpose cast");
        // One long run: arraycopy split, cast loop split, strided split.
        checkCopy(r, int.class, int.class, new int[] {300_000}, new int[] {1}, 5, new int[] {1}, 1, "1-d");
        checkCopy(r, long.class, float.class, new int[] {300_000}, new int[] {1}, 0, new int[] {1}, 0, "1-d cast");
        checkCopy(r, double.class, boolean.class, new int[] {200_000}, new int[] {3}, 1, new int[] {2}, 4, "1-d strided");
        // Broadcast inner dim, short rows, 3-d non-collapsible.
        checkCopy(r, double.class, double.class, new int[] {1000, 300}, new int[] {1, 0}, 0, new int[] {300, 1}, 0, "expand");
        checkCopy(r, boolean.class, long.class, new int[] {40_000, 3}, new int[] {1, 40_000}, 0, new int[] {3, 1}, 0, "short rows");
        checkCopy(r, float.class, int.class, new int[] {50, 60, 70}, new int[] {1, 50 * 70 * 2, 50}, 0,
                new int[] {4200, 70, 1}, 0, "3-d");
    }

    @Test
    void fillWritesEveryPositionOfTheViewOnly() {
        double[] t = new double[7];
        CopyKernels.fill(t, 1, new int[] {3}, new int[] {2}, -1.5);
        assertArrayEquals(new double[] {0, -1.5, 0, -1.5, 0, -1.5, 0}, t);
        float[] m = new float[12];
        CopyKernels.fill(m, 0, new int[] {2, 3}, new int[] {6, 2}, 4.0);   // rows 0, 1, every other column
        assertArrayEquals(new float[] {4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0}, m);
        boolean[] b = new boolean[2];
        CopyKernels.fill(b, 0, new int[] {2}, new int[] {1}, 0.5);
        assertArrayEquals(new boolean[] {true, true}, b);
        int[] z = {3};
        CopyKernels.fill(z, 0, new int[] {0}, new int[] {1}, 9.0);
        assertArrayEquals(new int[] {3}, z);
        int[] scalar = {3, 3};
        CopyKernels.fill(scalar, 1, new int[0], new int[0], 9.9);
        assertArrayEquals(new int[] {3, 9}, scalar);
    }

    @Test
    void longFillIsExactForValuesADoubleCannotHold() {
        long v = Long.MAX_VALUE - 1;
        long[] a = new long[300_000];
        CopyKernels.fill(a, 0, new int[] {600, 500}, new int[] {500, 1}, v);
        for (long x : a) {
            if (x != v) fail("expected " + v + " but was " + x);
        }
        int[] i = new int[1];
        CopyKernels.fill(i, 0, new int[] {1}, new int[] {1}, (1L << 32) + 3);
        assertEquals(3, i[0]);
    }

    @Test
    void collapseMergesContiguousNeighboursAndDropsUnitDims() {
        int[] sh = new int[4], ss = new int[4], ds = new int[4];
        int k = CopyKernels.collapse(new int[] {2, 1, 3, 4}, new int[] {12, 99, 4, 1}, new int[] {12, 7, 4, 1}, sh, ss, ds);
        assertEquals(1, k);
        assertEquals(24, sh[0]);
        k = CopyKernels.collapse(new int[] {2, 3, 4}, new int[] {1, 8, 2}, new int[] {12, 4, 1}, sh, ss, ds);
        assertEquals(2, k, "a transposed pair stays two dims");
        assertArrayEquals(new int[] {2, 12}, Arrays.copyOf(sh, 2));
        assertEquals(0, CopyKernels.collapse(new int[] {2, 0}, new int[] {1, 1}, new int[] {1, 1}, sh, ss, ds));
    }

    @Test
    void badArgumentsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> CopyKernels.copy(new Object(), 0, new int[] {1}, new int[] {1}, new float[1], 0, new int[] {1}));
        assertTrue(e.getMessage().contains("source"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CopyKernels.copy(new float[1], 0, new int[] {1}, new int[] {1}, new short[1], 0, new int[] {1}));
        assertTrue(e.getMessage().contains("destination"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CopyKernels.copy(new float[1], 0, new int[] {1}, new int[] {1, 1}, new float[1], 0, new int[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> CopyKernels.copy(new float[1], 0, new int[] {-1}, new int[] {1}, new float[1], 0, new int[] {1}));
    }
}
