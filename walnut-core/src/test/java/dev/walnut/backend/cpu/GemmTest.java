package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link Gemm} against a float64 triple loop for every path (small-product loop,
 * matrix-vector dot products, packed and blocked, transposed output) and every operand layout.
 */
class GemmTest {
    /** How an operand is laid out in its array; sizes are (rows x cols) of the logical matrix. */
    enum Layout {
        ROW_MAJOR, TRANSPOSED, PADDED, FLIPPED, BROADCAST_ROWS, BROADCAST_COLS, SCALAR;

        /**
         * {rowStride, colStride, array length needed, offset of element (0,0) past the operand's
         * base offset}, for a rows x cols operand.
         */
        int[] strides(int rows, int cols) {
            return switch (this) {
                case ROW_MAJOR -> new int[] {cols, 1, rows * cols, 0};
                case TRANSPOSED -> new int[] {1, rows, rows * cols, 0};
                // Row stride larger than the row and a column stride of 2: a strided slice.
                case PADDED -> new int[] {2 * cols + 3, 2, rows * (2 * cols + 3), 0};
                // Both strides negative: element (0,0) is the last one in memory.
                case FLIPPED -> new int[] {-cols, -1, rows * cols, Math.max(0, rows * cols - 1)};
                case BROADCAST_ROWS -> new int[] {0, 1, cols, 0};
                case BROADCAST_COLS -> new int[] {1, 0, rows, 0};
                case SCALAR -> new int[] {0, 0, 1, 0};
            };
        }
    }

    private static final int A_OFF = 5;
    private static final int B_OFF = 3;
    private static final int C_OFF = 7;

