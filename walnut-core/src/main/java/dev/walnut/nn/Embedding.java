package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
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

    public void resetParameters() {
        Init.normal(weight, 0.0, 1.0);
        if (paddingIdx != null) {
            Autograd.noGrad(() -> {
                weight.select(0, paddingIdx).fillInPlace(0.0);
            });
        }
    }

    public Tensor weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor input) {
        return paddingIdx == null ? Tensor.embedding(input, weight) : Tensor.embedding(input, weight, paddingIdx);
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx == null ? "" : ", padding_idx=" + paddingIdx);
    }
}
