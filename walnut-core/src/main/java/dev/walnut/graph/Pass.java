package dev.walnut.graph;

import java.util.List;

/**
 * A graph-to-graph rewrite (like a {@code torch.fx} pass): it returns a new graph that computes
 * the same outputs from the same inputs; the given graph is left as it is.
 *
 * <pre>{@code
 * Graph smaller = new DeadCodeElimination().apply(graph);
 * Graph optimized = Pass.run(graph, Pass.defaults());
 * }</pre>
 */
@FunctionalInterface
public interface Pass {
    /** The rewritten graph. */
    Graph apply(Graph graph);

    /** The name printed by a debug run, the class's simple name by default. */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * The default pipeline: algebraic simplification, constant folding, common-subexpression
     * elimination, linear fusion, layer-norm fusion, attention fusion, attention layout folding,
     * max pooling before a ReLU a backward reads, convolution epilogue fusion, max pooling before
     * the other ReLUs, max pooling without unread indices, dead-code elimination, then elementwise
     * fusion (last, so it sees each value's final readers). In an inference graph the
     * convolutions take their ReLUs first: applied as the convolution stores its output, a ReLU
     * costs nothing, while moved after the pooling it stays a pass of its own (resnet18's stem,
     * b1: 100-210 us per call on two threads). In a training graph the swap comes first: the
     * ReLU's reverse rule, a pass over the convolution's whole output, then runs on the pooled
     * values (the bench CNN's step: a quarter of [64, 32, 26, 26] and of [64, 64, 11, 11]).
     */
    static List<Pass> defaults() {
        return List.of(new AlgebraicSimplification(), new ConstantFolding(), new CommonSubexpressionElimination(),
                new LinearFusion(), new LayerNormFusion(), new AttentionFusion(), new AttentionLayoutFolding(),
                new MaxPoolReluSwap(true), new ConvolutionFusion(), new MaxPoolReluSwap(), new MaxPoolIndicesElimination(),
                new DeadCodeElimination(), new ElementwiseFusion());
    }

    /** Applies {@code passes} in order. */
    static Graph run(Graph graph, List<Pass> passes) {
        Graph g = graph;
        for (Pass p : passes) {
            g = p.apply(g);
        }
        return g;
    }
}
