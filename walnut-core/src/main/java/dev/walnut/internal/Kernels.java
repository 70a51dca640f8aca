package dev.walnut.internal;

import dev.walnut.DType;
import dev.walnut.Tensor;

/**
 * The eager kernels that op definitions in {@code dev.walnut.ops} run, published by
 * {@code Tensor}'s static initialiser (like {@link TensorInternals}). Each call allocates its
 * output and records nothing; recording is the dispatcher's job. This is the seam that the
 * narrow {@code Backend} interface of DESIGN.md §7 grows from. Not for application use.
 *
 * <pre>{@code
 * Tensor y = Kernels.get().unary(UnaryOp.EXP, 0, 0, x, x.dtype());
 * }</pre>
 */
public interface Kernels {
    /**
     * Broadcasts {@code a} and {@code b}, converts both to {@code compute} and runs binary op
     * {@code op} ({@code BinaryOp} code) into a fresh tensor of dtype {@code out}; {@code name}
     * names the op in shape errors.
     */
    Tensor binary(String name, int op, Tensor a, Tensor b, DType compute, DType out);

    /** Unary op {@code op} ({@code UnaryOp} code, parameters {@code p1}, {@code p2}) computed in {@code dtype}. */
    Tensor unary(int op, double p1, double p2, Tensor x, DType dtype);

    /** {@code cond ? a : b}, broadcast, in {@code dtype}. */
    Tensor where(Tensor cond, Tensor a, Tensor b, DType dtype);

    /** PyTorch's {@code threshold_backward}: {@code g} where {@code x > threshold}, else 0. */
    Tensor thresholdBackward(Tensor g, Tensor x, double threshold);

    /** A converted copy of {@code x}. */
    Tensor cast(Tensor x, DType dtype);

    /** Logical not of a bool tensor. */
    Tensor logicalNot(Tensor x);

    /**
     * Reduction {@code rop} ({@code ReduceOp} code: SUM, PROD, MAX, MIN) over {@code dims}
     * (null or empty: all); integer and bool sums and products give I64. {@code name} names the
     * op in errors.
     */
    Tensor reduce(String name, int rop, Tensor x, int[] dims, boolean keepDim);

    /** Values and I64 indices of the max ({@code ReduceOp.ARGMAX}) or min along {@code dim}. */
    Tensor[] argReduce(String name, int rop, Tensor x, int dim, boolean keepDim);

    /** {@code log(sum(exp(x)))} over {@code dims}, computed stably, for a float {@code x}. */
    Tensor logsumexp(Tensor x, int[] dims, boolean keepDim);

    /** Softmax (or log-softmax) along {@code dim} of a float tensor. */
    Tensor softmax(Tensor x, int dim, boolean log);

    /** A view of {@code x} with {@code shape}, or (not {@code strict}) a copy where no view exists. */
    Tensor reshape(Tensor x, long[] shape, boolean strict);

    /** The view with dims in the order {@code perm} (a checked permutation). */
    Tensor permute(Tensor x, int[] perm);

    /** The broadcast view of {@code x} with {@code shape} (checked). */
    Tensor expand(Tensor x, long[] shape);

    /** The view of {@code length} elements of dim {@code dim}, from {@code start} every {@code step}. */
    Tensor slice(Tensor x, int dim, long start, long length, long step);

    /** The view at {@code index} of dim {@code dim}, without that dim. */
    Tensor select(Tensor x, int dim, long index);

    /** Zeros of {@code shape} with {@code g} written at {@code start::step} of {@code dim}. */
    Tensor embed(Tensor g, long[] shape, int dim, long start, long step);

    /** {@code parts} joined along {@code dim} (shapes checked) in {@code dtype}. */
    Tensor cat(Tensor[] parts, int dim, DType dtype);

    /** {@code [..., m, k] x [..., k, n]} with broadcast batch dims (checked), in the promoted dtype. */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * {@code sum_t g[t] @ y[t]^T} for {@code g: [T, M, L]}, {@code y: [T, K, L]} of one float
     * dtype, accumulated by the GEMM into one {@code [M, K]} result (nothing recorded).
     */
    Tensor batchSumOfProducts(Tensor g, Tensor y);

    /** The instance registered by {@code Tensor}. */
    static Kernels get() {
        Kernels k = Holder.instance;
        if (k == null) {
            TensorInternals.get(); // initialising Tensor registers both
            k = Holder.instance;
        }
        return k;
    }

    /** Called once by {@code Tensor}. */
    static void register(Kernels kernels) {
        Holder.instance = kernels;
    }

    /** Storage for the registered instance. */
    final class Holder {
        private static volatile Kernels instance;

        private Holder() {
        }
    }

    // indexing

    /**
     * {@code x} read at {@code index} (in-range, non-negative I64 values, any shape) along
     * {@code dim}, into a fresh tensor of {@code shape} (x's shape with {@code dim} replaced by
     * the index's; a 0-d {@code x} reads as shape {@code [1]}).
     */
    Tensor indexSelect(Tensor x, int dim, Tensor index, long[] shape);

    /**
     * A copy of {@code x} with {@code alpha * source} added at {@code index} (in range) along
     * {@code dim}; duplicate indices accumulate. Shapes and dtypes checked by the caller.
     */
    Tensor indexAdd(Tensor x, int dim, Tensor index, Tensor source, double alpha);

    /** {@code x} read along {@code dim} at {@code index} (same rank, in range), in the index's shape. */
    Tensor gather(Tensor x, int dim, Tensor index);

    /**
     * A copy of {@code x} with {@code src} written (added, when {@code accumulate}) along
     * {@code dim} at {@code index} (in range); a 0-d {@code src} is one value written everywhere.
     */
    Tensor scatter(Tensor x, int dim, Tensor index, Tensor src, boolean accumulate);
}
