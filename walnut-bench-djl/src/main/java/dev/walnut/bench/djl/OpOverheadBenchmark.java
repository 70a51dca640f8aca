package dev.walnut.bench.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * DJL's per-op overhead on a 1-element F32 array: the chain {@code y = y.mul(1.0001f).add(0.0001f)}
 * 1000 times = 2000 ops, scored in <b>microseconds per op</b> like
 * {@code dev.walnut.bench.OpOverheadBenchmark}.
 * <ul>
 *   <li>{@code forwardNoGrad}: outside a {@link GradientCollector} (DJL's PyTorch engine keeps
 *       grad mode off there), so nothing is recorded.</li>
 *   <li>{@code forwardRecorded}: inside a {@link GradientCollector} with {@code x} requiring a
 *       gradient; libtorch records the graph, which is freed when the arrays are closed.</li>
 *   <li>{@code forwardBackward}: as above plus {@code collector.backward(y)}, reading
 *       {@code x.getGradient()} and zeroing it in place for the next invocation.</li>
 * </ul>
 * Every array of an invocation is closed by an {@link NDScope}, part of the timed work: native
 * memory is not garbage collected, so a DJL loop pays this on every step. Each op on a number
 * ({@code mul(Number)}) also creates and closes a 0-d array for the scalar; that is DJL's API.
 *
 * <pre>{@code
 * bench/run.sh --djl --only chain
 * }</pre>
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

    private NDManager manager;
    private NDArray x;
    private Engine engine;

    @Setup(Level.Trial)
    public void setUp() {
        engine = DjlEnv.engine();
        manager = DjlEnv.newManager();
        x = manager.ones(new Shape(1));
        x.setRequiresGradient(true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** Forward with recording off: dispatch, JNI and array bookkeeping only. */
    @Benchmark
    @OperationsPerInvocation(OPS_PER_CHAIN)
    public void forwardNoGrad(Blackhole bh) {
        try (NDScope scope = new NDScope()) {
            bh.consume(chain(x));
        }
    }

    /** Forward recorded by libtorch's autograd, no backward; closing the arrays frees the graph. */
    @Benchmark
    @OperationsPerInvocation(OPS_PER_CHAIN)
    public void forwardRecorded(Blackhole bh) {
        try (NDScope scope = new NDScope(); GradientCollector collector = engine.newGradientCollector()) {
            bh.consume(chain(x));
        }
    }

    /** Forward recorded, backward to {@code x}, gradient read and zeroed for the next invocation. */
    @Benchmark
    @OperationsPerInvocation(OPS_PER_CHAIN)
    public void forwardBackward(Blackhole bh) {
        try (NDScope scope = new NDScope(); GradientCollector collector = engine.newGradientCollector()) {
            collector.backward(chain(x));
            NDArray grad = x.getGradient();
            bh.consume(grad);
            // Gradients accumulate in libtorch; DJL has no per-array "set to none", and its
            // optimizers zero in place, so do the same here.
            grad.subi(grad);
        }
    }

    private static NDArray chain(NDArray x) {
        NDArray y = x;
        for (int i = 0; i < CHAIN_LENGTH; i++) {
            y = y.mul(1.0001f).add(0.0001f);
        }
        return y;
    }
}
