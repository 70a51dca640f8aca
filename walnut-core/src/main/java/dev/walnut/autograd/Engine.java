package dev.walnut.autograd;

import dev.walnut.Tensor;
import dev.walnut.internal.TensorInternals;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The backward pass. It discovers the nodes reachable from the roots in the active context,
 * then runs them in descending sequence order, each once all of its gradient contributions have
 * arrived. Its cost is proportional to that graph, not to the tape's history, and it is
 * iterative, so a chain of a million nodes needs no Java stack.
 */
final class Engine {
    private Engine() {
    }

    /**
     * One reachable node during a pass and the gradients pending for its outputs. A pass finds a
     * node's slot through {@link Node#passSlot} (no hash lookups on the hot path); a backward run
     * inside another (a hook's, say) saves the outer pass's slot in {@link #previous} and puts it
     * back when it ends, so passes nest.
     */
    static final class Slot {
        final Node node;
        final Object pass;
        Object previous;
        Tensor[] grads;
        /** Some gradient arrived; a node that gets none is skipped, like PyTorch's. */
        boolean received;
        /** For grad(): on a path to a requested input, so it must run. */
        boolean needed;

        Slot(Node node, Object pass) {
            this.node = node;
            this.pass = pass;
            grads = new Tensor[node.outputShapes.length];
        }
    }

    /** The slot of {@code n} in {@code pass}, or null when the pass has not reached it. */
    private static Slot slot(Node n, Object pass) {
        return n.passSlot instanceof Slot s && s.pass == pass ? s : null;
    }

    private static Slot newSlot(Node n, Object pass, ArrayList<Slot> order) {
        Slot s = new Slot(n, pass);
        s.previous = n.passSlot;
        n.passSlot = s;
        order.add(s);
        return s;
    }

    /**
     * Runs backward from {@code roots}. When {@code inputs} is null, gradients accumulate into
     * leaves' (and retained tensors') {@code .grad}; otherwise the gradients of exactly those
     * inputs are returned and no {@code .grad} is touched.
     */
    static Tensor[] run(String op, Tensor[] roots, Tensor[] gradRoots, boolean retainGraph, boolean createGraph,
                        Tensor[] inputs, boolean allowUnused) {
        ThreadState ts = ThreadState.get();
        GradientContext ctx = ts.active();
        TensorInternals access = TensorInternals.get();
        Object pass = new Object();
        var order = new ArrayList<Slot>();
        try {
            return run(op, roots, gradRoots, retainGraph, createGraph, inputs, allowUnused, ts, ctx, access, pass, order);
        } finally {
            for (int i = order.size() - 1; i >= 0; i--) {
                Slot s = order.get(i);
                s.node.passSlot = s.previous;
            }
        }
    }