    static Stream<Arguments> shapes() {
        int[][] shapes = {
                {1, 1, 1}, {1, 1, 17}, {1, 40, 33}, {1, 700, 300}, {37, 1, 29}, {700, 1, 300},
                {3, 5, 0}, {7, 13, 9}, {2, 3, 4}, {16, 16, 16}, {9, 200, 7}, {200, 9, 7},
                {65, 129, 33}, {130, 3, 70}, {33, 600, 5}, {300, 257, 513}, {64, 2100, 20},
                {20, 40, 50}, {70, 90, 40}, {600, 100, 300}, {1, 3000, 400}, {2100, 1, 500},
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes) {
            out.add(Arguments.of(s[0], s[1], s[2]));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "sgemm {0}x{1}x{2}")
    @MethodSource("shapes")
    void sgemmMatchesFloat64ReferenceForAllLayouts(int m, int n, int k) {
        SplittableRandom rnd = new SplittableRandom(31L * m + 17L * n + k);
        // Large shapes take fewer layout pairs and one accumulate mode each (chosen at random from
        // a fixed seed), so the whole class stays well under ten seconds.
        boolean big = (long) m * n * k > 1_000_000;
        for (Layout la : Layout.values()) {
            for (Layout lb : Layout.values()) {
                if (big && !bigLayouts(la, lb)) {
                    continue;
                }
                int ldc = n + (rnd.nextBoolean() ? 0 : 4);
                float alpha = rnd.nextBoolean() ? 1f : -1.5f;
                if (!big || rnd.nextBoolean()) {
                    checkFloat(m, n, k, la, lb, ldc, alpha, false, rnd);
                } else {
                    checkFloat(m, n, k, la, lb, ldc, alpha, true, rnd);
                }
                if (!big) {
                    checkFloat(m, n, k, la, lb, ldc, alpha, true, rnd);
                }
            }
        }
    }

    @ParameterizedTest(name = "dgemm {0}x{1}x{2}")
    @MethodSource("shapes")
    void dgemmMatchesFloat64ReferenceForAllLayouts(int m, int n, int k) {
        SplittableRandom rnd = new SplittableRandom(13L * m + 7L * n + k);
        boolean big = (long) m * n * k > 1_000_000;
        for (Layout la : Layout.values()) {
            for (Layout lb : Layout.values()) {
                if (big && !bigLayouts(la, lb)) {
                    continue;
                }
                int ldc = n + (rnd.nextBoolean() ? 0 : 4);
                double alpha = rnd.nextBoolean() ? 1.0 : 0.75;
                if (!big || rnd.nextBoolean()) {
                    checkDouble(m, n, k, la, lb, ldc, alpha, false, rnd);
                } else {
                    checkDouble(m, n, k, la, lb, ldc, alpha, true, rnd);
                }
                if (!big) {
                    checkDouble(m, n, k, la, lb, ldc, alpha, true, rnd);
                }
            }
        }
    }

    /**
     * Shapes for the blockings: tails of the 8 x 32 tile in m and n, k over several k blocks of
     * each depth, narrow products the vector provider no longer transposes (n of 61, 222), the
     * widest it may read A in place for (256 columns, 8 panels) and one past it, and a product
     * deep enough (k >= 1024) that it does read A in place; and narrow, deep products that it
     * keeps untransposed although up to half their width is padding (n of 49 and 100, as
     * resnet18's strided convolutions). Then the vector GEMM's B panels packed as they are first
     * used, their first tile reading B's rows: rows that fit one A block (64 x 96, 57 x 49 with
     * a 17-column last panel, 40 x 196 deep enough to read A in place), rows over one A block
     * reading A in place (140 x 64 x 1100), and rows within one A block whose packed A is too
     * large to keep (120 x 70 x 1400).
     */
    static Stream<Arguments> blockingShapes() {
        int[][] shapes = {{61, 33, 300}, {130, 61, 530}, {300, 222, 70}, {77, 256, 129}, {40, 257, 33}, {9, 45, 17},
            {37, 61, 1100}, {100, 49, 1100}, {130, 100, 1024}, {64, 96, 300}, {57, 49, 301}, {40, 196, 1030},
            {140, 64, 1100}, {120, 70, 1400}};
        List<Arguments> out = new ArrayList<>();
        List<GemmBlocking> blockings = new ArrayList<>(GemmBlocking.candidates());
        blockings.add(new GemmBlocking(16, 8));
        blockings.add(new GemmBlocking(48, 24));
        for (GemmBlocking bl : blockings) {
            for (int[] s : shapes) {
                out.add(Arguments.of(bl, s[0], s[1], s[2]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "sgemm {1}x{2}x{3} under {0}")
    @MethodSource("blockingShapes")
    void sgemmUnderEveryBlockingMatchesFloat64Reference(GemmBlocking blocking, int m, int n, int k) {
        SplittableRandom rnd = new SplittableRandom(31L * m + 17L * n + k + blocking.depth());
        GemmBlocking.with(blocking, () -> {
            for (Layout la : List.of(Layout.ROW_MAJOR, Layout.TRANSPOSED, Layout.PADDED)) {
                for (Layout lb : List.of(Layout.ROW_MAJOR, Layout.TRANSPOSED, Layout.FLIPPED)) {
                    int ldc = n + (rnd.nextBoolean() ? 0 : 4);
                    checkFloat(m, n, k, la, lb, ldc, 1f, false, rnd);
                    checkFloat(m, n, k, la, lb, ldc, -1.5f, true, rnd);
                }
            }
            return null;
        });
        assertEquals(GemmBlocking.DEFAULT, GemmBlocking.current(), "with() restores the caller's blocking");
    }

    /**
     * Layout pairs checked for large shapes (the reference loop dominates the test's run time):
     * each layout against row-major on either side, plus both transposed.
     */
    private static boolean bigLayouts(Layout la, Layout lb) {
        return la == Layout.ROW_MAJOR || lb == Layout.ROW_MAJOR || la == Layout.TRANSPOSED && lb == Layout.TRANSPOSED;
    }

    private static void checkFloat(int m, int n, int k, Layout la, Layout lb, int ldc, float alpha,
                                   boolean accumulate, SplittableRandom rnd) {
        int[] sa = la.strides(m, k);
        int[] sb = lb.strides(k, n);
        float[] a = new float[A_OFF + sa[2]];
        float[] b = new float[B_OFF + sb[2]];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        float[] c = new float[C_OFF + (m - 1) * ldc + n + 3];
        // Overwrite must never read C, so NaN there must not leak; accumulate must add to it.
        for (int i = 0; i < c.length; i++) {
            c[i] = accumulate ? (float) (rnd.nextDouble() * 2 - 1) : Float.NaN;
        }
        float[] before = c.clone();
        Gemm.sgemm(m, n, k, alpha, a, A_OFF + sa[3], sa[0], sa[1], b, B_OFF + sb[3], sb[0], sb[1],
                c, C_OFF, ldc, accumulate);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[A_OFF + sa[3] + i * sa[0] + p * sa[1]]
                            * b[B_OFF + sb[3] + p * sb[0] + j * sb[1]];
                    sum += t;
                    abs += Math.abs(t);
                }
                int o = C_OFF + i * ldc + j;
                double prior = accumulate ? before[o] : 0.0;
                double expected = prior + alpha * sum;
                // Float accumulation error grows at worst linearly with k (relative to sum |a*b|).
                double tol = 2e-7 * (k + 4) * Math.abs(alpha) * abs + 2e-7 * Math.abs(prior) + 1e-30;
                if (!(Math.abs(c[o] - expected) <= tol)) {
                    fail(String.format("sgemm %dx%dx%d A=%s B=%s ldc=%d alpha=%s accumulate=%s: C[%d,%d] = %s,"
                            + " expected %s (tol %s)", m, n, k, la, lb, ldc, alpha, accumulate, i, j, c[o],
                            expected, tol));
                }
            }
        }
        assertOutsideUntouched(before, c, m, n, ldc, "sgemm " + m + "x" + n + "x" + k);
    }

    private static void checkDouble(int m, int n, int k, Layout la, Layout lb, int ldc, double alpha,
                                    boolean accumulate, SplittableRandom rnd) {
        int[] sa = la.strides(m, k);
        int[] sb = lb.strides(k, n);
        double[] a = new double[A_OFF + sa[2]];
        double[] b = new double[B_OFF + sb[2]];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextDouble() * 2 - 1;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextDouble() * 2 - 1;
        }
        double[] c = new double[C_OFF + (m - 1) * ldc + n + 3];
        for (int i = 0; i < c.length; i++) {
            c[i] = accumulate ? rnd.nextDouble() * 2 - 1 : Double.NaN;
        }
        double[] before = c.clone();
        Gemm.dgemm(m, n, k, alpha, a, A_OFF + sa[3], sa[0], sa[1], b, B_OFF + sb[3], sb[0], sb[1],
                c, C_OFF, ldc, accumulate);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = a[A_OFF + sa[3] + i * sa[0] + p * sa[1]]
                            * b[B_OFF + sb[3] + p * sb[0] + j * sb[1]];
                    sum += t;
                    abs += Math.abs(t);
                }
                int o = C_OFF + i * ldc + j;
                double prior = accumulate ? before[o] : 0.0;
                double expected = prior + alpha * sum;
                double tol = 4e-16 * (k + 4) * Math.abs(alpha) * abs + 4e-16 * Math.abs(prior) + 1e-300;
                if (!(Math.abs(c[o] - expected) <= tol)) {
                    fail(String.format("dgemm %dx%dx%d A=%s B=%s ldc=%d alpha=%s accumulate=%s: C[%d,%d] = %s,"
                            + " expected %s (tol %s)", m, n, k, la, lb, ldc, alpha, accumulate, i, j, c[o],
                            expected, tol));
                }
            }
        }
        for (int i = 0; i < c.length; i++) {
            int rel = i - C_OFF;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside && Double.doubleToRawLongBits(c[i]) != Double.doubleToRawLongBits(before[i])) {
                fail("dgemm " + m + "x" + n + "x" + k + " wrote outside C at index " + i);
            }
        }
    }

    private static void assertOutsideUntouched(float[] before, float[] after, int m, int n, int ldc, String what) {
        for (int i = 0; i < after.length; i++) {
            int rel = i - C_OFF;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside && Float.floatToRawIntBits(after[i]) != Float.floatToRawIntBits(before[i])) {
                fail(what + " wrote outside C at index " + i);
            }
        }
    }

    @Test
    void multipliesSmallMatricesExactly() {
        // [1 2 3; 4 5 6] * [7 8; 9 10; 11 12] = [58 64; 139 154]
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {7, 8, 9, 10, 11, 12};
        float[] c = new float[4];
        Gemm.sgemm(2, 2, 3, 1f, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, false);
        assertArrayEquals(new float[] {58, 64, 139, 154}, c);
        // The same B given as its transpose [7 9 11; 8 10 12] through strides.
        float[] bt = {7, 9, 11, 8, 10, 12};
        Gemm.sgemm(2, 2, 3, 2f, a, 0, 3, 1, bt, 0, 1, 3, c, 0, 2, true);
        assertArrayEquals(new float[] {174, 192, 417, 462}, c);
    }

    @Test
    void zeroInnerDimensionClearsOrKeepsC() {
        float[] c = {Float.NaN, Float.NaN, 9f, Float.NaN, Float.NaN};
        Gemm.sgemm(2, 2, 0, 1f, new float[0], 0, 0, 1, new float[0], 0, 2, 1, c, 0, 3, false);
        assertArrayEquals(new float[] {0f, 0f, 9f, 0f, 0f}, c);
        double[] d = {1.0, 2.0, 3.0};
        Gemm.dgemm(1, 3, 0, 1.0, new double[0], 0, 0, 1, new double[0], 0, 3, 1, d, 0, 3, true);
        assertArrayEquals(new double[] {1.0, 2.0, 3.0}, d);
    }

    @Test
    void emptyOutputTouchesNothing() {
        float[] c = {Float.NaN};
        Gemm.sgemm(0, 5, 5, 1f, new float[0], 0, 5, 1, new float[25], 0, 5, 1, c, 0, 5, false);
        Gemm.sgemm(5, 0, 5, 1f, new float[25], 0, 5, 1, new float[0], 0, 0, 1, c, 0, 0, false);
        assertTrue(Float.isNaN(c[0]));
    }

    @Test
    void alphaZeroSkipsTheProductLikeBlas() {
        float[] a = {Float.POSITIVE_INFINITY, 1f};
        float[] b = {Float.NaN, 2f};
        float[] c = {Float.NaN, 5f};
        Gemm.sgemm(1, 1, 2, 0f, a, 0, 2, 1, b, 0, 1, 1, c, 0, 1, false);
        assertEquals(0f, c[0]);
        Gemm.sgemm(1, 1, 2, 0f, a, 0, 2, 1, b, 0, 1, 1, c, 1, 1, true);
        assertEquals(5f, c[1]);
    }

    @Test
    void nanAndInfinityInInputsPropagate() {
        // Packing pads nothing with values that could turn a NaN into a number or vice versa.
        int m = 40;
        int n = 70;
        int k = 50;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        Arrays.fill(a, 1f);
        Arrays.fill(b, 1f);
        a[3 * k + 10] = Float.NaN;
        b[20 * n + 5] = Float.POSITIVE_INFINITY;
        float[] c = new float[m * n];
        Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, c, 0, n, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float v = c[i * n + j];
                if (i == 3) {
                    assertTrue(Float.isNaN(v), "row with NaN at " + j);
                } else if (j == 5) {
                    assertEquals(Float.POSITIVE_INFINITY, v, "column with infinity at row " + i);
                } else {
                    assertEquals(k, v, "C[" + i + "," + j + "]");
                }
            }
        }
    }

    @Test
    void largeProductMatchesReferenceAcrossThreadsAndBlocks() {
        // Big enough to be split across threads and to span several k, m and n blocks.
        int m = 301;
        int n = 2100;
        int k = 530;
        SplittableRandom rnd = new SplittableRandom(5);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextDouble() - 0.5);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (rnd.nextDouble() - 0.5);
        }
        float[] c = new float[m * n];
        Arrays.fill(c, Float.NaN);
        // B transposed (k x n read as its n x k transpose) exercises the gathering pack.
        float[] bt = new float[n * k];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                bt[j * k + p] = b[p * n + j];
            }
        }
        Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, bt, 0, 1, k, c, 0, n, false);
        for (int i = 0; i < m; i += 7) {
            for (int j = 0; j < n; j += 3) {
                double sum = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[i * k + p] * b[p * n + j];
                    sum += t;
                    abs += Math.abs(t);
                }
                assertEquals(sum, c[i * n + j], 2e-7 * (k + 4) * abs, "C[" + i + "," + j + "]");
            }
        }
    }

    @Test
    void concurrentCallersDoNotShareBuffers() throws Exception {
        // Each caller thread packs into its own buffers; run several at once and compare.
        int m = 90;
        int n = 110;
        int k = 70;
        SplittableRandom rnd = new SplittableRandom(9);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextDouble();
        }
        float[] expected = new float[m * n];
        Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, expected, 0, n, false);
        Thread[] threads = new Thread[4];
        float[][] results = new float[threads.length][m * n];
        for (int t = 0; t < threads.length; t++) {
            float[] out = results[t];
            threads[t] = new Thread(() -> {
                for (int rep = 0; rep < 20; rep++) {
                    Gemm.sgemm(m, n, k, 1f, a, 0, k, 1, b, 0, n, 1, out, 0, n, false);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        for (float[] r : results) {
            assertArrayEquals(expected, r);
        }
    }

    @Test
    void negativeSizesAreRejected() {
        float[] x = new float[4];
        var e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(-1, 2, 2, 1f, x, 0, 2, 1, x, 0, 2, 1, x, 0, 2, false));
        assertTrue(e.getMessage().contains("m=-1"), e.getMessage());
    }
}
