package dev.walnut.autograd;

import dev.walnut.Tensor;

/**
 * A custom differentiable operation, used like a built-in: subclass it, implement
 * {@link #forward} and {@link #backward}, and call {@link #apply}. Forward runs without
 * recording; {@code apply} records one node whose gradient rule is your {@code backward}.
 *
 * <pre>{@code
 * class Cube extends Function {
 *     protected Tensor forward(FunctionContext ctx, Tensor... in) {
 *         ctx.saveForBackward(in[0]);
 *         return in[0].pow(3);
 *     }
 *     protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
 *         Tensor x = ctx.saved(0);
 *         return new Tensor[] {grad.mul(x.square()).mulScalar(3.0)};
 *     }
 * }
 * Tensor y = new Cube().apply(x);
 * }</pre>
 *
 * <p>Write {@code backward} with tensor ops and it can be differentiated again
 * ({@code createGraph}). Check it with {@link GradCheck}.
 */
public abstract class Function {
    /** Computes the output from the inputs; runs with grad mode off. */
    protected abstract Tensor forward(FunctionContext ctx, Tensor... inputs);

    /**
     * Gradients of the inputs given the gradient of the output: one entry per input (null for
     * inputs that need none, see {@link FunctionContext#needsInputGrad(int)}).
     */
    protected abstract Tensor[] backward(FunctionContext ctx, Tensor gradOutput);

    /** A name for {@code gradFn().name()}; defaults to the class name plus "Backward". */
    protected String name() {
        String n = getClass().getSimpleName();
        return (n.isEmpty() ? "Function" : n) + "Backward";
    }

    /** Runs forward and records the node. */
    public final Tensor apply(Tensor... inputs) {
        var ctx = new FunctionContext();
        Tensor out;
        try (var off = Autograd.noGrad()) {
            out = forward(ctx, inputs);
        }
        if (out == null) {
            throw new IllegalStateException(name() + ": forward returned null");
        }
        for (Tensor in : inputs) {
            // An output that aliases an input would get the input's history overwritten.
            if (in == out) {
                out = out.detach();
                break;
            }
        }
        if (out.requiresGrad()) {
            out = out.detach();
        }
        Node node = Node.record(name(), (n, grads) -> {
            ctx.bind(n);
            Tensor[] g = backward(ctx, grads[0]);
            if (g == null || g.length != inputs.length) {
                throw new IllegalStateException(name() + ".backward returned " + (g == null ? "null" : g.length + " gradients")
                        + " for " + inputs.length + " inputs");
            }
            return g;
        }, inputs, new Tensor[] {out}, ctx.toSave());
        if (node != null) {
            ctx.bind(node);
        }
        return out;
    }
}
