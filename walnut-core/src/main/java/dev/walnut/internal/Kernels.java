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

    // shape and content

    /** Constant padding by (left, right) pairs from the last dim backwards; negative pads crop. */
    Tensor constantPad(Tensor x, long[] pad, double value);

    /** {@link #constantPad} into a contiguous {@code out} of the padded shape and {@code x}'s dtype. */
    void constantPadInto(Tensor x, long[] pad, double value, Tensor out);

    /** A copy of {@code x} reversed along the distinct, non-negative {@code dims}. */
    Tensor flip(Tensor x, int[] dims);

    /** The (offset, dim1, dim2) diagonal as a view, appended as the last dim. */
    Tensor diagonal(Tensor x, long offset, int dim1, int dim2);

    /** Zeros of {@code shape} with {@code v} on the (offset, dim1, dim2) diagonal. */
    Tensor diagEmbed(Tensor v, long[] shape, long offset, int dim1, int dim2);

    /** Cumulative sum or product along {@code dim}; integers and bools scan in I64. */
    Tensor scan(Tensor x, int dim, boolean prod);

    /** Sorted values and I64 indices along {@code dim}. */
    Tensor[] sort(Tensor x, int dim, boolean descending);

    /** The {@code k} largest (or smallest) values along {@code dim}, sorted, and their I64 indices. */
    Tensor[] topk(Tensor x, int k, int dim, boolean largest);

    /** {@code t} gathered along {@code dim} by {@code perm}, a permutation of every slice. */
    Tensor permuteAlongDim(Tensor t, Tensor perm, int dim);

    /** The inverse of {@code perm}, a permutation of every slice along {@code dim}. */
    Tensor invertPermutation(Tensor perm, int dim);

    // windows (convolution and pooling over [N, C, ...])

    /** [N, C, *size] -> [N, C * prod(kernel), prod(blocks)]. */
    Tensor im2col(Tensor x, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride);

    /** {@link #im2col} into {@code out} (see the out= forms below). */
    void im2colInto(Tensor x, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride, Tensor out);

    /** [N, C * prod(kernel), prod(blocks)] -> [N, C, *outputSize], summing overlapping windows. */
    Tensor col2im(Tensor x, int[] outputSize, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride);

    /** Whether the valid stride-1 convolution's fused kernels pay for a conv of this size (else im2col and a GEMM). */
    boolean stride1ConvolutionPays(long cIn, long cOut, int h, int w, int kh, int kw);

    /**
     * Whether a strided ({@code sH x sW}), undilated, ungrouped {@code kH x kW} conv should run as the
     * stride-1 convolution of its phase-split input ({@code C_in sH sW} channels, a
     * {@code ceil(kH / sH) x ceil(kW / sW)} kernel), else im2col and a GEMM.
     */
    boolean phaseSplitConvolutionPays(long cIn, long cOut, int sh, int sw, int kh, int kw);

    /**
     * The valid stride-1 2-d convolution; {@code bias} may be null; the output is clamped to
     * {@code [min, max]} as it is stored (infinite bounds for none, {@code [0, inf]} for ReLU).
     */
    default Tensor conv2d(Tensor x, Tensor weight, Tensor bias, double min, double max) {
        return conv2d(x, weight, bias, null, null, min, max);
    }

    /**
     * {@link #conv2d(Tensor, Tensor, Tensor, double, double)} of {@code x} padded with zeros by
     * {@code pad} ({@code constantPad}'s {@code {left, right, top, bottom}}, or null), plus
     * {@code residual} (null, or a tensor the output's shape) before the clamp: the padding is
     * laid out by the kernel with its input, the residual added as each output plane is stored.
     */
    default Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Tensor residual, long[] pad, double min, double max) {
        return conv2d(x, weight, bias, residual, pad, 1, 1, min, max);
    }

    /** {@link #conv2d(Tensor, Tensor, Tensor, Tensor, long[], double, double)} with strides {@code sh, sw}. */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Tensor residual, long[] pad, int sh, int sw, double min,
                  double max);

    /** {@link #conv2d(Tensor, Tensor, Tensor, Tensor, long[], double, double)} into {@code out} (see the out= forms below). */
    default void conv2dInto(Tensor x, Tensor weight, Tensor bias, Tensor residual, long[] pad, double min, double max,
                            Tensor out) {
        conv2dInto(x, weight, bias, residual, pad, 1, 1, min, max, out);
    }

    /** {@link #conv2d(Tensor, Tensor, Tensor, Tensor, long[], int, int, double, double)} into {@code out}. */
    void conv2dInto(Tensor x, Tensor weight, Tensor bias, Tensor residual, long[] pad, int sh, int sw, double min,
                    double max, Tensor out);

    /** Whether a strided convolution of this dtype and these sizes runs as one {@code stridedConvolution}. */
    boolean stridedConvolutionPays(DType dtype, long cIn, long cOut, int sh, int sw, int kh, int kw);

    /** Its input gradient by the fused kernels, or null where they would not be exact (non-finite weights). */
    Tensor conv2dInputGrad(Tensor gradOutput, Tensor weight, long[] inputShape);

    /** {@link #conv2dInputGrad} into a contiguous {@code out} of {@code inputShape}; false (out untouched) where that gives null. */
    boolean conv2dInputGradInto(Tensor gradOutput, Tensor weight, long[] inputShape, Tensor out);

    /** Its weight gradient by the fused kernels, or null where they would not be exact (non-finite input). */
    Tensor conv2dWeightGrad(Tensor x, Tensor gradOutput, long[] weightShape);

    /** Its bias gradient: {@code gradOutput} summed over batch and positions. */
    Tensor conv2dBiasGrad(Tensor gradOutput);

    /**
     * The depthwise 2-d convolution {@code [N, C, H, W] * [C * m, 1, kH, kW] (+ [C * m])};
     * {@code window} is {@code {strideH, strideW, padH, padW, dilationH, dilationW}}; {@code bias}
     * may be null; the output is clamped to {@code [min, max]} as it is stored (infinite bounds for
     * none).
     */
    Tensor depthwiseConv2d(Tensor x, Tensor weight, Tensor bias, int[] window, double min, double max);

    /** {@link #depthwiseConv2d} into {@code out} (see the out= forms below). */
    void depthwiseConv2dInto(Tensor x, Tensor weight, Tensor bias, int[] window, double min, double max, Tensor out);

    /** Its input gradient, of {@code inputShape}. */
    Tensor depthwiseConv2dInputGrad(Tensor gradOutput, Tensor weight, long[] inputShape, int[] window);

    /** Its weight gradient, of {@code weightShape}, summed over the batch. */
    Tensor depthwiseConv2dWeightGrad(Tensor x, Tensor gradOutput, long[] weightShape, int[] window);

    /** Window max over [N, C, H, W] without the argmax. */
    Tensor maxPoolValues(Tensor x, dev.walnut.backend.cpu.PoolKernels.Windows windows, int outH, int outW);

    /** {@link #maxPoolValues} into a contiguous {@code out} of the output's shape and dtype. */
    void maxPoolValuesInto(Tensor x, dev.walnut.backend.cpu.PoolKernels.Windows windows, int outH, int outW, Tensor out);

    /** Window max and I64 argmax (flat in-plane index) over [N, C, H, W]. */
    Tensor[] maxPool(Tensor x, dev.walnut.backend.cpu.PoolKernels.Windows windows, int outH, int outW);

    /** {@link #maxPool} into contiguous {@code out} and {@code indices} of the output's shape (values dtype, I64). */
    void maxPoolInto(Tensor x, dev.walnut.backend.cpu.PoolKernels.Windows windows, int outH, int outW, Tensor out,
                     Tensor indices);

    /** Zeros of {@code inputShape} with {@code g} added at a max pool's own indices, in one pass. */
    Tensor maxPoolBackward(Tensor g, Tensor indices, long[] inputShape);

    /** {@link #maxPoolBackward} into a contiguous {@code out} of {@code inputShape}. */
    void maxPoolBackwardInto(Tensor g, Tensor indices, long[] inputShape, Tensor out);

    /** Window sums divided by {@code divisor} over [N, C, H, W]. */
    Tensor avgPool(Tensor x, dev.walnut.backend.cpu.PoolKernels.Windows windows, double[] divisor, int outH, int outW);

    /** The adjoint of {@link #avgPool}, back to {@code inputShape}. */
    Tensor avgPoolBackward(Tensor g, dev.walnut.backend.cpu.PoolKernels.Windows windows, double[] divisor, long[] inputShape);

    /** {@code x} scattered into zeros [N, C, outH, outW] at in-plane {@code indices}; a bad index is an error naming {@code op}. */
    Tensor maxUnpool(String op, Tensor x, Tensor indices, int outH, int outW);

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

    // fused kernels that earn their place (optimizer updates, packed-weight linear)

    /** True when every tensor is contiguous, of {@code param}'s dtype (F32 or F64) and size, and none requires grad. */
    boolean fusedUpdateApplies(Tensor param, Tensor grad, Tensor... buffers);

    /**
     * One pass of SGD on {@code param} in place ({@code SGD}'s formula): {@code buf} is the
     * momentum buffer (null without momentum), filled with the direction on the first step.
     */
    void sgdUpdate(Tensor param, Tensor grad, boolean negate, double weightDecay, double momentum, double dampening,
                   boolean nesterov, Tensor buf, boolean firstStep, double lr);

    /**
     * One pass of Adam on {@code param} in place with an optional L2 term {@code l2} and a
     * decoupled decay factor {@code decay} (AdamW; 1 for none); {@code vmax} is null without AMSGrad.
     */
    void adamUpdate(Tensor param, Tensor grad, boolean negate, double l2, double decay, Tensor m, Tensor v, Tensor vmax,
                    double beta1, double beta2, double eps, double stepSize, double sqrtBias2);

    /** A weight packed once for repeated products, tied to the weight's values (opaque outside the back end). */
    interface PackedWeight {
        /** Bytes the packed copy holds. */
        long bytes();

        /** True while it still holds {@code w}'s current values (same tensor, storage, layout and version). */
        boolean isFor(Tensor w);
    }

    /** Whether packing the weight pays for an {@code [m, k] x [k, n]} product (else the plain GEMM is as fast). */
    boolean packingPays(int m, int n, int k);

    /**
     * Runs a fused elementwise program over {@code inputs} (F32 or F64, one dtype, broadcast to
     * one shape) into a fresh tensor of that dtype and shape.
     */
    Tensor elementwise(dev.walnut.backend.ElementwiseProgram program, Tensor[] inputs);

    /** {@code W^T} of an F32 {@code [n, k]} weight, packed for {@link #linearPacked}. */
    default PackedWeight packLinearWeight(Tensor weight) {
        return packLinearWeight(weight, false);
    }

    /**
     * An F32 weight packed for {@link #linearPacked} as the {@code [k, n]} right operand: {@code W^T}
     * of a {@code [n, k]} weight, or with {@code kn} a {@code [k, n]} weight as it is (ONNX's MatMul).
     */
    PackedWeight packLinearWeight(Tensor weight, boolean kn);

    /** {@code x W^T (+ bias)} for an F32 {@code [m, k]} x through a packed weight: [m, n]. */
    Tensor linearPacked(Tensor x, PackedWeight weight, Tensor bias);

    // The "out=" forms, for executors that preallocate (the compiled graph's arena): each writes
    // into a contiguous {@code out} of the result's shape and dtype, which must not overlap the
    // inputs unless said otherwise, and fails naming the op when {@code out} does not fit.

    /** {@link #binary} into {@code out} of the broadcast shape and dtype {@code out.dtype()}; {@code name} names the op. */
    void binaryInto(String name, int op, Tensor a, Tensor b, DType compute, Tensor out);

    /** {@link #unary} into {@code out} of x's shape, in out's dtype; {@code out} may be {@code x} itself. */
    void unaryInto(int op, double p1, double p2, Tensor x, Tensor out);

    /** {@link #elementwise} into {@code out}. */
    void elementwiseInto(dev.walnut.backend.ElementwiseProgram program, Tensor[] inputs, Tensor out);

    /** {@link #linearPacked} into {@code out} [m, n], then a ReLU with {@code relu} (applied block by block as the product is stored). */
    void linearPackedInto(Tensor x, PackedWeight weight, Tensor bias, boolean relu, Tensor out);

    /** {@link #matmul} into {@code out}; two 2-d operands of out's dtype allocate nothing. */
    void matmulInto(Tensor a, Tensor b, Tensor out);

    /** {@link #thresholdBackward} into {@code out} (starting its storage). */
    void thresholdBackwardInto(Tensor g, Tensor x, double threshold, Tensor out);

    /** {@link #reduce} into {@code out}. */
    void reduceInto(String name, int rop, Tensor x, int[] dims, boolean keepDim, Tensor out);

    /**
     * {@code softmax(scale * q k^T) v} of F32 {@code q [items, L, d]}, {@code k [items, S, d]} and
     * {@code v [items, S, dv]} (any strides) into a contiguous F32 {@code out [items, L, dv]}; 4-d
     * operands are heads-last, {@code q [B, L, H, d]} into {@code out [B, L, H, dv]}.
     */
    void attentionInto(Tensor q, Tensor k, Tensor v, double scale, Tensor out);

    /**
     * Layer norm over the last dim of F32 {@code x} (plus {@code residual} of x's shape, when
     * not null), times {@code weight} and plus {@code bias} (1-d, the last dim's size; either
     * may be null), into a contiguous F32 {@code out} of x's shape.
     */
    void layerNormInto(Tensor x, Tensor residual, Tensor weight, Tensor bias, double eps, Tensor out);

    /** {@link #softmax} into {@code out}. */
    void softmaxInto(Tensor x, int dim, boolean log, Tensor out);

    /** {@link #cast} into {@code out}: a copy of {@code x} converted to out's dtype. */
    void castInto(Tensor x, Tensor out);

    /** {@link #where} into {@code out}. */
    void whereInto(Tensor cond, Tensor a, Tensor b, DType dtype, Tensor out);

    /** {@link #gather} into {@code out} (starting its storage). */
    void gatherInto(Tensor x, int dim, Tensor index, Tensor out);

    /** {@link #scatter} into {@code out}: a copy of {@code x} with {@code src} written (or added) at {@code index}. */
    void scatterInto(Tensor x, int dim, Tensor index, Tensor src, boolean accumulate, Tensor out);

    /**
     * Element {@code i} (in storage order from the offset) of a contiguous tensor as a double,
     * without the index array and checks of {@code Tensor.getDouble}: for executors that read
     * small parameter tensors on every call.
     */
    double elementAt(Tensor t, int i);

    /** Sets element {@code i} of a contiguous tensor (see {@link #elementAt}) and bumps its version. */
    void setElementAt(Tensor t, int i, double value);

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
}
