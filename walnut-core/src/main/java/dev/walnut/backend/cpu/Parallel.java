package dev.walnut.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The shared fork-join pool that CPU kernels split large work across.
 *
 * <p>Small work runs on the caller thread: forking costs microseconds, which would dominate
 * tiny tensors. Kernels call {@link #forRange} with a grain size; ranges at or below the grain
 * run inline.
 *
 * <pre>{@code
 * Parallel.forRange(n, 1 << 15, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = a[i] + b[i]; });
 * }</pre>
 *
 * <p>The pool size defaults to the number of available processors and can be set with the
 * system property {@code walnut.threads}.
 */
public final class Parallel {
    /** A half-open index range body: processes {@code [lo, hi)}. */
    @FunctionalInterface
    public interface RangeBody {
        void apply(int lo, int hi);
    }

    private static final int THREADS = Integer.getInteger("walnut.threads",
            Runtime.getRuntime().availableProcessors());

    // Own pool rather than the common pool, so user code that blocks in the common pool cannot
    // starve our kernels, and so walnut.threads means exactly what it says.
    private static final ForkJoinPool POOL = THREADS <= 1 ? null : new ForkJoinPool(THREADS,
            pool -> {
                var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setName("walnut-cpu-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
            }, null, false);

    private Parallel() {
    }

    /** Number of threads kernels may use. */
    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)}, split into at most {@link #threads()} chunks of at
     * least {@code grain} indices each. Runs inline when {@code n <= grain}, when there is one
     * thread, or when already inside a Walnut worker (no nested splitting).
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = POOL == null ? 1 : Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == POOL) {
            body.apply(0, n);
            return;
        }
        var tasks = new RecursiveAction[chunks];
        for (int c = 0; c < chunks; c++) {
            int lo = (int) ((long) n * c / chunks);
            int hi = (int) ((long) n * (c + 1) / chunks);
            tasks[c] = new RecursiveAction() {
                @Override
                protected void compute() {
                    body.apply(lo, hi);
                }
            };
        }
        POOL.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                invokeAll(tasks);
            }
        });
    }
}
