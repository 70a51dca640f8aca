package dev.walnut.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.DType;
import dev.walnut.Tensor;

/** Shared helpers: bit-identical tensor comparison. */
final class GraphTestSupport {
    private GraphTestSupport() {
    }

    /** Same dtype, shape and bits of every element (NaN payloads aside, -0.0 and 0.0 differ). */
    static void assertBitIdentical(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), "dtype");
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        if (expected.dtype() == DType.BOOL) {
            assertArrayEquals(expected.toBooleanArray(), actual.toBooleanArray());
        } else if (expected.dtype().isFloatingPoint()) {
            double[] e = expected.toDoubleArray();
            double[] a = actual.toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Double.doubleToLongBits(e[i]), Double.doubleToLongBits(a[i]), "element " + i + ": " + e[i] + " vs " + a[i]);
            }
        } else {
            assertArrayEquals(expected.toLongArray(), actual.toLongArray());
        }
    }

    static void assertBitIdentical(Tensor[] expected, Tensor[] actual) {
        assertEquals(expected.length, actual.length, "number of outputs");
        for (int i = 0; i < expected.length; i++) {
            assertBitIdentical(expected[i], actual[i]);
        }
    }

    /**
     * Bytes the calling thread allocates per {@code call}, after warm-up: the least of five
     * rounds of ten calls, so that a round in which the JIT was still compiling does not count.
     */
    /**
     * The fewest bytes the calling thread allocated in one round of {@code rounds} calls, running
     * rounds until one allocates nothing or {@code seconds} have passed. Until C2 has compiled the
     * Vector API kernels they run boxed and allocate per vector, and when that happens depends on
     * the machine's load, so a zero-allocation claim is checked as "eventually zero", not "zero
     * after N calls".
     */
    static long fewestBytesPerRound(Runnable call, int rounds, long seconds) {
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long best = Long.MAX_VALUE;
        while (best > 0 && System.nanoTime() < end) {
            long before = bean.getThreadAllocatedBytes(id);
            for (int i = 0; i < rounds; i++) {
                call.run();
            }
            best = Math.min(best, bean.getThreadAllocatedBytes(id) - before);
        }
        return best;
    }

    static long allocatedPerCall(Runnable call) {
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < 30; i++) {
            call.run();
        }
        long best = Long.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long before = bean.getThreadAllocatedBytes(id);
            for (int i = 0; i < 10; i++) {
                call.run();
            }
            best = Math.min(best, (bean.getThreadAllocatedBytes(id) - before) / 10);
        }
        return best;
    }
}
