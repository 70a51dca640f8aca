package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * PyTorch's {@code nn.TransformerEncoderLayer}: self-attention then a feed-forward block
 * ({@code linear1 -> activation -> dropout -> linear2}), each with a residual connection, dropout
 * and layer norm, after the residual (post-norm, the default) or before the block
 * ({@code normFirst}). State-dict names match PyTorch ({@code self_attn.in_proj_weight},
 * {@code linear1.weight}, {@code norm1.weight}, ...).
 *
 * <pre>{@code
 * var layer = new TransformerEncoderLayer(16, 4);          // dimFeedforward 2048, dropout 0.1, relu
 * Tensor y = layer.forward(Tensor.randn(10, 2, 16));       // [S, N, E] -> [S, N, E]
 * }</pre>
 */
public class TransformerEncoderLayer extends Module {
    /** The feed-forward activation. */
    public enum Activation {
        /** ReLU, PyTorch's default. */
        RELU,
        /** Exact (erf) GELU. */
        GELU
    }

    private final boolean normFirst;
    private final Activation activation;
    private final MultiheadAttention selfAttn;
    private final Linear linear1;
    private final Dropout dropout;
    private final Linear linear2;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final Dropout dropout1;
    private final Dropout dropout2;

    /** PyTorch's defaults: dimFeedforward 2048, dropout 0.1, relu, eps 1e-5, sequence-first, post-norm. */
    public TransformerEncoderLayer(long dModel, long nhead) {
        this(dModel, nhead, 2048, 0.1, Activation.RELU, 1e-5, false, false);
    }

    /** Like {@code nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, ...)}. */
    public TransformerEncoderLayer(long dModel, long nhead, long dimFeedforward, double dropout,
                                   Activation activation, double layerNormEps, boolean batchFirst,
                                   boolean normFirst) {
        this.normFirst = normFirst;
        this.activation = activation;
        this.selfAttn = registerModule("self_attn",
                new MultiheadAttention(dModel, nhead, dropout, true, dModel, dModel, batchFirst));
        this.linear1 = registerModule("linear1", new Linear(dModel, dimFeedforward));
        this.dropout = registerModule("dropout", new Dropout(dropout));
        this.linear2 = registerModule("linear2", new Linear(dimFeedforward, dModel));
        this.norm1 = registerModule("norm1", new LayerNorm(new long[] {dModel}, layerNormEps, true));
        this.norm2 = registerModule("norm2", new LayerNorm(new long[] {dModel}, layerNormEps, true));
        this.dropout1 = registerModule("dropout1", new Dropout(dropout));
        this.dropout2 = registerModule("dropout2", new Dropout(dropout));
    }

    /** The self-attention block. */
    public MultiheadAttention selfAttn() {
        return selfAttn;
    }

    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null);
    }

    /**
     * @param srcMask null or the attention mask of {@link MultiheadAttention#forward(Tensor, Tensor,
     *     Tensor, Tensor, boolean, Tensor)} (BOOL true = not allowed, or added floats)
     * @param srcKeyPaddingMask null or {@code [N, S]} keys to ignore
     */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask) {
        Tensor x = src;
        if (normFirst) {
            x = x.add(selfAttentionBlock(norm1.forward(x), srcMask, srcKeyPaddingMask));
            return x.add(feedForwardBlock(norm2.forward(x)));
        }
        x = norm1.forward(x.add(selfAttentionBlock(x, srcMask, srcKeyPaddingMask)));
        return norm2.forward(x.add(feedForwardBlock(x)));
    }

    private Tensor selfAttentionBlock(Tensor x, Tensor mask, Tensor keyPaddingMask) {
        return dropout1.forward(selfAttn.forward(x, x, x, keyPaddingMask, false, mask).output());
    }

    private Tensor feedForwardBlock(Tensor x) {
        Tensor h = linear1.forward(x);
        h = activation == Activation.GELU ? Activations.gelu(h) : Activations.relu(h);
        return dropout2.forward(linear2.forward(dropout.forward(h)));
    }
}
