package dev.walnut.backend.cpu;

import dev.walnut.backend.BinaryOp;
import dev.walnut.backend.UnaryOp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both kernel providers, called directly, against the scalar loops and float64 references: the
 * scalar provider is what runs without {@code --add-modules jdk.incubator.vector}, so it is
 * tested here even though the test JVM has the Vector API provider active.
 */
class KernelProviderTest {
    private static final int[] LENGTHS = {1, 2, 7, 15, 16, 17, 31, 33, 100, 511, 512, 513, 1000, 1025, 4099};

    static Stream<KernelProvider> providers() {
        List<KernelProvider> out = new ArrayList<>();
        out.add(KernelProvider.scalar());
        KernelProvider.loadVector().ifPresent(out::add);
        return out.stream();
    }

    private static KernelProvider vector() {
        var vector = KernelProvider.loadVector();
        assumeTrue(vector.isPresent(), "the JVM runs without --add-modules jdk.incubator.vector");
        return vector.get();
    }

    private static float[] random(SplittableRandom rnd, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return x;
    }

    @Test
    void activeProviderIsTheVectorOneWhenTheModuleIsPresent() {
        KernelProvider vector = vector();
        assumeFalse("false".equalsIgnoreCase(System.getProperty(KernelProvider.VECTOR_PROPERTY, "").trim()),
                "the scalar kernels were forced with -Dwalnut.vector=false");
        assertSame(vector.getClass(), KernelProvider.get().getClass());
        assertTrue(KernelProvider.get().description().startsWith("Vector API, "), KernelProvider.get().description());
        assertTrue(KernelProvider.get().description().contains("-bit float species"));
        assertNotSame(KernelProvider.scalar(), KernelProvider.get());
        assertEquals("scalar", KernelProvider.scalar().description());
    }

    /** Prints the active provider's description; run in a child JVM by the next test. */
    public static final class PrintActiveProvider {
        public static void main(String[] args) {
            System.out.println(KernelProvider.get().description());
        }
    }

