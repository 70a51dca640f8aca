package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.backend.cpu.Im2ColKernels;
import dev.walnut.internal.TensorInternals;
import java.util.Arrays;

/**
 * The two primitives behind convolution: im2col ({@code Im2ColBackward0}) and its adjoint col2im
 * ({@code Col2ImBackward0}). Each is the other's gradient, so both differentiate to any order.
 *
 * <p>Both take the window grid ({@code blocks}) explicitly rather than deriving it from the
 * sizes: a transposed convolution with {@code outputPadding >= stride} folds onto an output
 * whose derived grid would be larger than its input's, and the gradient of that fold must unfold
 * the same grid back. Arguments are validated by the public callers in {@link Convolution}.
 */
final class Im2Col {
    private Im2Col() {
    }

    /** [N, C, *size] -> [N, C * prod(kernel), prod(blocks)]. */
    static Tensor im2col(Tensor input, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        TensorInternals ti = TensorInternals.get();
        Tensor x = input.contiguous();
        int[] shape = ti.shape(x);
        int[] size = Arrays.copyOfRange(shape, 2, shape.length);
        var g = new Im2ColKernels.Geometry(size, blocks, kernel, dilation, padding, stride);
        int planes = shape[0] * shape[1];
        int n = planes * g.kernelVolume() * g.blocksVolume();
        Object out = x.dtype() == DType.F64 ? new double[n] : new float[n];
        Im2ColKernels.im2col(ti.data(x), ti.offset(x), out, planes, g);
        long[] outShape = {shape[0], (long) shape[1] * g.kernelVolume(), g.blocksVolume()};
        Tensor result = out instanceof double[] dd ? Tensor.wrap(dd, outShape) : Tensor.wrap((float[]) out, outShape);
        int[] sizeCopy = size.clone();
        Node.record("Im2ColBackward0", (node, grads) -> new Tensor[] {
                col2im(grads[0], sizeCopy, blocks, kernel, dilation, padding, stride)}, input, result);
        return result;
    }

    /** [N, C * prod(kernel), prod(blocks)] -> [N, C, *outputSize], summing overlapping windows. */
    static Tensor col2im(Tensor input, int[] outputSize, int[] blocks, int[] kernel, int[] dilation, int[] padding,
                         int[] stride) {
        TensorInternals ti = TensorInternals.get();
        Tensor x = input.contiguous();
        int[] shape = ti.shape(x);
        var g = new Im2ColKernels.Geometry(outputSize, blocks, kernel, dilation, padding, stride);
        int channels = shape[1] / g.kernelVolume();
        int planes = shape[0] * channels;
        int n = planes * g.planeSize();
        Object out = x.dtype() == DType.F64 ? new double[n] : new float[n];
        Im2ColKernels.col2im(ti.data(x), ti.offset(x), out, planes, g);
        long[] outShape = new long[outputSize.length + 2];
        outShape[0] = shape[0];
        outShape[1] = channels;
        for (int i = 0; i < outputSize.length; i++) {
            outShape[i + 2] = outputSize[i];
        }
        Tensor result = out instanceof double[] dd ? Tensor.wrap(dd, outShape) : Tensor.wrap((float[]) out, outShape);
        Node.record("Col2ImBackward0", (node, grads) -> new Tensor[] {
                im2col(grads[0], blocks, kernel, dilation, padding, stride)}, input, result);
        return result;
    }
}
