package dev.walnut.bench;

import dev.walnut.backend.cpu.DepthwiseConvKernels;
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
 * The F32 depthwise forward ({@link DepthwiseConvKernels#forward}, bias and ReLU6 fused) on
 * MobileNet v2's depthwise layers at 224 px: {@code CxHxW} input planes, 3x3, padding 1, stride
 * {@code sS}. The layers are memory bound (9 multiply-adds per output, every input read about
 * once), so the score reads best as a memory rate:
 * bytes = 4 (n C H W + n C H W / s&sup2;), GB/s = bytes / (score &times; 10&#8310;).
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Dwalnut.threads=2 -jar walnut-bench/target/walnut-bench.jar DepthwiseBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DepthwiseBenchmark {
    /** {@code CxHxW s stride}: the input of one depthwise layer. */
    @Param({"32x112x112s1", "96x112x112s2", "144x56x56s1", "144x56x56s2", "192x28x28s1", "192x28x28s2",
        "384x14x14s1", "576x14x14s1", "576x14x14s2", "960x7x7s1"})
    public String layer;

    /** Batch size. */
    @Param({"1", "8"})
    public int batch;

    private DepthwiseConvKernels.Geometry geometry;
    private float[] x;
    private float[] w;
    private float[] bias;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = layer.split("[xs]");
        int c = Integer.parseInt(s[0]);
        int h = Integer.parseInt(s[1]);
        int wd = Integer.parseInt(s[2]);
        int stride = Integer.parseInt(s[3]);
        geometry = new DepthwiseConvKernels.Geometry(batch, c, 1, h, wd, 3, 3, stride, stride, 1, 1, 1, 1);
        x = GemmBenchmark.random(geometry.inputSize(), 1);
        w = GemmBenchmark.random(geometry.weightSize(), 2);
        bias = GemmBenchmark.random(c, 3);
        out = new float[geometry.outputSize()];
    }

    @Benchmark
    public float[] forward() {
        DepthwiseConvKernels.forward(x, 0, w, bias, out, geometry, 0, 6);
        return out;
    }
}
