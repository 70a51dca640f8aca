// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/TypeGemm.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import static dev.walnut.backend.cpu.Gemm.GEMV_GRAIN;
import static dev.walnut.backend.cpu.Gemm.GEMV_PARALLEL_MIN;
import static dev.walnut.backend.cpu.Gemm.PARALLEL_MIN;
import static dev.walnut.backend.cpu.Gemm.TB;
import static dev.walnut.backend.cpu.Gemm.panelWidth;
import static dev.walnut.backend.cpu.Gemm.widthClass;

import java.util.Arrays;

/**
 * The float64 GEMM behind {@link Gemm#dgemm}: the packed, blocked path, the small-product loop
 * and the matrix-vector path. {@link Gemm} checks the arguments and picks the path; the design
 * (why the micro-kernel is a row update, how the loops are blocked) is described there.
 * FloatGemm and DoubleGemm are generated from one template, so they stay the same code.
 */
final class DoubleGemm {
    // A 512-wide panel row is 2 KB, long enough that the scalar pre/post loops C2 puts
    // around the vector loop cost little; 8 tile rows + 4 B rows = 24 KB stay in L1. A kc x nb
    // panel is 512 KB, which stays in a 1 MB L2 next to the 256 KB packed A block. Measured
    // alternatives (512^3 and 1024^3, one thread): nb 256 lost 18%; nb 1024, kc 128 or 512,
    // mc 128 or 512 and TB 4 or 16 were all within 5% (noise), none consistently faster.
    // DoubleGemm uses the same byte sizes, half the elements per row.
    private static final int NB = 256;
    private static final int KC = 256;
    private static final int MC = 128;
    private static final int NC = 4 * NB;

    private static final ThreadLocal<DoubleWork> WORK = ThreadLocal.withInitial(DoubleWork::new);

    private DoubleGemm() {
    }

    /**
     * Per-thread packing buffers, grown on demand and kept for the thread's life: at most about
     * 2.3 MB (B rows for a kc x nc block, an mc x kc A block, the tile), and as much again if the
     * thread also runs the GEMM of the other element type.
     */
    private static final class DoubleWork {
        double[][] bRows = new double[0][];
        double[] aPack = new double[0];
        final double[][] tile = new double[TB][NB];
        double[] vector = new double[0];
        final Product product = new Product();

        double[][] rows(int count) {
            if (bRows.length < count) {
                double[][] grown = Arrays.copyOf(bRows, count);
                for (int i = bRows.length; i < count; i++) {
                    grown[i] = new double[NB];
                }
                bRows = grown;
            }
            return bRows;
        }

        double[] aPack(int size) {
            if (aPack.length < size) {
                aPack = new double[size];
            }
            return aPack;
        }
    }

    static void packed(int m, int n, int k, double alpha, double[] a, int aOff, int aRs, int aCs,
                       double[] b, int bOff, int bRs, int bCs, double[] c, int cOff, int cRs, int cCs,
                       boolean accumulate) {
        if ((long) m * n * k < PARALLEL_MIN || Parallel.threads() <= 1) {
            // Decided here, before any split exists, so small calls take the shortest path.
            // float64 has no Vector API block kernel: the scalar block runs directly.
            block(0, m, 0, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate);
        } else {
            DoubleWork work = WORK.get();
            // The thread's own product object: reused, so the split allocates nothing; a nested
            // product on this thread (none today) would get a fresh one.
            Product p = work.product.busy ? new Product() : work.product;
            p.set(k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate);
            try {
                p.split(m, n, 16);
            } finally {
                p.clear();
            }
        }
    }

    /** One packed product's arguments, as the split's block body. */
    private static final class Product extends Gemm.Split {
        private int k;
        private double alpha;
        private double[] a;
        private int aOff;
        private int aRs;
        private int aCs;
        private double[] b;
        private int bOff;
        private int bRs;
        private int bCs;
        private double[] c;
        private int cOff;
        private int cRs;
        private int cCs;
        private boolean accumulate;
        private boolean busy;

