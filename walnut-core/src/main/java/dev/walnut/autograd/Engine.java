package dev.walnut.autograd;

import dev.walnut.Tensor;
import dev.walnut.internal.TensorInternals;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The backward pass. It walks the active context's tape in reverse from the roots, running
 * each node that received gradient once all of its contributions have arrived. Iterative, so a
 * chain of a million nodes needs no Java stack.
 */
final class Engine {
    private Engine() {
    }

    /** Gradients pending for one node during a pass. */
    private static final class Slot {
        final Tensor[] grads;

        Slot(int outputs) {
            grads = new Tensor[outputs];
        }
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
        Tape tape = ctx.tape;
        TensorInternals access = TensorInternals.get();
        var slots = new IdentityHashMap<Node, Slot>();
        var leafGrads = new IdentityHashMap<Tensor, Tensor>();
        int start = -1;

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
            checkOnTape(op, fn, tape, ctx);
            Slot s = slots.computeIfAbsent(fn, n -> new Slot(n.outputShapes.length));
            s.grads[root.outputIndex()] = accumulate(s.grads[root.outputIndex()], seed);
            start = Math.max(start, fn.tapeIndex);
        }

        // For grad(): which (node, output) pairs or leaves the caller asked about, and which
        // nodes must run to reach them. Nodes below every requested input are neither run nor
        // freed, so the graph under an intermediate stays usable (PyTorch prunes the same way).
        IdentityHashMap<Node, Object> wanted = null;
        IdentityHashMap<Node, Object> mustRun = null;
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
            mustRun = new IdentityHashMap<>();
            // Producers precede consumers on the tape, so one forward sweep settles reachability.
            for (int i = 0; i <= start; i++) {
                Node n = tape.nodes.get(i);
                if (n.inputNodes == null) {
                    continue;
                }
                for (int k = 0; k < n.inputNodes.length; k++) {
                    Node p = n.inputNodes[k];
                    Tensor leaf = n.inputLeaves[k];
                    if (leaf != null && wantedLeaves.containsKey(leaf)
                            || p != null && (wanted.containsKey(p) || mustRun.containsKey(p))) {
                        mustRun.put(n, Boolean.TRUE);
                        break;
                    }
                }
            }
        }

        boolean previousMode = ts.gradEnabled;
        ts.gradEnabled = createGraph;
        try {
            for (int i = start; i >= 0; i--) {
                Node node = tape.nodes.get(i);
                Slot slot = slots.remove(node);
                if (slot == null) {
                    continue;
                }
                Tensor[] grads = slot.grads;
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
                if (mustRun != null && !mustRun.containsKey(node)) {
                    continue;
                }
                if (node.inputNodes == null) {
                    throw clearedError(op, node);
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
                        if (!tape.holds(producer)) {
                            Tape home = producer.tape;
                            if (home == tape || home == null || home.closed) {
                                // Its history is gone: silently treating it as a constant would
                                // give a wrong gradient.
                                checkOnTape(op, producer, tape, ctx);
                            }
                            continue; // recorded in another open context: a constant here
                        }
                        Slot s = slots.computeIfAbsent(producer, n -> new Slot(n.outputShapes.length));
                        int idx = node.inputSlots[k];
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

    private static void checkOnTape(String op, Node fn, Tape tape, GradientContext active) {
        if (tape.holds(fn)) {
            return;
        }
        Tape home = fn.tape;
        if (home == null) {
            throw clearedError(op, fn);
        }
        if (home.closed) {
            throw new IllegalStateException(op + ": the output was recorded in gradient context " + home.context.id()
                    + ", which has been closed (its tape was discarded); compute gradients before closing the context");
        }
        if (home != tape) {
            throw new IllegalStateException(op + ": the output was recorded in gradient context " + home.context.id()
                    + " but the active context is " + active.id() + "; backward reads only the active context's tape. "
                    + "Enter context " + home.context.id() + " (GradientContext.enter()) before computing gradients");
        }
        throw clearedError(op, fn);
    }

    private static IllegalStateException clearedError(String op, Node fn) {
        long ctxId = fn.tape == null ? -1 : fn.tape.context.id();
        return new IllegalStateException(op + ": the tape of gradient context " + ctxId + " was cleared after "
                + fn.name() + " was recorded (clearTape(), clearDefaultContextTape() or Optimizer.zeroGrad()); "
                + "compute gradients before clearing the tape");
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
