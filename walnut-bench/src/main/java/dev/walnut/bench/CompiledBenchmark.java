package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.graph.CompileMode;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
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
 * A chain of ten F32 elementwise ops ({@link #chain}: mul, add, exp, mul, tanh, mul, sub, mul,
 * add, relu over two inputs, two of them transcendental) on 1M and 16M elements, eager against compiled
 * ({@code Compiler.compile}, whose elementwise fusion runs the chain as one loop over memory),
 * and the memory floor: {@link #stream} is {@code x.add(y)}, which reads both inputs and writes
 * one output once, the least traffic any implementation of the chain needs. Milliseconds per
 * call; issue 15's targets are compiled at least 3x faster than eager and within 1.5x of stream.
 *
 * <pre>{@code
 * java -jar walnut-bench/target/walnut-bench.jar CompiledBenchmark
 * bench/run.sh --only compiled          # with the ratios
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompiledBenchmark {
    /** Element count: 1M (4 MiB per tensor) and 16M (64 MiB, beyond the last-level cache). */
    @Param({"1048576", "16777216"})
    public int size;

    private Tensor x;
    private Tensor y;
    private CompiledFunction compiled;
    private CompiledFunction reduceOverhead;

    /** The ten-op chain. */
    public static Tensor chain(Tensor x, Tensor y) {
        return x.mul(y).add(1.0).exp().mul(0.5).tanh().mul(x).sub(y).mul(2.0).add(x).relu();
    }

    @Setup(Level.Trial)
    public void setUp() {
        Tensor.manualSeed(42);
        x = Tensor.rand(size);
        y = Tensor.rand(size);
        compiled = Compiler.compile(in -> chain(in[0], in[1]));
        compiled.apply(x, y); // capture and compile outside the measurement
        reduceOverhead = Compiler.compile(in -> chain(in[0], in[1])).mode(CompileMode.REDUCE_OVERHEAD);
        reduceOverhead.apply(x, y); // capture, compile and plan the arena outside the measurement
    }

    @Benchmark
    public Tensor eager() {
        return chain(x, y);
    }

    @Benchmark
    public Tensor compiled() {
        return compiled.apply(x, y);
    }

    /** {@link CompileMode#REDUCE_OVERHEAD}: the same graph run from a preplanned arena. */
    @Benchmark
    public Tensor reduceOverhead() {
        return reduceOverhead.apply(x, y);
    }

    @Benchmark
    public Tensor stream() {
        return x.add(y);
    }
}
