package dev.walnut;

import dev.walnut.backend.cpu.PoolKernels;
import dev.walnut.internal.Kernels;

/**
 * The CPU kernels behind {@link Kernels}, which op definitions in {@code dev.walnut.ops} call:
 * dtype switch, layout handling and the backend kernels live here and in the classes it
 * delegates to, so the op layer never touches storage. Nothing here records.
 */
final class EagerKernels implements Kernels {
    static final EagerKernels INSTANCE = new EagerKernels();

    private EagerKernels() {
    }

    @Override
    public Tensor binary(String name, int op, Tensor a, Tensor b, DType compute, DType out) {
        return Elementwise.binaryKernel(name, op, a, b, compute, out);
    }

    @Override
    public Tensor unary(int op, double p1, double p2, Tensor x, DType dtype) {
        return Elementwise.unaryKernel(op, p1, p2, x, dtype);
    }

    @Override
    public Tensor elementwise(dev.walnut.backend.ElementwiseProgram program, Tensor[] inputs) {
        return Elementwise.programKernel(program, inputs);
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b, DType dtype) {
        return Elementwise.whereKernel(cond, a, b, dtype);
    }

    @Override
    public Tensor thresholdBackward(Tensor g, Tensor x, double threshold) {
        return Elementwise.thresholdBackwardKernel(g, x, threshold);
    }

    @Override
    public Tensor cast(Tensor x, DType dtype) {
        return Creation.cast(x, dtype);
    }

    @Override
    public Tensor logicalNot(Tensor x) {
        Tensor c = Creation.contiguousOf(x, DType.BOOL);
        int n = Shapes.numel(c.shape);
        return new Tensor(Backends.CPU.logicalNot(c.storage, c.offset, n), x.shape.clone());
    }

    @Override
    public Tensor reduce(String name, int rop, Tensor x, int[] dims, boolean keepDim) {
        return Reductions.kernelReduce(name, rop, x, dims, keepDim);
    }

    @Override
    public Tensor[] argReduce(String name, int rop, Tensor x, int dim, boolean keepDim) {
        return Reductions.argReduce(name, rop, x, dim, keepDim);
    }

    @Override
    public Tensor logsumexp(Tensor x, int[] dims, boolean keepDim) {
        return Reductions.logsumexp(x, dims, keepDim);
    }

    @Override
    public Tensor softmax(Tensor x, int dim, boolean log) {
        return Reductions.softmax(x, dim, log);
    }

    @Override
    public Tensor reshape(Tensor x, long[] shape, boolean strict) {
        return Views.reshapeKernel(x, Shapes.toInts("reshape", shape), strict);
    }

    @Override
    public Tensor permute(Tensor x, int[] perm) {
        return Views.permuteNoGrad(x, perm);
    }

    @Override
    public Tensor expand(Tensor x, long[] shape) {
        return Views.expandKernel(x, Shapes.toInts("expand", shape));
    }

    @Override
    public Tensor slice(Tensor x, int dim, long start, long length, long step) {
        return Views.sliceKernel(x, dim, (int) start, (int) length, (int) step);
    }

    @Override
    public Tensor select(Tensor x, int dim, long index) {
        return Views.selectKernel(x, dim, (int) index);
    }

    @Override
    public Tensor embed(Tensor g, long[] shape, int dim, long start, long step) {
        return Views.embedKernel(g, Shapes.toInts("embed", shape), dim, (int) start, (int) step);
    }

    @Override
    public Tensor cat(Tensor[] parts, int dim, DType dtype) {
        return Views.catKernel(parts, dim, dtype);
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        return Linalg.batchedKernel(a, b);
    }

    @Override
    public Tensor batchSumOfProducts(Tensor g, Tensor y) {
        return Linalg.batchSumOfProducts(g, y);
    }

    // shape and content

    @Override
    public Tensor constantPad(Tensor x, long[] pad, double value) {
        return ShapeOps.constantPadKernel(x, pad, value);
    }

    @Override
    public void constantPadInto(Tensor x, long[] pad, double value, Tensor out) {
        ShapeOps.constantPadIntoKernel(x, pad, value, out);
    }

