package dev.walnut.backend;

import dev.walnut.DType;
import dev.walnut.backend.cpu.DepthwiseConvKernels;
import dev.walnut.backend.cpu.Im2ColKernels;
import dev.walnut.backend.cpu.PoolKernels;

/**
 * The kernels a tensor library needs, over opaque {@link Storage} and {@link Layout}s: the seam
 * between the tensor layer (shapes, dtype rules, broadcasting, autograd) and the code that
 * touches elements (DESIGN.md §7). The CPU back end ({@code dev.walnut.backend.cpu.CpuBackend},
 * scalar and Vector API kernels) implements it; a GPU back end implements the same methods.
 *
 * <p>Conventions: a method that takes {@code (Storage s, int off)} reads {@code s} as contiguous
 * from {@code off}; one that takes a {@link Layout} reads it strided (a stride of 0 broadcasts).
 * Results are fresh storages, contiguous from 0, unless a method says it writes in place. The
 * tensor layer has checked shapes, dtypes and index ranges before a call; what a back end still
 * checks (values it alone sees, such as a pooling index) it reports with an
 * {@link IllegalArgumentException} naming the op. Op codes are those of {@code BinaryOp},
 * {@code UnaryOp} and {@code ReduceOp}.
 *
 * <pre>{@code
 * Backend b = CpuBackend.INSTANCE;
 * Storage x = b.fromArray(new float[] {1, 2, 3});
 * Storage y = b.unary(UnaryOp.EXP, 0, 0, x, 0, 3);          // exp, contiguous in and out
 * double first = b.getDouble(y, 0);                          // 2.718...
 * }</pre>
 */
public interface Backend {
    // ------------------------------------------------------------------ storage

    /** {@code n} zeros of {@code dtype} (false for bool). */
    Storage allocate(DType dtype, int n);

    /** {@code n} copies of {@code value} converted to {@code dtype} (nonzero is true for bool). */
    Storage full(DType dtype, int n, double value);

    /**
     * A storage over a Java primitive array ({@code float[]}, {@code double[]}, {@code int[]},
     * {@code long[]} or {@code boolean[]}), whose dtype it takes. The CPU back end shares the
     * array; others copy it.
     */
    Storage fromArray(Object array);

    /** A fresh Java primitive array of the storage's type holding its {@code n} elements from {@code off}. */
    Object toArray(Storage s, int off, int n);

    /** Element {@code i} as a double (bool: 1 or 0). */
    double getDouble(Storage s, int i);

    /** Element {@code i} as a long (floats truncate toward zero). */
    long getLong(Storage s, int i);

    /** Writes {@code value} converted to the storage's dtype at element {@code i} (no version bump). */
    void setDouble(Storage s, int i, double value);

    /** Copies {@code src} read through {@code from} into {@code dst} at {@code to} (same shape), converting dtypes. */
    void copy(Storage src, Layout from, Storage dst, Layout to);

    /** Writes {@code value} at every element of {@code to}; integers and bools take {@code (long) value}. */
    void fill(Storage dst, Layout to, double value);

    // ------------------------------------------------------------------ elementwise

    /** Unary op {@code op} with parameters {@code p1}, {@code p2} over {@code n} elements, in the storage's dtype. */
    Storage unary(int op, double p1, double p2, Storage x, int off, int n);

    /**
     * {@link #unary} into {@code n} contiguous elements of {@code out} (the storage's dtype) from
     * {@code outOff}, for executors that preallocate ({@code out} may be {@code x}: each element
     * is read before it is written).
     */
    void unaryInto(int op, double p1, double p2, Storage x, int off, int n, Storage out, int outOff);

    /**
     * Binary op {@code op} of {@code a} and {@code b} (one dtype) read through layouts of
     * {@code shape} (broadcast strides allowed), into {@code out}: their dtype, or BOOL for
     * comparisons.
     */
    Storage binary(int op, Storage a, Layout la, Storage b, Layout lb, int[] shape, DType out);

    /**
     * {@link #binary} into {@code numel(shape)} contiguous elements of {@code out} from
     * {@code outOff} (its dtype is the result's), for executors that preallocate; {@code out} must
     * not overlap {@code a} or {@code b}.
     */
    void binaryInto(int op, Storage a, Layout la, Storage b, Layout lb, int[] shape, Storage out, int outOff);

    /** {@code target += other} in place: {@code target} contiguous of {@code other}'s shape and dtype. */
    void addInto(Storage target, Layout lt, Storage other, Layout lo);

