package dev.walnut.autograd;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.internal.AutogradInternals;
import dev.walnut.internal.TensorInternals;
import dev.walnut.ops.OpDef;
import java.util.ArrayList;
import java.util.List;

/**
 * One recorded operation on a gradient tape: what {@code tensor.gradFn()} returns (PyTorch's
 * {@code grad_fn}). It knows its inputs, the tensors it saved for backward (with the version each
 * was saved at), and the primitive it records with its attributes ({@link #op()},
 * {@link #attrs()}), whose reverse rule backward runs.
 *
 * <p>Primitives record through the dispatcher; user code extends {@link Function} instead.
 *
 * <pre>{@code
 * Tensor y = x.mul(x);
 * y.gradFn().name();            // "MulBackward0"
 * y.gradFn().op();              // ElementwiseOps.MUL
 * }</pre>
 */
public final class Node {
    /**
     * A gradient rule: from the gradients of the outputs, the gradients of the inputs (null for
     * an input that gets none). Rules must read saved tensors through {@link Node#saved(int)}
     * (never capture them), and must be written with tensor ops so that recording them
     * ({@code createGraph}) yields higher-order derivatives.
     */
    @FunctionalInterface
    public interface Rule {
        Tensor[] backward(Node node, Tensor[] gradOutputs);
    }

    private static final Tensor[] NO_TENSORS = new Tensor[0];

    static {
        AutogradInternals.register((node, outputIndex, id) -> node.context.tape.rememberId(id, node, outputIndex));
    }

    private final String name;
    private final Rule rule;
    /** The primitive and attributes this node records; null for a custom {@link Function}. */
    private final OpDef<Object> op;
    private final Object attrs;
    final long sequence;
    // Edges: for input i either a producing node (inputNodes[i], output inputSlots[i]), or a
    // leaf that requires grad (inputLeaves[i]), or neither (a constant).
    Node[] inputNodes;
    int[] inputSlots;
    Tensor[] inputLeaves;
    final int[][] inputShapes;
    final DType[] inputDTypes;
    final int[][] outputShapes;
    final DType[] outputDTypes;
    private Tensor[] saved;
    private int[] savedVersions;
    private boolean released;
    // Output tensors that carry hooks or retainGrad, indexed by output; null when none do.
    Tensor[] watchedOutputs;

    /** The context this node was recorded in; backward from another context treats it as a constant. */
    final GradientContext context;
    /** The backward pass's bookkeeping for this node while a pass runs ({@code Engine.Slot}); null otherwise. */
    Object passSlot;
    /** This node's entry in its tape's weak registry of live nodes, when it saved enough to be registered. */
    Tape.Entry entry;

