package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.graph.CompileMode;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import dev.walnut.nn.Module;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inference of the 784-512-512-10 MLP ({@link Models#mlp()}) at batch 64 and 256, eager
 * ({@link Models#inference}, as {@link MlpInferenceBenchmark}) against compiled
 * ({@code Compiler.compile(model)} with a dynamic batch). Milliseconds per forward pass.
 *
 * <pre>{@code
 * java -jar walnut-bench/target/walnut-bench.jar CompiledMlpBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompiledMlpBenchmark {
    @Param({"64", "256"})
    public int batch;

    private Module model;
    private Tensor input;
    private CompiledFunction compiled;
    private CompiledFunction reduceOverhead;

    @Setup(Level.Trial)
    public void setUp() {
        input = Models.input(42, batch, 784);
        model = Models.mlp();
        model.eval(); // traced for inference (the MLP has no dropout or batch norm, so eager is unchanged)
        compiled = Compiler.compile(model).markDynamic(0, 0);
        compiled.apply(input);
        reduceOverhead = Compiler.compile(model).markDynamic(0, 0).mode(CompileMode.REDUCE_OVERHEAD);
        reduceOverhead.apply(input); // capture, compile and plan the arena outside the measurement
    }

    @Benchmark
    public Tensor eager() {
        return Models.inference(model, input);
    }

    @Benchmark
    public Tensor compiled() {
        return compiled.apply(input);
    }

    /** {@link CompileMode#REDUCE_OVERHEAD}: the same graph run from a preplanned arena. */
    @Benchmark
    public Tensor reduceOverhead() {
        return reduceOverhead.apply(input);
    }
}
