package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.GradientContext;
import dev.walnut.nn.Module;
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

/**
 * One training step of the 784-512-512-10 MLP ({@link Models#mlp()}) on random data: forward,
 * cross-entropy, backward, optimizer step and {@code zeroGrad} (which also clears the tape), at
 * batch 64 and 256, with SGD and with Adam. The score is milliseconds per step.
 *
 * <pre>{@code
 * java -jar walnut-bench/target/walnut-bench.jar MlpTrainBenchmark -p batch=64 -p optimizer=adam
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MlpTrainBenchmark {
    @Param({"64", "256"})
    public int batch;

    @Param({"sgd", "adam"})
    public String optimizer;

    private Module model;
    private Optimizer opt;
    private Tensor input;
    private Tensor target;

    @Setup(Level.Trial)
    public void setUp() {
        input = Models.input(42, batch, 784);
        target = Models.labels(batch);
        model = Models.mlp();
        opt = Models.optimizer(optimizer, model);
    }

    @Benchmark
    public Tensor trainStep() {
        return Models.trainStep(model, opt, input, target);
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
