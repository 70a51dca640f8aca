package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * Matrix multiply kernels: a cache-blocked, packed, multi-threaded GEMM in pure Java.
 *
 * <p>Every operand is described by (array, offset, row stride, column stride), so transposed,
 * sliced and broadcast (stride 0) views are multiplied without the caller copying them; packing
 * gathers whatever layout it is given into contiguous buffers.
 *
 * <pre>{@code
 * // C[2x2] = A[2x3] * B[3x2], all row-major
 * Gemm.sgemm(2, 2, 3, 1f, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, false);
 * // the same with B given as its transpose Bt[2x3] (row-major): swap B's strides
 * Gemm.sgemm(2, 2, 3, 1f, a, 0, 3, 1, bt, 0, 1, 3, c, 0, 2, false);
 * }</pre>
 *
 * <h2>Why the micro-kernel is a row update, not a register tile</h2>
 * Without the Vector API, speed comes from C2's auto-vectorizer (SuperWord), and what it accepts
 * decides the design. Measured on JDK 17 (AVX-512): a BLIS-style register tile (4x8 or 6x16
 * scalar accumulators) stays scalar, about 9-14 GFLOP/s per core; a loop that updates several
 * rows of C from several rows of B at once is also left scalar; and an update whose array
 * indices carry different loop-invariant offsets ({@code c[co + j] += x * b[bo + j]}) is left
 * scalar too, because SuperWord cannot prove the two do not overlap. What it does vectorize is
 * one row of C updated from up to eight rows of B, each a separate array indexed by the bare
 * loop variable: {@code t[j] += x0*b0[j] + ... + x7*b7[j]}. So B is packed into one
 * {@code float[]} per k-row (a panel of up to {@link #S_NB} columns), C is accumulated in
 * per-row tile arrays, and the "register tile" is a row of C that lives in L1. That kernel runs
 * at 80 GFLOP/s per core on the development machine (AMD Zen 5), about 6x the register tile.
 *
 * <h2>Blocking</h2>
 * The loops follow GotoBLAS (jc, pc, ic, panel, row block): a packed B panel (kc x nb) is reused
 * by every row of the packed A block, a tile block of {@code TB} C rows stays in L1 while eight
 * B rows stream past it, and the A block is reused across the B panels of a column block. The
 * sizes are chosen per element type below. Large products split rows (or columns when C is wide)
 * across {@link Parallel}; each thread packs its own operands into thread-local buffers, which
 * costs one extra pass over B per thread, negligible next to the O(mnk) work.
 *
 * <p>Small and degenerate shapes skip all this: tiny products use a plain loop, and matrix-vector
 * products whose shared dimension is contiguous use dot products (they are bound by memory, not
 * by arithmetic).
 */
public final class Gemm {
    /** Depth of the kernel's k unrolling: the widest update C2 (JDK 17) still vectorizes. */
    private static final int U = 8;
    /** Rows of C whose tiles stay in L1 while eight B rows stream past them. */
    private static final int TB = 8;

    // float: a 512-wide panel row is 2 KB, long enough that the scalar pre/post loops C2 puts
    // around the vector loop cost little; 8 B rows + 8 tile rows = 32 KB fit L1. A kc x nb panel
    // is 512 KB, which stays in a 1 MB L2 next to the 256 KB packed A block.
    private static final int S_NB = 512;
    private static final int S_KC = 256;
    private static final int S_MC = 256;
    private static final int S_NC = 4 * S_NB;
    // double: same byte sizes, half the elements per row.
    private static final int D_NB = 256;
    private static final int D_KC = 256;
    private static final int D_MC = 128;
    private static final int D_NC = 4 * D_NB;

    /** Below this many multiply-adds a plain loop beats packing. */
    private static final long TINY = 4096;
    /** Below this many multiply-adds forking costs more than it saves. */
    private static final long PARALLEL_MIN = 1L << 20;
    /** Matrix-vector chunks get at least this many multiply-adds per thread. */
    private static final int GEMV_GRAIN = 1 << 16;
    /** When C is narrower than this (and taller than wide), compute its transpose instead. */
    private static final int NARROW = 64;

    private static final ThreadLocal<FloatWork> FLOAT_WORK = ThreadLocal.withInitial(FloatWork::new);
    private static final ThreadLocal<DoubleWork> DOUBLE_WORK = ThreadLocal.withInitial(DoubleWork::new);

    private Gemm() {
    }

    /**
     * C[m,n] (=|+=) alpha * sum_k A[m,k] * B[k,n]. A element (i,p) is {@code a[aOff + i*aRs + p*aCs]};
     * B element (p,j) is {@code b[bOff + p*bRs + j*bCs]}; C element (i,j) is {@code c[cOff + i*ldc + j]}.
     * If {@code accumulate} is false C is overwritten (never read, so it may hold garbage/NaN), else
     * added to. Strides may be anything, including 0 (broadcast) and transposed layouts. k == 0
     * gives C = 0 (or leaves it unchanged when accumulating); so does alpha == 0, which skips the
     * product like BLAS does (NaN or infinity in A or B then does not reach C).
     */
    public static void sgemm(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc, boolean accumulate) {
        checkSizes(m, n, k);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        long work = (long) m * n * k;
        if (n == 1 && aCs == 1) {
            sgemvRows(m, k, alpha, a, aOff, aRs, b, bOff, bRs, c, cOff, ldc, accumulate);
        } else if (m == 1 && bRs == 1) {
            sgemvRows(n, k, alpha, b, bOff, bCs, a, aOff, aCs, c, cOff, 1, accumulate);
        } else if (work <= TINY || m == 1 && n == 1) {
            sgemmSimple(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        } else if (n < NARROW && m > n) {
            // C^T = B^T A^T: the kernel vectorizes along C's columns, so make the long side columns.
            sgemmPacked(n, m, k, alpha, b, bOff, bCs, bRs, a, aOff, aCs, aRs, c, cOff, 1, ldc, accumulate);
        } else {
            sgemmPacked(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        }
    }

    /** The float64 twin of {@link #sgemm}; same layout rules and edge cases. */
    public static void dgemm(int m, int n, int k, double alpha, double[] a, int aOff, int aRs, int aCs,
                             double[] b, int bOff, int bRs, int bCs, double[] c, int cOff, int ldc, boolean accumulate) {
        checkSizes(m, n, k);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0.0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0.0);
                }
            }
            return;
        }
        long work = (long) m * n * k;
        if (n == 1 && aCs == 1) {
            dgemvRows(m, k, alpha, a, aOff, aRs, b, bOff, bRs, c, cOff, ldc, accumulate);
        } else if (m == 1 && bRs == 1) {
            dgemvRows(n, k, alpha, b, bOff, bCs, a, aOff, aCs, c, cOff, 1, accumulate);
        } else if (work <= TINY || m == 1 && n == 1) {
            dgemmSimple(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        } else if (n < NARROW && m > n) {
            dgemmPacked(n, m, k, alpha, b, bOff, bCs, bRs, a, aOff, aCs, aRs, c, cOff, 1, ldc, accumulate);
        } else {
            dgemmPacked(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        }
    }

    private static void checkSizes(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: sizes must be non-negative, got m=" + m + ", n=" + n
                    + ", k=" + k);
        }
    }

    /** Splits C into one rectangle per thread: rows when C is tall, columns when it is wide. */
    private interface BlockBody {
        void run(int r0, int r1, int c0, int c1);
    }

    private static void splitAcrossThreads(int m, int n, long work, BlockBody body) {
        if (work < PARALLEL_MIN || Parallel.threads() <= 1) {
            body.run(0, m, 0, n);
        } else if (m >= n) {
            Parallel.forRange((m + TB - 1) / TB, 1, (lo, hi) -> body.run(lo * TB, Math.min(m, hi * TB), 0, n));
        } else {
            // 16 columns keep each thread's panels a whole number of AVX-512 float vectors.
            Parallel.forRange((n + 15) / 16, 1, (lo, hi) -> body.run(0, m, lo * 16, Math.min(n, hi * 16)));
        }
    }

    /** Splits {@code width} columns into equal panels of at most {@code nb}, rounded to 16. */
    private static int panelWidth(int width, int nb) {
        int panels = (width + nb - 1) / nb;
        return Math.min(nb, ((width + panels - 1) / panels + 15) & ~15);
    }

    // ---------------------------------------------------------------------------------- float

    /** Per-thread packing buffers, grown on demand and reused across calls. */
    private static final class FloatWork {
        float[][] bRows = new float[0][];
        float[] aPack = new float[0];
        final float[][] tile = new float[TB][S_NB];
        float[] vector = new float[0];

        float[][] rows(int count) {
            if (bRows.length < count) {
                float[][] grown = Arrays.copyOf(bRows, count);
                for (int i = bRows.length; i < count; i++) {
                    grown[i] = new float[S_NB];
                }
                bRows = grown;
            }
            return bRows;
        }

        float[] aPack(int size) {
            if (aPack.length < size) {
                aPack = new float[size];
            }
            return aPack;
        }
    }

    private static void sgemmPacked(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs,
                                    float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                                    boolean accumulate) {
        splitAcrossThreads(m, n, (long) m * n * k, (r0, r1, c0, c1) -> sgemmBlock(r0, r1, c0, c1, k, alpha,
                a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate));
    }

    /** Computes the rectangle rows [r0,r1) x columns [c0,c1) of C on the calling thread. */
    private static void sgemmBlock(int r0, int r1, int c0, int c1, int k, float alpha, float[] a, int aOff,
                                   int aRs, int aCs, float[] b, int bOff, int bRs, int bCs, float[] c, int cOff,
                                   int cRs, int cCs, boolean accumulate) {
        FloatWork work = FLOAT_WORK.get();
        float[][] tile = work.tile;
        for (int jc = c0; jc < c1; jc += S_NC) {
            int nc = Math.min(S_NC, c1 - jc);
            int pw = panelWidth(nc, S_NB);
            int panels = (nc + pw - 1) / pw;
            float[][] rows = work.rows(panels * Math.min(S_KC, k));
            for (int pc = 0; pc < k; pc += S_KC) {
                int kc = Math.min(S_KC, k - pc);
                boolean add = accumulate || pc > 0;
                for (int q = 0; q < panels; q++) {
                    int j0 = jc + q * pw;
                    packRows(b, bOff + pc * bRs + j0 * bCs, bRs, bCs, kc, Math.min(pw, jc + nc - j0), rows, q * kc);
                }
                for (int ic = r0; ic < r1; ic += S_MC) {
                    int mc = Math.min(S_MC, r1 - ic);
                    float[] ap = work.aPack(mc * kc);
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
    private static void tileProduct(float[][] tile, int tb, int nb, float[] ap, int ao, int kc, float[][] rows,
                                    int rb) {
        for (int i = 0; i < tb; i++) {
            Arrays.fill(tile[i], 0, nb, 0f);
        }
        int p = 0;
        for (; p + U <= kc; p += U) {
            float[] b0 = rows[rb + p];
            float[] b1 = rows[rb + p + 1];
            float[] b2 = rows[rb + p + 2];
            float[] b3 = rows[rb + p + 3];
            float[] b4 = rows[rb + p + 4];
            float[] b5 = rows[rb + p + 5];
            float[] b6 = rows[rb + p + 6];
            float[] b7 = rows[rb + p + 7];
            for (int i = 0, o = ao + p; i < tb; i++, o += kc) {
                kernel8(tile[i], nb, b0, b1, b2, b3, b4, b5, b6, b7,
                        ap[o], ap[o + 1], ap[o + 2], ap[o + 3], ap[o + 4], ap[o + 5], ap[o + 6], ap[o + 7]);
            }
        }
        if (p + 4 <= kc) {
            float[] b0 = rows[rb + p];
            float[] b1 = rows[rb + p + 1];
            float[] b2 = rows[rb + p + 2];
            float[] b3 = rows[rb + p + 3];
            for (int i = 0, o = ao + p; i < tb; i++, o += kc) {
                kernel4(tile[i], nb, b0, b1, b2, b3, ap[o], ap[o + 1], ap[o + 2], ap[o + 3]);
            }
            p += 4;
        }
        for (; p < kc; p++) {
            float[] b0 = rows[rb + p];
            for (int i = 0, o = ao + p; i < tb; i++, o += kc) {
                kernel1(tile[i], nb, b0, ap[o]);
            }
        }
    }

    // The kernels index every array with the bare loop variable and nothing else: that is what
    // lets SuperWord prove the accesses line up and turn the loop into vector multiplies and adds.
    private static void kernel8(float[] t, int nb, float[] b0, float[] b1, float[] b2, float[] b3, float[] b4,
                                float[] b5, float[] b6, float[] b7, float x0, float x1, float x2, float x3,
                                float x4, float x5, float x6, float x7) {
        for (int j = 0; j < nb; j++) {
            t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j]
                    + x4 * b4[j] + x5 * b5[j] + x6 * b6[j] + x7 * b7[j];
        }
    }

    private static void kernel4(float[] t, int nb, float[] b0, float[] b1, float[] b2, float[] b3,
                                float x0, float x1, float x2, float x3) {
        for (int j = 0; j < nb; j++) {
            t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j];
        }
    }

    private static void kernel1(float[] t, int nb, float[] b0, float x0) {
        for (int j = 0; j < nb; j++) {
            t[j] += x0 * b0[j];
        }
    }

    /** Copies a kc x nb block (strides rs, cs) into rows[rb + p][0..nb). */
    private static void packRows(float[] src, int off, int rs, int cs, int kc, int nb, float[][] rows, int rb) {
        if (cs == 1) {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(src, off + p * rs, rows[rb + p], 0, nb);
            }
        } else if (cs == 0) {
            for (int p = 0; p < kc; p++) {
                Arrays.fill(rows[rb + p], 0, nb, src[off + p * rs]);
            }
        } else if (Math.abs(rs) < Math.abs(cs)) {
            // Transposed source: walk it along its contiguous direction; the kc destination rows
            // being written stay in L1 (kc lines), so the scattered stores are cheap.
            for (int j = 0; j < nb; j++) {
                for (int p = 0, o = off + j * cs; p < kc; p++, o += rs) {
                    rows[rb + p][j] = src[o];
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                float[] row = rows[rb + p];
                for (int j = 0, o = off + p * rs; j < nb; j++, o += cs) {
                    row[j] = src[o];
                }
            }
        }
    }

    /** Copies an mc x kc block (strides rs, cs) into ap[i*kc + p]. */
    private static void packA(float[] src, int off, int rs, int cs, int mc, int kc, float[] ap) {
        if (cs == 1) {
            for (int i = 0; i < mc; i++) {
                System.arraycopy(src, off + i * rs, ap, i * kc, kc);
            }
        } else if (Math.abs(rs) < Math.abs(cs)) {
            for (int p = 0; p < kc; p++) {
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
    private static void store(float[] t, int nb, float alpha, boolean add, float[] c, int co, int cs) {
        if (cs == 1) {
            if (add) {
                for (int j = 0; j < nb; j++) {
                    c[co + j] += alpha * t[j];
                }
            } else if (alpha == 1f) {
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

    /** Plain loops for tiny products, where packing would cost more than the arithmetic. */
    private static void sgemmSimple(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs,
                                    float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                                    boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = alpha * dot(k, a, aOff + i * aRs, aCs, b, bOff + j * bCs, bRs);
                int o = cOff + i * cRs + j * cCs;
                c[o] = accumulate ? c[o] + s : s;
            }
        }
    }

    private static float dot(int k, float[] x, int xo, int xs, float[] y, int yo, int ys) {
        // Four partial sums hide the add latency; the JIT cannot reorder float adds itself.
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
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
     * Matrix-vector products stream A once, so they are bound by memory: dot products, four rows
     * at a time to share each load of x, are as fast as packing and skip its extra pass.
     */
    private static void sgemvRows(int m, int k, float alpha, float[] a, int aOff, int aRs, float[] x, int xOff,
                                  int xs, float[] y, int yOff, int ys, boolean accumulate) {
        float[] xv = x;
        int xo = xOff;
        if (xs != 1) {
            FloatWork work = FLOAT_WORK.get();
            if (work.vector.length < k) {
                work.vector = new float[k];
            }
            xv = work.vector;
            xo = 0;
            for (int p = 0; p < k; p++) {
                xv[p] = x[xOff + p * xs];
            }
        }
        float[] xc = xv;
        int xc0 = xo;
        Parallel.RangeBody rows = (lo, hi) -> {
            int i = lo;
            for (; i + 4 <= hi; i += 4) {
                int a0 = aOff + i * aRs;
                int a1 = a0 + aRs;
                int a2 = a1 + aRs;
                int a3 = a2 + aRs;
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                float s3 = 0f;
                for (int p = 0; p < k; p++) {
                    float v = xc[xc0 + p];
                    s0 += a[a0 + p] * v;
                    s1 += a[a1 + p] * v;
                    s2 += a[a2 + p] * v;
                    s3 += a[a3 + p] * v;
                }
                int o = yOff + i * ys;
                storeOne(y, o, alpha * s0, accumulate);
                storeOne(y, o + ys, alpha * s1, accumulate);
                storeOne(y, o + 2 * ys, alpha * s2, accumulate);
                storeOne(y, o + 3 * ys, alpha * s3, accumulate);
            }
            for (; i < hi; i++) {
                storeOne(y, yOff + i * ys, alpha * dot(k, a, aOff + i * aRs, 1, xc, xc0, 1), accumulate);
            }
        };
        if ((long) m * k < PARALLEL_MIN) {
            rows.apply(0, m);
        } else {
            Parallel.forRange(m, Math.max(4, GEMV_GRAIN / k), rows);
        }
    }

    private static void storeOne(float[] y, int o, float v, boolean accumulate) {
        y[o] = accumulate ? y[o] + v : v;
    }

    // --------------------------------------------------------------------------------- double
    // The float64 path mirrors the float path line for line; only the element type and block
    // sizes differ. Keep the two in step when changing either.

    private static final class DoubleWork {
        double[][] bRows = new double[0][];
        double[] aPack = new double[0];
        final double[][] tile = new double[TB][D_NB];
        double[] vector = new double[0];

        double[][] rows(int count) {
            if (bRows.length < count) {
                double[][] grown = Arrays.copyOf(bRows, count);
                for (int i = bRows.length; i < count; i++) {
                    grown[i] = new double[D_NB];
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

    private static void dgemmPacked(int m, int n, int k, double alpha, double[] a, int aOff, int aRs, int aCs,
                                    double[] b, int bOff, int bRs, int bCs, double[] c, int cOff, int cRs, int cCs,
                                    boolean accumulate) {
        splitAcrossThreads(m, n, (long) m * n * k, (r0, r1, c0, c1) -> dgemmBlock(r0, r1, c0, c1, k, alpha,
                a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate));
    }

    private static void dgemmBlock(int r0, int r1, int c0, int c1, int k, double alpha, double[] a, int aOff,
                                   int aRs, int aCs, double[] b, int bOff, int bRs, int bCs, double[] c, int cOff,
                                   int cRs, int cCs, boolean accumulate) {
        DoubleWork work = DOUBLE_WORK.get();
        double[][] tile = work.tile;
        for (int jc = c0; jc < c1; jc += D_NC) {
            int nc = Math.min(D_NC, c1 - jc);
            int pw = panelWidth(nc, D_NB);
            int panels = (nc + pw - 1) / pw;
            double[][] rows = work.rows(panels * Math.min(D_KC, k));
            for (int pc = 0; pc < k; pc += D_KC) {
                int kc = Math.min(D_KC, k - pc);
                boolean add = accumulate || pc > 0;
                for (int q = 0; q < panels; q++) {
                    int j0 = jc + q * pw;
                    packRows(b, bOff + pc * bRs + j0 * bCs, bRs, bCs, kc, Math.min(pw, jc + nc - j0), rows, q * kc);
                }
                for (int ic = r0; ic < r1; ic += D_MC) {
                    int mc = Math.min(D_MC, r1 - ic);
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

    private static void tileProduct(double[][] tile, int tb, int nb, double[] ap, int ao, int kc, double[][] rows,
                                    int rb) {
        for (int i = 0; i < tb; i++) {
            Arrays.fill(tile[i], 0, nb, 0.0);
        }
        int p = 0;
        for (; p + U <= kc; p += U) {
            double[] b0 = rows[rb + p];
            double[] b1 = rows[rb + p + 1];
            double[] b2 = rows[rb + p + 2];
            double[] b3 = rows[rb + p + 3];
            double[] b4 = rows[rb + p + 4];
            double[] b5 = rows[rb + p + 5];
            double[] b6 = rows[rb + p + 6];
            double[] b7 = rows[rb + p + 7];
            for (int i = 0, o = ao + p; i < tb; i++, o += kc) {
                kernel8(tile[i], nb, b0, b1, b2, b3, b4, b5, b6, b7,
                        ap[o], ap[o + 1], ap[o + 2], ap[o + 3], ap[o + 4], ap[o + 5], ap[o + 6], ap[o + 7]);
            }
        }
        if (p + 4 <= kc) {
            double[] b0 = rows[rb + p];
            double[] b1 = rows[rb + p + 1];
            double[] b2 = rows[rb + p + 2];
            double[] b3 = rows[rb + p + 3];
            for (int i = 0, o = ao + p; i < tb; i++, o += kc) {
                kernel4(tile[i], nb, b0, b1, b2, b3, ap[o], ap[o + 1], ap[o + 2], ap[o + 3]);
            }
            p += 4;
        }
        for (; p < kc; p++) {
            double[] b0 = rows[rb + p];
            for (int i = 0, o = ao + p; i < tb; i++, o += kc) {
                kernel1(tile[i], nb, b0, ap[o]);
            }
        }
    }

    private static void kernel8(double[] t, int nb, double[] b0, double[] b1, double[] b2, double[] b3,
                                double[] b4, double[] b5, double[] b6, double[] b7, double x0, double x1,
                                double x2, double x3, double x4, double x5, double x6, double x7) {
        for (int j = 0; j < nb; j++) {
            t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j]
                    + x4 * b4[j] + x5 * b5[j] + x6 * b6[j] + x7 * b7[j];
        }
    }

    private static void kernel4(double[] t, int nb, double[] b0, double[] b1, double[] b2, double[] b3,
                                double x0, double x1, double x2, double x3) {
        for (int j = 0; j < nb; j++) {
            t[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j];
        }
    }

    private static void kernel1(double[] t, int nb, double[] b0, double x0) {
        for (int j = 0; j < nb; j++) {
            t[j] += x0 * b0[j];
        }
    }

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
            for (int j = 0; j < nb; j++) {
                for (int p = 0, o = off + j * cs; p < kc; p++, o += rs) {
                    rows[rb + p][j] = src[o];
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

    private static void packA(double[] src, int off, int rs, int cs, int mc, int kc, double[] ap) {
        if (cs == 1) {
            for (int i = 0; i < mc; i++) {
                System.arraycopy(src, off + i * rs, ap, i * kc, kc);
            }
        } else if (Math.abs(rs) < Math.abs(cs)) {
            for (int p = 0; p < kc; p++) {
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

    private static void dgemmSimple(int m, int n, int k, double alpha, double[] a, int aOff, int aRs, int aCs,
                                    double[] b, int bOff, int bRs, int bCs, double[] c, int cOff, int cRs, int cCs,
                                    boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = alpha * dot(k, a, aOff + i * aRs, aCs, b, bOff + j * bCs, bRs);
                int o = cOff + i * cRs + j * cCs;
                c[o] = accumulate ? c[o] + s : s;
            }
        }
    }

    private static double dot(int k, double[] x, int xo, int xs, double[] y, int yo, int ys) {
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

    private static void dgemvRows(int m, int k, double alpha, double[] a, int aOff, int aRs, double[] x, int xOff,
                                  int xs, double[] y, int yOff, int ys, boolean accumulate) {
        double[] xv = x;
        int xo = xOff;
        if (xs != 1) {
            DoubleWork work = DOUBLE_WORK.get();
            if (work.vector.length < k) {
                work.vector = new double[k];
            }
            xv = work.vector;
            xo = 0;
            for (int p = 0; p < k; p++) {
                xv[p] = x[xOff + p * xs];
            }
        }
        double[] xc = xv;
        int xc0 = xo;
        Parallel.RangeBody rows = (lo, hi) -> {
            int i = lo;
            for (; i + 4 <= hi; i += 4) {
                int a0 = aOff + i * aRs;
                int a1 = a0 + aRs;
                int a2 = a1 + aRs;
                int a3 = a2 + aRs;
                double s0 = 0.0;
                double s1 = 0.0;
                double s2 = 0.0;
                double s3 = 0.0;
                for (int p = 0; p < k; p++) {
                    double v = xc[xc0 + p];
                    s0 += a[a0 + p] * v;
                    s1 += a[a1 + p] * v;
                    s2 += a[a2 + p] * v;
                    s3 += a[a3 + p] * v;
                }
                int o = yOff + i * ys;
                storeOne(y, o, alpha * s0, accumulate);
                storeOne(y, o + ys, alpha * s1, accumulate);
                storeOne(y, o + 2 * ys, alpha * s2, accumulate);
                storeOne(y, o + 3 * ys, alpha * s3, accumulate);
            }
            for (; i < hi; i++) {
                storeOne(y, yOff + i * ys, alpha * dot(k, a, aOff + i * aRs, 1, xc, xc0, 1), accumulate);
            }
        };
        if ((long) m * k < PARALLEL_MIN) {
            rows.apply(0, m);
        } else {
            Parallel.forRange(m, Math.max(4, GEMV_GRAIN / k), rows);
        }
    }

    private static void storeOne(double[] y, int o, double v, boolean accumulate) {
        y[o] = accumulate ? y[o] + v : v;
    }
}
