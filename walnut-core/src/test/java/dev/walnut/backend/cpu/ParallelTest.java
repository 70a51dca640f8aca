package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link Parallel#forRange}: every index exactly once, whatever the split; failures reach the caller. */
class ParallelTest {
    @Test
    void everyIndexRunsExactlyOnce() {
        for (int n : new int[] {1, 2, 3, 17, 1000, 100_003}) {
            for (int grain : new int[] {1, 7, 1000}) {
                var hits = new AtomicIntegerArray(n);
                for (int round = 0; round < 20; round++) {
                    Parallel.forRange(n, grain, (lo, hi) -> {
                        for (int i = lo; i < hi; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(20, hits.get(i), "n=" + n + " grain=" + grain + " index " + i);
                }
            }
        }
    }

    @Test
    void aFailingChunkFailsTheCall() {
        int n = 1000;
        for (int bad : new int[] {0, n - 1}) {
            var e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(n, 1, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    if (i == bad) {
                        throw new IllegalStateException("chunk with " + bad);
                    }
                }
            }));
            assertEquals("chunk with " + bad, rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause().getClass() == e.getClass()) {
            e = e.getCause();
        }
        return e.getMessage();
    }
}
