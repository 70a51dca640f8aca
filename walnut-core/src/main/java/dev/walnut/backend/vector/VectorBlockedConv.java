package dev.walnut.backend.vector;

import dev.walnut.backend.cpu.BlockedConvKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of the channel-blocked convolution ({@link BlockedConvKernels}) for
 * {@link VectorKernelProvider#blockedConvTiles}: 2 output channel blocks (one vector each) x 8
 * output positions, 16 accumulators; per input channel and tap, two weight vectors and eight
 * broadcast inputs feed 16 FMAs. Only for 16-lane vectors: the 16 accumulators, two weights and
 * the broadcast take 19 of AVX-512's 32 registers (a 4 x 6 tile, 29 registers, measured 99-187
 * GFLOP/s from one JVM to the next on resnet18's layers, one thread, as C2 spilled or did not;
 * 2 x 8 174-202 every time); AVX2's 16 registers would spill.
 *
 * <p>Written for JDK 17's C2 as {@link VectorGemm#kernel} is (see {@link VectorDepthwiseRowKernels}'
 * class comment): named vector locals, every lane-wise call made on a vector straight from a load
 * or a broadcast, the accumulators only ever arguments. The same operations in the same order as
 * {@link BlockedConvKernels}' scalar tile, so the same bits.
 */