    @Override
    public Tensor flip(Tensor x, int[] dims) {
        return ShapeOps.flipKernel(x, dims);
    }

    @Override
    public Tensor diagonal(Tensor x, long offset, int dim1, int dim2) {
        return ShapeOps.diagonalKernel(x, offset, dim1, dim2);
    }

    @Override
    public Tensor diagEmbed(Tensor v, long[] shape, long offset, int dim1, int dim2) {
        return ShapeOps.diagEmbedKernel(v, Shapes.toInts("diagEmbed", shape), offset, dim1, dim2);
    }

    @Override
    public Tensor scan(Tensor x, int dim, boolean prod) {
        return ShapeOps.scanKernel(x, dim, prod);
    }

    @Override
    public Tensor[] sort(Tensor x, int dim, boolean descending) {
        return ShapeOps.sortKernel(x, dim, descending);
    }

    @Override
    public Tensor[] topk(Tensor x, int k, int dim, boolean largest) {
        return ShapeOps.topkKernel(x, k, dim, largest);
    }

    @Override
    public Tensor permuteAlongDim(Tensor t, Tensor perm, int dim) {
        return ShapeOps.permuteAlongDimKernel(t, perm, dim);
    }

    @Override
    public Tensor invertPermutation(Tensor perm, int dim) {
        return ShapeOps.inverse(perm, dim);
    }

    // windows

    @Override
    public Tensor im2col(Tensor x, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        return WindowKernels.im2col(x, blocks, kernel, dilation, padding, stride);
    }

    @Override
    public void im2colInto(Tensor x, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride,
                           Tensor out) {
        WindowKernels.im2colInto(x, blocks, kernel, dilation, padding, stride, out);
    }

    @Override
    public Tensor col2im(Tensor x, int[] outputSize, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        return WindowKernels.col2im(x, outputSize, blocks, kernel, dilation, padding, stride);
    }

    @Override
    public boolean stride1ConvolutionPays(long cIn, long cOut, int h, int w, int kh, int kw) {
        return WindowKernels.stride1ConvolutionPays(cIn, cOut, h, w, kh, kw);
    }

    @Override
    public boolean phaseSplitConvolutionPays(long cIn, long cOut, int sh, int sw, int kh, int kw) {
        return Backends.CPU.phaseSplitConvolutionPays(cIn, cOut, sh, sw, kh, kw);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Tensor residual, long[] pad, int sh, int sw, double min,
                         double max) {
        return WindowKernels.conv2d(x, weight, bias, residual, pad, sh, sw, min, max);
    }

    @Override
    public void conv2dInto(Tensor x, Tensor weight, Tensor bias, Tensor residual, long[] pad, int sh, int sw, double min,
                           double max, Tensor out) {
        WindowKernels.conv2dInto(x, weight, bias, residual, pad, sh, sw, min, max, out);
    }

    @Override
    public boolean stridedConvolutionPays(DType dtype, long cIn, long cOut, int sh, int sw, int kh, int kw) {
        return Backends.CPU.stridedConvolutionPays(dtype, cIn, cOut, sh, sw, kh, kw);
    }

    @Override
    public Tensor conv2dInputGrad(Tensor gradOutput, Tensor weight, long[] inputShape) {
        return WindowKernels.conv2dInputGrad(gradOutput, weight, Shapes.toInts("convolution", inputShape));
    }

    @Override
    public boolean conv2dInputGradInto(Tensor gradOutput, Tensor weight, long[] inputShape, Tensor out) {
        return WindowKernels.conv2dInputGradInto(gradOutput, weight, Shapes.toInts("convolution", inputShape), out);
    }

    @Override
    public Tensor conv2dWeightGrad(Tensor x, Tensor gradOutput, long[] weightShape) {
        return WindowKernels.conv2dWeightGrad(x, gradOutput, Shapes.toInts("convolution", weightShape));
    }

    @Override
    public Tensor conv2dBiasGrad(Tensor gradOutput) {
        return WindowKernels.conv2dBiasGrad(gradOutput);
    }

