package dev.walnut.nn.functional;

import dev.walnut.Tensor;
import dev.walnut.internal.Kernels;

/**
 * A strided 2-d convolution on a few input channels (the first layer of a CNN: ResNet's 7x7 and
 * MobileNet's 3x3, stride 2, on RGB) as the stride-1 primitive of {@link DirectConvolution} on
 * its phase-split input: with strides {@code (sH, sW)}, the padded input's {@code sH * sW}
 * phases (the rows {@code pa, pa + sH, ...} and the columns {@code pb, pb + sW, ...}) become
 * channels, {@code [N, C, H, W] -> [N, C sH sW, H / sH, W / sW]}, and the weight's taps split
 * the same way into a {@code ceil(kH / sH) x ceil(kW / sW)} kernel per phase, zero where a phase
 * has fewer taps. Output {@code (i, j)} then reads exactly the inputs of its strided window. The
 * direct kernels skip a tap that is zero for every output channel, so the zero taps cost
 * nothing and multiply nothing outside the true windows (a non-finite input there stays out of
 * the output, as with im2col). Before, these layers ran im2col and a product only 27 (147) deep,
 * then the bias and the activation as passes of their own; the direct kernel stores the
 * activation with the output. Built from differentiable ops (pad, reshape, permute) around the
 * primitive, so every order of gradient follows and the bias, weight and input gradients are
 * the primitive's.
 *
 * <pre>{@code
 * // x [1, 3, 224, 224], w [32, 3, 3, 3], stride 2, padding 1
 * // -> convolution([1, 12, 113, 113], [32, 12, 2, 2]) = [1, 32, 112, 112]
 * }</pre>
 */
final class PhaseSplitConvolution {
    private PhaseSplitConvolution() {
    }

    /** Whether a strided, undilated, ungrouped convolution of this size should run phase-split (the back end's call). */
    static boolean suits(long cIn, long cOut, int[] stride, int[] k) {
        return (stride[0] > 1 || stride[1] > 1)
                && Kernels.get().phaseSplitConvolutionPays(cIn, cOut, stride[0], stride[1], k[0], k[1]);
    }

    /** {@code conv2d(input, weight, bias)} with {@code stride}, {@code pad} and output size {@code blocks}. */
    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] pad, int[] blocks) {
        long n = input.size(0);
        long c = input.size(1);
        long cOut = weight.size(0);
        int sh = stride[0];
        int sw = stride[1];
        int kh = (int) weight.size(2);
        int kw = (int) weight.size(3);
        int qh = (kh + sh - 1) / sh;
        int qw = (kw + sw - 1) / sw;
        // Exactly the phase rows and columns the stride-1 convolution reads for blocks outputs:
        // zeros past the padded input's end, the rest cropped (no window reaches it).
        long hq = blocks[0] + qh - 1;
        long wq = blocks[1] + qw - 1;
        long h = input.size(2) + 2L * pad[0];
        long w = input.size(3) + 2L * pad[1];
        Tensor x = input.pad(pad[1], pad[1] + Math.max(0, sw * wq - w), pad[0], pad[0] + Math.max(0, sh * hq - h));
        if (x.size(2) > sh * hq) {
            x = x.narrow(2, 0, sh * hq);
        }
        if (x.size(3) > sw * wq) {
            x = x.narrow(3, 0, sw * wq);
        }
        // contiguous() then view(), not reshape(): the same copy, but as a clone node, which a
        // compiled graph's arena runs into a buffer it keeps (a reshape that copies allocates its
        // output on every call, and at batch 8 that is 5 MB per call for ResNet's stem).
        x = x.reshape(n, c, hq, sh, wq, sw).permute(0, 1, 3, 5, 2, 4).contiguous().view(n, c * sh * sw, hq, wq);
        Tensor wp = weight.pad(0, qw * sw - kw, 0, qh * sh - kh).reshape(cOut, c, qh, sh, qw, sw)
                .permute(0, 1, 3, 5, 2, 4).contiguous().view(cOut, c * sh * sw, qh, qw);
        return DirectConvolution.conv2d(x, wp, bias);
    }
}