    /** {@code cond ? a : b} (cond bool; a and b one dtype) through layouts of {@code shape}. */
    Storage where(Storage cond, Layout lc, Storage a, Layout la, Storage b, Layout lb, int[] shape);

    /** {@link #where} into {@code numel(shape)} contiguous elements of {@code out} from {@code outOff}; no overlap. */
    void whereInto(Storage cond, Layout lc, Storage a, Layout la, Storage b, Layout lb, int[] shape, Storage out, int outOff);

    /** {@code g} where {@code x > threshold}, else 0, over {@code n} float elements of one dtype. */
    Storage thresholdBackward(Storage g, int gOff, Storage x, int xOff, int n, double threshold);

    /** {@link #thresholdBackward} into {@code n} contiguous elements of {@code out} from its first; no overlap with the inputs. */
    void thresholdBackwardInto(Storage g, int gOff, Storage x, int xOff, int n, double threshold, Storage out);

    /** Logical not of {@code n} bools. */
    Storage logicalNot(Storage x, int off, int n);

    /**
     * Runs a fused elementwise program (see {@link ElementwiseProgram}) over F32 or F64 inputs of
     * one dtype, read through layouts of {@code shape} (broadcast strides allowed), into a fresh
     * contiguous storage of that dtype: the same bits as its steps run one by one. A program that
     * ends with a sum ({@link ElementwiseProgram#sumsResult()}) returns one element, summed in
     * double.
     */
    Storage elementwise(ElementwiseProgram program, Storage[] inputs, Layout[] layouts, int[] shape);

    /**
     * {@link #elementwise} into the preallocated contiguous {@code out} from its first element
     * (at least as many elements as the result); {@code out} must not overlap the inputs.
     */
    void elementwiseInto(ElementwiseProgram program, Storage[] inputs, Layout[] layouts, int[] shape, Storage out);

    // ------------------------------------------------------------------ reductions, scans, sorting over [outer, len, inner]

    /**
     * Reduction {@code rop} (SUM, PROD, MAX, MIN) over the middle axis of {@code [outer, len, inner]}
     * into {@code out} elements of dtype {@code out} (integer and bool sums and products: I64).
     */
    Storage reduce(int rop, Storage x, int off, int outer, int len, int inner, DType out);

    /**
     * {@link #reduce} into {@code outer * inner} contiguous elements of {@code out} from
     * {@code outOff} (its dtype is the result's), for executors that preallocate.
     */
    void reduceInto(int rop, Storage x, int off, int outer, int len, int inner, Storage out, int outOff);

    /** Values and I64 indices of the max ({@code ReduceOp.ARGMAX}) or min over the middle axis (not bool). */
    Storage[] argReduce(int rop, Storage x, int off, int outer, int len, int inner);

    /** {@code log(sum(exp(x)))} over the middle axis of a float tensor, computed stably. */
    Storage logSumExp(Storage x, int off, int outer, int len, int inner);

    /** Softmax (or log-softmax) over the middle axis of a float tensor. */
    Storage softmax(Storage x, int off, int outer, int len, int inner, boolean log);

    /** {@link #softmax} into {@code outer * len * inner} contiguous elements of {@code out} from {@code outOff}. */
    void softmaxInto(Storage x, int off, int outer, int len, int inner, boolean log, Storage out, int outOff);

    /**
     * Layer norm of {@code rows} contiguous F32 rows of {@code n} from {@code xOff}, plus the
     * residual rows of {@code r} from {@code rOff} when {@code r} is not null, times the weight
     * and plus the bias ({@code n} contiguous elements each, either may be null), into
     * {@code rows * n} contiguous elements of {@code out} from {@code outOff}.
     */
    /**
     * {@code softmax(scale * q k^T) v} of F32 {@code q [items, L, d]}, {@code k [items, S, d]} and
     * {@code v [items, S, dv]} read through their layouts, into {@code items * L * dv} contiguous
     * elements of {@code out} from {@code outOff}; or, for 4-d layouts, the heads-last form
     * {@code q [B, L, H, d]}, {@code k [B, S, H, d]}, {@code v [B, S, H, dv]} into a contiguous
     * {@code [B, L, H, dv]} (each head attends on its own).
     */
    void attentionInto(Storage q, Layout lq, Storage k, Layout lk, Storage v, Layout lv, float scale, Storage out, int outOff);

    void layerNormInto(Storage x, int xOff, Storage r, int rOff, Storage w, int wOff, Storage b, int bOff, int rows, int n,
                       double eps, Storage out, int outOff);

