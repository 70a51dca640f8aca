package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A B packed once ({@link KernelProvider#packB}, {@link Gemm#packB}) must give every element of C
 * the same bits as the per-call packing of {@link KernelProvider#sgemmBlock}, for both providers,
 * every B layout and shapes that are not multiples of the register tile or the cache blocks.
 */
class PackedGemmTest {
    /**
     * m, n, k: edges of MR = 8 / NR = 32 / KC = 256 / MC = 128, k over two KC blocks, n over NC =
     * 2048; and the vector GEMM's per-call paths that pack B panel by panel, the first tile of a
     * panel reading B's rows: rows in one A block (64 x 96, 57 x 49; 40 x 196 x 1030 with A read
     * in place), over one A block with A in place (140 x 64 x 1100), and one A block too large to
     * keep packed (120 x 70 x 1400).
     */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {3, 5, 7}, {8, 32, 256}, {17, 33, 300}, {9, 45, 530}, {64, 10, 784}, {130, 37, 257},
        {7, 2100, 40}, {33, 70, 1}, {64, 96, 300}, {57, 49, 301}, {40, 196, 1030}, {140, 64, 1100},
        {120, 70, 1400},
    };

    static Stream<KernelProvider> providers() {
        List<KernelProvider> out = new ArrayList<>();
        out.add(KernelProvider.scalar());
        KernelProvider.loadVector().ifPresent(out::add);
        return out.stream();
    }

    /** A k x n operand inside a larger array: row-major, transposed, or with both strides over 1. */
    record Layout(String name, int off, int rs, int cs, int size) {
        static List<Layout> all(int rows, int cols) {
            return List.of(
                    new Layout("row-major", 3, cols, 1, 3 + rows * cols),
                    new Layout("transposed", 1, 1, rows, 1 + rows * cols),
                    new Layout("strided", 5, 2 * cols + 3, 2, 5 + rows * (2 * cols + 3)));
        }
    }

    static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    @ParameterizedTest
    @MethodSource("providers")
    void packedBGivesTheBitsOfThePerCallPacking(KernelProvider provider) {
        var rnd = new SplittableRandom(11);
        for (int[] s : SHAPES) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (Layout la : Layout.all(m, k)) {
                for (Layout lb : Layout.all(k, n)) {
                    float[] a = random(rnd, la.size());
                    float[] b = random(rnd, lb.size());
                    PackedMatrix bp = provider.packB(k, n, b, lb.off(), lb.rs(), lb.cs());
                    assertSame(provider, bp.provider());
                    assertEquals(k, bp.rows());
                    assertEquals(n, bp.columns());
                    int ldc = n + 2;
                    for (boolean accumulate : new boolean[] {false, true}) {
                        float alpha = accumulate ? 0.75f : 1f;
                        float[] want = random(new SplittableRandom(m), 1 + m * ldc);
                        float[] got = want.clone();
                        provider.sgemmBlock(0, m, 0, n, k, alpha, a, la.off(), la.rs(), la.cs(), b, lb.off(), lb.rs(),
                                lb.cs(), want, 1, ldc, 1, accumulate);
                        provider.sgemmPackedBlock(0, m, 0, n, alpha, a, la.off(), la.rs(), la.cs(), bp, got, 1, ldc,
                                accumulate);
                        assertArrayEquals(want, got, what(provider, m, n, k, la, lb, accumulate));
                    }
                    // The bits do not depend on how the columns are split (on panel edges).
                    float[] whole = new float[m * n];
                    float[] parts = new float[m * n];
                    provider.sgemmPackedBlock(0, m, 0, n, 1f, a, la.off(), la.rs(), la.cs(), bp, whole, 0, n, false);
                    int cut = Math.min(n, bp.columnUnit() * Math.max(1, n / (2 * bp.columnUnit())));
                    provider.sgemmPackedBlock(0, m, 0, cut, 1f, a, la.off(), la.rs(), la.cs(), bp, parts, 0, n, false);
                    if (cut < n) {
                        provider.sgemmPackedBlock(0, m, cut, n, 1f, a, la.off(), la.rs(), la.cs(), bp, parts, 0, n,
                                false);
                    }
                    assertArrayEquals(whole, parts, "column split at " + cut + ", "
                            + what(provider, m, n, k, la, lb, false));
                }
            }
        }
    }

    private static String what(KernelProvider p, int m, int n, int k, Layout la, Layout lb, boolean accumulate) {
        return p.description() + " m=" + m + " n=" + n + " k=" + k + " A " + la.name() + " B " + lb.name()
                + (accumulate ? " accumulating" : "");
    }

    /** Through Gemm: packed by the active provider, split across threads, against float64 sums. */
    @Test
    void sgemmPackedMatchesFloat64ReferenceAcrossThreads() {
        var rnd = new SplittableRandom(12);
        for (int[] s : new int[][] {{64, 1024, 300}, {600, 96, 270}, {5, 40, 9}, {64, 10, 784}}) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = random(rnd, m * k);
            float[] w = random(rnd, n * k);
            // B = W^T, as Linear multiplies it.
            PackedMatrix bp = Gemm.packB(k, n, w, 0, 1, k);
            float[] got = new float[m * n];
            Gemm.sgemmPacked(m, 1f, a, 0, k, 1, bp, got, 0, n, false);
            float[] single = new float[m * n];
            bp.provider().sgemmPackedBlock(0, m, 0, n, 1f, a, 0, k, 1, bp, single, 0, n, false);
            assertArrayEquals(single, got, "threads changed the bits for " + m + "x" + n + "x" + k);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    double mag = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) a[i * k + p] * w[j * k + p];
                        mag += Math.abs((double) a[i * k + p] * w[j * k + p]);
                    }
                    assertEquals(ref, got[i * n + j], 1e-6 * mag + 1e-7, "C[" + i + "," + j + "]");
                }
            }
        }
    }

    @Test
    void edgeCasesFollowSgemm() {
        float[] b = {1, 2, 3, 4, 5, 6};
        PackedMatrix bp = Gemm.packB(3, 2, b, 0, 2, 1);
        float[] c = {7, 7, 7, 7};
        Gemm.sgemmPacked(2, 0f, new float[] {Float.NaN, 1, 1, 1, 1, 1}, 0, 3, 1, bp, c, 0, 2, false);
        assertArrayEquals(new float[] {0, 0, 0, 0}, c, "alpha = 0 overwrites with zeros, ignoring NaN in A");
        c = new float[] {7, 7, 7, 7};
        Gemm.sgemmPacked(0, 1f, new float[0], 0, 3, 1, bp, c, 0, 2, false);
        assertArrayEquals(new float[] {7, 7, 7, 7}, c, "m = 0 touches nothing");
        PackedMatrix empty = Gemm.packB(0, 2, new float[0], 0, 2, 1);
        Gemm.sgemmPacked(2, 1f, new float[0], 0, 0, 1, empty, c, 0, 2, true);
        assertArrayEquals(new float[] {7, 7, 7, 7}, c, "k = 0 accumulating leaves C");
        Gemm.sgemmPacked(2, 1f, new float[0], 0, 0, 1, empty, c, 0, 2, false);
        assertArrayEquals(new float[] {0, 0, 0, 0}, c, "k = 0 clears C");
        assertThrows(IllegalArgumentException.class, () -> Gemm.packB(-1, 2, b, 0, 2, 1));
    }

    @Test
    void aMatrixPackedByAnotherProviderIsRefused() {
        var vector = KernelProvider.loadVector();
        assumeTrue(vector.isPresent(), "the JVM runs without --add-modules jdk.incubator.vector");
        PackedMatrix scalar = KernelProvider.scalar().packB(2, 2, new float[] {1, 2, 3, 4}, 0, 2, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> vector.get().sgemmPackedBlock(0, 2, 0, 2, 1f,
                new float[4], 0, 2, 1, scalar, new float[4], 0, 2, false));
        assertTrue(e.getMessage().contains("packed by the scalar provider"), e.getMessage());
    }

    @Test
    void packingPaysOnlyWhereSgemmPacks() {
        assertFalse(Gemm.packingPays(1, 512, 784), "a matrix-vector product");
        assertFalse(Gemm.packingPays(4, 4, 4), "a tiny product");
        assertFalse(Gemm.packingPays(8, 10, 784), "C under 16 wide both ways");
        assertTrue(Gemm.packingPays(64, 512, 784));
        assertTrue(Gemm.packingPays(64, 10, 784));
    }

    /**
     * Checks {@link Gemm#sgemmPacked} against {@link Gemm#sgemm} in a child JVM, printing the
     * packing provider; run by {@link #bothSwitchesPackWithTheScalarKernels}.
     */
    public static final class CheckPackedInChildJvm {
        public static void main(String[] args) {
            var rnd = new SplittableRandom(13);
            for (int[] s : SHAPES) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                float[] a = random(rnd, m * k);
                float[] w = random(rnd, n * k);
                PackedMatrix bp = Gemm.packB(k, n, w, 0, 1, k);
                float[] got = new float[m * n];
                float[] want = new float[m * n];
                Gemm.sgemmPacked(m, 1f, a, 0, k, 1, bp, got, 0, n, false);
                KernelProvider.get().sgemmBlock(0, m, 0, n, k, 1f, a, 0, k, 1, w, 0, 1, k, want, 0, n, 1, false);
                for (int i = 0; i < got.length; i++) {
                    if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want[i])) {
                        System.out.println("mismatch at " + i + " for " + m + "x" + n + "x" + k + ": " + got[i]
                                + " != " + want[i]);
                        System.exit(1);
                    }
                }
                if (bp.provider() != KernelProvider.scalar()) {
                    System.out.println("packed by " + bp.provider().description());
                    System.exit(1);
                }
            }
            System.out.println("ok");
        }
    }

    @Test
    void bothSwitchesPackWithTheScalarKernels() throws Exception {
        for (String flag : new String[] {"-Dwalnut.vector=false", "-Dwalnut.vector.gemm=false"}) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", flag, "-cp",
                    System.getProperty("java.class.path"), CheckPackedInChildJvm.class.getName())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, p.waitFor(), flag + ": " + out);
            assertTrue(out.endsWith("ok"), flag + ": " + out);
        }
    }
}
