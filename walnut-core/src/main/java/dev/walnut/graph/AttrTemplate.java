package dev.walnut.graph;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The integer attributes of a node that follow the graph's dynamic dims, each as
 * {@code constant + sum(coefficients[i] * symbol[i])}: a reshape target {@code [64, 784]}
 * traced with batch 64 becomes {@code [?, 784]}. {@link #materialize} rebuilds the record for
 * the symbol values of a run.
 */
final class AttrTemplate {
    /** One integer attribute at {@code path} of the attributes tree. */
    record Hole(List<Object> path, Dim value) {
    }

    private final List<Hole> holes;
    private final Map<List<Long>, Object> cache = new ConcurrentHashMap<>();

    AttrTemplate(List<Hole> holes) {
        this.holes = List.copyOf(holes);
    }

    List<Hole> holes() {
        return holes;
    }

    Object materialize(Object traced, long[] symbols) {
        List<Long> key = new java.util.ArrayList<>(symbols.length);
        for (long s : symbols) {
            key.add(s);
        }
        Object hit = cache.get(key);
        if (hit != null) {
            return hit;
        }
        Object tree = Attrs.toTree(traced);
        for (Hole h : holes) {
            Attrs.set(tree, h.path(), h.value().eval(symbols));
        }
        Object attrs = Attrs.fromTree(traced.getClass(), tree);
        if (cache.size() > 256) {
            cache.clear(); // a bounded memo; the rebuild is cheap
        }
        cache.put(key, attrs);
        return attrs;
    }
}
