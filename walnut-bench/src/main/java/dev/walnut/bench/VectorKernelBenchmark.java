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
 * The F32 kernels the Vector API provider replaces that {@link ElementwiseBenchmark} does not
 * cover: {@code log}, {@code tanh}, {@code sigmoid}, and the full reductions {@code sum} and
 * {@code max}, on 1M contiguous elements. Run it twice to compare the providers:
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -jar walnut-bench/target/walnut-bench.jar VectorKernelBenchmark
 * java --add-modules jdk.incubator.vector -jar walnut-bench/target/walnut-bench.jar VectorKernelBenchmark \
 *     -jvmArgsAppend -Dwalnut.vector=false
 * }</pre>
 * (JMH's forked JVM inherits the launching JVM's options, {@code --add-modules} included.) The
 * score is calls per second; elements per second is score &times; size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VectorKernelBenchmark {
    /** 1M elements: 4 MiB, past L2 and within the last-level cache. */
    @Param({"1048576"})
    public int size;

    private Tensor a;

    @Setup(Level.Trial)
    public void setUp() {
        Tensor.manualSeed(42);
        // (0, 2]: inside log's domain, and spanning both of tanh's ranges (|x| below and above 0.625).
        a = Tensor.rand(size).mulScalar(2.0).addScalar(1e-3);
    }

    @Benchmark
    public Tensor log() {
        return a.log();
    }

    @Benchmark
    public Tensor tanh() {
        return a.tanh();
    }

    @Benchmark
    public Tensor sigmoid() {
        return a.sigmoid();
    }

    @Benchmark
    public Tensor sum() {
        return a.sum();
    }

    @Benchmark
    public Tensor max() {
        return a.max();
    }
}
