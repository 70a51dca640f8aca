package dev.walnut.backend.cpu;

import dev.walnut.backend.UnaryOp;

/**
 * Layer normalization of contiguous float rows in one pass per row, for the compiler's fused
 * layer norm: {@code z = x (+ r)}, then {@code (z - mean) / sqrt(var + eps) * w + b} over each
 * row of {@code n}. The decomposition a traced {@code LayerNorm} leaves (mean, subtract, square,
 * sum, scale, rsqrt, multiply, affine; plus the residual add in front of it) reads and writes the
 * whole activation about ten times; here each row is read once and written in place while it is
 * in cache. The sums run on the active {@link KernelProvider}'s vector row kernels, accumulated
 * in double, as the eager reductions are.
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
        for (int j = 0; j < n; j++) {
            out[oo + j] -= mean;
        }
        // The row kernels read and write at one offset, so the squares go through a scratch row.
        System.arraycopy(out, oo, sq, 0, n);
        p.unary(UnaryOp.SQUARE, 0, 0, sq, sq, 0, n);
        float var = (float) (p.sum(sq, 0, n) / n);
        float rstd = (float) (1.0 / Math.sqrt((double) (var + (float) eps)));
        if (w != null && b != null) {
            for (int j = 0; j < n; j++) {
                out[oo + j] = out[oo + j] * rstd * w[wo + j] + b[bo + j];
            }
        } else if (w != null) {
            for (int j = 0; j < n; j++) {
                out[oo + j] = out[oo + j] * rstd * w[wo + j];
            }
        } else {
            for (int j = 0; j < n; j++) {
                out[oo + j] = out[oo + j] * rstd + (b == null ? 0f : b[bo + j]);
            }
        }
    }
}
