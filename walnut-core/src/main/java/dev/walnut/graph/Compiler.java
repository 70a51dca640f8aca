package dev.walnut.graph;

import dev.walnut.Tensor;
import dev.walnut.nn.Module;
import dev.walnut.optim.Optimizer;
import java.util.Arrays;
import java.util.function.BiFunction;
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

    /**
     * Compiles a whole training step, PyTorch style: {@code step.step(x..., target)} runs
     * {@code lossFn(model.forward(x...), target)}, its backward and {@code optimizer}'s update as
     * one graph (see {@link CompiledTrainStep}). With example inputs the graph is compiled now,
     * otherwise on the first step.
     *
     * <pre>{@code
     * CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::mseLoss, new SGD(model.parameters(), 0.1));
     * Tensor loss = step.step(x, y);
     * }</pre>
     */
    public static CompiledTrainStep compileTrainStep(Module model, BiFunction<Tensor, Tensor, Tensor> lossFn,
                                                     Optimizer optimizer, Tensor... exampleInputs) {
        return compileTrainStepOf(model, in -> lossFn.apply(model.forward(Arrays.copyOf(in, in.length - 1)),
                in[in.length - 1]), optimizer, exampleInputs);
    }

    /**
     * Compiles a training step whose loss is any function of the step's inputs (that calls
     * {@code model}); the optimizer updates the model's parameters.
     *
     * <pre>{@code
     * CompiledTrainStep step = Compiler.compileTrainStepOf(model, in -> model.forward(in[0]).square().mean(), opt);
     * }</pre>
     */
    public static CompiledTrainStep compileTrainStepOf(Module model, Function<Tensor[], Tensor> loss, Optimizer optimizer,
                                                       Tensor... exampleInputs) {
        CompiledTrainStep step = new CompiledTrainStep(model, loss, optimizer);
        if (exampleInputs.length > 0) {
            step.graphFor(exampleInputs);
        }
        return step;
    }

    /** Compiles a module's forward; the graphs read its parameters and buffers as they are at each call. */
    public static CompiledFunction compile(Module module) {
        return new CompiledFunction(Graph.tracer(module), in -> new Tensor[] {module.forward(in)},
                module.getClass().getSimpleName());
    }
}
