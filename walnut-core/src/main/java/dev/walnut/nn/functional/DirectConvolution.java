package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.Node;
import dev.walnut.backend.cpu.DirectConvKernels;
import dev.walnut.backend.cpu.ShiftedGemmConvKernels;
import dev.walnut.internal.TensorInternals;
import java.util.Arrays;

/**
 * The 2-d convolution primitive without im2col ({@code ConvolutionBackward0}): stride 1,
 * dilation 1, no padding (the caller pads), one group. Two engines:
 * <ul>
 *   <li>a small product depth {@code C_in * kH * kW} (below {@code C_out}, at most
 *       {@link #DIRECT_MAX_DEPTH}: a first layer on 1 or 3 channels) runs the direct kernels of
 *       {@link DirectConvKernels}, SIMD along the output rows, for the output and the weight
 *       gradient; im2col would copy the input once per tap for GEMMs too shallow to be
 *       efficient, and the weight gradient was one tiny product per batch item;</li>
 *   <li>otherwise {@link ShiftedGemmConvKernels}: blocks of the batch's positions, each a panel
 *       of shifted input rows that stays in cache and one GEMM, for the output and the input
 *       gradient, so the column matrix ({@code C_in*kH*kW} times the positions: 10 MB for the
 *       CNN benchmark's conv2) is never written to memory or folded back; the weight gradient
 *       unfolds once for a single GEMM.</li>
 * </ul>
 *
 * <p>Gradient rule: when the backward is itself recorded (create-graph), the composites
 * {@code col2im(W^T g)} for the input and {@code sum_n g_n im2col(x)_n^T} for the weight, so
 * every order of gradient follows from matmul's and the im2col primitives' rules. Otherwise the
 * kernels above, where exact: the shifted GEMMs of the input gradient add zero times weights at
 * positions that are not windows, exact only for finite weights, so a non-finite weight takes
 * the composite instead; so does a non-finite input for the direct weight gradient, whose
 * masked tail lanes multiply inputs by zero. The bias gradient sums g.
 * The input gradient is only computed when the input requires grad.
 */
final class DirectConvolution {
    /** Largest product depth C_in * kH * kW (also below C_out) for the direct kernels. */
    static final int DIRECT_MAX_DEPTH = 27;

    private static final int[] UNIT = {1, 1};
    private static final int[] ZERO = {0, 0};

    private DirectConvolution() {
    }

    /**
     * Whether a stride-1, undilated, ungrouped conv of this size should run here: always for the
     * direct engine; for the shifted GEMMs only while the full grid holds at most twice as many
     * positions as there are windows (3x3 on 13 x 13: 1.4), since the extra positions cost
     * GEMM work.
     */
    static boolean suits(long cIn, long cOut, int h, int w, int kh, int kw) {
        long ck = cIn * kh * kw;
        if (ck < cOut && ck <= DIRECT_MAX_DEPTH) {
            return true;
        }
        long windows = (long) (h - kh + 1) * (w - kw + 1);
        return (long) h * w <= 2 * windows;
    }

