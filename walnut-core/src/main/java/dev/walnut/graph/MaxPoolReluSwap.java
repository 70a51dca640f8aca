package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.NoAttrs;
import dev.walnut.ops.WindowOps;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Max pooling of a ReLU, {@code maxPool2d(relu(x))}, becomes {@code relu(maxPool2d(x))}: the
 * ReLU then runs on the pooled values, a quarter of them for 2x2 windows, and in a training
 * graph its reverse rule does too. Both orders give the same values, since ReLU is monotone
 * ({@code max_i relu(a_i) = relu(max_i a_i)}). In the backward, the pattern
 * {@code thresholdBackward(maxPool2dBackward(g, indices), relu(x), 0)} becomes
 * {@code maxPool2dBackward(thresholdBackward(g, relu(pooled), 0), indices')}: where the window's
 * max is positive both orders pick the same element (the first maximum), and where it is not the
 * gradient is zero either way, so the gradients are the same bits too.
 *
 * <p>The rewrite applies only when every reader of the ReLU's output is the pooling or such a
 * threshold, and the pooling's indices are read only by those adjoints (they may differ where a
 * window's max is not positive) and are not a graph output.
 *
 * <pre>{@code
 * // %1 = relu(%x)  %2, %3 = maxPool2d(%1)  ...  %8 = maxPool2dBackward(%7, %3)  %9 = thresholdBackward(%8, %1)
 * new MaxPoolReluSwap().apply(g);
 * // %2, %3 = maxPool2d(%x)  %4 = relu(%2)  ...  %8 = thresholdBackward(%7, %4)  %9 = maxPool2dBackward(%8, %3)
 * }</pre>
 */
public final class MaxPoolReluSwap implements Pass {
    /** One match: the ReLU, the pooling, and the adjoint pairs (maxPool2dBackward, thresholdBackward) of the backward. */
    private record Match(Node relu, Node pool, List<Node[]> adjoints) {
    }

    private final boolean withBackwardOnly;

    /** Swaps every match. */
    public MaxPoolReluSwap() {
        this(false);
    }

    /**
     * Swaps the matches whose ReLU a backward reads ({@code withBackwardOnly}: a training graph's)
     * or every match.
     */
    public MaxPoolReluSwap(boolean withBackwardOnly) {
        this.withBackwardOnly = withBackwardOnly;
    }

    @Override
    public String name() {
        return withBackwardOnly ? "MaxPoolReluSwap(withBackwardOnly)" : Pass.super.name();
    }

    @Override
    public Graph apply(Graph g) {
        Map<Value, List<Node>> readers = g.readers();
        Set<Value> outputs = g.outputSet();
        Map<Node, Match> byPool = new IdentityHashMap<>();
        Map<Node, Match> byThreshold = new IdentityHashMap<>();
        Map<Node, Boolean> skipped = new IdentityHashMap<>();
        for (Node pool : g.nodes()) {
            Match m = match(pool, readers, outputs);
            if (m != null && (!withBackwardOnly || !m.adjoints.isEmpty())) {
                byPool.put(pool, m);
                skipped.put(m.relu, true);
                for (Node[] pair : m.adjoints) {
                    skipped.put(pair[0], true);
                    byThreshold.put(pair[1], m);
                }
            }
        }
        if (byPool.isEmpty()) {
            return g;
        }
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (Node n : g.nodes()) {
            Match m = byPool.get(n);
            if (m != null) {
                // The pooling reads the ReLU's input; its values output is replaced by their ReLU.
                r.emit(n, n.op(), n.attrs(), n.template(), new Value[] {r.get(m.relu.inputs().get(0))});
                Value pooled = r.get(n.outputs().get(0));
                r.replace(n.outputs().get(0), single(r, ElementwiseOps.RELU, NoAttrs.NONE, m.relu.template(), pooled,
                        n.outputs().get(0)));
            } else if (byThreshold.containsKey(n)) {
                Node adjoint = adjointOf(byThreshold.get(n), n);
                Value pooledGrad = single(r, ElementwiseOps.THRESHOLD_BACKWARD, n.attrs(), n.template(),
                        new Value[] {r.get(adjoint.inputs().get(0)), r.get(byThreshold.get(n).pool.outputs().get(0))},
                        adjoint.inputs().get(0));
                r.replace(n.outputs().get(0), single(r, WindowOps.MAX_POOL2D_BACKWARD, adjoint.attrs(), adjoint.template(),
                        new Value[] {pooledGrad, r.get(adjoint.inputs().get(1))}, n.outputs().get(0)));
            } else if (!skipped.containsKey(n)) {
                r.copy(n);
            }
        }
        return r.finish();
    }

    /** The pattern ending at {@code pool}, or null. */
    private static Match match(Node pool, Map<Value, List<Node>> readers, Set<Value> outputs) {
        if (pool.op() != WindowOps.MAX_POOL2D) {
            return null;
        }
        Value activated = pool.inputs().get(0);
        Node relu = activated.producer();
        Value indices = pool.outputs().get(1);
        if (relu == null || relu.op() != ElementwiseOps.RELU || outputs.contains(activated)
                || outputs.contains(indices)) {
            return null;
        }
        List<Node[]> adjoints = new ArrayList<>();
        for (Node reader : readers.getOrDefault(activated, List.of())) {
            if (reader == pool) {
                continue;
            }
            // thresholdBackward(maxPool2dBackward(g, indices), relu(x), 0), the adjoint read by it alone.
            Node adjoint = reader.op() == ElementwiseOps.THRESHOLD_BACKWARD && reader.inputs().get(1) == activated
                    && reader.inputs().get(0) != activated ? reader.inputs().get(0).producer() : null;
            if (adjoint == null || ((ElementwiseOps.Threshold) reader.attrs()).threshold() != 0.0
                    || adjoint.op() != WindowOps.MAX_POOL2D_BACKWARD || adjoint.inputs().get(1) != indices
                    || readers.get(adjoint.outputs().get(0)).size() != 1 || outputs.contains(adjoint.outputs().get(0))) {
                return null;
            }
            adjoints.add(new Node[] {adjoint, reader});
        }
        for (Node reader : readers.getOrDefault(indices, List.of())) {
            if (adjoints.stream().noneMatch(pair -> pair[0] == reader)) {
                return null;
            }
        }
        return new Match(relu, pool, adjoints);
    }

    private static Node adjointOf(Match m, Node threshold) {
        for (Node[] pair : m.adjoints) {
            if (pair[1] == threshold) {
                return pair[0];
            }
        }
        throw new IllegalStateException(threshold + " is not an adjoint of " + m.pool);
    }

    /** A new one-output node with the dtype and shape of {@code like}. */
    private static Value single(GraphBuilder.Rebuild r, dev.walnut.ops.OpDef<?> op, Object attrs, AttrTemplate template,
                                Value input, Value like) {
        return single(r, op, attrs, template, new Value[] {input}, like);
    }

    private static Value single(GraphBuilder.Rebuild r, dev.walnut.ops.OpDef<?> op, Object attrs, AttrTemplate template,
                                Value[] inputs, Value like) {
        return r.builder.node(op, attrs, template, inputs, new DType[] {like.dtype()}, new Dim[][] {like.dims()})[0];
    }
}
