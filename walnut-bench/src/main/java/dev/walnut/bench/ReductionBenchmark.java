package dev.walnut.bench;

import dev.walnut.Tensor;
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
 * Full reduction {@code a.sum()} of a contiguous F32 tensor of 16M ({@code 1 << 24}) elements
 * (64 MiB, beyond any cache): a memory-bound pass that reads 4 bytes per element. The score is
 * calls per second; GB/s = score &times; size &times; 4 / 10&#8313;.
 *
 * <pre>{@code
 * java -jar walnut-bench/target/walnut-bench.jar ReductionBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReductionBenchmark {
    @Param({"16777216"})
    public int size;

    private Tensor a;

    @Setup(Level.Trial)
    public void setUp() {
        Tensor.manualSeed(42);
        a = Tensor.rand(size);
    }

    @Benchmark
    public Tensor sum() {
        return a.sum();
    }
}
