package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import dev.walnut.nn.functional.Convolution;
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
 * The shallow convolutions of the ONNX bench models, each alone as the compiled model runs it
 * (conv2d with bias, then the activation; traced and compiled once, under {@code noGrad}):
 * MobileNet v2's stem ({@code 3x224x224k3s2p1o32}, ReLU6), ResNet-18's stem
 * ({@code 3x224x224k7s2p3o64}, ReLU) and MobileNet v2's first 1x1 expansion on 16 channels
 * ({@code 16x112x112k1s1p0o96}, ReLU6). Milliseconds per call;
 * GFLOP/s = 2 n C_out C_in kH kW H_out W_out / (score &times; 10&#8310;).
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Dwalnut.threads=2 -jar walnut-bench/target/walnut-bench.jar StemConvBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StemConvBenchmark {
    /** {@code CxHxW k kernel s stride p padding o output channels}. */
    @Param({"3x224x224k3s2p1o32", "3x224x224k7s2p3o64", "16x112x112k1s1p0o96"})
    public String layer;

    /** Batch size. */
    @Param({"1", "8"})
    public int batch;

    private CompiledFunction conv;
    private Tensor input;

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = layer.split("[xkspo]");
        int c = Integer.parseInt(s[0]);
        int h = Integer.parseInt(s[1]);
        int wd = Integer.parseInt(s[2]);
        int k = Integer.parseInt(s[3]);
        int stride = Integer.parseInt(s[4]);
        int pad = Integer.parseInt(s[5]);
        int cOut = Integer.parseInt(s[6]);
        Tensor w = Tensor.fromArray(GemmBenchmark.random(cOut * c * k * k, 2), cOut, c, k, k).mul(0.2);
        Tensor b = Tensor.fromArray(GemmBenchmark.random(cOut, 3), cOut);
        double max = k == 7 ? Double.POSITIVE_INFINITY : 6;
        input = Tensor.fromArray(GemmBenchmark.random(batch * c * h * wd, 1), batch, c, h, wd);
        conv = Compiler.compile(in -> Convolution.conv2d(in[0], w, b, stride, pad, 1, 1).clamp(0, max))
                .eagerFallback(false);
        try (var off = Autograd.noGrad()) {
            conv.apply(input);
        }
    }

    @Benchmark
    public Tensor forward() {
        try (var off = Autograd.noGrad()) {
            return conv.apply(input);
        }
    }
}
