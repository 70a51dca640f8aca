package dev.walnut.backend.cpu;

/**
 * Stable sorting along the middle axis of a contiguous {@code [outer, len, inner]} block, plus
 * the gathers that go with it: {@link #argsort} produces, for every (outer, inner) slice, the
 * permutation that sorts it; {@link #gather} applies a permutation (or its first {@code k}
 * entries, for top-k); {@link #invert} inverts one (the gradient of a sort is the gradient
 * gathered by the inverse permutation).
 *
 * <pre>{@code
 * double[] x = {3, 1, 2};
 * long[] perm = new long[3];
 * SortKernels.argsort(x, 0, 1, 3, 1, false, perm);             // perm = {1, 2, 0}
 * double[] v = new double[3];
 * SortKernels.gather(x, 0, 1, 3, 1, perm, 3, 3, v);            // v = {1, 2, 3}
 * }</pre>
 *
 * <p>Order follows PyTorch: NaN sorts after every number (last ascending, first descending),
 * {@code -0.0} equals {@code 0.0}, and equal elements keep their original order (stable) in
 * both directions. The sort is a merge sort on index arrays with insertion-sorted short runs.
 */
public final class SortKernels {
    private SortKernels() {
    }

    static final int GRAIN = 1 << 14;
    private static final int RUN = 16;

    /** Sorting permutation of float32 slices into {@code perm} ({@code [outer, len, inner]}). */
    public static void argsort(float[] x, int xOff, int outer, int len, int inner, boolean descending, long[] perm) {
        argsortDouble(i -> x[xOff + i], outer, len, inner, descending, perm);
    }

    /** Sorting permutation of float64 slices. */
    public static void argsort(double[] x, int xOff, int outer, int len, int inner, boolean descending, long[] perm) {
        argsortDouble(i -> x[xOff + i], outer, len, inner, descending, perm);
    }

    /** Sorting permutation of int32 slices. */
    public static void argsort(int[] x, int xOff, int outer, int len, int inner, boolean descending, long[] perm) {
        argsortLong(i -> x[xOff + i], outer, len, inner, descending, perm);
    }

    /** Sorting permutation of int64 slices. */
    public static void argsort(long[] x, int xOff, int outer, int len, int inner, boolean descending, long[] perm) {
        argsortLong(i -> x[xOff + i], outer, len, inner, descending, perm);
    }

    /** Sorting permutation of bool slices (false before true ascending). */
    public static void argsort(boolean[] x, int xOff, int outer, int len, int inner, boolean descending, long[] perm) {
        argsortLong(i -> x[xOff + i] ? 1 : 0, outer, len, inner, descending, perm);
    }

