package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import java.util.Arrays;

/**
 * Scaled dot-product attention with PyTorch's semantics
 * ({@code torch.nn.functional.scaled_dot_product_attention}), as a composite of matmul, softmax
 * and elementwise ops, so it is differentiable to any order.
 *
 * <pre>{@code
 * // q: [B, H, L, E], k: [B, H, S, E], v: [B, H, S, Ev]  ->  [B, H, L, Ev]
 * Tensor out = Attention.scaledDotProductAttention(q, k, v);
 * Tensor causal = Attention.scaledDotProductAttention(q, k, v, null, 0.0, true);
 * }</pre>
 *
 * <p><b>Fully masked rows.</b> A query row whose every key is masked out (all scores
 * {@code -inf}) has no defined softmax. PyTorch's math backend (since 2.5, its
 * {@code _safe_softmax}) and its fused kernels return zeros for such rows instead of the NaN a
 * plain softmax gives; Walnut does the same, and their gradient is zero, not NaN.
 */
public final class Attention {
    private Attention() {
    }

    /** Attention without mask, dropout or causality, with scale {@code 1/sqrt(E)}. */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value) {
        return scaledDotProductAttention(query, key, value, null, 0.0, false, null, Generator.defaultGenerator());
    }

    /** Attention with an optional mask (null = none). */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask) {
        return scaledDotProductAttention(query, key, value, attnMask, 0.0, false, null, Generator.defaultGenerator());
    }

    /** Attention with mask, dropout (default generator) and causality, scale {@code 1/sqrt(E)}. */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask,
                                                   double dropoutP, boolean isCausal) {
        return scaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, null,
                Generator.defaultGenerator());
    }

    /**
     * {@code softmax(Q K^T * scale + mask) V} over the last two dims of {@code query [..., L, E]},
     * {@code key [..., S, E]} and {@code value [..., S, Ev]}; leading dims broadcast and the result
     * is {@code [..., L, Ev]}.
     *
     * @param attnMask null, a BOOL mask (true = may attend, false = score set to {@code -inf}) or a
     *     floating mask added to the scores; broadcastable to {@code [..., L, S]}
     * @param dropoutP probability of dropping an attention weight (applied whenever positive, as
     *     PyTorch's functional does; pass 0 in eval), with survivors scaled by {@code 1/(1-p)}
     * @param isCausal query {@code i} attends to keys {@code j <= i} (the top-left aligned lower
     *     triangle of the {@code L x S} matrix); exclusive with {@code attnMask}
     * @param scale the score scale; null means {@code 1/sqrt(E)}
     * @param generator draws the dropout mask
     * @throws IllegalArgumentException on mismatched shapes, a mask with causality, or an integer mask
     */
    public static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask,
                                                   double dropoutP, boolean isCausal, Double scale,
                                                   Generator generator) {
        check(query, key, value, attnMask, dropoutP, isCausal);
        long l = query.size(query.dim() - 2);
        long s = key.size(key.dim() - 2);
        long e = query.size(query.dim() - 1);
        double factor = scale != null ? scale : 1.0 / Math.sqrt(e);
        Tensor scores = query.matmul(key.transpose(key.dim() - 2, key.dim() - 1)).mul(factor);
        Tensor allowed = null;
        if (isCausal) {
            boolean[] tri = new boolean[Math.toIntExact(l * s)];
            for (int i = 0; i < l; i++) {
                for (int j = 0; j <= i && j < s; j++) {
                    tri[(int) (i * s + j)] = true;
                }
            }
            allowed = Tensor.fromArray(tri, l, s);
        } else if (attnMask != null && attnMask.dtype() == DType.BOOL) {
            allowed = attnMask;
        } else if (attnMask != null) {
            scores = scores.add(attnMask.to(scores.dtype()));
        }
        if (allowed != null) {
            scores = scores.maskedFill(allowed.logicalNot(), Double.NEGATIVE_INFINITY);
        }
        Tensor weights = safeSoftmax(scores);
        if (dropoutP > 0.0) {
            weights = Regularization.dropout(weights, dropoutP, true, generator);
        }
        return weights.matmul(value);
    }

    /**
     * Softmax over the last dim that gives zeros for rows that are entirely {@code -inf}. Those
     * rows are replaced by zeros before the softmax as well, so neither value nor gradient is NaN.
     */
    private static Tensor safeSoftmax(Tensor scores) {
        int last = scores.dim() - 1;
        // 1 where every score of the row is -inf (min over the row of the "is -inf" indicator).
        Tensor dead = scores.eq(Double.NEGATIVE_INFINITY).to(scores.dtype()).amin(last, true).gt(0.5);
        Tensor zero = Tensor.zeros(new long[0], scores.dtype());
        Tensor safe = Tensor.where(dead, zero, scores);
        return Tensor.where(dead, zero, safe.softmax(last));
    }

    private static void check(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP, boolean isCausal) {
        String shapes = "query " + Arrays.toString(q.shape()) + ", key " + Arrays.toString(k.shape()) + ", value "
                + Arrays.toString(v.shape());
        if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2) {
            throw new IllegalArgumentException("scaledDotProductAttention: query, key and value need at least 2 dims "
                    + "([..., L, E], [..., S, E], [..., S, Ev]), got " + shapes);
        }
        if (q.size(q.dim() - 1) != k.size(k.dim() - 1)) {
            throw new IllegalArgumentException("scaledDotProductAttention: query and key must have the same embedding "
                    + "size E (last dim), got " + shapes);
        }
        if (k.size(k.dim() - 2) != v.size(v.dim() - 2)) {
            throw new IllegalArgumentException("scaledDotProductAttention: key and value must have the same sequence "
                    + "length S (dim -2), got " + shapes);
        }
        if (!(dropoutP >= 0.0 && dropoutP <= 1.0)) {
            throw new IllegalArgumentException("scaledDotProductAttention: dropoutP must be in [0, 1], got " + dropoutP);
        }
        if (isCausal && mask != null) {
            throw new IllegalArgumentException("scaledDotProductAttention: explicit attnMask should not be set when "
                    + "isCausal is true; fold the causal triangle into attnMask instead");
        }
        if (mask != null && mask.dtype() != DType.BOOL && !mask.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("scaledDotProductAttention: attnMask must be BOOL (true = attend) or "
                    + "floating point (added to the scores), got " + mask.dtype());
        }
    }
}
