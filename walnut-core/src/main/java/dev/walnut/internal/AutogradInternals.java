package dev.walnut.internal;

import dev.walnut.autograd.Node;

/**
 * What {@code Tensor} needs from the autograd engine's internals, published by {@link Node}'s
 * static initialiser (the reverse of {@link TensorInternals}). Not for application use.
 */
@FunctionalInterface
public interface AutogradInternals {
    /**
     * The id of output {@code outputIndex} of {@code node} was asked for: remember it weakly, so
     * that {@code Autograd.computeGradients(id)} (the seed's form) can find the node.
     */
    void idTaken(Node node, int outputIndex, long id);

    /** The registered instance; {@code node}'s class is initialised, so it has registered. */
    static AutogradInternals get() {
        return Holder.instance;
    }

    /** Called once by {@link Node}. */
    static void register(AutogradInternals access) {
        Holder.instance = access;
    }

    /** Storage for the registered instance. */
    final class Holder {
        private static volatile AutogradInternals instance;

        private Holder() {
        }
    }
}
