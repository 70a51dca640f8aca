package dev.walnut.bench.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
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
 * Inference of the 784-512-512-10 MLP through DJL ({@code block.forward} with a
 * {@link ParameterStore}, gradient recording off) at batch 64 and 256; milliseconds per forward
 * pass like {@code dev.walnut.bench.MlpInferenceBenchmark}. This is the leanest public path;
 * DJL's {@code Predictor} adds a translator and a manager per call on top.
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
public class MlpInferenceBenchmark {
    @Param({"64", "256"})
    public int batch;

    private NDManager manager;
    private Model model;
    private ParameterStore parameters;
    private NDList input;

    @Setup(Level.Trial)
    public void setUp() {
        DjlEnv.engine().setRandomSeed(42);
        manager = DjlEnv.newManager();
        input = new NDList(manager.randomNormal(new Shape(batch, 784)));
        model = DjlModels.model("mlp", DjlModels.mlp());
        parameters = DjlModels.initializeForInference(model, new Shape(batch, 784));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        manager.close();
    }

    @Benchmark
    public void inference(Blackhole bh) {
        try (NDScope scope = new NDScope()) {
            bh.consume(DjlModels.inference(model.getBlock(), parameters, input));
        }
    }
}
