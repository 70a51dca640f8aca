package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.GradientContext;
import dev.walnut.graph.CompiledTrainStep;
import dev.walnut.graph.Compiler;
import dev.walnut.nn.Module;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Optimizer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One training step of the 784-512-512-10 MLP ({@link Models#mlp()}), eager
 * ({@link Models#trainStep}, as {@link MlpTrainBenchmark}: forward, cross-entropy, backward,
 * step, zeroGrad) against compiled ({@code Compiler.compileTrainStep} with a dynamic batch: one
 * graph for forward, loss, backward and the fused update), with SGD and Adam. Each method trains
 * its own copy of the model. Milliseconds per step.
 *
 * <p>The compiled step runs on a static memory plan (see {@code CompiledTrainStep}), so with
 * {@code -prof gc} its {@code gc.alloc.rate.norm} is about the loss tensor it returns
 * ({@code compiled}), and about nothing with {@code stepLoss} ({@code compiledLoss}), where the
 * eager step allocates every activation and gradient. The warm-up is
 * long because the Vector API GEMM runs boxed, allocating hundreds of KB per product, until C2
 * has compiled it, which took 20 s and more on a shared two-core machine; a short warm-up
 * measures the JIT, not the step.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -jar walnut-bench/target/walnut-bench.jar CompiledTrainBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 12, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompiledTrainBenchmark {
    @Param({"64", "256"})
    public int batch;

    @Param({"sgd", "adam"})
    public String optimizer;

    private Module eagerModel;
    private Optimizer eagerOpt;
    private CompiledTrainStep compiled;
    private Tensor input;
    private Tensor target;

    @Setup(Level.Trial)
    public void setUp() {
        input = Models.input(42, batch, 784);
        target = Models.labels(batch);
        eagerModel = Models.mlp();
        eagerOpt = Models.optimizer(optimizer, eagerModel);
        Module model = Models.mlp();
        compiled = Compiler.compileTrainStep(model, Losses::crossEntropy, Models.optimizer(optimizer, model))
                .markDynamic(0, 0).markDynamic(1, 0);
        compiled.step(input, target);
    }

    @Benchmark
    public Tensor eager() {
        return Models.trainStep(eagerModel, eagerOpt, input, target);
    }

    @Benchmark
    public Tensor compiled() {
        return compiled.step(input, target);
    }

    /** The same step returning the loss as a double ({@code stepLoss}): nothing allocated per step after warm-up. */
    @Benchmark
    public double compiledLoss() {
        return compiled.stepLoss(input, target);
    }

    /** Neither form may leave nodes on the tape: a growing tape would slow every step. */
    @TearDown(Level.Iteration)
    public void checkClean() {
        int tapeSize = GradientContext.current().tapeSize();
        if (tapeSize != 0) {
            throw new IllegalStateException("tape holds " + tapeSize + " nodes after an iteration; expected 0");
        }
    }
}