    private static Tensor[] run(String op, Tensor[] roots, Tensor[] gradRoots, boolean retainGraph, boolean createGraph,
                                Tensor[] inputs, boolean allowUnused, ThreadState ts, GradientContext ctx,
                                TensorInternals access, Object pass, ArrayList<Slot> order) {
        var leafGrads = new IdentityHashMap<Tensor, Tensor>();

        for (int r = 0; r < roots.length; r++) {
            Tensor root = roots[r];
            if (!root.requiresGrad()) {
                throw new IllegalStateException(op + ": element " + r + " of the outputs does not require grad and has no "
                        + "gradFn; call setRequiresGrad(true) on the inputs before computing it (and not inside noGrad())");
            }
            Tensor seed = gradRoots == null ? null : gradRoots[r];
            if (seed == null) {
                if (root.numel() != 1) {
                    throw new IllegalArgumentException(op + ": grad can be implicitly created only for scalar outputs, but "
                            + "the output has shape " + Arrays.toString(TensorInternals.shapeOf(root)) + "; pass a gradOutput of that shape "
                            + "(e.g. Tensor.onesLike(output)) or reduce the output first (sum(), mean())");
                }
                seed = Tensor.onesLike(root);
            } else if (!Arrays.equals(TensorInternals.shapeOf(seed), TensorInternals.shapeOf(root))) {
                throw new IllegalArgumentException(op + ": gradOutput has shape " + Arrays.toString(TensorInternals.shapeOf(seed))
                        + " but the output has shape " + Arrays.toString(TensorInternals.shapeOf(root)));
            }
            Node fn = root.gradFn();
            if (fn == null) {
                leafGrads.merge(root, seed, Tensor::add);
                continue;
            }
            checkRoot(op, fn, ctx);
            Slot s = slot(fn, pass);
            if (s == null) {
                s = newSlot(fn, pass, order);
            }
            s.received = true;
            s.grads[root.outputIndex()] = accumulate(s.grads[root.outputIndex()], seed);
        }

        // Discovery: everything reachable through nodes of the active context. Nodes of other
        // contexts are constants here (checked again when a gradient reaches them).
        for (int i = 0; i < order.size(); i++) {
            Node[] ins = order.get(i).node.inputNodes;
            if (ins == null) {
                continue;
            }
            for (Node p : ins) {
                if (p != null && p.context == ctx && slot(p, pass) == null) {
                    newSlot(p, pass, order);
                }
            }
        }
        ts.lastBackwardVisited = order.size();
        // Sequence numbers are this thread's creation order and a consumer is created after its
        // producers, so descending order delivers every contribution before a node runs.
        order.sort((a, b) -> Long.compare(b.node.sequence, a.node.sequence));

        // For grad(): which (node, output) pairs or leaves the caller asked about, and which
        // nodes must run to reach them. Nodes below every requested input are neither run nor
        // freed, so the graph under an intermediate stays usable (PyTorch prunes the same way).
        IdentityHashMap<Node, Object> wanted = null;
        Tensor[] results = inputs == null ? null : new Tensor[inputs.length];
        if (inputs != null) {
            wanted = new IdentityHashMap<>();
            var wantedLeaves = new IdentityHashMap<Tensor, Object>();
            for (Tensor in : inputs) {
                if (!in.requiresGrad()) {
                    throw new IllegalArgumentException(op + ": one of the inputs does not require grad; "
                            + "call setRequiresGrad(true) on it before the forward computation");
                }
                if (in.gradFn() != null) {
                    wanted.put(in.gradFn(), Boolean.TRUE);
                } else {
                    wantedLeaves.put(in, Boolean.TRUE);
                }
            }
            // Producers before consumers: one ascending sweep settles reachability.
            for (int i = order.size() - 1; i >= 0; i--) {
                Slot s = order.get(i);
                Node n = s.node;
                if (n.inputNodes == null) {
                    continue;
                }
                for (int k = 0; k < n.inputNodes.length; k++) {
                    Node p = n.inputNodes[k];
                    Tensor leaf = n.inputLeaves[k];
                    Slot ps;
                    if (leaf != null && wantedLeaves.containsKey(leaf)
                            || p != null && (wanted.containsKey(p) || (ps = slot(p, pass)) != null && ps.needed)) {
                        s.needed = true;
                        break;
                    }
                }
            }
        }

        boolean previousMode = ts.gradEnabled;
        ts.gradEnabled = createGraph;
        try {
            for (Slot slot : order) {
                if (!slot.received) {
                    continue;
                }
                Node node = slot.node;
                Tensor[] grads = slot.grads;
                slot.grads = null;
                for (int j = 0; j < grads.length; j++) {
                    if (grads[j] == null) {
                        grads[j] = TensorInternals.get().zeros(node.outputShapes[j], node.outputDTypes[j]);
                    }
                }
                if (node.watchedOutputs != null) {
                    for (int j = 0; j < grads.length; j++) {
                        Tensor t = node.watchedOutputs[j];
                        if (t != null) {
                            grads[j] = runHooks(access.hooks(t), grads[j]);
                            if (inputs == null && access.retainsGrad(t)) {
                                access.accumulateGrad(t, createGraph ? grads[j] : grads[j].detach());
                            }
                        }
                    }
                }
                if (wanted != null && wanted.containsKey(node)) {
                    for (int k = 0; k < inputs.length; k++) {
                        if (inputs[k].gradFn() == node) {
                            results[k] = grads[inputs[k].outputIndex()];
                        }
                    }
                }
                if (inputs != null && !slot.needed) {
                    continue;
                }
                if (node.inputNodes == null) {
                    throw closedError(op, node);
                }
                Tensor[] inGrads = node.apply(grads);
                if (inGrads.length != node.inputCount()) {
                    throw new IllegalStateException(node.name() + " returned " + inGrads.length + " gradients for "
                            + node.inputCount() + " inputs");
                }
                for (int k = 0; k < inGrads.length; k++) {
                    Tensor g = inGrads[k];
                    if (g == null) {
                        continue;
                    }
                    Node producer = node.inputNodes[k];
                    Tensor leaf = node.inputLeaves[k];
                    if (producer == null && leaf == null) {
                        continue;
                    }
                    g = conform(node, k, g);
                    if (producer != null) {
                        Slot s = slot(producer, pass);
                        if (s == null) {
                            if (producer.context.isClosed()) {
                                // Its history is gone: silently treating it as a constant would
                                // give a wrong gradient.
                                throw closedError(op, producer);
                            }
                            continue; // recorded in another open context: a constant here
                        }
                        int idx = node.inputSlots[k];
                        s.received = true;
                        s.grads[idx] = accumulate(s.grads[idx], g);
                    } else {
                        leafGrads.merge(leaf, g, Engine::accumulate);
                    }
                }
                if (!retainGraph) {
                    node.release();
                }
            }
        } finally {
            ts.gradEnabled = previousMode;
        }

        if (inputs == null) {
            for (var e : leafGrads.entrySet()) {
                Tensor leaf = e.getKey();
                Tensor g = runHooks(access.hooks(leaf), e.getValue());
                access.accumulateGrad(leaf, createGraph ? g : g.detach());
            }
            return null;
        }
        for (int k = 0; k < inputs.length; k++) {
            if (inputs[k].gradFn() == null) {
                Tensor g = leafGrads.get(inputs[k]);
                results[k] = g == null ? null : runHooks(access.hooks(inputs[k]), g);
            }
            if (results[k] == null && !allowUnused) {
                throw new IllegalArgumentException(op + ": input " + k + " (shape " + Arrays.toString(TensorInternals.shapeOf(inputs[k]))
                        + ") was not used in computing the outputs; pass allowUnused = true to get null for it");
            }
            if (results[k] != null && !createGraph) {
                results[k] = results[k].detach();
            }
        }
        return results;
    }

