package dev.walnut;

import dev.walnut.backend.cpu.DepthwiseConvKernels;

/**
 * The eager kernels of the depthwise 2-d convolution primitive
 * ({@code dev.walnut.ops.WindowOps.DEPTHWISE_CONV2D}) over F32 and F64 storage: they make the
 * input and gradients contiguous and describe the sizes to the back end. Arguments arrive
 * checked by {@code nn.functional.Convolution}. Nothing here records.
 */
final class DepthwiseConvolution {
    private DepthwiseConvolution() {
    }

    /** {@code window} is {@code {strideH, strideW, padH, padW, dilationH, dilationW}}. */
    private static DepthwiseConvKernels.Geometry geometry(int[] xShape, int[] wShape, int[] window) {
        return new DepthwiseConvKernels.Geometry(xShape[0], xShape[1], wShape[0] / xShape[1], xShape[2], xShape[3],
                wShape[2], wShape[3], window[0], window[1], window[2], window[3], window[4], window[5]);
    }

    private static int[] outShape(DepthwiseConvKernels.Geometry g) {
        return new int[] {g.n(), g.channels() * g.multiplier(), g.outH(), g.outW()};
    }

    static Tensor forward(Tensor input, Tensor weight, Tensor bias, int[] window, double min, double max) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        var g = geometry(x.shape, weight.shape, window);
        return new Tensor(Backends.CPU.depthwiseConv2d(x.storage, x.offset, weight.storage, weight.layout(),
                bias == null ? null : bias.storage, bias == null ? null : bias.layout(), g, min, max), outShape(g));
    }

    /**
     * {@link #forward} written into a contiguous {@code out} of the result's shape and dtype; an
     * {@code out} that does not start its storage or shares the input's gets the result computed
     * apart and copied (the kernel reads the input while it writes).
     */
    static void forwardInto(Tensor input, Tensor weight, Tensor bias, int[] window, double min, double max, Tensor out) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        var g = geometry(x.shape, weight.shape, window);
        Elementwise.checkOut("fusedConv2d", out, x.dtype, outShape(g));
        if (out.offset != 0 || out.storage == x.storage) {
            Creation.castInto(forward(input, weight, bias, window, min, max), out);
            return;
        }
        Backends.CPU.depthwiseConv2dInto(x.storage, x.offset, weight.storage, weight.layout(),
                bias == null ? null : bias.storage, bias == null ? null : bias.layout(), g, min, max, out.storage);
        out.storage.bumpVersion();
    }

    static Tensor inputGrad(Tensor gy, Tensor weight, int[] inputShape, int[] window) {
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        var g = geometry(inputShape, weight.shape, window);
        return new Tensor(Backends.CPU.depthwiseConv2dInputGrad(gc.storage, gc.offset, weight.storage, weight.layout(), g),
                inputShape.clone());
    }

    static Tensor weightGrad(Tensor input, Tensor gy, int[] weightShape, int[] window) {
        Tensor x = Creation.contiguousOf(input, input.dtype);
        Tensor gc = Creation.contiguousOf(gy, gy.dtype);
        var g = geometry(x.shape, weightShape, window);
        return new Tensor(Backends.CPU.depthwiseConv2dWeightGrad(x.storage, x.offset, gc.storage, gc.offset, g),
                weightShape.clone());
    }
}
