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
    /**
     * Computes the output from the inputs; runs with grad mode off. Override this, or
     * {@link #forwardAll} for a function with several outputs.
     */
    protected Tensor forward(FunctionContext ctx, Tensor... inputs) {
        throw new UnsupportedOperationException(name() + ": override forward(ctx, inputs), or forwardAll(ctx, inputs) "
                + "for several outputs");
    }

    /**
     * Gradients of the inputs given the gradient of the output: one entry per input (null for
     * inputs that need none, see {@link FunctionContext#needsInputGrad(int)}). Override this, or
     * {@link #backwardAll} for a function with several outputs.
     */
    protected Tensor[] backward(FunctionContext ctx, Tensor gradOutput) {
        throw new UnsupportedOperationException(name() + ": override backward(ctx, gradOutput), or backwardAll(ctx, "
                + "gradOutputs) for several outputs");
    }

    /**
     * Several outputs, like a PyTorch {@code forward} returning a tuple; runs with grad mode off.
     * Mark outputs that carry no gradient (indices, masks) with
     * {@link FunctionContext#markNonDifferentiable}.
     *
     * <pre>{@code
     * protected Tensor[] forwardAll(FunctionContext ctx, Tensor... in) {
     *     ctx.saveForBackward(in[0]);
     *     return new Tensor[] {in[0].sin(), in[0].cos()};
     * }
     * protected Tensor[] backwardAll(FunctionContext ctx, Tensor[] g) {
     *     Tensor x = ctx.saved(0);
     *     return new Tensor[] {g[0].mul(x.cos()).sub(g[1].mul(x.sin()))};
     * }
     * Tensor[] sinCos = new SinCos().applyAll(x);
     * }</pre>
     */
    protected Tensor[] forwardAll(FunctionContext ctx, Tensor... inputs) {
        return new Tensor[] {forward(ctx, inputs)};
    }

    /**
     * Gradients of the inputs from the gradients of all outputs (zeros for an output that got
     * none, and for the outputs marked non-differentiable).
     */
    protected Tensor[] backwardAll(FunctionContext ctx, Tensor[] gradOutputs) {
        return backward(ctx, gradOutputs[0]);
    }

    /** A name for {@code gradFn().name()}; defaults to the class name plus "Backward". */
    protected String name() {
        String n = getClass().getSimpleName();
        return (n.isEmpty() ? "Function" : n) + "Backward";
    }

    /** Runs forward and records the node; the function must have one output (see {@link #applyAll}). */
    public final Tensor apply(Tensor... inputs) {
        Tensor[] outs = applyAll(inputs);
        if (outs.length != 1) {
            throw new IllegalStateException(name() + ": forwardAll returned " + outs.length + " outputs; use applyAll(...)");
        }
        return outs[0];
    }

    /** Runs {@link #forwardAll} and records one node for all its outputs. */
    public final Tensor[] applyAll(Tensor... inputs) {
        var ctx = new FunctionContext();
        Tensor[] outs;
        try (var off = Autograd.noGrad()) {
            outs = forwardAll(ctx, inputs);
        }
        if (outs == null || outs.length == 0) {
            throw new IllegalStateException(name() + ": forward returned " + (outs == null ? "null" : "no outputs"));
        }
        outs = outs.clone();
        boolean[] marked = new boolean[outs.length];
        for (int j = 0; j < outs.length; j++) {
            Tensor out = outs[j];
            if (out == null) {
                throw new IllegalStateException(name() + ": forward returned null for output " + j);
            }
            marked[j] = ctx.isNonDifferentiable(out);
            for (Tensor in : inputs) {
                // An output that aliases an input would get the input's history overwritten.
                if (in == out) {
                    out = out.detach();
                    break;
                }
            }
            outs[j] = out.requiresGrad() ? out.detach() : out;
        }
        ctx.forgetMarks();
        Node node = Node.record(name(), (n, grads) -> {
            ctx.bind(n);
            Tensor[] g = backwardAll(ctx, grads);
            if (g == null || g.length != inputs.length) {
                throw new IllegalStateException(name() + ".backward returned " + (g == null ? "null" : g.length + " gradients")
                        + " for " + inputs.length + " inputs");
            }
            return g;
        }, inputs, outs, ctx.toSave());
        if (node != null) {
            ctx.bind(node);
            for (int j = 0; j < outs.length; j++) {
                if (marked[j]) {
                    outs[j] = outs[j].detach(); // no history; its gradient reaches backwardAll as zeros
                }
            }
        }
        return outs;
    }
}
