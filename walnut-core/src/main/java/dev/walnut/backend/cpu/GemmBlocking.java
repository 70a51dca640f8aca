package dev.walnut.backend.cpu;

import java.util.List;
import java.util.function.Supplier;

/**
 * The cache blocking the packed SGEMM of the vector {@link KernelProvider} runs with on the
 * calling thread: the depth of one packed k block ({@link #depth}, KC) and the rows of one packed
 * A block ({@link #rows}, MC). The compiler's max-autotune mode times a graph under each of
 * {@link #candidates()} and keeps the fastest; {@link Parallel} hands the caller's choice to the
 * workers that run its chunks. Every choice gives a correct product; the depth sets where partial
 * sums are rounded into C, so products under different depths may differ in the last bits. A
 * {@link PackedMatrix} records the depth it was packed with and always multiplies with it. The
 * scalar provider ignores the choice. Internal to Walnut's back ends, like {@link KernelProvider}.
 *
 * <pre>{@code
 * float[] c = GemmBlocking.with(new GemmBlocking(512, 64), () -> {
 *     float[] out = new float[m * n];
 *     Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, out, 0, n, false);
 *     return out;
 * });
 * }</pre>
 *
 * @param depth k per packed block (KC), a multiple of 16 in [16, 4096]
 * @param rows  rows per packed A block (MC), a multiple of 8 in [8, 4096]
 */
public record GemmBlocking(int depth, int rows) {
    /**
     * The default, KC x MC = 256 x 128, tuned on AMD Zen 5 (48 KB L1d, 1 MB L2 per core): see
     * walnut-bench/results/vector-provider-notes.md and gemm-blocking-notes.md there.
     */
    public static final GemmBlocking DEFAULT = new GemmBlocking(256, 128);

    private static final ThreadLocal<GemmBlocking> CURRENT = ThreadLocal.withInitial(() -> DEFAULT);

    /** Checks the sizes (see the record's parameters). */
    public GemmBlocking {
        if (depth < 16 || depth > 4096 || depth % 16 != 0) {
            throw new IllegalArgumentException("GemmBlocking: depth (KC) must be a multiple of 16 in [16, 4096], got "
                    + depth);
        }
        if (rows < 8 || rows > 4096 || rows % 8 != 0) {
            throw new IllegalArgumentException("GemmBlocking: rows (MC) must be a multiple of 8 in [8, 4096], got "
                    + rows);
        }
    }

    /**
     * The choices max-autotune times, the default first, then deeper and shallower k blocks with
     * A blocks of about the same size (MC x KC floats in L2). Kept short: each candidate costs a
     * few runs of the whole graph at compile time.
     */
    public static List<GemmBlocking> candidates() {
        return List.of(DEFAULT, new GemmBlocking(512, 64), new GemmBlocking(128, 256), new GemmBlocking(384, 96));
    }

    /** The calling thread's choice ({@link #DEFAULT} unless set by {@link #with}). */
    public static GemmBlocking current() {
        return CURRENT.get();
    }

    /** Runs {@code body} with {@code blocking} on the calling thread (and its kernels' workers), then restores the previous choice. */
    public static <T> T with(GemmBlocking blocking, Supplier<T> body) {
        GemmBlocking previous = CURRENT.get();
        CURRENT.set(blocking);
        try {
            return body.get();
        } finally {
            CURRENT.set(previous);
        }
    }

    /** Sets the calling thread's choice without restoring it: for {@link Parallel}'s workers, which set each job's. */
    static void set(GemmBlocking blocking) {
        CURRENT.set(blocking);
    }

    @Override
    public String toString() {
        return "KC " + depth + " x MC " + rows;
    }
}
