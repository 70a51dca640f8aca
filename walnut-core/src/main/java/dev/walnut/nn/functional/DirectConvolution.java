package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.Node;
import dev.walnut.backend.cpu.DirectConvKernels;
import dev.walnut.internal.TensorInternals;
import java.util.Arrays;

/**
 * The direct 2-d convolution primitive ({@code ConvolutionBackward0}): stride 1, dilation 1, no
 * padding, one group, computed without im2col. {@link Convolution} routes here when the product
 * depth {@code C_in * kH * kW} is small (below {@code C_out}), as for a first layer on 1 or 3
 * channels: there im2col copies the input once per kernel tap for GEMMs whose depth (9 for a
 * 1-channel 3x3 kernel) the packed GEMM handles poorly, and the weight gradient became one tiny
 * product per batch item.
 *
 * <p>Gradient rule: the input gradient is the composite {@code col2im(W^T g)} (differentiable,
 * and only computed when the input requires grad); the bias gradient sums g; the weight gradient
 * runs the direct kernel when the backward is not itself recorded, and otherwise the composite
 * {@code sum_n g_n im2col(x)_n^T}, so higher-order gradients follow from matmul's and the
 * im2col primitives' rules.
 */
final class DirectConvolution {
    private DirectConvolution() {
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
        boolean f64 = x.dtype() == DType.F64;
        Object out = f64 ? new double[n * cOut * oh * ow] : new float[n * cOut * oh * ow];
        DirectConvKernels.forward(ti.data(x), ti.offset(x), dense(weight), bias == null ? null : dense(bias), out, n,
                cIn, h, w, cOut, kh, kw);
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
            if (nd.needsInputGrad(0)) {
                Tensor cols = wSaved.reshape(cOut, (long) cIn * kh * kw).t().matmul(gy.reshape(n, cOut, (long) oh * ow));
                grads[0] = Im2Col.col2im(cols, new int[] {h, w}, blocks, k, UNIT, ZERO, UNIT);
            }
            if (nd.needsInputGrad(1)) {
                grads[1] = Autograd.isGradEnabled()
                        ? gy.reshape(n, cOut, (long) oh * ow)
                                .matmul(Im2Col.im2col(xSaved, blocks, k, UNIT, ZERO, UNIT).transpose(1, 2))
                                .sum(0).reshape(cOut, cIn, kh, kw)
                        : weightGrad(xSaved, gy, n, cIn, h, w, cOut, kh, kw);
            }
            if (inputs.length == 3 && nd.needsInputGrad(2)) {
                grads[2] = gy.sum(0, 2, 3);
            }
            return grads;
        }, inputs, new Tensor[] {result}, input, weight);
        return result;
    }

    private static final int[] UNIT = {1, 1};
    private static final int[] ZERO = {0, 0};

    private static Tensor weightGrad(Tensor input, Tensor grad, int n, int cIn, int h, int w, int cOut, int kh,
                                     int kw) {
        TensorInternals ti = TensorInternals.get();
        Tensor x = input.contiguous();
        Tensor g = grad.contiguous();
        Object gw = x.dtype() == DType.F64 ? new double[cOut * cIn * kh * kw] : new float[cOut * cIn * kh * kw];
        DirectConvKernels.weightGrad(ti.data(x), ti.offset(x), ti.data(g), ti.offset(g), gw, n, cIn, h, w, cOut, kh,
                kw);
        long[] shape = {cOut, cIn, kh, kw};
        return gw instanceof double[] d ? Tensor.wrap(d, shape) : Tensor.wrap((float[]) gw, shape);
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
