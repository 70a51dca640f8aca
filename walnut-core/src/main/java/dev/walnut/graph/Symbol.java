package dev.walnut.graph;

/**
 * A dynamic size of a graph, e.g. the batch: read at run time from dim {@code dim} of input
 * {@code input}. Dims marked dynamic that had the same size when traced share one symbol
 * (they must agree at run time), as {@code torch.export}'s duck sizing does.
 *
 * <pre>{@code
 * Graph g = Graph.tracer(model).markDynamic(0, 0).trace(x);
 * g.symbols();   // [Symbol[name=s0, input=0, dim=0, example=8]]
 * }</pre>
 *
 * @param name    {@code s0}, {@code s1}, ...
 * @param input   the user input it is read from
 * @param dim     the dim of that input
 * @param example its size when traced
 */
public record Symbol(String name, int input, int dim, long example) {
}
