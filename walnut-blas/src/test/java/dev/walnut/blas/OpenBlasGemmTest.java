package dev.walnut.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.backend.cpu.Gemm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OpenBlasGemmTest {
    private final OpenBlasGemm blas = new OpenBlasGemm();

    @Test
    void serviceLoaderInstallsTheProvider() {
        assertNotNull(Gemm.provider(), "walnut-core did not find the provider on the class path");
        assertTrue(Gemm.provider().name().startsWith("OpenBLAS"), Gemm.provider().name());
    }

    /** Prints the active GEMM provider's name, or "none"; run in a child JVM by the next test. */
    public static final class PrintProvider {
        public static void main(String[] args) {
            System.out.println(Gemm.provider() == null ? "none" : Gemm.provider().name());
        }
    }

    @Test
    void walnutBlasFalseIgnoresTheProvider() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Dwalnut.blas=false", "-cp", System.getProperty("java.class.path"),
                PrintProvider.class.getName()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        assertEquals("none", out, err);
    }

    /** Every layout CBLAS takes: both operands plain or transposed, offsets, padded ld, accumulate. */
    @Test
    void matchesAReferenceProductForEveryLayout() {
        SplittableRandom rnd = new SplittableRandom(7);
        int m = 37, n = 29, k = 43, pad = 5, off = 3;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (boolean acc : new boolean[] {false, true}) {
                    double[] a = random(rnd, off + (m + pad) * (k + pad));
                    double[] b = random(rnd, off + (k + pad) * (n + pad));
                    double[] c = random(rnd, off + m * (n + pad));
                    double[] expected = c.clone();
                    int aRs = ta ? 1 : k + pad, aCs = ta ? m + pad : 1;
                    int bRs = tb ? 1 : n + pad, bCs = tb ? k + pad : 1;
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double s = 0;
                            for (int p = 0; p < k; p++) {
                                s += a[off + i * aRs + p * aCs] * b[off + p * bRs + j * bCs];
                            }
                            int ci = off + i * (n + pad) + j;
                            expected[ci] = 1.5 * s + (acc ? expected[ci] : 0);
                        }
                    }
                    assertTrue(blas.dgemm(m, n, k, 1.5, a, off, aRs, aCs, b, off, bRs, bCs, c, off, n + pad, acc));
                    for (int i = 0; i < c.length; i++) {
                        assertEquals(expected[i], c[i], 1e-12, "ta=" + ta + " tb=" + tb + " acc=" + acc + " at " + i);
                    }
                    float[] af = toFloat(a), bf = toFloat(b), cf = toFloat(c);
                    float[] cBefore = cf.clone();
                    float[] cJava = cf.clone();
                    assertTrue(blas.sgemm(m, n, k, 1.5f, af, off, aRs, aCs, bf, off, bRs, bCs, cf, off, n + pad, acc));
                    // 37*29*43 multiply-adds is under the provider's minWork, so this runs Walnut's own GEMM.
                    Gemm.sgemm(m, n, k, 1.5f, af, off, aRs, aCs, bf, off, bRs, bCs, cJava, off, n + pad, acc);
                    for (int i = 0; i < cf.length; i++) {
                        assertEquals(cJava[i], cf[i], 1e-3f * (1 + Math.abs(cJava[i])), "sgemm at " + i);
                    }
                    assertEquals(cBefore[0], cf[0], "sgemm wrote before the offset");
                }
            }
        }
    }

    @Test
    void declinesLayoutsWithoutAUnitStride() {
        float[] a = new float[64], b = new float[64], c = new float[64];
        c[0] = 42f;
        assertFalse(blas.sgemm(4, 4, 4, 1f, a, 0, 0, 0, b, 0, 4, 1, c, 0, 4, false), "broadcast A");
        assertFalse(blas.sgemm(4, 4, 4, 1f, a, 0, 8, 2, b, 0, 4, 1, c, 0, 4, false), "doubly strided A");
        assertFalse(blas.sgemm(4, 4, 4, 1f, a, 0, 4, 1, b, 0, 4, 1, c, 0, 2, false), "ldc < n");
        assertEquals(42f, c[0], "a declined product must leave C alone");
    }

    /** Large products go through the provider; the results are the ones Tensor users see. */
    @Test
    void tensorMatmulUsesItAndAgreesWithPureJava() {
        Tensor x = Tensor.randn(128, 96);
        Tensor w = Tensor.randn(80, 96);
        Tensor viaBlas = x.matmul(w.t());
        Tensor reference = x.to(DType.F64).matmul(w.to(DType.F64).t());
        double maxError = viaBlas.to(DType.F64).sub(reference).abs().max().item();
        assertTrue(maxError < 1e-4, "max error " + maxError);
    }

    private static double[] random(SplittableRandom rnd, int size) {
        double[] x = new double[size];
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextDouble(-1, 1);
        }
        return x;
    }

    private static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }
}
