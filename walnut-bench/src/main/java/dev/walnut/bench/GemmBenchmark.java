package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.backend.cpu.Gemm;
import dev.walnut.backend.cpu.Parallel;
import java.util.SplittableRandom;
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
 * Throughput of F32 matrix multiplication on square matrices of side 128 to 2048: {@code matmul}
 * goes through {@link Tensor#matmul} (what users call, output allocated per call), {@code sgemm}
 * calls the kernel ({@link Gemm#sgemm}) directly and multiplies row-major A and B, {@code sgemmTransposedB} reads B
 * through transposed strides (the layout of {@code x.matmul(w.t())} in a linear layer), which
 * exercises the gathering pack. Multi-threading follows {@code walnut.threads} (default: all
 * cores); pass {@code -jvmArgs -Dwalnut.threads=1} for the single-thread figure.
 *
 * <p>How to read the score: it is calls per second (ops/s), one call doing {@code 2 * size^3}
 * floating-point operations, so GFLOP/s = score &times; 2 &times; size&sup3; / 10&#8313;. Example:
 * size 1024 scoring 50 ops/s is 50 &times; 2.147e9 = 107 GFLOP/s.
 *
 * <p>Run with
 * <pre>{@code
 * mvn -q -B -pl walnut-bench -am package -DskipTests
 * java -jar walnut-bench/target/walnut-bench.jar GemmBenchmark
 * }</pre>
 * or, for a quick GFLOP/s table without JMH (a few timed repetitions after a warm-up),
 * <pre>{@code
 * java -cp walnut-bench/target/walnut-bench.jar dev.walnut.bench.GemmBenchmark [sizes...]
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmBenchmark {
    /** Side of the square matrices: 128 and 256 fit in L2, 1024 (4 MiB per matrix) needs the blocking. */
    @Param({"128", "256", "512", "1024", "2048"})
    public int size;

    private float[] a;
    private float[] b;
    private float[] c;
    private Tensor ta;
    private Tensor tb;

    @Setup(Level.Trial)
    public void setUp() {
        a = random(size * size, 1);
        b = random(size * size, 2);
        c = new float[size * size];
        ta = Tensor.fromArray(a, size, size);
        tb = Tensor.fromArray(b, size, size);
    }

    /**
     * {@code a.matmul(b)} through the tensor API, allocating the output as eager code (and
     * PyTorch's {@code a @ b}) does; this is the row {@code bench/run.sh} compares.
     */
    @Benchmark
    public Tensor matmul() {
        return ta.matmul(tb);
    }

    @Benchmark
    public float[] sgemm() {
        Gemm.sgemm(size, size, size, 1f, a, 0, size, 1, b, 0, size, 1, c, 0, size, false);
        return c;
    }

    @Benchmark
    public float[] sgemmTransposedB() {
        Gemm.sgemm(size, size, size, 1f, a, 0, size, 1, b, 0, 1, size, c, 0, size, false);
        return c;
    }

    /** n uniform floats in [-1, 1) from {@code seed}. */
    static float[] random(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** Prints GFLOP/s per size: best and mean of ten timed rounds after three warm-up rounds. */
    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {256, 512, 1024} : new int[args.length];
        for (int i = 0; i < args.length; i++) {
            sizes[i] = Integer.parseInt(args[i]);
        }
        System.out.printf("SGEMM, %d thread(s) (walnut.threads), %s %s%n", Parallel.threads(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        for (int n : sizes) {
            float[] a = random(n * n, 1);
            float[] b = random(n * n, 2);
            float[] c = new float[n * n];
            double flop = 2.0 * n * n * n;
            // About a quarter of a second per round at 50 GFLOP/s.
            int reps = (int) Math.max(1, Math.min(1_000_000, 1.25e10 / flop));
            double best = 0;
            double sum = 0;
            int rounds = 10;
            for (int round = 0; round < rounds + 3; round++) {
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    Gemm.sgemm(n, n, n, 1f, a, 0, n, 1, b, 0, n, 1, c, 0, n, false);
                }
                double gflops = flop * reps / (System.nanoTime() - t0);
                if (round >= 3) { // the first rounds are JIT warm-up
                    best = Math.max(best, gflops);
                    sum += gflops;
                }
            }
            System.out.printf("%5d x %-5d  best %7.2f GFLOP/s   mean %7.2f GFLOP/s%n", n, n, best, sum / rounds);
        }
    }
}