        void set(int k, double alpha, double[] a, int aOff, int aRs, int aCs, double[] b, int bOff, int bRs, int bCs,
                 double[] c, int cOff, int cRs, int cCs, boolean accumulate) {
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aOff = aOff;
            this.aRs = aRs;
            this.aCs = aCs;
            this.b = b;
            this.bOff = bOff;
            this.bRs = bRs;
            this.bCs = bCs;
            this.c = c;
            this.cOff = cOff;
            this.cRs = cRs;
            this.cCs = cCs;
            this.accumulate = accumulate;
            busy = true;
        }

        /** Drops the matrices, so that the thread's product keeps no caller's arrays alive. */
        void clear() {
            a = null;
            b = null;
            c = null;
            busy = false;
        }

        @Override
        public void run(int r0, int r1, int c0, int c1) {
            block(r0, r1, c0, c1, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate);
        }
    }

    /** Computes the rectangle rows [r0,r1) x columns [c0,c1) of C on the calling thread (scalar kernels). */
    private static void block(int r0, int r1, int c0, int c1, int k, double alpha, double[] a, int aOff,
                              int aRs, int aCs, double[] b, int bOff, int bRs, int bCs, double[] c, int cOff,
                              int cRs, int cCs, boolean accumulate) {
        DoubleWork work = WORK.get();
        double[][] tile = work.tile;
        for (int jc = c0; jc < c1; jc += NC) {
            int nc = Math.min(NC, c1 - jc);
            int pw = panelWidth(nc, NB);
            int panels = (nc + pw - 1) / pw;
            double[][] rows = work.rows(panels * Math.min(KC, k));
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean add = accumulate || pc > 0;
                for (int q = 0; q < panels; q++) {
                    int j0 = jc + q * pw;
                    packRows(b, bOff + pc * bRs + j0 * bCs, bRs, bCs, kc, Math.min(pw, jc + nc - j0), rows, q * kc);
                }
                for (int ic = r0; ic < r1; ic += MC) {
                    int mc = Math.min(MC, r1 - ic);
                    double[] ap = work.aPack(mc * kc);
                    packA(a, aOff + ic * aRs + pc * aCs, aRs, aCs, mc, kc, ap);
                    for (int q = 0; q < panels; q++) {
                        int j0 = jc + q * pw;
                        int nb = Math.min(pw, jc + nc - j0);
                        for (int ir = 0; ir < mc; ir += TB) {
                            int tb = Math.min(TB, mc - ir);
                            tileProduct(tile, tb, nb, ap, ir * kc, kc, rows, q * kc);
                            int co = cOff + (ic + ir) * cRs + j0 * cCs;
                            for (int i = 0; i < tb; i++, co += cRs) {
                                store(tile[i], nb, alpha, add, c, co, cCs);
                            }
                        }
                    }
                }
            }
        }
    }

    /** tile[i][0..nb) = sum_p ap[ao + i*kc + p] * rows[rb + p][0..nb), for i < tb. */
    private static void tileProduct(double[][] tile, int tb, int nb, double[] ap, int ao, int kc, double[][] rows,
                                    int rb) {
        for (int i = 0; i < tb; i++) {
            Arrays.fill(tile[i], 0, nb, 0.0);
        }
        int width = widthClass(nb);
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            double[] b0 = rows[rb + p];
            double[] b1 = rows[rb + p + 1];
            double[] b2 = rows[rb + p + 2];
            double[] b3 = rows[rb + p + 3];
            kernel4(width, tile, tb, nb, b0, b1, b2, b3, ap, ao + p, kc);
        }
        if (p + 2 <= kc) {
            double[] b0 = rows[rb + p];
            double[] b1 = rows[rb + p + 1];
            kernel2(tile, tb, nb, b0, b1, ap, ao + p, kc);
            p += 2;
        }
        if (p < kc) {
            double[] b0 = rows[rb + p];
            kernel1(tile, tb, nb, b0, ap, ao + p, kc);
        }
    }

    // The kernels index every array with the bare loop variable and nothing else: that is what
    // lets SuperWord prove the accesses line up and turn the loop into vector multiplies and adds.
    //
    // The five kernel4W* methods are the same loop, on purpose. C2 sizes a loop's unrolling by
    // the trip count profiled before it compiles the method, and a loop compiled after short
    // rows stays slow on long ones (measured: after 64-wide rows, 128-wide rows ran 27% and
    // 255-wide rows 35% slower than when compiled after rows of their own width; after 16-wide
    // rows, 512-wide rows ran at half speed). One copy per power-of-two width class keeps every
    // copy's profile within a factor of two of the rows it runs.
    /**
     * tile[i][0..nb) += sum_u ap[o + i*kc + u] * b_u[0..nb) for i < tb, u < 4. Each call covers a
     * whole tile block, so it costs little even where the JIT leaves the call out of line.
     */
    private static void kernel4(int width, double[][] tile, int tb, int nb, double[] b0, double[] b1, double[] b2,
                                double[] b3, double[] ap, int o, int kc) {
        switch (width) {
            case 0 -> kernel4W16(tile, tb, nb, b0, b1, b2, b3, ap, o, kc);
            case 1 -> kernel4W32(tile, tb, nb, b0, b1, b2, b3, ap, o, kc);
            case 2 -> kernel4W64(tile, tb, nb, b0, b1, b2, b3, ap, o, kc);
            case 3 -> kernel4W128(tile, tb, nb, b0, b1, b2, b3, ap, o, kc);
            default -> kernel4W256(tile, tb, nb, b0, b1, b2, b3, ap, o, kc);
        }
    }

    private static void kernel4W16(double[][] tile, int tb, int nb, double[] b0, double[] b1, double[] b2,
                                   double[] b3, double[] ap, int o, int kc) {
        for (int i = 0; i < tb; i++, o += kc) {
            double[] t = tile[i];
            double x0 = ap[o];
            double x1 = ap[o + 1];
            double x2 = ap[o + 2];
            double x3 = ap[o + 3];
            for (int j = 0; j < nb; j++) {
                t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j];
            }
        }
    }

    private static void kernel4W32(double[][] tile, int tb, int nb, double[] b0, double[] b1, double[] b2,
                                   double[] b3, double[] ap, int o, int kc) {
        for (int i = 0; i < tb; i++, o += kc) {
            double[] t = tile[i];
            double x0 = ap[o];
            double x1 = ap[o + 1];
            double x2 = ap[o + 2];
            double x3 = ap[o + 3];
            for (int j = 0; j < nb; j++) {
                t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j];
            }
        }
    }

    private static void kernel4W64(double[][] tile, int tb, int nb, double[] b0, double[] b1, double[] b2,
                                   double[] b3, double[] ap, int o, int kc) {
        for (int i = 0; i < tb; i++, o += kc) {
            double[] t = tile[i];
            double x0 = ap[o];
            double x1 = ap[o + 1];
            double x2 = ap[o + 2];
            double x3 = ap[o + 3];
            for (int j = 0; j < nb; j++) {
                t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j];
            }
        }
    }

    private static void kernel4W128(double[][] tile, int tb, int nb, double[] b0, double[] b1, double[] b2,
                                    double[] b3, double[] ap, int o, int kc) {
        for (int i = 0; i < tb; i++, o += kc) {
            double[] t = tile[i];
            double x0 = ap[o];
            double x1 = ap[o + 1];
            double x2 = ap[o + 2];
            double x3 = ap[o + 3];
            for (int j = 0; j < nb; j++) {
                t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j];
            }
        }
    }

    private static void kernel4W256(double[][] tile, int tb, int nb, double[] b0, double[] b1, double[] b2,
                                    double[] b3, double[] ap, int o, int kc) {
        for (int i = 0; i < tb; i++, o += kc) {
            double[] t = tile[i];
            double x0 = ap[o];
            double x1 = ap[o + 1];
            double x2 = ap[o + 2];
            double x3 = ap[o + 3];
            for (int j = 0; j < nb; j++) {
                t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j];
            }
        }
    }

    private static void kernel2(double[][] tile, int tb, int nb, double[] b0, double[] b1, double[] ap, int o, int kc) {
        for (int i = 0; i < tb; i++, o += kc) {
            double[] t = tile[i];
            double x0 = ap[o];
            double x1 = ap[o + 1];
            for (int j = 0; j < nb; j++) {
                t[j] += x0 * b0[j] + x1 * b1[j];
            }
        }
    }

    private static void kernel1(double[][] tile, int tb, int nb, double[] b0, double[] ap, int o, int kc) {
        for (int i = 0; i < tb; i++, o += kc) {
            double[] t = tile[i];
            double x0 = ap[o];
            for (int j = 0; j < nb; j++) {
                t[j] += x0 * b0[j];
            }
        }
    }

    /** Copies a kc x nb block (strides rs, cs) into rows[rb + p][0..nb). */
    private static void packRows(double[] src, int off, int rs, int cs, int kc, int nb, double[][] rows, int rb) {
        if (cs == 1) {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(src, off + p * rs, rows[rb + p], 0, nb);
            }
        } else if (cs == 0) {
            for (int p = 0; p < kc; p++) {
                Arrays.fill(rows[rb + p], 0, nb, src[off + p * rs]);
            }
        } else if (Math.abs(rs) < Math.abs(cs)) {
            // Transposed source (a B^T view): fill eight destination rows per sweep, so each
            // source cache line read serves eight stores and the row arrays are fetched once.
            int p = 0;
            for (; p + 8 <= kc; p += 8) {
                double[] r0 = rows[rb + p];
                double[] r1 = rows[rb + p + 1];
                double[] r2 = rows[rb + p + 2];
                double[] r3 = rows[rb + p + 3];
                double[] r4 = rows[rb + p + 4];
                double[] r5 = rows[rb + p + 5];
                double[] r6 = rows[rb + p + 6];
                double[] r7 = rows[rb + p + 7];
                for (int j = 0, o = off + p * rs; j < nb; j++, o += cs) {
                    r0[j] = src[o];
                    r1[j] = src[o + rs];
                    r2[j] = src[o + 2 * rs];
                    r3[j] = src[o + 3 * rs];
                    r4[j] = src[o + 4 * rs];
                    r5[j] = src[o + 5 * rs];
                    r6[j] = src[o + 6 * rs];
                    r7[j] = src[o + 7 * rs];
                }
            }
            for (; p < kc; p++) {
                double[] row = rows[rb + p];
                for (int j = 0, o = off + p * rs; j < nb; j++, o += cs) {
                    row[j] = src[o];
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                double[] row = rows[rb + p];
                for (int j = 0, o = off + p * rs; j < nb; j++, o += cs) {
                    row[j] = src[o];
                }
            }
        }
    }

    /** Copies an mc x kc block (strides rs, cs) into ap[i*kc + p]. */
    private static void packA(double[] src, int off, int rs, int cs, int mc, int kc, double[] ap) {
        if (cs == 1) {
            for (int i = 0; i < mc; i++) {
                System.arraycopy(src, off + i * rs, ap, i * kc, kc);
            }
        } else if (Math.abs(rs) < Math.abs(cs)) {
            // Transposed source: four columns of A per sweep, four adjacent stores per row.
            int p = 0;
            for (; p + 4 <= kc; p += 4) {
                for (int i = 0, o = off + p * cs, d = p; i < mc; i++, o += rs, d += kc) {
                    ap[d] = src[o];
                    ap[d + 1] = src[o + cs];
                    ap[d + 2] = src[o + 2 * cs];
                    ap[d + 3] = src[o + 3 * cs];
                }
            }
            for (; p < kc; p++) {
                for (int i = 0, o = off + p * cs; i < mc; i++, o += rs) {
                    ap[i * kc + p] = src[o];
                }
            }
        } else {
            for (int i = 0; i < mc; i++) {
                for (int p = 0, o = off + i * rs; p < kc; p++, o += cs) {
                    ap[i * kc + p] = src[o];
                }
            }
        }
    }

    /** c[co + j*cs] (=|+=) alpha * t[j] for j < nb. */
    private static void store(double[] t, int nb, double alpha, boolean add, double[] c, int co, int cs) {
        if (cs == 1) {
            if (add) {
                for (int j = 0; j < nb; j++) {
                    c[co + j] += alpha * t[j];
                }
            } else if (alpha == 1.0) {
                System.arraycopy(t, 0, c, co, nb);
            } else {
                for (int j = 0; j < nb; j++) {
                    c[co + j] = alpha * t[j];
                }
            }
        } else if (add) {
            for (int j = 0, o = co; j < nb; j++, o += cs) {
                c[o] += alpha * t[j];
            }
        } else {
            for (int j = 0, o = co; j < nb; j++, o += cs) {
                c[o] = alpha * t[j];
            }
        }
    }

    /** Plain loops for small products, where packing would cost more than the arithmetic. */
    static void simple(int m, int n, int k, double alpha, double[] a, int aOff, int aRs, int aCs,
                       double[] b, int bOff, int bRs, int bCs, double[] c, int cOff, int cRs, int cCs,
                       boolean accumulate) {
        // A 4x4 block of C in scalar locals: 8 loads feed 16 multiply-adds, where a dot product
        // per element needs 2 loads for each. Edges fall back to dot products.
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                double c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0;
                double c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
                double c20 = 0.0, c21 = 0.0, c22 = 0.0, c23 = 0.0;
                double c30 = 0.0, c31 = 0.0, c32 = 0.0, c33 = 0.0;
                for (int p = 0, ao = aOff + i * aRs, bo = bOff + j * bCs; p < k; p++, ao += aCs, bo += bRs) {
                    double a0 = a[ao];
                    double a1 = a[ao + aRs];
                    double a2 = a[ao + 2 * aRs];
                    double a3 = a[ao + 3 * aRs];
                    double b0 = b[bo];
                    double b1 = b[bo + bCs];
                    double b2 = b[bo + 2 * bCs];
                    double b3 = b[bo + 3 * bCs];
                    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
                }
                int o0 = cOff + i * cRs + j * cCs;
                int o1 = o0 + cRs;
                int o2 = o1 + cRs;
                int o3 = o2 + cRs;
                store4(c, o0, cCs, alpha, c00, c01, c02, c03, accumulate);
                store4(c, o1, cCs, alpha, c10, c11, c12, c13, accumulate);
                store4(c, o2, cCs, alpha, c20, c21, c22, c23, accumulate);
                store4(c, o3, cCs, alpha, c30, c31, c32, c33, accumulate);
            }
            for (; j < n; j++) {
                for (int r = i; r < i + 4; r++) {
                    storeOne(c, cOff + r * cRs + j * cCs,
                            alpha * dot(k, a, aOff + r * aRs, aCs, b, bOff + j * bCs, bRs), accumulate);
                }
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) {
                storeOne(c, cOff + i * cRs + j * cCs,
                        alpha * dot(k, a, aOff + i * aRs, aCs, b, bOff + j * bCs, bRs), accumulate);
            }
        }
    }

    private static double dot(int k, double[] x, int xo, int xs, double[] y, int yo, int ys) {
        // Four partial sums hide the add latency; the JIT cannot reorder double adds itself.
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        int p = 0;
        for (; p + 4 <= k; p += 4, xo += 4 * xs, yo += 4 * ys) {
            s0 += x[xo] * y[yo];
            s1 += x[xo + xs] * y[yo + ys];
            s2 += x[xo + 2 * xs] * y[yo + 2 * ys];
            s3 += x[xo + 3 * xs] * y[yo + 3 * ys];
        }
        for (; p < k; p++, xo += xs, yo += ys) {
            s0 += x[xo] * y[yo];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * y[i*ys] (=|+=) alpha * sum_p A[i,p] * x[p*xs] with contiguous rows of A (row i at aOff + i*aRs).
     * Packing such an A for the row kernel is a transposing gather; scalar dot products were
     * measured twice as fast (11 vs 6 GFLOP/s per core at 1024x1024), and a matrix-vector product
     * is close to memory-bound anyway. (With A's columns contiguous, the packed path is used.)
     */
    static void gemvRows(int m, int k, double alpha, double[] a, int aOff, int aRs, double[] x, int xOff,
                         int xs, double[] y, int yOff, int ys, boolean accumulate) {
        if (xs != 1) {
            DoubleWork work = WORK.get();
            if (work.vector.length < k) {
                work.vector = new double[k];
            }
            for (int p = 0; p < k; p++) {
                work.vector[p] = x[xOff + p * xs];
            }
            x = work.vector;
            xOff = 0;
        }
        if ((long) m * k < GEMV_PARALLEL_MIN || Parallel.threads() <= 1) {
            gemvRange(0, m, k, alpha, a, aOff, aRs, x, xOff, y, yOff, ys, accumulate);
        } else {
            double[] xc = x;
            int xo = xOff;
            Parallel.forRange(m, Math.max(4, GEMV_GRAIN / k),
                    (lo, hi) -> gemvRange(lo, hi, k, alpha, a, aOff, aRs, xc, xo, y, yOff, ys, accumulate));
        }
    }

    /** Rows [lo, hi) of {@link #gemvRows}, with x contiguous. */
    private static void gemvRange(int lo, int hi, int k, double alpha, double[] a, int aOff, int aRs, double[] x,
                                  int xOff, double[] y, int yOff, int ys, boolean accumulate) {
        // Four rows at a time share each load of x. Measured alternatives were slower: eight
        // rows by 10-20%, and two partial sums per row by 20% (the JIT pairs them into 2-lane
        // vectors).
        int i = lo;
        for (; i + 4 <= hi; i += 4) {
            int a0 = aOff + i * aRs;
            int a1 = a0 + aRs;
            int a2 = a1 + aRs;
            int a3 = a2 + aRs;
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
            for (int p = 0; p < k; p++) {
                double v = x[xOff + p];
                s0 += a[a0 + p] * v;
                s1 += a[a1 + p] * v;
                s2 += a[a2 + p] * v;
                s3 += a[a3 + p] * v;
            }
            store4(y, yOff + i * ys, ys, alpha, s0, s1, s2, s3, accumulate);
        }
        // The last rows, one at a time, in the same order as the four-row loop: so every row's
        // bits are the same whichever chunk of a thread split it falls in, and the same as the
        // vector provider's matrix-vector product over a packed weight (VectorFewRows.dotOrder),
        // which a linear layer runs at batch 1. (Four partial sums per row, which these rows
        // used to get, made a row's bits depend on the split.)
        for (; i < hi; i++) {
            int a0 = aOff + i * aRs;
            double s0 = 0.0;
            for (int p = 0; p < k; p++) {
                s0 += a[a0 + p] * x[xOff + p];
            }
            storeOne(y, yOff + i * ys, alpha * s0, accumulate);
        }
    }

    private static void storeOne(double[] y, int o, double v, boolean accumulate) {
        y[o] = accumulate ? y[o] + v : v;
    }

    private static void store4(double[] c, int o, int cs, double alpha, double v0, double v1, double v2, double v3,
                               boolean accumulate) {
        storeOne(c, o, alpha * v0, accumulate);
        storeOne(c, o + cs, alpha * v1, accumulate);
        storeOne(c, o + 2 * cs, alpha * v2, accumulate);
        storeOne(c, o + 3 * cs, alpha * v3, accumulate);
    }
}
