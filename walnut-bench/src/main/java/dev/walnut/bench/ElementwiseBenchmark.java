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
 * Throughput of large contiguous F32 elementwise kernels: binary ops ({@code a.add(b)},
 * {@code a.mul(b)}) and a transcendental unary op ({@code a.exp()}) on 1M ({@code 1 << 20}) and 16M ({@code 1 << 24})
 * elements. Both sizes are far beyond the parallel grain, so this measures the contiguous fast
 * path split over the shared fork-join pool (DESIGN §6), plus allocating the output, which is
 * what eager code pays too (PyTorch allocates a fresh output for {@code a + b} as well).
 *
 * <p>How to read the score: it is calls per second (ops/s), one call processing {@code size}
 * elements. Hence
 * <ul>
 *   <li>elements/s = score &times; size;</li>
 *   <li>memory traffic for {@code add} and {@code mul} = score &times; size &times; 12 bytes (two 4-byte reads,
 *       one 4-byte write), for {@code exp} = score &times; size &times; 8 bytes. {@code add} is
 *       bandwidth-bound, so compare its GB/s with the machine's memory bandwidth; {@code exp} is
 *       usually compute-bound, so elements/s is the more telling figure.</li>
 * </ul>
 * Example: {@code add} at size 16777216 scoring 100 ops/s processes 1.68 G elements/s and moves
 * 100 &times; 16777216 &times; 12 B = 20.1 GB/s. {@code bench/run.sh} does this arithmetic and
 * prints it next to PyTorch's numbers.
 *
 * <p>Run on its own with
 * <pre>{@code
 * mvn -q -B -pl walnut-bench -am package -DskipTests
 * java -jar walnut-bench/target/walnut-bench.jar ElementwiseBenchmark
 * }</pre>
 * or with the PyTorch comparison through {@code bench/run.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ElementwiseBenchmark {
    /** Element count: 1M (4 MiB per tensor) can stay in a large last-level cache, 16M (64 MiB) cannot. */
    @Param({"1048576", "16777216"})
    public int size;

    private Tensor a;
    private Tensor b;

    @Setup(Level.Trial)
    public void setUp() {
        Tensor.manualSeed(42);
        a = Tensor.rand(size);
        b = Tensor.rand(size);
    }

    @Benchmark
    public Tensor add() {
        return a.add(b);
    }

    @Benchmark
    public Tensor mul() {
        return a.mul(b);
    }

    @Benchmark
    public Tensor exp() {
        return a.exp();
    }
}
