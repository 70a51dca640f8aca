package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.ValuesAndIndices;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.Node;
import dev.walnut.backend.cpu.PoolKernels;
import dev.walnut.internal.TensorInternals;

/**
 * The pooling primitives behind {@link Pooling}, each with its gradient rule beside it, all over
 * batched 2-d input {@code [N, C, H, W]} (1-d pooling uses a height-1 plane). Arguments are
 * validated by the public callers.
 *
 * <ul>
 *   <li>max pooling ({@code MaxPool2DWithIndicesBackward0}, {@code AdaptiveMaxPool2DBackward0}):
 *       the gradient scatter-adds g into zeros at the argmax indices ({@code scatterAdd}, whose
 *       own gradient is a gather at the same indices, so second order works);</li>
 *   <li>average pooling ({@code AvgPool2DBackward0}, {@code AdaptiveAvgPool2DBackward0}) and its
 *       adjoint, the distribution of {@code g / divisor} over each window
 *       ({@code ...BackwardBackward0}); each is the other's gradient, so any order works;</li>
 *   <li>max unpooling ({@code MaxUnpool2DBackward0}): a scatter into zeros, whose gradient is a
 *       gather.</li>
 * </ul>
 */
final class PoolPrimitives {
    private PoolPrimitives() {
    }

    /** Window max and argmax (flat index into each input plane, I64) of {@code [N, C, H, W]}. */
    static ValuesAndIndices maxPool(Tensor input, PoolKernels.Windows g, int outH, int outW, boolean adaptive) {
        TensorInternals ti = TensorInternals.get();
        Tensor x = input.contiguous();
        int[] shape = ti.shape(x).clone();
        int planes = shape[0] * shape[1];
        int n = planes * g.outputSize();
        Object out = x.dtype() == DType.F64 ? new double[n] : new float[n];
        long[] idx = new long[n];
        PoolKernels.maxForward(ti.data(x), ti.offset(x), out, idx, planes, g);
        long[] outShape = {shape[0], shape[1], outH, outW};
        Tensor values = wrap(out, outShape);
        Tensor indices = Tensor.wrap(idx, outShape);
        Node.Rule rule = (node, grads) -> new Tensor[] {Autograd.isGradEnabled()
                ? scatterToPlanes(grads[0], indices, shape) : addAtIndices(grads[0], idx, shape, g.outputSize())};
        if (adaptive) {
            Node.record("AdaptiveMaxPool2DBackward0", rule, input, values);
        } else {
            Node.record("MaxPool2DWithIndicesBackward0", rule, input, values);
        }
        return new ValuesAndIndices(values, indices);
    }

    /** {@code zeros(shape)} with {@code g[n][c][i]} added at in-plane position {@code indices[n][c][i]}. */
    private static Tensor scatterToPlanes(Tensor g, Tensor indices, int[] shape) {
        long planeIn = (long) shape[2] * shape[3];
        long planeOut = indices.numel() / ((long) shape[0] * shape[1]);
        Tensor flat = g.reshape(shape[0], shape[1], planeOut);
        return Tensor.zeros(new long[] {shape[0], shape[1], planeIn}, g.dtype())
                .scatterAdd(2, indices.reshape(shape[0], shape[1], planeOut), flat)
                .reshape(shape[0], shape[1], shape[2], shape[3]);
    }

    /**
     * {@link #scatterToPlanes} as one kernel pass when the backward is not recorded: the
     * indices are the forward's own (in range by construction), so the general scatter's
     * checks and its separate zero fill are not needed.
     */
    private static Tensor addAtIndices(Tensor g, long[] idx, int[] shape, int outPlane) {
        TensorInternals ti = TensorInternals.get();
        Tensor gc = g.contiguous();
        int planes = shape[0] * shape[1];
        int inPlane = shape[2] * shape[3];
        Object out = gc.dtype() == DType.F64 ? new double[planes * inPlane] : new float[planes * inPlane];
        PoolKernels.maxBackward(ti.data(gc), ti.offset(gc), idx, out, planes, inPlane, outPlane);
        return wrap(out, new long[] {shape[0], shape[1], shape[2], shape[3]});
    }

