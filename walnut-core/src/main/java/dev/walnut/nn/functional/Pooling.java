package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.ValuesAndIndices;
import java.util.Arrays;

/**
 * Pooling like {@code torch.nn.functional}: max and average pooling (1-d and 2-d), adaptive
 * pooling and max unpooling, over batched {@code [N, C, *spatial]} or unbatched
 * {@code [C, *spatial]} input.
 *
 * <p>Conventions follow PyTorch: {@code stride} null (or empty) means {@code kernelSize}; max
 * pooling pads with -inf and needs {@code padding <= (dilation (k - 1) + 1) / 2}, average pooling
 * pads with zeros and needs {@code padding <= k / 2}; the output size is
 * {@code floor((In + 2p - d (k - 1) - 1) / s) + 1} (ceil with {@code ceilMode}, where a last window
 * that would start in the right padding is dropped). Max ties go to the first element of the
 * window in row-major order, so the gradient flows to that one only; NaN propagates. Indices
 * ({@code ...WithIndices}) are flat positions in each input plane ({@code h * W + w}), as PyTorch
 * returns and {@link #maxUnpool2d} takes. Adaptive pooling uses windows
 * {@code [floor(i In / Out), ceil((i + 1) In / Out))}. Per-dim arguments take one value per
 * spatial dim or a single value for all.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(8, 16, 28, 28);
 * Tensor y = Pooling.maxPool2d(x, 2);                                  // [8, 16, 14, 14]
 * ValuesAndIndices m = Pooling.maxPool2dWithIndices(x, new int[] {2}, null, new int[] {0}, new int[] {1}, false);
 * Tensor back = Pooling.maxUnpool2d(m.values(), m.indices(), 2, 2, 0); // [8, 16, 28, 28]
 * Tensor a = Pooling.avgPool2d(x, new int[] {3}, new int[] {2}, new int[] {1}, true, false, null);
 * Tensor g = Pooling.adaptiveAvgPool2d(x, 1);                          // global average, [8, 16, 1, 1]
 * }</pre>
 */
public final class Pooling {
    private Pooling() {
    }

    // ------------------------------------------------------------------ max pooling

    /** 1-d max pooling with stride = kernelSize, no padding. */
    public static Tensor maxPool1d(Tensor input, int kernelSize) {
        return maxPool1d(input, kernelSize, kernelSize, 0, 1, false);
    }

    /** 1-d max pooling over {@code [N, C, L]} or {@code [C, L]}. */
    public static Tensor maxPool1d(Tensor input, int kernelSize, int stride, int padding, int dilation,
                                   boolean ceilMode) {
        return pool("maxPool1d", 1, Kind.MAX, input, new int[] {kernelSize}, new int[] {stride},
                new int[] {padding}, new int[] {dilation}, ceilMode, true, null)[0];
    }

