package dev.walnut.internal;

import dev.walnut.backend.cpu.GemmBlocking;
import java.util.List;
import java.util.function.Supplier;

/**
 * The GEMM cache blockings the compiler's max-autotune mode times, by index (0 is the default):
 * the layers above the ops reach the back end's {@code GemmBlocking} through this bridge. A
 * compiled graph keeps the index it was tuned to and runs under it. Not for application use.
 *
 * <pre>{@code
 * for (int i = 0; i < GemmChoice.count(); i++) {
 *     long t = GemmChoice.with(i, () -> time(graph));
 * }
 * }</pre>
 */
public final class GemmChoice {
    private static final List<GemmBlocking> CANDIDATES = GemmBlocking.candidates();

    private GemmChoice() {
    }

    /** How many blockings there are to try. */
    public static int count() {
        return CANDIDATES.size();
    }

    /** A short name of choice {@code i} for logs, e.g. "KC 512 x MC 64". */
    public static String name(int i) {
        return CANDIDATES.get(i).toString();
    }

    /** Runs {@code body} with blocking {@code i} on the calling thread and its kernels' workers. */
    public static <T> T with(int i, Supplier<T> body) {
        return i == 0 && GemmBlocking.current() == GemmBlocking.DEFAULT ? body.get()
                : GemmBlocking.with(CANDIDATES.get(i), body);
    }
}
