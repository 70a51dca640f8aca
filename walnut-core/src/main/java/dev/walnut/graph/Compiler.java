package dev.walnut.graph;

import dev.walnut.Tensor;
import dev.walnut.nn.Module;
import java.util.function.Function;

/**
 * Entry points of the compiler: wrap a function or a module so that its first call captures
 * and optimizes a graph and later calls run it (see {@link CompiledFunction}).
 *
 * <pre>{@code
 * CompiledFunction f = Compiler.compile(model).markDynamic(0, 0);
 * Tensor logits = f.apply(images);
 * CompiledFunction g = Compiler.compile(in -> in[0].mul(in[1]).exp());
 * }</pre>
 */
public final class Compiler {
    private Compiler() {
    }

    /** Compiles a one-output function of tensors. */
    public static CompiledFunction compile(Function<Tensor[], Tensor> fn) {
        return new CompiledFunction(Graph.tracer(fn), in -> new Tensor[] {fn.apply(in)}, "function " + fn);
    }

    /** Compiles a function with several outputs. */
    public static CompiledFunction compileAll(Function<Tensor[], Tensor[]> fn) {
        return new CompiledFunction(Graph.tracerAll(fn), fn, "function " + fn);
    }

    /** Compiles a module's forward; the graphs read its parameters and buffers as they are at each call. */
    public static CompiledFunction compile(Module module) {
        return new CompiledFunction(Graph.tracer(module), in -> new Tensor[] {module.forward(in)},
                module.getClass().getSimpleName());
    }
}
