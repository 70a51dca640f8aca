// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/DepthwiseConvKernels.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * The depthwise 2-d convolution ({@code groups == C_in}, {@code C_out = multiplier * C_in}) over
 * contiguous {@code float[]}/{@code double[]} planes, forward and both gradients, with any stride,
 * padding and dilation. Output channel {@code o = c * multiplier + m} reads input channel
 * {@code c} only:
 * {@code out[n, o, i, j] = bias[o] + sum_{a, b} w[o, a, b] * x[n, c, i sH - pH + a dH, j sW - pW + b dW]}.
 *
 * <p>Why not im2col and a GEMM: each output channel is a product of depth {@code kH * kW} (9),
 * so the batched tiny GEMMs spend their time on the column matrix and on overhead. Here every
 * input plane is first copied into a zero-padded, <em>phase-split</em> scratch plane: padded
 * element {@code (y', x')} goes to sub-plane {@code (y' mod sH, x' mod sW)} at row
 * {@code y' / sH}, column {@code x' / sW} (sub-planes of {@code ceil(H_padded / sH) x Q},
 * {@code Q = ceil(W_padded / sW)}), so that for every tap the inputs that output
 * {@code (i, j)} reads sit at {@code i * Q + j} plus a per-tap offset, whatever the stride, and
 * no bounds are checked in the inner loops. A whole output plane is then one long row (rows
 * {@code Q} apart, the {@code Q - W_out} extra columns computed and dropped), a sum of
 * {@code kH * kW} shifted runs of the scratch plane ({@link DepthwiseRowKernels#forwardRow}),
 * which the Vector API provider computes a vector of outputs at a time in registers. The input
 * gradient scatters into a scratch plane the same way and unpacks it; the weight gradient sums
 * dot products of gradient rows with the shifted rows. Planes are independent, so the work
 * splits across {@link Parallel} by plane (forward, input gradient) or channel (weight gradient,
 * which sums over the batch).
 *
 * <pre>{@code
 * var g = new DepthwiseConvKernels.Geometry(8, 32, 1, 112, 112, 3, 3, 1, 1, 1, 1, 1, 1);
 * float[] out = new float[g.outputSize()];
 * DepthwiseConvKernels.forward(x, 0, w, bias, out, g, 0, 6);   // bias may be null; ReLU6
 * }</pre>
 */
public final class DepthwiseConvKernels {
    private static final int GRAIN = 1 << 14;

    private DepthwiseConvKernels() {
    }

    /**
     * Sizes and window of one depthwise convolution: {@code n} items of {@code channels} input
     * planes of {@code h x w}, {@code multiplier} output channels per input channel, a
     * {@code kh x kw} kernel, strides, paddings (both sides) and dilations.
     */
    public record Geometry(int n, int channels, int multiplier, int h, int w, int kh, int kw, int strideH, int strideW,
                           int padH, int padW, int dilationH, int dilationW) {
        /** Output rows. */
        public int outH() {
            return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1;
        }

        /** Output columns. */
        public int outW() {
            return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1;
        }

        /** Elements of the output (and of the output gradient). */
        public int outputSize() {
            return n * channels * multiplier * outH() * outW();
        }

        /** Elements of the input (and of the input gradient). */
        public int inputSize() {
            return n * channels * h * w;
        }

        /** Elements of the weight {@code [channels * multiplier, 1, kh, kw]}. */
        public int weightSize() {
            return channels * multiplier * kh * kw;
        }

        int taps() {
            return kh * kw;
        }

        /** Columns of a scratch sub-plane: ceil(padded width / strideW). */
        int phase() {
            return (w + 2 * padW + strideW - 1) / strideW;
        }

        /** Rows of a scratch sub-plane: ceil(padded height / strideH). */
        int phaseRows() {
            return (h + 2 * padH + strideH - 1) / strideH;
        }

        /**
         * Elements of a scratch plane: the {@code strideH * strideW} sub-planes, plus a slack so
         * that a SIMD row kernel may load whole vectors past the last row (lanes it drops).
         */
        int scratchSize() {
            return strideH * strideW * phaseRows() * phase() + phase() + 64;
        }

        /** Scratch index of the first element of padded row {@code yp}'s column phase {@code r}. */
        int subRow(int yp, int r) {
            return (((yp % strideH) * strideW + r) * phaseRows() + yp / strideH) * phase();
        }

        /** Offset of tap (a, b) from output (i, j)'s index {@code i * phase() + j} in the scratch plane. */
        int[] tapOffsets() {
            int[] t = new int[taps()];
            for (int a = 0; a < kh; a++) {
                for (int b = 0; b < kw; b++) {
                    int y = a * dilationH;
                    int x = b * dilationW;
                    t[a * kw + b] = subRow(y, x % strideW) + x / strideW;
                }
            }
            return t;
        }

        /** Scratch index of input element (y, x) (unpadded coordinates). */
        int scratchIndex(int y, int x) {
            int xp = x + padW;
            return subRow(y + padH, xp % strideW) + xp / strideW;
        }
    }

    /**
     * Forward: {@code out [n, channels * multiplier, outH, outW]} (fully written) of {@code x} from
     * {@code xOff}, clamped to {@code [min, max]} (infinite bounds for none; {@code [0, inf]} is
     * ReLU, {@code [0, 6]} ReLU6) while each plane is still in the scratch row.
     */
    public static void forward(Object x, int xOff, Object w, Object bias, Object out, Geometry g, double min,
                               double max) {
        DepthwiseRowKernels rows = DepthwiseRowKernels.get();
        if (x instanceof float[] f && rows.direct(g)) {
            forwardDirect(rows, f, xOff, (float[]) w, (float[]) bias, (float[]) out, g, (float) min, (float) max);
            return;
        }
        int work = g.multiplier() * g.outH() * g.outW() * g.taps();
        Parallel.forRange(g.n() * g.channels(), Math.max(1, GRAIN / Math.max(1, work)), (lo, hi) -> {
            if (x instanceof float[] f) {
                forwardFloat(f, xOff, (float[]) w, (float[]) bias, (float[]) out, lo, hi, g, min, max);
            } else {
                forwardDouble((double[]) x, xOff, (double[]) w, (double[]) bias, (double[]) out, lo, hi, g, min, max);
            }
        });
    }

    /**
     * The float forward through {@link DepthwiseRowKernels#forwardDirect}: no scratch plane, so
     * the work splits over output planes and, when there are too few planes to keep every
     * thread busy (a batch-1 layer with few channels), over blocks of rows of each plane.
     */
    private static void forwardDirect(DepthwiseRowKernels rows, float[] x, int xOff, float[] w, float[] bias,
                                      float[] out, Geometry g, float min, float max) {
        int k = g.taps();
        int m = g.multiplier();
        int oh = g.outH();
        int ow = g.outW();
        int planes = g.n() * g.channels() * m;
        int blocks = Math.min(oh, Math.max(1, 4 * Parallel.threads() / planes));
        int per = (oh + blocks - 1) / blocks;
        int inPlane = g.h() * g.w();
        int scratch = rows.directScratch(g);
        Parallel.forRange(planes * blocks, Math.max(1, GRAIN / Math.max(1, per * ow * k)), (lo, hi) -> {
            float[] s = new float[scratch];
            for (int u = lo; u < hi; u++) {
                int plane = u / blocks;
                int i0 = (u % blocks) * per;
                int o = plane % (g.channels() * m);
                int in = plane / m; // n * channels + c: output plane n, c * m + mm reads input plane n, c
                rows.forwardDirect(x, xOff + in * inPlane, w, o * k, bias == null ? 0f : bias[o], out,
                        plane * oh * ow, g, i0, Math.min(oh, i0 + per), min, max, s);
            }
        });
    }

    /** The input gradient {@code dx [n, channels, h, w]} (fully written) of {@code gy} from {@code gOff}. */
    public static void inputGrad(Object gy, int gOff, Object w, Object dx, Geometry g) {
        int work = g.multiplier() * g.outH() * g.outW() * g.taps();
        Parallel.forRange(g.n() * g.channels(), Math.max(1, GRAIN / Math.max(1, work)), (lo, hi) -> {
            if (gy instanceof float[] f) {
                inputGradFloat(f, gOff, (float[]) w, (float[]) dx, lo, hi, g);
            } else {
                inputGradDouble((double[]) gy, gOff, (double[]) w, (double[]) dx, lo, hi, g);
            }
        });
    }

    /** The weight gradient {@code gw [channels * multiplier, 1, kh, kw]} (fully written), summed over the batch. */
    public static void weightGrad(Object x, int xOff, Object gy, int gOff, Object gw, Geometry g) {
        int work = g.n() * g.multiplier() * g.outH() * g.outW() * g.taps();
        Parallel.forRange(g.channels(), Math.max(1, GRAIN / Math.max(1, work)), (lo, hi) -> {
            if (x instanceof float[] f) {
                weightGradFloat(f, xOff, (float[]) gy, gOff, (float[]) gw, lo, hi, g);
            } else {
                weightGradDouble((double[]) x, xOff, (double[]) gy, gOff, (double[]) gw, lo, hi, g);
            }
        });
    }

    // The float and double loops are one template loop; the float rows go through the active
    // DepthwiseRowKernels provider (Vector API when available), the double rows run the scalar
    // loops below.

    /**
     * Copies plane {@code x[xOff ..]} into the padded, phase-split scratch plane {@code p}, whose
     * padding was zeroed when it was allocated: every plane writes the same interior positions,
     * so the padding stays zero from plane to plane.
     */
    private static void pack(float[] x, int xOff, float[] p, Geometry g) {
        int h = g.h();
        int w = g.w();
        if (g.strideW() == 1) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(x, xOff + y * w, p, g.scratchIndex(y, 0), w);
            }
            return;
        }
        // Column phase r of a row holds the padded columns r, r + sW, ...: input columns r - pW + q sW.
        int sw = g.strideW();
        int pw = g.padW();
        if (sw == 2) {
            // MobileNet's strided layers: one sequential pass over each row writing both phases,
            // instead of one strided pass per phase (a quarter of a MobileNet v2 profile).
            int c0 = pw & 1; // the first input column of an even padded column (phase 0)
            for (int y = 0; y < h; y++) {
                int in = xOff + y * w;
                int even = g.subRow(y + g.padH(), 0);
                int odd = g.subRow(y + g.padH(), 1);
                if (c0 == 1) {
                    p[odd + (pw >> 1)] = x[in];
                }
                // Columns c (even padded column) and c + 1 (odd) share position (c + pW) / 2.
                int c = c0;
                for (int k = even + ((c0 + pw) >> 1), d = odd - even; c + 1 < w; c += 2, k++) {
                    p[k] = x[in + c];
                    p[k + d] = x[in + c + 1];
                }
                if (c < w) {
                    p[even + ((c + pw) >> 1)] = x[in + c];
                }
            }
            return;
        }
        for (int y = 0; y < h; y++) {
            int in = xOff + y * w;
            for (int r = 0; r < sw; r++) {
                int c0 = Math.floorMod(r - pw, sw); // first input column of this phase
                for (int c = c0, at = g.subRow(y + g.padH(), r) + (c0 + pw) / sw; c < w; c += sw, at++) {
                    p[at] = x[in + c];
                }
            }
        }
    }

    private static void forwardFloat(float[] x, int xOff, float[] w, float[] bias, float[] out, int p0, int p1,
                                      Geometry g, double min, double max) {
        int[] taps = g.tapOffsets();
        int k = g.taps();
        int m = g.multiplier();
        int oh = g.outH();
        int ow = g.outW();
        int rowStep = g.phase();
        float[] p = new float[g.scratchSize()];
        float[] flat = new float[oh * rowStep];
        DepthwiseRowKernels rows = DepthwiseRowKernels.get();
        for (int pl = p0; pl < p1; pl++) {
            int c = pl % g.channels();
            pack(x, xOff + pl * g.h() * g.w(), p, g);
            for (int mm = 0; mm < m; mm++) {
                int o = c * m + mm;
                float b = bias == null ? 0f : bias[o];
                int outOff = (pl * m + mm) * oh * ow;
                // Output row i starts rowStep after row i - 1 in the scratch plane, so the whole
                // plane is one long row (plus rowStep - ow dropped columns per row): one call,
                // one tail, instead of oh short rows.
                rows.forwardRow(p, 0, taps, k, w, o * k, b, flat, 0, oh * rowStep);
                ShiftedGemmConvKernels.clamp(flat, 0, oh * rowStep, min, max);
                for (int i = 0; i < oh; i++) {
                    System.arraycopy(flat, i * rowStep, out, outOff + i * ow, ow);
                }
            }
        }
    }

    private static void inputGradFloat(float[] gy, int gOff, float[] w, float[] dx, int p0, int p1, Geometry g) {
        int[] taps = g.tapOffsets();
        int k = g.taps();
        int m = g.multiplier();
        int oh = g.outH();
        int ow = g.outW();
        int h = g.h();
        int wd = g.w();
        int rowStep = g.phase();
        float[] p = new float[g.scratchSize()];
        DepthwiseRowKernels rows = DepthwiseRowKernels.get();
        for (int pl = p0; pl < p1; pl++) {
            int c = pl % g.channels();
            Arrays.fill(p, 0f);
            for (int mm = 0; mm < m; mm++) {
                int o = c * m + mm;
                int goff = gOff + (pl * m + mm) * oh * ow;
                for (int i = 0; i < oh; i++) {
                    rows.scatterRow(gy, goff + i * ow, ow, w, o * k, taps, k, p, i * rowStep);
                }
            }
            int dOff = pl * h * wd;
            for (int y = 0; y < h; y++) {
                if (g.strideW() == 1) {
                    System.arraycopy(p, g.scratchIndex(y, 0), dx, dOff + y * wd, wd);
                } else {
                    unpackRow(p, y, dx, dOff + y * wd, g);
                }
            }
        }
    }

    private static void weightGradFloat(float[] x, int xOff, float[] gy, int gOff, float[] gw, int c0, int c1,
                                         Geometry g) {
        int[] taps = g.tapOffsets();
        int k = g.taps();
        int m = g.multiplier();
        int oh = g.outH();
        int ow = g.outW();
        int rowStep = g.phase();
        float[] p = new float[g.scratchSize()];
        // Per plane in T, then across the batch in double: the batch sums stay accurate in float32.
        float[] plane = new float[m * k];
        double[] sum = new double[m * k];
        DepthwiseRowKernels rows = DepthwiseRowKernels.get();
        for (int c = c0; c < c1; c++) {
            Arrays.fill(sum, 0.0);
            for (int n = 0; n < g.n(); n++) {
                int pl = n * g.channels() + c;
                pack(x, xOff + pl * g.h() * g.w(), p, g);
                Arrays.fill(plane, 0f);
                for (int mm = 0; mm < m; mm++) {
                    int goff = gOff + (pl * m + mm) * oh * ow;
                    for (int i = 0; i < oh; i++) {
                        rows.weightGradRow(gy, goff + i * ow, ow, p, i * rowStep, taps, k, plane, mm * k);
                    }
                }
                for (int t = 0; t < m * k; t++) {
                    sum[t] += plane[t];
                }
            }
            for (int t = 0; t < m * k; t++) {
                gw[c * m * k + t] = (float) sum[t];
            }
        }
    }

    /** Input row {@code y} of the phase-split scratch plane {@code p} into {@code dx[at ..]} (the inverse of {@link #pack}'s copy). */
    private static void unpackRow(float[] p, int y, float[] dx, int at, Geometry g) {
        int sw = g.strideW();
        int pw = g.padW();
        for (int r = 0; r < sw; r++) {
            int c0 = Math.floorMod(r - pw, sw);
            for (int c = c0, from = g.subRow(y + g.padH(), r) + (c0 + pw) / sw; c < g.w(); c += sw, from++) {
                dx[at + c] = p[from];
            }
        }
    }

    /** One output row: {@code out[o + j] = bias + sum_t w[wOff + t] * p[base + taps[t] + j]} for {@code j < len}. */
    static void forwardRow(float[] p, int base, int[] taps, int k, float[] w, int wOff, float bias, float[] out, int o,
                           int len) {
        for (int j = 0; j < len; j++) {
            float acc = bias;
            for (int t = 0; t < k; t++) {
                acc += w[wOff + t] * p[base + taps[t] + j];
            }
            out[o + j] = acc;
        }
    }

    /** The adjoint of {@link #forwardRow}: {@code p[base + taps[t] + j] += w[wOff + t] * g[gOff + j]}. */
    static void scatterRow(float[] g, int gOff, int len, float[] w, int wOff, int[] taps, int k, float[] p, int base) {
        for (int t = 0; t < k; t++) {
            float wt = w[wOff + t];
            int at = base + taps[t];
            for (int j = 0; j < len; j++) {
                p[at + j] += wt * g[gOff + j];
            }
        }
    }

    /** Weight-gradient share of one row: {@code acc[accOff + t] += sum_j g[gOff + j] * p[base + taps[t] + j]}. */
    static void weightGradRow(float[] g, int gOff, int len, float[] p, int base, int[] taps, int k, float[] acc,
                              int accOff) {
        for (int t = 0; t < k; t++) {
            int at = base + taps[t];
            float s = 0f;
            for (int j = 0; j < len; j++) {
                s += g[gOff + j] * p[at + j];
            }
            acc[accOff + t] += s;
        }
    }

    /**
     * Copies plane {@code x[xOff ..]} into the padded, phase-split scratch plane {@code p}, whose
     * padding was zeroed when it was allocated: every plane writes the same interior positions,
     * so the padding stays zero from plane to plane.
     */
    private static void pack(double[] x, int xOff, double[] p, Geometry g) {
        int h = g.h();
        int w = g.w();
        if (g.strideW() == 1) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(x, xOff + y * w, p, g.scratchIndex(y, 0), w);
            }
            return;
        }
        // Column phase r of a row holds the padded columns r, r + sW, ...: input columns r - pW + q sW.
        int sw = g.strideW();
        int pw = g.padW();
        if (sw == 2) {
            // MobileNet's strided layers: one sequential pass over each row writing both phases,
            // instead of one strided pass per phase (a quarter of a MobileNet v2 profile).
            int c0 = pw & 1; // the first input column of an even padded column (phase 0)
            for (int y = 0; y < h; y++) {
                int in = xOff + y * w;
                int even = g.subRow(y + g.padH(), 0);
                int odd = g.subRow(y + g.padH(), 1);
                if (c0 == 1) {
                    p[odd + (pw >> 1)] = x[in];
                }
                // Columns c (even padded column) and c + 1 (odd) share position (c + pW) / 2.
                int c = c0;
                for (int k = even + ((c0 + pw) >> 1), d = odd - even; c + 1 < w; c += 2, k++) {
                    p[k] = x[in + c];
                    p[k + d] = x[in + c + 1];
                }
                if (c < w) {
                    p[even + ((c + pw) >> 1)] = x[in + c];
                }
            }
            return;
        }
        for (int y = 0; y < h; y++) {
            int in = xOff + y * w;
            for (int r = 0; r < sw; r++) {
                int c0 = Math.floorMod(r - pw, sw); // first input column of this phase
                for (int c = c0, at = g.subRow(y + g.padH(), r) + (c0 + pw) / sw; c < w; c += sw, at++) {
                    p[at] = x[in + c];
                }
            }
        }
    }

    private static void forwardDouble(double[] x, int xOff, double[] w, double[] bias, double[] out, int p0, int p1,
                                      Geometry g, double min, double max) {
        int[] taps = g.tapOffsets();
        int k = g.taps();
        int m = g.multiplier();
        int oh = g.outH();
        int ow = g.outW();
        int rowStep = g.phase();
        double[] p = new double[g.scratchSize()];
        double[] flat = new double[oh * rowStep];
        for (int pl = p0; pl < p1; pl++) {
            int c = pl % g.channels();
            pack(x, xOff + pl * g.h() * g.w(), p, g);
            for (int mm = 0; mm < m; mm++) {
                int o = c * m + mm;
                double b = bias == null ? 0.0 : bias[o];
                int outOff = (pl * m + mm) * oh * ow;
                // Output row i starts rowStep after row i - 1 in the scratch plane, so the whole
                // plane is one long row (plus rowStep - ow dropped columns per row): one call,
                // one tail, instead of oh short rows.
                forwardRow(p, 0, taps, k, w, o * k, b, flat, 0, oh * rowStep);
                ShiftedGemmConvKernels.clamp(flat, 0, oh * rowStep, min, max);
                for (int i = 0; i < oh; i++) {
                    System.arraycopy(flat, i * rowStep, out, outOff + i * ow, ow);
                }
            }
        }
    }

    private static void inputGradDouble(double[] gy, int gOff, double[] w, double[] dx, int p0, int p1, Geometry g) {
        int[] taps = g.tapOffsets();
        int k = g.taps();
        int m = g.multiplier();
        int oh = g.outH();
        int ow = g.outW();
        int h = g.h();
        int wd = g.w();
        int rowStep = g.phase();
        double[] p = new double[g.scratchSize()];
        for (int pl = p0; pl < p1; pl++) {
            int c = pl % g.channels();
            Arrays.fill(p, 0.0);
            for (int mm = 0; mm < m; mm++) {
                int o = c * m + mm;
                int goff = gOff + (pl * m + mm) * oh * ow;
                for (int i = 0; i < oh; i++) {
                    scatterRow(gy, goff + i * ow, ow, w, o * k, taps, k, p, i * rowStep);
                }
            }
            int dOff = pl * h * wd;
            for (int y = 0; y < h; y++) {
                if (g.strideW() == 1) {
                    System.arraycopy(p, g.scratchIndex(y, 0), dx, dOff + y * wd, wd);
                } else {
                    unpackRow(p, y, dx, dOff + y * wd, g);
                }
            }
        }
    }

    private static void weightGradDouble(double[] x, int xOff, double[] gy, int gOff, double[] gw, int c0, int c1,
                                         Geometry g) {
        int[] taps = g.tapOffsets();
        int k = g.taps();
        int m = g.multiplier();
        int oh = g.outH();
        int ow = g.outW();
        int rowStep = g.phase();
        double[] p = new double[g.scratchSize()];
        // Per plane in T, then across the batch in double: the batch sums stay accurate in float32.
        double[] plane = new double[m * k];
        double[] sum = new double[m * k];
        for (int c = c0; c < c1; c++) {
            Arrays.fill(sum, 0.0);
            for (int n = 0; n < g.n(); n++) {
                int pl = n * g.channels() + c;
                pack(x, xOff + pl * g.h() * g.w(), p, g);
                Arrays.fill(plane, 0.0);
                for (int mm = 0; mm < m; mm++) {
                    int goff = gOff + (pl * m + mm) * oh * ow;
                    for (int i = 0; i < oh; i++) {
                        weightGradRow(gy, goff + i * ow, ow, p, i * rowStep, taps, k, plane, mm * k);
                    }
                }
                for (int t = 0; t < m * k; t++) {
                    sum[t] += plane[t];
                }
            }
            for (int t = 0; t < m * k; t++) {
                gw[c * m * k + t] = (double) sum[t];
            }
        }
    }

    /** Input row {@code y} of the phase-split scratch plane {@code p} into {@code dx[at ..]} (the inverse of {@link #pack}'s copy). */
    private static void unpackRow(double[] p, int y, double[] dx, int at, Geometry g) {
        int sw = g.strideW();
        int pw = g.padW();
        for (int r = 0; r < sw; r++) {
            int c0 = Math.floorMod(r - pw, sw);
            for (int c = c0, from = g.subRow(y + g.padH(), r) + (c0 + pw) / sw; c < g.w(); c += sw, from++) {
                dx[at + c] = p[from];
            }
        }
    }

    /** One output row: {@code out[o + j] = bias + sum_t w[wOff + t] * p[base + taps[t] + j]} for {@code j < len}. */
    static void forwardRow(double[] p, int base, int[] taps, int k, double[] w, int wOff, double bias, double[] out, int o,
                           int len) {
        for (int j = 0; j < len; j++) {
            double acc = bias;
            for (int t = 0; t < k; t++) {
                acc += w[wOff + t] * p[base + taps[t] + j];
            }
            out[o + j] = acc;
        }
    }

    /** The adjoint of {@link #forwardRow}: {@code p[base + taps[t] + j] += w[wOff + t] * g[gOff + j]}. */
    static void scatterRow(double[] g, int gOff, int len, double[] w, int wOff, int[] taps, int k, double[] p, int base) {
        for (int t = 0; t < k; t++) {
            double wt = w[wOff + t];
            int at = base + taps[t];
            for (int j = 0; j < len; j++) {
                p[at + j] += wt * g[gOff + j];
            }
        }
    }

    /** Weight-gradient share of one row: {@code acc[accOff + t] += sum_j g[gOff + j] * p[base + taps[t] + j]}. */
    static void weightGradRow(double[] g, int gOff, int len, double[] p, int base, int[] taps, int k, double[] acc,
                              int accOff) {
        for (int t = 0; t < k; t++) {
            int at = base + taps[t];
            double s = 0.0;
            for (int j = 0; j < len; j++) {
                s += g[gOff + j] * p[at + j];
            }
            acc[accOff + t] += s;
        }
    }

}
