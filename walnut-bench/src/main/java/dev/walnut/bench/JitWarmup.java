package dev.walnut.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Runs a benchmark's call until the JIT is quiet, before JMH's own warm-up: a whole model calls
 * each of its kernels a few times per forward pass, so on two cores (where the compiler threads
 * share the CPUs with the benchmark's) C2 reaches the last of them only after tens of seconds.
 * With JMH's three one-second warm-ups alone, the measured iterations of the imported resnet18
 * still fell from 74 to 29 ms per call (bench-20261207-220001), so the rows timed the JIT, not
 * the model. A block of calls of {@link #BLOCK_NANOS} during which the JVM compiled nothing ends
 * it (after at least {@link #MIN_NANOS}, at most {@link #MAX_NANOS}). ONNX Runtime's rows run
 * the same warm-up, so both sides are measured in their steady state.
 *
 * <pre>{@code
 * JitWarmup.untilQuiet(() -> model.apply(input));
 * }</pre>
 */
public final class JitWarmup {
    static final long BLOCK_NANOS = 1_000_000_000L;
    static final long MIN_NANOS = 3_000_000_000L;
    static final long MAX_NANOS = 60_000_000_000L;

    private JitWarmup() {
    }

    /** Calls {@code call} until a whole block compiled nothing; returns the seconds it took. */
    public static double untilQuiet(Runnable call) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean measurable = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long compiled = measurable ? jit.getTotalCompilationTime() : 0;
        while (true) {
            long blockEnd = System.nanoTime() + BLOCK_NANOS;
            do {
                call.run();
            } while (System.nanoTime() < blockEnd);
            long now = measurable ? jit.getTotalCompilationTime() : compiled;
            long elapsed = System.nanoTime() - start;
            boolean quiet = now == compiled;
            compiled = now;
            if (elapsed >= MAX_NANOS || elapsed >= MIN_NANOS && (quiet || !measurable)) {
                return elapsed / 1e9;
            }
        }
    }
}