    /** The active provider's description in a fresh JVM started with the module and {@code flag}. */
    private static String activeProviderWith(String flag) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", flag,
                "-cp", System.getProperty("java.class.path"), PrintActiveProvider.class.getName()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return out;
    }

    /** -Dwalnut.vector=false must win over the module being present. */
    @Test
    void forcingScalarIsReportedByTheActiveProvider() throws Exception {
        assertEquals("scalar", activeProviderWith("-Dwalnut.vector=false"));
    }

    /** -Dwalnut.vector.gemm=false keeps the Vector API kernels but not its GEMM, and says so. */
    @Test
    void turningTheVectorGemmOffIsReported() throws Exception {
        String description = activeProviderWith("-Dwalnut.vector.gemm=false");
        assertTrue(description.startsWith("Vector API, "), description);
        assertTrue(description.endsWith("SGEMM on the scalar kernels (-Dwalnut.vector.gemm=false)"), description);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void everyUnaryOpMatchesTheScalarLoops(KernelProvider provider) {
        var rnd = new SplittableRandom(1);
        for (int op = 0; op < UnaryOp.COUNT; op++) {
            boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT;
            for (int n : LENGTHS) {
                int off = n % 5;
                float[] x = random(rnd, n + off + 3, positive ? 0.01 : -20, 20);
                float[] want = new float[x.length];
                float[] got = new float[x.length];
                FloatUnary.runScalar(op, 0.5, 2.0, x, want, off, n);
                provider.unary(op, 0.5, 2.0, x, got, off, n);
                for (int i = off; i < off + n; i++) {
                    // Transcendentals may differ by the vector provider's documented ulp bounds.
                    String what = UnaryOp.name(op) + " n=" + n + " x=" + x[i];
                    if (Float.isNaN(want[i]) || Float.isInfinite(want[i]) || !UnaryOp.isCostly(op)) {
                        assertEquals(want[i], got[i], what);
                    } else {
                        assertEquals(want[i], got[i], 3 * Math.ulp(want[i]), what);
                    }
                }
                assertEquals(0f, got[off + n], "wrote past the run");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void unaryInPlaceMatchesOutOfPlace(KernelProvider provider) {
        var rnd = new SplittableRandom(2);
        for (int op : new int[] {UnaryOp.EXP, UnaryOp.LOG, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.RELU}) {
            float[] x = random(rnd, 1100, 0.001, 9);
            float[] out = new float[x.length];
            provider.unary(op, 0, 0, x, out, 3, 1090);
            provider.unary(op, 0, 0, x, x, 3, 1090);
            for (int i = 3; i < 1093; i++) {
                assertEquals(out[i], x[i], UnaryOp.name(op) + " at " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void transcendentalsKeepTheIeeeEdgeCases(KernelProvider provider) {
        float[] x = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, 200f, -200f};
        float[] exp = new float[x.length], log = new float[x.length], tanh = new float[x.length], sig = new float[x.length];
        provider.unary(UnaryOp.EXP, 0, 0, x, exp, 0, x.length);
        provider.unary(UnaryOp.LOG, 0, 0, x, log, 0, x.length);
        provider.unary(UnaryOp.TANH, 0, 0, x, tanh, 0, x.length);
        provider.unary(UnaryOp.SIGMOID, 0, 0, x, sig, 0, x.length);
        assertEquals(List.of(Float.NaN, 0f, Float.POSITIVE_INFINITY, 1f, 1f, Float.POSITIVE_INFINITY, 0f), boxed(exp));
        assertEquals(List.of(Float.NaN, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.NEGATIVE_INFINITY, (float) Math.log(200), Float.NaN), boxed(log));
        assertEquals(List.of(Float.NaN, -1f, 1f, -0f, 0f, 1f, -1f), boxed(tanh));
        assertEquals(List.of(Float.NaN, 0f, 1f, 0.5f, 0.5f, 1f, 0f), boxed(sig));
    }

    private static List<Float> boxed(float[] x) {
        List<Float> out = new ArrayList<>();
        for (float v : x) {
            out.add(v);
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("providers")
    void everyBinaryOpMatchesTheScalarLoops(KernelProvider provider) {
        var rnd = new SplittableRandom(3);
        for (int op = BinaryOp.ADD; op <= BinaryOp.ATAN2; op++) {
            for (int n : LENGTHS) {
                float[] a = random(rnd, n + 4, 0.1, 5), b = random(rnd, n + 4, -3, 3);
                float[] want = new float[n + 4], got = new float[n + 4];
                FloatBinary.alignedScalar(op, a, b, want, 2, n);
                provider.binary(op, a, b, got, 2, n);
                for (int i = 0; i < n + 4; i++) {
                    assertEquals(want[i], got[i], BinaryOp.name(op) + " n=" + n + " at " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void sumIsWithinAFewRoundingsOfTheExactSum(KernelProvider provider) {
        var rnd = new SplittableRandom(4);
        for (int n : new int[] {1, 17, 255, 256, 257, 1000, 100_003, 1 << 20}) {
            float[] x = random(rnd, n + 3, -1, 3);
            double exact = 0, magnitude = 0;
            for (int i = 3; i < n + 3; i++) {
                exact += x[i];
                magnitude += Math.abs(x[i]);
            }
            double got = provider.sum(x, 3, n);
            // Both accumulate in double: far inside one float ulp of the magnitude.
            assertEquals(exact, got, 0x1p-30 * magnitude, "n=" + n);
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void layerNormRowKernelsGiveTheScalarLoopsElementsBitForBit(KernelProvider provider) {
        var rnd = new SplittableRandom(10);
        for (int n : LENGTHS) {
            float[] z = random(rnd, n + 6, -2, 5);
            float[] w = random(rnd, n + 2, 0.5, 1.5);
            float[] b = random(rnd, n + 4, -1, 1);
            float c = z[6 + n / 2];
            float[] sq = new float[n + 1];
            sq[n] = 7f;
            provider.rowSquaredDeviations(z, 6, n, c, sq);
            for (int i = 0; i < n; i++) {
                float d = z[6 + i] - c;
                assertEquals(d * d, sq[i], "rowSquaredDeviations element " + i + ", n=" + n);
            }
            assertEquals(7f, sq[n], "rowSquaredDeviations wrote past its row, n=" + n);
            for (int mask = 0; mask < 4; mask++) {
                float[] ww = (mask & 1) != 0 ? w : null;
                float[] bb = (mask & 2) != 0 ? b : null;
                float[] y = z.clone();
                provider.rowNormalize(y, 6, n, 0.25f, 1.5f, ww, 2, bb, 4);
                for (int i = 0; i < n; i++) {
                    float want = (z[6 + i] - 0.25f) * 1.5f;
                    want = ww == null ? want : want * w[2 + i];
                    want = bb == null ? want : want + b[4 + i];
                    assertEquals(want, y[6 + i], "rowNormalize element " + i + ", n=" + n + ", mask " + mask);
                }
                assertTrue(Arrays.equals(z, 0, 6, y, 0, 6), "rowNormalize wrote before its row");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void sumOfAMillionTenthsDoesNotDrift(KernelProvider provider) {
        float[] x = new float[1_000_000];
        java.util.Arrays.fill(x, 0.1f);
        // Naive float accumulation ends near 100958; blocked or pairwise sums stay at 0.1f * n.
        assertEquals(0.1f * 1_000_000.0, provider.sum(x, 0, x.length), 1e-6 * 1e5);
    }

    /** ReLU, clamp (ReLU6, Hardtanh) and the scalar max/min give the scalar loops' exact bits on NaN, -0.0 and infinities. */
    @ParameterizedTest
    @MethodSource("providers")
    void clampFamilyMatchesTheScalarLoopsBitForBit(KernelProvider provider) {
        float[] special = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 6f, -1f, 7.5f, 3f};
        float[] x = new float[53];
        for (int i = 0; i < x.length; i++) {
            x[i] = special[i % special.length];
        }
        // Infinite bounds take the Vector API provider's one-sided loops (max only, min only).
        double[][] bounds = {{0, 6}, {-0.0, 0.0}, {-1, 1}, {Double.NaN, 2}, {3, 1}, {Double.NEGATIVE_INFINITY, 2},
            {-1, Double.POSITIVE_INFINITY}, {Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY},
            {Double.NaN, Double.POSITIVE_INFINITY}, {Double.NEGATIVE_INFINITY, Double.NaN}};
        for (int op : new int[] {UnaryOp.RELU, UnaryOp.CLAMP, UnaryOp.MAX_SCALAR, UnaryOp.MIN_SCALAR}) {
            for (double[] b : bounds) {
                float[] want = new float[x.length];
                float[] got = new float[x.length];
                FloatUnary.runScalar(op, b[0], b[1], x, want, 1, 50);
                provider.unary(op, b[0], b[1], x, got, 1, 50);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                            UnaryOp.name(op) + " " + Arrays.toString(b) + " x=" + x[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void maxAndMinMatchTheScalarLoopsIncludingNanAndSignedZero(KernelProvider provider) {
        var rnd = new SplittableRandom(5);
        for (int n : LENGTHS) {
            float[] x = random(rnd, n + 2, -100, 100);
            assertEquals(FloatReduce.maxScalar(x, 1, n), provider.max(x, 1, n), "max n=" + n);
            assertEquals(FloatReduce.minScalar(x, 1, n), provider.min(x, 1, n), "min n=" + n);
            x[1 + rnd.nextInt(n)] = Float.NaN;
            assertTrue(Float.isNaN(provider.max(x, 1, n)), "max with NaN n=" + n);
            assertTrue(Float.isNaN(provider.min(x, 1, n)), "min with NaN n=" + n);
        }
        float[] zeros = new float[40];
        zeros[13] = -0f;
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(provider.max(zeros, 0, 40)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(provider.min(zeros, 0, 40)));
    }

    @ParameterizedTest
    @MethodSource("providers")
    void sgemmBlockMatchesAFloat64TripleLoop(KernelProvider provider) {
        var rnd = new SplittableRandom(6);
        int[][] shapes = {{1, 1, 1}, {8, 32, 5}, {9, 33, 300}, {17, 70, 257}, {130, 100, 513}, {64, 300, 40}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (int layout = 0; layout < 3; layout++) {
                // 0: all row-major; 1: A and B transposed; 2: padded strides and a strided C.
                int aRs = layout == 1 ? 1 : layout == 2 ? k + 3 : k, aCs = layout == 1 ? m : 1;
                int bRs = layout == 1 ? 1 : layout == 2 ? 2 * n + 1 : n, bCs = layout == 1 ? k : layout == 2 ? 2 : 1;
                int cRs = layout == 2 ? 2 * n + 5 : n, cCs = layout == 2 ? 2 : 1;
                float[] a = random(rnd, 4 + m * k + m * 3 + k, -1, 1);
                float[] b = random(rnd, 2 + 2 * k * n + k + n, -1, 1);
                for (boolean accumulate : new boolean[] {false, true}) {
                    float alpha = accumulate ? 0.5f : 1f;
                    float[] c = random(rnd, 1 + m * cRs + n * cCs, -1, 1);
                    float[] before = c.clone();
                    provider.sgemmBlock(0, m, 0, n, k, alpha, a, 4, aRs, aCs, b, 2, bRs, bCs, c, 1, cRs, cCs, accumulate);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double want = 0;
                            for (int p = 0; p < k; p++) {
                                want += (double) a[4 + i * aRs + p * aCs] * b[2 + p * bRs + j * bCs];
                            }
                            int ci = 1 + i * cRs + j * cCs;
                            want = alpha * want + (accumulate ? before[ci] : 0);
                            assertEquals(want, c[ci], 1e-5 * Math.sqrt(k) + 1e-6,
                                    m + "x" + n + "x" + k + " layout " + layout + " at (" + i + "," + j + ")");
                        }
                    }
                    // Elements of C's array outside the matrix are untouched.
                    if (cCs == 2) {
                        assertEquals(before[2], c[2]);
                    }
                }
            }
        }
    }

    @Test
    void sgemmBlockComputesOnlyItsRectangle() {
        KernelProvider vector = vector();
        int m = 40, n = 50, k = 30;
        var rnd = new SplittableRandom(7);
        float[] a = random(rnd, m * k, -1, 1), b = random(rnd, k * n, -1, 1);
        float[] c = new float[m * n];
        vector.sgemmBlock(8, 24, 16, 40, k, 1f, a, 0, k, 1, b, 0, n, 1, c, 0, n, 1, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                boolean inside = i >= 8 && i < 24 && j >= 16 && j < 40;
                assertEquals(inside, c[i * n + j] != 0f, "(" + i + "," + j + ")");
            }
        }
    }
}
