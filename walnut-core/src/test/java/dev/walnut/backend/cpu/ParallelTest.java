package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link Parallel#forRange}: every index exactly once, whoever runs the chunk; failures reach the caller. */
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
    void aFailingChunkFailsTheCallAfterTheOthersFinish() throws InterruptedException {
        int n = 1000;
        for (int bad : new int[] {0, n - 1}) {
            var hits = new AtomicIntegerArray(n);
            var e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(n, 1, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    if (i == bad) {
                        throw new IllegalStateException("chunk with " + bad);
                    }
                    hits.incrementAndGet(i);
                }
            }));
            assertEquals("chunk with " + bad, rootMessage(e));
            // Once forRange returns, nothing runs any more: the counts stay as they are.
            int[] snapshot = new int[n];
            for (int i = 0; i < n; i++) {
                snapshot[i] = hits.get(i);
            }
            Thread.sleep(20);
            for (int i = 0; i < n; i++) {
                assertEquals(snapshot[i], hits.get(i), "index " + i + " ran after forRange returned");
            }
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause().getClass() == e.getClass()) {
            e = e.getCause();
        }
        return e.getMessage();
    }
}
