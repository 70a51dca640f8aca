package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.functional.Sparse;
import dev.walnut.nn.init.Init;

/**
 * A lookup table {@code [numEmbeddings, embeddingDim]}, initialised N(0, 1) like PyTorch; the
 * {@code paddingIdx} row (if any) is zeroed and receives no gradient.
 *
 * <pre>{@code
 * var emb = new Embedding(100, 16);
 * Tensor h = emb.forward(Tensor.of(3L, 7L));   // [2, 16]
 * }</pre>
 */
public class Embedding extends Module {
    private final long numEmbeddings;
    private final long embeddingDim;
    private final Long paddingIdx;
    private Tensor weight;

    /** A table of {@code numEmbeddings} vectors of size {@code embeddingDim}, drawn from N(0, 1). */
    public Embedding(long numEmbeddings, long embeddingDim) {
        this(numEmbeddings, embeddingDim, null);
    }

    /** @param paddingIdx a row in {@code [-numEmbeddings, numEmbeddings)}, or null */
    public Embedding(long numEmbeddings, long embeddingDim, Long paddingIdx) {
        if (paddingIdx != null && (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings)) {
            throw new IllegalArgumentException("Embedding: paddingIdx must be within [-" + numEmbeddings + ", "
                    + numEmbeddings + "), got " + paddingIdx);
        }
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = paddingIdx == null ? null : (paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx);
        this.weight = registerParameter("weight", Tensor.zeros(numEmbeddings, embeddingDim));
        resetParameters();
    }

    /** Redraws the table from N(0, 1) and zeroes the padding row, as {@code nn.Embedding.reset_parameters} does. */
    public void resetParameters() {
        Init.normal(weight, 0.0, 1.0);
        if (paddingIdx != null) {
            Autograd.noGrad(() -> {
                weight.select(0, paddingIdx).fillInPlace(0.0);
            });
        }
    }

    /** The lookup table, shaped {@code [numEmbeddings, embeddingDim]}. */
    public Tensor weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor input) {
        return paddingIdx == null ? Sparse.embedding(input, weight) : Sparse.embedding(input, weight, paddingIdx);
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx == null ? "" : ", padding_idx=" + paddingIdx);
    }
}
