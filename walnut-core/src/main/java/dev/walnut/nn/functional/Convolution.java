package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import dev.walnut.internal.ConvolutionChoice;
import dev.walnut.ops.WindowOps;
import java.util.Arrays;

/**
 * Sliding-window ops like {@code torch.nn.functional}: {@code unfold}/{@code fold} (im2col and
 * its adjoint, the two primitives) and the convolutions built on them. A convolution unfolds
 * its input into columns and multiplies them by the reshaped weight with the blocked GEMM
 * ({@code matmul}); a transposed convolution multiplies the transposed weight by the input and
 * folds the columns. Both are composites, so their gradients (to any order) come from matmul's
 * and the primitives' rules. The common 2-d case (stride 1, no dilation, one group) runs the
 * {@code ConvolutionBackward0} primitive ({@code DirectConvolution}) instead, which never
 * writes the column matrix to memory; its gradients fall back to the same composites when the
 * backward is itself recorded, so every order still works. A strided one on a few input
 * channels (a CNN's first layer) runs that primitive too, on its input split into phases
 * ({@code PhaseSplitConvolution}).
 *
 * <p>Per-dim arguments ({@code int[]}) take one value per spatial dim, or a single value used
 * for every dim; {@code int} shorthands use the value for every dim. Inputs are batched
 * {@code [N, C, *spatial]} or, for the convolutions, unbatched {@code [C, *spatial]}.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(8, 3, 32, 32);
 * Tensor w = Tensor.randn(16, 3, 3, 3);
 * Tensor y = Convolution.conv2d(x, w, null, 1, 1, 1, 1);      // [8, 16, 32, 32]
 * Tensor z = Convolution.conv2d(x, w, null, new int[] {1}, "same", new int[] {2}, 1); // dilated, [8, 16, 32, 32]
 * Tensor cols = Convolution.unfold(x, 3, 1, 1, 1);             // [8, 27, 1024]
 * }</pre>
 */
public final class Convolution {
    private Convolution() {
    }

    // ------------------------------------------------------------------ unfold / fold

    /**
     * Extracts sliding windows: {@code [N, C, *spatial]} to {@code [N, C * prod(kernelSize), L]},
     * with L the number of window positions; the number of spatial dims (1 to 3) is
     * {@code kernelSize.length}. An input with one dim fewer is treated as unbatched
     * ({@code [C * prod(k), L]}), like PyTorch.
     */
    public static Tensor unfold(Tensor input, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        String op = "unfold";
        int nd = kernelSize.length;
        if (nd < 1 || nd > 3) {
            throw new IllegalArgumentException(op + ": expected 1 to 3 spatial dims in kernelSize, got "
                    + Arrays.toString(kernelSize));
        }
        int r = input.dim();
        if (r != nd + 1 && r != nd + 2) {
            throw new IllegalArgumentException(op + ": expected " + (nd + 1) + "-D (unbatched) or " + (nd + 2)
                    + "-D (batched) input for a " + nd + "-d kernel, but got input of size: " + shapeStr(input));
        }
        floatingPoint(op, "input", input);
        if (r == nd + 1) {
            return unfold(input.unsqueeze(0), kernelSize, dilation, padding, stride).squeeze(0);
        }
        int[] k = Args.positive(op, "kernelSize", kernelSize, nd);
        int[] d = Args.positive(op, "dilation", dilation, nd);
        int[] p = Args.nonNegative(op, "padding", padding, nd);
        int[] s = Args.positive(op, "stride", stride, nd);
        int[] size = spatial(input);
        int[] blocks = blocks(op, "input", size, k, d, p, s);
        return Im2Col.im2col(input, blocks, k, d, p, s);
    }

    /** 2-d {@link #unfold(Tensor, int[], int[], int[], int[])} with the same value for both dims. */
    public static Tensor unfold(Tensor input, int kernelSize, int dilation, int padding, int stride) {
        return unfold(input, new int[] {kernelSize, kernelSize}, new int[] {dilation}, new int[] {padding},
                new int[] {stride});
    }

    /** {@link #unfold(Tensor, int[], int[], int[], int[])} with dilation 1, padding 0, stride 1. */
    public static Tensor unfold(Tensor input, int[] kernelSize) {
        return unfold(input, kernelSize, new int[] {1}, new int[] {0}, new int[] {1});
    }

