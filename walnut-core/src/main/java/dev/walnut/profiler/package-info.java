/**
 * Where the time goes: {@link dev.walnut.profiler.Profiler} times the primitives a thread runs
 * eagerly and the nodes of the compiled graphs it runs, like {@code torch.profiler}.
 *
 * <pre>{@code
 * try (Profiler prof = Profiler.start()) {
 *     model.forward(x);
 * }
 * System.out.print(prof.table());   // op, calls, total ms, mean us, share
 * }</pre>
 *
 * From the command line: {@code walnut run model.onnx --input x.npy --compile --profile}.
 */
package dev.walnut.profiler;
