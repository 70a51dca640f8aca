package dev.walnut.bench.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
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
 * One training step of the 784-512-512-10 MLP ({@link DjlModels#mlp()}) through DJL's
 * {@link Trainer}: forward, cross-entropy, backward, optimizer step (which zeroes the gradients),
 * at batch 64 and 256 with SGD and Adam; milliseconds per step like
 * {@code dev.walnut.bench.MlpTrainBenchmark}.
 *
 * <pre>{@code
 * bench/run.sh --djl --only mlp
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

    private NDManager manager;
    private Model model;
    private Trainer trainer;
    private NDList input;
    private NDList labels;

    @Setup(Level.Trial)
    public void setUp() {
        DjlEnv.engine().setRandomSeed(42);
        manager = DjlEnv.newManager();
        input = new NDList(manager.randomNormal(new Shape(batch, 784)));
        labels = new NDList(manager.randomInteger(0, 10, new Shape(batch), DataType.INT64));
        model = DjlModels.model("mlp", DjlModels.mlp());
        trainer = DjlModels.trainer(model, optimizer, new Shape(batch, 784));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        model.close();
        manager.close();
    }

    @Benchmark
    public void trainStep() {
        DjlModels.trainStep(trainer, input, labels);
    }
}
