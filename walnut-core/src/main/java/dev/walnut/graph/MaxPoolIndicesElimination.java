package dev.walnut.graph;

import dev.walnut.ops.FusedOps;
import dev.walnut.ops.WindowOps;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code maxPool2d} whose indices output nobody reads (an inference graph: only the backward
 * reads them) becomes {@code maxPool2dValues} ({@link FusedOps#MAX_POOL2D_VALUES}), which
 * computes the maxima alone with a separable kernel instead of a scan of every tap that also
 * writes an 8-byte index per output (ResNet's 3x3 stride-2 stem pooling was 18% of its compiled
 * inference profile). Runs after {@link MaxPoolReluSwap}, which needs the indices' readers.
 *
 * <pre>{@code
 * // %1, %2 = maxPool2d(%x) {geometry=[3, 3, 2, 2, 1, 1, 1, 1], ...}   (%2 unread)
 * new MaxPoolIndicesElimination().apply(g);
 * // %1 = maxPool2dValues(%x) {geometry=[3, 3, 2, 2, 1, 1, 1, 1], ...}
 * }</pre>
 */
public final class MaxPoolIndicesElimination implements Pass {
    @Override
    public Graph apply(Graph g) {
        Map<Value, List<Node>> readers = g.readers();
        Set<Value> outputs = g.outputSet();
        boolean any = false;
        for (Node n : g.nodes()) {
            any |= unreadIndices(n, readers, outputs);
        }
        if (!any) {
            return g;
        }
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (Node n : g.nodes()) {
            if (unreadIndices(n, readers, outputs)) {
                Value values = n.outputs().get(0);
                Value v = r.builder.node(FusedOps.MAX_POOL2D_VALUES, n.attrs(), n.template(),
                        new Value[] {r.get(n.inputs().get(0))}, new dev.walnut.DType[] {values.dtype()},
                        new Dim[][] {values.dims()})[0];
                r.replace(values, v);
            } else {
                r.copy(n);
            }
        }
        return r.finish();
    }

    private static boolean unreadIndices(Node n, Map<Value, List<Node>> readers, Set<Value> outputs) {
        if (n.op() != WindowOps.MAX_POOL2D) {
            return false;
        }
        Value indices = n.outputs().get(1);
        return !readers.containsKey(indices) && !outputs.contains(indices);
    }
}
