package dev.walnut.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.walnut.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;
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
 * The ONNX Runtime side of the imported-model rows: the same files and inputs as
 * {@link OnnxModelBenchmark} in ONNX Runtime's Java API on the CPU, with as many intra-op threads
 * as Walnut uses ({@code -Dwalnut.threads}, default 2), one inter-op thread, sequential execution
 * and all graph optimizations (ORT's defaults otherwise). The input tensor is made once; each call
 * runs the session and closes its result. Milliseconds per forward pass.
 *
 * <pre>{@code
 * bench/run.sh --only onnx
 * java -Dwalnut.bench.onnx=walnut-bench/target/onnx-models -jar walnut-bench/target/walnut-bench.jar OrtBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OrtBenchmark {
    /** Which model ({@link OnnxBenchModels}). */
    @Param({"resnet18", "mobilenet_v2", "transformer"})
    public String model;

    /** Batch size. */
    @Param({"1", "8"})
    public int batch;

    private OrtEnvironment env;
    private OrtSession.SessionOptions options;
    private OrtSession session;
    private OnnxTensor input;
    private Map<String, OnnxTensor> feed;

    /**
     * How every ONNX Runtime session of the benchmarks runs: {@code walnut.threads} (default 2)
     * intra-op threads, one inter-op thread, sequential, all graph optimizations.
     */
    static OrtSession.SessionOptions sessionOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(Integer.getInteger("walnut.threads", 2));
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        env = OrtEnvironment.getEnvironment();
        options = sessionOptions();
        session = env.createSession(OnnxBenchModels.file(model).toString(), options);
        Tensor x = OnnxBenchModels.input(model, batch);
        input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.contiguous().toFloatArray()), x.shape());
        feed = Map.of(session.getInputNames().iterator().next(), input);
        // The same warm-up as Walnut's rows (OnnxModelBenchmark), so both are timed in steady state.
        double seconds = JitWarmup.untilQuiet(() -> {
            try {
                session.run(feed).close();
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        });
        System.out.printf(java.util.Locale.ROOT, "(JIT quiet after %.0f s of calls)%n", seconds);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        input.close();
        session.close();
        options.close();
    }

    @Benchmark
    public void inference(Blackhole bh) throws OrtException {
        try (OrtSession.Result result = session.run(feed)) {
            bh.consume(result.get(0));
        }
    }
}