final class VectorBlockedConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int L = S.length();

    private VectorBlockedConv() {
    }

    /** The block size this tile computes: 16, or 0 where the preferred vector has another width. */
    static int lanes() {
        return FloatVector.SPECIES_PREFERRED.length() == L ? L : 0;
    }

    /**
     * {@link BlockedConvKernels}' input reorder with one gather per position: the B channels of a
     * position, {@code h * w} apart in x, are one vector of the blocked input.
     */
    static void reorderIn(float[] x, int xOff, float[] xb, BlockedConvKernels.Geometry g, int p0, int p1) {
        int h = g.h();
        int w = g.w();
        int wp = g.wp();
        int[] map = channelMap(h * w);
        if (g.strided()) {
            reorderInPhases(x, xOff, xb, g, p0, p1, map);
            return;
        }
        for (int p = p0; p < p1; p++) {
            BlockedConvKernels.zeroPadding(xb, g, p);
            int base = p * g.inPlane() * L;
            int src = xOff + BlockedConvKernels.inputChannel(g, p) * h * w;
            for (int y = 0; y < h; y++) {
                int d = base + ((g.pad()[0] + y) * wp + g.pad()[2]) * L;
                int s = src + y * w;
                for (int j = 0; j < w; j++) {
                    FloatVector.fromArray(S, x, s + j, map, 0).intoArray(xb, d + j * L);
                }
            }
        }
    }

    /** The strided input reorder: each position's B channels gathered to its phase (rows no tap reads skipped). */
    private static void reorderInPhases(float[] x, int xOff, float[] xb, BlockedConvKernels.Geometry g, int p0, int p1,
                                        int[] map) {
        int h = g.h();
        int w = g.w();
        for (int p = p0; p < p1; p++) {
            int base = p * g.inPlane() * L;
            java.util.Arrays.fill(xb, base, base + g.inPlane() * L, 0f);
            int src = xOff + BlockedConvKernels.inputChannel(g, p) * h * w;
            for (int y = 0; y < h; y++) {
                for (int px = 0; px < g.columnPhases(); px++) {
                    int d = BlockedConvKernels.phaseRow(g, y, px);
                    if (d < 0) {
                        break;
                    }
                    int j0 = BlockedConvKernels.firstColumn(g, px);
                    for (int j = j0, q = base + d * L; j < w; j += g.sw(), q += L) {
                        FloatVector.fromArray(S, x, src + y * w + j, map, 0).intoArray(xb, q);
                    }
                }
            }
        }
    }

    /**
     * {@link BlockedConvKernels}' output reorder with one scatter per position (and a gather of
     * the residual's B channels when there is one): the same values, added and clamped in the
     * same order.
     */
    static void reorderOut(float[] yb, float[] out, float[] residual, int rOff, float lo, float hi,
                           BlockedConvKernels.Geometry g, int p0, int p1) {
        int oh = g.oh();
        int ow = g.ow();
        int row = g.rowLength();
        int[] map = channelMap(oh * ow);
        FloatVector lov = FloatVector.broadcast(S, lo);
        FloatVector hiv = FloatVector.broadcast(S, hi);
        for (int p = p0; p < p1; p++) {
            int base = p * g.outPlane() * L;
            int dst = BlockedConvKernels.outputChannel(g, p) * oh * ow;
            for (int i = 0; i < oh; i++) {
                int s = base + i * row * L;
                int d = dst + i * ow;
                if (residual == null) {
                    for (int j = 0; j < ow; j++) {
                        FloatVector.fromArray(S, yb, s + j * L).intoArray(out, d + j, map, 0);
                    }
                } else {
                    for (int j = 0; j < ow; j++) {
                        FloatVector.fromArray(S, yb, s + j * L).add(FloatVector.fromArray(S, residual, rOff + d + j, map, 0))
                                .max(lov).min(hiv).intoArray(out, d + j, map, 0);
                    }
                }
            }
        }
    }

    /** {@code [0, plane, 2 plane, ...]}: the offsets of a position's channels in NCHW. */
    private static int[] channelMap(int plane) {
        int[] map = new int[L];
        for (int c = 0; c < L; c++) {
            map[c] = c * plane;
        }
        return map;
    }

    /** Tiles of one output plane pair that run together, one input block at a time, in {@link #tiles}. */
    static final int GROUP = 16;

    /** Tiles {@code [t0, t1)}: see {@link BlockedConvKernels}. */
    static void tiles(float[] xb, float[] wp, float[] bias, float[] yb, BlockedConvKernels.Geometry g, int[] offsets,
                      int t0, int t1, float lo, float hi) {
        int per = g.tilesPerPlane();
        int pairs = g.outBlocks() / BlockedConvKernels.BLOCKS;
        int plane = g.outPlane();
        int wStride = offsets.length * L * L;
        FloatVector lov = FloatVector.broadcast(S, lo);
        FloatVector hiv = FloatVector.broadcast(S, hi);
        if (g.kh() == 3 && g.kw() == 3) {
            // Groups of tiles on one plane pair, input block by input block: the block's weights
            // (9 taps x 16 x 32 floats, 18 KB) and the group's input rows stay in L1 while every
            // tile of the group reads them; a tile at a time read all the weights of the pair
            // (73 KB for 64 channels, 590 KB for 512) from L2 for every 8 positions. Against that
            // (a 3x3 tile with a constant tap loop, measured in one JVM on an Intel Xeon, AVX-512):
            // resnet18's 3x3 layers 0.98-1.16x on two threads, 1.05-1.21x on one; the whole model
            // 1.08x at batch 1, 1.07x at batch 8.
            int inBlocks = g.inBlocks();
            int inPlane = g.inPlane();
            for (int t = t0; t < t1; ) {
                int image = t / (pairs * per);
                int ob = (t / per) % pairs * BlockedConvKernels.BLOCKS;
                int end = Math.min(Math.min(t1, (t / per + 1) * per), t + GROUP);
                int xBase = image * inBlocks * inPlane;
                int yBase = (image * g.outBlocks() + ob) * plane * L;
                for (int ib = 0; ib < inBlocks; ib++) {
                    int wo = ob * wStride + ib * 9 * L * L;
                    for (int u = t; u < end; u++) {
                        int q = (u % per) * BlockedConvKernels.POSITIONS;
                        tile3x3Part(xb, xBase + ib * inPlane + q, offsets, wp, wo, wStride, bias, ob * L, yb,
                                yBase + q * L, plane * L, lov, hiv, ib == 0, ib == inBlocks - 1);
                    }
                }
                t = end;
            }
            return;
        }
        for (int t = t0; t < t1; t++) {
            int image = t / (pairs * per);
            int ob = (t / per) % pairs * BlockedConvKernels.BLOCKS;
            int q = (t % per) * BlockedConvKernels.POSITIONS;
            int xq = image * g.inBlocks() * g.inPlane() + q;
            int yo = ((image * g.outBlocks() + ob) * plane + q) * L;
            tile(xb, xq, offsets, wp, ob * wStride, wStride, bias, ob * L, yb, yo, plane * L, lov, hiv);
        }
    }

    /** Zeros the accumulators of a group's first input block start from (one output block of a tile). */
    private static final float[] ZEROS = new float[BlockedConvKernels.POSITIONS * L];

    /**
     * One input block of a 3x3 tile: the sums so far from {@code yb} (zero for the first block),
     * the block's nine taps (the first nine {@code offsets}, input block 0's: the taps'
     * displacements in positions) and sixteen channels added,
     * then stored back, plus the bias and clamped after the last block. The FMA chain of each
     * output is the one of {@link #tile}: the sums go through memory between blocks exactly.
     */
    private static void tile3x3Part(float[] xb, int xq, int[] offsets, float[] wp, int wo, int wStride, float[] bias,
                                    int bo, float[] yb, int yo, int yStride, FloatVector lo, FloatVector hi,
                                    boolean first, boolean last) {
        // No vector is chosen between zero and a load (C2 boxes vector phis): the loads read zeros instead.
        float[] src = first ? ZEROS : yb;
        int s0 = first ? 0 : yo;
        int s1 = first ? 0 : yo + yStride;
        FloatVector c00 = FloatVector.fromArray(S, src, s0), c01 = FloatVector.fromArray(S, src, s0 + 1 * L), c02 = FloatVector.fromArray(S, src, s0 + 2 * L), c03 = FloatVector.fromArray(S, src, s0 + 3 * L), c04 = FloatVector.fromArray(S, src, s0 + 4 * L), c05 = FloatVector.fromArray(S, src, s0 + 5 * L), c06 = FloatVector.fromArray(S, src, s0 + 6 * L), c07 = FloatVector.fromArray(S, src, s0 + 7 * L);
        FloatVector c10 = FloatVector.fromArray(S, src, s1), c11 = FloatVector.fromArray(S, src, s1 + 1 * L), c12 = FloatVector.fromArray(S, src, s1 + 2 * L), c13 = FloatVector.fromArray(S, src, s1 + 3 * L), c14 = FloatVector.fromArray(S, src, s1 + 4 * L), c15 = FloatVector.fromArray(S, src, s1 + 5 * L), c16 = FloatVector.fromArray(S, src, s1 + 6 * L), c17 = FloatVector.fromArray(S, src, s1 + 7 * L);
        for (int t = 0; t < 9; t++) {
            int xi = (xq + offsets[t]) * L;
            int wi0 = wo + t * L * L;
            for (int c = 0; c < L; c++) {
                int wi = wi0 + c * L;
                FloatVector w0 = FloatVector.fromArray(S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + wStride);
                FloatVector x0 = FloatVector.broadcast(S, xb[xi + c]);
                c00 = w0.fma(x0, c00);
                c10 = w1.fma(x0, c10);
                FloatVector x1 = FloatVector.broadcast(S, xb[xi + 1 * L + c]);
                c01 = w0.fma(x1, c01);
                c11 = w1.fma(x1, c11);
                FloatVector x2 = FloatVector.broadcast(S, xb[xi + 2 * L + c]);
                c02 = w0.fma(x2, c02);
                c12 = w1.fma(x2, c12);
                FloatVector x3 = FloatVector.broadcast(S, xb[xi + 3 * L + c]);
                c03 = w0.fma(x3, c03);
                c13 = w1.fma(x3, c13);
                FloatVector x4 = FloatVector.broadcast(S, xb[xi + 4 * L + c]);
                c04 = w0.fma(x4, c04);
                c14 = w1.fma(x4, c14);
                FloatVector x5 = FloatVector.broadcast(S, xb[xi + 5 * L + c]);
                c05 = w0.fma(x5, c05);
                c15 = w1.fma(x5, c15);
                FloatVector x6 = FloatVector.broadcast(S, xb[xi + 6 * L + c]);
                c06 = w0.fma(x6, c06);
                c16 = w1.fma(x6, c16);
                FloatVector x7 = FloatVector.broadcast(S, xb[xi + 7 * L + c]);
                c07 = w0.fma(x7, c07);
                c17 = w1.fma(x7, c17);
            }
        }
        if (last) {
            FloatVector b0 = FloatVector.fromArray(S, bias, bo);
            c00.add(b0).max(lo).min(hi).intoArray(yb, yo);
            c01.add(b0).max(lo).min(hi).intoArray(yb, yo + 1 * L);
            c02.add(b0).max(lo).min(hi).intoArray(yb, yo + 2 * L);
            c03.add(b0).max(lo).min(hi).intoArray(yb, yo + 3 * L);
            c04.add(b0).max(lo).min(hi).intoArray(yb, yo + 4 * L);
            c05.add(b0).max(lo).min(hi).intoArray(yb, yo + 5 * L);
            c06.add(b0).max(lo).min(hi).intoArray(yb, yo + 6 * L);
            c07.add(b0).max(lo).min(hi).intoArray(yb, yo + 7 * L);
            FloatVector b1 = FloatVector.fromArray(S, bias, bo + L);
            c10.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride);
            c11.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 1 * L);
            c12.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 2 * L);
            c13.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 3 * L);
            c14.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 4 * L);
            c15.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 5 * L);
            c16.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 6 * L);
            c17.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 7 * L);
        } else {
            c00.intoArray(yb, yo);
            c01.intoArray(yb, yo + 1 * L);
            c02.intoArray(yb, yo + 2 * L);
            c03.intoArray(yb, yo + 3 * L);
            c04.intoArray(yb, yo + 4 * L);
            c05.intoArray(yb, yo + 5 * L);
            c06.intoArray(yb, yo + 6 * L);
            c07.intoArray(yb, yo + 7 * L);
            c10.intoArray(yb, yo + yStride);
            c11.intoArray(yb, yo + yStride + 1 * L);
            c12.intoArray(yb, yo + yStride + 2 * L);
            c13.intoArray(yb, yo + yStride + 3 * L);
            c14.intoArray(yb, yo + yStride + 4 * L);
            c15.intoArray(yb, yo + yStride + 5 * L);
            c16.intoArray(yb, yo + yStride + 6 * L);
            c17.intoArray(yb, yo + yStride + 7 * L);
        }
    }

    /**
     * One tile: input position {@code xq} of the image's first channel block plus
     * {@code offsets[r]} for (input block, tap) pair r; weights of the first output block from
     * {@code wo}, the second {@code wStride} after; outputs from {@code yo}, the second block
     * {@code yStride} after; bias from {@code bo}.
     */
    private static void tile(float[] xb, int xq, int[] offsets, float[] wp, int wo, int wStride, float[] bias, int bo,
                             float[] yb, int yo, int yStride, FloatVector lo, FloatVector hi) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S), c04 = FloatVector.zero(S), c05 = FloatVector.zero(S), c06 = FloatVector.zero(S), c07 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S), c14 = FloatVector.zero(S), c15 = FloatVector.zero(S), c16 = FloatVector.zero(S), c17 = FloatVector.zero(S);
        // One loop over (input block, tap) pairs, from a table: with a loop per block and one per
        // tap (neither trip count a constant) C2 boxed the accumulators (every FMA allocated).
        for (int r = 0; r < offsets.length; r++) {
            int xi = (xq + offsets[r]) * L;
            int wi0 = wo + r * L * L;
            for (int c = 0; c < L; c++) {
                int wi = wi0 + c * L;
                FloatVector w0 = FloatVector.fromArray(S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + wStride);
                FloatVector x0 = FloatVector.broadcast(S, xb[xi + c]);
                c00 = w0.fma(x0, c00);
                c10 = w1.fma(x0, c10);
                FloatVector x1 = FloatVector.broadcast(S, xb[xi + 1 * L + c]);
                c01 = w0.fma(x1, c01);
                c11 = w1.fma(x1, c11);
                FloatVector x2 = FloatVector.broadcast(S, xb[xi + 2 * L + c]);
                c02 = w0.fma(x2, c02);
                c12 = w1.fma(x2, c12);
                FloatVector x3 = FloatVector.broadcast(S, xb[xi + 3 * L + c]);
                c03 = w0.fma(x3, c03);
                c13 = w1.fma(x3, c13);
                FloatVector x4 = FloatVector.broadcast(S, xb[xi + 4 * L + c]);
                c04 = w0.fma(x4, c04);
                c14 = w1.fma(x4, c14);
                FloatVector x5 = FloatVector.broadcast(S, xb[xi + 5 * L + c]);
                c05 = w0.fma(x5, c05);
                c15 = w1.fma(x5, c15);
                FloatVector x6 = FloatVector.broadcast(S, xb[xi + 6 * L + c]);
                c06 = w0.fma(x6, c06);
                c16 = w1.fma(x6, c16);
                FloatVector x7 = FloatVector.broadcast(S, xb[xi + 7 * L + c]);
                c07 = w0.fma(x7, c07);
                c17 = w1.fma(x7, c17);
            }
        }
        FloatVector b0 = FloatVector.fromArray(S, bias, bo);
        c00.add(b0).max(lo).min(hi).intoArray(yb, yo);
        c01.add(b0).max(lo).min(hi).intoArray(yb, yo + 1 * L);
        c02.add(b0).max(lo).min(hi).intoArray(yb, yo + 2 * L);
        c03.add(b0).max(lo).min(hi).intoArray(yb, yo + 3 * L);
        c04.add(b0).max(lo).min(hi).intoArray(yb, yo + 4 * L);
        c05.add(b0).max(lo).min(hi).intoArray(yb, yo + 5 * L);
        c06.add(b0).max(lo).min(hi).intoArray(yb, yo + 6 * L);
        c07.add(b0).max(lo).min(hi).intoArray(yb, yo + 7 * L);
        FloatVector b1 = FloatVector.fromArray(S, bias, bo + L);
        c10.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride);
        c11.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 1 * L);
        c12.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 2 * L);
        c13.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 3 * L);
        c14.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 4 * L);
        c15.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 5 * L);
        c16.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 6 * L);
        c17.add(b1).max(lo).min(hi).intoArray(yb, yo + yStride + 7 * L);
    }
    /** Input channels per pass of {@link #weightGradPart}: 8 x 2 accumulators, as the forward tile's. */
    private static final int GRAD_CHANNELS = 8;

    /**
     * See {@link BlockedConvKernels#weightGradTiles}: the same FMA chains, run chunk by chunk of
     * {@link BlockedConvKernels#GRAD_CHUNK} positions; per chunk every tap and channel half adds
     * its products to sums kept in {@code dwb} (loaded and stored exactly), so the chunk's output
     * gradient and input rows are read from L1 by all taps.
     */
    static void weightGrad(float[] xb, float[] gyb, int gyPlane, float[] dwb, int dwOff, BlockedConvKernels.Geometry g,
                           int[] taps, int ob, int ib, int i0, int i1) {
        int positions = g.positions();
        int wStride = g.inBlocks() * taps.length * L * L;
        int w0 = dwOff + (ob * g.inBlocks() + ib) * taps.length * L * L;
        for (int i = i0; i < i1; i++) {
            int xBase = (i * g.inBlocks() + ib) * g.inPlane();
            int gBase = (i * g.outBlocks() + ob) * gyPlane;
            for (int q0 = 0; q0 < positions; q0 += BlockedConvKernels.GRAD_CHUNK) {
                int len = Math.min(BlockedConvKernels.GRAD_CHUNK, positions - q0);
                boolean first = i == i0 && q0 == 0;
                for (int t = 0; t < taps.length; t++) {
                    for (int c0 = 0; c0 < L; c0 += GRAD_CHANNELS) {
                        weightGradPart(xb, (xBase + taps[t] + q0) * L + c0, gyb, (gBase + q0) * L, gyPlane * L, len,
                                dwb, w0 + t * L * L + c0 * L, wStride, first);
                    }
                }
            }
        }
    }

    /** Zeros the first chunk's sums start from. */
    private static final float[] GRAD_ZEROS = new float[GRAD_CHANNELS * L];

    /**
     * Eight input channels from {@code xi} (a position's, B floats per position) times the two
     * blocks of output gradient from {@code gi} and {@code gi + gStride}, over {@code len}
     * positions, added to the sums at {@code wi} and {@code wi + wStride} (zeros when first).
     */
    private static void weightGradPart(float[] xb, int xi, float[] gyb, int gi, int gStride, int len, float[] dwb,
                                       int wi, int wStride, boolean first) {
        // No vector is chosen between zero and a load (C2 boxes vector phis): the loads read zeros instead.
        float[] src = first ? GRAD_ZEROS : dwb;
        int s0 = first ? 0 : wi;
        int s1 = first ? 0 : wi + wStride;
        FloatVector a0 = FloatVector.fromArray(S, src, s0), a1 = FloatVector.fromArray(S, src, s0 + 1 * L), a2 = FloatVector.fromArray(S, src, s0 + 2 * L), a3 = FloatVector.fromArray(S, src, s0 + 3 * L), a4 = FloatVector.fromArray(S, src, s0 + 4 * L), a5 = FloatVector.fromArray(S, src, s0 + 5 * L), a6 = FloatVector.fromArray(S, src, s0 + 6 * L), a7 = FloatVector.fromArray(S, src, s0 + 7 * L);
        FloatVector b0 = FloatVector.fromArray(S, src, s1), b1 = FloatVector.fromArray(S, src, s1 + 1 * L), b2 = FloatVector.fromArray(S, src, s1 + 2 * L), b3 = FloatVector.fromArray(S, src, s1 + 3 * L), b4 = FloatVector.fromArray(S, src, s1 + 4 * L), b5 = FloatVector.fromArray(S, src, s1 + 5 * L), b6 = FloatVector.fromArray(S, src, s1 + 6 * L), b7 = FloatVector.fromArray(S, src, s1 + 7 * L);
        for (int q = 0; q < len; q++) {
            int gq = gi + q * L;
            int xq = xi + q * L;
            FloatVector g0 = FloatVector.fromArray(S, gyb, gq);
            FloatVector g1 = FloatVector.fromArray(S, gyb, gq + gStride);
            FloatVector x0 = FloatVector.broadcast(S, xb[xq]);
            a0 = g0.fma(x0, a0);
            b0 = g1.fma(x0, b0);
            FloatVector x1 = FloatVector.broadcast(S, xb[xq + 1]);
            a1 = g0.fma(x1, a1);
            b1 = g1.fma(x1, b1);
            FloatVector x2 = FloatVector.broadcast(S, xb[xq + 2]);
            a2 = g0.fma(x2, a2);
            b2 = g1.fma(x2, b2);
            FloatVector x3 = FloatVector.broadcast(S, xb[xq + 3]);
            a3 = g0.fma(x3, a3);
            b3 = g1.fma(x3, b3);
            FloatVector x4 = FloatVector.broadcast(S, xb[xq + 4]);
            a4 = g0.fma(x4, a4);
            b4 = g1.fma(x4, b4);
            FloatVector x5 = FloatVector.broadcast(S, xb[xq + 5]);
            a5 = g0.fma(x5, a5);
            b5 = g1.fma(x5, b5);
            FloatVector x6 = FloatVector.broadcast(S, xb[xq + 6]);
            a6 = g0.fma(x6, a6);
            b6 = g1.fma(x6, b6);
            FloatVector x7 = FloatVector.broadcast(S, xb[xq + 7]);
            a7 = g0.fma(x7, a7);
            b7 = g1.fma(x7, b7);
        }
        a0.intoArray(dwb, wi);
        a1.intoArray(dwb, wi + 1 * L);
        a2.intoArray(dwb, wi + 2 * L);
        a3.intoArray(dwb, wi + 3 * L);
        a4.intoArray(dwb, wi + 4 * L);
        a5.intoArray(dwb, wi + 5 * L);
        a6.intoArray(dwb, wi + 6 * L);
        a7.intoArray(dwb, wi + 7 * L);
        b0.intoArray(dwb, wi + wStride);
        b1.intoArray(dwb, wi + wStride + 1 * L);
        b2.intoArray(dwb, wi + wStride + 2 * L);
        b3.intoArray(dwb, wi + wStride + 3 * L);
        b4.intoArray(dwb, wi + wStride + 4 * L);
        b5.intoArray(dwb, wi + wStride + 5 * L);
        b6.intoArray(dwb, wi + wStride + 6 * L);
        b7.intoArray(dwb, wi + wStride + 7 * L);
    }
}
