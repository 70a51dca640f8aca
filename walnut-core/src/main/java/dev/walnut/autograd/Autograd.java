package dev.walnut.autograd;

import dev.walnut.Tensor;
import dev.walnut.internal.TensorInternals;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Entry points of the gradient tape: computing gradients, clearing tapes, grad mode, and
 * functional gradients ({@link #grad}, {@link #jacobian}, {@link #hessian}, {@link #vjp},
 * {@link #jvp}, {@link #hvp}).
 *
 * <p>PyTorch's {@code create_graph}/{@code retain_graph}/{@code allow_unused} keyword arguments
 * are passed as one {@link GradOptions}, so that no positional boolean can be mistaken for another
 * (in PyTorch a positional {@code True} is {@code retain_graph} for {@code backward} but a reader
 * of {@code grad(y, x, true)} would guess {@code create_graph}).
 *
 * <pre>{@code
 * Tensor x = Tensor.scalar(2.0).setRequiresGrad(true);
 * Tensor y = x.pow(3);
 * Autograd.computeGradients(y);                 // same as y.backward()
 * x.grad();                                     // 12
 *
 * Tensor g = Autograd.grad(x.pow(3), x, GradOptions.defaults().createGraph()); // 3x^2, differentiable
 * Tensor g2 = Autograd.grad(g, x);              // 6x = 12
 *
 * try (var off = Autograd.noGrad()) { ... }     // nothing recorded
 * }</pre>
 */
public final class Autograd {
    private static volatile long savedBytesWarningThreshold = Long.getLong("walnut.savedBytesWarningThreshold",
            Runtime.getRuntime().maxMemory() / 4);

    private Autograd() {
    }

    /** Backward from a scalar loss on the active context's tape; gradients accumulate into {@code .grad}. */
    public static void computeGradients(Tensor loss) {
        backward(loss, null, GradOptions.defaults());
    }

    /**
     * Backward from the tensor with id {@code tensorId}, which must be the output of an op
     * recorded on the active context's tape (the seed's {@code compute_gradients(loss.id())}).
     */
    public static void computeGradients(long tensorId) {
        GradientContext ctx = ThreadState.get().active();
        int[] slot = new int[1];
        Node n = ctx.tape.findOutput(tensorId, slot);
        if (n == null) {
            throw new IllegalArgumentException("computeGradients: no live tensor with id " + tensorId + " was recorded in "
                    + "the active gradient context " + ctx.id() + " (it may be a leaf, have been recorded in another "
                    + "context, or have been garbage collected); pass the tensor itself to get a more specific message");
        }
        int j = slot[0];
        if (n.outputShapes[j].length != 0 && Arrays.stream(n.outputShapes[j]).reduce(1, (a, b) -> a * b) != 1) {
            throw new IllegalArgumentException("computeGradients: grad can be implicitly created only for scalar "
                    + "outputs, but tensor " + tensorId + " has shape " + Arrays.toString(n.outputShapes[j])
                    + "; reduce it first (sum(), mean()) or call backward(gradOutput) on the tensor");
        }
        runFromNode(n, j);
    }

    private static void runFromNode(Node n, int outputIndex) {
        // The tape knows the node, not the tensor; a stand-in carrying the same autograd
        // identity lets the engine seed it with a gradient of ones.
        Tensor standIn = TensorInternals.get().zeros(n.outputShapes[outputIndex], n.outputDTypes[outputIndex]);
        TensorInternals.get().attachGradFn(standIn, n, outputIndex);
        Engine.run("computeGradients", new Tensor[] {standIn}, null, false, false, null, false);
    }

    /**
     * Backward from {@code output} with {@code options} (PyTorch's
     * {@code torch.autograd.backward(output, grad_output, retain_graph=..., create_graph=...)});
     * gradients accumulate into {@code .grad}. {@code allowUnused} has no effect here.
     *
     * <pre>{@code
     * Tensor y = x.mul(x);                                       // x = [1, 2]
     * Autograd.backward(y, Tensor.ones(2), GradOptions.defaults().retainGraph());
     * x.grad();                                                  // [2, 4]
     * }</pre>
     *
     * @param gradOutput gradient of the final objective w.r.t. {@code output}; null means ones
     *                   (allowed only for single-element outputs)
     */
    public static void backward(Tensor output, Tensor gradOutput, GradOptions options) {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(options, "options: pass GradOptions.defaults() for PyTorch's defaults");
        Engine.run("backward", new Tensor[] {output}, new Tensor[] {gradOutput}, options.isRetainGraph(),
                options.isCreateGraph(), null, false);
    }

    /**
     * Gradients of {@code outputs} w.r.t. {@code inputs}, returned rather than accumulated into
     * {@code .grad} (PyTorch's {@code torch.autograd.grad(outputs, inputs, grad_outputs, ...)}).
     * The preferred form.
     *
     * <pre>{@code
     * Tensor x = Tensor.fromArray(new double[] {3}, 1).setRequiresGrad(true);
     * Tensor z = Tensor.fromArray(new double[] {5}, 1).setRequiresGrad(true);
     * Tensor y = x.mul(x);
     * Tensor[] g = Autograd.grad(new Tensor[] {y}, new Tensor[] {x, z},
     *         new Tensor[] {Tensor.ones(1)}, GradOptions.defaults().allowUnused());
     * // g[0] = [6], g[1] = null
     * }</pre>
     *
     * @param gradOutputs one per output, or null (ones for single-element outputs)
     * @param options     createGraph / retainGraph / allowUnused; {@link GradOptions#defaults()} for none
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, GradOptions options) {
        Objects.requireNonNull(options, "options: pass GradOptions.defaults() for PyTorch's defaults");
        if (gradOutputs != null && gradOutputs.length != outputs.length) {
            throw new IllegalArgumentException("grad: got " + gradOutputs.length + " gradOutputs for " + outputs.length
                    + " outputs");
        }
        return Engine.run("grad", outputs, gradOutputs, options.isRetainGraph(), options.isCreateGraph(), inputs,
                options.isAllowUnused());
    }

    /**
     * Gradient of {@code output} w.r.t. {@code input} with {@code options}; {@code output} must
     * have a single element. With {@code allowUnused} the result is null when {@code output}
     * does not depend on {@code input}.
     *
     * <pre>{@code
     * Tensor dy = Autograd.grad(x.pow(3), x, GradOptions.defaults().createGraph()); // 3x^2
     * Tensor d2y = Autograd.grad(dy, x, GradOptions.defaults());                     // 6x
     * }</pre>
     */
    public static Tensor grad(Tensor output, Tensor input, GradOptions options) {
        return grad(new Tensor[] {output}, new Tensor[] {input}, null, options)[0];
    }

    /** Gradient of a single-element {@code output} w.r.t. {@code input} with PyTorch's defaults; frees the graph. */
    public static Tensor grad(Tensor output, Tensor input) {
        return grad(output, input, GradOptions.defaults());
    }

    /**
     * Jacobian of {@code f} at {@code x}: shape {@code f(x).shape ++ x.shape}. {@code f} is
     * evaluated once; one backward per output element.
     */
    public static Tensor jacobian(UnaryOperator<Tensor> f, Tensor x) {
        return jacobian(f, x, false);
    }

    /** Jacobian; with {@code createGraph} it is differentiable w.r.t. {@code x}. */
    public static Tensor jacobian(UnaryOperator<Tensor> f, Tensor x, boolean createGraph) {
        if (!createGraph) {
            // A private context keeps the probe graph off the caller's tape.
            try (var ctx = new GradientContext()) {
                return jacobianOnActiveTape(f, x, false);
            }
        }
        return jacobianOnActiveTape(f, x, true);
    }

    private static Tensor jacobianOnActiveTape(UnaryOperator<Tensor> f, Tensor x, boolean createGraph) {
        Tensor in = createGraph && x.requiresGrad() ? x : x.detach().setRequiresGrad(true);
        Tensor y;
        try (var on = enableGrad()) {
            y = f.apply(in);
        }
        long m = y.numel();
        long[] outShape = y.shape();
        long[] inShape = x.shape();
        long[] jShape = new long[outShape.length + inShape.length];
        System.arraycopy(outShape, 0, jShape, 0, outShape.length);
        System.arraycopy(inShape, 0, jShape, outShape.length, inShape.length);
        if (m == 0 || !y.requiresGrad()) {
            return Tensor.zeros(jShape, y.dtype());
        }
        Tensor flatY = y.reshape(m);
        Tensor[] rows = new Tensor[(int) m];
        for (int i = 0; i < m; i++) {
            Tensor g = Tensor.zeros(new long[] {m}, y.dtype());
            try (var off = noGrad()) {
                g.select(0, i).fillInPlace(1.0);
            }
            Tensor r = grad(new Tensor[] {flatY}, new Tensor[] {in}, new Tensor[] {g},
                    GradOptions.defaults().createGraph(createGraph).retainGraph().allowUnused())[0];
            rows[i] = r == null ? Tensor.zerosLike(x) : r;
        }
        return Tensor.stack(rows, 0).reshape(jShape);
    }

    /** Hessian of a scalar-valued {@code f} at {@code x}: shape {@code x.shape ++ x.shape}. */
    public static Tensor hessian(UnaryOperator<Tensor> f, Tensor x) {
        return jacobian(z -> {
            Tensor y = f.apply(z);
            if (y.numel() != 1) {
                throw new IllegalArgumentException("hessian: f must return a single-element tensor, got shape "
                        + Arrays.toString(TensorInternals.shapeOf(y)));
            }
            Tensor g = grad(new Tensor[] {y}, new Tensor[] {z}, null, GradOptions.defaults().createGraph().allowUnused())[0];
            return g == null ? Tensor.zerosLike(z) : g;
        }, x);
    }

    /**
     * Jacobians of {@code f} at several inputs, like
     * {@code torch.autograd.functional.jacobian(f, (x, y))}: element {@code j} has shape
     * {@code f(inputs).shape ++ inputs[j].shape}. Runs in a private gradient context: nothing is
     * recorded on the caller's tape and no {@code .grad} changes; the results are detached.
     *
     * <pre>{@code
     * // f(x, y) = x * y at x = [1, 2], y = [3, 4]: df/dx = diag(y), df/dy = diag(x)
     * Tensor[] j = Autograd.jacobian(in -> in[0].mul(in[1]), new Tensor[] {x, y});
     * // j[0] = [[3, 0], [0, 4]], j[1] = [[1, 0], [0, 2]]
     * }</pre>
     */
    public static Tensor[] jacobian(Function<Tensor[], Tensor> f, Tensor[] inputs) {
        return FunctionalGradients.jacobian(f, inputs);
    }

    /**
     * Hessian blocks of a scalar-valued {@code f} at several inputs, like
     * {@code torch.autograd.functional.hessian(f, (x, y))}: block {@code [i][j]} is
     * {@code d2f / dx_i dx_j}, of shape {@code inputs[i].shape ++ inputs[j].shape}. Leaves the
     * caller's tape and {@code .grad} untouched; the results are detached.
     *
     * <pre>{@code
     * // f(x, y) = sum(x^2 * y) at x = [1, 2], y = [3, 4]
     * Tensor[][] h = Autograd.hessian(in -> in[0].pow(2).mul(in[1]).sum(), new Tensor[] {x, y});
     * // h[0][0] = diag(2y) = [[6, 0], [0, 8]], h[0][1] = h[1][0] = diag(2x), h[1][1] = 0
     * }</pre>
     */
    public static Tensor[][] hessian(Function<Tensor[], Tensor> f, Tensor[] inputs) {
        return FunctionalGradients.hessian(f, inputs);
    }

    /**
     * Vector-Jacobian product {@code v^T J} of {@code f} at {@code inputs}, with the value
     * {@code f(inputs)}, like {@code torch.autograd.functional.vjp(f, inputs, v)}: one product per
     * input, shaped like it. Leaves the caller's tape and {@code .grad} untouched.
     *
     * <pre>{@code
     * // f(x, y) = x * y; v^T J = (v * y, v * x)
     * ValueAndProduct r = Autograd.vjp(in -> in[0].mul(in[1]), new Tensor[] {x, y}, v);
     * r.value(); r.product(0); r.product(1);
     * }</pre>
     *
     * @param v shaped like {@code f(inputs)}; null means ones, allowed when the output has one element
     */
    public static ValueAndProduct vjp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor v) {
        return FunctionalGradients.vjp(f, inputs, v);
    }

    /**
     * {@link #vjp(Function, Tensor[], Tensor)} of a one-input function.
     *
     * <pre>{@code
     * Tensor g = Autograd.vjp(t -> t.pow(2), x, v).product();   // 2 x v
     * }</pre>
     */
    public static ValueAndProduct vjp(UnaryOperator<Tensor> f, Tensor x, Tensor v) {
        return vjp(in -> f.apply(in[0]), new Tensor[] {x}, v);
    }

    /**
     * Jacobian-vector product {@code J v} of {@code f} at {@code inputs} with tangents
     * {@code v} (one per input, shaped like it), with the value {@code f(inputs)}, like
     * {@code torch.autograd.functional.jvp}; the single product is shaped like the output.
     * Computed with two reverse passes (the double-vjp trick, as PyTorch's functional jvp does).
     * Leaves the caller's tape and {@code .grad} untouched.
     *
     * <pre>{@code
     * // f(x, y) = x * y; J v = vx * y + x * vy
     * Tensor jv = Autograd.jvp(in -> in[0].mul(in[1]), new Tensor[] {x, y}, new Tensor[] {vx, vy}).product();
     * }</pre>
     *
     * @param v one tangent per input; null means ones, allowed when every input has one element
     */
    public static ValueAndProduct jvp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor[] v) {
        return FunctionalGradients.jvp(f, inputs, v);
    }

    /**
     * {@link #jvp(Function, Tensor[], Tensor[])} of a one-input function.
     *
     * <pre>{@code
     * Tensor jv = Autograd.jvp(t -> t.sin(), x, v).product();   // cos(x) * v
     * }</pre>
     */
    public static ValueAndProduct jvp(UnaryOperator<Tensor> f, Tensor x, Tensor v) {
        return jvp(in -> f.apply(in[0]), new Tensor[] {x}, new Tensor[] {v});
    }

    /**
     * Hessian-vector product {@code H v} of a scalar-valued {@code f} at {@code inputs}, with
     * the value, like {@code torch.autograd.functional.hvp}: one product per input, shaped like
     * it ({@code sum_j H[i][j] v[j]}), without forming the Hessian. Leaves the caller's tape and
     * {@code .grad} untouched.
     *
     * <pre>{@code
     * // f(x) = sum(x^3): H = diag(6x), H v = 6 x v
     * Tensor hv = Autograd.hvp(in -> in[0].pow(3).sum(), new Tensor[] {x}, new Tensor[] {v}).product();
     * }</pre>
     *
     * @param v one vector per input; null means ones, allowed when every input has one element
     */
    public static ValueAndProduct hvp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor[] v) {
        return FunctionalGradients.hvp(f, inputs, v);
    }

    /**
     * {@link #hvp(Function, Tensor[], Tensor[])} of a one-input function.
     *
     * <pre>{@code
     * Tensor hv = Autograd.hvp(t -> t.pow(3).sum(), x, v).product();   // 6 x v
     * }</pre>
     */
    public static ValueAndProduct hvp(UnaryOperator<Tensor> f, Tensor x, Tensor v) {
        return hvp(in -> f.apply(in[0]), new Tensor[] {x}, new Tensor[] {v});
    }

    /**
     * Clears the active context's tape ({@code tapeSize()} reads 0). Graphs you still hold stay
     * usable: their memory belongs to the tensors that reference them, not to the tape.
     */
    public static void clearTape() {
        ThreadState.get().active().tape.clear();
    }

    /** Clears context 0's tape, whatever context is active (see {@link #clearTape()}). */
    public static void clearDefaultContextTape() {
        ThreadState.get().defaultContext.tape.clear();
    }

    /** True when ops on this thread record onto the tape. */
    public static boolean isGradEnabled() {
        return ThreadState.get().gradEnabled;
    }

    /** Turns recording on or off for this thread (prefer the scoped {@link #noGrad()}). */
    public static void setGradEnabled(boolean enabled) {
        ThreadState.get().gradEnabled = enabled;
    }

    /** Disables recording until the returned scope is closed. Nestable. */
    public static GradMode noGrad() {
        return new GradMode(false);
    }

    /** Enables recording until the returned scope is closed (e.g. inside {@link #noGrad()}). */
    public static GradMode enableGrad() {
        return new GradMode(true);
    }

    /** Runs {@code body} with recording disabled and returns its result. */
    public static <T> T noGrad(Supplier<T> body) {
        try (var off = noGrad()) {
            return body.get();
        }
    }

    /** Runs {@code body} with recording disabled. */
    public static void noGrad(Runnable body) {
        try (var off = noGrad()) {
            body.run();
        }
    }

    /** Runs {@code body} with recording enabled and returns its result. */
    public static <T> T enableGrad(Supplier<T> body) {
        try (var on = enableGrad()) {
            return body.get();
        }
    }

    /**
     * Bytes of live saved tensors in one context above which a warning is logged once (default:
     * a quarter of the maximum heap; system property {@code walnut.savedBytesWarningThreshold}).
     * Only graphs that something still references count, so the warning means a real leak, such
     * as a loss accumulated without {@code item()}.
     */
    public static long savedBytesWarningThreshold() {
        return savedBytesWarningThreshold;
    }

    /** Sets the bound of {@link #savedBytesWarningThreshold()}. */
    public static void setSavedBytesWarningThreshold(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("setSavedBytesWarningThreshold: must be positive, got " + bytes);
        }
        savedBytesWarningThreshold = bytes;
    }

    /** A scope that sets grad mode and restores the previous mode on close. */
    public static final class GradMode implements AutoCloseable {
        private final ThreadState state;
        private final boolean previous;
        private boolean closed;

        private GradMode(boolean enabled) {
            state = ThreadState.get();
            previous = state.gradEnabled;
            state.gradEnabled = enabled;
        }

        @Override
        public void close() {
            if (!closed) {
                state.gradEnabled = previous;
                closed = true;
            }
        }
    }
}
