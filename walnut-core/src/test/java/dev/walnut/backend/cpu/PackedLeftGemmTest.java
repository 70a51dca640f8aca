package dev.walnut.backend.cpu;

import static dev.walnut.backend.cpu.PackedGemmTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * An A packed once ({@link KernelProvider#packA}, {@link Gemm#packA}) must give every element of
 * C the bits of the per-call product ({@link KernelProvider#sgemmBlock}, {@link Gemm#sgemm}) under
 * the blocking it was packed with, for shapes off every edge of the tiles and blocks: m not a
 * multiple of MR = 8 or over MC = 128, n odd or over a few NR = 32 panels, k not a multiple of
 * KC = 256 and deep enough (over 1024) that the per-call product reads A in place.
 */
class PackedLeftGemmTest {
    /** m, n, k; the per-call paths: panel-major rows (m <= MC), row blocks, A in place (k >= 1024, few panels). */
    private static final int[][] SHAPES = {
        {8, 32, 256}, {17, 33, 300}, {9, 45, 530}, {64, 96, 300}, {57, 49, 301}, {130, 37, 257}, {40, 196, 1030},
        {140, 64, 1100}, {120, 70, 1400}, {203, 161, 1500}, {64, 480, 577}, {33, 2100, 40},
    };

    private static KernelProvider vector() {
        var vector = KernelProvider.loadVector();
        assumeTrue(vector.isPresent(), "the JVM runs without --add-modules jdk.incubator.vector");
        return vector.get();
    }

    @Test
    void packedAGivesTheBitsOfThePerCallProduct() {
        KernelProvider provider = vector();
        var rnd = new SplittableRandom(21);
        for (GemmBlocking blocking : List.of(GemmBlocking.DEFAULT, new GemmBlocking(512, 64), new GemmBlocking(128, 256))) {
            GemmBlocking.with(blocking, () -> {
                for (int[] s : SHAPES) {
                    int m = s[0];
                    int n = s[1];
                    int k = s[2];
                    for (PackedGemmTest.Layout la : PackedGemmTest.Layout.all(m, k)) {
                        float[] a = random(rnd, la.size());
                        float[] b = random(rnd, k * n + 2);
                        PackedLeftMatrix ap = provider.packA(m, k, a, la.off(), la.rs(), la.cs());
                        assertSame(provider, ap.provider());
                        assertEquals(m, ap.rows());
                        assertEquals(k, ap.depth());
                        assertEquals(blocking.depth(), ap.blockDepth());
                        int ldc = n + 3;
                        for (boolean accumulate : new boolean[] {false, true}) {
                            float alpha = accumulate ? 0.75f : 1f;
                            float[] want = random(new SplittableRandom(m), 2 + m * ldc);
                            float[] got = want.clone();
                            provider.sgemmBlock(0, m, 0, n, k, alpha, a, la.off(), la.rs(), la.cs(), b, 2, n, 1, want,
                                    2, ldc, 1, accumulate);
                            provider.sgemmPackedLeftBlock(0, m, 0, n, alpha, ap, b, 2, n, 1, got, 2, ldc, 1,
                                    accumulate);
                            assertArrayEquals(want, got, what(blocking, m, n, k, la, accumulate));
                        }
                        // Rectangles on row-panel edges and any column: the bits of the whole.
                        float[] whole = new float[m * n];
                        float[] parts = new float[m * n];
                        provider.sgemmPackedLeftBlock(0, m, 0, n, 1f, ap, b, 2, n, 1, whole, 0, n, 1, false);
                        int rowCut = Math.min(m, 8 * Math.max(1, m / 16));
                        int colCut = n / 2 + 1;
                        provider.sgemmPackedLeftBlock(0, rowCut, 0, colCut, 1f, ap, b, 2, n, 1, parts, 0, n, 1, false);
                        provider.sgemmPackedLeftBlock(0, rowCut, colCut, n, 1f, ap, b, 2, n, 1, parts, 0, n, 1, false);
                        provider.sgemmPackedLeftBlock(rowCut, m, 0, n, 1f, ap, b, 2, n, 1, parts, 0, n, 1, false);
                        assertArrayEquals(whole, parts, "split at row " + rowCut + ", column " + colCut + ", "
                                + what(blocking, m, n, k, la, false));
                    }
                }
                return null;
            });
        }
    }

    private static String what(GemmBlocking blocking, int m, int n, int k, PackedGemmTest.Layout la,
                               boolean accumulate) {
        return blocking + " m=" + m + " n=" + n + " k=" + k + " A " + la.name() + (accumulate ? " accumulating" : "");
    }

    /** Through Gemm, split across threads, with B read through strides: the bits of sgemm. */
    @Test
    void sgemmPackedAGivesTheBitsOfSgemm() {
        assumeTrue(Gemm.packA(2, 2, new float[4], 0, 2, 1) != null, "the active provider has no packed A");
        var rnd = new SplittableRandom(22);
        for (int[] s : new int[][] {{512, 64, 4608}, {256, 224, 2304}, {64, 480, 576}, {100, 75, 999}, {96, 40, 100},
                {600, 17, 270}}) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = random(rnd, m * k);
            PackedLeftMatrix ap = Gemm.packA(m, k, a, 0, k, 1);
            for (boolean transposedB : new boolean[] {false, true}) {
                float[] b = random(rnd, k * n);
                int bRs = transposedB ? 1 : n;
                int bCs = transposedB ? k : 1;
                float[] want = random(rnd, m * n);
                float[] got = want.clone();
                Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, b, 0, bRs, bCs, want, 0, n, true);
                Gemm.sgemmPackedA(n, 1f, ap, b, 0, bRs, bCs, got, 0, n, true);
                assertArrayEquals(want, got, m + "x" + n + "x" + k + (transposedB ? " B transposed" : ""));
            }
        }
    }

    @Test
    void edgeCasesFollowSgemm() {
        assumeTrue(Gemm.packA(2, 2, new float[4], 0, 2, 1) != null, "the active provider has no packed A");
        PackedLeftMatrix ap = Gemm.packA(2, 3, new float[] {1, 2, 3, 4, 5, 6}, 0, 3, 1);
        float[] c = {7, 7, 7, 7};
        Gemm.sgemmPackedA(2, 0f, ap, new float[] {Float.NaN, 1, 1, 1, 1, 1}, 0, 2, 1, c, 0, 2, false);
        assertArrayEquals(new float[] {0, 0, 0, 0}, c, "alpha = 0 overwrites with zeros, ignoring NaN in B");
        c = new float[] {7, 7, 7, 7};
        Gemm.sgemmPackedA(0, 1f, ap, new float[0], 0, 0, 1, c, 0, 2, false);
        assertArrayEquals(new float[] {7, 7, 7, 7}, c, "n = 0 touches nothing");
        PackedLeftMatrix empty = Gemm.packA(2, 0, new float[0], 0, 0, 1);
        Gemm.sgemmPackedA(2, 1f, empty, new float[0], 0, 2, 1, c, 0, 2, true);
        assertArrayEquals(new float[] {7, 7, 7, 7}, c, "k = 0 accumulating leaves C");
        Gemm.sgemmPackedA(2, 1f, empty, new float[0], 0, 2, 1, c, 0, 2, false);
        assertArrayEquals(new float[] {0, 0, 0, 0}, c, "k = 0 clears C");
        assertThrows(IllegalArgumentException.class, () -> Gemm.packA(-1, 2, new float[4], 0, 2, 1));
    }

    @Test
    void scalarProviderHasNoPackedA() {
        assertNull(KernelProvider.scalar().packA(8, 8, new float[64], 0, 8, 1));
        assertFalse(KernelProvider.scalar().packedLeftPays(4096));
        assertEquals(1, KernelProvider.scalar().panelColumns());
    }

    @Test
    void packedAFromAnotherProviderOrOffAPanelEdgeIsRefused() {
        KernelProvider provider = vector();
        PackedLeftMatrix ap = provider.packA(16, 4, new float[64], 0, 4, 1);
        assertNotNull(ap);
        var e = assertThrows(IllegalArgumentException.class, () -> KernelProvider.scalar().sgemmPackedLeftBlock(0, 16,
                0, 2, 1f, ap, new float[8], 0, 2, 1, new float[32], 0, 2, 1, false));
        assertEquals(true, e.getMessage().contains("Gemm.sgemmPackedA"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> provider.sgemmPackedLeftBlock(3, 16, 0, 2, 1f, ap,
                new float[8], 0, 2, 1, new float[32], 0, 2, 1, false));
    }

    @Test
    void packedAPaysFromThreePanelsOn() {
        KernelProvider provider = vector();
        int panel = provider.panelColumns();
        assertFalse(provider.packedLeftPays(2 * panel), "two panels: A read in place is faster");
        assertEquals(true, provider.packedLeftPays(2 * panel + 1));
        assertEquals(true, provider.packedLeftPays(7 * panel));
    }
}
