package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link GemmBlocking}: each blocking's packed B keeps its depth and gives the bits of the
 * per-call packing under that blocking, the blockings agree within rounding, the workers of
 * {@link Parallel} take on the caller's blocking, and bad sizes are refused. (GemmTest checks
 * every blocking against a float64 reference on edge shapes.)
 */
class GemmBlockingTest {
    private static final List<GemmBlocking> BLOCKINGS = blockings();

    private static List<GemmBlocking> blockings() {
        List<GemmBlocking> out = new ArrayList<>(GemmBlocking.candidates());
        out.add(new GemmBlocking(16, 8));
        return out;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    private static KernelProvider vector() {
        var v = KernelProvider.loadVector();
        assumeTrue(v.isPresent(), "the vector provider needs --add-modules jdk.incubator.vector");
        return v.get();
    }

    @Test
    void packedBUnderEachBlockingGivesThePerCallBitsAndKeepsItsDepth() {
        KernelProvider provider = vector();
        var rnd = new SplittableRandom(5);
        // m, n, k: tails of the 8 x 32 tile and of every depth; n = 70 and 300 on either side of in-place A.
        for (int[] s : new int[][] {{61, 70, 600}, {19, 300, 257}, {130, 33, 1030}}) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = random(rnd, m * k);
            float[] w = random(rnd, n * k);
            for (GemmBlocking packing : BLOCKINGS) {
                PackedMatrix bp = GemmBlocking.with(packing, () -> provider.packB(k, n, w, 0, 1, k));
                assertEquals(packing.depth(), bp.blockDepth());
                float[] want = new float[m * n];
                GemmBlocking.with(packing, () -> {
                    provider.sgemmBlock(0, m, 0, n, k, 0.5f, a, 0, k, 1, w, 0, 1, k, want, 0, n, 1, false);
                    return null;
                });
                // Multiplied under any other blocking, the matrix still sums in its own k blocks.
                for (GemmBlocking running : BLOCKINGS) {
                    float[] got = new float[m * n];
                    GemmBlocking.with(running, () -> {
                        provider.sgemmPackedBlock(0, m, 0, n, 0.5f, a, 0, k, 1, bp, got, 0, n, false);
                        return null;
                    });
                    assertArrayEquals(want, got, m + "x" + n + "x" + k + " packed under " + packing + ", run under "
                            + running);
                }
            }
        }
    }

    @Test
    void blockingsAgreeWithinRoundingAndRowBlocksKeepTheBits() {
        vector();
        var rnd = new SplittableRandom(8);
        int m = 150;
        int n = 90;
        int k = 1100;
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, k * n);
        float[] reference = null;
        for (GemmBlocking bl : BLOCKINGS) {
            float[] c = GemmBlocking.with(bl, () -> {
                float[] out = new float[m * n];
                Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, out, 0, n, false);
                return out;
            });
            if (reference == null) {
                reference = c;
            }
            for (int i = 0; i < c.length; i++) {
                // Sums of 1100 products of magnitude ~10: rounding differences of order 1e-5.
                assertEquals(reference[i], c[i], 1e-4 * Math.max(1, Math.abs(reference[i])), bl + " at " + i);
            }
        }
        // MC only regroups rows into A blocks: the bits stay those of the default.
        float[] mcOnly = GemmBlocking.with(new GemmBlocking(GemmBlocking.DEFAULT.depth(), 24), () -> {
            float[] out = new float[m * n];
            Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, out, 0, n, false);
            return out;
        });
        assertArrayEquals(reference, mcOnly, "MC changed the bits");
    }

    @Test
    void workersTakeOnTheCallersBlocking() {
        GemmBlocking chosen = new GemmBlocking(512, 64);
        Set<GemmBlocking> seen = ConcurrentHashMap.newKeySet();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        GemmBlocking.with(chosen, () -> {
            for (int round = 0; round < 20; round++) {
                Parallel.forRange(64, 1, (lo, hi) -> {
                    seen.add(GemmBlocking.current());
                    threads.add(Thread.currentThread().getName());
                });
            }
            return null;
        });
        assertEquals(Set.of(chosen), seen, "chunks ran under " + seen + " on " + threads);
        assertEquals(GemmBlocking.DEFAULT, GemmBlocking.current());
        // A later job without a choice runs under the default on the workers too.
        Set<GemmBlocking> after = ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 20; round++) {
            Parallel.forRange(64, 1, (lo, hi) -> after.add(GemmBlocking.current()));
        }
        assertEquals(Set.of(GemmBlocking.DEFAULT), after);
    }

    @Test
    void badSizesAreRefusedWithTheRange() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GemmBlocking(100, 64));
        assertTrue(e.getMessage().contains("multiple of 16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GemmBlocking(256, 4));
        assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GemmBlocking(8192, 64));
        assertFalse(GemmBlocking.candidates().isEmpty());
        assertEquals(GemmBlocking.DEFAULT, GemmBlocking.candidates().get(0));
    }
}