    @Override
    public Tensor depthwiseConv2d(Tensor x, Tensor weight, Tensor bias, int[] window, double min, double max) {
        return DepthwiseConvolution.forward(x, weight, bias, window, min, max);
    }

    @Override
    public void depthwiseConv2dInto(Tensor x, Tensor weight, Tensor bias, int[] window, double min, double max,
                                    Tensor out) {
        DepthwiseConvolution.forwardInto(x, weight, bias, window, min, max, out);
    }

    @Override
    public Tensor depthwiseConv2dInputGrad(Tensor gradOutput, Tensor weight, long[] inputShape, int[] window) {
        return DepthwiseConvolution.inputGrad(gradOutput, weight, Shapes.toInts("depthwiseConv2d", inputShape), window);
    }

    @Override
    public Tensor depthwiseConv2dWeightGrad(Tensor x, Tensor gradOutput, long[] weightShape, int[] window) {
        return DepthwiseConvolution.weightGrad(x, gradOutput, Shapes.toInts("depthwiseConv2d", weightShape), window);
    }

    @Override
    public Tensor maxPoolValues(Tensor x, PoolKernels.Windows windows, int outH, int outW) {
        return WindowKernels.maxPoolValues(x, windows, outH, outW);
    }

    @Override
    public void maxPoolValuesInto(Tensor x, PoolKernels.Windows windows, int outH, int outW, Tensor out) {
        WindowKernels.maxPoolValuesInto(x, windows, outH, outW, out);
    }

    @Override
    public Tensor[] maxPool(Tensor x, PoolKernels.Windows windows, int outH, int outW) {
        return WindowKernels.maxPool(x, windows, outH, outW);
    }

    @Override
    public void maxPoolInto(Tensor x, PoolKernels.Windows windows, int outH, int outW, Tensor out, Tensor indices) {
        WindowKernels.maxPoolInto(x, windows, outH, outW, out, indices);
    }

    @Override
    public Tensor maxPoolBackward(Tensor g, Tensor indices, long[] inputShape) {
        return WindowKernels.maxPoolBackward(g, indices, Shapes.toInts("maxPool2d", inputShape));
    }

    @Override
    public void maxPoolBackwardInto(Tensor g, Tensor indices, long[] inputShape, Tensor out) {
        WindowKernels.maxPoolBackwardInto(g, indices, Shapes.toInts("maxPool2d", inputShape), out);
    }

    @Override
    public Tensor avgPool(Tensor x, PoolKernels.Windows windows, double[] divisor, int outH, int outW) {
        return WindowKernels.avgPool(x, windows, divisor, outH, outW);
    }

    @Override
    public Tensor avgPoolBackward(Tensor g, PoolKernels.Windows windows, double[] divisor, long[] inputShape) {
        return WindowKernels.avgPoolBackward(g, windows, divisor, Shapes.toInts("avgPool2d", inputShape));
    }

    @Override
    public Tensor maxUnpool(String op, Tensor x, Tensor indices, int outH, int outW) {
        return WindowKernels.maxUnpool(op, x, indices, outH, outW);
    }

    // indexing

    @Override
    public Tensor indexSelect(Tensor x, int dim, Tensor index, long[] shape) {
        return Indexing.indexSelectKernel(x, dim, index, Shapes.toInts("indexSelect", shape));
    }

    @Override
    public Tensor indexAdd(Tensor x, int dim, Tensor index, Tensor source, double alpha) {
        return Indexing.indexAddKernel(x, dim, index, source, alpha);
    }

    @Override
    public Tensor gather(Tensor x, int dim, Tensor index) {
        return Indexing.gatherKernel(x, dim, index);
    }

    @Override
    public Tensor scatter(Tensor x, int dim, Tensor index, Tensor src, boolean accumulate) {
        return Indexing.scatterKernel(accumulate, x, dim, index, src);
    }

    // fused kernels

