package dev.walnut.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.graph.CompileMode;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import dev.walnut.onnx.Onnx;
import dev.walnut.onnx.OnnxModel;
import dev.walnut.profiler.Profiler;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where the time of one imported benchmark model goes, node by node, in Walnut (compiled,
 * reduce-overhead, through {@link Profiler}) and in ONNX Runtime (its session profiler, same file,
 * same input, same threads): the first step of any work on the ONNX rows, since the two runtimes
 * fuse differently and a whole-model ratio says nothing about which layers lag.
 *
 * <pre>{@code
 * bench/profile.sh resnet18 1        # runs this, then prints ORT's JSON as a table
 * java -cp walnut-bench.jar --add-modules jdk.incubator.vector -Dwalnut.bench.onnx=DIR \
 *     dev.walnut.bench.NodeProfile resnet18 1 50 /tmp/ort-profile
 * }</pre>
 *
 * Arguments: model ({@link OnnxBenchModels}), batch, timed calls (after as many warm-up calls
 * again, at least 20), and the prefix of the ORT profile file; prints Walnut's table (per op and
 * input shapes: calls and total milliseconds over the timed calls, mean microseconds per call)
 * and the ORT file's path on the last line.
 */
public final class NodeProfile {
    private NodeProfile() {
    }

    public static void main(String[] args) throws OrtException, java.io.IOException {
        if (args.length != 4) {
            System.err.println("usage: NodeProfile MODEL BATCH CALLS ORT_PROFILE_PREFIX");
            System.exit(2);
        }
        String model = args[0];
        int batch = Integer.parseInt(args[1]);
        int calls = Integer.parseInt(args[2]);
        int threads = Integer.getInteger("walnut.threads", 2);
        Tensor x = OnnxBenchModels.input(model, batch);

        OnnxModel onnx = Onnx.load(OnnxBenchModels.file(model));
        onnx.eval();
        CompiledFunction f = Compiler.compile(onnx).eagerFallback(false).mode(CompileMode.REDUCE_OVERHEAD);
        Profiler prof;
        long t0;
        long wall;
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < Math.max(20, calls); i++) {
                f.apply(x);
            }
            t0 = System.nanoTime();
            try (Profiler p = Profiler.start()) {
                prof = p;
                for (int i = 0; i < calls; i++) {
                    f.apply(x);
                }
            }
            wall = System.nanoTime() - t0;
        }
        System.out.printf(Locale.ROOT, "Walnut %s b%d, %d threads, reduce-overhead: %.3f ms per call (%.3f in nodes)%n",
                model, batch, threads, wall / 1e6 / calls, prof.totalNanos() / 1e6 / calls);
        System.out.print(prof.table(true, Integer.MAX_VALUE));

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Path prefix = Path.of(args[3]).toAbsolutePath();
        Files.createDirectories(prefix.getParent());
        try (OrtSession.SessionOptions options = OrtBenchmark.sessionOptions()) {
            // The profile covers every run of the session: the warm-up runs are in it too, and
            // the table (bench/ort_profile.py) leaves out as many as the line below says.
            options.enableProfiling(prefix.toString());
            try (OrtSession session = env.createSession(OnnxBenchModels.file(model).toString(), options);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.contiguous().toFloatArray()),
                         x.shape())) {
                Map<String, OnnxTensor> feed = Map.of(session.getInputNames().iterator().next(), input);
                int warm = Math.max(20, calls);
                for (int i = 0; i < warm; i++) {
                    session.run(feed).close();
                }
                t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    session.run(feed).close();
                }
                wall = System.nanoTime() - t0;
                System.out.printf(Locale.ROOT, "ONNX Runtime %s b%d, %d threads: %.3f ms per call (profiled)%n",
                        model, batch, threads, wall / 1e6 / calls);
                System.out.println("ORT profile (skip " + warm + " runs): " + session.endProfiling());
            }
        }
    }
}
