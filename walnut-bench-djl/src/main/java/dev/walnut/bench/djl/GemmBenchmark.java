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
 * {@code a.matMul(b)} on square F32 matrices of side 128 to 2048 through DJL (libtorch's
 * {@code matmul}), output allocated and closed per call; the score is calls per second like
 * {@code dev.walnut.bench.GemmBenchmark.matmul} (GFLOP/s = score &times; 2 &times; size&sup3; / 10&#8313;).
 *
 * <pre>{@code
 * bench/run.sh --djl --only gemm
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmBenchmark {
    @Param({"128", "256", "512", "1024", "2048"})
    public int size;

    private NDManager manager;
    private NDArray a;
    private NDArray b;

    @Setup(Level.Trial)
    public void setUp() {
        DjlEnv.engine().setRandomSeed(42);
        manager = DjlEnv.newManager();
        a = manager.randomUniform(-1f, 1f, new Shape(size, size));
        b = manager.randomUniform(-1f, 1f, new Shape(size, size));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public void matmul(Blackhole bh) {
        try (NDArray c = a.matMul(b)) {
            bh.consume(c);
        }
    }
}
