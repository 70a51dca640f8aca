package dev.walnut.nn.functional;

import dev.walnut.Tensor;

/**
 * PyTorch's sparse functions ({@code F.embedding}, {@code F.one_hot}), where a PyTorch user
 * looks for them. They call the indexing primitives behind {@link Tensor#embedding} and
 * {@link Tensor#oneHot}, so both spellings record the same op.
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
     * @param input  the indices, in {@code [0, numEmbeddings)}
     * @param weight the embedding table
     * @return the looked-up rows
     */
    public static Tensor embedding(Tensor input, Tensor weight) {
        return Tensor.embedding(input, weight);
    }

    /**
     * {@link #embedding(Tensor, Tensor)} with PyTorch's {@code padding_idx}: lookups of row
     * {@code paddingIdx} give no gradient to it (a negative value counts from the end).
     *
     * @param input      the indices
     * @param weight     the embedding table
     * @param paddingIdx the row that receives no gradient
     * @return the looked-up rows
     */
    public static Tensor embedding(Tensor input, Tensor weight, long paddingIdx) {
        return Tensor.embedding(input, weight, paddingIdx);
    }

    /**
     * One-hot encoding with {@code max + 1} classes ({@code F.one_hot(t)}): an I64 tensor of shape
     * {@code t.shape + [classes]}.
     *
     * @param tensor the class values (I64 or I32, not negative)
     * @return the encoding
     */
    public static Tensor oneHot(Tensor tensor) {
        return Tensor.oneHot(tensor);
    }

    /**
     * One-hot encoding with {@code numClasses} classes ({@code F.one_hot(t, num_classes)}); -1
     * infers {@code max + 1}.
     *
     * @param tensor     the class values, in {@code [0, numClasses)}
     * @param numClasses the number of classes, or -1
     * @return the encoding, I64 of shape {@code t.shape + [numClasses]}
     */
    public static Tensor oneHot(Tensor tensor, long numClasses) {
        return Tensor.oneHot(tensor, numClasses);
    }
}
