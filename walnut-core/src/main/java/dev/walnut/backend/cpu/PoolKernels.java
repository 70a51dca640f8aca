// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/PoolKernels.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

/**
 * 2-d pooling kernels over contiguous {@code float[]}/{@code double[]} planes: max pooling (with
 * the argmax of each window), average pooling and its adjoint, and max unpooling. 1-d pooling
 * runs as 2-d with a height-1 plane.
 *
 * <p>A {@link Windows} describes every window of a plane as a start, a tap count and a tap
 * spacing (dilation) per dim; taps outside the plane are skipped, which is how padding works
 * (max pooling pads with -inf, average pooling with zeros whose count the caller's divisors
 * decide). Regular pooling gives starts {@code o*stride - padding}; adaptive pooling gives
 * {@code floor(o*In/Out)} with {@code ceil((o+1)*In/Out) - start} taps. Planes are independent,
 * so large work splits across {@link Parallel} by plane. Outputs are freshly allocated by the
 * caller (zeroed where the kernel accumulates).
 *
 * <pre>{@code
 * var g = PoolKernels.Windows.regular(28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 14, 14);
 * float[] out = new float[planes * g.outputSize()];
 * long[] idx = new long[out.length];
 * PoolKernels.maxForward(input, 0, out, idx, planes, g);
 * }</pre>
 */
public final class PoolKernels {
    private static final int GRAIN = 1 << 15;

    private PoolKernels() {
    }

    /** Window layout of one plane: sizes and, per output row/column, first tap and tap count. */
    public static final class Windows {
        final int height;
        final int width;
        final int[] rowStart;
        final int[] rowTaps;
        final int rowDilation;
        final int[] colStart;
        final int[] colTaps;
        final int colDilation;
        /** Every window is the 2x2 block at (2i, 2j), all inside the plane (the common max-pool). */
        final boolean blocks2x2;
        /**
         * {@code {kernelH, kernelW, strideH, strideW, padH, padW}} when the windows are regular
         * sliding windows with dilation 1 (the same tap count everywhere, starts {@code o*stride - pad}),
         * whatever built them; else null.
         */
        final int[] sliding;

        /** Explicit windows: output row {@code i} reads rows {@code rowStart[i] + t*rowDilation}, {@code t < rowTaps[i]}. */
        public Windows(int height, int width, int[] rowStart, int[] rowTaps, int rowDilation, int[] colStart,
                       int[] colTaps, int colDilation) {
            this.height = height;
            this.width = width;
            this.rowStart = rowStart;
            this.rowTaps = rowTaps;
            this.rowDilation = rowDilation;
            this.colStart = colStart;
            this.colTaps = colTaps;
            this.colDilation = colDilation;
            this.blocks2x2 = isBlocks2x2(rowStart, rowTaps, rowDilation, height)
                    && isBlocks2x2(colStart, colTaps, colDilation, width);
            int[] rows = slidingTapsStride(rowStart, rowTaps, rowDilation);
            int[] cols = slidingTapsStride(colStart, colTaps, colDilation);
            this.sliding = rows == null || cols == null ? null
                    : new int[] {rows[0], cols[0], rows[1], cols[1], -rowStart[0], -colStart[0]};
        }

        /** {@code {taps, stride}} when the windows of one dim are uniform sliding windows with dilation 1, else null. */
        private static int[] slidingTapsStride(int[] start, int[] taps, int dilation) {
            if (dilation != 1 || start.length == 0 || taps[0] < 1 || start[0] > 0) {
                return null;
            }
            int stride = start.length > 1 ? start[1] - start[0] : 1;
            if (stride < 1) {
                return null;
            }
            for (int i = 0; i < start.length; i++) {
                if (taps[i] != taps[0] || start[i] != start[0] + i * stride) {
                    return null;
                }
            }
            return new int[] {taps[0], stride};
        }

        private static boolean isBlocks2x2(int[] start, int[] taps, int dilation, int size) {
            if (dilation != 1 || 2 * start.length > size) {
                return false;
            }
            for (int i = 0; i < start.length; i++) {
                if (start[i] != 2 * i || taps[i] != 2) {
                    return false;
                }
            }
            return true;
        }

