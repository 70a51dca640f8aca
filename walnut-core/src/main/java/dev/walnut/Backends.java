package dev.walnut;

import dev.walnut.backend.Backend;
import dev.walnut.backend.Storage;
import dev.walnut.backend.cpu.CpuBackend;

/**
 * The back end tensors run on (DESIGN.md §7): the one place the tensor layer names an
 * implementation. Every tensor is on {@link Device#CPU} in this build, so this is the CPU back
 * end; a device-aware build picks the back end from the tensor's device here.
 */
final class Backends {
    /** The back end of {@link Device#CPU}. */
    static final Backend CPU = CpuBackend.INSTANCE;

    private Backends() {
    }

    /** The JVM's maximum heap, fixed at start (-Xmx); read once, as the call is not free. */
    private static final long MAX_HEAP = Runtime.getRuntime().maxMemory();

    /** {@code n} zeros of {@code dtype}, after {@link #checkFits}. */
    static Storage allocate(DType dtype, int n) {
        checkFits(dtype, n);
        return CPU.allocate(dtype, n);
    }

    /**
     * Fails with a message saying how to fix it when {@code n} elements of {@code dtype} cannot
     * fit the heap at all, instead of an OutOfMemoryError from the allocation.
     */
    static void checkFits(DType dtype, int n) {
        long bytes = (long) n * dtype.byteSize();
        long max = MAX_HEAP;
        if (bytes > max) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "a tensor of %,d %s elements needs "
                    + "%.1f GiB, more than the JVM's maximum heap of %.1f GiB; raise -Xmx or work in smaller pieces", n, dtype,
                    bytes / (double) (1L << 30), max / (double) (1L << 30)));
        }
    }

    /** A storage over a Java primitive array (shared on the CPU). */
    static Storage wrap(Object array) {
        return CPU.fromArray(array);
    }
}
