/**
 * Graph capture and a small compiler (issue 15, DESIGN.md §7): a trace interpreter on the
 * {@link dev.walnut.dispatch.Dispatcher} records a function or a module's forward into an SSA
 * {@link dev.walnut.graph.Graph} whose nodes are op definitions with typed attributes; passes
 * rewrite graphs; an executor runs them on new inputs with the same numbers as eager mode; a
 * graph saves to one safetensors file (graph JSON in the metadata, weights as tensors).
 *
 * <pre>{@code
 * Graph g = Graph.tracer(model).markDynamic(0, 0).trace(Tensor.randn(8, 784));
 * System.out.println(g);                 // one node per line
 * Tensor y = g.run(Tensor.randn(32, 784))[0];
 * CompiledFunction f = Compiler.compile(model);
 * }</pre>
 */
package dev.walnut.graph;
