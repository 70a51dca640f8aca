package dev.walnut.nn;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.nn.functional.Regularization;
import dev.walnut.nn.init.Init;

/**
 * PyTorch's {@code nn.MultiheadAttention}: {@code numHeads} heads of scaled dot-product attention
 * over projections of query, key and value, concatenated and projected by {@code out_proj}.
 * Parameters and state-dict names match PyTorch: {@code in_proj_weight [3E, E]} (or
 * {@code q_proj_weight}, {@code k_proj_weight}, {@code v_proj_weight} when {@code kdim}/{@code vdim}
 * differ from {@code E}), {@code in_proj_bias [3E]}, {@code out_proj.weight}, {@code out_proj.bias}.
 * Initialisation as PyTorch: Xavier-uniform input projections, zero biases, {@code out_proj.weight}
 * as a {@link Linear}'s.
 *
 * <p>Shapes: {@code query [L, N, E]} ({@code [N, L, E]} with {@code batchFirst}, {@code [L, E]}
 * unbatched), {@code key [S, N, kdim]}, {@code value [S, N, vdim]}. Masks follow PyTorch's module
 * convention, the opposite of {@code scaledDotProductAttention}'s: in a BOOL mask {@code true}
 * means <em>not allowed to attend</em>; a floating mask is added to the scores.
 *
 * <pre>{@code
 * var mha = new MultiheadAttention(16, 4);
 * var out = mha.forward(x, x, x, null, true, null);   // out.output() [L, N, 16], out.attentionWeights() [N, L, L]
 * }</pre>
 */
public class MultiheadAttention extends Module {
    /** The attention output and the attention weights (null unless requested). */
    public record Output(Tensor output, Tensor attentionWeights) {
    }

    private final long embedDim;
    private final long kdim;
    private final long vdim;
    private final long numHeads;
    private final long headDim;
    private final double dropout;
    private final boolean batchFirst;
    private Tensor inProjWeight;
    private Tensor qProjWeight;
    private Tensor kProjWeight;
    private Tensor vProjWeight;
    private Tensor inProjBias;
    private final Linear outProj;

    /** With biases, no dropout, sequence-first inputs, like {@code nn.MultiheadAttention(embed_dim, num_heads)}. */
    public MultiheadAttention(long embedDim, long numHeads) {
        this(embedDim, numHeads, 0.0, true, embedDim, embedDim, false);
    }

