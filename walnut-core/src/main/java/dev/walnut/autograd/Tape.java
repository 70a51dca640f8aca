package dev.walnut.autograd;

import java.lang.System.Logger.Level;
import java.util.ArrayList;

/**
 * The ordered record of nodes of one gradient context. Backward walks it from the loss towards
 * the start; a node appended later can only consume nodes appended earlier, so one reverse walk
 * sees every gradient contribution to a node before it processes that node.
 */
final class Tape {
    private static final System.Logger LOG = System.getLogger("dev.walnut.autograd");

    final GradientContext context;
    final ArrayList<Node> nodes = new ArrayList<>();
    /** Bumped by every clear; a node is on the tape only while its generation matches. */
    int generation;
    long savedBytes;
    boolean closed;
    private boolean warned;

    Tape(GradientContext context) {
        this.context = context;
    }

    void append(Node node) {
        node.tape = this;
        node.generation = generation;
        node.tapeIndex = nodes.size();
        nodes.add(node);
        savedBytes += node.savedBytes();
        if (!warned && nodes.size() > Autograd.tapeWarningThreshold()) {
            warned = true;
            LOG.log(Level.WARNING, "The tape of gradient context " + context.id() + " holds " + nodes.size()
                    + " nodes and keeps growing. If this is a training loop, call Autograd.clearTape() each"
                    + " iteration (Optimizer.zeroGrad clears only context 0's tape). Threshold: "
                    + "Autograd.setTapeWarningThreshold(...)");
        }
    }

    void clear() {
        // Release saved tensors and edges so outputs the user still holds (a logged loss, say)
        // do not keep the whole recorded graph alive.
        for (Node n : nodes) {
            n.discard();
        }
        nodes.clear();
        generation++;
        savedBytes = 0;
        warned = false;
    }

    boolean holds(Node n) {
        return n.tape == this && n.generation == generation && !closed;
    }
}
