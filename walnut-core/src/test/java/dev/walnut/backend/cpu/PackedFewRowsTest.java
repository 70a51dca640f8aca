package dev.walnut.backend.cpu;

import static dev.walnut.backend.cpu.PackedGemmTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.walnut.backend.cpu.PackedGemmTest.Layout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelProvider#sgemmPackedFewRows}, the matrix-vector products a linear layer runs at
 * batch 1 to 7 over its packed weight: each element of C must get the bits of the path it
 * replaces, the packed register tile ({@link KernelProvider#sgemmPackedBlock}) or, in dot order,
 * {@link Gemm#sgemm}'s dot products for one row.
 */
class PackedFewRowsTest {
    /** n, k: ragged panels (NR = 32 with AVX-512, 16 with AVX2), k over the 256-deep k blocks, a classifier. */
    private static final int[][] SHAPES = {
        {16, 129}, {31, 7}, {32, 256}, {33, 257}, {100, 600}, {97, 1}, {1000, 1280},
    };

    private static KernelProvider fewRowsProvider() {
        KernelProvider p = KernelProvider.loadVector().orElse(null);
        assumeTrue(p != null && p.packedFewRows() > 0, "no provider with a few-row kernel (vector module or GEMM off)");
        return p;
    }

    @Test
    void fewRowsGiveTheBitsOfThePackedRegisterTile() {
        KernelProvider provider = fewRowsProvider();
        var rnd = new SplittableRandom(21);
        for (int[] s : SHAPES) {
            int n = s[0];
            int k = s[1];
            for (int m = 1; m <= provider.packedFewRows(); m++) {
                for (Layout la : Layout.all(m, k)) {
                    Layout lb = Layout.all(k, n).get(m % 3);
                    float[] a = random(rnd, la.size());
                    float[] b = random(rnd, lb.size());
                    PackedMatrix bp = provider.packB(k, n, b, lb.off(), lb.rs(), lb.cs());
                    int ldc = n + 3;
                    for (boolean accumulate : new boolean[] {false, true}) {
                        float[] want = random(new SplittableRandom(m + n), 2 + m * ldc);
                        float[] got = want.clone();
                        provider.sgemmPackedBlock(0, m, 0, n, 1f, a, la.off(), la.rs(), la.cs(), bp, want, 2, ldc,
                                accumulate);
                        provider.sgemmPackedFewRows(0, m, 0, n, a, la.off(), la.rs(), la.cs(), bp, got, 2, ldc,
                                accumulate, false);
                        assertArrayEquals(want, got, "m=" + m + " n=" + n + " k=" + k + " A " + la.name() + " B "
                                + lb.name() + (accumulate ? " accumulating" : ""));
                    }
                }
            }
        }
    }

    @Test
    void oneRowInDotOrderGivesTheBitsOfSgemmForAWeightWhoseKIsContiguous() {
        KernelProvider provider = fewRowsProvider();
        var rnd = new SplittableRandom(22);
        for (int[] s : SHAPES) {
            int n = s[0];
            int k = s[1];
            // W [n, k] row-major, B = W^T: k contiguous, the layout nn.Linear's weight has.
            float[] w = random(rnd, n * k);
            PackedMatrix bp = provider.packB(k, n, w, 0, 1, k);
            for (int xs : new int[] {1, 3}) {
                float[] x = random(rnd, 4 + k * xs);
                float[] want = random(rnd, 1 + n);
                float[] got = random(rnd, 1 + n);
                got[0] = want[0];
                Gemm.sgemm(1, n, k, 1f, x, 4, k * xs, xs, w, 0, 1, k, want, 1, n, false);
                provider.sgemmPackedFewRows(0, 1, 0, n, x, 4, k * xs, xs, bp, got, 1, n, false, true);
                assertArrayEquals(want, got, "n=" + n + " k=" + k + " x stride " + xs);
            }
        }
    }

    @Test
    void aMatrixVectorRowGetsTheSameBitsAloneAsInsideABlockOfFour() {
        // Gemm.sgemm's dot products sum four rows at a time and the rows left over one at a
        // time, in the same order: a row's bits must not depend on where a thread split puts it.
        var rnd = new SplittableRandom(24);
        for (int k : new int[] {7, 300, 1030}) {
            int m = 37;
            float[] a = random(rnd, m * k);
            float[] x = random(rnd, k);
            float[] all = new float[m];
            Gemm.sgemm(m, 1, k, 1f, a, 0, k, 1, x, 0, 1, 0, all, 0, 1, false);
            for (int i = 0; i < m; i++) {
                float[] one = new float[1];
                Gemm.sgemm(1, 1, k, 1f, a, i * k, k, 1, x, 0, 1, 0, one, 0, 1, false);
                assertEquals(Float.floatToRawIntBits(all[i]), Float.floatToRawIntBits(one[0]), "row " + i + " k=" + k);
            }
        }
    }

    @Test
    void theBitsDoNotDependOnHowTheColumnsAreSplit() {
        KernelProvider provider = fewRowsProvider();
        var rnd = new SplittableRandom(23);
        int n = 1000;
        int k = 300;
        float[] a = random(rnd, 3 * k);
        PackedMatrix bp = provider.packB(k, n, random(rnd, k * n), 0, n, 1);
        int unit = bp.columnUnit();
        for (boolean dotOrder : new boolean[] {false, true}) {
            int m = dotOrder ? 1 : 3;
            float[] whole = new float[m * n];
            provider.sgemmPackedFewRows(0, m, 0, n, a, 0, k, 1, bp, whole, 0, n, false, dotOrder);
            float[] parts = new float[m * n];
            int[] cuts = {0, unit, 5 * unit, 11 * unit, n};
            for (int c = 0; c + 1 < cuts.length; c++) {
                provider.sgemmPackedFewRows(0, m, cuts[c], cuts[c + 1], a, 0, k, 1, bp, parts, 0, n, false, dotOrder);
            }
            assertArrayEquals(whole, parts, dotOrder ? "dot order" : "blocked");
        }
    }

    @Test
    void aRectangleTheKernelCannotTakeIsRefusedWithItsShape() {
        KernelProvider provider = fewRowsProvider();
        int k = 40;
        int n = 100;
        PackedMatrix bp = provider.packB(k, n, new float[k * n], 0, n, 1);
        float[] a = new float[16 * k];
        float[] c = new float[16 * n];
        int rows = provider.packedFewRows() + 1;
        var tooMany = assertThrows(IllegalArgumentException.class,
                () -> provider.sgemmPackedFewRows(0, rows, 0, n, a, 0, k, 1, bp, c, 0, n, false, false));
        assertTrue(tooMany.getMessage().contains("rows [0, " + rows + ")"), tooMany.getMessage());
        var offEdge = assertThrows(IllegalArgumentException.class,
                () -> provider.sgemmPackedFewRows(0, 1, 3, n, a, 0, k, 1, bp, c, 0, n, false, false));
        assertTrue(offEdge.getMessage().contains("panel edges"), offEdge.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> KernelProvider.scalar().sgemmPackedFewRows(0, 1, 0, n,
                a, 0, k, 1, KernelProvider.scalar().packB(k, n, new float[k * n], 0, n, 1), c, 0, n, false, false));
    }

    @Test
    void aSingleRowPaysOnlyWhereTheProviderHasTheKernelAndSgemmWouldNotCallItTiny() {
        boolean kernel = KernelProvider.get().packedFewRows() > 0;
        assertEquals(kernel, Gemm.fewRowsPay(1, 1000, 1280));
        assertFalse(Gemm.fewRowsPay(1, 10, 784), "C under 16 wide");
        assertFalse(Gemm.fewRowsPay(1, 32, 8), "a tiny product");
        assertFalse(Gemm.fewRowsPay(8, 1000, 1280), "a whole register tile of rows");
        assertFalse(Gemm.packingPays(1, 1000, 1280), "Gemm's own packed path still starts at two rows");
    }
}
