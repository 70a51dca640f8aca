package dev.walnut.bench;

import dev.walnut.backend.cpu.Gemm;
import dev.walnut.backend.cpu.GemmBlocking;
import dev.walnut.backend.cpu.PackedMatrix;
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
 * F32 GEMM on the shapes models run, not squares: the products of resnet18's stride-1 3x3
 * convolutions as {@code ShiftedGemmConvKernels} issues them (M = output channels, K = input
 * channels x 9, N = grid columns per block of at most 512, in whole 32-column panels and shared
 * evenly by two threads: at batch 1, 416 for 56 x 56 images, 448 for 28 x 28, 222 and 61 for
 * 14 x 14 and 7 x 7, 512 at batch 8; the rows with K = channels x 9 + 1 are the same products as
 * they were with the bias riding in them), the im2col products of its strided convolutions per
 * image (7 x 7 stride 2 on 3 channels: 64x12544x147; 3 x 3 stride 2: 128x784x576, 256x196x1152,
 * 512x49x2304), its 3 x 3 convolutions as one im2col product per layer (M = output channels,
 * N = batch x grid, K = input channels x 9; batch 1: 64x3136x576, 128x784x1152, 256x196x2304,
 * 512x49x4608; batch 8: 64x25088x576, 128x6272x1152, 256x1568x2304, 512x392x4608) and the
 * MLP's layers (784-512-512-10, batch 64 and
 * 256; {@code P} marks a weight packed once, as {@code nn.Linear} inference multiplies it), each
 * under a {@link GemmBlocking} ({@code KCxMC}) as max-autotune would try it.
 *
 * <p>Score: milliseconds per product; GFLOP/s = 2 M N K / (score &times; 10&#8310;). Run with
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -jar walnut-bench/target/walnut-bench.jar GemmShapeBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmShapeBenchmark {
    /** {@code MxNxK}, with a trailing {@code P} for a B packed once. */
    @Param({"64x512x577", "128x512x1153", "256x222x2305", "256x512x2305", "512x61x4609", "512x512x4609",
        "64x416x576", "128x448x1152", "256x222x2304", "512x61x4608", "64x512x576",
        "64x12544x147", "128x784x576", "256x196x1152", "512x49x2304",
        "64x512x784P", "64x512x512P", "256x512x784P", "64x10x512P", "512x784x64", "64x784x512",
        "64x3136x576", "128x784x1152", "256x196x2304", "512x49x4608",
        "64x25088x576", "128x6272x1152", "256x1568x2304", "512x392x4608"})
    public String shape;

    /** {@code KCxMC} of the vector provider's packed SGEMM; 256x128 is the default. */
    @Param({"256x128", "512x64"})
    public String blocking;

    private int m;
    private int n;
    private int k;
    private float[] a;
    private float[] b;
    private float[] c;
    private PackedMatrix packed;
    private GemmBlocking chosen;

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = shape.replace("P", "").split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        String[] bl = blocking.split("x");
        chosen = new GemmBlocking(Integer.parseInt(bl[0]), Integer.parseInt(bl[1]));
        a = GemmBenchmark.random(m * k, 1);
        b = GemmBenchmark.random(k * n, 2);
        c = new float[m * n];
        // B = W^T for a weight W [n x k], as nn.Linear packs it.
        packed = shape.endsWith("P") ? GemmBlocking.with(chosen, () -> Gemm.packB(k, n, b, 0, 1, k)) : null;
    }

    @Benchmark
    public float[] sgemm() {
        return GemmBlocking.with(chosen, () -> {
            if (packed != null) {
                Gemm.sgemmPacked(m, 1f, a, 0, k, 1, packed, c, 0, n, false);
            } else {
                Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, c, 0, n, false);
            }
            return c;
        });
    }
}