    /** Cumulative sum or product over the middle axis (F32, F64 or I64). */
    Storage scan(Storage x, int off, int outer, int len, int inner, boolean prod);

    /** The stable sorting permutation (I64) of every slice along the middle axis. */
    Storage argsort(Storage x, int off, int outer, int len, int inner, boolean descending);

    /** The first {@code k} entries along the middle axis of every slice, taken in the order of {@code perm}. */
    Storage takeSorted(Storage x, int off, int outer, int len, int inner, Storage perm, int k);

    /** The inverse of {@code perm} (I64, a permutation of every slice along the middle axis). */
    Storage invertPermutation(Storage perm, int outer, int len, int inner);

    // ------------------------------------------------------------------ linear algebra

    /**
     * Batched {@code [..., m, k] x [..., k, n]} products in {@code a}'s dtype: {@code la} and
     * {@code lb} have shape {@code batch + [m, k]} and {@code batch + [k, n]} (broadcast batch
     * strides allowed); the result is {@code batch + [m, n]}.
     */
    Storage matmul(Storage a, Layout la, Storage b, Layout lb);

    /**
     * {@link #matmul} into the contiguous {@code batch + [m, n]} elements of {@code out} from
     * {@code outOff}, for executors that preallocate; {@code out} must not overlap {@code a} or
     * {@code b}. A plain 2-d product allocates nothing here (the GEMM packs into per-thread buffers).
     */
    void matmulInto(Storage a, Layout la, Storage b, Layout lb, Storage out, int outOff);

    /** {@code sum_t g[t] @ y[t]^T} for {@code g: [T, M, L]} and {@code y: [T, K, L]} (one float dtype): [M, K]. */
    Storage batchSumOfProducts(Storage g, Layout lg, Storage y, Layout ly);

    // ------------------------------------------------------------------ windows (convolution and pooling over [N, C, ...])

    /** [N, C, *size] (contiguous, float) to [N, C * prod(kernel), prod(blocks)]; {@code planes} = N * C. */
    Storage im2col(Storage x, int off, int planes, Im2ColKernels.Geometry g);

    /** {@link #im2col} written into {@code out} from its element 0 (every element; old contents never read), not {@code x}'s storage. */
    void im2colInto(Storage x, int off, int planes, Im2ColKernels.Geometry g, Storage out);

    /** The adjoint of {@link #im2col}, summing overlapping windows into [N, C, *size]. */
    Storage col2im(Storage cols, int off, int planes, Im2ColKernels.Geometry g);

    /** Whether the valid stride-1 convolution's fused kernels pay for a conv of this size (else im2col and a GEMM). */
    boolean stride1ConvolutionPays(long cIn, long cOut, int h, int w, int kh, int kw);

    /**
     * Whether a strided ({@code sH x sW}), undilated, ungrouped {@code kH x kW} conv should run as the
     * stride-1 convolution of its phase-split input ({@code C_in sH sW} channels, a
     * {@code ceil(kH / sH) x ceil(kW / sW)} kernel), else im2col and a GEMM.
     */
    boolean phaseSplitConvolutionPays(long cIn, long cOut, int sh, int sw, int kh, int kw);

    /**
     * Whether a strided, undilated, ungrouped convolution of these channels runs faster as one
     * {@link #conv2d} call (with its strides) than as im2col and a GEMM.
     */
    boolean stridedConvolutionPays(DType dtype, long cIn, long cOut, int sh, int sw, int kh, int kw);

    /**
     * The valid 2-d convolution with strides {@code sh, sw} of a contiguous {@code [n, cIn, h, w]}
     * input, padded with zeros by {@code pad} ({@code {top, bottom, left, right}}, or null for
     * none), with a {@code [cOut, cIn, kh, kw]} weight and an optional {@code [cOut]} bias (null
     * storage), plus an optional contiguous residual the output's shape (null storage, else read
     * from {@code rOff}), clamped to {@code [min, max]} as it is stored (infinite bounds for none).
     */
    Storage conv2d(Storage x, int off, Storage w, Layout lw, Storage bias, Layout lb, Storage residual, int rOff, int n,
                   int cIn, int h, int wd, int[] pad, int cOut, int kh, int kw, int sh, int sw, double min, double max);

