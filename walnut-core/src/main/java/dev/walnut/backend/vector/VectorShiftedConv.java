package dev.walnut.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-1 convolution's product read straight from its shifted input (implicit GEMM), for
 * {@link VectorKernelProvider#shiftedConvBlock}: with the input channel-major and zero-padded,
 * row {@code p = c*kh*kw + tap} of the product's right-hand side at grid column {@code q} is
 * {@code xs[q + rowOff[p]]}, a shift of channel {@code c}'s plane. The 8 x 2L register tile of
 * {@link VectorGemm#kernel} loads those two vectors directly, so nothing is copied per call:
 * {@code ShiftedGemmConvKernels} used to copy the {@code C_in*kh*kw} shifted rows of each block
 * of columns into a panel (1.2-2 MB, past L2) and the GEMM then packed that panel again, before
 * the tiles read it a third time.
 *
 * <p>Loops: k blocks of the packed A's depth outermost, then tiles of 2L columns, then the A
 * panels of 8 rows: a k block of one column tile (at most kc * 3 cache lines for a 3x3 kernel's
 * shifts of one channel row) stays in L1 while every A panel runs over it, and the k block of A
 * (rows x kc) stays in L2 across the column tiles. The caller keeps its column range small
 * enough that the C rectangle stays in L2 between k blocks. Per element of C: the same k blocks
 * in the same order, each summed in the same order and added once to C, as the packed GEMM path
 * gives it: the same bits as the panel GEMMs. One thread, resnet18's 3x3 layers at batch 1
 * (GFLOP/s of the outputs' work): 64ch 56x56 124 -> 175, 128ch 28x28 143 -> 174, 256ch 14x14
 * 139 -> 168, 512ch 7x7 112 -> 144 (whose grid rounds 49 outputs per row block to 64 columns).
 */
final class VectorShiftedConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = VectorGemm.MR;
    private static final int NR = VectorGemm.NR;

    private VectorShiftedConv() {
    }

    /**
     * {@code C[o][q] (=|+=) sum_p A[o][p] * xs[xo + q + rowOff[p]]} for rows {@code [o0, o1)} and
     * columns {@code [q0, q1)}, in whole tiles: rows up to the next multiple of 8 (A is padded to
     * {@code mPad} rows; C must have them) and columns up to {@code q0} plus a whole number of 2L
     * (xs and C must have room for them; their values are not defined). A is packed by
     * {@link VectorGemm#packLeft} with k blocks of {@code kcMax}; {@code o0} is a multiple of 8.
     */
    static void block(int kcMax, int k, float[] ap, int mPad, int o0, int o1, float[] xs, int xo, int[] rowOff,
                      int q0, int q1, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            boolean add = accumulate || pc > 0;
            for (int q = q0; q < q1; q += NR) {
                for (int o = o0; o < o1; o += MR) {
                    tile(kc, ap, pc * mPad + o * kc, xs, xo + q, rowOff, pc, c, cOff + o * ldc + q, ldc, add);
                }
            }
        }
    }

    /**
     * One 8 x 2L tile over one k block: {@code C[i][0..NR) (=|+=) sum_p ap[ao + p*MR + i] *
     * xs[xo + rowOff[ro + p] + 0..NR)}. Written out like {@link VectorGemm#kernel}, whose
     * operations it repeats in the same order (C2 keeps named vector locals in registers).
     */
    private static void tile(int kc, float[] ap, int ao, float[] xs, int xo, int[] rowOff, int ro, float[] c, int co,
                             int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = xo + rowOff[ro + p];
            int ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, xs, bi);
            FloatVector b1 = FloatVector.fromArray(S, xs, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // As VectorGemm.kernel's epilogue with alpha 1 (see there why the broadcast is the receiver):
        // 1 * acc + C rounds once, as acc + C does.
        FloatVector one = FloatVector.broadcast(S, 1f);
        if (add) {
            c00 = one.fma(c00, FloatVector.fromArray(S, c, co));
            c01 = one.fma(c01, FloatVector.fromArray(S, c, co + L));
            c10 = one.fma(c10, FloatVector.fromArray(S, c, co + ldc));
            c11 = one.fma(c11, FloatVector.fromArray(S, c, co + ldc + L));
            c20 = one.fma(c20, FloatVector.fromArray(S, c, co + 2 * ldc));
            c21 = one.fma(c21, FloatVector.fromArray(S, c, co + 2 * ldc + L));
            c30 = one.fma(c30, FloatVector.fromArray(S, c, co + 3 * ldc));
            c31 = one.fma(c31, FloatVector.fromArray(S, c, co + 3 * ldc + L));
            c40 = one.fma(c40, FloatVector.fromArray(S, c, co + 4 * ldc));
            c41 = one.fma(c41, FloatVector.fromArray(S, c, co + 4 * ldc + L));
            c50 = one.fma(c50, FloatVector.fromArray(S, c, co + 5 * ldc));
            c51 = one.fma(c51, FloatVector.fromArray(S, c, co + 5 * ldc + L));
            c60 = one.fma(c60, FloatVector.fromArray(S, c, co + 6 * ldc));
            c61 = one.fma(c61, FloatVector.fromArray(S, c, co + 6 * ldc + L));
            c70 = one.fma(c70, FloatVector.fromArray(S, c, co + 7 * ldc));
            c71 = one.fma(c71, FloatVector.fromArray(S, c, co + 7 * ldc + L));
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c20.intoArray(c, co + 2 * ldc);
            c21.intoArray(c, co + 2 * ldc + L);
            c30.intoArray(c, co + 3 * ldc);
            c31.intoArray(c, co + 3 * ldc + L);
            c40.intoArray(c, co + 4 * ldc);
            c41.intoArray(c, co + 4 * ldc + L);
            c50.intoArray(c, co + 5 * ldc);
            c51.intoArray(c, co + 5 * ldc + L);
            c60.intoArray(c, co + 6 * ldc);
            c61.intoArray(c, co + 6 * ldc + L);
            c70.intoArray(c, co + 7 * ldc);
            c71.intoArray(c, co + 7 * ldc + L);
        } else {
            c00 = one.mul(c00);
            c01 = one.mul(c01);
            c10 = one.mul(c10);
            c11 = one.mul(c11);
            c20 = one.mul(c20);
            c21 = one.mul(c21);
            c30 = one.mul(c30);
            c31 = one.mul(c31);
            c40 = one.mul(c40);
            c41 = one.mul(c41);
            c50 = one.mul(c50);
            c51 = one.mul(c51);
            c60 = one.mul(c60);
            c61 = one.mul(c61);
            c70 = one.mul(c70);
            c71 = one.mul(c71);
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c20.intoArray(c, co + 2 * ldc);
            c21.intoArray(c, co + 2 * ldc + L);
            c30.intoArray(c, co + 3 * ldc);
            c31.intoArray(c, co + 3 * ldc + L);
            c40.intoArray(c, co + 4 * ldc);
            c41.intoArray(c, co + 4 * ldc + L);
            c50.intoArray(c, co + 5 * ldc);
            c51.intoArray(c, co + 5 * ldc + L);
            c60.intoArray(c, co + 6 * ldc);
            c61.intoArray(c, co + 6 * ldc + L);
            c70.intoArray(c, co + 7 * ldc);
            c71.intoArray(c, co + 7 * ldc + L);
        }
    }

    /**
     * {@code C[i][j] (=|+=) sum_p xs[rowBase[i] + rowOff[p]] * B[p][j]} for rows {@code [i0, i1)}
     * and columns {@code [j0, j1)}: the product of {@link #block} transposed, one row per output
     * position and one column per output channel, so the positions can be exactly the outputs
     * (the grid's rows of {@link #block} also hold the padding columns and rows: on 7 x 7 planes 64
     * columns for 49 outputs). Whole tiles: rows up to the next multiple of 8 ({@code rowBase} must
     * have them; C too) and columns up to {@code j0} plus a whole number of 2L (C must have room);
     * {@code j0} is a multiple of 2L. B is packed by {@link VectorGemm#packAll} with k blocks of
     * {@code kcMax} into {@code panels} panels. Each element gets the operations {@link #block}
     * gives its transpose, in the same order (a fused multiply-add does not depend on the order of
     * its two factors): the same bits. Loops: k blocks, then column panels, then rows, so a k block
     * of a B panel stays in L1 while every row tile runs over it.
     */
    static void rowBlock(int kcMax, int k, float[] bp, int panels, float[] xs, int[] rowBase, int[] rowOff, int i0,
                         int i1, int j0, int j1, float[] c, int ldc, boolean accumulate) {
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            boolean add = accumulate || pc > 0;
            for (int j = j0; j < j1; j += NR) {
                int bo = pc * panels * NR + (j / NR) * kc * NR;
                for (int i = i0; i < i1; i += MR) {
                    rowTile(kc, xs, rowBase, i, rowOff, pc, bp, bo, c, i * ldc + j, ldc, add);
                }
            }
        }
    }

    /** One 8 x 2L tile of {@link #rowBlock} over one k block, written out as {@link #tile} is. */
    private static void rowTile(int kc, float[] xs, int[] rowBase, int i, int[] rowOff, int ro, float[] bp, int bo,
                                float[] c, int co, int ldc, boolean add) {
        int x0 = rowBase[i];
        int x1 = rowBase[i + 1];
        int x2 = rowBase[i + 2];
        int x3 = rowBase[i + 3];
        int x4 = rowBase[i + 4];
        int x5 = rowBase[i + 5];
        int x6 = rowBase[i + 6];
        int x7 = rowBase[i + 7];
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int off = rowOff[ro + p];
            int bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, xs[x0 + off]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, xs[x1 + off]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, xs[x2 + off]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, xs[x3 + off]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, xs[x4 + off]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, xs[x5 + off]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, xs[x6 + off]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, xs[x7 + off]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // As VectorGemm.kernel's epilogue with alpha 1 (see there why the broadcast is the receiver):
        // 1 * acc + C rounds once, as acc + C does.
        FloatVector one = FloatVector.broadcast(S, 1f);
        if (add) {
            c00 = one.fma(c00, FloatVector.fromArray(S, c, co));
            c01 = one.fma(c01, FloatVector.fromArray(S, c, co + L));
            c10 = one.fma(c10, FloatVector.fromArray(S, c, co + ldc));
            c11 = one.fma(c11, FloatVector.fromArray(S, c, co + ldc + L));
            c20 = one.fma(c20, FloatVector.fromArray(S, c, co + 2 * ldc));
            c21 = one.fma(c21, FloatVector.fromArray(S, c, co + 2 * ldc + L));
            c30 = one.fma(c30, FloatVector.fromArray(S, c, co + 3 * ldc));
            c31 = one.fma(c31, FloatVector.fromArray(S, c, co + 3 * ldc + L));
            c40 = one.fma(c40, FloatVector.fromArray(S, c, co + 4 * ldc));
            c41 = one.fma(c41, FloatVector.fromArray(S, c, co + 4 * ldc + L));
            c50 = one.fma(c50, FloatVector.fromArray(S, c, co + 5 * ldc));
            c51 = one.fma(c51, FloatVector.fromArray(S, c, co + 5 * ldc + L));
            c60 = one.fma(c60, FloatVector.fromArray(S, c, co + 6 * ldc));
            c61 = one.fma(c61, FloatVector.fromArray(S, c, co + 6 * ldc + L));
            c70 = one.fma(c70, FloatVector.fromArray(S, c, co + 7 * ldc));
            c71 = one.fma(c71, FloatVector.fromArray(S, c, co + 7 * ldc + L));
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c20.intoArray(c, co + 2 * ldc);
            c21.intoArray(c, co + 2 * ldc + L);
            c30.intoArray(c, co + 3 * ldc);
            c31.intoArray(c, co + 3 * ldc + L);
            c40.intoArray(c, co + 4 * ldc);
            c41.intoArray(c, co + 4 * ldc + L);
            c50.intoArray(c, co + 5 * ldc);
            c51.intoArray(c, co + 5 * ldc + L);
            c60.intoArray(c, co + 6 * ldc);
            c61.intoArray(c, co + 6 * ldc + L);
            c70.intoArray(c, co + 7 * ldc);
            c71.intoArray(c, co + 7 * ldc + L);
        } else {
            c00 = one.mul(c00);
            c01 = one.mul(c01);
            c10 = one.mul(c10);
            c11 = one.mul(c11);
            c20 = one.mul(c20);
            c21 = one.mul(c21);
            c30 = one.mul(c30);
            c31 = one.mul(c31);
            c40 = one.mul(c40);
            c41 = one.mul(c41);
            c50 = one.mul(c50);
            c51 = one.mul(c51);
            c60 = one.mul(c60);
            c61 = one.mul(c61);
            c70 = one.mul(c70);
            c71 = one.mul(c71);
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c20.intoArray(c, co + 2 * ldc);
            c21.intoArray(c, co + 2 * ldc + L);
            c30.intoArray(c, co + 3 * ldc);
            c31.intoArray(c, co + 3 * ldc + L);
            c40.intoArray(c, co + 4 * ldc);
            c41.intoArray(c, co + 4 * ldc + L);
            c50.intoArray(c, co + 5 * ldc);
            c51.intoArray(c, co + 5 * ldc + L);
            c60.intoArray(c, co + 6 * ldc);
            c61.intoArray(c, co + 6 * ldc + L);
            c70.intoArray(c, co + 7 * ldc);
            c71.intoArray(c, co + 7 * ldc + L);
        }
    }
}