    /** {@code [N, C_in, H, W] * [C_out, C_in, kH, kW] (+ [C_out])} to {@code [N, C_out, H - kH + 1, W - kW + 1]}. */
    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        TensorInternals ti = TensorInternals.get();
        Tensor x = input.contiguous();
        int[] xs = ti.shape(x).clone();
        int[] ws = ti.shape(weight).clone();
        int n = xs[0];
        int cIn = xs[1];
        int h = xs[2];
        int w = xs[3];
        int cOut = ws[0];
        int kh = ws[2];
        int kw = ws[3];
        int oh = h - kh + 1;
        int ow = w - kw + 1;
        int ck = cIn * kh * kw;
        boolean direct = ck < cOut && ck <= DIRECT_MAX_DEPTH;
        boolean f64 = x.dtype() == DType.F64;
        Object out = f64 ? new double[n * cOut * oh * ow] : new float[n * cOut * oh * ow];
        Object wd = dense(weight);
        Object bd = bias == null ? null : dense(bias);
        if (direct) {
            DirectConvKernels.forward(ti.data(x), ti.offset(x), wd, bd, out, n, cIn, h, w, cOut, kh, kw);
        } else {
            ShiftedGemmConvKernels.forward(ti.data(x), ti.offset(x), wd, bd, out, n, cIn, h, w, cOut, kh, kw);
        }
        long[] outShape = {n, cOut, oh, ow};
        Tensor result = f64 ? Tensor.wrap((double[]) out, outShape) : Tensor.wrap((float[]) out, outShape);
        Tensor[] inputs = bias == null ? new Tensor[] {input, weight} : new Tensor[] {input, weight, bias};
        Node.record("ConvolutionBackward0", (nd, g) -> {
            Tensor xSaved = nd.saved(0);
            Tensor wSaved = nd.saved(1);
            Tensor gy = g[0];
            Tensor[] grads = new Tensor[inputs.length];
            int[] k = {kh, kw};
            int[] blocks = {oh, ow};
            boolean recorded = Autograd.isGradEnabled();
            if (nd.needsInputGrad(0)) {
                Object wv = recorded ? null : dense(wSaved);
                if (wv != null && ShiftedGemmConvKernels.allFinite(wv, 0, cOut * ck)) {
                    Tensor gc = gy.contiguous();
                    Object dx = f64 ? new double[n * cIn * h * w] : new float[n * cIn * h * w];
                    ShiftedGemmConvKernels.inputGrad(ti.data(gc), ti.offset(gc), wv, dx, n, cIn, h, w, cOut, kh, kw);
                    long[] shape = {n, cIn, h, w};
                    grads[0] = f64 ? Tensor.wrap((double[]) dx, shape) : Tensor.wrap((float[]) dx, shape);
                } else {
                    Tensor cols = wSaved.reshape(cOut, ck).t().matmul(gy.reshape(n, cOut, (long) oh * ow));
                    grads[0] = Im2Col.col2im(cols, new int[] {h, w}, blocks, k, UNIT, ZERO, UNIT);
                }
            }
            if (nd.needsInputGrad(1)) {
                Tensor xc = recorded ? null : xSaved.contiguous();
                if (xc != null && (!direct || ShiftedGemmConvKernels.allFinite(ti.data(xc), ti.offset(xc), n * cIn * h * w))) {
                    Tensor gc = gy.contiguous();
                    Object gw = f64 ? new double[cOut * ck] : new float[cOut * ck];
                    if (direct) {
                        DirectConvKernels.weightGrad(ti.data(xc), ti.offset(xc), ti.data(gc), ti.offset(gc), gw, n, cIn,
                                h, w, cOut, kh, kw);
                    } else {
                        ShiftedGemmConvKernels.weightGrad(ti.data(xc), ti.offset(xc), ti.data(gc), ti.offset(gc), gw, n,
                                cIn, h, w, cOut, kh, kw);
                    }
                    long[] shape = {cOut, cIn, kh, kw};
                    grads[1] = f64 ? Tensor.wrap((double[]) gw, shape) : Tensor.wrap((float[]) gw, shape);
                } else {
                    grads[1] = gy.reshape(n, cOut, (long) oh * ow)
                            .matmul(Im2Col.im2col(xSaved, blocks, k, UNIT, ZERO, UNIT).transpose(1, 2))
                            .sum(0).reshape(cOut, cIn, kh, kw);
                }
            }
            if (inputs.length == 3 && nd.needsInputGrad(2)) {
                if (recorded) {
                    grads[2] = gy.sum(0, 2, 3);
                } else {
                    Tensor gc = gy.contiguous();
                    Object gb = f64 ? new double[cOut] : new float[cOut];
                    ShiftedGemmConvKernels.biasGrad(ti.data(gc), ti.offset(gc), gb, n, cOut, oh * ow);
                    grads[2] = f64 ? Tensor.wrap((double[]) gb, cOut) : Tensor.wrap((float[]) gb, cOut);
                }
            }
            return grads;
        }, inputs, new Tensor[] {result}, input, weight);
        return result;
    }

    /** The tensor's elements in row-major order, starting at index 0 (parameters usually are already). */
    private static Object dense(Tensor t) {
        TensorInternals ti = TensorInternals.get();
        Tensor c = t.contiguous();
        Object data = ti.data(c);
        int off = ti.offset(c);
        int len = (int) c.numel();
        if (off == 0) {
            return data;
        }
        return data instanceof double[] d ? Arrays.copyOfRange(d, off, off + len)
                : Arrays.copyOfRange((float[]) data, off, off + len);
    }
}
