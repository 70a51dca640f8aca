package dev.walnut.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 1x1 convolution's product {@code out [cOut, hw] = W [cOut, cIn] x X [cIn, hw]} for one
 * image and a rectangle of the output, with its bias, residual and clamp, for
 * {@link VectorKernelProvider#pointwiseConvBlock}.
 *
 * <p>Through the general GEMM ({@link VectorGemm#block}) this product packed every panel of X
 * (each read once per row block: as much copying as multiplying for MobileNet v2's 16- to
 * 32-deep products) and, on 14 x 14 and 7 x 7 planes, where the GEMM computes the narrow
 * product transposed, gathered the weights into panels with a scalar strided loop on every
 * call and stored every tile through the scalar edge path (C's column stride there is the plane
 * size). Profiled at batch 1 on one thread: the tile kernel 26% of the model, packing B 14%,
 * packing A 6%, the edge stores and their bounds checks 11%. Here X is read in place by the tile
 * (a panel is {@code NR} floats of each of the {@code cIn} rows, which stay in L1/L2 while every
 * weight panel passes over them); W is packed once per rectangle when many column tiles reuse
 * it and read in place otherwise ({@link #IN_PLACE_COLUMNS}); the ragged edges are done by
 * shifting the last tile back so that it ends on the rectangle's edge: its overlap with the tile
 * before is computed again, with the same bits, and stored again; and the epilogue (bias,
 * residual, clamp) is applied to the sums in registers (with k in more than one block, to the
 * tile's rows in L1 after the last block).
 *
 * <p>Same bits as the GEMM path: each output is the sum over k blocks of {@code kc} of a fused
 * multiply-add chain from zero in k order (the GEMM's tile), the blocks' sums added in order,
 * then {@code + bias}, {@code + residual} and {@code min(max(v, lo), hi)}, each rounded as the
 * separate passes round it.
 */
final class VectorPointwiseConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 8;
    private static final int NR = 2 * L;
    /**
     * Widest rectangle (in columns) whose weight rows the tiles read in place instead of packing
     * them: packed A pays only when many column tiles reuse it. Measured at batch 1 (one thread,
     * GFLOP/s packed / in place): 7 x 7 planes (2 tiles) 95-100 / 113-128, 14 x 14 (4-7 tiles)
     * 124-152 / 141-152, 28 x 28 (11-25 tiles) about equal, 56 x 56 and 112 x 112 (14-128 tiles)
     * 100-158 / 82-130.
     */
    private static final int IN_PLACE_COLUMNS = 8 * NR;
    /** What a tile does with its sums: stores them, adds them to C, or stores them with the epilogue applied. */
    private static final int SET = 0;
    private static final int ADD = 1;
    private static final int FUSED = 2;
    private static final int FUSED_RESIDUAL = 3;

    /** The calling thread's packed weight rows ({@link #pack}), grown on demand (rows x cIn floats). */
    private static final ThreadLocal<float[][]> PACK = ThreadLocal.withInitial(() -> new float[1][0]);

    private VectorPointwiseConv() {
    }

    /** Fewest rows and columns of a rectangle {@link #block} takes: one tile's height, one vector's width. */
    static boolean fits(int rows, int columns) {
        return rows >= MR && columns >= L;
    }

    /**
     * Rows {@code [o0, o1)} x columns {@code [q0, q1)} of one image's output ({@code o1 - o0 >= 8},
     * {@code q1 - q0 >=} one vector; see {@link #fits}): X element (c, q) at {@code x[xb + c*hw + q]},
     * output (o, q) at {@code out[ob + o*hw + q]}, residual (null for none) at the output's index
     * plus {@code rOff}, bias null or {@code [cOut]}; k summed in blocks of {@code kc}.
     */
    static void block(float[] w, int cIn, int o0, int o1, float[] x, int xb, int hw, int q0, int q1, float[] bias,
                      float[] residual, int rOff, float lo, float hi, float[] out, int ob, int kc) {
        int panels = (o1 - o0 + MR - 1) / MR;
        boolean inPlace = q1 - q0 <= IN_PLACE_COLUMNS;
        float[] ap = inPlace ? null : pack(w, cIn, o0, o1, panels);
        for (int q = q0, width; q < q1; q += width) {
            boolean half = q1 - q <= L || q1 - q0 < NR;
            width = half ? L : NR;
            // The last tile ends on column q1 (see the class comment).
            int qq = Math.min(q, q1 - width);
            for (int s = 0; s < panels; s++) {
                int r = Math.min(o0 + s * MR, o1 - MR);
                int co = ob + r * hw + qq;
                // One k block: the epilogue on the sums in registers. More: the blocks' sums go
                // through C, and the epilogue runs on the tile's rows after the last one.
                boolean oneBlock = cIn <= kc;
                for (int pc = 0; pc < cIn; pc += kc) {
                    int kb = Math.min(kc, cIn - pc);
                    int bo = xb + pc * hw + qq;
                    int mode = oneBlock ? (residual == null ? FUSED : FUSED_RESIDUAL) : pc > 0 ? ADD : SET;
                    // A packed, or its rows read in place (see IN_PLACE_COLUMNS).
                    float[] a = inPlace ? w : ap;
                    int ao = inPlace ? r * cIn + pc : (s * cIn + pc) * MR;
                    int rowStep = inPlace ? cIn : 1;
                    int kStep = inPlace ? 1 : MR;
                    if (half) {
                        tileHalf(kb, a, ao, rowStep, kStep, x, bo, hw, mode, out, co, hw, bias, r, residual, rOff, lo,
                                hi);
                    } else {
                        tile(kb, a, ao, rowStep, kStep, x, bo, hw, mode, out, co, hw, bias, r, residual, rOff, lo, hi);
                    }
                }
                if (!oneBlock) {
                    epilogue(out, co, hw, width, bias, r, residual, rOff, lo, hi);
                }
            }
        }
    }

    /**
     * Weight rows {@code [o0, o1)} as {@code panels} panels of 8 rows, k-major ({@code ap[(s*cIn + p)*8 + i]}),
     * the last panel ending on row o1 (it may overlap the one before: computed twice, same bits),
     * in the calling thread's buffer.
     */
    private static float[] pack(float[] w, int cIn, int o0, int o1, int panels) {
        float[][] holder = PACK.get();
        if (holder[0].length < panels * MR * cIn) {
            holder[0] = new float[panels * MR * cIn];
        }
        float[] ap = holder[0];
        for (int s = 0; s < panels; s++) {
            int r = Math.min(o0 + s * MR, o1 - MR);
            int base = s * cIn * MR;
            for (int i = 0; i < MR; i++) {
                for (int p = 0, src = (r + i) * cIn, d = base + i; p < cIn; p++, d += MR) {
                    ap[d] = w[src + p];
                }
            }
        }
        return ap;
    }

    /**
     * The tile's rows {@code out[co + i*ldc .. + width)}, i < 8: {@code + bias[r + i]} (when bias is
     * not null), {@code + residual} (when not null), then clamped, as the separate passes do it.
     */
    private static void epilogue(float[] out, int co, int ldc, int width, float[] bias, int r, float[] residual,
                                 int rOff, float lo, float hi) {
        // One short pass per step over the tile (in L1) rather than one pass with steps chosen per
        // vector: a vector merged from branches loses its exact class, and its store is then boxed
        // on JDK 17 (see VectorGemm.kernel).
        if (bias != null) {
            for (int i = 0; i < MR; i++) {
                float b = bias[r + i];
                for (int j = 0, o = co + i * ldc; j < width; j += L) {
                    FloatVector.fromArray(S, out, o + j).add(b).intoArray(out, o + j);
                }
            }
        }
        if (residual != null) {
            for (int i = 0; i < MR; i++) {
                for (int j = 0, o = co + i * ldc; j < width; j += L) {
                    FloatVector.fromArray(S, out, o + j).add(FloatVector.fromArray(S, residual, o + j + rOff))
                            .intoArray(out, o + j);
                }
            }
        }
        boolean clampLo = lo != Float.NEGATIVE_INFINITY;
        boolean clampHi = hi != Float.POSITIVE_INFINITY;
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        for (int i = 0; clampLo || clampHi ? i < MR : false; i++) {
            for (int j = 0, o = co + i * ldc; j < width; j += L) {
                if (clampLo && clampHi) {
                    FloatVector.fromArray(S, out, o + j).max(vlo).min(vhi).intoArray(out, o + j);
                } else if (clampLo) {
                    FloatVector.fromArray(S, out, o + j).max(vlo).intoArray(out, o + j);
                } else {
                    FloatVector.fromArray(S, out, o + j).min(vhi).intoArray(out, o + j);
                }
            }
        }
    }

    /**
     * {@code C[i][0..NR)} for the tile's 8 rows:
     * {@code sum_p a[ao + i*rowStep + p*kStep] * b[bo + p*bRs + 0..NR)}, A packed ({@code rowStep}
     * 1, {@code kStep} 8) or its rows read in place ({@code rowStep} cIn, {@code kStep} 1), B read
     * in place (row stride {@code bRs}), C row i at {@code c[co + i*ldc]}; {@code VectorGemm.kernel}'s
     * 8 x 2L tile and its operations in its order. {@code mode}: {@link #SET} stores the sums,
     * {@link #ADD} adds them to C (the k blocks after the first), {@link #FUSED} and
     * {@link #FUSED_RESIDUAL} store {@code min(max(sum + bias[r + i] (+ residual), lo), hi)}.
     */
    private static void tile(int kc, float[] a, int ao, int rowStep, int kStep, float[] b, int bo, int bRs, int mode,
                             float[] c, int co, int ldc, float[] bias, int r, float[] residual, int rOff, float lo,
                             float hi) {
        // One method per store: the four stores in one (3.2 KB of bytecode) were more than C1
        // compiles ("out of virtual registers in LIR generator"), so every deoptimisation of its C2
        // code (a mode seen for the first time) sent it back to the interpreter, where the Vector
        // API runs some 40x slower; in one JMH fork of 19 C2 then gave up on it and mobilenet_v2 ran
        // at 339 ms instead of 8. Each of these compiles at both tiers and sees one mode.
        if (mode == SET) {
            tileSet(kc, a, ao, rowStep, kStep, b, bo, bRs, c, co, ldc);
        } else if (mode == ADD) {
            tileAdd(kc, a, ao, rowStep, kStep, b, bo, bRs, c, co, ldc);
        } else if (mode == FUSED) {
            tileFused(kc, a, ao, rowStep, kStep, b, bo, bRs, c, co, ldc, bias, r, lo, hi);
        } else {
            tileResidual(kc, a, ao, rowStep, kStep, b, bo, bRs, c, co, ldc, bias, r, residual, rOff, lo, hi);
        }
    }

    /** {@link #tile} for {@link #SET}. */
    private static void tileSet(int kc, float[] a, int ao, int rowStep, int kStep, float[] b, int bo, int bRs,
                                float[] c, int co, int ldc) {
        int a0 = ao;
        int a1 = a0 + rowStep;
        int a2 = a1 + rowStep;
        int a3 = a2 + rowStep;
        int a4 = a3 + rowStep;
        int a5 = a4 + rowStep;
        int a6 = a5 + rowStep;
        int a7 = a6 + rowStep;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * bRs;
            int ai = p * kStep;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ai]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ai]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ai]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ai]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + ai]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + ai]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + ai]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // Written out, every vector stored from a receiver of known class (a broadcast or a loaded
        // row), each branch storing its own results: see VectorGemm.kernel for the boxed stores a
        // helper method or a value merged from branches brought on JDK 17. 1 * sum and C + sum round
        // as the GEMM's alpha.mul(sum) and alpha.fma(sum, C) with alpha 1 do (1 * sum keeps a sum of
        // -0.0, which 0 + sum would not); bias + sum and the clamp as the separate passes do. A
        // missing bias is -0.0, which adds exactly nothing; infinite bounds clamp nothing.
        FloatVector one = FloatVector.broadcast(S, 1f);
        one.mul(c00).intoArray(c, co);
        one.mul(c01).intoArray(c, co + L);
        one.mul(c10).intoArray(c, co + ldc);
        one.mul(c11).intoArray(c, co + ldc + L);
        one.mul(c20).intoArray(c, co + 2 * ldc);
        one.mul(c21).intoArray(c, co + 2 * ldc + L);
        one.mul(c30).intoArray(c, co + 3 * ldc);
        one.mul(c31).intoArray(c, co + 3 * ldc + L);
        one.mul(c40).intoArray(c, co + 4 * ldc);
        one.mul(c41).intoArray(c, co + 4 * ldc + L);
        one.mul(c50).intoArray(c, co + 5 * ldc);
        one.mul(c51).intoArray(c, co + 5 * ldc + L);
        one.mul(c60).intoArray(c, co + 6 * ldc);
        one.mul(c61).intoArray(c, co + 6 * ldc + L);
        one.mul(c70).intoArray(c, co + 7 * ldc);
        one.mul(c71).intoArray(c, co + 7 * ldc + L);
    }

    /** {@link #tile} for {@link #ADD}. */
    private static void tileAdd(int kc, float[] a, int ao, int rowStep, int kStep, float[] b, int bo, int bRs,
                                float[] c, int co, int ldc) {
        int a0 = ao;
        int a1 = a0 + rowStep;
        int a2 = a1 + rowStep;
        int a3 = a2 + rowStep;
        int a4 = a3 + rowStep;
        int a5 = a4 + rowStep;
        int a6 = a5 + rowStep;
        int a7 = a6 + rowStep;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * bRs;
            int ai = p * kStep;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ai]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ai]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ai]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ai]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + ai]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + ai]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + ai]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // Stored as tileSet's comment says.
        FloatVector.fromArray(S, c, co).add(c00).intoArray(c, co);
        FloatVector.fromArray(S, c, co + L).add(c01).intoArray(c, co + L);
        FloatVector.fromArray(S, c, co + ldc).add(c10).intoArray(c, co + ldc);
        FloatVector.fromArray(S, c, co + ldc + L).add(c11).intoArray(c, co + ldc + L);
        FloatVector.fromArray(S, c, co + 2 * ldc).add(c20).intoArray(c, co + 2 * ldc);
        FloatVector.fromArray(S, c, co + 2 * ldc + L).add(c21).intoArray(c, co + 2 * ldc + L);
        FloatVector.fromArray(S, c, co + 3 * ldc).add(c30).intoArray(c, co + 3 * ldc);
        FloatVector.fromArray(S, c, co + 3 * ldc + L).add(c31).intoArray(c, co + 3 * ldc + L);
        FloatVector.fromArray(S, c, co + 4 * ldc).add(c40).intoArray(c, co + 4 * ldc);
        FloatVector.fromArray(S, c, co + 4 * ldc + L).add(c41).intoArray(c, co + 4 * ldc + L);
        FloatVector.fromArray(S, c, co + 5 * ldc).add(c50).intoArray(c, co + 5 * ldc);
        FloatVector.fromArray(S, c, co + 5 * ldc + L).add(c51).intoArray(c, co + 5 * ldc + L);
        FloatVector.fromArray(S, c, co + 6 * ldc).add(c60).intoArray(c, co + 6 * ldc);
        FloatVector.fromArray(S, c, co + 6 * ldc + L).add(c61).intoArray(c, co + 6 * ldc + L);
        FloatVector.fromArray(S, c, co + 7 * ldc).add(c70).intoArray(c, co + 7 * ldc);
        FloatVector.fromArray(S, c, co + 7 * ldc + L).add(c71).intoArray(c, co + 7 * ldc + L);
    }

    /** {@link #tile} for {@link #FUSED}. */
    private static void tileFused(int kc, float[] a, int ao, int rowStep, int kStep, float[] b, int bo, int bRs,
                                  float[] c, int co, int ldc, float[] bias, int r, float lo, float hi) {
        int a0 = ao;
        int a1 = a0 + rowStep;
        int a2 = a1 + rowStep;
        int a3 = a2 + rowStep;
        int a4 = a3 + rowStep;
        int a5 = a4 + rowStep;
        int a6 = a5 + rowStep;
        int a7 = a6 + rowStep;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * bRs;
            int ai = p * kStep;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ai]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ai]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ai]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ai]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + ai]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + ai]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + ai]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // Stored as tileSet's comment says.
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        FloatVector v0 = FloatVector.broadcast(S, bias == null ? -0f : bias[r]);
        v0.add(c00).max(vlo).min(vhi).intoArray(c, co);
        v0.add(c01).max(vlo).min(vhi).intoArray(c, co + L);
        FloatVector v1 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 1]);
        v1.add(c10).max(vlo).min(vhi).intoArray(c, co + ldc);
        v1.add(c11).max(vlo).min(vhi).intoArray(c, co + ldc + L);
        FloatVector v2 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 2]);
        v2.add(c20).max(vlo).min(vhi).intoArray(c, co + 2 * ldc);
        v2.add(c21).max(vlo).min(vhi).intoArray(c, co + 2 * ldc + L);
        FloatVector v3 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 3]);
        v3.add(c30).max(vlo).min(vhi).intoArray(c, co + 3 * ldc);
        v3.add(c31).max(vlo).min(vhi).intoArray(c, co + 3 * ldc + L);
        FloatVector v4 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 4]);
        v4.add(c40).max(vlo).min(vhi).intoArray(c, co + 4 * ldc);
        v4.add(c41).max(vlo).min(vhi).intoArray(c, co + 4 * ldc + L);
        FloatVector v5 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 5]);
        v5.add(c50).max(vlo).min(vhi).intoArray(c, co + 5 * ldc);
        v5.add(c51).max(vlo).min(vhi).intoArray(c, co + 5 * ldc + L);
        FloatVector v6 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 6]);
        v6.add(c60).max(vlo).min(vhi).intoArray(c, co + 6 * ldc);
        v6.add(c61).max(vlo).min(vhi).intoArray(c, co + 6 * ldc + L);
        FloatVector v7 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 7]);
        v7.add(c70).max(vlo).min(vhi).intoArray(c, co + 7 * ldc);
        v7.add(c71).max(vlo).min(vhi).intoArray(c, co + 7 * ldc + L);
    }

    /** {@link #tile} for {@link #FUSED_RESIDUAL}. */
    private static void tileResidual(int kc, float[] a, int ao, int rowStep, int kStep, float[] b, int bo, int bRs,
                                     float[] c, int co, int ldc, float[] bias, int r, float[] residual, int rOff,
                                     float lo, float hi) {
        int a0 = ao;
        int a1 = a0 + rowStep;
        int a2 = a1 + rowStep;
        int a3 = a2 + rowStep;
        int a4 = a3 + rowStep;
        int a5 = a4 + rowStep;
        int a6 = a5 + rowStep;
        int a7 = a6 + rowStep;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * bRs;
            int ai = p * kStep;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ai]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ai]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ai]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ai]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + ai]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + ai]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + ai]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // Stored as tileSet's comment says.
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        FloatVector v0 = FloatVector.broadcast(S, bias == null ? -0f : bias[r]);
        v0.add(c00).add(FloatVector.fromArray(S, residual, co + rOff)).max(vlo).min(vhi)
                .intoArray(c, co);
        v0.add(c01).add(FloatVector.fromArray(S, residual, co + L + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + L);
        FloatVector v1 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 1]);
        v1.add(c10).add(FloatVector.fromArray(S, residual, co + ldc + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + ldc);
        v1.add(c11).add(FloatVector.fromArray(S, residual, co + ldc + L + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + ldc + L);
        FloatVector v2 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 2]);
        v2.add(c20).add(FloatVector.fromArray(S, residual, co + 2 * ldc + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 2 * ldc);
        v2.add(c21).add(FloatVector.fromArray(S, residual, co + 2 * ldc + L + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 2 * ldc + L);
        FloatVector v3 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 3]);
        v3.add(c30).add(FloatVector.fromArray(S, residual, co + 3 * ldc + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 3 * ldc);
        v3.add(c31).add(FloatVector.fromArray(S, residual, co + 3 * ldc + L + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 3 * ldc + L);
        FloatVector v4 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 4]);
        v4.add(c40).add(FloatVector.fromArray(S, residual, co + 4 * ldc + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 4 * ldc);
        v4.add(c41).add(FloatVector.fromArray(S, residual, co + 4 * ldc + L + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 4 * ldc + L);
        FloatVector v5 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 5]);
        v5.add(c50).add(FloatVector.fromArray(S, residual, co + 5 * ldc + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 5 * ldc);
        v5.add(c51).add(FloatVector.fromArray(S, residual, co + 5 * ldc + L + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 5 * ldc + L);
        FloatVector v6 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 6]);
        v6.add(c60).add(FloatVector.fromArray(S, residual, co + 6 * ldc + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 6 * ldc);
        v6.add(c61).add(FloatVector.fromArray(S, residual, co + 6 * ldc + L + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 6 * ldc + L);
        FloatVector v7 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 7]);
        v7.add(c70).add(FloatVector.fromArray(S, residual, co + 7 * ldc + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 7 * ldc);
        v7.add(c71).add(FloatVector.fromArray(S, residual, co + 7 * ldc + L + rOff)).max(vlo).min(vhi)
                .intoArray(c, co + 7 * ldc + L);
    }

    /** {@link #tile} one vector wide: {@code C[i][0..L)}. */
    private static void tileHalf(int kc, float[] a, int ao, int rowStep, int kStep, float[] b, int bo, int bRs,
                                 int mode, float[] c, int co, int ldc, float[] bias, int r, float[] residual, int rOff,
                                 float lo, float hi) {
        int a0 = ao;
        int a1 = a0 + rowStep;
        int a2 = a1 + rowStep;
        int a3 = a2 + rowStep;
        int a4 = a3 + rowStep;
        int a5 = a4 + rowStep;
        int a6 = a5 + rowStep;
        int a7 = a6 + rowStep;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S);
        FloatVector c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S);
        FloatVector c7 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * bRs;
            int ai = p * kStep;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ai]);
            c0 = x.fma(b0, c0);
            x = FloatVector.broadcast(S, a[a1 + ai]);
            c1 = x.fma(b0, c1);
            x = FloatVector.broadcast(S, a[a2 + ai]);
            c2 = x.fma(b0, c2);
            x = FloatVector.broadcast(S, a[a3 + ai]);
            c3 = x.fma(b0, c3);
            x = FloatVector.broadcast(S, a[a4 + ai]);
            c4 = x.fma(b0, c4);
            x = FloatVector.broadcast(S, a[a5 + ai]);
            c5 = x.fma(b0, c5);
            x = FloatVector.broadcast(S, a[a6 + ai]);
            c6 = x.fma(b0, c6);
            x = FloatVector.broadcast(S, a[a7 + ai]);
            c7 = x.fma(b0, c7);
        }
        if (mode == SET) {
            FloatVector one = FloatVector.broadcast(S, 1f);
            one.mul(c0).intoArray(c, co);
            one.mul(c1).intoArray(c, co + ldc);
            one.mul(c2).intoArray(c, co + 2 * ldc);
            one.mul(c3).intoArray(c, co + 3 * ldc);
            one.mul(c4).intoArray(c, co + 4 * ldc);
            one.mul(c5).intoArray(c, co + 5 * ldc);
            one.mul(c6).intoArray(c, co + 6 * ldc);
            one.mul(c7).intoArray(c, co + 7 * ldc);
        } else if (mode == ADD) {
            FloatVector.fromArray(S, c, co).add(c0).intoArray(c, co);
            FloatVector.fromArray(S, c, co + ldc).add(c1).intoArray(c, co + ldc);
            FloatVector.fromArray(S, c, co + 2 * ldc).add(c2).intoArray(c, co + 2 * ldc);
            FloatVector.fromArray(S, c, co + 3 * ldc).add(c3).intoArray(c, co + 3 * ldc);
            FloatVector.fromArray(S, c, co + 4 * ldc).add(c4).intoArray(c, co + 4 * ldc);
            FloatVector.fromArray(S, c, co + 5 * ldc).add(c5).intoArray(c, co + 5 * ldc);
            FloatVector.fromArray(S, c, co + 6 * ldc).add(c6).intoArray(c, co + 6 * ldc);
            FloatVector.fromArray(S, c, co + 7 * ldc).add(c7).intoArray(c, co + 7 * ldc);
        } else if (mode == FUSED) {
            FloatVector vlo = FloatVector.broadcast(S, lo);
            FloatVector vhi = FloatVector.broadcast(S, hi);
            FloatVector v0 = FloatVector.broadcast(S, bias == null ? -0f : bias[r]);
            v0.add(c0).max(vlo).min(vhi).intoArray(c, co);
            FloatVector v1 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 1]);
            v1.add(c1).max(vlo).min(vhi).intoArray(c, co + ldc);
            FloatVector v2 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 2]);
            v2.add(c2).max(vlo).min(vhi).intoArray(c, co + 2 * ldc);
            FloatVector v3 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 3]);
            v3.add(c3).max(vlo).min(vhi).intoArray(c, co + 3 * ldc);
            FloatVector v4 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 4]);
            v4.add(c4).max(vlo).min(vhi).intoArray(c, co + 4 * ldc);
            FloatVector v5 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 5]);
            v5.add(c5).max(vlo).min(vhi).intoArray(c, co + 5 * ldc);
            FloatVector v6 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 6]);
            v6.add(c6).max(vlo).min(vhi).intoArray(c, co + 6 * ldc);
            FloatVector v7 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 7]);
            v7.add(c7).max(vlo).min(vhi).intoArray(c, co + 7 * ldc);
        } else {
            FloatVector vlo = FloatVector.broadcast(S, lo);
            FloatVector vhi = FloatVector.broadcast(S, hi);
            FloatVector v0 = FloatVector.broadcast(S, bias == null ? -0f : bias[r]);
            v0.add(c0).add(FloatVector.fromArray(S, residual, co + rOff)).max(vlo).min(vhi)
                    .intoArray(c, co);
            FloatVector v1 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 1]);
            v1.add(c1).add(FloatVector.fromArray(S, residual, co + ldc + rOff)).max(vlo).min(vhi)
                    .intoArray(c, co + ldc);
            FloatVector v2 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 2]);
            v2.add(c2).add(FloatVector.fromArray(S, residual, co + 2 * ldc + rOff)).max(vlo).min(vhi)
                    .intoArray(c, co + 2 * ldc);
            FloatVector v3 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 3]);
            v3.add(c3).add(FloatVector.fromArray(S, residual, co + 3 * ldc + rOff)).max(vlo).min(vhi)
                    .intoArray(c, co + 3 * ldc);
            FloatVector v4 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 4]);
            v4.add(c4).add(FloatVector.fromArray(S, residual, co + 4 * ldc + rOff)).max(vlo).min(vhi)
                    .intoArray(c, co + 4 * ldc);
            FloatVector v5 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 5]);
            v5.add(c5).add(FloatVector.fromArray(S, residual, co + 5 * ldc + rOff)).max(vlo).min(vhi)
                    .intoArray(c, co + 5 * ldc);
            FloatVector v6 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 6]);
            v6.add(c6).add(FloatVector.fromArray(S, residual, co + 6 * ldc + rOff)).max(vlo).min(vhi)
                    .intoArray(c, co + 6 * ldc);
            FloatVector v7 = FloatVector.broadcast(S, bias == null ? -0f : bias[r + 7]);
            v7.add(c7).add(FloatVector.fromArray(S, residual, co + 7 * ldc + rOff)).max(vlo).min(vhi)
                    .intoArray(c, co + 7 * ldc);
        }
    }
}
