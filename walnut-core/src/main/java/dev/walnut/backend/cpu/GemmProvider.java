package dev.walnut.backend.cpu;

/**
 * A pluggable matrix-multiply implementation, found with {@link java.util.ServiceLoader} when its
 * jar is on the class path (the optional {@code walnut-blas} module provides one backed by
 * OpenBLAS). {@link Gemm} hands it the products large enough to be worth a native call and keeps
 * the pure-Java kernels for everything else, and for every product the provider declines.
 *
 * <pre>{@code
 * // META-INF/services/dev.walnut.backend.cpu.GemmProvider in the provider's jar names:
 * public final class MyBlas implements GemmProvider {
 *     public String name() { return "MyBlas 1.0"; }
 *     public boolean sgemm(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs,
 *                          float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc,
 *                          boolean accumulate) {
 *         if (aCs != 1 && aRs != 1) return false;   // a layout it cannot take: Walnut's GEMM runs
 *         ...
 *         return true;
 *     }
 *     ...
 * }
 * // -Dwalnut.blas=false ignores every provider.
 * }</pre>
 *
 * <p>The arguments mean exactly what they mean for {@link Gemm#sgemm}: A element (i,p) is
 * {@code a[aOff + i*aRs + p*aCs]}, B element (p,j) is {@code b[bOff + p*bRs + j*bCs]}, C element
 * (i,j) is {@code c[cOff + i*ldc + j]}, C is overwritten unless {@code accumulate}. Sizes are
 * already checked and non-zero, alpha is non-zero. An implementation must be thread safe: Walnut
 * calls it from any thread, and must not keep references to the arrays after returning.
 */
public interface GemmProvider {
    /** A short description for logs, e.g. "OpenBLAS 0.3.28 (bytedeco), 2 threads". */
    String name();

    /**
     * Products with fewer multiply-adds than this stay in Java: below it the call overhead (and
     * any copying the provider does) costs more than the native kernel saves.
     */
    default long minWork() {
        return 1L << 18;
    }

    /** Computes the float32 product, or returns false (touching nothing) to let Walnut do it. */
    boolean sgemm(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs,
                  float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc, boolean accumulate);

    /** The float64 twin of {@link #sgemm}. */
    boolean dgemm(int m, int n, int k, double alpha, double[] a, int aOff, int aRs, int aCs,
                  double[] b, int bOff, int bRs, int bCs, double[] c, int cOff, int ldc, boolean accumulate);
}
