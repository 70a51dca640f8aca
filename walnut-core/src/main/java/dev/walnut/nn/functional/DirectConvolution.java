package dev.walnut.nn.functional;

import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import dev.walnut.ops.NoAttrs;
import dev.walnut.ops.WindowOps;

/**
 * Routing to the 2-d convolution primitive without im2col ({@link WindowOps#CONVOLUTION},
 * {@code ConvolutionBackward0}; its kernels are in the CPU back end): stride 1,
 * dilation 1, no padding (the caller pads), one group. Two engines:
 * <ul>
 *   <li>a small product depth {@code C_in * kH * kW} (below {@code C_out}, at most
 *       27: a first layer on 1 or 3 channels), or up to 16 input channels at a depth up to 256
 *       with at least 16 output channels (a strided first layer split into phases, see
 *       {@link PhaseSplitConvolution}), runs the direct kernels of
 *       {@code DirectConvKernels}, SIMD along the output rows, for the output and the weight
 *       gradient; im2col would copy the input once per tap for GEMMs too shallow to be
 *       efficient, and the weight gradient was one tiny product per batch item;</li>
 *   <li>otherwise {@code ShiftedGemmConvKernels}: blocks of the batch's positions, each a panel
 *       of shifted input rows that stays in cache and one GEMM, for the output and the input
 *       gradient, so the column matrix ({@code C_in*kH*kW} times the positions: 10 MB for the
 *       CNN benchmark's conv2) is never written to memory or folded back; the weight gradient
 *       unfolds once for a single GEMM.</li>
 * </ul>
 *
 * <p>Gradient rule: the primitives {@code convolutionInputGrad}, {@code convolutionWeightGrad}
 * and {@code convolutionBiasGrad}, each with reverse and forward rules of its own, so a recorded
 * (create-graph) or traced (compiled train step) backward runs the same kernels as the eager
 * one and every order of gradient follows. They run the kernels above where exact: the shifted
 * GEMMs of the input gradient add zero times weights at positions that are not windows, exact
 * only for finite weights, so a non-finite weight takes {@code col2im(W^T g)} instead; a
 * non-finite input for the direct weight gradient, whose masked tail lanes multiply inputs by
 * zero, takes {@code sum_n g_n im2col(x)_n^T}. The bias gradient sums g.
 * The input gradient is only computed when the input requires grad.
 */
final class DirectConvolution {
    private DirectConvolution() {
    }

    /**
     * Whether a stride-1, undilated, ungrouped conv of this size should run here: always for the
     * direct engine; for the shifted GEMMs only while the full grid holds at most twice as many
     * positions as there are windows (3x3 on 13 x 13: 1.4), since the extra positions cost
     * GEMM work.
     */
    static boolean suits(long cIn, long cOut, int h, int w, int kh, int kw) {
        return Kernels.get().stride1ConvolutionPays(cIn, cOut, h, w, kh, kw);
    }

    /** {@code [N, C_in, H, W] * [C_out, C_in, kH, kW] (+ [C_out])} to {@code [N, C_out, H - kH + 1, W - kW + 1]}. */
    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return bias == null ? Dispatcher.call(WindowOps.CONVOLUTION, NoAttrs.NONE, input, weight)
                : Dispatcher.call(WindowOps.CONVOLUTION, NoAttrs.NONE, input, weight, bias);
    }
}
