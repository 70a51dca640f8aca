package dev.walnut.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The shared fork-join pool that CPU kernels split large work across.
 *
 * <p>Small work runs on the caller thread: forking costs microseconds, which would dominate
 * tiny tensors. Kernels call {@link #forRange} with a grain size; ranges at or below the grain
 * run inline. The calling thread runs the first chunk itself, and then every chunk no worker has
 * started yet, so a busy machine or a slow-waking worker costs no waiting.
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
        // The caller runs the first chunk and then any chunk no worker has started yet, rather
        // than waiting in POOL.invoke while sleeping workers wake up: on a busy machine (or
        // when a worker is slow to wake, tens of microseconds) the work is done by the time the
        // worker would have started, and the caller waits only for chunks already running.
        var tasks = new Chunk[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            tasks[c - 1] = new Chunk(body, (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            POOL.execute(tasks[c - 1]);
        }
        Throwable failure = null;
        try {
            body.apply(0, (int) ((long) n / chunks));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Chunk task : tasks) {
            try {
                if (task.claim()) {
                    if (failure == null) {
                        body.apply(task.lo, task.hi);
                    }
                } else {
                    task.join();
                }
            } catch (RuntimeException | Error e) {
                if (failure == null) {
                    failure = e;
                } else if (failure != e) {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure != null) {
            throw (Error) failure;
        }
    }

    /** One chunk of a {@link #forRange}, run by whichever of a worker and the caller claims it first. */
    private static final class Chunk extends RecursiveAction {
        private final transient RangeBody body;
        final int lo;
        final int hi;
        private final AtomicBoolean claimed = new AtomicBoolean();

        Chunk(RangeBody body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        boolean claim() {
            return !claimed.get() && claimed.compareAndSet(false, true);
        }

        @Override
        protected void compute() {
            if (claim()) {
                body.apply(lo, hi);
            }
        }
    }
}
