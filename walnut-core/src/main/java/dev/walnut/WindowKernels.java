package dev.walnut;

import dev.walnut.backend.cpu.DirectConvKernels;
import dev.walnut.backend.cpu.Im2ColKernels;
import dev.walnut.backend.cpu.PoolKernels;
import dev.walnut.backend.cpu.ShiftedGemmConvKernels;
import java.util.Arrays;

/**
 * The eager kernels of the window primitives (im2col / col2im, the stride-1 convolution, pooling,
 * unpooling) over F32 and F64 storage; their definitions as data are in
 * {@code dev.walnut.ops.WindowOps}. Arguments arrive checked by the {@code nn.functional}
 * callers. Nothing here records.
 */
final class WindowKernels {
    private WindowKernels() {
    }

    /** Largest product depth C_in * kH * kW (also below C_out) for the direct convolution kernels. */
    static final int DIRECT_MAX_DEPTH = 27;

    private static Object newLike(Tensor x, int n) {
        return x.dtype == DType.F64 ? new double[n] : new float[n];
    }

    private static Tensor wrap(Object data, int... shape) {
        return new Tensor(new Storage(data, data instanceof double[] ? DType.F64 : DType.F32), shape);
    }

    /** The tensor's elements in row-major order from index 0 (parameters usually are already). */
    private static Object dense(Tensor t) {
        Tensor c = Creation.contiguousOf(t, t.dtype);
        int len = Shapes.numel(c.shape);
        if (c.offset == 0) {
            return c.storage.data;
        }
        return c.storage.data instanceof double[] d ? Arrays.copyOfRange(d, c.offset, c.offset + len)
                : Arrays.copyOfRange((float[]) c.storage.data, c.offset, c.offset + len);
    }

    // ------------------------------------------------------------------ im2col / col2im

    /** [N, C, *size] -> [N, C * prod(kernel), prod(blocks)]. */
    static Tensor im2col(Tensor input, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        int[] size = Arrays.copyOfRange(x.shape, 2, x.shape.length);
        var g = new Im2ColKernels.Geometry(size, blocks, kernel, dilation, padding, stride);
        int planes = x.shape[0] * x.shape[1];
        Object out = newLike(x, planes * g.kernelVolume() * g.blocksVolume());
        Im2ColKernels.im2col(x.storage.data, x.offset, out, planes, g);
        return wrap(out, x.shape[0], x.shape[1] * g.kernelVolume(), g.blocksVolume());
    }

