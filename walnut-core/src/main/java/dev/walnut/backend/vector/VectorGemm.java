package dev.walnut.backend.vector;

import dev.walnut.backend.cpu.GemmBlocking;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The packed SGEMM block of {@link VectorKernelProvider}: BLIS's loop structure around an
 * {@code MR x NR} register-tile micro-kernel written with the Vector API.
 *
 * <p>The scalar GEMM ({@code dev.walnut.backend.cpu.Gemm}) cannot use a register tile, because
 * C2's auto-vectorizer leaves one scalar; with explicit vectors it can. The micro-kernel keeps an
 * {@code MR x NR} block of C in {@code MR * NR / L} vector registers (L floats per vector; with
 * AVX-512, 8 x 32 in 16 of the 32 zmm registers) and per step of k loads two vectors of B and
 * broadcasts {@code MR} values of A: 16 fused multiply-adds per 10 loads, and no stores at all
 * until the tile is done.
 *
 * <p>Packing: B is copied into column panels of {@code NR} (k-major, {@code NR} contiguous floats
 * per k) and A into row panels of {@code MR} (k-major, {@code MR} per k), both zero-padded at
 * the edges, so the kernel only ever reads whole vectors. Loops (GotoBLAS order): columns by
 * {@code NC}, k by {@code KC} (one packed B block), rows by {@code MC} (one packed A block),
 * then B panels and A panels; a kc x NR panel of B stays in L1 while every A panel of the block
 * streams past it from L2. Edge tiles run the same kernel into a scratch tile and are copied out.
 * B is packed panel by panel while the first A block runs, and the first tile of each panel reads
 * it from B's own rows ({@link #packPanel}): B usually comes from L3 or memory, and those loads
 * then overlap multiply-adds instead of stalling a packing loop. Rows that fit one A block run
 * panel-major ({@link #panelMajor}): A packed once for all of k, then B panel by panel with its
 * column of C kept in cache across the k blocks. The tile is the same 8 x 2L throughout: alone,
 * with A and B in L1, it runs at 190-215 GFLOP/s on one Zen 5 core, against about 222 for
 * independent FMAs with no loads at all, and 12 x 2L, 14 x 2L, 6 x 4L, 4 x 4L and 8 x 3L tiles
 * measured the same within noise; what separated the product from the tile was memory.
 * KC and MC come from the caller's {@link GemmBlocking} (the compiler's max-autotune mode may pick
 * other than the default).
 *
 * <p>A B packed once ({@link #packAll}, for {@code Gemm.packB}) holds the panels of every k
 * block; {@link #blockPacked} runs the same loops over it. There, with k contiguous in A, the
 * tile reads A's rows in place ({@link #kernelRows}) instead of packing them: with B already
 * packed, packing a 64-row A was the largest cost left outside the kernel. {@link #block} reads A
 * in place too when k is contiguous in A, at least {@link #DIRECT_MIN_DEPTH} deep and the product
 * at most {@link #DIRECT_PANELS} panels wide: each packed A block would then serve only a few B panels, and packing it cost as much as
 * the multiply-adds (a 3x3 convolution of 512 channels on a 7 x 7 image: A is the 512 x 4609
 * weights, B two panels of the 61 grid columns; 70 GFLOP/s packed, 140 read in place).
 *
 * <p>An A packed once ({@link #packLeft}, for {@code Gemm.packA}: a convolution's weights during
 * inference) holds the panels of every k block and row block; {@link #blockPackedLeft} runs the
 * loops of {@code block} over it, with no packing or in-place reading of A at all.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 8;
    static final int NR = 2 * L;
    private static final int NC = 2048;
    /**
     * Widest product (in B panels) whose A is read in place rather than packed, when k is
     * contiguous in A. Measured on resnet18's convolution GEMMs (one thread, GFLOP/s): 2 panels
     * 70 packed vs 140 in place, 7 panels 90 vs 140, 16 panels within the noise either way.
     */
    static final int DIRECT_PANELS = 8;
    /**
     * Shallowest product (k) whose A is read in place by {@link #block}: mobilenet_v2's 1x1
     * convolutions (k up to 961) ran 5-10x slower with A in place than packed (compiled batch 1:
     * 190-430 ms instead of 27), so in-place A stays with the deep products it was measured on.
     */
    static final int DIRECT_MIN_DEPTH = 1024;
    /**
     * Most floats of packed A (rows x k) for which {@link #block} packs A once for all k blocks
     * and runs B panel by panel ({@link #panelMajor}): 160 K floats (640 KB) keep it in the 1 MB
     * L2 next to the B panel and C's column; resnet18's 64 and 128 channel layers (up to 128 x
     * 1153) fit.
     */
    static final int PANEL_MAJOR_A = 160 * 1024;

    private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

    private VectorGemm() {
    }

    /**
     * Per-thread packing buffers, grown on demand: at most (KC x NC + MC x KC) floats, about 2.1 MB
     * by default, or for {@link #panelMajor} {@link #PANEL_MAJOR_A} floats of A plus one k block.
     */
    private static final class Work {
        float[] aPack = new float[0];
        float[] bPack = new float[0];
        final float[] edge = new float[MR * NR];
    }

    static void block(GemmBlocking blocking, int r0, int r1, int c0, int c1, int k, float alpha, float[] a, int aOff,
                      int aRs, int aCs, float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                      boolean accumulate) {
        run(blocking.depth(), blocking.rows(), r0, r1, c0, c1, k, alpha, a, aOff, aRs, aCs, null, 0, b, bOff, bRs, bCs,
                c, cOff, cRs, cCs, accumulate);
    }

    /**
     * A [m x k] packed once ({@link #packLeft}) for {@link #blockPackedLeft}: the panels that
     * {@link #block} packs for every k block of {@code kcMax} rows and every row block, all of them,
     * k block {@code pc} (columns {@code pc .. pc+kc} of A) from {@code pc * mPad} on, its row panel
     * {@code s} (rows {@code s*MR ..}) at {@code pc * mPad + s * kc * MR}; {@code mPad} is m rounded up
     * to whole panels, the last one zero-padded.
     */
    static float[] packLeft(int kcMax, int m, int k, float[] a, int aOff, int aRs, int aCs) {
        return packLeft(kcMax, m, k, a, aOff, aRs, aCs, new float[packedLeftLength(m, k)]);
    }

    /** Floats {@link #packLeft} packs an {@code m x k} A into. */
    static int packedLeftLength(int m, int k) {
        return Math.multiplyExact((m + MR - 1) / MR * MR, k);
    }

    /** {@link #packLeft} into {@code ap} (at least {@link #packedLeftLength} long), returned. */
    static float[] packLeft(int kcMax, int m, int k, float[] a, int aOff, int aRs, int aCs, float[] ap) {
        int mPad = (m + MR - 1) / MR * MR;
        for (int pc = 0; pc < k; pc += kcMax) {
            packA(a, aOff + pc * aCs, aRs, aCs, m, Math.min(kcMax, k - pc), ap, pc * mPad);
        }
        return ap;
    }

    /**
     * {@link #block} with A from {@link #packLeft} (packed with k blocks of {@code kcMax} rows;
     * {@code mPad} its padded row count, {@code r0} a multiple of {@link #MR}): the same loops, k
     * blocks and tiles, only A's panels are read from the packed copy instead of being packed, or
     * read row by row in place ({@link #kernelRows}), on every call. Every element of C gets the
     * bits {@code block} gives it under a blocking of that depth.
     */
    static void blockPackedLeft(int kcMax, int mcMax, int r0, int r1, int c0, int c1, int k, float alpha, float[] ap,
                                int mPad, float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                                boolean accumulate) {
        run(kcMax, mcMax, r0, r1, c0, c1, k, alpha, null, 0, 0, 0, ap, mPad, b, bOff, bRs, bCs, c, cOff, cRs, cCs,
                accumulate);
    }

    /** {@link #block}'s loops; with {@code ap} non-null A comes packed from {@link #packLeft} (and {@code a} is unused). */
    private static void run(int kcMax, int mcMax, int r0, int r1, int c0, int c1, int k, float alpha, float[] a,
                            int aOff, int aRs, int aCs, float[] ap, int mPad, float[] b, int bOff, int bRs, int bCs,
                            float[] c, int cOff, int cRs, int cCs, boolean accumulate) {
        Work work = WORK.get();
        int aPanels = (r1 - r0 + MR - 1) / MR;
        int panels = (c1 - c0 + NR - 1) / NR;
        if (r1 - r0 <= mcMax && panels > 1 && (long) aPanels * MR * k <= PANEL_MAJOR_A) {
            panelMajor(work, kcMax, aPanels, panels, r0, r1, c0, c1, k, alpha, a, aOff, aRs, aCs, ap, mPad, b, bOff,
                    bRs, bCs, c, cOff, cRs, cCs, accumulate,
                    ap == null && panels <= DIRECT_PANELS && k >= DIRECT_MIN_DEPTH);
            return;
        }
        for (int jc = c0; jc < c1; jc += NC) {
            int nc = Math.min(NC, c1 - jc);
            int bPanels = (nc + NR - 1) / NR;
            boolean directA = ap == null && bPanels <= DIRECT_PANELS && k >= DIRECT_MIN_DEPTH;
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                if (work.bPack.length < bPanels * NR * kc) {
                    work.bPack = new float[bPanels * NR * Math.min(kcMax, k)];
                }
                rowBlocks(work, mcMax, r0, r1, k, kcMax, pc, kc, nc, alpha, a, aOff, aRs, aCs, ap, mPad, b,
                        bOff + pc * bRs + jc * bCs, bRs, bCs, work.bPack, 0, c, cOff + jc * cCs, cRs, cCs,
                        accumulate || pc > 0, directA);
            }
        }
    }

    /**
     * {@link #block} for a product whose rows fit one A block: A is packed once for every k block,
     * then each B panel is packed, k block by k block, just before the A panels run over it. The
     * panel's packed B (kc x NR) goes from B's rows into L1 and straight to the tile, and its
     * column of C (rows x NR) stays in L1/L2 across the k blocks, where the general loops pack a
     * kc x nc block of B (2 MB at KC 256, NC 2048: it overflows L2 and is read back from L3) and
     * sweep all of C once per k block. Same k blocks, same tiles, in the same order for each
     * element of C: the same bits.
     */
    private static void panelMajor(Work work, int kcMax, int aPanels, int panels, int r0, int r1, int c0, int c1,
                                   int k, float alpha, float[] a, int aOff, int aRs, int aCs, float[] packed, int mPad,
                                   float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                                   boolean accumulate, boolean directA) {
        int stride = aPanels * MR * kcMax;
        int blocks = (k + kcMax - 1) / kcMax;
        if (packed == null && work.aPack.length < stride * blocks) {
            work.aPack = new float[stride * blocks];
        }
        if (work.bPack.length < NR * Math.min(kcMax, k)) {
            work.bPack = new float[NR * Math.min(kcMax, k)];
        }
        int full = (r1 - r0) / MR;
        for (int pc = 0, t = 0; packed == null && pc < k; pc += kcMax, t++) {
            full = packABlock(work, r0, r1, Math.min(kcMax, k - pc), pc, t * stride, a, aOff, aRs, aCs, directA);
        }
        float[] ap = packed == null ? work.aPack : packed;
        boolean direct = directA && aCs == 1;
        for (int q = 0; q < panels; q++) {
            int jr = q * NR;
            int nr = Math.min(NR, c1 - c0 - jr);
            for (int pc = 0, t = 0; pc < k; pc += kcMax, t++) {
                int kc = Math.min(kcMax, k - pc);
                boolean add = accumulate || pc > 0;
                int aBase = packed == null ? t * stride : pc * mPad + r0 * kc;
                int sFrom = packPanel(ap, aBase, r0, r1 - r0, direct, pc, kc, nr, alpha, b,
                        bOff + pc * bRs + (c0 + jr) * bCs, bRs, bCs, work.bPack, 0, c,
                        cOff + r0 * cRs + (c0 + jr) * cCs, cRs, cCs, add);
                panelTiles(work, ap, sFrom, aBase, r0, r1 - r0, full, pc, kc, jr, nr, alpha, a, aOff, aRs, direct,
                        work.bPack, 0, c, cOff + c0 * cCs, cRs, cCs, add);
            }
        }
    }

    /**
     * B [k x n] packed as {@link #block} packs it with k blocks of {@code kcMax} rows, for every
     * k block at once: block {@code pc} (rows {@code pc .. pc+kc}) starts at {@code pc * panels * NR}
     * and holds the same panels that {@code block} packs for it, all {@code ceil(n / NR)} of them.
     */
    static float[] packAll(int kcMax, int k, int n, float[] b, int bOff, int bRs, int bCs) {
        return packAll(kcMax, k, n, b, bOff, bRs, bCs, new float[packedAllLength(k, n)]);
    }

    /** Floats {@link #packAll} packs a {@code k x n} B into. */
    static int packedAllLength(int k, int n) {
        return Math.multiplyExact(k, (n + NR - 1) / NR * NR);
    }

    /** {@link #packAll} into {@code bp} (at least {@link #packedAllLength} long), returned. */
    static float[] packAll(int kcMax, int k, int n, float[] b, int bOff, int bRs, int bCs, float[] bp) {
        int panels = (n + NR - 1) / NR;
        for (int pc = 0; pc < k; pc += kcMax) {
            packB(b, bOff + pc * bRs, bRs, bCs, Math.min(kcMax, k - pc), n, bp, pc * panels * NR);
        }
        return bp;
    }

    /**
     * {@link #block} with B from {@link #packAll} (packed with k blocks of {@code kcMax} rows,
     * which the matrix keeps whatever the caller's blocking); {@code c0} is a multiple of
     * {@link #NR}. The loops, and so every element's summation order, are those of {@code block}
     * with that depth.
     */
    static void blockPacked(GemmBlocking blocking, int kcMax, int r0, int r1, int c0, int c1, int k, int n,
                            float alpha, float[] a, int aOff, int aRs, int aCs, float[] bp, float[] c, int cOff,
                            int ldc, boolean accumulate) {
        Work work = WORK.get();
        int panels = (n + NR - 1) / NR;
        for (int jc = c0; jc < c1; jc += NC) {
            int nc = Math.min(NC, c1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                rowBlocks(work, blocking.rows(), r0, r1, k, kcMax, pc, kc, nc, alpha, a, aOff, aRs, aCs, null, 0,
                        null, 0, 0, 0, bp, pc * panels * NR + (jc / NR) * kc * NR, c, cOff + jc, ldc, 1,
                        accumulate || pc > 0, true);
            }
        }
    }

    /**
     * Rows [r0, r1) of one k block (rows {@code pc .. pc+kc} of B, packed at {@code bp[bo ..]} as
     * {@code ceil(nc / NR)} panels) times the matching columns of A, into the nc columns of C at
     * {@code cOff}: pack an A block, then run the register tile over every (B panel, A panel) pair.
     * Given B unpacked ({@code b} non-null, this k block at {@code b[bSrc]}), its panels are packed
     * into {@code bp} one by one during the first A block ({@link #packPanel}).
     * With {@code directA} and k contiguous in A, whole A panels are read in place
     * ({@link #kernelRows}) and only a last partial panel is packed.
     */
    private static void rowBlocks(Work work, int mcMax, int r0, int r1, int k, int kcMax, int pc, int kc, int nc,
                                  float alpha, float[] a, int aOff, int aRs, int aCs, float[] packed, int mPad,
                                  float[] b, int bSrc, int bRs, int bCs, float[] bp, int bo, float[] c, int cOff,
                                  int cRs, int cCs, boolean add, boolean directA) {
        int bPanels = (nc + NR - 1) / NR;
        boolean direct = directA && aCs == 1;
        for (int ic = r0; ic < r1; ic += mcMax) {
            int mc = Math.min(mcMax, r1 - ic);
            int aPanels = (mc + MR - 1) / MR;
            int full = mc / MR;
            if (packed == null) {
                if (work.aPack.length < aPanels * MR * kc) {
                    work.aPack = new float[((Math.min(mcMax, r1 - r0) + MR - 1) / MR) * MR * Math.min(kcMax, k)];
                }
                full = packABlock(work, ic, ic + mc, kc, pc, 0, a, aOff, aRs, aCs, directA);
            }
            float[] ap = packed == null ? work.aPack : packed;
            int aBase = packed == null ? 0 : pc * mPad + ic * kc;
            for (int q = 0; q < bPanels; q++) {
                int jr = q * NR;
                int nr = Math.min(NR, nc - jr);
                // B is packed panel by panel during the first A block (see packPanel), unless it came packed.
                int sFrom = b == null || ic > r0 ? 0 : packPanel(ap, aBase, ic, mc, direct, pc, kc, nr, alpha, b,
                        bSrc + jr * bCs, bRs, bCs, bp, bo + q * kc * NR, c, cOff + ic * cRs + jr * cCs, cRs, cCs, add);
                panelTiles(work, ap, sFrom, aBase, ic, mc, full, pc, kc, jr, nr, alpha, a, aOff, aRs, direct, bp,
                        bo + q * kc * NR, c, cOff, cRs, cCs, add);
            }
        }
    }

    /**
     * Packs the B panel {@code kc x nr} at {@code b[src]} (strides bRs, bCs) into {@code bp[bq ..]}
     * and returns the A panel its remaining tiles start from. Where B's rows are contiguous, the
     * panel whole and the first A panel whole and packed, that tile (rows ic .. ic+MR, C at
     * {@code co}) runs first, reading the panel from B's rows: its loads of B, often from L3 or
     * memory, overlap
     * its multiply-adds, and the packing then reads B from cache (resnet18's 64x3136x576 at
     * batch 1: 80 -> 110 GFLOP/s, one thread). The tile computes what it would from the packed
     * panel, in the same order: the same bits. Returns 1 then, else 0.
     */
    private static int packPanel(float[] ap, int aBase, int ic, int mc, boolean direct, int pc, int kc, int nr,
                                 float alpha, float[] b, int src, int bRs, int bCs, float[] bp, int bq, float[] c,
                                 int co, int cRs, int cCs, boolean add) {
        // Not with A read in place: kernelRows, short of general registers for its eight row
        // indices, ran 7% slower everywhere with B's row stride a variable instead of NR.
        int sFrom = 0;
        if (bCs == 1 && cCs == 1 && nr == NR && mc >= MR && !direct) {
            kernel(kc, ap, aBase, b, src, bRs, alpha, add, c, co, cRs);
            sFrom = 1;
        }
        packB(b, src, bRs, bCs, kc, nr, bp, bq);
        return sFrom;
    }

    /**
     * Prepares A's rows [ic, iEnd) for k block {@code pc .. pc+kc} at {@code work.aPack[dst ..]}:
     * packed whole, or with {@code directA} and k contiguous in A, only its partial last panel,
     * the whole panels being read in place. Returns the number of whole MR-row panels.
     */
    private static int packABlock(Work work, int ic, int iEnd, int kc, int pc, int dst, float[] a, int aOff, int aRs,
                                  int aCs, boolean directA) {
        int mc = iEnd - ic;
        int full = mc / MR;
        if (!(directA && aCs == 1)) {
            packA(a, aOff + ic * aRs + pc * aCs, aRs, aCs, mc, kc, work.aPack, dst);
        } else if (full * MR < mc) {
            packA(a, aOff + (ic + full * MR) * aRs + pc, aRs, aCs, mc - full * MR, kc, work.aPack, dst);
        }
        return full;
    }

    /**
     * The tiles of one B panel (columns jr .. jr+nr of the block, packed at {@code bp[bq ..]})
     * against every A panel of the block of rows [ic, ic + mc), packed panels at {@code ap[aBase ..]}
     * (by {@link #packABlock}, or once by {@link #packLeft}; {@code full} whole panels, read in
     * place when {@code direct}); C column 0 of the block is
     * at {@code cOff}; A panels from {@code sFrom} on. Edge tiles run into a scratch tile and
     * are copied out.
     */
    private static void panelTiles(Work work, float[] ap, int sFrom, int aBase, int ic, int mc, int full, int pc,
                                   int kc, int jr, int nr, float alpha, float[] a, int aOff, int aRs, boolean direct,
                                   float[] bp, int bq, float[] c, int cOff, int cRs, int cCs, boolean add) {
        float[] edge = work.edge;
        int aPanels = (mc + MR - 1) / MR;
        for (int s = sFrom; s < aPanels; s++) {
            int ir = s * MR;
            int mr = Math.min(MR, mc - ir);
            int co = cOff + (ic + ir) * cRs + jr * cCs;
            boolean inPlace = direct && s < full;
            int ao = inPlace ? aOff + (ic + ir) * aRs + pc : direct ? aBase : aBase + s * kc * MR;
            if (mr == MR && nr == NR && cCs == 1) {
                if (inPlace) {
                    kernelRows(kc, a, ao, aRs, bp, bq, alpha, add, c, co, cRs);
                } else {
                    kernel(kc, ap, ao, bp, bq, NR, alpha, add, c, co, cRs);
                }
            } else {
                if (inPlace && nr <= L) {
                    kernelRowsHalf(kc, a, ao, aRs, bp, bq, 1f, false, edge, 0, NR);
                } else if (inPlace) {
                    kernelRows(kc, a, ao, aRs, bp, bq, 1f, false, edge, 0, NR);
                } else {
                    kernel(kc, ap, ao, bp, bq, NR, 1f, false, edge, 0, NR);
                }
                for (int i = 0; i < mr; i++) {
                    for (int j = 0, ci = co + i * cRs; j < nr; j++, ci += cCs) {
                        float v = alpha * edge[i * NR + j];
                        c[ci] = add ? c[ci] + v : v;
                    }
                }
            }
        }
    }

    /**
     * The 8 x 2L register tile: {@code C[i][0..NR) (=|+=) alpha * sum_p ap[ao + p*MR + i] *
     * bp[bo + p*bRs + 0..NR)}, C row i at {@code c[co + i*ldc]}; B is a packed panel ({@code bRs}
     * = NR) or, for the first tile of a panel, B's own rows (see {@link #panelMajor}). Sixteen named accumulators,
     * because C2 keeps named vector locals in registers and would not do so for an array.
     */
    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, int bRs, float alpha, boolean add,
                               float[] c, int co, int ldc) {
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
            int ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
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
        // Every epilogue vector is computed with the broadcast alpha as the receiver, never an
        // accumulator: the accumulators are loop phis whose exact class C2 may not know, and then
        // intoArray dispatches on FloatVector's shared type profile. On JDK 17 that profile also
        // counts other float species used anywhere in the JVM (Float256Vector from sum's
        // widening loads): C2 then inlines a second, impossible branch whose store is not
        // intrinsified, and to feed it boxes the sixteen accumulators on every k step (the
        // MLP step ran at 13-20 ms instead of 2.5 in most starts). av.fma / av.mul return vectors
        // of a known class, so the stores bind without the profile. Written out rather than a
        // helper taking vectors: a vector passed to a call that the JIT does not inline is boxed.
        // Each branch stores its own results: when both branches merged into one value before
        // shared stores, that merge point again lost the exact class in some JVM starts (boxed
        // stores; the CNN step at 24-30 ms instead of 15 in one start in three or four).
        FloatVector av = FloatVector.broadcast(S, alpha);
        if (add) {
            c00 = av.fma(c00, FloatVector.fromArray(S, c, co));
            c01 = av.fma(c01, FloatVector.fromArray(S, c, co + L));
            c10 = av.fma(c10, FloatVector.fromArray(S, c, co + ldc));
            c11 = av.fma(c11, FloatVector.fromArray(S, c, co + ldc + L));
            c20 = av.fma(c20, FloatVector.fromArray(S, c, co + 2 * ldc));
            c21 = av.fma(c21, FloatVector.fromArray(S, c, co + 2 * ldc + L));
            c30 = av.fma(c30, FloatVector.fromArray(S, c, co + 3 * ldc));
            c31 = av.fma(c31, FloatVector.fromArray(S, c, co + 3 * ldc + L));
            c40 = av.fma(c40, FloatVector.fromArray(S, c, co + 4 * ldc));
            c41 = av.fma(c41, FloatVector.fromArray(S, c, co + 4 * ldc + L));
            c50 = av.fma(c50, FloatVector.fromArray(S, c, co + 5 * ldc));
            c51 = av.fma(c51, FloatVector.fromArray(S, c, co + 5 * ldc + L));
            c60 = av.fma(c60, FloatVector.fromArray(S, c, co + 6 * ldc));
            c61 = av.fma(c61, FloatVector.fromArray(S, c, co + 6 * ldc + L));
            c70 = av.fma(c70, FloatVector.fromArray(S, c, co + 7 * ldc));
            c71 = av.fma(c71, FloatVector.fromArray(S, c, co + 7 * ldc + L));
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
            c00 = av.mul(c00);
            c01 = av.mul(c01);
            c10 = av.mul(c10);
            c11 = av.mul(c11);
            c20 = av.mul(c20);
            c21 = av.mul(c21);
            c30 = av.mul(c30);
            c31 = av.mul(c31);
            c40 = av.mul(c40);
            c41 = av.mul(c41);
            c50 = av.mul(c50);
            c51 = av.mul(c51);
            c60 = av.mul(c60);
            c61 = av.mul(c61);
            c70 = av.mul(c70);
            c71 = av.mul(c71);
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
     * {@link #kernel} reading A straight from its rows instead of a packed panel: row i of the
     * tile at {@code a[ao + i*aRs + p]}, k contiguous. Same operations in the same order, so the
     * same bits; used where packing A would cost a noticeable share of the product (a few rows of
     * A against a B packed once).
     */
    private static void kernelRows(int kc, float[] a, int ao, int aRs, float[] bp, int bo, float alpha,
                                   boolean add, float[] c, int co, int ldc) {
        int a0 = ao;
        int a1 = a0 + aRs;
        int a2 = a1 + aRs;
        int a3 = a2 + aRs;
        int a4 = a3 + aRs;
        int a5 = a4 + aRs;
        int a6 = a5 + aRs;
        int a7 = a6 + aRs;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        // Epilogue as in kernel (see there why alpha is the receiver).
        FloatVector av = FloatVector.broadcast(S, alpha);
        if (add) {
            c00 = av.fma(c00, FloatVector.fromArray(S, c, co));
            c01 = av.fma(c01, FloatVector.fromArray(S, c, co + L));
            c10 = av.fma(c10, FloatVector.fromArray(S, c, co + ldc));
            c11 = av.fma(c11, FloatVector.fromArray(S, c, co + ldc + L));
            c20 = av.fma(c20, FloatVector.fromArray(S, c, co + 2 * ldc));
            c21 = av.fma(c21, FloatVector.fromArray(S, c, co + 2 * ldc + L));
            c30 = av.fma(c30, FloatVector.fromArray(S, c, co + 3 * ldc));
            c31 = av.fma(c31, FloatVector.fromArray(S, c, co + 3 * ldc + L));
            c40 = av.fma(c40, FloatVector.fromArray(S, c, co + 4 * ldc));
            c41 = av.fma(c41, FloatVector.fromArray(S, c, co + 4 * ldc + L));
            c50 = av.fma(c50, FloatVector.fromArray(S, c, co + 5 * ldc));
            c51 = av.fma(c51, FloatVector.fromArray(S, c, co + 5 * ldc + L));
            c60 = av.fma(c60, FloatVector.fromArray(S, c, co + 6 * ldc));
            c61 = av.fma(c61, FloatVector.fromArray(S, c, co + 6 * ldc + L));
            c70 = av.fma(c70, FloatVector.fromArray(S, c, co + 7 * ldc));
            c71 = av.fma(c71, FloatVector.fromArray(S, c, co + 7 * ldc + L));
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
            c00 = av.mul(c00);
            c01 = av.mul(c01);
            c10 = av.mul(c10);
            c11 = av.mul(c11);
            c20 = av.mul(c20);
            c21 = av.mul(c21);
            c30 = av.mul(c30);
            c31 = av.mul(c31);
            c40 = av.mul(c40);
            c41 = av.mul(c41);
            c50 = av.mul(c50);
            c51 = av.mul(c51);
            c60 = av.mul(c60);
            c61 = av.mul(c61);
            c70 = av.mul(c70);
            c71 = av.mul(c71);
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
     * {@link #kernelRows} for a last B panel at most L columns wide (a layer with 10 outputs):
     * an 8 x L tile reading only the first vector of each k row of the panel, half the work of
     * the full tile on columns that would be padding. Same per-element operations, same bits.
     */
    private static void kernelRowsHalf(int kc, float[] a, int ao, int aRs, float[] bp, int bo, float alpha,
                                       boolean add, float[] c, int co, int ldc) {
        int a0 = ao;
        int a1 = a0 + aRs;
        int a2 = a1 + aRs;
        int a3 = a2 + aRs;
        int a4 = a3 + aRs;
        int a5 = a4 + aRs;
        int a6 = a5 + aRs;
        int a7 = a6 + aRs;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + p * NR);
            c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[a6 + p]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[a7 + p]).fma(b0, c7);
        }
        // Epilogue as in kernel (see there why alpha is the receiver).
        FloatVector av = FloatVector.broadcast(S, alpha);
        if (add) {
            c0 = av.fma(c0, FloatVector.fromArray(S, c, co + 0 * ldc));
            c1 = av.fma(c1, FloatVector.fromArray(S, c, co + 1 * ldc));
            c2 = av.fma(c2, FloatVector.fromArray(S, c, co + 2 * ldc));
            c3 = av.fma(c3, FloatVector.fromArray(S, c, co + 3 * ldc));
            c4 = av.fma(c4, FloatVector.fromArray(S, c, co + 4 * ldc));
            c5 = av.fma(c5, FloatVector.fromArray(S, c, co + 5 * ldc));
            c6 = av.fma(c6, FloatVector.fromArray(S, c, co + 6 * ldc));
            c7 = av.fma(c7, FloatVector.fromArray(S, c, co + 7 * ldc));
            c0.intoArray(c, co + 0 * ldc);
            c1.intoArray(c, co + 1 * ldc);
            c2.intoArray(c, co + 2 * ldc);
            c3.intoArray(c, co + 3 * ldc);
            c4.intoArray(c, co + 4 * ldc);
            c5.intoArray(c, co + 5 * ldc);
            c6.intoArray(c, co + 6 * ldc);
            c7.intoArray(c, co + 7 * ldc);
        } else {
            c0 = av.mul(c0);
            c1 = av.mul(c1);
            c2 = av.mul(c2);
            c3 = av.mul(c3);
            c4 = av.mul(c4);
            c5 = av.mul(c5);
            c6 = av.mul(c6);
            c7 = av.mul(c7);
            c0.intoArray(c, co + 0 * ldc);
            c1.intoArray(c, co + 1 * ldc);
            c2.intoArray(c, co + 2 * ldc);
            c3.intoArray(c, co + 3 * ldc);
            c4.intoArray(c, co + 4 * ldc);
            c5.intoArray(c, co + 5 * ldc);
            c6.intoArray(c, co + 6 * ldc);
            c7.intoArray(c, co + 7 * ldc);
        }
    }

    /** B (kc x nc at off, strides rs, cs) into panels {@code bp[bo + (q*kc + p)*NR + j]}, zero-padded. */
    private static void packB(float[] src, int off, int rs, int cs, int kc, int nc, float[] bp, int bo) {
        for (int j0 = 0, q = 0; j0 < nc; j0 += NR, q++) {
            int nr = Math.min(NR, nc - j0);
            int base = bo + q * kc * NR;
            int so = off + j0 * cs;
            if (cs == 1) {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(src, so + p * rs, bp, base + p * NR, nr);
                }
            } else if (Math.abs(rs) < Math.abs(cs) && rs != 0) {
                // Transposed source: read along k, which is contiguous there.
                for (int j = 0; j < nr; j++) {
                    for (int p = 0, s = so + j * cs, d = base + j; p < kc; p++, s += rs, d += NR) {
                        bp[d] = src[s];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int j = 0, s = so + p * rs, d = base + p * NR; j < nr; j++, s += cs) {
                        bp[d + j] = src[s];
                    }
                }
            }
            if (nr < NR) {
                for (int p = 0; p < kc; p++) {
                    java.util.Arrays.fill(bp, base + p * NR + nr, base + (p + 1) * NR, 0f);
                }
            }
        }
    }

    /** A (mc x kc at off, strides rs, cs) into panels {@code ap[ao + (s*kc + p)*MR + i]}, zero-padded. */
    private static void packA(float[] src, int off, int rs, int cs, int mc, int kc, float[] ap, int ao) {
        for (int i0 = 0, q = 0; i0 < mc; i0 += MR, q++) {
            int mr = Math.min(MR, mc - i0);
            int base = ao + q * kc * MR;
            int so = off + i0 * rs;
            if (Math.abs(rs) <= Math.abs(cs) || mr < MR) {
                // Transposed (or column-major) source: the MR values of one k are adjacent there.
                for (int p = 0; p < kc; p++) {
                    int d = base + p * MR;
                    int s = so + p * cs;
                    for (int i = 0; i < mr; i++) {
                        ap[d + i] = src[s + i * rs];
                    }
                    for (int i = mr; i < MR; i++) {
                        ap[d + i] = 0f;
                    }
                }
            } else {
                // Row-major source: read each row along k, write with stride MR.
                for (int i = 0; i < MR; i++) {
                    for (int p = 0, s = so + i * rs, d = base + i; p < kc; p++, s += cs, d += MR) {
                        ap[d] = src[s];
                    }
                }
            }
        }
    }
}