    /**
     * Sums sliding windows back into a tensor, the adjoint of {@link #unfold}:
     * {@code [N, C * prod(kernelSize), L]} to {@code [N, C, *outputSize]} (overlaps add up). L
     * must equal the number of window positions in {@code outputSize}. The number of spatial
     * dims is {@code outputSize.length}; a 2-D input is unbatched.
     */
    public static Tensor fold(Tensor input, int[] outputSize, int[] kernelSize, int[] dilation, int[] padding,
                              int[] stride) {
        String op = "fold";
        int nd = outputSize.length;
        if (nd < 1 || nd > 3) {
            throw new IllegalArgumentException(op + ": expected 1 to 3 spatial dims in outputSize, got "
                    + Arrays.toString(outputSize));
        }
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException(op + ": expected 2-D (unbatched) or 3-D (batched) input, but got input of size: "
                    + shapeStr(input));
        }
        floatingPoint(op, "input", input);
        if (input.dim() == 2) {
            return fold(input.unsqueeze(0), outputSize, kernelSize, dilation, padding, stride).squeeze(0);
        }
        int[] k = Args.positive(op, "kernelSize", kernelSize, nd);
        int[] d = Args.positive(op, "dilation", dilation, nd);
        int[] p = Args.nonNegative(op, "padding", padding, nd);
        int[] s = Args.positive(op, "stride", stride, nd);
        int[] out = Args.positive(op, "outputSize", outputSize, nd);
        int kv = 1;
        for (int x : k) {
            kv *= x;
        }
        long c = input.size(1);
        if (c % kv != 0) {
            throw new IllegalArgumentException(op + ": expected size of input's dimension 1 to be divisible by the "
                    + "product of kernelSize, but got input.size(1)=" + c + " and kernelSize=" + Arrays.toString(k));
        }
        int[] blocks = blocks(op, "outputSize", out, k, d, p, s);
        long l = 1;
        for (int b : blocks) {
            l *= b;
        }
        if (input.size(2) != l) {
            throw new IllegalArgumentException(op + ": given outputSize=" + Arrays.toString(out) + ", kernelSize="
                    + Arrays.toString(k) + ", dilation=" + Arrays.toString(d) + ", padding=" + Arrays.toString(p)
                    + ", stride=" + Arrays.toString(s) + ", expected size of input's dimension 2 to match the "
                    + "calculated number of sliding blocks " + Arrays.toString(blocks) + " = " + l
                    + ", but got input.size(2)=" + input.size(2));
        }
        return Im2Col.col2im(input, out, blocks, k, d, p, s);
    }

    /** 2-d {@link #fold(Tensor, int[], int[], int[], int[], int[])} with the same value for both dims. */
    public static Tensor fold(Tensor input, int[] outputSize, int kernelSize, int dilation, int padding, int stride) {
        return fold(input, outputSize, new int[] {kernelSize}, new int[] {dilation}, new int[] {padding},
                new int[] {stride});
    }

    // ------------------------------------------------------------------ convolution

    /** 1-d convolution, stride 1, no padding, dilation 1, one group. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias) {
        return conv("conv1d", 1, input, weight, bias, ONE, ZERO, null, ONE, 1);
    }

    /** 1-d convolution over {@code [N, C_in, L]} (or {@code [C_in, L]}) with weight {@code [C_out, C_in/groups, k]}. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation,
                                int groups) {
        return conv("conv1d", 1, input, weight, bias, new int[] {stride}, new int[] {padding}, null,
                new int[] {dilation}, groups);
    }

    /**
     * 1-d convolution with one-element arrays, as PyTorch accepts {@code stride=(2,)}: every
     * conv and pool function has an {@code int[]} form (one value per spatial dim, or one for all)
     * next to its plain-{@code int} form.
     */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return conv("conv1d", 1, input, weight, bias, stride, padding, null, dilation, groups);
    }

    /** 1-d convolution with {@code padding} "same" or "valid". */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, String padding, int dilation,
                                int groups) {
        return conv("conv1d", 1, input, weight, bias, new int[] {stride}, null, padding, new int[] {dilation}, groups);
    }

    /** 2-d convolution, stride 1, no padding, dilation 1, one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return conv("conv2d", 2, input, weight, bias, ONE, ZERO, null, ONE, 1);
    }

    /** 2-d convolution with the same stride, padding and dilation for both dims. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation,
                                int groups) {
        return conv("conv2d", 2, input, weight, bias, new int[] {stride}, new int[] {padding}, null,
                new int[] {dilation}, groups);
    }

    /**
     * 2-d convolution over {@code [N, C_in, H, W]} (or {@code [C_in, H, W]}) with weight
     * {@code [C_out, C_in/groups, kH, kW]} and optional bias {@code [C_out]}; {@code groups ==
     * C_in == C_out} is depthwise. Output {@code [N, C_out, H_out, W_out]} with
     * {@code H_out = (H + 2 padding - dilation (kH - 1) - 1) / stride + 1}.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return conv("conv2d", 2, input, weight, bias, stride, padding, null, dilation, groups);
    }

    /**
     * 2-d convolution with {@code padding} "valid" (none) or "same" (output size = input size;
     * needs stride 1; when the total padding {@code dilation (k - 1)} is odd the extra zero goes
     * on the right/bottom, like PyTorch).
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return conv("conv2d", 2, input, weight, bias, stride, null, padding, dilation, groups);
    }

    /** 2-d convolution with a padding string and the same stride and dilation for both dims. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, String padding, int dilation,
                                int groups) {
        return conv("conv2d", 2, input, weight, bias, new int[] {stride}, null, padding, new int[] {dilation}, groups);
    }

    /** 3-d convolution, stride 1, no padding, dilation 1, one group. */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias) {
        return conv("conv3d", 3, input, weight, bias, ONE, ZERO, null, ONE, 1);
    }

    /** 3-d convolution over {@code [N, C_in, D, H, W]} with weight {@code [C_out, C_in/groups, kD, kH, kW]}. */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return conv("conv3d", 3, input, weight, bias, stride, padding, null, dilation, groups);
    }

    /** 3-d convolution with {@code padding} "same" or "valid". */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                int groups) {
        return conv("conv3d", 3, input, weight, bias, stride, null, padding, dilation, groups);
    }

    /** 3-d convolution with the same stride, padding and dilation for every dim. */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation,
                                int groups) {
        return conv("conv3d", 3, input, weight, bias, new int[] {stride}, new int[] {padding}, null,
                new int[] {dilation}, groups);
    }

    // ------------------------------------------------------------------ transposed convolution

    /** 1-d transposed convolution, stride 1, no padding, one group. */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias) {
        return convTranspose("convTranspose1d", 1, input, weight, bias, ONE, ZERO, ZERO, 1, ONE);
    }

    /**
     * 1-d transposed convolution (the gradient of conv1d with respect to its input) over
     * {@code [N, C_in, L]} with weight {@code [C_in, C_out/groups, k]}; arguments in PyTorch's
     * order. Output length {@code (L - 1) stride - 2 padding + dilation (k - 1) + outputPadding + 1}.
     */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding,
                                         int outputPadding, int groups, int dilation) {
        return convTranspose("convTranspose1d", 1, input, weight, bias, new int[] {stride}, new int[] {padding},
                new int[] {outputPadding}, groups, new int[] {dilation});
    }

    /** {@link #convTranspose1d(Tensor, Tensor, Tensor, int, int, int, int, int)} with one-element arrays. */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return convTranspose("convTranspose1d", 1, input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** 2-d transposed convolution, stride 1, no padding, one group. */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias) {
        return convTranspose("convTranspose2d", 2, input, weight, bias, ONE, ZERO, ZERO, 1, ONE);
    }

    /** 2-d transposed convolution with the same stride, padding, output padding and dilation for both dims. */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding,
                                         int outputPadding, int groups, int dilation) {
        return convTranspose("convTranspose2d", 2, input, weight, bias, new int[] {stride}, new int[] {padding},
                new int[] {outputPadding}, groups, new int[] {dilation});
    }

    /**
     * 2-d transposed convolution over {@code [N, C_in, H, W]} with weight
     * {@code [C_in, C_out/groups, kH, kW]}; {@code outputPadding} (smaller than stride or
     * dilation) adds rows/columns on one side to pick among the input sizes a strided conv2d maps
     * to the same output size.
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return convTranspose("convTranspose2d", 2, input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** 3-d transposed convolution over {@code [N, C_in, D, H, W]} with weight {@code [C_in, C_out/groups, kD, kH, kW]}. */
    public static Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return convTranspose("convTranspose3d", 3, input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    // ------------------------------------------------------------------ implementation

    private static final int[] ONE = {1};
    private static final int[] ZERO = {0};

    private static Tensor conv(String op, int nd, Tensor input, Tensor weight, Tensor bias, int[] stride,
                               int[] padding, String paddingMode, int[] dilation, int groups) {
        int r = input.dim();
        if (r != nd + 1 && r != nd + 2) {
            throw new IllegalArgumentException(op + ": expected " + (nd + 1) + "D (unbatched) or " + (nd + 2)
                    + "D (batched) input, but got input of size: " + shapeStr(input));
        }
        if (r == nd + 1) {
            return conv(op, nd, input.unsqueeze(0), weight, bias, stride, padding, paddingMode, dilation, groups)
                    .squeeze(0);
        }
        if (weight.dim() != nd + 2) {
            throw new IllegalArgumentException(op + ": expected weight to be " + (nd + 2)
                    + "-D [out_channels, in_channels/groups, *kernel], but got weight of size " + shapeStr(weight));
        }
        checkTypes(op, input, weight, bias);
        if (groups <= 0) {
            throw new IllegalArgumentException(op + ": non-positive groups is not supported, got groups=" + groups);
        }
        int[] s = Args.positive(op, "stride", stride, nd);
        int[] d = Args.positive(op, "dilation", dilation, nd);
        int[] k = new int[nd];
        for (int i = 0; i < nd; i++) {
            k[i] = (int) weight.size(i + 2);
            if (k[i] <= 0) {
                throw new IllegalArgumentException(op + ": non-positive kernel size in weight of size " + shapeStr(weight));
            }
        }
        long cOut = weight.size(0);
        long cIn = input.size(1);
        if (cOut % groups != 0 || cOut < groups) {
            throw new IllegalArgumentException(op + ": given groups=" + groups + ", expected weight to be divisible by "
                    + groups + " at dimension 0, but got weight of size " + shapeStr(weight) + " instead");
        }
        if (cIn != weight.size(1) * groups) {
            throw new IllegalArgumentException(op + ": given groups=" + groups + ", weight of size " + shapeStr(weight)
                    + ", expected input" + shapeStr(input) + " to have " + weight.size(1) * groups
                    + " channels, but got " + cIn + " channels instead");
        }
        checkBias(op, bias, cOut, weight);
        int[] p;
        if (paddingMode == null) {
            p = Args.nonNegative(op, "padding", padding, nd);
        } else if (paddingMode.equals("valid")) {
            p = new int[nd];
        } else if (paddingMode.equals("same")) {
            for (int v : s) {
                if (v != 1) {
                    throw new IllegalArgumentException(op + ": padding='same' is not supported for strided convolutions, got stride="
                            + Arrays.toString(s));
                }
            }
            // Total padding dilation*(k-1) per dim; the odd zero goes on the far side (PyTorch's rule),
            // applied as an explicit pad before a symmetric convolution.
            p = new int[nd];
            long[] extra = new long[2 * nd];
            boolean asymmetric = false;
            for (int i = 0; i < nd; i++) {
                int total = d[i] * (k[i] - 1);
                p[i] = total / 2;
                int far = total - 2 * p[i];
                extra[2 * (nd - 1 - i) + 1] = far;
                asymmetric |= far != 0;
            }
            if (asymmetric) {
                input = input.pad(extra);
            }
        } else {
            throw new IllegalArgumentException(op + ": invalid padding string '" + paddingMode
                    + "', should be one of {'valid', 'same'}");
        }
        int[] size = spatial(input);
        int[] blocks = blocks(op, "input", size, k, d, p, s);
        long n = input.size(0);
        long l = 1;
        for (int b : blocks) {
            l *= b;
        }
        long ck = weight.numel() / cOut; // (C_in / groups) * prod(k)
        if (nd == 2 && groups > 1 && groups == cIn) {
            // Depthwise: its own primitive, far faster than C products of depth kH * kW.
            var window = new WindowOps.DepthwiseWindow(s[0], s[1], p[0], p[1], d[0], d[1]);
            return bias == null ? Dispatcher.call(WindowOps.DEPTHWISE_CONV2D, window, input, weight)
                    : Dispatcher.call(WindowOps.DEPTHWISE_CONV2D, window, input, weight, bias);
        }
        // The compiler's max-autotune traces once per choice; a choice that does not apply here
        // leaves this convolution to the heuristic.
        ConvolutionChoice choice = ConvolutionChoice.current();
        boolean directApplies = nd == 2 && groups == 1 && s[0] == 1 && s[1] == 1 && d[0] == 1 && d[1] == 1;
        boolean stackedApplies = nd == 2 && groups == 1 && s[0] == 1 && n > 1;
        boolean heuristic = choice == ConvolutionChoice.AUTO || choice == ConvolutionChoice.DIRECT && !directApplies
                || choice == ConvolutionChoice.STACKED && !stackedApplies;
        if (directApplies && (choice == ConvolutionChoice.DIRECT
                || heuristic && DirectConvolution.suits(cIn, cOut, size[0] + 2 * p[0], size[1] + 2 * p[1], k[0], k[1]))) {
            Tensor x = p[0] > 0 || p[1] > 0 ? input.pad(p[1], p[1], p[0], p[0]) : input;
            return DirectConvolution.conv2d(x, weight, bias);
        }
        if (heuristic && nd == 2 && groups == 1 && d[0] == 1 && d[1] == 1 && (s[0] > 1 || s[1] > 1)
                && Kernels.get().stridedConvolutionPays(input.dtype(), cIn, cOut, s[0], s[1], k[0], k[1])) {
            // One primitive the back end runs channel-blocked, instead of im2col's copy of every window and a GEMM.
            Tensor x = p[0] > 0 || p[1] > 0 ? input.pad(p[1], p[1], p[0], p[0]) : input;
            var strides = new WindowOps.Stride(s[0], s[1]);
            return bias == null ? Dispatcher.call(WindowOps.STRIDED_CONVOLUTION, strides, x, weight)
                    : Dispatcher.call(WindowOps.STRIDED_CONVOLUTION, strides, x, weight, bias);
        }
        if (heuristic && nd == 2 && groups == 1 && d[0] == 1 && d[1] == 1 && PhaseSplitConvolution.suits(cIn, cOut, s, k)) {
            return PhaseSplitConvolution.conv2d(input, weight, bias, s, p, blocks);
        }
        if (stackedApplies && (choice == ConvolutionChoice.STACKED || heuristic && ck >= cOut)) {
            Tensor out = stackedConv2d(input, weight, p, k, d, s, blocks, cOut, ck);
            return bias == null ? out : out.add(bias.reshape(biasShape(cOut, nd)));
        }
        Tensor cols = Im2Col.im2col(input, blocks, k, d, p, s); // [N, C_in * prod(k), L]
        Tensor out;
        if (groups == 1) {
            out = weight.reshape(cOut, ck).matmul(cols); // [N, C_out, L]
        } else {
            Tensor w = weight.reshape(groups, cOut / groups, ck);
            out = w.matmul(cols.view(n, groups, ck, l)).reshape(n, cOut, l);
        }
        long[] outShape = new long[nd + 2];
        outShape[0] = n;
        outShape[1] = cOut;
        for (int i = 0; i < nd; i++) {
            outShape[i + 2] = blocks[i];
        }
        out = out.reshape(outShape);
        return bias == null ? out : out.add(bias.reshape(biasShape(cOut, nd)));
    }

    /**
     * 2-d convolution as one GEMM over the whole batch instead of N small ones: the (padded)
     * images are stacked along the height into a single [C_in, N*H, W] plane, so one im2col gives
     * [C_in*kH*kW, R*W_out] columns (R = N*H - span + 1 window rows) and
     * {@code W[C_out, C_in*kH*kW] x cols} is a single wide product; its input-gradient and
     * weight-gradient products are single wide GEMMs too (the per-item GEMMs of the CNN benchmark's
     * conv2, [64, 288] x [288, 121], ran at under half the speed of the stacked one). Windows that
     * straddle two images (span - 1 of every H rows) are computed and dropped: 18% extra work for
     * 13x13 images and a 3x3 kernel, far less than the gain. Needs a row stride of 1 so that every
     * image's windows start on the stacked grid. The output comes back through a pad, a narrow and
     * a transposing copy (and those again in backward), which only pays when the product's depth
     * C_in*kH*kW is at least C_out: the benchmark's conv2 (288 vs 64) went from 15.6 to 10.4 ms
     * forward+backward on 2 threads (16.2 vs 15.5 ms on 1), while its conv1 (9 vs 32) got 70%
     * slower and keeps the per-item path. Built from differentiable ops, so every order of
     * gradient follows. Stride-1 undilated convolutions now run {@code DirectConvolution}
     * (which keeps the batch-wide GEMM without writing the columns to memory); this path remains
     * for a column stride or a dilation.
     */
    private static Tensor stackedConv2d(Tensor input, Tensor weight, int[] p, int[] k, int[] d, int[] s,
                                        int[] blocks, long cOut, long ck) {
        long n = input.size(0);
        long cIn = input.size(1);
        Tensor x = p[0] > 0 || p[1] > 0 ? input.pad(p[1], p[1], p[0], p[0]) : input;
        long h = x.size(2);
        long w = x.size(3);
        Tensor stacked = x.transpose(0, 1).reshape(1, cIn, n * h, w);
        int span = d[0] * (k[0] - 1) + 1;
        int rows = (int) (n * h - span + 1);
        int[] grid = {rows, blocks[1]};
        Tensor cols = Im2Col.im2col(stacked, grid, k, d, new int[2], s).reshape(ck, (long) rows * blocks[1]);
        Tensor out = weight.reshape(cOut, ck).matmul(cols).reshape(cOut, rows, blocks[1]);
        if (span > 1) {
            out = out.pad(0, 0, 0, span - 1); // back to N*H rows, so that rows split per image
        }
        return out.reshape(cOut, n, h, blocks[1]).narrow(2, 0, blocks[0]).transpose(0, 1).contiguous();
    }

    private static Tensor convTranspose(String op, int nd, Tensor input, Tensor weight, Tensor bias, int[] stride,
                                        int[] padding, int[] outputPadding, int groups, int[] dilation) {
        int r = input.dim();
        if (r != nd + 1 && r != nd + 2) {
            throw new IllegalArgumentException(op + ": expected " + (nd + 1) + "D (unbatched) or " + (nd + 2)
                    + "D (batched) input, but got input of size: " + shapeStr(input));
        }
        if (r == nd + 1) {
            return convTranspose(op, nd, input.unsqueeze(0), weight, bias, stride, padding, outputPadding, groups,
                    dilation).squeeze(0);
        }
        if (weight.dim() != nd + 2) {
            throw new IllegalArgumentException(op + ": expected weight to be " + (nd + 2)
                    + "-D [in_channels, out_channels/groups, *kernel], but got weight of size " + shapeStr(weight));
        }
        checkTypes(op, input, weight, bias);
        if (groups <= 0) {
            throw new IllegalArgumentException(op + ": non-positive groups is not supported, got groups=" + groups);
        }
        int[] s = Args.positive(op, "stride", stride, nd);
        int[] d = Args.positive(op, "dilation", dilation, nd);
        int[] p = Args.nonNegative(op, "padding", padding, nd);
        int[] op2 = Args.nonNegative(op, "outputPadding", outputPadding, nd);
        int[] k = new int[nd];
        for (int i = 0; i < nd; i++) {
            k[i] = (int) weight.size(i + 2);
            if (k[i] <= 0) {
                throw new IllegalArgumentException(op + ": non-positive kernel size in weight of size " + shapeStr(weight));
            }
            if (op2[i] >= s[i] && op2[i] >= d[i]) {
                throw new IllegalArgumentException(op + ": outputPadding must be smaller than either stride or dilation, "
                        + "but got outputPadding=" + Arrays.toString(op2) + ", stride=" + Arrays.toString(s)
                        + ", dilation=" + Arrays.toString(d));
            }
        }
        long cIn = input.size(1);
        if (cIn != weight.size(0)) {
            throw new IllegalArgumentException(op + ": given transposed weight of size " + shapeStr(weight)
                    + ", expected input" + shapeStr(input) + " to have " + weight.size(0) + " channels, but got "
                    + cIn + " channels instead");
        }
        if (cIn % groups != 0) {
            throw new IllegalArgumentException(op + ": given groups=" + groups + ", expected weight to be divisible by "
                    + groups + " at dimension 0, but got weight of size " + shapeStr(weight) + " instead");
        }
        long cOut = weight.size(1) * groups;
        checkBias(op, bias, cOut, weight);
        int[] size = spatial(input);
        int[] outSize = new int[nd];
        for (int i = 0; i < nd; i++) {
            outSize[i] = (size[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op2[i] + 1;
            if (outSize[i] <= 0) {
                throw new IllegalArgumentException(op + ": given input of size " + shapeStr(input) + ", weight of size "
                        + shapeStr(weight) + ", stride=" + Arrays.toString(s) + ", padding=" + Arrays.toString(p)
                        + ", dilation=" + Arrays.toString(d) + ", outputPadding=" + Arrays.toString(op2)
                        + ": the calculated output size " + Arrays.toString(outSize) + " is too small; reduce padding");
            }
        }
        long n = input.size(0);
        long l = 1;
        for (int v : size) {
            l *= v;
        }
        long cinG = cIn / groups;
        long coutK = weight.numel() / cIn; // (C_out / groups) * prod(k)
        Tensor x = input.reshape(n, groups, cinG, l);
        // cols[n, g] = W_g^T x[n, g]: [C_out/groups * prod(k), L] per group.
        Tensor wt = weight.reshape(groups, cinG, coutK).transpose(-1, -2);
        Tensor cols = wt.matmul(x).reshape(n, groups * coutK, l);
        // The window grid is the input's own size (with outputPadding >= stride the output's
        // derived grid would be larger), so the primitive is called with it directly.
        Tensor out = Im2Col.col2im(cols, outSize, size, k, d, p, s);
        return bias == null ? out : out.add(bias.reshape(biasShape(cOut, nd)));
    }

    private static long[] biasShape(long c, int nd) {
        long[] shape = new long[nd + 1];
        Arrays.fill(shape, 1);
        shape[0] = c;
        return shape;
    }

    private static void checkTypes(String op, Tensor input, Tensor weight, Tensor bias) {
        floatingPoint(op, "input", input);
        if (weight.dtype() != input.dtype()) {
            throw new IllegalArgumentException(op + ": input type (" + input.dtype() + ") and weight type ("
                    + weight.dtype() + ") should be the same");
        }
        if (bias != null && bias.dtype() != input.dtype()) {
            throw new IllegalArgumentException(op + ": input type (" + input.dtype() + ") and bias type ("
                    + bias.dtype() + ") should be the same");
        }
    }

    private static void checkBias(String op, Tensor bias, long cOut, Tensor weight) {
        if (bias != null && (bias.dim() != 1 || bias.size(0) != cOut)) {
            throw new IllegalArgumentException(op + ": given weight of size " + shapeStr(weight)
                    + ", expected bias to be 1-dimensional with " + cOut + " elements, but got bias of size "
                    + shapeStr(bias) + " instead");
        }
    }

    private static void floatingPoint(String op, String what, Tensor t) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.F64) {
            throw new IllegalArgumentException(op + ": expected a floating-point (F32 or F64) " + what + ", got "
                    + t.dtype() + "; convert with to(DType.F32)");
        }
    }

    /** Window positions per dim; an error naming the op and the sizes when a dim has none. */
    private static int[] blocks(String op, String what, int[] size, int[] k, int[] d, int[] p, int[] s) {
        int nd = size.length;
        int[] b = new int[nd];
        for (int i = 0; i < nd; i++) {
            int span = d[i] * (k[i] - 1) + 1;
            int padded = size[i] + 2 * p[i];
            if (padded < span) {
                int[] pad = new int[nd];
                int[] eff = new int[nd];
                for (int j = 0; j < nd; j++) {
                    pad[j] = size[j] + 2 * p[j];
                    eff[j] = d[j] * (k[j] - 1) + 1;
                }
                throw new IllegalArgumentException(op + ": calculated padded " + what + " size per channel: "
                        + dims(pad) + ". Kernel size: " + dims(eff) + ". Kernel size can't be greater than actual "
                        + what + " size (kernelSize=" + Arrays.toString(k) + ", dilation=" + Arrays.toString(d)
                        + ", padding=" + Arrays.toString(p) + ")");
            }
            b[i] = (padded - span) / s[i] + 1;
        }
        return b;
    }

    private static String dims(int[] v) {
        var sb = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : " x ").append(v[i]);
        }
        return sb.append(')').toString();
    }

    private static int[] spatial(Tensor t) {
        int[] s = new int[t.dim() - 2];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) t.size(i + 2);
        }
        return s;
    }

    private static String shapeStr(Tensor t) {
        return Arrays.toString(t.shape());
    }
}