    /**
     * {@link #conv2d} written into {@code out} from its element 0 (at least the output's size; its
     * old contents are never read), which must share no storage with {@code x} or
     * {@code residual}: the kernel reads them while it writes.
     */
    void conv2dInto(Storage x, int off, Storage w, Layout lw, Storage bias, Layout lb, Storage residual, int rOff, int n,
                    int cIn, int h, int wd, int[] pad, int cOut, int kh, int kw, int sh, int sw, double min, double max,
                    Storage out);

    /** Its input gradient, or null where the fused kernels would not be exact (non-finite weights). */
    Storage conv2dInputGrad(Storage gy, int off, Storage w, Layout lw, int n, int cIn, int h, int wd, int cOut, int kh,
                            int kw);

    /**
     * {@link #conv2dInputGrad} written into {@code out} from its element 0 (every element written),
     * which must share no storage with {@code gy}; false, {@code out} untouched, where that returns null.
     */
    boolean conv2dInputGradInto(Storage gy, int off, Storage w, Layout lw, int n, int cIn, int h, int wd, int cOut,
                                int kh, int kw, Storage out);

    /** Its weight gradient, or null where the fused kernels would not be exact (non-finite input). */
    Storage conv2dWeightGrad(Storage x, int xOff, Storage gy, int gOff, int n, int cIn, int h, int wd, int cOut, int kh,
                             int kw);

    /** Its bias gradient: {@code gy [n, cOut, positions]} summed over batch and positions. */
    Storage conv2dBiasGrad(Storage gy, int off, int n, int cOut, int positions);

    /**
     * The depthwise 2-d convolution of a contiguous {@code [n, channels, h, w]} input with a
     * {@code [channels * multiplier, 1, kh, kw]} weight and an optional bias (null storage),
     * clamped to {@code [min, max]} as it is stored (infinite bounds for none).
     */
    Storage depthwiseConv2d(Storage x, int off, Storage w, Layout lw, Storage bias, Layout lb,
                            DepthwiseConvKernels.Geometry g, double min, double max);

    /**
     * {@link #depthwiseConv2d} written into {@code out} from its element 0 (at least
     * {@code g.outputSize()} elements; old contents never read), which must not share storage
     * with {@code x}.
     */
    void depthwiseConv2dInto(Storage x, int off, Storage w, Layout lw, Storage bias, Layout lb,
                             DepthwiseConvKernels.Geometry g, double min, double max, Storage out);

    /** Its input gradient from a contiguous output gradient. */
    Storage depthwiseConv2dInputGrad(Storage gy, int off, Storage w, Layout lw, DepthwiseConvKernels.Geometry g);

    /** Its weight gradient, summed over the batch, from a contiguous input and output gradient. */
    Storage depthwiseConv2dWeightGrad(Storage x, int xOff, Storage gy, int gOff, DepthwiseConvKernels.Geometry g);

    /** Window max of {@code planes} contiguous planes, without the argmax (inference). */
    Storage maxPoolValues(Storage x, int off, int planes, PoolKernels.Windows g);

    /** {@link #maxPoolValues} into {@code out} (every element written). */
    void maxPoolValuesInto(Storage x, int off, int planes, PoolKernels.Windows g, Storage out);

    /** Window max and I64 argmax (flat in-plane index) of {@code planes} contiguous planes. */
    Storage[] maxPool(Storage x, int off, int planes, PoolKernels.Windows g);

    /** {@link #maxPool} into {@code out} and {@code indices} from their element 0 (every element written). */
    void maxPoolInto(Storage x, int off, int planes, PoolKernels.Windows g, Storage out, Storage indices);

    /**
     * Zeros of {@code planes} planes of {@code height x width} with {@code g} ({@code outH x outW}
     * per plane) added at a max pool's own in-plane indices.
     */
    Storage maxPoolBackward(Storage g, int gOff, Storage indices, int iOff, int planes, int height, int width,
                            int outH, int outW);

    /** {@link #maxPoolBackward} into {@code out} from its element 0 (every element written; no storage shared with {@code g}). */
    void maxPoolBackwardInto(Storage g, int gOff, Storage indices, int iOff, int planes, int height, int width,
                             int outH, int outW, Storage out);

    /** Window sums divided by {@code divisor} (one per window of a plane). */
    Storage avgPool(Storage x, int off, int planes, PoolKernels.Windows g, double[] divisor);

    /** The adjoint of {@link #avgPool}. */
    Storage avgPoolBackward(Storage g, int off, int planes, PoolKernels.Windows w, double[] divisor);

    /**
     * {@code x} scattered into zeros of {@code planes * outPlane} at the in-plane {@code indices};
     * an index outside the plane is an error naming {@code op}.
     */
    Storage maxUnpool(String op, Storage x, int off, Storage indices, int iOff, int planes, int inPlane, int outPlane,
                      String planeShape);

