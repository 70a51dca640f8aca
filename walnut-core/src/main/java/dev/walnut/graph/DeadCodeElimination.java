package dev.walnut.graph;

/**
 * Drops nodes whose outputs reach no graph output, and the weights and constants only they
 * read. Every primitive is pure (in-place writes cannot be traced), so this is always safe.
 *
 * <pre>{@code
 * // graph(%x0: f32[3]):  %0 = exp(%x0)  %1 = neg(%x0)  return (%1)
 * new DeadCodeElimination().apply(g);   // graph(%x0: f32[3]):  %0 = neg(%x0)  return (%0)
 * }</pre>
 */
public final class DeadCodeElimination implements Pass {
    @Override
    public Graph apply(Graph g) {
        boolean[] live = new boolean[g.values().size()];
        for (Value o : g.outputs()) {
            live[o.id()] = true;
        }
        boolean[] keep = new boolean[g.nodes().size()];
        for (int i = g.nodes().size() - 1; i >= 0; i--) {
            Node n = g.nodes().get(i);
            keep[i] = n.outputs().stream().anyMatch(v -> live[v.id()]);
            if (keep[i]) {
                n.inputs().forEach(v -> live[v.id()] = true);
            }
        }
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                r.copy(g.nodes().get(i));
            }
        }
        return r.finish();
    }
}