    @Override
    public boolean fusedUpdateApplies(Tensor param, Tensor grad, Tensor... buffers) {
        return FusedUpdates.applicable(param, grad, buffers);
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, boolean negate, double weightDecay, double momentum,
                          double dampening, boolean nesterov, Tensor buf, boolean firstStep, double lr) {
        FusedUpdates.sgd(param, grad, negate, weightDecay, momentum, dampening, nesterov, buf, firstStep, lr);
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, boolean negate, double l2, double decay, Tensor m, Tensor v,
                           Tensor vmax, double beta1, double beta2, double eps, double stepSize, double sqrtBias2) {
        FusedUpdates.adam(param, grad, negate, l2, decay, m, v, vmax, beta1, beta2, eps, stepSize, sqrtBias2);
    }

    @Override
    public boolean packingPays(int m, int n, int k) {
        return Backends.CPU.packingPays(m, n, k);
    }

    @Override
    public PackedWeight packLinearWeight(Tensor weight, boolean kn) {
        return new PackedLinearWeight(weight, kn);
    }

    @Override
    public Tensor linearPacked(Tensor x, PackedWeight weight, Tensor bias) {
        return ((PackedLinearWeight) weight).apply(x, bias);
    }

    @Override
    public void binaryInto(String name, int op, Tensor a, Tensor b, DType compute, Tensor out) {
        Elementwise.binaryIntoKernel(name, op, a, b, compute, out);
    }

    @Override
    public void unaryInto(int op, double p1, double p2, Tensor x, Tensor out) {
        Elementwise.unaryIntoKernel(op, p1, p2, x, out);
    }

    @Override
    public void elementwiseInto(dev.walnut.backend.ElementwiseProgram program, Tensor[] inputs, Tensor out) {
        Elementwise.programIntoKernel(program, inputs, out);
    }

    @Override
    public void linearPackedInto(Tensor x, PackedWeight weight, Tensor bias, boolean relu, Tensor out) {
        ((PackedLinearWeight) weight).applyInto(x, bias, relu, out);
    }

    @Override
    public void matmulInto(Tensor a, Tensor b, Tensor out) {
        Linalg.batchedIntoKernel(a, b, out);
    }

    @Override
    public void thresholdBackwardInto(Tensor g, Tensor x, double threshold, Tensor out) {
        Elementwise.thresholdBackwardIntoKernel(g, x, threshold, out);
    }

    @Override
    public void reduceInto(String name, int rop, Tensor x, int[] dims, boolean keepDim, Tensor out) {
        Reductions.kernelReduceInto(name, rop, x, dims, keepDim, out);
    }

    @Override
    public void attentionInto(Tensor q, Tensor k, Tensor v, double scale, Tensor out) {
        Linalg.attentionInto(q, k, v, scale, out);
    }

    @Override
    public void layerNormInto(Tensor x, Tensor residual, Tensor weight, Tensor bias, double eps, Tensor out) {
        Reductions.layerNormInto(x, residual, weight, bias, eps, out);
    }

    @Override
    public void softmaxInto(Tensor x, int dim, boolean log, Tensor out) {
        Reductions.softmaxInto(x, dim, log, out);
    }

    @Override
    public void castInto(Tensor x, Tensor out) {
        Creation.castInto(x, out);
    }

    @Override
    public void whereInto(Tensor cond, Tensor a, Tensor b, DType dtype, Tensor out) {
        Elementwise.whereIntoKernel(cond, a, b, dtype, out);
    }

    @Override
    public void gatherInto(Tensor x, int dim, Tensor index, Tensor out) {
        Indexing.gatherIntoKernel(x, dim, index, out);
    }

    @Override
    public void scatterInto(Tensor x, int dim, Tensor index, Tensor src, boolean accumulate, Tensor out) {
        Indexing.scatterIntoKernel(accumulate, x, dim, index, src, out);
    }

    @Override
    public double elementAt(Tensor t, int i) {
        return Access.getDouble(t.storage, t.offset + i);
    }

    @Override
    public void setElementAt(Tensor t, int i, double value) {
        Access.setDouble(t.storage, t.offset + i, value);
        t.storage.bumpVersion();
    }
}