    // ------------------------------------------------------------------ indexing (I64 index storages)

    /**
     * The position (from {@code off}) of the first of {@code n} indices outside {@code [0, size)}
     * (or {@code [-size, size)} with {@code allowNegative}), or -1.
     */
    int firstOutOfRange(Storage idx, int off, int n, long size, boolean allowNegative);

    /** The {@code n} indices from {@code off} with negative ones wrapped by {@code size}, or null when none is negative. */
    Storage wrapNegative(Storage idx, int off, int n, long size);

    /** {@code x [outer, len, inner]} read along the middle axis at {@code n} indices: {@code [outer, n, inner]}. */
    Storage indexSelect(Storage x, int off, int outer, int len, int inner, Storage idx, int idxOff, int n);

    /** {@code out [outer, len, inner] += alpha * src [outer, n, inner]} at the {@code n} indices, in place. */
    void indexAdd(Storage out, int outer, int len, int inner, Storage idx, int idxOff, int n, Storage src, int srcOff,
                  double alpha);

    /**
     * {@code x} gathered along one dim: for every (outer offset, index position, inner offset)
     * the element at {@code srcOuter[o] + idx * dimStride + srcInner[i]}, in row-major order.
     */
    Storage gather(Storage x, int[] srcOuter, int dimStride, int[] srcInner, Storage idx, int idxOff, int idxLen);

    /** {@link #gather} into the contiguous {@code out} from its first element; no overlap with the inputs. */
    void gatherInto(Storage x, int[] srcOuter, int dimStride, int[] srcInner, Storage idx, int idxOff, int idxLen,
                    Storage out);

    /** The adjoint layout walk of {@link #gather}: writes (or adds) {@code src} into {@code out} in place. */
    void scatter(boolean accumulate, Storage src, int[] srcOuter, int srcDimStride, int[] srcInner, Storage idx,
                 int idxOff, int idxLen, Storage out, int[] outOuter, int outDimStride, int[] outInner);

    /** Positions (from {@code off}) of the nonzero ones of {@code n} elements. */
    long[] nonzeroPositions(Storage x, int off, int n);

    /** I64 one-hot rows of {@code classes} for {@code n} in-range indices. */
    Storage oneHot(Storage idx, int off, int n, int classes);

    // ------------------------------------------------------------------ fused kernels that earn their place

    /**
     * One pass of SGD over {@code n} contiguous F32/F64 elements of {@code param}, in place;
     * {@code buf} is the momentum buffer (null without momentum). Bumps nothing: the caller does.
     */
    void sgdUpdate(Storage param, int po, Storage grad, int go, Storage buf, int bo, int n, boolean negate,
                   double weightDecay, double momentum, double dampening, boolean nesterov, boolean firstStep, double lr);

    /** One pass of Adam (AdamW with {@code decay != 1}; AMSGrad with {@code vmax}) over {@code n} elements, in place. */
    void adamUpdate(Storage param, int po, Storage grad, int go, Storage m, int mo, Storage v, int vo, Storage vmax,
                    int xo, int n, boolean negate, double l2, double decay, double beta1, double beta2, double eps,
                    double stepSize, double sqrtBias2);

    /** A matrix packed once for repeated products, opaque outside its back end. */
    interface Packed {
        /** Bytes the packed copy holds. */
        long bytes();
    }

    /** Whether packing pays for an {@code [m, k] x [k, n]} product (else the plain GEMM is as fast). */
    boolean packingPays(int m, int n, int k);

    /** {@code W^T} of an F32 {@code [n, k]} weight read through {@code lw}, packed for {@link #linearPacked}. */
    Packed packTransposed(Storage w, Layout lw);

    /** {@code x W^T (+ bias)} for an F32 {@code [m, k]} x through a packed weight: {@code [m, n]}. */
    Storage linearPacked(Storage x, Layout lx, Packed w, int n, Storage bias, Layout lb);

    /**
     * {@link #linearPacked} into {@code m * n} contiguous F32 elements of {@code out} from
     * {@code outOff} ({@code out} must not overlap {@code x} or the bias), with {@code relu} a ReLU
     * applied to each block of the product as it is stored (while it is in cache), not by a
     * second pass over the whole output.
     */
    void linearPackedInto(Storage x, Layout lx, Packed w, int n, Storage bias, Layout lb, boolean relu, Storage out,
                          int outOff);
}
