package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradientContext;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-op overhead of the eager path on a 1-element F32 tensor, where the arithmetic is free and
 * everything measured is dispatch, shape inference, allocation and tape bookkeeping (DESIGN §6).
 *
 * <p>Each invocation runs the chain {@code y = y.mul(1.0001).add(0.0001)} 1000 times, i.e.
 * 2000 ops (1000 {@code mul} + 1000 {@code add}). JMH divides by that count
 * ({@link OperationsPerInvocation}), so every score is <b>microseconds per op</b>, not per chain;
 * multiply by 2000 for the cost of one chain. Three variants separate the costs:
 * <ul>
 *   <li>{@code forwardNoGrad}: forward under {@link Autograd#noGrad()}; the pure eager cost.</li>
 *   <li>{@code forwardRecorded}: forward recording onto the tape, then the tape is cleared;
 *       the difference to {@code forwardNoGrad} is the cost of recording.</li>
 *   <li>{@code forwardBackward}: forward with recording, {@code y.backward()}, then the tape and
 *       the leaf's gradient are cleared; the difference to {@code forwardRecorded} is backward.
 *       The target is at most 1.5 µs/op for this variant.</li>
 * </ul>
 * Clearing the tape and the gradient is part of the timed work on purpose: a training loop pays
 * it every step (PyTorch frees its graph inside {@code backward()}), and it keeps every
 * invocation starting from an empty tape and a null gradient, so nothing accumulates across
 * invocations. {@link #checkClean()} verifies that after each iteration.
 *
 * <p>Run on its own with
 * <pre>{@code
 * mvn -q -B -pl walnut-bench -am package -DskipTests
 * java -jar walnut-bench/target/walnut-bench.jar OpOverheadBenchmark
 * }</pre>
 * or with the PyTorch comparison through {@code bench/run.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OpOverheadBenchmark {
    static final int CHAIN_LENGTH = 1000;
    static final int OPS_PER_CHAIN = 2 * CHAIN_LENGTH;

    private Tensor x;

    @Setup(Level.Trial)
    public void setUp() {
        x = Tensor.fromArray(new float[] {1f}, 1).setRequiresGrad(true);
    }

    /** Forward with grad mode off: dispatch and allocation only, nothing recorded. */
    @Benchmark
    @OperationsPerInvocation(OPS_PER_CHAIN)
    public Tensor forwardNoGrad() {
        try (var off = Autograd.noGrad()) {
            return chain(x);
        }
    }

    /** Forward recorded onto the tape, no backward; the tape is then discarded. */
    @Benchmark
    @OperationsPerInvocation(OPS_PER_CHAIN)
    public Tensor forwardRecorded() {
        Tensor y = chain(x);
        Autograd.clearTape();
        return y;
    }

    /** Forward recorded, backward to the leaf, then tape and gradient cleared for the next step. */
    @Benchmark
    @OperationsPerInvocation(OPS_PER_CHAIN)
    public Tensor forwardBackward() {
        Tensor y = chain(x);
        y.backward();
        Tensor grad = x.grad();
        Autograd.clearTape();
        // Gradients accumulate across backward calls; resetting to null (rather than zeroing)
        // makes every invocation take the same "first backward" path, as PyTorch's
        // zero_grad(set_to_none=True) does.
        x.setGrad(null);
        return grad;
    }

    private static Tensor chain(Tensor x) {
        Tensor y = x;
        for (int i = 0; i < CHAIN_LENGTH; i++) {
            y = y.mul(1.0001).add(0.0001);
        }
        return y;
    }

    /**
     * Fails the run if state leaked from one invocation to the next; a growing tape would make
     * later invocations slower and the numbers meaningless.
     */
    @TearDown(Level.Iteration)
    public void checkClean() {
        int tapeSize = GradientContext.current().tapeSize();
        if (tapeSize != 0) {
            throw new IllegalStateException("tape holds " + tapeSize + " nodes after an iteration; expected 0");
        }
        if (x.grad() != null) {
            throw new IllegalStateException("leaf gradient was not cleared between invocations");
        }
    }
}
