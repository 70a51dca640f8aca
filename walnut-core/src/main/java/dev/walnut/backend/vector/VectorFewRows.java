package dev.walnut.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = A B} for an A of a few rows (a linear layer at batch 1 to 7) and a B packed once by
 * {@link VectorGemm#packAll}: each row of C is a matrix-vector product that streams the whole
 * packed B once and is bound by the bandwidth B comes from, not by multiply-adds.
 *
 * <p>Why not {@link VectorGemm}'s register tile: it computes {@link VectorGemm#MR} = 8 rows per
 * tile, so a batch-1 product did eight times the multiply-adds into a scratch tile; and a single
 * row, which the tile path never saw, went to the dot-product GEMV whose per-row sums C2 leaves
 * scalar (mobilenet_v2's 1280 -> 1000 classifier at about 8 GB/s). Here the lanes run along C's
 * row (n), as in the tile, so each row needs no horizontal sum and B is read in its packed order.
 *
 * <p>Two summation orders, so that each caller keeps the bits of the path it replaces:
 * <ul>
 *   <li>{@link #blocked}: per k block of the packing, a sum from zero by fused multiply-adds
 *       in k order, then added to C (or stored, for the first block without {@code accumulate}):
 *       exactly what {@code VectorGemm.blockPacked} gives each element (alpha = 1).</li>
 *   <li>{@link #dotOrder}: one sum over all of k in k order, each product rounded before it is
 *       added, from zero, stored: the order of {@code FloatGemm.gemvRows}, which
 *       {@code Gemm.sgemm} runs for one row times a B whose k is contiguous (a {@code [n, k]}
 *       weight read transposed).</li>
 * </ul>
 *
 * <p>Layout read (see {@link VectorGemm#packAll}): k block {@code pc} starts at
 * {@code pc * panels * NR}; in it, panel {@code q} (columns {@code q*NR ..}) at
 * {@code + q * kc * NR}, and its row p at {@code + p * NR}, zero-padded past n. C's columns past
 * n are never written. Each method takes whole panels {@code [q0, q1)}.
 */
final class VectorFewRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = VectorGemm.NR;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private VectorFewRows() {
    }

    /**
     * Rows [r0, r1) x panels [q0, q1) of C = A B in {@link VectorGemm#blockPacked}'s order (alpha
     * 1): A element (i, p) at {@code a[aOff + i*aRs + p*aCs]}, C element (i, j) at
     * {@code c[cOff + i*ldc + j]}, B of depth k and width n packed with k blocks of {@code kcMax}.
     * Rows go four, then two, then one at a time, each group sharing its loads of B.
     */
    static void blocked(int r0, int r1, int q0, int q1, int k, int n, int kcMax, float[] a, int aOff, int aRs,
                        int aCs, float[] bp, float[] c, int cOff, int ldc, boolean accumulate) {
        int panels = (n + NR - 1) / NR;
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            boolean add = accumulate || pc > 0;
            int blockBase = pc * panels * NR;
            for (int q = q0; q < q1; q++) {
                int bo = blockBase + q * kc * NR;
                int j0 = q * NR;
                int nr = Math.min(NR, n - j0);
                int i = r0;
                for (; i + 4 <= r1; i += 4) {
                    rows4(kc, a, aOff + i * aRs + pc * aCs, aRs, aCs, bp, bo, add, c, cOff + i * ldc + j0, ldc, nr);
                }
                for (; i + 2 <= r1; i += 2) {
                    rows2(kc, a, aOff + i * aRs + pc * aCs, aRs, aCs, bp, bo, add, c, cOff + i * ldc + j0, ldc, nr);
                }
                if (i < r1) {
                    rows2(kc, a, aOff + i * aRs + pc * aCs, 0, aCs, bp, bo, add, c, cOff + i * ldc + j0, 0, nr);
                }
            }
        }
    }

    /**
     * Row {@code i} of C = A B over panels [q0, q1), in {@code FloatGemm.gemvRows}'s order: for each
     * element, {@code s = 0; for p: s += a[p] * b[p]} with the product rounded first, then stored.
     * Two panels at a time, four independent sums in flight. The sums go through C (or a scratch
     * panel past n) between k blocks, which is exact; vector sums carried across the block loop
     * instead ran six times slower on JDK 17 (C2 did not keep them in registers there).
     */
    static void dotOrder(int q0, int q1, int k, int n, int kcMax, float[] a, int aOff, int aCs, float[] bp,
                         float[] c, int cOff) {
        int panels = (n + NR - 1) / NR;
        int whole = n / NR;
        float[] scratch = SCRATCH.get();
        for (int q = q0; q < q1; q += 2) {
            boolean two = q + 1 < q1;
            int last = two ? q + 1 : q;
            int j0 = q * NR;
            boolean inPlace = last < whole;
            float[] dst = inPlace ? c : scratch;
            int d = inPlace ? cOff + j0 : 0;
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                int bo = pc * panels * NR + q * kc * NR;
                if (two) {
                    dot2(kc, a, aOff + pc * aCs, aCs, bp, bo, bo + kc * NR, pc == 0, dst, d);
                } else {
                    dot1(kc, a, aOff + pc * aCs, aCs, bp, bo, pc == 0, dst, d);
                }
            }
            if (!inPlace) {
                System.arraycopy(scratch, 0, c, cOff + j0, Math.min((two ? 2 : 1) * NR, n - j0));
            }
        }
    }

    /** Per-thread panel pair for {@link #dotOrder}'s sums past n (C has no room for the padding there). */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[2 * NR]);

    /** Two panels (B at {@code bo}, {@code bo2}) of one k block, the sums from zero or from {@code d[dOff ..]}, stored there. */
    private static void dot2(int kc, float[] a, int ao, int aCs, float[] bp, int bo, int bo2, boolean first,
                             float[] d, int dOff) {
        FloatVector s0, s1, s2, s3;
        if (first) {
            s0 = FloatVector.zero(S);
            s1 = FloatVector.zero(S);
            s2 = FloatVector.zero(S);
            s3 = FloatVector.zero(S);
        } else {
            s0 = FloatVector.fromArray(S, d, dOff);
            s1 = FloatVector.fromArray(S, d, dOff + L);
            s2 = FloatVector.fromArray(S, d, dOff + NR);
            s3 = FloatVector.fromArray(S, d, dOff + NR + L);
        }
        for (int p = 0, ai = ao, bi = bo, bi2 = bo2; p < kc; p++, ai += aCs, bi += NR, bi2 += NR) {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            // The product is the receiver of the add: its class is exact (see VectorGemm.kernel).
            s0 = x.mul(FloatVector.fromArray(S, bp, bi)).add(s0);
            s1 = x.mul(FloatVector.fromArray(S, bp, bi + L)).add(s1);
            s2 = x.mul(FloatVector.fromArray(S, bp, bi2)).add(s2);
            s3 = x.mul(FloatVector.fromArray(S, bp, bi2 + L)).add(s3);
        }
        // Stored as 1 * s: a vector of exact class, and the bits of s.
        ONE.mul(s0).intoArray(d, dOff);
        ONE.mul(s1).intoArray(d, dOff + L);
        ONE.mul(s2).intoArray(d, dOff + NR);
        ONE.mul(s3).intoArray(d, dOff + NR + L);
    }

    /** {@link #dot2} for one panel. */
    private static void dot1(int kc, float[] a, int ao, int aCs, float[] bp, int bo, boolean first, float[] d,
                             int dOff) {
        FloatVector s0, s1;
        if (first) {
            s0 = FloatVector.zero(S);
            s1 = FloatVector.zero(S);
        } else {
            s0 = FloatVector.fromArray(S, d, dOff);
            s1 = FloatVector.fromArray(S, d, dOff + L);
        }
        for (int p = 0, ai = ao, bi = bo; p < kc; p++, ai += aCs, bi += NR) {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            s0 = x.mul(FloatVector.fromArray(S, bp, bi)).add(s0);
            s1 = x.mul(FloatVector.fromArray(S, bp, bi + L)).add(s1);
        }
        ONE.mul(s0).intoArray(d, dOff);
        ONE.mul(s1).intoArray(d, dOff + L);
    }

    /**
     * Four rows (A row i at {@code a[ao + i*aRs + p*aCs]}, C row i at {@code c[co + i*ldc]}) of one
     * k block of one panel: eight fused sums, then {@code c = add ? c + sum : sum}.
     */
    private static void rows4(int kc, float[] a, int ao, int aRs, int aCs, float[] bp, int bo, boolean add,
                              float[] c, int co, int ldc, int nr) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int p = 0, ai = ao, bi = bo; p < kc; p++, ai += aCs, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + aRs]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2 * aRs]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3 * aRs]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        finish(c00, c01, add, c, co, nr);
        finish(c10, c11, add, c, co + ldc, nr);
        finish(c20, c21, add, c, co + 2 * ldc, nr);
        finish(c30, c31, add, c, co + 3 * ldc, nr);
    }

    /** {@link #rows4} for two rows; with {@code aRs} and {@code ldc} 0, one row (its sums computed twice, stored once). */
    private static void rows2(int kc, float[] a, int ao, int aRs, int aCs, float[] bp, int bo, boolean add,
                              float[] c, int co, int ldc, int nr) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        for (int p = 0, ai = ao, bi = bo; p < kc; p++, ai += aCs, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + aRs]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
        }
        finish(c00, c01, add, c, co, nr);
        if (ldc != 0) {
            finish(c10, c11, add, c, co + ldc, nr);
        }
    }

    /** {@code c = add ? c + sum : sum} over the panel's {@code nr} valid columns. */
    private static void finish(FloatVector v0, FloatVector v1, boolean add, float[] c, int co, int nr) {
        if (nr == NR) {
            // The loaded C is the receiver: its class is exact (see VectorGemm.kernel).
            if (add) {
                FloatVector.fromArray(S, c, co).add(v0).intoArray(c, co);
                FloatVector.fromArray(S, c, co + L).add(v1).intoArray(c, co + L);
            } else {
                ONE.mul(v0).intoArray(c, co);
                ONE.mul(v1).intoArray(c, co + L);
            }
        } else {
            for (int j = 0; j < nr; j++) {
                float v = j < L ? v0.lane(j) : v1.lane(j - L);
                c[co + j] = add ? c[co + j] + v : v;
            }
        }
    }
}