    /** Window sums divided by {@code divisor} (one entry per window of a plane). */
    static Tensor avgPool(Tensor input, PoolKernels.Windows g, double[] divisor, int outH, int outW,
                          boolean adaptive) {
        TensorInternals ti = TensorInternals.get();
        Tensor x = input.contiguous();
        int[] shape = ti.shape(x).clone();
        int planes = shape[0] * shape[1];
        int n = planes * g.outputSize();
        Object out = x.dtype() == DType.F64 ? new double[n] : new float[n];
        PoolKernels.avgForward(ti.data(x), ti.offset(x), out, planes, g, divisor);
        Tensor result = wrap(out, new long[] {shape[0], shape[1], outH, outW});
        Node.Rule rule = (node, grads) -> new Tensor[] {avgPoolBackward(grads[0], g, divisor, shape, adaptive)};
        if (adaptive) {
            Node.record("AdaptiveAvgPool2DBackward0", rule, input, result);
        } else {
            Node.record("AvgPool2DBackward0", rule, input, result);
        }
        return result;
    }

    /** The adjoint of {@link #avgPool}: {@code [N, C, outH, outW]} to {@code inputShape}. */
    static Tensor avgPoolBackward(Tensor grad, PoolKernels.Windows g, double[] divisor, int[] inputShape,
                                  boolean adaptive) {
        TensorInternals ti = TensorInternals.get();
        Tensor x = grad.contiguous();
        int[] shape = ti.shape(x);
        int outH = shape[2];
        int outW = shape[3];
        int planes = inputShape[0] * inputShape[1];
        int n = planes * g.inputSize();
        Object out = x.dtype() == DType.F64 ? new double[n] : new float[n];
        PoolKernels.avgBackward(ti.data(x), ti.offset(x), out, planes, g, divisor);
        Tensor result = wrap(out, new long[] {inputShape[0], inputShape[1], inputShape[2], inputShape[3]});
        Node.Rule rule = (node, grads) -> new Tensor[] {avgPool(grads[0], g, divisor, outH, outW, adaptive)};
        if (adaptive) {
            Node.record("AdaptiveAvgPool2DBackwardBackward0", rule, grad, result);
        } else {
            Node.record("AvgPool2DBackwardBackward0", rule, grad, result);
        }
        return result;
    }

    /**
     * Scatters {@code input [N, C, H, W]} into zeros {@code [N, C, outH, outW]} at the in-plane
     * positions {@code indices} (same shape as input, I64). An index outside the output plane is
     * an error naming it.
     */
    static Tensor maxUnpool(String op, Tensor input, Tensor indices, int outH, int outW) {
        TensorInternals ti = TensorInternals.get();
        Tensor x = input.contiguous();
        Tensor ix = indices.contiguous();
        int[] shape = ti.shape(x).clone();
        int planes = shape[0] * shape[1];
        int inPlane = shape[2] * shape[3];
        int outPlane = outH * outW;
        Object out = x.dtype() == DType.F64 ? new double[planes * outPlane] : new float[planes * outPlane];
        long bad = PoolKernels.unpool(ti.data(x), ti.offset(x), (long[]) ti.data(ix), ti.offset(ix), out, planes,
                inPlane, outPlane);
        if (bad >= 0) {
            throw new IllegalArgumentException(op + ": found an invalid max index: "
                    + ((long[]) ti.data(ix))[ti.offset(ix) + (int) bad] + " (output volumes are of size " + outH
                    + "x" + outW + ")");
        }
        Tensor result = wrap(out, new long[] {shape[0], shape[1], outH, outW});
        Node.record("MaxUnpool2DBackward0", (node, grads) -> new Tensor[] {
                grads[0].reshape(shape[0], shape[1], outPlane).gather(2, ix.reshape(shape[0], shape[1], inPlane))
                        .reshape(shape[0], shape[1], shape[2], shape[3])}, input, result);
        return result;
    }

    private static Tensor wrap(Object data, long[] shape) {
        return data instanceof double[] d ? Tensor.wrap(d, shape) : Tensor.wrap((float[]) data, shape);
    }
}
