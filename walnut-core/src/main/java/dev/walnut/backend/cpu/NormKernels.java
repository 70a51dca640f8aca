package dev.walnut.backend.cpu;

/**
 * Layer normalization of contiguous float rows in one pass per row, for the compiler's fused
 * layer norm: {@code z = x (+ r)}, then {@code (z - mean) / sqrt(var + eps) * w + b} over each
 * row of {@code n}. The decomposition a traced {@code LayerNorm} leaves (mean, subtract, square,
 * sum, scale, rsqrt, multiply, affine; plus the residual add in front of it) reads and writes the
 * whole activation about ten times; here each row is read once and written in place while it is
 * in cache. The sums run on the active {@link KernelProvider}'s vector row kernels, accumulated
 * in double, as the eager reductions are, so the fused norm gives the decomposition's bits.
 *
 * <pre>{@code
 * NormKernels.layerNorm(x, 0, residual, 0, gamma, 0, beta, 0, rows, 256, 1e-5, out, 0);
 * }</pre>
 */
public final class NormKernels {
    private NormKernels() {
    }

    /**
     * Elements per task below which splitting across threads costs more than it saves: a
     * transformer's [128, 256] rows (batch 1) take about 20 us on one thread, several times a
     * fork, so they split.
     */
    private static final int GRAIN_ELEMENTS = 1 << 13;

    /**
     * {@code out[i, :] = layerNorm(x[i, :] + r[i, :]) * w + b} for {@code rows} contiguous rows of
     * {@code n}; {@code r}, {@code w} and {@code b} may each be null (no residual, weight 1, bias
     * 0). {@code out} may be {@code x} or {@code r} (each row is read before it is written).
     */
    public static void layerNorm(float[] x, int xOff, float[] r, int rOff, float[] w, int wOff, float[] b, int bOff,
                                 int rows, int n, double eps, float[] out, int outOff) {
        if (rows <= 0 || n <= 0) {
            return;
        }
        Parallel.forRange(rows, Math.max(1, GRAIN_ELEMENTS / n), (lo, hi) -> {
            KernelProvider p = KernelProvider.get();
            float[] sq = new float[n];
            for (int i = lo; i < hi; i++) {
                row(p, x, xOff + i * n, r, rOff + i * n, w, wOff, b, bOff, n, eps, out, outOff + i * n, sq);
            }
        });
    }

    /**
     * One row in five passes, all in cache: the residual add (or copy), the sum, the squared
     * deviations from the mean into a scratch row, their sum, and the normalization with the
     * affine, {@code ((z - mean) * rstd) * w + b}. Each step rounds as the decomposition's op
     * does (the sums are the eager reductions' double-lane {@code sum}), so the fused norm gives
     * its bits; the deviations are formed twice instead of being stored between the passes.
     */
    private static void row(KernelProvider p, float[] x, int xo, float[] r, int ro, float[] w, int wo, float[] b, int bo,
                            int n, double eps, float[] out, int oo, float[] sq) {
        if (r != null) {
            for (int j = 0; j < n; j++) {
                out[oo + j] = x[xo + j] + r[ro + j];
            }
        } else if (out != x || oo != xo) {
            System.arraycopy(x, xo, out, oo, n);
        }
        float mean = (float) (p.sum(out, oo, n) / n);
        p.rowSquaredDeviations(out, oo, n, mean, sq);
        float var = (float) (p.sum(sq, 0, n) / n);
        float rstd = (float) (1.0 / Math.sqrt((double) (var + (float) eps)));
        p.rowNormalize(out, oo, n, mean, rstd, w, wo, b, bo);
    }
}
