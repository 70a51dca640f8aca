package dev.walnut.blas;

import dev.walnut.backend.cpu.GemmProvider;
import dev.walnut.backend.cpu.Parallel;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Walnut's matrix products on OpenBLAS: put {@code walnut-blas} on the class path and
 * {@code walnut-core} finds this provider through {@link java.util.ServiceLoader}; nothing else
 * changes for the user.
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>dev.walnut</groupId>
 *   <artifactId>walnut-blas</artifactId>
 * </dependency>
 * // then, unchanged:
 * Tensor c = a.matmul(b);                       // large products run in OpenBLAS
 * Gemm.provider().name();                       // "OpenBLAS 0.3.28 (bytedeco), 2 threads"
 * // -Dwalnut.blas=false switches it off again
 * }</pre>
 *
 * <p>CBLAS needs one unit stride per operand (row-major or transposed); products whose operands
 * are broadcast or otherwise strided both ways are declined and Walnut's pure-Java GEMM, which
 * packs any layout, computes them. OpenBLAS runs with as many threads as Walnut's own pool
 * ({@code walnut.threads}), so switching provider does not change how many cores a program uses.
 */
public final class OpenBlasGemm implements GemmProvider {
    private static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;

    private final String name;

    /** Loads the native library; called by {@link java.util.ServiceLoader}. */
    public OpenBlasGemm() {
        int threads = Parallel.threads();
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
        name = openblas_nolapack.OPENBLAS_VERSION.trim() + " (bytedeco), " + threads
                + (threads == 1 ? " thread" : " threads");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean sgemm(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs,
                         float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc, boolean accumulate) {
        Layout la = Layout.of(m, k, aRs, aCs);
        Layout lb = Layout.of(k, n, bRs, bCs);
        if (la == null || lb == null || (m > 1 && ldc < n)) {
            return false;
        }
        int cLd = m > 1 ? ldc : Math.max(1, n);
        float beta = accumulate ? 1f : 0f;
        int trA = la.trans, trB = lb.trans;
        if (aOff == 0 && bOff == 0 && cOff == 0) {
            openblas_nolapack.cblas_sgemm(ROW_MAJOR, trA, trB, m, n, k, alpha, a, la.ld, b, lb.ld, beta, c, cLd);
            return true;
        }
        // JavaCPP hands arrays over from index 0 only (and a sliced heap buffer crashes it), so
        // operands that start inside their array travel through native copies of their span. C
        // is copied in even when overwritten: its span includes the gaps between rows (ldc > n),
        // which must come back unchanged.
        int aLen = la.span(m, k), bLen = lb.span(k, n), cLen = (m - 1) * cLd + n;
        try (FloatPointer pa = new FloatPointer(aLen).put(a, aOff, aLen);
             FloatPointer pb = new FloatPointer(bLen).put(b, bOff, bLen);
             FloatPointer pc = new FloatPointer(cLen).put(c, cOff, cLen)) {
            openblas_nolapack.cblas_sgemm(ROW_MAJOR, trA, trB, m, n, k, alpha, pa, la.ld, pb, lb.ld, beta, pc, cLd);
            pc.get(c, cOff, cLen);
        }
        return true;
    }

    @Override
    public boolean dgemm(int m, int n, int k, double alpha, double[] a, int aOff, int aRs, int aCs,
                         double[] b, int bOff, int bRs, int bCs, double[] c, int cOff, int ldc,
                         boolean accumulate) {
        Layout la = Layout.of(m, k, aRs, aCs);
        Layout lb = Layout.of(k, n, bRs, bCs);
        if (la == null || lb == null || (m > 1 && ldc < n)) {
            return false;
        }
        int cLd = m > 1 ? ldc : Math.max(1, n);
        double beta = accumulate ? 1.0 : 0.0;
        int trA = la.trans, trB = lb.trans;
        if (aOff == 0 && bOff == 0 && cOff == 0) {
            openblas_nolapack.cblas_dgemm(ROW_MAJOR, trA, trB, m, n, k, alpha, a, la.ld, b, lb.ld, beta, c, cLd);
            return true;
        }
        int aLen = la.span(m, k), bLen = lb.span(k, n), cLen = (m - 1) * cLd + n;
        try (DoublePointer pa = new DoublePointer(aLen).put(a, aOff, aLen);
             DoublePointer pb = new DoublePointer(bLen).put(b, bOff, bLen);
             DoublePointer pc = new DoublePointer(cLen).put(c, cOff, cLen)) {
            openblas_nolapack.cblas_dgemm(ROW_MAJOR, trA, trB, m, n, k, alpha, pa, la.ld, pb, lb.ld, beta, pc, cLd);
            pc.get(c, cOff, cLen);
        }
        return true;
    }

    /** An operand's CBLAS form: transposed or not, and its leading dimension. */
    private record Layout(int trans, int ld) {
        /**
         * Describes a rows x cols operand with the given strides, or returns null when neither
         * stride is 1 (broadcast or doubly strided views). A stride along a dimension of size 1 is
         * never used, so it may be anything; the leading dimension then only has to be legal.
         */
        static Layout of(int rows, int cols, int rowStride, int colStride) {
            if (colStride == 1 || cols == 1) {
                int ld = rows == 1 ? Math.max(1, cols) : rowStride;
                if (ld >= Math.max(1, cols)) {
                    return new Layout(openblas_nolapack.CblasNoTrans, ld);
                }
            }
            if (rowStride == 1 || rows == 1) {
                int ld = cols == 1 ? Math.max(1, rows) : colStride;
                if (ld >= Math.max(1, rows)) {
                    return new Layout(openblas_nolapack.CblasTrans, ld);
                }
            }
            return null;
        }

        /** Elements from the operand's first to its last, in its array. */
        int span(int rows, int cols) {
            return trans == openblas_nolapack.CblasNoTrans ? (rows - 1) * ld + cols : (cols - 1) * ld + rows;
        }
    }
}
