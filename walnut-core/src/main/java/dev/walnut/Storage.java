package dev.walnut;

/**
 * A tensor's elements: one primitive array shared by every view of it, plus the version
 * counter that in-place writes bump (views share it, so a write through any view is seen by the
 * autograd checks of all of them).
 */
final class Storage {
    final Object data;
    final DType dtype;
    int version;

    Storage(Object data, DType dtype) {
        this.data = data;
        this.dtype = dtype;
    }

    /** The JVM's maximum heap, fixed at start (-Xmx); read once, as the call is not free. */
    private static final long MAX_HEAP = Runtime.getRuntime().maxMemory();

    static Storage allocate(DType dtype, int n) {
        checkFits(dtype, n);
        return new Storage(switch (dtype) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case BOOL -> new boolean[n];
        }, dtype);
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

    int length() {
        return switch (dtype) {
            case F32 -> ((float[]) data).length;
            case F64 -> ((double[]) data).length;
            case I32 -> ((int[]) data).length;
            case I64 -> ((long[]) data).length;
            case BOOL -> ((boolean[]) data).length;
        };
    }
}
