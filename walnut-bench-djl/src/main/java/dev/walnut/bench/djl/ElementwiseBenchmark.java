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
 * {@code a.add(b)}, {@code a.mul(b)} and {@code a.exp()} on 1M and 16M F32 elements through
 * DJL, output allocated and closed per call; calls per second like
 * {@code dev.walnut.bench.ElementwiseBenchmark}.
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
public class ElementwiseBenchmark {
    @Param({"1048576", "16777216"})
    public int size;

    private NDManager manager;
    private NDArray a;
    private NDArray b;

    @Setup(Level.Trial)
    public void setUp() {
        DjlEnv.engine().setRandomSeed(42);
        manager = DjlEnv.newManager();
        a = manager.randomUniform(0f, 1f, new Shape(size));
        b = manager.randomUniform(0f, 1f, new Shape(size));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public void add(Blackhole bh) {
        try (NDArray c = a.add(b)) {
            bh.consume(c);
        }
    }

    @Benchmark
    public void mul(Blackhole bh) {
        try (NDArray c = a.mul(b)) {
            bh.consume(c);
        }
    }

    @Benchmark
    public void exp(Blackhole bh) {
        try (NDArray c = a.exp()) {
            bh.consume(c);
        }
    }
}
