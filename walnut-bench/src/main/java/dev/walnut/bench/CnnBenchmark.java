package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.GradientContext;
import dev.walnut.graph.CompiledFunction;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The small CNN of {@link Models#cnn()} on random {@code [batch, 1, 28, 28]} inputs: a training
 * step (forward, cross-entropy, backward, SGD step with lr 0.01, {@code zeroGrad}) and inference
 * with grad mode off, each eager and compiled: {@code Compiler.compileTrainStep} (one graph for
 * forward, loss, backward and the SGD update) and {@code Compiler.compile} of the model in eval
 * mode, both with a dynamic batch. Each form trains or runs its own copy of the model. The score
 * is milliseconds per call. Each trial first runs its call until the JIT is quiet
 * ({@link JitWarmup}): with JMH's three one-second warm-ups alone the eager train step measured
 * 24.5 and 31.9 ms in two runs where a loop warmed for eight seconds ran it in 15-19.
 *
 * <pre>{@code
 * java -jar walnut-bench/target/walnut-bench.jar 'CnnBenchmark.(trainStep|compiledTrainStep)'
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CnnBenchmark {
    @Param({"64"})
    public int batch;

    private Module model;
    private Optimizer opt;
    private Tensor input;
    private Tensor target;
    private CompiledTrainStep compiledStep;
    private CompiledFunction compiledForward;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        input = Models.input(42, batch, 1, 28, 28);
        target = Models.labels(batch);
        model = Models.cnn();
        opt = Models.optimizer("sgd", model);
        Module trained = Models.cnn();
        compiledStep = Compiler.compileTrainStep(trained, Losses::crossEntropy, Models.optimizer("sgd", trained))
                .markDynamic(0, 0).markDynamic(1, 0);
        compiledStep.step(input, target); // capture and compile outside the measurement
        Module inferred = Models.cnn();
        inferred.eval();
        compiledForward = Compiler.compile(inferred).markDynamic(0, 0);
        compiledForward.apply(input);
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Runnable call = switch (method) {
            case "trainStep" -> this::trainStep;
            case "inference" -> this::inference;
            case "compiledTrainStep" -> this::compiledTrainStep;
            default -> this::compiledInference;
        };
        double seconds = JitWarmup.untilQuiet(call);
        System.out.printf(java.util.Locale.ROOT, "(JIT quiet after %.0f s of %s calls)%n", seconds, method);
    }

    @Benchmark
    public Tensor trainStep() {
        return Models.trainStep(model, opt, input, target);
    }

    @Benchmark
    public Tensor inference() {
        return Models.inference(model, input);
    }

    @Benchmark
    public Tensor compiledTrainStep() {
        return compiledStep.step(input, target);
    }

    @Benchmark
    public Tensor compiledInference() {
        return compiledForward.apply(input);
    }

    /** A tape that kept growing would make every step slower: fail instead of reporting it. */
    @TearDown(Level.Iteration)
    public void checkClean() {
        int tapeSize = GradientContext.current().tapeSize();
        if (tapeSize != 0) {
            throw new IllegalStateException("tape holds " + tapeSize + " nodes after an iteration; expected 0");
        }
    }
}
