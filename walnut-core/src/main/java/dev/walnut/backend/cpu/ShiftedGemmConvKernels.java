package dev.walnut.backend.cpu;

/**
 * 2-d convolution (stride 1, dilation 1, no padding, one group) as GEMMs over shifted views,
 * without im2col: with the batch's images laid out channel-major, {@code xs[c][n*H*W + y*W + x]},
 * window tap {@code t = (a, b)} of output position {@code p} (numbered on the input grid) reads
 * {@code xs[c][p + a*W + b]}, so each tap is a plain product of {@code W[:, :, a, b]} with a
 * column-shifted view of {@code xs}, accumulated into a full-grid output
 * {@code [C_out][N*H*W]} whose positions that are not windows are dropped. The same holds for
 * both gradients: the input gradient accumulates {@code W_t^T} times the output gradient
 * shifted the other way, and the weight gradient of tap t is the output gradient times the
 * shifted input, transposed. None of the {@code C_in*kH*kW x positions} column matrices
 * (10 MB for the CNN benchmark's conv2) is ever written or read back.
 *
 * <p>Work on the full grid is {@code H*W / (H_out*W_out)} times the windows' (1.4x for 13 x 13
 * with a 3x3 kernel), spent on positions whose output gradient is zero. Zero times a finite
 * value is zero, so the input gradient is exact when the weights are finite and the weight
 * gradient when the input is; callers check ({@link #allFinite}) and otherwise use im2col.
 * Products run on {@link Gemm}; forward and input gradient split the grid's columns into
 * blocks (every tap for a block before the next block, so the block's output stays in cache),
 * spread across {@link Parallel}; the weight gradient splits the taps.
 *
 * <pre>{@code
 * // x [64, 32, 13, 13], w [64, 32, 3, 3] -> y [64, 64, 11, 11]
 * ShiftedGemmConvKernels.forward(x, 0, w, bias, y, 64, 32, 13, 13, 64, 3, 3);
 * }</pre>
 */
public final class ShiftedGemmConvKernels {
    /** Grid columns per block: a 64-row float output block is 256 KB, within L2. */
    private static final int BLOCK = 1024;

    private ShiftedGemmConvKernels() {
    }

