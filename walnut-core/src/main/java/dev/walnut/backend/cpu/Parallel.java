package dev.walnut.backend.cpu;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker team that CPU kernels split large work across.
 *
 * <p>Small work runs on the caller thread: forking costs microseconds, which would dominate
 * tiny tensors. Kernels call {@link #forRange} with a grain size; ranges at or below the grain
 * run inline.
 *
 * <pre>{@code
 * Parallel.forRange(n, 1 << 15, (lo, hi) -> { for (int i = lo; i < hi; i++) out[i] = a[i] + b[i]; });
 * }</pre>
 *
 * <p>The number of threads defaults to the number of available processors and can be set with
 * the system property {@code walnut.threads}; the calling thread is one of them, so the team has
 * {@code threads - 1} daemon workers. A worker that finishes waits a short while
 * ({@code walnut.spinMicros}, default 1000 µs) for the next job before it parks: kernels in a
 * training step come back to back, and waking a parked thread takes tens of microseconds (60 µs
 * and more in a virtual machine), which is a large share of a 100 µs product. A model's forward
 * pass has gaps longer than 50 µs between parallel kernels (pooling, a small op on one thread):
 * with a 1 ms spin an imported mobilenet_v2 at batch 1 ran 1.1-1.8x faster than with 50 µs, in
 * pairs of runs on a two-core VM, and a classifier's product after such a gap 106 instead of 166
 * µs (ONNX Runtime's and OpenMP's workers spin at least as long by default). (A fork-join pool, used before, made the caller wait for
 * two wake-ups per call; the MLP layers ran barely faster on two threads than on one.) The spin
 * is bounded, so on a machine busy with other work the workers soon stop competing for cores.
 */
public final class Parallel {
    /** A half-open index range body: processes {@code [lo, hi)}. */
    @FunctionalInterface
    public interface RangeBody {
        void apply(int lo, int hi);
    }

    private static final int THREADS = Math.max(1, Integer.getInteger("walnut.threads",
            Runtime.getRuntime().availableProcessors()));
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(
            Math.max(0, Integer.getInteger("walnut.spinMicros", 1000)));

    private static final Team TEAM = THREADS <= 1 ? null : new Team(THREADS - 1);

    private Parallel() {
    }

    /** Number of threads kernels may use. */
    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)}, split into at most {@link #threads()} chunks of at
     * least {@code grain} indices each. Runs inline when {@code n <= grain}, when there is one
     * thread, inside a Walnut worker or another split (no nested splitting), and when the team
     * is busy with another thread's call (so concurrent callers never wait for each other); in
     * the last two cases the chunks still run one after another with the same boundaries, so a
     * per-chunk reduction gives the same bits either way.
     * A failure in any chunk is rethrown to the caller after every chunk has finished.
     */
    /**
     * True when {@link #forRange} with these arguments runs its body once, over {@code [0, n)},
     * on the calling thread: a caller that checks first can skip creating the body.
     */
    public static boolean serial(int n, int grain) {
        return n > 0 && (TEAM == null || Math.min(THREADS, Math.max(1, n / Math.max(1, grain))) <= 1);
    }

    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = TEAM == null ? 1 : Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1) {
            body.apply(0, n);
        } else if (!TEAM.run(n, chunks, body)) {
            // Inline, but over the same chunk boundaries: kernels that reduce per chunk (partial
            // sums combined afterwards) must give the same bits whether or not the team was free.
            for (int c = 0; c < chunks; c++) {
                body.apply(bound(n, c, chunks), bound(n, c + 1, chunks));
            }
        }
    }

    /** Start of chunk {@code c} of {@code chunks} over {@code [0, n)}; the one split both the team and inline runs use. */
    private static int bound(int n, int c, int chunks) {
        return (int) ((long) n * c / chunks);
    }

    /**
     * The team's one job, reused by every call so that a parallel call allocates nothing: its
     * fields are rewritten for each call (calls never overlap, see {@link Team#busy}), and chunks
     * are claimed one at a time by the caller and the workers. A claim carries the call's number
     * in its high 32 bits, so a worker that comes late, after the call it woke for has ended and
     * the job was reset for the next one, finds another number and claims nothing of it.
     */
    private static final class Job {
        RangeBody body;
        int n;
        int chunks;
        Thread caller;
        /** The caller's GEMM blocking, which the workers take on for this call's chunks (the autotuner's choice). */
        GemmBlocking blocking;
        /** The call's number (high 32 bits) and its next unclaimed chunk (low 32 bits). */
        final AtomicLong next = new AtomicLong();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        /** Prepares call {@code call}; the volatile write of {@link #next} publishes the plain fields. */
        void reset(int call, RangeBody body, int n, int chunks, Thread caller) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.caller = caller;
            this.blocking = GemmBlocking.current();
            failure = null;
            done.set(0);
            next.set((long) call << 32);
        }

        /** Runs unclaimed chunks of call {@code call} until none is left. */
        void work(int call) {
            while (true) {
                long claim = next.get();
                int c = (int) claim;
                if ((int) (claim >>> 32) != call || c >= chunks) {
                    return;
                }
                if (!next.compareAndSet(claim, claim + 1)) {
                    continue;
                }
                try {
                    if (failure == null) {
                        body.apply(bound(n, c, chunks), bound(n, c + 1, chunks));
                    }
                } catch (Throwable e) {
                    synchronized (this) {
                        if (failure == null) {
                            failure = e;
                        } else if (failure != e) {
                            failure.addSuppressed(e);
                        }
                    }
                } finally {
                    if (done.incrementAndGet() == chunks) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    private static final class Team {
        private final Thread[] workers;
        /** Set while one caller's job runs; a second caller runs its work inline instead. */
        private final AtomicBoolean busy = new AtomicBoolean();
        private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> Boolean.FALSE);
        private final Job job = new Job();
        private volatile int generation;
        /** 1 while worker i is parked (or about to park); volatile reads and writes. */
        private final AtomicIntegerArray parked;

        Team(int size) {
            workers = new Thread[size];
            parked = new AtomicIntegerArray(size);
            for (int i = 0; i < size; i++) {
                int index = i;
                Thread t = new Thread(() -> loop(index), "walnut-cpu-" + i);
                t.setDaemon(true);
                workers[i] = t;
                t.start();
            }
        }

        /** Runs the job with the workers; false (nothing run) when this thread must run it inline. */
        boolean run(int n, int chunks, RangeBody body) {
            if (inside.get() || !busy.compareAndSet(false, true)) {
                return false;
            }
            inside.set(Boolean.TRUE);
            try {
                Job j = job;
                int call = generation + 1;
                j.reset(call, body, n, chunks, Thread.currentThread());
                generation = call;
                // The volatile generation write above and a worker's volatile parked write are
                // ordered: either this read sees the worker parked, or the worker sees the new
                // generation before it parks.
                for (int i = 0; i < workers.length; i++) {
                    if (parked.get(i) == 1) {
                        LockSupport.unpark(workers[i]);
                    }
                }
                j.work(call);
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (j.done.get() < chunks) {
                    if (System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                j.body = null; // hold no kernel's arrays between calls
                Throwable failure = j.failure;
                if (failure instanceof RuntimeException e) {
                    throw e;
                } else if (failure instanceof Error e) {
                    throw e;
                } else if (failure != null) {
                    throw new IllegalStateException(failure);
                }
                return true;
            } finally {
                inside.set(Boolean.FALSE);
                busy.set(false);
            }
        }

        private void loop(int index) {
            inside.set(Boolean.TRUE);
            int seen = generation;
            while (true) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                while (generation == seen) {
                    if (System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    } else {
                        parked.set(index, 1);
                        if (generation == seen) {
                            LockSupport.park(this);
                        }
                        parked.set(index, 0);
                    }
                }
                seen = generation;
                // A late worker may read the next call's blocking; it then claims nothing of this one.
                GemmBlocking.set(job.blocking);
                job.work(seen);
            }
        }
    }
}
