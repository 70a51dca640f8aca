package dev.walnut;

import dev.walnut.backend.cpu.ElementwiseKernels;
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
        Storage out = Storage.allocate(DType.BOOL, n);
        ElementwiseKernels.logicalNot((boolean[]) c.storage.data, c.offset, 1, (boolean[]) out.data, 0, n);
        return new Tensor(out, x.shape.clone());
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
}
