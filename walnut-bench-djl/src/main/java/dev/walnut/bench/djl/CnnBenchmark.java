package dev.walnut.bench.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The CNN of {@link DjlModels#cnn()} on random {@code [batch, 1, 28, 28]} inputs through DJL: a
 * training step with SGD (lr 0.01) through the {@link Trainer} and inference with gradient
 * recording off; milliseconds per call like {@code dev.walnut.bench.CnnBenchmark}.
 *
 * <pre>{@code
 * bench/run.sh --djl --only cnn
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CnnBenchmark {
    @Param({"64"})
    public int batch;

    private NDManager manager;
    private Model model;
    private Trainer trainer;
    private ParameterStore parameters;
    private NDList input;
    private NDList labels;

    @Setup(Level.Trial)
    public void setUp() {
        DjlEnv.engine().setRandomSeed(42);
        manager = DjlEnv.newManager();
        input = new NDList(manager.randomNormal(new Shape(batch, 1, 28, 28)));
        labels = new NDList(manager.randomInteger(0, 10, new Shape(batch), DataType.INT64));
        model = DjlModels.model("cnn", DjlModels.cnn());
        trainer = DjlModels.trainer(model, "sgd", new Shape(batch, 1, 28, 28));
        parameters = new ParameterStore(model.getNDManager(), false);
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

    @Benchmark
    public void inference(Blackhole bh) {
        try (NDScope scope = new NDScope()) {
            bh.consume(DjlModels.inference(model.getBlock(), parameters, input));
        }
    }
}
