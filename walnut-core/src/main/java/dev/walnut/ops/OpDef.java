package dev.walnut.ops;

import dev.walnut.Tensor;
import dev.walnut.autograd.Node;

/**
 * One primitive op, described once (DESIGN.md §1.4): its name and PyTorch node name, its typed
 * attributes {@code A} (a record), shape and dtype inference without data, the back-end call, the
 * tensors its reverse rule saves, the reverse rule (VJP) and the forward rule (JVP). Eager mode,
 * the tape, and every transform read this one description through the
 * {@link dev.walnut.dispatch.Dispatcher}; a recorded node carries its op and attributes
 * ({@link Node#op()}, {@link Node#attrs()}).
 *
 * <p>Both rules are written with public tensor ops, so recording them ({@code createGraph})
 * gives higher-order derivatives, and forward mode can be composed with reverse mode. An op
 * that has no derivative says so with {@link #differentiable(Object)}.
 *
 * <pre>{@code
 * OpDef<NoAttrs> exp = ElementwiseOps.EXP;
 * exp.name();                                       // "exp"
 * exp.infer(NoAttrs.NONE, TensorSpec.of(x));        // the output's shape and dtype
 * Tensor y = Dispatcher.call(exp, NoAttrs.NONE, x); // what x.exp() does
 * y.gradFn().op() == exp;                           // true when x requires grad
 * }</pre>
 *
 * @param <A> the attributes record ({@link NoAttrs} for none)
 */
public abstract class OpDef<A> {
    private final String name;
    private final int outputs;
    private final String nodeName;

    /** An op whose node name depends on its attributes: it overrides {@link #nodeName(Object)}. */
    protected OpDef(String name, int outputs) {
        this(name, outputs, null);
    }

    /** An op that always records a node named {@code nodeName}. */
    protected OpDef(String name, int outputs, String nodeName) {
        this.name = name;
        this.outputs = outputs;
        this.nodeName = nodeName;
    }

    /** The op's name in Walnut's vocabulary, e.g. {@code "mul"}; unique in {@link Ops#all()}. */
    public final String name() {
        return name;
    }

    /** Number of outputs. */
    public final int outputCount() {
        return outputs;
    }

    /** The PyTorch-style name of the node it records, e.g. {@code "MulBackward0"}. */
    public String nodeName(A attrs) {
        if (nodeName == null) {
            throw new IllegalStateException(name + " has no fixed node name and does not override nodeName(attrs)");
        }
        return nodeName;
    }

    /**
     * The node name of a call on these inputs; the same as {@link #nodeName(Object)} unless the
     * name depends on the inputs, as PyTorch's {@code MmBackward0} / {@code BmmBackward0} does.
     */
    public String nodeName(A attrs, Tensor[] inputs) {
        return nodeName(attrs);
    }

    /**
     * Output shapes and dtypes from input shapes and dtypes alone, with the same checks as the
     * eager op.
     */
    public abstract TensorSpec[] infer(A attrs, TensorSpec... inputs);

    /** Runs the back-end kernel: fresh outputs, nothing recorded. */
    public abstract Tensor[] compute(A attrs, Tensor[] inputs);

    /**
     * True when {@link #computeInto} can write this op's outputs into preallocated tensors: what
     * a compiled graph's arena executor ({@code CompileMode.REDUCE_OVERHEAD}) needs to run a node
     * without allocating. False by default; the executor then calls {@link #compute}.
     */
    public boolean hasOutKernel(A attrs) {
        return false;
    }

    /**
     * {@link #compute} into {@code outputs}: contiguous tensors of the shapes and dtypes
     * {@link #infer} gives, not overlapping the inputs, with the same bits as {@code compute};
     * only for ops whose {@link #hasOutKernel} is true.
     */
    public void computeInto(A attrs, Tensor[] inputs, Tensor[] outputs) {
        throw new UnsupportedOperationException(name + ": no out= kernel (hasOutKernel is false); call compute");
    }

    /**
     * False for ops without a derivative (comparisons, casts to integers, ...): they never
     * record, and their outputs' tangents are zero.
     */
    public boolean differentiable(A attrs) {
        return true;
    }

    /**
     * The tensors {@link #vjp} reads through {@link Node#saved(int)}, in that order; called only
     * when the op is recorded.
     */
    public abstract Tensor[] save(A attrs, Tensor[] inputs, Tensor[] outputs);

    /**
     * Reverse rule: gradients of the inputs (null where an input needs none, see
     * {@link Node#needsInputGrad(int)}) from the gradients of the outputs.
     */
    public abstract Tensor[] vjp(A attrs, Node node, Tensor[] gradOutputs);

    /**
     * Forward rule: tangents of the outputs from the inputs, the outputs and the inputs'
     * tangents ({@code tangents[i]} null means zero). A null result entry means a zero tangent.
     */
    public abstract Tensor[] jvp(A attrs, Tensor[] inputs, Tensor[] outputs, Tensor[] tangents);

    /**
     * Forward mode in one step: {@code {outputs, tangents}} computed together, for the calls
     * where that is cheaper than {@link #compute} followed by {@link #jvp} (the matrix product
     * multiplies the primal and tangent rows by a shared matrix in one GEMM), or null to take
     * the two steps. Written with public tensor ops, like {@link #jvp}; the outputs must equal
     * what {@code compute} gives up to rounding. The default returns null.
     */
    public Tensor[][] computeWithJvp(A attrs, Tensor[] inputs, Tensor[] tangents) {
        return null;
    }

    @Override
    public String toString() {
        return name;
    }
}