    private Node(ThreadState ts, String name, Rule rule, OpDef<Object> op, Object attrs, Tensor[] inputs, Tensor[] outputs,
                 Tensor[] toSave) {
        this.name = name;
        this.rule = rule;
        this.op = op;
        this.attrs = attrs;
        this.sequence = ts.nextSequence++;
        this.context = ts.active();
        int n = inputs.length;
        inputNodes = new Node[n];
        inputSlots = new int[n];
        inputLeaves = new Tensor[n];
        inputShapes = new int[n][];
        inputDTypes = new DType[n];
        for (int i = 0; i < n; i++) {
            Tensor in = inputs[i];
            if (in == null) {
                continue;
            }
            inputShapes[i] = TensorInternals.shapeOf(in);
            inputDTypes[i] = in.dtype();
            if (in.requiresGrad()) {
                Node fn = in.gradFn();
                if (fn != null) {
                    inputNodes[i] = fn;
                    inputSlots[i] = in.outputIndex();
                } else {
                    inputLeaves[i] = in;
                }
            }
        }
        int m = outputs.length;
        outputShapes = new int[m][];
        outputDTypes = new DType[m];
        for (int j = 0; j < m; j++) {
            outputShapes[j] = TensorInternals.shapeOf(outputs[j]);
            outputDTypes[j] = outputs[j].dtype();
        }
        saved = toSave == null || toSave.length == 0 ? NO_TENSORS : toSave.clone();
        savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) {
            if (saved[i] != null) {
                savedVersions[i] = saved[i].version();
            }
        }
    }

    /**
     * Records an operation when grad mode is on and any input requires grad: creates the node,
     * records it on the active context's tape and makes each output require grad with this node
     * as its {@code gradFn}. Returns the node, or null when nothing was recorded. The outputs own
     * the node (and through it the graph below); the tape only records it.
     *
     * @param name    PyTorch-style node name, e.g. {@code "MulBackward0"}
     * @param rule    the gradient rule
     * @param inputs  the op's tensor inputs (nulls allowed for optional inputs)
     * @param outputs the op's outputs
     * @param toSave  tensors the rule will read via {@link #saved(int)}
     */
    public static Node record(String name, Rule rule, Tensor[] inputs, Tensor[] outputs, Tensor... toSave) {
        ThreadState ts = ThreadState.get();
        if (!ts.gradEnabled) {
            return null;
        }
        checkFreshViews(name, inputs);
        if (!anyRequiresGrad(inputs)) {
            return null;
        }
        return attach(new Node(ts, name, rule, null, null, inputs, outputs, toSave), outputs);
    }

    /**
     * Records a call of primitive {@code op} when grad mode is on and any input requires grad
     * (what the dispatcher's eager mode does after running the kernel): the node carries the op
     * and its attributes, saves what {@link OpDef#save} names and runs {@link OpDef#vjp} in
     * backward. Returns the node, or null when nothing was recorded.
     */
    @SuppressWarnings("unchecked")
    public static <A> Node record(OpDef<A> op, A attrs, Tensor[] inputs, Tensor[] outputs) {
        ThreadState ts = ThreadState.get();
        if (!ts.gradEnabled) {
            return null;
        }
        checkFreshViews(op.name(), inputs);
        if (!anyRequiresGrad(inputs)) {
            return null;
        }
        return attach(new Node(ts, op.nodeName(attrs, inputs), null, (OpDef<Object>) op, attrs, inputs, outputs,
                op.save(attrs, inputs, outputs)), outputs);
    }

    private static Node attach(Node node, Tensor[] outputs) {
        node.context.tape.append(node);
        TensorInternals access = TensorInternals.get();
        for (int j = 0; j < outputs.length; j++) {
            if (outputs[j].dtype().isFloatingPoint()) {
                access.attachGradFn(outputs[j], node, j);
            }
        }
        return node;
    }

    /** Single-input, single-output form of {@link #record}. */
    public static Node record(String name, Rule rule, Tensor input, Tensor output, Tensor... toSave) {
        return record(name, rule, new Tensor[] {input}, new Tensor[] {output}, toSave);
    }

    /** True when grad mode is on and at least one input requires grad. */
    public static boolean needsRecording(Tensor... inputs) {
        return ThreadState.get().gradEnabled && anyRequiresGrad(inputs);
    }

    /**
     * A view taken before its base was overwritten by a recorded in-place write still carries the
     * base's old history, so recording through it would silently route gradients around the
     * write (PyTorch regenerates such views; Walnut asks for the view to be taken again).
     */
    private static void checkFreshViews(String op, Tensor[] inputs) {
        TensorInternals access = null;
        for (Tensor t : inputs) {
            if (t != null) {
                if (access == null) {
                    access = TensorInternals.get();
                }
                String why = access.staleView(op, t);
                if (why != null) {
                    throw new IllegalStateException(why);
                }
            }
        }
    }

    private static boolean anyRequiresGrad(Tensor[] inputs) {
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** True when grad mode is on and {@code input} requires grad. */
    public static boolean needsRecording(Tensor input) {
        return input.requiresGrad() && ThreadState.get().gradEnabled;
    }

    /** PyTorch-style name, e.g. {@code "MulBackward0"}. */
    public String name() {
        return name;
    }

    /** The primitive this node records, or null for a custom {@link Function} (and ops not yet defined as data). */
    public OpDef<?> op() {
        return op;
    }

    /** The attributes of {@link #op()} (an op's attributes record), or null. */
    public Object attrs() {
        return attrs;
    }

    /** Order of creation on this thread; backward processes higher numbers first. */
    public long sequenceNumber() {
        return sequence;
    }

    /** Number of inputs. */
    public int inputCount() {
        return inputShapes.length;
    }

    /** The shape input {@code i} had when recorded (reverse rules use it to shape gradients). */
    public long[] inputShape(int i) {
        int[] s = inputShapes[i];
        long[] out = new long[s.length];
        for (int d = 0; d < s.length; d++) {
            out[d] = s[d];
        }
        return out;
    }

    /** The dtype input {@code i} had when recorded. */
    public DType inputDType(int i) {
        return inputDTypes[i];
    }

    /** The nodes that produced this node's inputs (null entries for leaves and constants). */
    public List<Node> nextFunctions() {
        var out = new ArrayList<Node>(inputShapes.length);
        for (int i = 0; i < inputShapes.length; i++) {
            out.add(inputNodes == null ? null : inputNodes[i]);
        }
        return out;
    }

    /** True when input {@code i} requires a gradient (rules may skip the others). */
    public boolean needsInputGrad(int i) {
        return inputNodes != null && (inputNodes[i] != null || inputLeaves[i] != null);
    }

    /**
     * Saved tensor {@code i}. Fails when backward already freed it (no {@code retainGraph}) or when
     * it was modified in place after being saved.
     */
    public Tensor saved(int i) {
        if (released) {
            throw new IllegalStateException("Trying to backward through the graph a second time (or to read saved "
                    + "tensors after they have been freed): the saved tensors of " + name + " were freed by the first "
                    + "backward. Pass retainGraph = true to the first backward()/grad() call if you need to "
                    + "backward through the graph again.");
        }
        Tensor t = saved[i];
        if (t != null && t.version() != savedVersions[i]) {
            throw new IllegalStateException("One of the tensors needed for gradient computation has been modified by an "
                    + "in-place operation: the " + t.dtype() + " tensor of shape " + java.util.Arrays.toString(TensorInternals.shapeOf(t))
                    + " saved by " + name + " (saved tensor " + i + ") is at version " + t.version() + "; expected version "
                    + savedVersions[i] + " instead. Avoid modifying it in place (use the out-of-place op or clone() it).");
        }
        return t;
    }

    /** Number of saved tensors. */
    public int savedCount() {
        return saved.length;
    }

    Tensor[] apply(Tensor[] gradOutputs) {
        if (released && saved.length > 0) {
            saved(0); // throws the retainGraph message
        }
        return op != null ? op.vjp(attrs, this, gradOutputs) : rule.backward(this, gradOutputs);
    }

    /** Frees saved tensors after a backward without retainGraph. */
    void release() {
        if (saved.length > 0) {
            context.tape.released(this);
            released = true;
            saved = new Tensor[saved.length];
        }
    }

    /** Drops saved tensors and edges: the node's context was closed, so it can never run again. */
    void discard() {
        released = true;
        saved = NO_TENSORS;
        inputNodes = null;
        inputLeaves = null;
        watchedOutputs = null;
    }

    long savedBytes() {
        long b = 0;
        for (Tensor t : saved) {
            if (t != null) {
                b += t.numel() * t.dtype().byteSize();
            }
        }
        return b;
    }

    /** Remembers an output tensor that has hooks or retains its grad. */
    public void watchOutput(int outputIndex, Tensor t) {
        if (watchedOutputs == null) {
            watchedOutputs = new Tensor[outputShapes.length];
        }
        watchedOutputs[outputIndex] = t;
    }

    /** The gradient context this node was recorded in. */
    public GradientContext context() {
        return context;
    }

    @Override
    public String toString() {
        return "<" + name + ">";
    }
}
