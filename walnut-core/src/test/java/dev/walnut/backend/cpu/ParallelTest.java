package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
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

    /** Callers on several threads at once (e.g. data-loader workers): each call still covers every index once. */
    @Test
    void concurrentCallersEachCoverTheirRange() throws InterruptedException {
        int n = 50_000;
        int callers = 4;
        var hits = new AtomicIntegerArray(n * callers);
        var error = new AtomicReference<Throwable>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            int base = t * n;
            Thread th = new Thread(() -> {
                try {
                    for (int round = 0; round < 200; round++) {
                        Parallel.forRange(n, 64, (lo, hi) -> {
                            for (int i = lo; i < hi; i++) {
                                hits.incrementAndGet(base + i);
                            }
                        });
                    }
                } catch (Throwable e) {
                    error.set(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        if (error.get() != null) {
            throw new AssertionError(error.get());
        }
        for (int i = 0; i < n * callers; i++) {
            assertEquals(200, hits.get(i), "index " + i);
        }
    }

    /** A body that itself splits work (a kernel calling a kernel) runs the inner split inline, without deadlock. */
    @Test
    void nestedSplitsComplete() {
        int n = 64;
        var hits = new AtomicIntegerArray(n * n);
        Parallel.forRange(n, 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                int row = i;
                Parallel.forRange(n, 1, (lo2, hi2) -> {
                    for (int j = lo2; j < hi2; j++) {
                        hits.incrementAndGet(row * n + j);
                    }
                });
            }
        });
        for (int i = 0; i < n * n; i++) {
            assertEquals(1, hits.get(i), "index " + i);
        }
    }

    /** After a failed call the team is free again: the next call runs normally. */
    @Test
    void theTeamRecoversAfterAFailure() {
        assertThrows(ArithmeticException.class, () -> Parallel.forRange(1000, 1, (lo, hi) -> {
            throw new ArithmeticException("boom");
        }));
        var hits = new AtomicIntegerArray(1000);
        Parallel.forRange(1000, 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 1000; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause().getClass() == e.getClass()) {
            e = e.getCause();
        }
        return e.getMessage();
    }
}