    /**
     * @param dropout probability of dropping an attention weight while training
     * @param kdim features of the key (PyTorch's default: {@code embedDim})
     * @param vdim features of the value (PyTorch's default: {@code embedDim})
     */
    public MultiheadAttention(long embedDim, long numHeads, double dropout, boolean bias, long kdim, long vdim,
                              boolean batchFirst) {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention: embedDim (" + embedDim
                    + ") must be positive and divisible by numHeads (" + numHeads + ")");
        }
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new IllegalArgumentException("MultiheadAttention: dropout must be in [0, 1], got " + dropout);
        }
        this.embedDim = embedDim;
        this.kdim = kdim;
        this.vdim = vdim;
        this.numHeads = numHeads;
        this.headDim = embedDim / numHeads;
        this.dropout = dropout;
        this.batchFirst = batchFirst;
        if (kdim == embedDim && vdim == embedDim) {
            inProjWeight = registerParameter("in_proj_weight", Tensor.zeros(3 * embedDim, embedDim));
        } else {
            qProjWeight = registerParameter("q_proj_weight", Tensor.zeros(embedDim, embedDim));
            kProjWeight = registerParameter("k_proj_weight", Tensor.zeros(embedDim, kdim));
            vProjWeight = registerParameter("v_proj_weight", Tensor.zeros(embedDim, vdim));
        }
        inProjBias = registerParameter("in_proj_bias", bias ? Tensor.zeros(3 * embedDim) : null);
        outProj = registerModule("out_proj", new Linear(embedDim, embedDim, bias));
        resetParameters();
    }

    /** PyTorch's {@code MultiheadAttention._reset_parameters}. */
    public void resetParameters() {
        if (inProjWeight != null) {
            Init.xavierUniform(inProjWeight);
        } else {
            Init.xavierUniform(qProjWeight);
            Init.xavierUniform(kProjWeight);
            Init.xavierUniform(vProjWeight);
        }
        if (inProjBias != null) {
            Init.zeros(inProjBias);
            Init.zeros(outProj.bias());
        }
    }

    /** {@code in_proj_weight}, or null when separate projections are used. */
    public Tensor inProjWeight() {
        return inProjWeight;
    }

    /** {@code in_proj_bias}, or null when there is no bias or separate projections are used. */
    public Tensor inProjBias() {
        return inProjBias;
    }

    /** {@code out_proj}, the linear layer after the heads are joined. */
    public Linear outProj() {
        return outProj;
    }

    /** The attention output only: {@code forward(query, key, value)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 3) {
            throw new IllegalArgumentException("MultiheadAttention.forward: expected (query, key, value), got "
                    + inputs.length + " tensors");
        }
        return forward(inputs[0], inputs[1], inputs[2], null, false, null).output();
    }

    /**
     * @param keyPaddingMask null or {@code [N, S]} ({@code [S]} unbatched): BOOL true, or a float
     *     added to the scores, marks keys to ignore
     * @param needWeights whether to return the attention weights averaged over the heads,
     *     {@code [N, L, S]} ({@code [L, S]} unbatched)
     * @param attnMask null, {@code [L, S]} or {@code [N * numHeads, L, S]}: BOOL true = not
     *     allowed, or a float added to the scores
     */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, boolean needWeights,
                          Tensor attnMask) {
        boolean batched = query.dim() == 3;
        if (!batched && query.dim() != 2 || key.dim() != query.dim() || value.dim() != query.dim()) {
            throw new IllegalArgumentException("MultiheadAttention.forward: query, key and value must all be 3-D "
                    + "(batched) or 2-D (unbatched), got " + query.dim() + "-D, " + key.dim() + "-D, " + value.dim()
                    + "-D");
        }
        if (!batched) {
            query = query.unsqueeze(0);
            key = key.unsqueeze(0);
            value = value.unsqueeze(0);
            keyPaddingMask = keyPaddingMask == null ? null : keyPaddingMask.unsqueeze(0);
        } else if (!batchFirst) {
            query = query.transpose(0, 1);
            key = key.transpose(0, 1);
            value = value.transpose(0, 1);
        }
        // Now [N, L, E], [N, S, kdim], [N, S, vdim].
        long n = query.size(0);
        long l = query.size(1);
        long s = key.size(1);
        if (query.size(2) != embedDim || key.size(2) != kdim || value.size(2) != vdim || key.size(0) != n
                || value.size(0) != n || value.size(1) != s) {
            throw new IllegalArgumentException("MultiheadAttention.forward: expected query [.., " + embedDim
                    + "], key [S, .., " + kdim + "], value [S, .., " + vdim + "] with matching batch and S");
        }
        Tensor q = project(query, 0, qProjWeight);
        Tensor k = project(key, 1, kProjWeight);
        Tensor v = project(value, 2, vProjWeight);
        q = heads(q, n, l);
        k = heads(k, n, s);
        v = heads(v, n, s);
        Tensor scores = q.matmul(k.transpose(2, 3)).mul(1.0 / Math.sqrt(headDim));   // [N, H, L, S]
        if (attnMask != null) {
            Tensor m = attnMask.dim() == 3 ? attnMask.reshape(n, numHeads, l, s) : attnMask;
            scores = applyMask(scores, m);
        }
        if (keyPaddingMask != null) {
            scores = applyMask(scores, keyPaddingMask.reshape(n, 1, 1, s));
        }
        Tensor weights = scores.softmax(3);
        Tensor dropped = dropout > 0 ? Regularization.dropout(weights, dropout, isTraining()) : weights;
        Tensor out = dropped.matmul(v).permute(0, 2, 1, 3).reshape(n, l, embedDim);
        out = outProj.forward(out);
        Tensor averaged = needWeights ? weights.mean(1) : null;
        if (!batched) {
            out = out.squeeze(0);
            averaged = averaged == null ? null : averaged.squeeze(0);
        } else if (!batchFirst) {
            out = out.transpose(0, 1);
        }
        return new Output(out, averaged);
    }

    private Tensor project(Tensor x, int which, Tensor separateWeight) {
        Tensor w = inProjWeight != null ? inProjWeight.narrow(0, which * embedDim, embedDim) : separateWeight;
        Tensor y = x.matmul(w.t());
        return inProjBias == null ? y : y.add(inProjBias.narrow(0, which * embedDim, embedDim));
    }

    private Tensor heads(Tensor x, long n, long len) {
        return x.reshape(n, len, numHeads, headDim).permute(0, 2, 1, 3);
    }

    private static Tensor applyMask(Tensor scores, Tensor mask) {
        if (mask.dtype() == DType.BOOL) {
            return scores.maskedFill(mask, Double.NEGATIVE_INFINITY);
        }
        return scores.add(mask.to(scores.dtype()));
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