        /** Sliding windows: start {@code o*stride - padding}, {@code kernel} taps {@code dilation} apart. */
        public static Windows regular(int height, int width, int kernelH, int kernelW, int strideH, int strideW,
                                      int padH, int padW, int dilationH, int dilationW, int outH, int outW) {
            return new Windows(height, width, starts(outH, strideH, padH), fill(outH, kernelH), dilationH,
                    starts(outW, strideW, padW), fill(outW, kernelW), dilationW);
        }

        /** Adaptive windows: start {@code floor(o*In/Out)}, end {@code ceil((o+1)*In/Out)}. */
        public static Windows adaptive(int height, int width, int outH, int outW) {
            int[] rs = new int[outH];
            int[] rt = new int[outH];
            adaptiveRanges(height, outH, rs, rt);
            int[] cs = new int[outW];
            int[] ct = new int[outW];
            adaptiveRanges(width, outW, cs, ct);
            return new Windows(height, width, rs, rt, 1, cs, ct, 1);
        }

        private static void adaptiveRanges(int in, int out, int[] start, int[] taps) {
            for (int o = 0; o < out; o++) {
                int s = (int) Math.floorDiv((long) o * in, out);
                int e = (int) -Math.floorDiv(-(long) (o + 1) * in, out);
                start[o] = s;
                taps[o] = e - s;
            }
        }

        private static int[] starts(int n, int stride, int pad) {
            int[] r = new int[n];
            for (int i = 0; i < n; i++) {
                r[i] = i * stride - pad;
            }
            return r;
        }

        private static int[] fill(int n, int v) {
            int[] r = new int[n];
            java.util.Arrays.fill(r, v);
            return r;
        }

        /** Elements of one input plane. */
        public int inputSize() {
            return height * width;
        }

        /** Windows (output elements) per plane. */
        public int outputSize() {
            return rowStart.length * colStart.length;
        }

        private int grain() {
            int perPlane = Math.max(1, outputSize() * Math.max(1, rowTaps.length == 0 ? 1 : rowTaps[0])
                    * Math.max(1, colTaps.length == 0 ? 1 : colTaps[0]));
            return Math.max(1, GRAIN / perPlane);
        }
    }

