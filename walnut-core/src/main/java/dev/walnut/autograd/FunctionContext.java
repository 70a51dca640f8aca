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