    private static void checkRoot(String op, Node fn, GradientContext active) {
        GradientContext home = fn.context;
        if (home == active) {
            return;
        }
        if (home.isClosed()) {
            throw closedError(op, fn);
        }
        if (!home.ownedByCurrentThread()) {
            throw new IllegalStateException(op + ": the output was recorded on thread '" + home.ownerName()
                    + "' (its gradient context " + home.id() + "); gradient contexts are per thread, so backward must "
                    + "run on that thread, or compute the output on this one");
        }
        throw new IllegalStateException(op + ": the output was recorded in gradient context " + home.id()
                + " but the active context is " + active.id() + "; backward reads only the active context's graphs. "
                + "Enter context " + home.id() + " (GradientContext.enter()) before computing gradients");
    }

    private static IllegalStateException closedError(String op, Node fn) {
        return new IllegalStateException(op + ": " + fn.name() + " was recorded in gradient context " + fn.context.id()
                + ", which has been closed (its graphs were discarded); compute gradients before closing the context");
    }

    /** Casts to the input's dtype and sums away broadcast dims, like PyTorch's validate_outputs. */
    private static Tensor conform(Node node, int k, Tensor g) {
        int[] shape = node.inputShapes[k];
        if (!Arrays.equals(shape, TensorInternals.shapeOf(g))) {
            g = TensorInternals.get().sumToShape(g, shape);
        }
        if (g.dtype() != node.inputDTypes[k]) {
            g = g.to(node.inputDTypes[k]);
        }
        return g;
    }

    private static Tensor accumulate(Tensor a, Tensor b) {
        return a == null ? b : a.add(b);
    }

    private static Tensor runHooks(List<UnaryOperator<Tensor>> hooks, Tensor g) {
        if (hooks == null) {
            return g;
        }
        for (var h : List.copyOf(hooks)) {
            Tensor r = h.apply(g);
            if (r != null) {
                if (!Arrays.equals(TensorInternals.shapeOf(r), TensorInternals.shapeOf(g))) {
                    throw new IllegalStateException("hook returned a gradient of shape " + Arrays.toString(TensorInternals.shapeOf(r))
                            + " but the gradient has shape " + Arrays.toString(TensorInternals.shapeOf(g)));
                }
                g = r;
            }
        }
        return g;
    }
}
