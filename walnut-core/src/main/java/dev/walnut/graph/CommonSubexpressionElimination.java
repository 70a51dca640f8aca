package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes each distinct expression once: a node with the same op, equal attributes (compared
 * through their record components) and the same inputs as an earlier node reads that node's
 * outputs instead; small constants with equal dtype, shape and bits become one. The duplicate
 * is left unused for {@link DeadCodeElimination}.
 *
 * <pre>{@code
 * // %0 = exp(%x0)  %1 = exp(%x0)  %2 = add(%0, %1)
 * new CommonSubexpressionElimination().apply(g);   // %2 = add(%0, %0)
 * }</pre>
 */
public final class CommonSubexpressionElimination implements Pass {
    /** Constants up to this many elements are compared by content. */
    private static final long MAX_CONSTANT_ELEMENTS = 4096;

    @Override
    public Graph apply(Graph g) {
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        Map<String, Value> constants = new HashMap<>();
        for (Value c : g.constants()) {
            Tensor t = g.constant(c);
            if (t.numel() <= MAX_CONSTANT_ELEMENTS) {
                Value first = constants.putIfAbsent(contentKey(t), c);
                if (first != null) {
                    r.replace(c, r.get(first));
                }
            }
        }
        Map<Value, Integer> numbers = new IdentityHashMap<>();
        Map<String, List<Value>> seen = new HashMap<>();
        for (Node n : g.nodes()) {
            StringBuilder key = new StringBuilder(n.op().name()).append('|').append(Attrs.key(n.attrs()));
            if (n.template() != null) {
                key.append('|').append(n.template().holes());
            }
            for (Value in : n.inputs()) {
                key.append('|').append(numbers.computeIfAbsent(r.get(in), v -> numbers.size()));
            }
            List<Value> earlier = seen.get(key.toString());
            if (earlier != null) {
                for (int i = 0; i < earlier.size(); i++) {
                    r.replace(n.outputs().get(i), earlier.get(i));
                }
                continue;
            }
            r.copy(n);
            seen.put(key.toString(), n.outputs().stream().map(r::get).toList());
        }
        return r.finish();
    }

    private static String contentKey(Tensor t) {
        String data = t.dtype().isFloatingPoint() ? Arrays.toString(Arrays.stream(t.toDoubleArray())
                .mapToLong(Double::doubleToLongBits).toArray())
                : t.dtype() == DType.BOOL ? Arrays.toString(t.toBooleanArray()) : Arrays.toString(t.toLongArray());
        return t.dtype() + Arrays.toString(t.shape()) + data;
    }
}
