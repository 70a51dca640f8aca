package dev.walnut.dispatch;

import dev.walnut.Tensor;

/**
 * Marks a tensor that a function transform made for the function it runs: a batched tensor of
 * {@code vmap} (its layout shows one example; the tag holds the whole batch) or a dual tensor of
 * {@code jvp} (the tag holds the tangent). Only the transform's interpreter reads what the tag
 * holds; everywhere else the tag guards against misuse: a tagged tensor that reaches the eager
 * kernels, or whose elements Java reads, after its transform ended escaped it, and the error says
 * so instead of computing with one example.
 *
 * <pre>{@code
 * Tensor leaked[] = new Tensor[1];
 * Func.vmap(x -> { leaked[0] = x; return x.sin(); }).apply(Tensor.randn(8, 3));
 * leaked[0].exp();   // IllegalStateException: a tensor of vmap escaped it ...
 * }</pre>
 */
public abstract class TransformTag {
    /** For the transforms' interpreters. */
    protected TransformTag() {
    }

    /** The transform's name for messages: {@code "vmap"}, {@code "jvp"}. */
    public abstract String transformName();

    /** True while the transform that made the tensor runs. */
    public abstract boolean isActive();

    /**
     * Called when Java code reads the elements of a tensor carrying this tag ({@code method} says
     * how, e.g. {@code "item()"}). The default fails when the transform has ended; a batched
     * tensor's tag always fails, since its layout shows only one example.
     */
    public void onDataRead(String method, Tensor t) {
        if (!isActive()) {
            throw escaped(method);
        }
    }

    /** The error for a tensor of this transform used by {@code what} after the transform ended. */
    public IllegalStateException escaped(String what) {
        String name = transformName();
        return new IllegalStateException(what + ": a tensor made inside " + name + " escaped it (it was stored in a "
                + "variable or field and used after " + name + " returned, or " + name + " is still running on another "
                + "thread); return it from the function passed to " + name + " instead, and use " + name
                + "'s outputs");
    }
}
