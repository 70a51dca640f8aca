package dev.walnut;

import dev.walnut.backend.Storage;
import dev.walnut.backend.cpu.Im2ColKernels;
import dev.walnut.backend.cpu.PoolKernels;
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

    private static Tensor wrap(Storage s, int... shape) {
        return new Tensor(s, shape);
    }

    // ------------------------------------------------------------------ im2col / col2im

    /** [N, C, *size] -> [N, C * prod(kernel), prod(blocks)]. */
    static Tensor im2col(Tensor input, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        var g = im2colGeometry(x, blocks, kernel, dilation, padding, stride);
        Backends.checkFits(x.dtype, x.shape[0] * x.shape[1] * g.kernelVolume() * g.blocksVolume());
        return wrap(Backends.CPU.im2col(x.storage, x.offset, x.shape[0] * x.shape[1], g), x.shape[0],
                x.shape[1] * g.kernelVolume(), g.blocksVolume());
    }

    /**
     * {@link #im2col} into a contiguous {@code out} of the result's shape and dtype (a strided
     * convolution's columns in a compiled graph's arena, the largest tensor such a layer makes);
     * an {@code out} that does not start its storage or shares the input's is filled by a copy.
     */
    static void im2colInto(Tensor input, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride,
                           Tensor out) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        var g = im2colGeometry(x, blocks, kernel, dilation, padding, stride);
        Elementwise.checkOut("im2col", out, x.dtype, x.shape[0], x.shape[1] * g.kernelVolume(), g.blocksVolume());
        if (out.offset != 0 || out.storage == x.storage) {
            Creation.castInto(im2col(input, blocks, kernel, dilation, padding, stride), out);
            return;
        }
        Backends.CPU.im2colInto(x.storage, x.offset, x.shape[0] * x.shape[1], g, out.storage);
        out.storage.bumpVersion();
    }

    private static Im2ColKernels.Geometry im2colGeometry(Tensor x, int[] blocks, int[] kernel, int[] dilation,
                                                         int[] padding, int[] stride) {
        int[] size = Arrays.copyOfRange(x.shape, 2, x.shape.length);
        return new Im2ColKernels.Geometry(size, blocks, kernel, dilation, padding, stride);
    }

    /** [N, C * prod(kernel), prod(blocks)] -> [N, C, *outputSize], summing overlapping windows. */
    static Tensor col2im(Tensor input, int[] outputSize, int[] blocks, int[] kernel, int[] dilation, int[] padding,
                         int[] stride) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        var g = new Im2ColKernels.Geometry(outputSize, blocks, kernel, dilation, padding, stride);
        int channels = x.shape[1] / g.kernelVolume();
        int[] outShape = new int[outputSize.length + 2];
        outShape[0] = x.shape[0];
        outShape[1] = channels;
        System.arraycopy(outputSize, 0, outShape, 2, outputSize.length);
        return wrap(Backends.CPU.col2im(x.storage, x.offset, x.shape[0] * channels, g), outShape);
    }

    // ------------------------------------------------------------------ stride-1 convolution

    /** Whether a stride-1, undilated, ungrouped conv of this size should take the back end's fused kernels. */
    static boolean stride1ConvolutionPays(long cIn, long cOut, int h, int w, int kh, int kw) {
        return Backends.CPU.stride1ConvolutionPays(cIn, cOut, h, w, kh, kw);
    }

    /**
     * {@code [N, C_in, H, W] * [C_out, C_in, kH, kW] (+ [C_out])} to
     * {@code [N, C_out, (H - kH) / sh + 1, (W - kW) / sw + 1]} (H and W padded by {@code pad}).
     */
    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, Tensor residual, long[] pad, int sh, int sw,
                         double min, double max) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        int[] p = kernelPad(pad);
        int[] outShape = conv2dShape(x, weight, p, sh, sw);
        Storage out = Backends.allocate(x.dtype, Shapes.numel(outShape));
        conv2dKernel(x, weight, bias, residual, p, sh, sw, min, max, out);
        return wrap(out, outShape);
    }

    /**
     * {@link #conv2d} written into a contiguous {@code out} of the result's shape and dtype (the
     * compiled graph's arena): the kernel stores straight into it. An {@code out} that does not
     * start its storage, or shares storage with the input or the residual (which the kernel
     * reads while it writes), gets the result computed apart and copied, so the bits are the same.
     */
    static void conv2dInto(Tensor input, Tensor weight, Tensor bias, Tensor residual, long[] pad, int sh, int sw,
                           double min, double max, Tensor out) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        int[] p = kernelPad(pad);
        Elementwise.checkOut("fusedConv2d", out, x.dtype, conv2dShape(x, weight, p, sh, sw));
        if (out.offset != 0 || out.storage == x.storage || residual != null && out.storage == residual.storage) {
            Creation.castInto(conv2d(input, weight, bias, residual, pad, sh, sw, min, max), out);
            return;
        }
        conv2dKernel(x, weight, bias, residual, p, sh, sw, min, max, out.storage);
        out.storage.bumpVersion();
    }

    /** The kernels take {@code {top, bottom, left, right}}; {@code pad} is {@code constantPad}'s {@code {left, right, top, bottom}}. */
    private static int[] kernelPad(long[] pad) {
        return pad == null ? null : new int[] {(int) pad[2], (int) pad[3], (int) pad[0], (int) pad[1]};
    }

    private static int[] conv2dShape(Tensor x, Tensor weight, int[] p, int sh, int sw) {
        int oh = (x.shape[2] + (p == null ? 0 : p[0] + p[1]) - weight.shape[2]) / sh + 1;
        int ow = (x.shape[3] + (p == null ? 0 : p[2] + p[3]) - weight.shape[3]) / sw + 1;
        return new int[] {x.shape[0], weight.shape[0], oh, ow};
    }

    /** The convolution of a contiguous {@code x} into {@code out} from its element 0. */
    private static void conv2dKernel(Tensor x, Tensor weight, Tensor bias, Tensor residual, int[] p, int sh, int sw,
                                     double min, double max, Storage out) {
        Tensor r = residual == null ? null : Creation.contiguousOf(residual, residual.dtype);
        Backends.CPU.conv2dInto(x.storage, x.offset, weight.storage, weight.layout(), bias == null ? null : bias.storage,
                bias == null ? null : bias.layout(), r == null ? null : r.storage, r == null ? 0 : r.offset, x.shape[0],
                x.shape[1], x.shape[2], x.shape[3], p, weight.shape[0], weight.shape[2], weight.shape[3], sh, sw, min,
                max, out);
    }

    /** The input gradient by the shifted GEMMs, or null when a weight is not finite (they would not be exact). */
    static Tensor conv2dInputGrad(Tensor gy, Tensor weight, int[] inputShape) {
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        Storage dx = Backends.CPU.conv2dInputGrad(gc.storage, gc.offset, weight.storage, weight.layout(), inputShape[0],
                inputShape[1], inputShape[2], inputShape[3], weight.shape[0], weight.shape[2], weight.shape[3]);
        return dx == null ? null : wrap(dx, inputShape.clone());
    }

    /** {@link #conv2dInputGrad} into {@code out}; false, out untouched, when a weight is not finite. */
    static boolean conv2dInputGradInto(Tensor gy, Tensor weight, int[] inputShape, Tensor out) {
        Elementwise.checkOut("convolutionInputGrad", out, gy.dtype, inputShape);
        if (out.offset != 0 || out.storage == gy.storage) {
            Tensor dx = conv2dInputGrad(gy, weight, inputShape);
            if (dx != null) {
                Creation.castInto(dx, out);
            }
            return dx != null;
        }
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        boolean done = Backends.CPU.conv2dInputGradInto(gc.storage, gc.offset, weight.storage, weight.layout(),
                inputShape[0], inputShape[1], inputShape[2], inputShape[3], weight.shape[0], weight.shape[2],
                weight.shape[3], out.storage);
        if (done) {
            out.storage.bumpVersion();
        }
        return done;
    }

    /** The weight gradient by the fused kernels, or null when they would not be exact (a non-finite input). */
    static Tensor conv2dWeightGrad(Tensor input, Tensor gy, int[] weightShape) {
        Tensor xc = Creation.contiguousOf(input, input.dtype);
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        Storage gw = Backends.CPU.conv2dWeightGrad(xc.storage, xc.offset, gc.storage, gc.offset, xc.shape[0], xc.shape[1],
                xc.shape[2], xc.shape[3], weightShape[0], weightShape[2], weightShape[3]);
        return gw == null ? null : wrap(gw, weightShape.clone());
    }

    /** The bias gradient: {@code gy} summed over batch and positions. */
    static Tensor conv2dBiasGrad(Tensor gy) {
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        int cOut = gc.shape[1];
        return wrap(Backends.CPU.conv2dBiasGrad(gc.storage, gc.offset, gc.shape[0], cOut, gc.shape[2] * gc.shape[3]), cOut);
    }

    // ------------------------------------------------------------------ pooling

    /** Window max and argmax (flat index into each input plane, I64) of {@code [N, C, H, W]}. */
    static Tensor maxPoolValues(Tensor input, PoolKernels.Windows g, int outH, int outW) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        return wrap(Backends.CPU.maxPoolValues(x.storage, x.offset, x.shape[0] * x.shape[1], g), x.shape[0], x.shape[1],
                outH, outW);
    }

    static void maxPoolValuesInto(Tensor input, PoolKernels.Windows g, int outH, int outW, Tensor out) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        Elementwise.checkOut("maxPool2dValues", out, x.dtype, x.shape[0], x.shape[1], outH, outW);
        if (out.offset != 0 || out.storage == x.storage) {
            Creation.castInto(maxPoolValues(input, g, outH, outW), out);
            return;
        }
        Backends.CPU.maxPoolValuesInto(x.storage, x.offset, x.shape[0] * x.shape[1], g, out.storage);
        out.storage.bumpVersion();
    }

    static void maxPoolInto(Tensor input, PoolKernels.Windows g, int outH, int outW, Tensor out, Tensor indices) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        Elementwise.checkOut("maxPool2d", out, x.dtype, x.shape[0], x.shape[1], outH, outW);
        Elementwise.checkOut("maxPool2d", indices, DType.I64, x.shape[0], x.shape[1], outH, outW);
        if (out.offset != 0 || indices.offset != 0 || out.storage == x.storage) {
            Tensor[] r = maxPool(input, g, outH, outW);
            Creation.castInto(r[0], out);
            Creation.castInto(r[1], indices);
            return;
        }
        Backends.CPU.maxPoolInto(x.storage, x.offset, x.shape[0] * x.shape[1], g, out.storage, indices.storage);
        out.storage.bumpVersion();
        indices.storage.bumpVersion();
    }

    static Tensor[] maxPool(Tensor input, PoolKernels.Windows g, int outH, int outW) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        Storage[] r = Backends.CPU.maxPool(x.storage, x.offset, x.shape[0] * x.shape[1], g);
        int[] outShape = {x.shape[0], x.shape[1], outH, outW};
        return new Tensor[] {wrap(r[0], outShape), wrap(r[1], outShape.clone())};
    }

    /**
     * {@code zeros(inputShape)} with {@code g} added at the max pool's own indices, in one pass
     * (the indices are in range by construction, so a general scatter's checks are not needed).
     */
    static Tensor maxPoolBackward(Tensor g, Tensor indices, int[] inputShape) {
        Tensor gc = Creation.contiguousOf(g, g.dtype);
        Tensor ic = Creation.contiguousOf(indices, DType.I64);
        return wrap(Backends.CPU.maxPoolBackward(gc.storage, gc.offset, ic.storage, ic.offset,
                inputShape[0] * inputShape[1], inputShape[2], inputShape[3], gc.shape[2], gc.shape[3]),
                inputShape.clone());
    }

    /** {@link #maxPoolBackward} into {@code out}. */
    static void maxPoolBackwardInto(Tensor g, Tensor indices, int[] inputShape, Tensor out) {
        Elementwise.checkOut("maxPool2dBackward", out, g.dtype, inputShape);
        if (out.offset != 0 || out.storage == g.storage) {
            Creation.castInto(maxPoolBackward(g, indices, inputShape), out);
            return;
        }
        Tensor gc = Creation.contiguousOf(g, g.dtype);
        Tensor ic = Creation.contiguousOf(indices, DType.I64);
        Backends.CPU.maxPoolBackwardInto(gc.storage, gc.offset, ic.storage, ic.offset, inputShape[0] * inputShape[1],
                inputShape[2], inputShape[3], gc.shape[2], gc.shape[3], out.storage);
        out.storage.bumpVersion();
    }

    /** Window sums divided by {@code divisor} (one entry per window of a plane). */
    static Tensor avgPool(Tensor input, PoolKernels.Windows g, double[] divisor, int outH, int outW) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        return wrap(Backends.CPU.avgPool(x.storage, x.offset, x.shape[0] * x.shape[1], g, divisor), x.shape[0], x.shape[1],
                outH, outW);
    }

    /** The adjoint of {@link #avgPool}: {@code [N, C, outH, outW]} to {@code inputShape}. */
    static Tensor avgPoolBackward(Tensor grad, PoolKernels.Windows g, double[] divisor, int[] inputShape) {
        Tensor x = Creation.contiguousOf(grad, grad.dtype);
        return wrap(Backends.CPU.avgPoolBackward(x.storage, x.offset, inputShape[0] * inputShape[1], g, divisor),
                inputShape.clone());
    }

    /**
     * Scatters {@code input [N, C, H, W]} into zeros {@code [N, C, outH, outW]} at the in-plane
     * positions {@code indices} (same shape as input, I64). An index outside the output plane is
     * an error naming it.
     */
    static Tensor maxUnpool(String op, Tensor input, Tensor indices, int outH, int outW) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        Tensor ix = Creation.contiguousOf(indices, DType.I64);
        return wrap(Backends.CPU.maxUnpool(op, x.storage, x.offset, ix.storage, ix.offset, x.shape[0] * x.shape[1],
                x.shape[2] * x.shape[3], outH * outW, outH + "x" + outW), x.shape[0], x.shape[1], outH, outW);
    }
}