    /**
     * {@code dst[o, j, i] = src[o, idx[o, j, i], i]} for {@code j < k}, where {@code src} is
     * {@code [outer, srcLen, inner]} (from {@code srcOff}), {@code idx} is {@code [outer, idxLen,
     * inner]} and {@code dst} a fresh {@code [outer, k, inner]} array of the same type as
     * {@code src}. Indices must lie in {@code [0, srcLen)}.
     */
    public static void gather(Object src, int srcOff, int outer, int srcLen, int inner, long[] idx, int idxLen, int k,
            Object dst) {
        if (k > idxLen) {
            throw new IllegalArgumentException("gather: k = " + k + " exceeds the index length " + idxLen);
        }
        Parallel.forRange(outer * inner, Math.max(1, GRAIN / Math.max(1, k)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int o = r / inner;
                int i = r % inner;
                int s = srcOff + o * srcLen * inner + i;
                int ix = o * idxLen * inner + i;
                int d = o * k * inner + i;
                for (int j = 0; j < k; j++, ix += inner, d += inner) {
                    long at = idx[ix];
                    if (at < 0 || at >= srcLen) {
                        throw new IndexOutOfBoundsException("gather: index " + at + " is out of range for size " + srcLen);
                    }
                    copyOne(src, s + (int) at * inner, dst, d);
                }
            }
        });
    }

    private static void copyOne(Object src, int p, Object dst, int d) {
        if (src instanceof double[] a) {
            ((double[]) dst)[d] = a[p];
        } else if (src instanceof float[] a) {
            ((float[]) dst)[d] = a[p];
        } else if (src instanceof long[] a) {
            ((long[]) dst)[d] = a[p];
        } else if (src instanceof int[] a) {
            ((int[]) dst)[d] = a[p];
        } else {
            ((boolean[]) dst)[d] = ((boolean[]) src)[p];
        }
    }

    /** The inverse of each slice's permutation: {@code inv[o, perm[o, j, i], i] = j}. */
    public static long[] invert(long[] perm, int outer, int len, int inner) {
        long[] inv = new long[perm.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                for (int j = 0; j < len; j++) {
                    inv[base + (int) perm[base + j * inner] * inner] = j;
                }
            }
        }
        return inv;
    }

    // ------------------------------------------------------------------ sorting

    private interface DoubleKeys {
        double at(int i);
    }

    private interface LongKeys {
        long at(int i);
    }

    private static void argsortDouble(DoubleKeys x, int outer, int len, int inner, boolean descending, long[] perm) {
        Parallel.forRange(outer * inner, Math.max(1, GRAIN / Math.max(1, len)), (lo, hi) -> {
            double[] keys = new double[len];
            int[] idx = new int[len];
            int[] tmp = new int[len];
            for (int r = lo; r < hi; r++) {
                int base = (r / inner) * len * inner + r % inner;
                for (int j = 0; j < len; j++) {
                    // Descending as ascending on negated keys keeps NaN first and ties stable.
                    double v = x.at(base + j * inner);
                    keys[j] = descending && v == v ? -v : v;
                    idx[j] = j;
                }
                int[] sorted = mergeSort(idx, tmp, len, (a, b) -> compare(keys[a], keys[b], descending));
                for (int j = 0; j < len; j++) {
                    perm[base + j * inner] = sorted[j];
                }
            }
        });
    }

    private static void argsortLong(LongKeys x, int outer, int len, int inner, boolean descending, long[] perm) {
        Parallel.forRange(outer * inner, Math.max(1, GRAIN / Math.max(1, len)), (lo, hi) -> {
            long[] keys = new long[len];
            int[] idx = new int[len];
            int[] tmp = new int[len];
            for (int r = lo; r < hi; r++) {
                int base = (r / inner) * len * inner + r % inner;
                for (int j = 0; j < len; j++) {
                    keys[j] = x.at(base + j * inner);
                    idx[j] = j;
                }
                int[] sorted = mergeSort(idx, tmp, len,
                        (a, b) -> descending ? Long.compare(keys[b], keys[a]) : Long.compare(keys[a], keys[b]));
                for (int j = 0; j < len; j++) {
                    perm[base + j * inner] = sorted[j];
                }
            }
        });
    }

    /** NaN is larger than every number, -0.0 equals 0.0; with NaN first when descending. */
    private static int compare(double a, double b, boolean descending) {
        if (a < b) {
            return -1;
        }
        if (a > b) {
            return 1;
        }
        boolean na = a != a;
        boolean nb = b != b;
        if (na == nb) {
            return 0;
        }
        return na == descending ? -1 : 1;
    }

    private interface IndexOrder {
        int compare(int a, int b);
    }

    /** Stable merge sort of {@code a[0, n)}; returns whichever of {@code a} and {@code tmp} holds the result. */
    private static int[] mergeSort(int[] a, int[] tmp, int n, IndexOrder cmp) {
        for (int lo = 0; lo < n; lo += RUN) {
            int hi = Math.min(lo + RUN, n);
            for (int i = lo + 1; i < hi; i++) {
                int v = a[i];
                int j = i - 1;
                while (j >= lo && cmp.compare(a[j], v) > 0) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
        }
        int[] src = a;
        int[] dst = tmp;
        for (int width = RUN; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    // Take from the left run on ties: that is what makes the sort stable.
                    dst[k++] = cmp.compare(src[j], src[i]) < 0 ? src[j++] : src[i++];
                }
                while (i < mid) {
                    dst[k++] = src[i++];
                }
                while (j < hi) {
                    dst[k++] = src[j++];
                }
            }
            int[] t = src;
            src = dst;
            dst = t;
        }
        return src;
    }
}