    /** 1-d max pooling with one-element arrays ({@code stride} null means kernelSize), like the 2-d form. */
    public static Tensor maxPool1d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                   boolean ceilMode) {
        return pool("maxPool1d", 1, Kind.MAX, input, kernelSize, stride, padding, dilation, ceilMode, true, null)[0];
    }

    /** {@link #maxPool1d(Tensor, int, int, int, int, boolean)} also returning the argmax indices. */
    public static ValuesAndIndices maxPool1dWithIndices(Tensor input, int kernelSize, int stride, int padding,
                                                        int dilation, boolean ceilMode) {
        Tensor[] r = pool("maxPool1d", 1, Kind.MAX, input, new int[] {kernelSize}, new int[] {stride},
                new int[] {padding}, new int[] {dilation}, ceilMode, true, null);
        return new ValuesAndIndices(r[0], r[1]);
    }

    /** 2-d max pooling with stride = kernelSize, no padding. */
    public static Tensor maxPool2d(Tensor input, int kernelSize) {
        return maxPool2d(input, kernelSize, kernelSize, 0, 1, false);
    }

    /** 2-d max pooling with the same value for both dims. */
    public static Tensor maxPool2d(Tensor input, int kernelSize, int stride, int padding, int dilation,
                                   boolean ceilMode) {
        return maxPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {padding},
                new int[] {dilation}, ceilMode);
    }

    /**
     * 2-d max pooling over {@code [N, C, H, W]} or {@code [C, H, W]}; {@code stride} null means
     * kernelSize. Output {@code H_out = floor((H + 2p - d (k - 1) - 1) / s) + 1} (ceil with
     * ceilMode).
     */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                   boolean ceilMode) {
        return pool("maxPool2d", 2, Kind.MAX, input, kernelSize, stride, padding, dilation, ceilMode, true, null)[0];
    }

    /** {@link #maxPool2d(Tensor, int[], int[], int[], int[], boolean)} also returning flat in-plane argmax indices (I64). */
    public static ValuesAndIndices maxPool2dWithIndices(Tensor input, int[] kernelSize, int[] stride, int[] padding,
                                                        int[] dilation, boolean ceilMode) {
        Tensor[] r = pool("maxPool2d", 2, Kind.MAX, input, kernelSize, stride, padding, dilation, ceilMode, true, null);
        return new ValuesAndIndices(r[0], r[1]);
    }

    /** {@link #maxPool2dWithIndices(Tensor, int[], int[], int[], int[], boolean)} with the same value for both dims. */
    public static ValuesAndIndices maxPool2dWithIndices(Tensor input, int kernelSize, int stride, int padding,
                                                        int dilation, boolean ceilMode) {
        return maxPool2dWithIndices(input, new int[] {kernelSize}, new int[] {stride}, new int[] {padding},
                new int[] {dilation}, ceilMode);
    }

    // ------------------------------------------------------------------ average pooling

    /** 1-d average pooling with stride = kernelSize, no padding. */
    public static Tensor avgPool1d(Tensor input, int kernelSize) {
        return avgPool1d(input, kernelSize, kernelSize, 0, false, true);
    }

    /** 1-d average pooling over {@code [N, C, L]} or {@code [C, L]}. */
    public static Tensor avgPool1d(Tensor input, int kernelSize, int stride, int padding, boolean ceilMode,
                                   boolean countIncludePad) {
        return pool("avgPool1d", 1, Kind.AVG, input, new int[] {kernelSize}, new int[] {stride},
                new int[] {padding}, ONE, ceilMode, countIncludePad, null)[0];
    }

    /** 1-d average pooling with one-element arrays ({@code stride} null means kernelSize), like the 2-d form. */
    public static Tensor avgPool1d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad) {
        return pool("avgPool1d", 1, Kind.AVG, input, kernelSize, stride, padding, ONE, ceilMode, countIncludePad, null)[0];
    }

    /** 2-d average pooling with stride = kernelSize, no padding. */
    public static Tensor avgPool2d(Tensor input, int kernelSize) {
        return avgPool2d(input, new int[] {kernelSize}, null, ZERO, false, true, null);
    }

    /** 2-d average pooling with the same value for both dims. */
    public static Tensor avgPool2d(Tensor input, int kernelSize, int stride, int padding, boolean ceilMode,
                                   boolean countIncludePad) {
        return avgPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, ceilMode,
                countIncludePad, null);
    }

    /**
     * 2-d average pooling over {@code [N, C, H, W]} or {@code [C, H, W]}. Each window's sum is
     * divided by {@code divisorOverride} when given, else by the window size counting padding
     * ({@code countIncludePad}; a ceil-mode window hanging past the right padding still counts
     * only up to it) or by the number of input elements it covers.
     */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        return pool("avgPool2d", 2, Kind.AVG, input, kernelSize, stride, padding, ONE, ceilMode, countIncludePad,
                divisorOverride)[0];
    }

    // ------------------------------------------------------------------ adaptive pooling

    /** Average over {@code outputSize} adaptive windows of {@code [N, C, L]} or {@code [C, L]}. */
    public static Tensor adaptiveAvgPool1d(Tensor input, int outputSize) {
        return adaptive("adaptiveAvgPool1d", 1, false, input, new int[] {outputSize})[0];
    }

    /** Average over adaptive windows of {@code [N, C, H, W]} or {@code [C, H, W]}; outputSize has 1 or 2 values. */
    public static Tensor adaptiveAvgPool2d(Tensor input, int... outputSize) {
        return adaptive("adaptiveAvgPool2d", 2, false, input, outputSize)[0];
    }

    /** Max over adaptive windows of {@code [N, C, H, W]} or {@code [C, H, W]}; outputSize has 1 or 2 values. */
    public static Tensor adaptiveMaxPool2d(Tensor input, int... outputSize) {
        return adaptive("adaptiveMaxPool2d", 2, true, input, outputSize)[0];
    }

    /** {@link #adaptiveMaxPool2d} also returning flat in-plane argmax indices (I64). */
    public static ValuesAndIndices adaptiveMaxPool2dWithIndices(Tensor input, int... outputSize) {
        Tensor[] r = adaptive("adaptiveMaxPool2d", 2, true, input, outputSize);
        return new ValuesAndIndices(r[0], r[1]);
    }

    // ------------------------------------------------------------------ max unpooling

    /** {@link #maxUnpool2d(Tensor, Tensor, int[], int[], int[], int[])} with the same value for both dims and the default size. */
    public static Tensor maxUnpool2d(Tensor input, Tensor indices, int kernelSize, int stride, int padding) {
        return maxUnpool2d(input, indices, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null);
    }

    /**
     * The partial inverse of max pooling: zeros of size {@code outputSize} (default
     * {@code (In - 1) s - 2p + k} per dim) with each input value written at its flat in-plane
     * index from {@code indices} (same shape as input, I64). {@code outputSize} has 2 values or
     * one per input dim (the last two are used) and must lie strictly within stride of the default.
     */
    public static Tensor maxUnpool2d(Tensor input, Tensor indices, int[] kernelSize, int[] stride, int[] padding,
                                     int[] outputSize) {
        String op = "maxUnpool2d";
        int r = input.dim();
        if (r != 3 && r != 4) {
            throw new IllegalArgumentException(op + ": expected a 3D (unbatched) or 4D (batched) input, but got input of size: "
                    + shapeStr(input));
        }
        floatingPoint(op, input);
        if (indices.dtype() != DType.I64) {
            throw new IllegalArgumentException(op + ": expected indices to have dtype I64, but got " + indices.dtype());
        }
        if (!Arrays.equals(indices.shape(), input.shape())) {
            throw new IllegalArgumentException(op + ": expected shape of indices to be same as that of the input tensor ("
                    + shapeStr(input) + ") but got indices tensor with shape: " + shapeStr(indices));
        }
        int[] k = Args.positive(op, "kernelSize", kernelSize, 2);
        int[] s = stride == null || stride.length == 0 ? k : Args.positive(op, "stride", stride, 2);
        int[] p = Args.nonNegative(op, "padding", padding, 2);
        int[] in = {(int) input.size(r - 2), (int) input.size(r - 1)};
        int[] out = new int[2];
        for (int i = 0; i < 2; i++) {
            out[i] = (in[i] - 1) * s[i] - 2 * p[i] + k[i];
        }
        if (outputSize != null) {
            if (outputSize.length != 2 && outputSize.length != r) {
                throw new IllegalArgumentException(op + ": outputSize must have 2 or " + r + " elements, got "
                        + Arrays.toString(outputSize));
            }
            int[] want = Arrays.copyOfRange(outputSize, outputSize.length - 2, outputSize.length);
            for (int i = 0; i < 2; i++) {
                int min = out[i] - s[i];
                int max = out[i] + s[i];
                if (!(min < want[i] && want[i] < max)) {
                    throw new IllegalArgumentException(op + ": invalid outputSize " + Arrays.toString(outputSize)
                            + " (dim " + i + " must be between " + min + " and " + max + ")");
                }
            }
            out = want;
        }
        if (out[0] <= 0 || out[1] <= 0) {
            throw new IllegalArgumentException(op + ": given input of size " + shapeStr(input) + ", kernelSize="
                    + Arrays.toString(k) + ", stride=" + Arrays.toString(s) + ", padding=" + Arrays.toString(p)
                    + ": the output size " + Arrays.toString(out) + " is empty");
        }
        if (r == 3) {
            return PoolPrimitives.maxUnpool(op, input.unsqueeze(0), indices.unsqueeze(0), out[0], out[1]).squeeze(0);
        }
        return PoolPrimitives.maxUnpool(op, input, indices, out[0], out[1]);
    }

    // ------------------------------------------------------------------ implementation

    private enum Kind { MAX, AVG }

    private static final int[] ONE = {1};
    private static final int[] ZERO = {0};

    /** Regular pooling over nd = 1 or 2 spatial dims; returns {values} or {values, indices}. */
    private static Tensor[] pool(String op, int nd, Kind kind, Tensor input, int[] kernelSize, int[] stride,
                                 int[] padding, int[] dilation, boolean ceilMode, boolean countIncludePad,
                                 Integer divisorOverride) {
        checkInput(op, nd, input);
        int[] k = Args.positive(op, "kernelSize", kernelSize, nd);
        int[] s = stride == null || stride.length == 0 ? k : Args.positive(op, "stride", stride, nd);
        int[] p = Args.nonNegative(op, "padding", padding, nd);
        int[] d = Args.positive(op, "dilation", dilation, nd);
        if (divisorOverride != null && divisorOverride == 0) {
            throw new IllegalArgumentException(op + ": divisorOverride must be non-zero");
        }
        for (int i = 0; i < nd; i++) {
            int limit = kind == Kind.MAX ? (d[i] * (k[i] - 1) + 1) / 2 : k[i] / 2;
            if (p[i] > limit) {
                throw new IllegalArgumentException(op + ": pad should be at most half of " + (kind == Kind.MAX
                        ? "effective kernel size" : "kernel size") + ", but got padding=" + Arrays.toString(p)
                        + ", kernelSize=" + Arrays.toString(k) + (kind == Kind.MAX ? " and dilation="
                        + Arrays.toString(d) : ""));
            }
        }
        int r = input.dim();
        int[] in = new int[nd];
        int[] out = new int[nd];
        boolean empty = false;
        for (int i = 0; i < nd; i++) {
            in[i] = (int) input.size(r - nd + i);
            out[i] = outputSize(in[i], k[i], s[i], p[i], d[i], ceilMode);
            empty |= out[i] <= 0;
        }
        if (empty) {
            throw new IllegalArgumentException(op + ": given input size: " + shapeStr(input) + ", kernelSize="
                    + Arrays.toString(k) + ", stride=" + Arrays.toString(s) + ", padding=" + Arrays.toString(p)
                    + ", dilation=" + Arrays.toString(d) + ", calculated output size: " + Arrays.toString(out)
                    + ". Output size is too small");
        }
        boolean unbatched = r == nd + 1;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        long n = x.size(0);
        long c = x.size(1);
        // 1-d runs as 2-d over a height-1 plane: kernel 1, stride 1, no padding along height.
        int h = nd == 1 ? 1 : in[0];
        int w = in[nd - 1];
        int outH = nd == 1 ? 1 : out[0];
        int outW = out[nd - 1];
        int kh = nd == 1 ? 1 : k[0];
        int sh = nd == 1 ? 1 : s[0];
        int ph = nd == 1 ? 0 : p[0];
        int dh = nd == 1 ? 1 : d[0];
        int kw = k[nd - 1];
        int sw = s[nd - 1];
        int pw = p[nd - 1];
        int dw = d[nd - 1];
        x = x.reshape(n, c, h, w);
        int[] geometry = {kh, kw, sh, sw, ph, pw, dh, dw};
        long[] outShape = new long[nd + (unbatched ? 1 : 2)];
        int j = 0;
        if (!unbatched) {
            outShape[j++] = n;
        }
        outShape[j++] = c;
        for (int i = 0; i < nd; i++) {
            outShape[j++] = out[i];
        }
        if (kind == Kind.MAX) {
            ValuesAndIndices vi = PoolPrimitives.maxPool(x, geometry, outH, outW, null);
            return new Tensor[] {vi.values().reshape(outShape), vi.indices().reshape(outShape)};
        }
        double[] divisor = new double[outH * outW];
        for (int a = 0; a < outH; a++) {
            int hs = a * sh - ph;
            int he = Math.min(hs + kh, h + ph);
            int hCount = Math.min(he, h) - Math.max(hs, 0);
            for (int b = 0; b < outW; b++) {
                int ws = b * sw - pw;
                int we = Math.min(ws + kw, w + pw);
                int wCount = Math.min(we, w) - Math.max(ws, 0);
                double div = divisorOverride != null ? divisorOverride
                        : countIncludePad ? (double) (he - hs) * (we - ws) : (double) hCount * wCount;
                // A window entirely in padding sums to 0; PyTorch outputs 0 there, not 0/0.
                divisor[a * outW + b] = div == 0 ? 1 : div;
            }
        }
        return new Tensor[] {PoolPrimitives.avgPool(x, geometry, outH, outW, divisor).reshape(outShape)};
    }

    /** PyTorch's pooling_output_shape: the last window must start inside the input or the left padding. */
    private static int outputSize(int in, int k, int s, int p, int d, boolean ceilMode) {
        long num = (long) in + 2L * p - (long) d * (k - 1) - 1 + (ceilMode ? s - 1 : 0);
        long out = Math.floorDiv(num, s) + 1;
        if (ceilMode && (out - 1) * s >= (long) in + p) {
            out--;
        }
        return (int) Math.max(Math.min(out, Integer.MAX_VALUE), Integer.MIN_VALUE);
    }

    private static Tensor[] adaptive(String op, int nd, boolean max, Tensor input, int[] outputSize) {
        checkInput(op, nd, input);
        int[] out = Args.expand(op, "outputSize", outputSize, nd);
        for (int v : out) {
            if (v <= 0) {
                throw new IllegalArgumentException(op + ": outputSize must be positive (an empty output is not supported), got outputSize="
                        + Arrays.toString(outputSize) + " for input of size " + shapeStr(input));
            }
        }
        int r = input.dim();
        boolean unbatched = r == nd + 1;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        long n = x.size(0);
        long c = x.size(1);
        int h = nd == 1 ? 1 : (int) x.size(2);
        int w = (int) x.size(x.dim() - 1);
        int outH = nd == 1 ? 1 : out[0];
        int outW = out[nd - 1];
        x = x.reshape(n, c, h, w);
        long[] outShape = new long[nd + (unbatched ? 1 : 2)];
        int j = 0;
        if (!unbatched) {
            outShape[j++] = n;
        }
        outShape[j++] = c;
        for (int i = 0; i < nd; i++) {
            outShape[j++] = out[i];
        }
        if (max) {
            ValuesAndIndices vi = PoolPrimitives.maxPool(x, null, outH, outW, null);
            return new Tensor[] {vi.values().reshape(outShape), vi.indices().reshape(outShape)};
        }
        double[] divisor = new double[outH * outW];
        for (int a = 0; a < outH; a++) {
            long hs = Math.floorDiv((long) a * h, outH);
            long he = -Math.floorDiv(-(long) (a + 1) * h, outH);
            for (int b = 0; b < outW; b++) {
                long ws = Math.floorDiv((long) b * w, outW);
                long we = -Math.floorDiv(-(long) (b + 1) * w, outW);
                divisor[a * outW + b] = (double) (he - hs) * (we - ws);
            }
        }
        return new Tensor[] {PoolPrimitives.avgPool(x, null, outH, outW, divisor).reshape(outShape)};
    }

    private static void checkInput(String op, int nd, Tensor input) {
        int r = input.dim();
        if (r != nd + 1 && r != nd + 2) {
            throw new IllegalArgumentException(op + ": expected a " + (nd + 1) + "D (unbatched) or " + (nd + 2)
                    + "D (batched) input, but got input of size: " + shapeStr(input));
        }
        floatingPoint(op, input);
        for (int i = r == nd + 2 ? 1 : 0; i < r; i++) {
            if (input.size(i) == 0) {
                throw new IllegalArgumentException(op + ": expected input with non-zero sizes in every dim but the batch dim, "
                        + "but got input of size: " + shapeStr(input));
            }
        }
    }

    private static void floatingPoint(String op, Tensor t) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.F64) {
            throw new IllegalArgumentException(op + ": expected a floating-point (F32 or F64) input, got "
                    + t.dtype() + "; convert with to(DType.F32)");
        }
    }

    private static String shapeStr(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
