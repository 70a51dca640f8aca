package dev.walnut.autograd;

import dev.walnut.Tensor;

/**
 * What a {@link Function}'s forward hands to its backward: saved tensors (checked against
 * in-place modification and freed after backward unless the graph is retained) and which inputs
 * need gradients. Plain Java values can simply be fields of the Function instance.
 *
 * <pre>{@code
 * protected Tensor forward(FunctionContext ctx, Tensor... in) { ctx.saveForBackward(in[0], in[1]); ... }
 * protected Tensor[] backward(FunctionContext ctx, Tensor g) { Tensor a = ctx.saved(0); ... }
 * }</pre>
 */
public final class FunctionContext {
    private Tensor[] toSave = new Tensor[0];
    private java.util.Set<Tensor> nonDifferentiable;
    private Node node;

    FunctionContext() {
    }

    /** Saves tensors for backward (call once, in forward). */
    public void saveForBackward(Tensor... tensors) {
        if (node != null) {
            throw new IllegalStateException("saveForBackward: call it in forward, not in backward");
        }
        toSave = tensors.clone();
    }

    /**
     * Marks outputs that carry no gradient (indices, masks, counts), like PyTorch's
     * {@code ctx.mark_non_differentiable}: they are returned without history, and their
     * gradient reaches {@code backwardAll} as zeros. Call it in forward with the very tensors
     * forward returns.
     */
    public void markNonDifferentiable(Tensor... outputs) {
        if (node != null) {
            throw new IllegalStateException("markNonDifferentiable: call it in forward, not in backward");
        }
        if (nonDifferentiable == null) {
            nonDifferentiable = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        }
        java.util.Collections.addAll(nonDifferentiable, outputs);
    }

    boolean isNonDifferentiable(Tensor t) {
        return nonDifferentiable != null && nonDifferentiable.contains(t);
    }

    /** The marks are read once, right after forward; the rule must not keep the outputs alive. */
    void forgetMarks() {
        nonDifferentiable = null;
    }

    /** Saved tensor {@code i} (in backward). */
    public Tensor saved(int i) {
        if (node == null) {
            return toSave[i];
        }
        return node.saved(i);
    }

    /** True when input {@code i} needs a gradient. */
    public boolean needsInputGrad(int i) {
        return node != null && node.needsInputGrad(i);
    }

    Tensor[] toSave() {
        return toSave;
    }

    void bind(Node n) {
        node = n;
        // The node holds the saved tensors now (and frees them after backward); a copy here,
        // reachable from the node's rule, would keep them alive.
        toSave = null;
    }
}
