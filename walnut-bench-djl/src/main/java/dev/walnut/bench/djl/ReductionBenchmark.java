package dev.walnut.bench.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Full reduction {@code a.sum()} of 16M F32 elements through DJL; calls per second like
 * {@code dev.walnut.bench.ReductionBenchmark}.
 *
 * <pre>{@code
 * bench/run.sh --djl --only elementwise
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

    private NDManager manager;
    private NDArray a;

    @Setup(Level.Trial)
    public void setUp() {
        DjlEnv.engine().setRandomSeed(42);
        manager = DjlEnv.newManager();
        a = manager.randomUniform(0f, 1f, new Shape(size));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public void sum(Blackhole bh) {
        try (NDArray s = a.sum()) {
            bh.consume(s);
        }
    }
}