    /**
     * Max of every window into {@code out} and the flat in-plane index of the first maximum into
     * {@code indices} (ties go to the first tap in row-major order; NaN wins, as in PyTorch).
     */
    public static void maxForward(Object input, int offset, Object out, long[] indices, int planes, Windows g) {
        if (input instanceof double[] x) {
            double[] y = (double[]) out;
            Parallel.forRange(planes, g.grain(), (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    maxPlane(x, offset + p * g.inputSize(), y, indices, p * g.outputSize(), g);
                }
            });
        } else {
            float[] x = (float[]) input;
            float[] y = (float[]) out;
            if (g.blocks2x2) {
                WindowKernelProvider k = WindowKernelProvider.get();
                Parallel.forRange(planes, g.grain(), (lo, hi) -> k.maxPool2x2(x, offset, y, indices, 0, lo, hi,
                        g.height, g.width, g.rowStart.length, g.colStart.length));
                return;
            }
            Parallel.forRange(planes, g.grain(), (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    maxPlane(x, offset + p * g.inputSize(), y, indices, p * g.outputSize(), g);
                }
            });
        }
    }

    private static void maxPlane(double[] x, int in, double[] y, long[] idx, int out, Windows g) {
        if (g.blocks2x2) {
            maxPlane2x2(x, in, y, idx, out, g);
            return;
        }
        int o = out;
        for (int i = 0; i < g.rowStart.length; i++) {
            for (int j = 0; j < g.colStart.length; j++, o++) {
                double best = Double.NEGATIVE_INFINITY;
                int arg = -1;
                for (int a = 0; a < g.rowTaps[i]; a++) {
                    int r = g.rowStart[i] + a * g.rowDilation;
                    if (r < 0 || r >= g.height) {
                        continue;
                    }
                    for (int b = 0; b < g.colTaps[j]; b++) {
                        int c = g.colStart[j] + b * g.colDilation;
                        if (c < 0 || c >= g.width) {
                            continue;
                        }
                        int k = r * g.width + c;
                        double v = x[in + k];
                        if (arg < 0 || takes(v, best)) {
                            best = v;
                            arg = k;
                        }
                    }
                }
                y[o] = best;
                idx[o] = Math.max(arg, 0);
            }
        }
    }

    private static void maxPlane(float[] x, int in, float[] y, long[] idx, int out, Windows g) {
        int o = out;
        for (int i = 0; i < g.rowStart.length; i++) {
            for (int j = 0; j < g.colStart.length; j++, o++) {
                float best = Float.NEGATIVE_INFINITY;
                int arg = -1;
                for (int a = 0; a < g.rowTaps[i]; a++) {
                    int r = g.rowStart[i] + a * g.rowDilation;
                    if (r < 0 || r >= g.height) {
                        continue;
                    }
                    for (int b = 0; b < g.colTaps[j]; b++) {
                        int c = g.colStart[j] + b * g.colDilation;
                        if (c < 0 || c >= g.width) {
                            continue;
                        }
                        int k = r * g.width + c;
                        float v = x[in + k];
                        if (arg < 0 || takes(v, best)) {
                            best = v;
                            arg = k;
                        }
                    }
                }
                y[o] = best;
                idx[o] = Math.max(arg, 0);
            }
        }
    }

    /**
     * Max of every window into {@code out}, without the argmax: what inference needs (a compiled
     * graph whose indices nobody reads). Separable, so it runs as long contiguous loops instead
     * of {@code kH * kW} bounds-checked taps per output: each output row first takes the
     * element-wise max of the input rows its windows span, over the whole width (loops C2
     * vectorizes), then each output takes the max of its columns in that row. Max is associative
     * and NaN wins either way, so the values are {@link #maxForward}'s, except that a window whose
     * maximum is a tie of {@code -0.0} and {@code 0.0} may give either zero.
     */
    public static void maxValues(Object input, int offset, Object out, int planes, Windows g) {
        if (input instanceof float[] x && g.sliding != null) {
            // The SIMD provider's rows of vector maxes: 0.28 against 0.85 ms for ResNet's 3x3
            // stride-2 pooling of [1, 64, 112, 112], one thread; for the 2x2 blocks 0.67 against
            // 1.14 ms for the 2x2 kernel with indices ([64, 32, 26, 26]), and no index array.
            WindowKernelProvider k = WindowKernelProvider.get();
            int[] s = g.sliding;
            Parallel.forRange(planes, g.grain(), (lo, hi) -> k.maxPoolValues(x, offset, (float[]) out, 0, lo, hi,
                    g.height, g.width, s[0], s[1], s[2], s[3], s[4], s[5], g.rowStart.length, g.colStart.length));
            return;
        }
        if (g.blocks2x2) {
            // The 2x2 kernel beats the scalar separable loops on these windows even while writing
            // indices: 1.4 vs 5.0 ms for [64, 32, 26, 26], one thread.
            maxForward(input, offset, out, new long[planes * g.outputSize()], planes, g);
            return;
        }
        Parallel.forRange(planes, g.grain(), (lo, hi) -> maxValuesPlanes(input, offset, out, 0, lo, hi, g));
    }

    /**
     * The scalar separable loops of {@link #maxValues} for planes {@code [lo, hi)} on the calling
     * thread: plane {@code p} reads {@code input} from {@code offset + p * g.inputSize()} and
     * writes {@code out} from {@code outOffset + p * g.outputSize()}.
     */
    static void maxValuesPlanes(Object input, int offset, Object out, int outOffset, int lo, int hi, Windows g) {
        if (input instanceof double[] x) {
            double[] y = (double[]) out;
            double[] rowMax = new double[g.width];
            for (int p = lo; p < hi; p++) {
                maxValuesPlane(x, offset + p * g.inputSize(), y, outOffset + p * g.outputSize(), g, rowMax);
            }
        } else {
            float[] x = (float[]) input;
            float[] y = (float[]) out;
            float[] rowMax = new float[g.width];
            for (int p = lo; p < hi; p++) {
                maxValuesPlane(x, offset + p * g.inputSize(), y, outOffset + p * g.outputSize(), g, rowMax);
            }
        }
    }

    /**
     * Separable window max of one plane: per output row, the max of its window's rows (the first
     * copied, the others maxed in), then per output the max of its window's columns, written out
     * for the 2- and 3-tap windows of most CNNs (a tap loop of runtime length cost three times
     * the rest on ResNet's 3x3 stride-2 pooling). {@code Math.max} is associative and
     * commutative on every value (NaN wins, {@code +0.0} beats {@code -0.0}), so any order of
     * taps gives the same bits.
     */
    private static void maxValuesPlane(double[] x, int in, double[] y, int out, Windows g, double[] rowMax) {
        int width = g.width;
        int outW = g.colStart.length;
        int d = g.colDilation;
        int o = out;
        for (int i = 0; i < g.rowStart.length; i++) {
            boolean any = false;
            for (int a = 0; a < g.rowTaps[i]; a++) {
                int r = g.rowStart[i] + a * g.rowDilation;
                if (r < 0 || r >= g.height) {
                    continue;
                }
                int row = in + r * width;
                if (!any) {
                    System.arraycopy(x, row, rowMax, 0, width);
                    any = true;
                } else {
                    for (int c = 0; c < width; c++) {
                        rowMax[c] = Math.max(rowMax[c], x[row + c]);
                    }
                }
            }
            if (!any) {
                java.util.Arrays.fill(rowMax, Double.NEGATIVE_INFINITY);
            }
            for (int j = 0; j < outW; j++, o++) {
                int c = g.colStart[j];
                int taps = g.colTaps[j];
                double best;
                if (c >= 0 && c + (taps - 1) * d < width) {
                    if (taps == 3) {
                        best = Math.max(Math.max(rowMax[c], rowMax[c + d]), rowMax[c + 2 * d]);
                    } else if (taps == 2) {
                        best = Math.max(rowMax[c], rowMax[c + d]);
                    } else {
                        best = Double.NEGATIVE_INFINITY;
                        for (int b = 0; b < taps; b++, c += d) {
                            best = Math.max(best, rowMax[c]);
                        }
                    }
                } else {
                    best = Double.NEGATIVE_INFINITY;
                    for (int b = 0; b < taps; b++, c += d) {
                        if (c >= 0 && c < width) {
                            best = Math.max(best, rowMax[c]);
                        }
                    }
                }
                y[o] = best;
            }
        }
    }

    private static void maxValuesPlane(float[] x, int in, float[] y, int out, Windows g, float[] rowMax) {
        int width = g.width;
        int outW = g.colStart.length;
        int d = g.colDilation;
        int o = out;
        for (int i = 0; i < g.rowStart.length; i++) {
            boolean any = false;
            for (int a = 0; a < g.rowTaps[i]; a++) {
                int r = g.rowStart[i] + a * g.rowDilation;
                if (r < 0 || r >= g.height) {
                    continue;
                }
                int row = in + r * width;
                if (!any) {
                    System.arraycopy(x, row, rowMax, 0, width);
                    any = true;
                } else {
                    for (int c = 0; c < width; c++) {
                        rowMax[c] = Math.max(rowMax[c], x[row + c]);
                    }
                }
            }
            if (!any) {
                java.util.Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
            }
            for (int j = 0; j < outW; j++, o++) {
                int c = g.colStart[j];
                int taps = g.colTaps[j];
                float best;
                if (c >= 0 && c + (taps - 1) * d < width) {
                    if (taps == 3) {
                        best = Math.max(Math.max(rowMax[c], rowMax[c + d]), rowMax[c + 2 * d]);
                    } else if (taps == 2) {
                        best = Math.max(rowMax[c], rowMax[c + d]);
                    } else {
                        best = Float.NEGATIVE_INFINITY;
                        for (int b = 0; b < taps; b++, c += d) {
                            best = Math.max(best, rowMax[c]);
                        }
                    }
                } else {
                    best = Float.NEGATIVE_INFINITY;
                    for (int b = 0; b < taps; b++, c += d) {
                        if (c >= 0 && c < width) {
                            best = Math.max(best, rowMax[c]);
                        }
                    }
                }
                y[o] = best;
            }
        }
    }

    /**
     * Whether tap {@code v} replaces the running max {@code best}: when greater, or when NaN
     * while {@code best} is not (the first NaN wins and stays, as in PyTorch). {@code !(v <= best)}
     * is {@code v > best || v is NaN || best is NaN}, so one compare plus a self-compare replaces
     * the two isNaN tests of the obvious form.
     */
    private static boolean takes(double v, double best) {
        return !(v <= best) && best == best;
    }

    private static boolean takes(float v, float best) {
        return !(v <= best) && best == best;
    }

    /** {@link Windows#blocks2x2} planes: no bounds or tap loops, ties to the first tap in row-major order. */
    private static void maxPlane2x2(double[] x, int in, double[] y, long[] idx, int out, Windows g) {
        int w = g.width;
        int outW = g.colStart.length;
        int o = out;
        for (int i = 0; i < g.rowStart.length; i++) {
            int k0 = 2 * i * w;
            for (int j = 0, k = k0; j < outW; j++, o++, k += 2) {
                double best = x[in + k];
                int arg = k;
                double v = x[in + k + 1];
                if (takes(v, best)) {
                    best = v;
                    arg = k + 1;
                }
                v = x[in + k + w];
                if (takes(v, best)) {
                    best = v;
                    arg = k + w;
                }
                v = x[in + k + w + 1];
                if (takes(v, best)) {
                    best = v;
                    arg = k + w + 1;
                }
                y[o] = best;
                idx[o] = arg;
            }
        }
    }

    /**
     * The max-pool gradient: {@code out[p][indices[p][o]] += g[p][o]} for every plane {@code p}
     * and window {@code o}, into {@code out} of {@code inPlane} elements per plane, zeros where no
     * index points: {@code out} is zeroed first unless {@code zeroed} (a fresh array). Indices
     * must lie in the plane (the forward's argmax always does). (Writing each 2x2 block whole
     * instead, the gradient or zero, with masks, took 1.6 ms for 64 x 32 planes of 26 x 26 where
     * the zeros and the scatter take 1.0.)
     */
    public static void maxBackward(Object g, int gOffset, long[] indices, Object out, int planes, int inPlane,
                                   int outPlane, boolean zeroed) {
        if (!zeroed) {
            CopyKernels.fill(out, 0, new int[] {planes * inPlane}, new int[] {1}, 0.0);
        }
        int grain = Math.max(1, GRAIN / Math.max(1, outPlane));
        if (g instanceof float[] gf) {
            float[] y = (float[]) out;
            Parallel.forRange(planes, grain, (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    int base = p * inPlane;
                    for (int o = p * outPlane, e = o + outPlane; o < e; o++) {
                        y[base + (int) indices[o]] += gf[gOffset + o];
                    }
                }
            });
        } else {
            double[] gd = (double[]) g;
            double[] y = (double[]) out;
            Parallel.forRange(planes, grain, (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    int base = p * inPlane;
                    for (int o = p * outPlane, e = o + outPlane; o < e; o++) {
                        y[base + (int) indices[o]] += gd[gOffset + o];
                    }
                }
            });
        }
    }

    /** {@code out[o] = sum(window o) / divisor[o]} ({@code divisor} has one entry per window of a plane). */
    public static void avgForward(Object input, int offset, Object out, int planes, Windows g, double[] divisor) {
        if (input instanceof double[] x) {
            double[] y = (double[]) out;
            Parallel.forRange(planes, g.grain(), (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    int in = offset + p * g.inputSize();
                    int o = p * g.outputSize();
                    for (int i = 0; i < g.rowStart.length; i++) {
                        for (int j = 0; j < g.colStart.length; j++, o++) {
                            double s = 0;
                            for (int r = rLo(g, i); r < rHi(g, i); r++) {
                                for (int c = cLo(g, j); c < cHi(g, j); c++) {
                                    s += x[in + r * g.width + c];
                                }
                            }
                            y[o] = (s / divisor[i * g.colStart.length + j]);
                        }
                    }
                }
            });
        } else {
            float[] x = (float[]) input;
            float[] y = (float[]) out;
            Parallel.forRange(planes, g.grain(), (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    int in = offset + p * g.inputSize();
                    int o = p * g.outputSize();
                    for (int i = 0; i < g.rowStart.length; i++) {
                        for (int j = 0; j < g.colStart.length; j++, o++) {
                            float s = 0;
                            for (int r = rLo(g, i); r < rHi(g, i); r++) {
                                for (int c = cLo(g, j); c < cHi(g, j); c++) {
                                    s += x[in + r * g.width + c];
                                }
                            }
                            y[o] = (float) (s / divisor[i * g.colStart.length + j]);
                        }
                    }
                }
            });
        }
    }

    /**
     * The adjoint of {@link #avgForward}: adds {@code grad[o] / divisor[o]} to every element of
     * window o in the zeroed {@code out} (overlapping windows add up).
     */
    public static void avgBackward(Object grad, int offset, Object out, int planes, Windows g, double[] divisor) {
        if (grad instanceof double[] x) {
            double[] y = (double[]) out;
            Parallel.forRange(planes, g.grain(), (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    int base = p * g.inputSize();
                    int o = offset + p * g.outputSize();
                    for (int i = 0; i < g.rowStart.length; i++) {
                        for (int j = 0; j < g.colStart.length; j++, o++) {
                            double v = (x[o] / divisor[i * g.colStart.length + j]);
                            for (int r = rLo(g, i); r < rHi(g, i); r++) {
                                for (int c = cLo(g, j); c < cHi(g, j); c++) {
                                    y[base + r * g.width + c] += v;
                                }
                            }
                        }
                    }
                }
            });
        } else {
            float[] x = (float[]) grad;
            float[] y = (float[]) out;
            Parallel.forRange(planes, g.grain(), (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    int base = p * g.inputSize();
                    int o = offset + p * g.outputSize();
                    for (int i = 0; i < g.rowStart.length; i++) {
                        for (int j = 0; j < g.colStart.length; j++, o++) {
                            float v = (float) (x[o] / divisor[i * g.colStart.length + j]);
                            for (int r = rLo(g, i); r < rHi(g, i); r++) {
                                for (int c = cLo(g, j); c < cHi(g, j); c++) {
                                    y[base + r * g.width + c] += v;
                                }
                            }
                        }
                    }
                }
            });
        }
    }

    // Average pooling always has dilation 1, so its clipped window is a contiguous range.
    private static int rLo(Windows g, int i) {
        return Math.max(g.rowStart[i], 0);
    }

    private static int rHi(Windows g, int i) {
        return Math.min(g.rowStart[i] + g.rowTaps[i], g.height);
    }

    private static int cLo(Windows g, int j) {
        return Math.max(g.colStart[j], 0);
    }

    private static int cHi(Windows g, int j) {
        return Math.min(g.colStart[j] + g.colTaps[j], g.width);
    }

    /**
     * Writes {@code input[p][i]} to {@code out[p][indices[p][i]]} for every plane p (the zeroed
     * {@code out} holds {@code outPlane} elements per plane). Returns -1 when all indices are in
     * {@code [0, outPlane)}, else the position of the first invalid index (nothing is written then).
     */
    public static long unpool(Object input, int offset, long[] indices, int indexOffset, Object out, int planes,
                              int inPlane, int outPlane) {
        int n = planes * inPlane;
        for (int i = 0; i < n; i++) {
            long k = indices[indexOffset + i];
            if (k < 0 || k >= outPlane) {
                return i;
            }
        }
        if (input instanceof double[] x) {
            double[] y = (double[]) out;
            for (int i = 0; i < n; i++) {
                y[(i / inPlane) * outPlane + (int) indices[indexOffset + i]] = x[offset + i];
            }
        } else {
            float[] x = (float[]) input;
            float[] y = (float[]) out;
            for (int i = 0; i < n; i++) {
                y[(i / inPlane) * outPlane + (int) indices[indexOffset + i]] = x[offset + i];
            }
        }
        return -1;
    }
}
