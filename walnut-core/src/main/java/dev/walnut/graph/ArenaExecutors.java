package dev.walnut.graph;

import dev.walnut.Tensor;
import java.util.Arrays;

/**
 * A compiled function's {@link ArenaExecutor}s, one per concrete input shape, found without
 * allocating: a copy-on-write array scanned by comparing dtypes and shapes. At most
 * {@link #LIMIT} are kept (each holds its arenas' memory); beyond that the oldest goes, so a
 * batch size that keeps changing replans instead of growing memory without bound.
 *
 * <pre>{@code
 * ArenaExecutor x = executors.find(inputs);       // null for a shape not seen yet
 * if (x == null) x = executors.create(graph, inputs);
 * }</pre>
 */
final class ArenaExecutors {
    static final int LIMIT = 8;

    private volatile ArenaExecutor[] executors = new ArenaExecutor[0];

    /** The executor for inputs of exactly these dtypes and shapes, or null. */
    ArenaExecutor find(Tensor[] inputs) {
        for (ArenaExecutor x : executors) {
            if (x.matches(inputs)) {
                return x;
            }
        }
        return null;
    }

    /** The executor of {@code g} for these inputs' shapes, made (and kept) if there is none. */
    synchronized ArenaExecutor create(Graph g, Tensor[] inputs) {
        ArenaExecutor found = find(inputs);
        if (found != null) {
            return found;
        }
        ArenaExecutor x = new ArenaExecutor(g, inputs);
        ArenaExecutor[] old = executors;
        ArenaExecutor[] next = old.length < LIMIT ? Arrays.copyOf(old, old.length + 1) : Arrays.copyOfRange(old, 1, LIMIT + 1);
        next[next.length - 1] = x;
        executors = next;
        return x;
    }

    /** Executors kept. */
    int size() {
        return executors.length;
    }
}
