package dev.walnut.autograd;

/**
 * Options of a backward pass: PyTorch's {@code create_graph}, {@code retain_graph} and
 * {@code allow_unused} keyword arguments as one immutable value, so that calls cannot mix up
 * positional booleans. Every method returns a new object; start from {@link #defaults()}.
 *
 * <pre>{@code
 * // torch.autograd.grad(y, x, create_graph=True)
 * Tensor g = Autograd.grad(y, x, GradOptions.defaults().createGraph());
 * // torch.autograd.grad([y], [x, z], allow_unused=True, retain_graph=True)
 * Tensor[] gs = Autograd.grad(new Tensor[] {y}, new Tensor[] {x, z}, null,
 *         GradOptions.defaults().retainGraph().allowUnused());
 * }</pre>
 *
 * <p>As in PyTorch, the graph is retained when {@code createGraph} is set even if
 * {@code retainGraph} is not: the recorded backward pass needs the saved tensors.
 */
public final class GradOptions {
    private static final GradOptions DEFAULTS = new GradOptions(false, false, false);

    private final boolean createGraph;
    private final boolean retainGraph;
    private final boolean allowUnused;

    private GradOptions(boolean createGraph, boolean retainGraph, boolean allowUnused) {
        this.createGraph = createGraph;
        this.retainGraph = retainGraph;
        this.allowUnused = allowUnused;
    }

    /**
     * PyTorch's defaults: no graph of the backward pass, the graph freed afterwards, every input
     * must be used.
     *
     * <pre>{@code
     * Tensor g = Autograd.grad(x.pow(2).sum(), x, GradOptions.defaults());
     * }</pre>
     */
    public static GradOptions defaults() {
        return DEFAULTS;
    }

    /**
     * These options with {@code createGraph} set: the backward pass is recorded, so the returned
     * gradients can be differentiated again (implies {@link #retainGraph()}).
     *
     * <pre>{@code
     * Tensor dy = Autograd.grad(x.pow(3), x, GradOptions.defaults().createGraph()); // 3x^2
     * Tensor d2y = Autograd.grad(dy, x, GradOptions.defaults());                     // 6x
     * }</pre>
     */
    public GradOptions createGraph() {
        return createGraph(true);
    }

    /**
     * These options with {@code createGraph} set to {@code value}.
     *
     * <pre>{@code
     * GradOptions o = GradOptions.defaults().createGraph(higherOrder);
     * }</pre>
     */
    public GradOptions createGraph(boolean value) {
        return new GradOptions(value, retainGraph, allowUnused);
    }

    /**
     * These options with {@code retainGraph} set: the saved tensors are kept, so the same graph
     * can be walked backward again.
     *
     * <pre>{@code
     * Autograd.backward(loss, null, GradOptions.defaults().retainGraph());
     * loss.backward();                                  // the second pass is allowed
     * }</pre>
     */
    public GradOptions retainGraph() {
        return retainGraph(true);
    }

    /**
     * These options with {@code retainGraph} set to {@code value}.
     *
     * <pre>{@code
     * GradOptions o = GradOptions.defaults().retainGraph(step < last);
     * }</pre>
     */
    public GradOptions retainGraph(boolean value) {
        return new GradOptions(createGraph, value, allowUnused);
    }

    /**
     * These options with {@code allowUnused} set: {@link Autograd#grad} returns null for an input
     * the outputs do not depend on, instead of failing. It has no effect on
     * {@link Autograd#backward(dev.walnut.Tensor, dev.walnut.Tensor, GradOptions)}.
     *
     * <pre>{@code
     * Tensor[] g = Autograd.grad(new Tensor[] {x.sum()}, new Tensor[] {x, unused}, null,
     *         GradOptions.defaults().allowUnused());             // g[1] == null
     * }</pre>
     */
    public GradOptions allowUnused() {
        return allowUnused(true);
    }

    /**
     * These options with {@code allowUnused} set to {@code value}.
     *
     * <pre>{@code
     * GradOptions o = GradOptions.defaults().allowUnused(false);
     * }</pre>
     */
    public GradOptions allowUnused(boolean value) {
        return new GradOptions(createGraph, retainGraph, value);
    }

    /**
     * Whether the backward pass is recorded.
     *
     * <pre>{@code
     * GradOptions.defaults().createGraph().isCreateGraph();   // true
     * }</pre>
     */
    public boolean isCreateGraph() {
        return createGraph;
    }

    /**
     * Whether the graph is kept after the pass: set explicitly or implied by {@code createGraph}.
     *
     * <pre>{@code
     * GradOptions.defaults().createGraph().isRetainGraph();   // true
     * }</pre>
     */
    public boolean isRetainGraph() {
        return retainGraph || createGraph;
    }

    /**
     * Whether unused inputs get a null gradient instead of an error.
     *
     * <pre>{@code
     * GradOptions.defaults().isAllowUnused();                 // false
     * }</pre>
     */
    public boolean isAllowUnused() {
        return allowUnused;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GradOptions g && g.createGraph == createGraph && g.isRetainGraph() == isRetainGraph()
                && g.allowUnused == allowUnused;
    }

    @Override
    public int hashCode() {
        return (createGraph ? 4 : 0) + (isRetainGraph() ? 2 : 0) + (allowUnused ? 1 : 0);
    }

    /** PyTorch's keyword form, e.g. {@code GradOptions(create_graph=True, retain_graph=True, allow_unused=False)}. */
    @Override
    public String toString() {
        return "GradOptions(create_graph=" + py(createGraph) + ", retain_graph=" + py(isRetainGraph())
                + ", allow_unused=" + py(allowUnused) + ")";
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }
}
