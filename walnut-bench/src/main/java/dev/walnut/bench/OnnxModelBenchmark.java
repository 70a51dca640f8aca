package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.graph.CompileMode;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import dev.walnut.onnx.Onnx;
import dev.walnut.onnx.OnnxModel;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Inference of imported ONNX models ({@link OnnxBenchModels}: ResNet-18, MobileNetV2, a
 * transformer encoder, exported by PyTorch) at batch 1 and 8 under {@code noGrad}:
 * {@link #eager} runs the {@link OnnxModel} node by node, {@link #compiled} runs it through
 * {@code Compiler.compile} (traced once in the setup, eager fallback off, so a model the
 * compiler cannot take fails the setup instead of timing eager under the compiled name). The
 * setup also runs the timed call until the JIT is quiet ({@link JitWarmup}).
 * {@link OrtBenchmark} times the same files in ONNX Runtime; milliseconds per forward pass.
 * Issue 16's target: compiled ≤ 1.0x ONNX Runtime.
 *
 * <pre>{@code
 * bench/run.sh --only onnx       # exports the models, runs this, OrtBenchmark and PyTorch
 * java -Dwalnut.bench.onnx=walnut-bench/target/onnx-models -jar walnut-bench/target/walnut-bench.jar OnnxModelBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OnnxModelBenchmark {
    /** Which model ({@link OnnxBenchModels}). */
    @Param({"resnet18", "mobilenet_v2", "transformer"})
    public String model;

    /** Batch size. */
    @Param({"1", "8"})
    public int batch;

    private OnnxModel onnx;
    private CompiledFunction compiledModel;
    private CompiledFunction arenaModel;
    private Tensor input;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        onnx = Onnx.load(OnnxBenchModels.file(model));
        onnx.eval();
        input = OnnxBenchModels.input(model, batch);
        compiledModel = Compiler.compile(onnx).eagerFallback(false);
        arenaModel = Compiler.compile(onnx).eagerFallback(false).mode(CompileMode.REDUCE_OVERHEAD);
        try (var off = Autograd.noGrad()) {
            Tensor expected = onnx.forward(input);
            for (CompiledFunction f : new CompiledFunction[] {compiledModel, arenaModel}) {
                Tensor actual = f.apply(input); // trace and compile (and plan) outside the measurement
                double err = relativeError(actual, expected);
                // Both run the same Walnut kernels; a larger gap means the compiled graph is wrong.
                if (!(err <= 1e-3)) {
                    throw new IllegalStateException(model + " batch " + batch + ": compiled output differs from eager by "
                            + err + " (relative)");
                }
            }
        }
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Runnable call = switch (method) {
            case "eager" -> this::eager;
            case "compiled" -> this::compiled;
            default -> this::reduceOverhead;
        };
        double seconds = JitWarmup.untilQuiet(call);
        System.out.printf(java.util.Locale.ROOT, "(JIT quiet after %.0f s of %s calls)%n", seconds, method);
    }

    /** The compiled rows must have run one compiled graph, not re-traced per call. */
    @TearDown(Level.Trial)
    public void checkOneGraph() {
        for (CompiledFunction f : new CompiledFunction[] {compiledModel, arenaModel}) {
            if (f.cachedGraphs() != 1) {
                throw new IllegalStateException(model + " batch " + batch + ": " + f.cachedGraphs()
                        + " compiled graphs for one input shape");
            }
        }
    }

    static double relativeError(Tensor actual, Tensor expected) {
        float[] a = actual.contiguous().toFloatArray();
        float[] e = expected.contiguous().toFloatArray();
        double diff = 0;
        double scale = 1e-12;
        for (int i = 0; i < e.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return a.length == e.length ? diff / scale : Double.NaN;
    }

    @Benchmark
    public Tensor eager() {
        return Models.inference(onnx, input);
    }

    @Benchmark
    public Tensor compiled() {
        try (var off = Autograd.noGrad()) {
            return compiledModel.apply(input);
        }
    }

    /**
     * The same graph in {@link CompileMode#REDUCE_OVERHEAD}, as a deployment would run it: the
     * intermediates live in a planned arena instead of fresh, zeroed arrays on every call (ONNX
     * Runtime plans its memory too).
     */
    @Benchmark
    public Tensor reduceOverhead() {
        try (var off = Autograd.noGrad()) {
            return arenaModel.apply(input);
        }
    }
}
