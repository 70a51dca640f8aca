package dev.walnut.nn.functional;

import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.TensorInternals;
import dev.walnut.ops.IndexingOps;
import java.util.Arrays;

/**
 * PyTorch's sparse functions ({@code F.embedding}, {@code F.one_hot}), where a PyTorch user
 * looks for them. This class owns their argument checks; {@code embedding} records the
 * {@link IndexingOps#EMBEDDING} primitive ({@code nn.Embedding} calls it too).
 *
 * <pre>{@code
 * Tensor w = Tensor.randn(10, 3).setRequiresGrad(true);
 * Tensor ids = Tensor.fromArray(new long[] {1, 2, 4, 5}, 2, 2);
 * Tensor e = Sparse.embedding(ids, w);              // F.embedding(ids, w)        -> [2, 2, 3]
 * Tensor h = Sparse.oneHot(Tensor.of(0L, 2L), 3);   // F.one_hot(t, num_classes=3) -> [[1, 0, 0], [0, 0, 1]]
 * }</pre>
 */
public final class Sparse {
    private Sparse() {
    }

    /**
     * Rows of {@code weight} ({@code [numEmbeddings, embeddingDim]}) looked up by the I64 (or I32)
     * {@code input} of any shape; the result has shape {@code input.shape + [embeddingDim]} and
     * the gradient of {@code weight} sums the rows of repeated indices.
     *
     * <pre>{@code
     * Tensor e = Sparse.embedding(Tensor.of(1L, 3L), Tensor.randn(10, 4));   // [2, 4]
     * }</pre>
     *
     * @param input  the indices, in {@code [0, numEmbeddings)}
     * @param weight the embedding table
     * @return the looked-up rows
     */
    public static Tensor embedding(Tensor input, Tensor weight) {
        return embedding(input, weight, null);
    }

    /**
     * {@link #embedding(Tensor, Tensor)} with PyTorch's {@code padding_idx}: lookups of row
     * {@code paddingIdx} contribute nothing to the gradient of {@code weight}. As in PyTorch a
     * negative {@code paddingIdx} counts from the end ({@code -1} is the last row, not "none");
     * for no padding use the two-argument overload.
     *
     * <pre>{@code
     * Sparse.embedding(Tensor.of(0L, 2L), w, 0).sum().backward();   // row 0 of w.grad() stays 0
     * }</pre>
     *
     * @param input      the indices
     * @param weight     the embedding table
     * @param paddingIdx the row that receives no gradient
     * @return the looked-up rows
     */
    public static Tensor embedding(Tensor input, Tensor weight, long paddingIdx) {
        return embedding(input, weight, Long.valueOf(paddingIdx));
    }

    private static Tensor embedding(Tensor input, Tensor weight, Long paddingIdx) {
        String op = "embedding";
        long[] shape = weight.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException(op + ": weight must be 2-d [numEmbeddings, embeddingDim], got shape "
                    + Arrays.toString(shape));
        }
        long num = shape[0];
        long pad = -1;
        if (paddingIdx != null) {
            if (paddingIdx < -num || paddingIdx >= num) {
                throw new IllegalArgumentException(op + ": paddingIdx " + paddingIdx + " must be within the number of "
                        + "embeddings " + num + " (in [" + -num + ", " + num + "))");
            }
            pad = paddingIdx < 0 ? paddingIdx + num : paddingIdx;
        }
        TensorInternals internals = TensorInternals.get();
        Tensor idx = internals.longIndex(op, "indices", input);
        Long bad = internals.firstOutOfRange(idx, num, false);
        if (bad != null) {
            throw new IndexOutOfBoundsException(op + ": index " + bad + " is out of bounds for dim 0 with size " + num
                    + " (the number of embeddings of weight " + Arrays.toString(shape) + "); valid indices are in [0, "
                    + num + ")");
        }
        return Dispatcher.call(IndexingOps.EMBEDDING, new IndexingOps.Embedding(pad), weight, idx);
    }

    /**
     * One-hot encoding with {@code max + 1} classes ({@code F.one_hot(t)}): an I64 tensor of shape
     * {@code t.shape + [classes]}; not differentiable.
     *
     * <pre>{@code
     * Sparse.oneHot(Tensor.of(0L, 2L));   // [[1, 0, 0], [0, 0, 1]]
     * }</pre>
     *
     * @param tensor the class values (I64 or I32, not negative)
     * @return the encoding
     */
    public static Tensor oneHot(Tensor tensor) {
        return oneHot(tensor, -1);
    }

    /**
     * One-hot encoding with {@code numClasses} classes ({@code F.one_hot(t, num_classes)}); -1
     * infers {@code max + 1}. Class values must lie in {@code [0, numClasses)}.
     *
     * <pre>{@code
     * Sparse.oneHot(Tensor.of(0L, 2L), 5).shape();   // [2, 5]
     * }</pre>
     *
     * @param tensor     the class values, in {@code [0, numClasses)}
     * @param numClasses the number of classes, or -1
     * @return the encoding, I64 of shape {@code t.shape + [numClasses]}
     */
    public static Tensor oneHot(Tensor tensor, long numClasses) {
        String op = "oneHot";
        TensorInternals internals = TensorInternals.get();
        Tensor idx = internals.longIndex(op, "indices", tensor);
        long classes = numClasses;
        if (numClasses == -1) {
            if (idx.numel() == 0) {
                throw new IllegalArgumentException(op + ": cannot infer the number of classes from an empty tensor (shape "
                        + Arrays.toString(idx.shape()) + "); pass numClasses");
            }
            classes = Math.max(internals.maxValue(idx), -1) + 1;
        } else if (numClasses < -1) {
            throw new IllegalArgumentException(op + ": numClasses must be -1 (infer) or non-negative, got " + numClasses);
        }
        if (classes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": numClasses " + classes + " exceeds the largest dim size "
                    + Integer.MAX_VALUE);
        }
        Long bad = internals.firstOutOfRange(idx, classes, false);
        if (bad != null) {
            throw new IndexOutOfBoundsException(op + ": class value " + bad + " is out of bounds for dim " + idx.dim()
                    + " (the class dim) with size " + classes + "; class values must be in [0, " + classes + ")");
        }
        return internals.oneHot(idx, (int) classes);
    }
}
