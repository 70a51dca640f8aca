// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/ScanKernels.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

/**
 * Inclusive scans (cumulative sum and product) along the middle axis of a contiguous
 * {@code [outer, len, inner]} block, the layout every reduction kernel uses.
 *
 * <pre>{@code
 * double[] x = {1, 2, 3, 4, 5, 6};                 // [2, 3], scan along dim 1
 * double[] y = new double[6];
 * ScanKernels.cumsum(x, 0, 2, 3, 1, y);            // y = {1, 3, 6, 4, 9, 15}
 * }</pre>
 *
 * <p>float32 scans accumulate in double, as PyTorch's CPU kernels do, so long float sums do not
 * drift; int64 scans wrap on overflow.
 */
public final class ScanKernels {
    private ScanKernels() {
    }

    /** Elements per parallel chunk. */
    static final int GRAIN = 1 << 15;

    /** Cumulative sum of float32 values (accumulated in double). */
    public static void cumsum(float[] x, int xOff, int outer, int len, int inner, float[] out) {
        scanFloat(x, xOff, outer, len, inner, out, false);
    }

    /** Cumulative product of float32 values (accumulated in double). */
    public static void cumprod(float[] x, int xOff, int outer, int len, int inner, float[] out) {
        scanFloat(x, xOff, outer, len, inner, out, true);
    }

    /** Cumulative sum of float64 values. */
    public static void cumsum(double[] x, int xOff, int outer, int len, int inner, double[] out) {
        scanDouble(x, xOff, outer, len, inner, out, false);
    }

    /** Cumulative product of float64 values. */
    public static void cumprod(double[] x, int xOff, int outer, int len, int inner, double[] out) {
        scanDouble(x, xOff, outer, len, inner, out, true);
    }

    /** Cumulative sum of int64 values (wrapping). */
    public static void cumsum(long[] x, int xOff, int outer, int len, int inner, long[] out) {
        scanLong(x, xOff, outer, len, inner, out, false);
    }

    /** Cumulative product of int64 values (wrapping). */
    public static void cumprod(long[] x, int xOff, int outer, int len, int inner, long[] out) {
        scanLong(x, xOff, outer, len, inner, out, true);
    }

    private static int grainRows(int len) {
        return Math.max(1, GRAIN / Math.max(1, len));
    }

    // Each "row" is one (outer, inner) pair; the scan walks len elements at stride inner.
    private static void scanFloat(float[] x, int xOff, int outer, int len, int inner, float[] out, boolean prod) {
        Parallel.forRange(outer * inner, grainRows(len), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = (r / inner) * len * inner + r % inner;
                double acc = prod ? 1.0 : 0.0;
                for (int j = 0, p = base; j < len; j++, p += inner) {
                    acc = prod ? acc * x[xOff + p] : acc + x[xOff + p];
                    out[p] = (float) acc;
                }
            }
        });
    }

    private static void scanDouble(double[] x, int xOff, int outer, int len, int inner, double[] out, boolean prod) {
        Parallel.forRange(outer * inner, grainRows(len), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = (r / inner) * len * inner + r % inner;
                double acc = prod ? 1.0 : 0.0;
                for (int j = 0, p = base; j < len; j++, p += inner) {
                    acc = prod ? acc * x[xOff + p] : acc + x[xOff + p];
                    out[p] = acc;
                }
            }
        });
    }

    private static void scanLong(long[] x, int xOff, int outer, int len, int inner, long[] out, boolean prod) {
        Parallel.forRange(outer * inner, grainRows(len), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = (r / inner) * len * inner + r % inner;
                long acc = prod ? 1L : 0L;
                for (int j = 0, p = base; j < len; j++, p += inner) {
                    acc = prod ? acc * x[xOff + p] : acc + x[xOff + p];
                    out[p] = acc;
                }
            }
        });
    }
}
