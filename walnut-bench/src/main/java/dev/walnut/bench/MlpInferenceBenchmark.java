package dev.walnut.bench;

import dev.walnut.Tensor;
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
 * Inference (forward with grad mode off) of the 784-512-512-10 MLP ({@link Models#mlp()}) at
 * batch 64 and 256. The score is milliseconds per forward pass.
 *
 * <pre>{@code
 * java -jar walnut-bench/target/walnut-bench.jar MlpInferenceBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MlpInferenceBenchmark {
    @Param({"64", "256"})
    public int batch;

    private Module model;
    private Tensor input;

    @Setup(Level.Trial)
    public void setUp() {
        input = Models.input(42, batch, 784);
        model = Models.mlp();
    }

    @Benchmark
    public Tensor inference() {
        return Models.inference(model, input);
    }
}