    /**
     * {@code out [n, cOut, h-kh+1, width-kw+1] = conv(x [n, cIn, h, width] from xOff, w [cOut, cIn,
     * kh, kw]) + bias} (bias null or {@code [cOut]}); all float[] or all double[].
     */
    public static void forward(Object x, int xOff, Object w, Object bias, Object out, int n, int cIn, int h,
                               int width, int cOut, int kh, int kw) {
        int hw = h * width;
        int grid = n * hw;
        int span = (kh - 1) * width + kw - 1;
        int cols = grid - span; // the last window sits at grid - 1 - span
        boolean f64 = x instanceof double[];
        Object xs = channelMajor(x, xOff, n, cIn, hw);
        Object full = f64 ? new double[cOut * grid] : new float[cOut * grid];
        if (bias != null) {
            for (int o = 0; o < cOut; o++) {
                if (f64) {
                    java.util.Arrays.fill((double[]) full, o * grid, (o + 1) * grid, ((double[]) bias)[o]);
                } else {
                    java.util.Arrays.fill((float[]) full, o * grid, (o + 1) * grid, ((float[]) bias)[o]);
                }
            }
        }
        int kk = kh * kw;
        int blocks = (cols + BLOCK - 1) / BLOCK;
        Parallel.forRange(blocks, 1, (lo, hi) -> {
            for (int blk = lo; blk < hi; blk++) {
                int q0 = blk * BLOCK;
                int len = Math.min(BLOCK, cols - q0);
                for (int t = 0; t < kk; t++) {
                    int shift = (t / kw) * width + t % kw;
                    gemm(f64, cOut, len, cIn, w, t, cIn * kk, kk, xs, q0 + shift, grid, 1, full, q0, grid, true);
                }
            }
        });
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        Parallel.forRange(n, copyGrain(cOut * oh * ow), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int o = 0; o < cOut; o++) {
                    for (int r = 0; r < oh; r++) {
                        System.arraycopy(full, o * grid + i * hw + r * width, out, ((i * cOut + o) * oh + r) * ow, ow);
                    }
                }
            }
        });
    }

    /**
     * The input gradient {@code dx [n, cIn, h, width]} (overwritten) of {@link #forward} for the
     * output gradient {@code g [n, cOut, oh, ow]} from {@code gOff}; exact when {@code w} is finite.
     */
    public static void inputGrad(Object g, int gOff, Object w, Object dx, int n, int cIn, int h, int width, int cOut,
                                 int kh, int kw) {
        int hw = h * width;
        int grid = n * hw;
        int span = (kh - 1) * width + kw - 1;
        boolean f64 = g instanceof double[];
        // Output gradient on the grid, with span zeros in front so that every shift stays in range.
        int row = span + grid;
        Object gs = gridGradient(g, gOff, n, cOut, h, width, kh, kw, span);
        Object dxs = f64 ? new double[cIn * grid] : new float[cIn * grid];
        int kk = kh * kw;
        int blocks = (grid + BLOCK - 1) / BLOCK;
        Parallel.forRange(blocks, 1, (lo, hi) -> {
            for (int blk = lo; blk < hi; blk++) {
                int q0 = blk * BLOCK;
                int len = Math.min(BLOCK, grid - q0);
                for (int t = 0; t < kk; t++) {
                    int shift = (t / kw) * width + t % kw;
                    // dxs[c][q] += sum_o w[o][c][t] * gs[o][q - shift]
                    gemm(f64, cIn, len, cOut, w, t, kk, cIn * kk, gs, span + q0 - shift, row, 1, dxs, q0, grid, true);
                }
            }
        });
        Parallel.forRange(n, copyGrain(cIn * hw), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int c = 0; c < cIn; c++) {
                    System.arraycopy(dxs, c * grid + i * hw, dx, (i * cIn + c) * hw, hw);
                }
            }
        });
    }

    /**
     * The weight gradient {@code gw [cOut, cIn, kh, kw]} (overwritten) of {@link #forward}, summed
     * over the batch. Not per tap: each tap's product would pack both long operands again
     * (measured about 3x slower than one product). Instead the windows of every image are
     * unfolded once into {@code cols [cIn*kh*kw][n*oh*ow]} and {@code gw = G x cols^T} is a
     * single GEMM over all window positions, G being the output gradient as
     * {@code [cOut][n*oh*ow]}. Exact for any values (no padding positions take part).
     */
    public static void weightGrad(Object x, int xOff, Object g, int gOff, Object gw, int n, int cIn, int h, int width,
                                  int cOut, int kh, int kw) {
        int hw = h * width;
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        int plane = oh * ow;
        int positions = n * plane;
        boolean f64 = x instanceof double[];
        int ck = cIn * kh * kw;
        Object cols = f64 ? new double[ck * positions] : new float[ck * positions];
        Parallel.forRange(cIn, 1, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < kw; b++) {
                        int row = ((c * kh + a) * kw + b) * positions;
                        for (int i = 0; i < n; i++) {
                            int src = xOff + (i * cIn + c) * hw + a * width + b;
                            int dst = row + i * plane;
                            for (int r = 0; r < oh; r++) {
                                System.arraycopy(x, src + r * width, cols, dst + r * ow, ow);
                            }
                        }
                    }
                }
            }
        });
        Object gRows = f64 ? new double[cOut * positions] : new float[cOut * positions];
        Parallel.forRange(n, copyGrain(cOut * plane), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int o = 0; o < cOut; o++) {
                    System.arraycopy(g, gOff + (i * cOut + o) * plane, gRows, o * positions + i * plane, plane);
                }
            }
        });
        gemm(f64, cOut, ck, positions, gRows, 0, positions, 1, cols, 0, 1, positions, gw, 0, ck, false);
    }

    /** {@code gb[o] = sum of g [n, cOut, plane] over n and the plane} (overwritten). */
    public static void biasGrad(Object g, int gOff, Object gb, int n, int cOut, int plane) {
        Parallel.forRange(cOut, copyGrain(n * plane), (lo, hi) -> biasGrad(g, gOff, gb, n, cOut, plane, lo, hi));
    }

    private static void biasGrad(Object g, int gOff, Object gb, int n, int cOut, int plane, int o0, int o1) {
        for (int o = o0; o < o1; o++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                int off = gOff + (i * cOut + o) * plane;
                if (g instanceof float[] f) {
                    s += KernelProvider.get().sum(f, off, plane);
                } else {
                    double[] d = (double[]) g;
                    for (int j = off; j < off + plane; j++) {
                        s += d[j];
                    }
                }
            }
            if (gb instanceof float[] f) {
                f[o] = (float) s;
            } else {
                ((double[]) gb)[o] = s;
            }
        }
    }

    /**
     * True when no element of {@code data[off .. off+len)} is NaN or infinite. Floats sum in
     * double lanes ({@link KernelProvider#sum}), which cannot overflow, so the sum is finite
     * exactly when every element is.
     */
    public static boolean allFinite(Object data, int off, int len) {
        if (data instanceof float[] f) {
            return Double.isFinite(KernelProvider.get().sum(f, off, len));
        }
        double[] d = (double[]) data;
        for (int i = off; i < off + len; i++) {
            if (!Double.isFinite(d[i])) {
                return false;
            }
        }
        return true;
    }

    /** {@code [n, c, hw]} from {@code off} to {@code [c][n * hw]}. */
    private static Object channelMajor(Object x, int off, int n, int c, int hw) {
        Object xs = x instanceof double[] ? new double[n * c * hw] : new float[n * c * hw];
        Parallel.forRange(n, copyGrain(c * hw), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int ch = 0; ch < c; ch++) {
                    System.arraycopy(x, off + (i * c + ch) * hw, xs, (ch * n + i) * hw, hw);
                }
            }
        });
        return xs;
    }

    /** {@code g [n, cOut, oh, ow]} onto the grid, {@code [cOut][span zeros, n * h * width]}, zeros off the windows. */
    private static Object gridGradient(Object g, int gOff, int n, int cOut, int h, int width, int kh, int kw,
                                       int span) {
        int hw = h * width;
        int row = span + n * hw;
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        Object gs = g instanceof double[] ? new double[cOut * row] : new float[cOut * row];
        Parallel.forRange(n, copyGrain(cOut * oh * ow), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int o = 0; o < cOut; o++) {
                    for (int r = 0; r < oh; r++) {
                        System.arraycopy(g, gOff + ((i * cOut + o) * oh + r) * ow, gs,
                                o * row + span + i * hw + r * width, ow);
                    }
                }
            }
        });
        return gs;
    }

    /** Items per parallel chunk of a copy loop moving {@code perItem} elements per item. */
    private static int copyGrain(int perItem) {
        return Math.max(1, (1 << 16) / Math.max(1, perItem));
    }

    private static void gemm(boolean f64, int m, int n, int k, Object a, int aOff, int aRs, int aCs, Object b,
                             int bOff, int bRs, int bCs, Object c, int cOff, int ldc, boolean accumulate) {
        if (f64) {
            Gemm.dgemm(m, n, k, 1.0, (double[]) a, aOff, aRs, aCs, (double[]) b, bOff, bRs, bCs, (double[]) c, cOff,
                    ldc, accumulate);
        } else {
            Gemm.sgemm(m, n, k, 1f, (float[]) a, aOff, aRs, aCs, (float[]) b, bOff, bRs, bCs, (float[]) c, cOff, ldc,
                    accumulate);
        }
    }
}