    /** [N, C * prod(kernel), prod(blocks)] -> [N, C, *outputSize], summing overlapping windows. */
    static Tensor col2im(Tensor input, int[] outputSize, int[] blocks, int[] kernel, int[] dilation, int[] padding,
                         int[] stride) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        var g = new Im2ColKernels.Geometry(outputSize, blocks, kernel, dilation, padding, stride);
        int channels = x.shape[1] / g.kernelVolume();
        int planes = x.shape[0] * channels;
        Object out = newLike(x, planes * g.planeSize());
        Im2ColKernels.col2im(x.storage.data, x.offset, out, planes, g);
        int[] outShape = new int[outputSize.length + 2];
        outShape[0] = x.shape[0];
        outShape[1] = channels;
        System.arraycopy(outputSize, 0, outShape, 2, outputSize.length);
        return wrap(out, outShape);
    }

    // ------------------------------------------------------------------ stride-1 convolution

    private static boolean direct(long cIn, int kh, int kw, long cOut) {
        long ck = cIn * kh * kw;
        return ck < cOut && ck <= DIRECT_MAX_DEPTH;
    }

    /**
     * Whether a stride-1, undilated, ungrouped conv of this size should take the fused kernels:
     * always for the direct engine; for the shifted GEMMs only while the full grid holds at most
     * twice as many positions as there are windows (3x3 on 13 x 13: 1.4), since the extra
     * positions cost GEMM work.
     */
    static boolean stride1ConvolutionPays(long cIn, long cOut, int h, int w, int kh, int kw) {
        if (direct(cIn, kh, kw, cOut)) {
            return true;
        }
        long windows = (long) (h - kh + 1) * (w - kw + 1);
        return (long) h * w <= 2 * windows;
    }

    /** {@code [N, C_in, H, W] * [C_out, C_in, kH, kW] (+ [C_out])} to {@code [N, C_out, H - kH + 1, W - kW + 1]}. */
    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        int n = x.shape[0];
        int cIn = x.shape[1];
        int h = x.shape[2];
        int w = x.shape[3];
        int cOut = weight.shape[0];
        int kh = weight.shape[2];
        int kw = weight.shape[3];
        int oh = h - kh + 1;
        int ow = w - kw + 1;
        Object out = newLike(x, n * cOut * oh * ow);
        Object wd = dense(weight);
        Object bd = bias == null ? null : dense(bias);
        if (direct(cIn, kh, kw, cOut)) {
            DirectConvKernels.forward(x.storage.data, x.offset, wd, bd, out, n, cIn, h, w, cOut, kh, kw);
        } else {
            ShiftedGemmConvKernels.forward(x.storage.data, x.offset, wd, bd, out, n, cIn, h, w, cOut, kh, kw);
        }
        return wrap(out, n, cOut, oh, ow);
    }

    /**
     * The input gradient by the shifted GEMMs, or null when a weight is not finite: those GEMMs
     * add zero times weights at positions that are not windows, exact only for finite weights.
     */
    static Tensor conv2dInputGrad(Tensor gy, Tensor weight, int[] inputShape) {
        int n = inputShape[0];
        int cIn = inputShape[1];
        int h = inputShape[2];
        int w = inputShape[3];
        int cOut = weight.shape[0];
        int kh = weight.shape[2];
        int kw = weight.shape[3];
        Object wv = dense(weight);
        if (!ShiftedGemmConvKernels.allFinite(wv, 0, cOut * cIn * kh * kw)) {
            return null;
        }
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        Object dx = newLike(gc, n * cIn * h * w);
        ShiftedGemmConvKernels.inputGrad(gc.storage.data, gc.offset, wv, dx, n, cIn, h, w, cOut, kh, kw);
        return wrap(dx, n, cIn, h, w);
    }

    /**
     * The weight gradient by the direct or the unfolding kernels, or null when the direct kernel
     * would not be exact (a non-finite input: its masked tail lanes multiply inputs by zero).
     */
    static Tensor conv2dWeightGrad(Tensor input, Tensor gy, int[] weightShape) {
        Tensor xc = Creation.contiguousOf(input, input.dtype);
        int n = xc.shape[0];
        int cIn = xc.shape[1];
        int h = xc.shape[2];
        int w = xc.shape[3];
        int cOut = weightShape[0];
        int kh = weightShape[2];
        int kw = weightShape[3];
        boolean direct = direct(cIn, kh, kw, cOut);
        if (direct && !ShiftedGemmConvKernels.allFinite(xc.storage.data, xc.offset, n * cIn * h * w)) {
            return null;
        }
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        Object gw = newLike(gc, cOut * cIn * kh * kw);
        if (direct) {
            DirectConvKernels.weightGrad(xc.storage.data, xc.offset, gc.storage.data, gc.offset, gw, n, cIn, h, w, cOut,
                    kh, kw);
        } else {
            ShiftedGemmConvKernels.weightGrad(xc.storage.data, xc.offset, gc.storage.data, gc.offset, gw, n, cIn, h, w,
                    cOut, kh, kw);
        }
        return wrap(gw, cOut, cIn, kh, kw);
    }

    /** The bias gradient: {@code gy} summed over batch and positions. */
    static Tensor conv2dBiasGrad(Tensor gy) {
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        int cOut = gc.shape[1];
        Object gb = newLike(gc, cOut);
        ShiftedGemmConvKernels.biasGrad(gc.storage.data, gc.offset, gb, gc.shape[0], cOut, gc.shape[2] * gc.shape[3]);
        return wrap(gb, cOut);
    }

    // ------------------------------------------------------------------ pooling

    /** Window max and argmax (flat index into each input plane, I64) of {@code [N, C, H, W]}. */
    static Tensor[] maxPool(Tensor input, PoolKernels.Windows g, int outH, int outW) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        int planes = x.shape[0] * x.shape[1];
        int n = planes * g.outputSize();
        Object out = newLike(x, n);
        long[] idx = new long[n];
        PoolKernels.maxForward(x.storage.data, x.offset, out, idx, planes, g);
        int[] outShape = {x.shape[0], x.shape[1], outH, outW};
        return new Tensor[] {wrap(out, outShape), new Tensor(new Storage(idx, DType.I64), outShape.clone())};
    }

    /**
     * {@code zeros(inputShape)} with {@code g} added at the max pool's own indices, in one pass
     * (the indices are in range by construction, so a general scatter's checks are not needed).
     */
    static Tensor maxPoolBackward(Tensor g, Tensor indices, int[] inputShape) {
        Tensor gc = Creation.contiguousOf(g, g.dtype);
        Tensor ic = Creation.contiguousOf(indices, DType.I64);
        int planes = inputShape[0] * inputShape[1];
        int inPlane = inputShape[2] * inputShape[3];
        int outPlane = Shapes.numel(gc.shape) / Math.max(planes, 1);
        long[] idx = ic.offset == 0 ? (long[]) ic.storage.data
                : Arrays.copyOfRange((long[]) ic.storage.data, ic.offset, ic.offset + Shapes.numel(ic.shape));
        Object out = newLike(gc, planes * inPlane);
        PoolKernels.maxBackward(gc.storage.data, gc.offset, idx, out, planes, inPlane, outPlane);
        return wrap(out, inputShape.clone());
    }

    /** Window sums divided by {@code divisor} (one entry per window of a plane). */
    static Tensor avgPool(Tensor input, PoolKernels.Windows g, double[] divisor, int outH, int outW) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        int planes = x.shape[0] * x.shape[1];
        Object out = newLike(x, planes * g.outputSize());
        PoolKernels.avgForward(x.storage.data, x.offset, out, planes, g, divisor);
        return wrap(out, x.shape[0], x.shape[1], outH, outW);
    }

    /** The adjoint of {@link #avgPool}: {@code [N, C, outH, outW]} to {@code inputShape}. */
    static Tensor avgPoolBackward(Tensor grad, PoolKernels.Windows g, double[] divisor, int[] inputShape) {
        Tensor x = Creation.contiguousOf(grad, grad.dtype);
        int planes = inputShape[0] * inputShape[1];
        Object out = newLike(x, planes * g.inputSize());
        PoolKernels.avgBackward(x.storage.data, x.offset, out, planes, g, divisor);
        return wrap(out, inputShape.clone());
    }

    /**
     * Scatters {@code input [N, C, H, W]} into zeros {@code [N, C, outH, outW]} at the in-plane
     * positions {@code indices} (same shape as input, I64). An index outside the output plane is
     * an error naming it.
     */
    static Tensor maxUnpool(String op, Tensor input, Tensor indices, int outH, int outW) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        Tensor ix = Creation.contiguousOf(indices, DType.I64);
        int planes = x.shape[0] * x.shape[1];
        int inPlane = x.shape[2] * x.shape[3];
        int outPlane = outH * outW;
        Object out = newLike(x, planes * outPlane);
        long[] id = (long[]) ix.storage.data;
        long bad = PoolKernels.unpool(x.storage.data, x.offset, id, ix.offset, out, planes, inPlane, outPlane);
        if (bad >= 0) {
            throw new IllegalArgumentException(op + ": found an invalid max index: " + id[ix.offset + (int) bad]
                    + " (output volumes are of size " + outH + "x" + outW + ")");
        }
        return wrap(out, x.shape[0], x.shape[1], outH, outW);
    }
}
