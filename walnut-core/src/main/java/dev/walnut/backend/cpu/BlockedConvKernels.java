package dev.walnut.backend.cpu;

/**
 * The float convolution run channel-blocked (NCHW{@code B}c, as oneDNN and ONNX Runtime's MLAS
 * run theirs; a strided one with its input split into phases, see {@link Geometry}): the input is copied, zero-padded, into blocks of {@code B} channels with the
 * channels innermost ({@code xb[image][channel block][padded position][B]}), the weights are packed
 * as {@code [output block][input block][tap][input channel][B output channels]}, and each register
 * tile is 2 blocks of output channels x 8 output positions: per input channel and tap, two weight
 * vectors and eight broadcast inputs feed 16 FMAs. Output position (i, j) is {@code q = i * Wp + j}
 * on the padded width {@code Wp}, so tap (a, b) reads padded position {@code q + a * Wp + b} and the
 * 8 positions of a tile run on across rows; the {@code kw - 1} columns per row past the output
 * width are computed and dropped (no edge cases, whatever the plane size). The tile stores its
 * sums plus bias (and the clamp, when there is no residual) into a blocked output, which the
 * last pass copies back to NCHW adding the residual and clamping.
 *
 * <p>Why: resnet18's 3x3 layers at batch 1, one thread, GFLOP/s of the product (the shifted GEMM
 * / this tile as first written, side by side in one JVM): 64ch 56x56 171 / 196, 128ch 28x28 138 / 188,
 * 256ch 14x14 155 / 174, 512ch 7x7 130 / 141; on two threads the shifted GEMM's column split
 * scaled 1.2-1.6x and this split (by tiles, each thread keeping its output blocks' weights in its
 * L2) 1.8-1.9x: 247 / 357 and 240 / 377 GFLOP/s for the first two. Each output's sum is one FMA
 * chain in the order input block, tap, channel: not the shifted GEMM's order, so the two paths
 * agree to rounding, not bit for bit; eager and compiled calls both run this one.
 *
 * <p>The tile and the reorders come from the {@link KernelProvider}
 * ({@link KernelProvider#blockedConvLanes()} is the block size it computes, 0 for none; the Vector
 * API's reorders gather and scatter a position's channels, 1.6-2.6x faster than element copies on
 * resnet18's 28x28 to 7x7 planes); the driver is here, and so are scalar reorders and a scalar tile
 * with the same operations in the same order, which the tests use to check the driver at any
 * block size and the provider's kernels bit for bit.
 *
 * <pre>{@code
 * var g = BlockedConvKernels.geometry(16, 1, 64, 56, 56, new int[] {1, 1, 1, 1}, 64, 3, 3);
 * float[] wp = BlockedConvKernels.packWeights(w, g, null);
 * BlockedConvKernels.forward(x, 0, wp, bias, out, g, ConvEpilogue.NONE, KernelProvider.get());
 * }</pre>
 */
public final class BlockedConvKernels {
    /** Output positions per tile. */
    public static final int POSITIONS = 8;
    /** Output channel blocks per tile. */
    public static final int BLOCKS = 2;

    private BlockedConvKernels() {
    }

    /**
     * Sizes of one blocked convolution.
     *
     * <p>A strided one reads its input split into phases: padded position (Y, X) goes to phase
     * {@code (Y % sh, X % sw)} at {@code (Y / sh, X / sw)}, so that tap (a, b) of output (i, j)
     * reads phase {@code (a % sh, b % sw)} at {@code (i + a / sh, j + b / sw)}: in each phase plane
     * the taps are stride-1 displacements again, and the tile runs unchanged over a table of
     * offsets. Phases no tap reads (a 1x1 kernel's, but one) are left out.
     *
     * @param lanes    the channel block size B
     * @param n        images
     * @param cIn      input channels (a multiple of B)
     * @param h        input rows
     * @param w        input columns
     * @param pad      zero padding {top, bottom, left, right}
     * @param cOut     output channels (a multiple of 2B)
     * @param kh       kernel rows
     * @param kw       kernel columns
     * @param sh       row stride
     * @param sw       column stride
     */
    public record Geometry(int lanes, int n, int cIn, int h, int w, int[] pad, int cOut, int kh, int kw, int sh,
                           int sw) {
        /** Padded input width. */
        public int wp() {
            return w + pad[2] + pad[3];
        }

        /** Padded input rows. */
        public int hp() {
            return h + pad[0] + pad[1];
        }

        /** Output rows. */
        public int oh() {
            return (hp() - kh) / sh + 1;
        }

        /** Output columns. */
        public int ow() {
            return (wp() - kw) / sw + 1;
        }

        /** Whether either stride is above 1 (the input is split into phases). */
        public boolean strided() {
            return sh != 1 || sw != 1;
        }

        /** Row length of the flat position grid: a phase plane's width (the padded width at stride 1). */
        public int rowLength() {
            return (wp() + sw - 1) / sw;
        }

        /** Rows of a phase plane (the padded rows at stride 1). */
        public int phaseRows() {
            return (hp() + sh - 1) / sh;
        }

        /** Row phases some tap reads. */
        public int rowPhases() {
            return Math.min(sh, kh);
        }

        /** Column phases some tap reads. */
        public int columnPhases() {
            return Math.min(sw, kw);
        }

        /** Positions of one phase plane. */
        public int phasePlane() {
            return phaseRows() * rowLength();
        }

        /** Input channel blocks. */
        public int inBlocks() {
            return cIn / lanes;
        }

        /** Output channel blocks. */
        public int outBlocks() {
            return cOut / lanes;
        }

        /** Output positions computed per output plane (rows times the row length). */
        public int positions() {
            return oh() * rowLength();
        }

        /**
         * Positions of one blocked input plane: its phase planes plus the {@code (kw - 1) / sw} the
         * last row's dropped columns read past them, and the {@code POSITIONS - 1} the last tile's
         * positions past the output plane read.
         */
        public int inPlane() {
            return rowPhases() * columnPhases() * phasePlane() + (kw - 1) / sw + POSITIONS - 1;
        }

        /**
         * Positions of one blocked output plane: whole tiles, the last one's positions past
         * {@link #positions()} computed and never read.
         */
        public int outPlane() {
            return tilesPerPlane() * POSITIONS;
        }

        /**
         * Where padded input position (Y, X) is in a blocked input plane, or -1 when no tap reads
         * its phase.
         */
        public int position(int y, int x) {
            int py = y % sh;
            int px = x % sw;
            if (py >= rowPhases() || px >= columnPhases()) {
                return -1;
            }
            return (py * columnPhases() + px) * phasePlane() + y / sh * rowLength() + x / sw;
        }

        /** Tiles per output plane pair: the last one may run past the last position (into {@link #outPlane()}). */
        public int tilesPerPlane() {
            return (positions() + POSITIONS - 1) / POSITIONS;
        }

        /** Tiles in all: images x output block pairs x tiles per plane. */
        public int tiles() {
            return n * (outBlocks() / BLOCKS) * tilesPerPlane();
        }

        /**
         * For each (input block, tap) pair, block-major and taps row-major, where its inputs start
         * relative to the image's first block, in positions: {@code block * inPlane()} plus tap
         * (a, b)'s {@link #position}. The packed weights hold the same pairs in the same order.
         */
        public int[] offsets() {
            int[] t = new int[inBlocks() * kh * kw];
            for (int ib = 0, r = 0; ib < inBlocks(); ib++) {
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < kw; b++) {
                        t[r++] = ib * inPlane() + position(a, b);
                    }
                }
            }
            return t;
        }

        /** Floats of the blocked input. */
        public long inputFloats() {
            return (long) n * inBlocks() * inPlane() * lanes;
        }

        /** Floats of the blocked output. */
        public long outputFloats() {
            return (long) n * outBlocks() * outPlane() * lanes;
        }
    }

    /** {@link #geometry(int, int, int, int, int, int[], int, int, int, int, int)} at stride 1. */
    public static Geometry geometry(int lanes, int n, int cIn, int h, int w, int[] pad, int cOut, int kh, int kw) {
        return geometry(lanes, n, cIn, h, w, pad, cOut, kh, kw, 1, 1);
    }

    /**
     * The geometry of a convolution blocked by {@code lanes}, or null when it does not apply:
     * channels not multiples of the block (output channels of two blocks), fewer output
     * positions than one tile, or buffers past an int index.
     */
    public static Geometry geometry(int lanes, int n, int cIn, int h, int w, int[] pad, int cOut, int kh, int kw,
                                    int sh, int sw) {
        if (lanes <= 0 || cIn % lanes != 0 || cOut % (BLOCKS * lanes) != 0 || cIn == 0 || n == 0 || sh < 1 || sw < 1) {
            return null;
        }
        var g = new Geometry(lanes, n, cIn, h, w, pad == null ? new int[4] : pad.clone(), cOut, kh, kw, sh, sw);
        if (g.hp() < kh || g.wp() < kw || g.positions() < POSITIONS
                || g.inputFloats() > Integer.MAX_VALUE - 64 || g.outputFloats() > Integer.MAX_VALUE
                || (long) cOut * cIn * kh * kw > Integer.MAX_VALUE) {
            return null;
        }
        return g;
    }

    /** Packs {@code w [cOut, cIn, kh, kw]} as {@code [cOut/B][cIn/B][tap][B input][B output]} into {@code into} (or a new array when null). */
    public static float[] packWeights(float[] w, Geometry g, float[] into) {
        return pack(w, g, false, into);
    }

    /**
     * Packs the weights of {@link #inputGrad}'s convolution: {@code w [g.cIn(), g.cOut(), kh, kw]}
     * (the forward convolution's, whose input channels are this geometry's outputs) with its two
     * channel dims swapped and its taps flipped, as {@link #packWeights} packs.
     */
    public static float[] packFlippedWeights(float[] w, Geometry g, float[] into) {
        return pack(w, g, true, into);
    }

    private static float[] pack(float[] w, Geometry g, boolean flipped, float[] into) {
        int b = g.lanes();
        int taps = g.kh() * g.kw();
        int cIn = g.cIn();
        int cOut = g.cOut();
        float[] p = into != null ? into : new float[cOut * cIn * taps];
        for (int o = 0; o < cOut; o++) {
            for (int c = 0; c < cIn; c++) {
                int dst = (((o / b) * g.inBlocks() + c / b) * taps * b + c % b) * b + o % b;
                if (flipped) {
                    // Tap (a, b) of the flipped kernel is (kh - 1 - a, kw - 1 - b): the flat tap index reversed.
                    int src = (c * cOut + o) * taps + taps - 1;
                    for (int t = 0; t < taps; t++) {
                        p[dst + t * b * b] = w[src - t];
                    }
                } else {
                    int src = (o * cIn + c) * taps;
                    for (int t = 0; t < taps; t++) {
                        p[dst + t * b * b] = w[src + t];
                    }
                }
            }
        }
        return p;
    }

    /**
     * {@code out [n, cOut, oh, ow] = epilogue(conv(pad(x [n, cIn, h, w] from xOff), w) + bias)} with
     * the weights packed by {@link #packWeights}, bias null or {@code [cOut]}, the tiles from
     * {@code tiles} (whose {@link KernelProvider#blockedConvLanes()} must be {@code g.lanes()}, or
     * null for the scalar tile).
     */
    public static void forward(float[] x, int xOff, float[] wp, float[] bias, float[] out, Geometry g,
                               ConvEpilogue epilogue, KernelProvider tiles) {
        float[] xb = (float[]) ConvScratch.take(ConvScratch.PADDED, false, (int) g.inputFloats());
        float[] yb = (float[]) ConvScratch.take(ConvScratch.GRID, false, (int) g.outputFloats());
        float[] b = bias;
        if (b == null) {
            b = (float[]) ConvScratch.take(ConvScratch.BIAS, false, g.cOut());
            java.util.Arrays.fill(b, 0, g.cOut(), 0f);
        }
        float[] residual = (float[]) epilogue.residual();
        // Without a residual the tile clamps; with one the clamp comes after the residual add.
        float lo = residual == null ? (float) epilogue.min() : Float.NEGATIVE_INFINITY;
        float hi = residual == null ? (float) epilogue.max() : Float.POSITIVE_INFINITY;
        int[] offsets = g.offsets();
        Parallel.forRange(g.n() * g.inBlocks(), 1, (p0, p1) -> reorderIn(tiles, x, xOff, xb, g, p0, p1));
        float[] bf = b;
        Parallel.forRange(g.tiles(), 1, (t0, t1) -> {
            if (tiles == null) {
                tiles(xb, wp, bf, yb, g, offsets, t0, t1, lo, hi);
            } else {
                tiles.blockedConvTiles(xb, wp, bf, yb, g, offsets, t0, t1, lo, hi);
            }
        });
        float clo = (float) epilogue.min();
        float chi = (float) epilogue.max();
        Parallel.forRange(g.n() * g.outBlocks(), 1, (p0, p1) -> {
            if (tiles == null) {
                reorderOut(yb, out, residual, epilogue.residualOffset(), clo, chi, g, p0, p1);
            } else {
                tiles.blockedConvReorderOut(yb, out, residual, epilogue.residualOffset(), clo, chi, g, p0, p1);
            }
        });
    }

    /**
     * The input gradient of a valid stride-1 convolution, run as a convolution: {@code dx [n,
     * g.cOut(), h + kh - 1, w + kw - 1]} is the output gradient {@code gy [n, g.cIn(), h, w]} (from
     * {@code gyOff}) padded by {@code kh - 1, kw - 1} on each side and correlated with the forward
     * weights {@code w [g.cIn(), g.cOut(), kh, kw]} flipped, their channels swapped. {@code g} is
     * that convolution's geometry ({@link #inputGradGeometry}). Exact only for finite weights: the
     * padding's zeros are multiplied by them.
     */
    public static void inputGrad(float[] gy, int gyOff, float[] w, float[] dx, Geometry g, KernelProvider tiles) {
        float[] wp = packFlippedWeights(w, g, (float[]) ConvScratch.take(ConvScratch.WEIGHTS, false, w.length));
        forward(gy, gyOff, wp, null, dx, g, ConvEpilogue.NONE, tiles);
    }

    /**
     * The geometry {@link #inputGrad} runs for a forward convolution {@code [n, cIn, h, w] *
     * [cOut, cIn, kh, kw]} (valid, stride 1), or null where the blocked tile does not take it
     * ({@link #geometry}: here {@code cOut} must be whole blocks and {@code cIn} whole block pairs).
     */
    public static Geometry inputGradGeometry(int lanes, int n, int cIn, int h, int w, int cOut, int kh, int kw) {
        int[] full = {kh - 1, kh - 1, kw - 1, kw - 1};
        return geometry(lanes, n, cOut, h - kh + 1, w - kw + 1, full, cIn, kh, kw);
    }

    /** Positions per chunk of {@link #weightGradTiles}: the chunk's output gradient (8 KB) and input rows stay in L1 across the taps. */
    public static final int GRAD_CHUNK = 64;

    /**
     * The weight gradient of a valid stride-1 convolution (geometry {@code g}, no padding, as
     * {@code convolutionWeightGrad} gets it: the forward pads before it): {@code dw [cOut, cIn, kh,
     * kw] = sum over images and output positions of gy [n, cOut, oh, ow] (from gyOff) times the
     * input window of x [n, cIn, h, w] (from xOff)}. Both are reordered into channel blocks (the
     * gradient on the input's row length, zero in the columns past the output width), then each
     * (output block pair, input block) sums, per tap, a 2-block x B-channel outer product per
     * position ({@link KernelProvider#blockedConvWeightGrad}). Pairs x blocks split across
     * {@link Parallel}; where there are fewer than two per thread the images are split too, into
     * partial gradients summed at the end. Exact only for a finite input: the dropped columns'
     * zeros are multiplied by it.
     */
    public static void weightGrad(float[] x, int xOff, float[] gy, int gyOff, float[] dw, Geometry g,
                                  KernelProvider tiles) {
        Geometry gg = gradGeometry(g);
        int size = g.cOut() * g.cIn() * g.kh() * g.kw();
        int combos = g.outBlocks() / BLOCKS * g.inBlocks();
        int threads = Parallel.threads();
        int parts = combos >= 2 * threads ? 1 : Math.min(g.n(), (2 * threads + combos - 1) / combos);
        float[] xb = (float[]) ConvScratch.take(ConvScratch.PADDED, false, (int) g.inputFloats());
        float[] gyb = (float[]) ConvScratch.take(ConvScratch.GRID, false, (int) gg.inputFloats());
        float[] dwb = (float[]) ConvScratch.take(ConvScratch.WEIGHTS, false, parts * size);
        Parallel.forRange(g.n() * g.inBlocks() + g.n() * g.outBlocks(), 1, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int q = p - g.n() * g.inBlocks();
                if (q < 0) {
                    reorderIn(tiles, x, xOff, xb, g, p, p + 1);
                } else {
                    reorderIn(tiles, gy, gyOff, gyb, gg, q, q + 1);
                }
            }
        });
        int[] taps = new int[g.kh() * g.kw()];
        for (int t = 0; t < taps.length; t++) {
            taps[t] = g.position(t / g.kw(), t % g.kw());
        }
        Parallel.forRange(parts * combos, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int part = t / combos;
                int ob = t % combos / g.inBlocks() * BLOCKS;
                int ib = t % g.inBlocks();
                int i0 = g.n() * part / parts;
                int i1 = g.n() * (part + 1) / parts;
                if (tiles == null) {
                    weightGradTiles(xb, gyb, gg.inPlane(), dwb, part * size, g, taps, ob, ib, i0, i1);
                } else {
                    tiles.blockedConvWeightGrad(xb, gyb, gg.inPlane(), dwb, part * size, g, taps, ob, ib, i0, i1);
                }
            }
        });
        unpackGradient(dwb, parts, size, dw, g);
    }

    /** Blocked input planes {@code [p0, p1)} by the provider's reorder, or the scalar one when {@code tiles} is null. */
    private static void reorderIn(KernelProvider tiles, float[] x, int xOff, float[] xb, Geometry g, int p0, int p1) {
        if (tiles == null) {
            reorderIn(x, xOff, xb, g, p0, p1);
        } else {
            tiles.blockedConvReorderIn(x, xOff, xb, g, p0, p1);
        }
    }

    /**
     * The blocked output gradient's layout, as the blocked input of a 1x1 convolution on the
     * forward's row length: position {@code i * wp + j}, the {@code kw - 1} columns past the
     * output width zero, planes {@code inPlane()} positions apart.
     */
    static Geometry gradGeometry(Geometry g) {
        return new Geometry(g.lanes(), g.n(), g.cOut(), g.oh(), g.ow(), new int[] {0, 0, 0, g.kw() - 1},
                BLOCKS * g.lanes(), 1, 1, 1, 1);
    }

    /**
     * The sum of the {@code parts} blocked partial gradients (in part order) into {@code dw
     * [cOut, cIn, kh, kw]}: blocked element {@code [ob][ib][tap][c][o]} as {@link #packWeights} lays
     * out weights.
     */
    private static void unpackGradient(float[] dwb, int parts, int size, float[] dw, Geometry g) {
        int b = g.lanes();
        int taps = g.kh() * g.kw();
        int cIn = g.cIn();
        for (int o = 0; o < g.cOut(); o++) {
            for (int c = 0; c < cIn; c++) {
                int src = (((o / b) * g.inBlocks() + c / b) * taps * b + c % b) * b + o % b;
                int dst = (o * cIn + c) * taps;
                for (int t = 0; t < taps; t++) {
                    float v = dwb[src + t * b * b];
                    for (int part = 1; part < parts; part++) {
                        v += dwb[part * size + src + t * b * b];
                    }
                    dw[dst + t] = v;
                }
            }
        }
    }

    /**
     * Output block pair {@code ob, ob + 1} and input block {@code ib} of the blocked weight
     * gradient, summed over images {@code [i0, i1)}, into {@code dwb} from {@code dwOff} (laid out
     * as {@link #packWeights}' weights), with scalar arithmetic in the order of the provider's
     * kernel: each element one FMA chain over images, then positions ({@code gy * x + sum}).
     * {@code gyb} holds the blocked output gradient, planes {@code gyPlane} positions apart;
     * {@code taps} the taps' displacements in the blocked input.
     */
    static void weightGradTiles(float[] xb, float[] gyb, int gyPlane, float[] dwb, int dwOff, Geometry g, int[] taps,
                                int ob, int ib, int i0, int i1) {
        int b = g.lanes();
        int positions = g.positions();
        for (int k = 0; k < BLOCKS; k++) {
            for (int t = 0; t < taps.length; t++) {
                for (int c = 0; c < b; c++) {
                    for (int lane = 0; lane < b; lane++) {
                        float acc = 0f;
                        for (int i = i0; i < i1; i++) {
                            int xq = (i * g.inBlocks() + ib) * g.inPlane() + taps[t];
                            int gq = (i * g.outBlocks() + ob + k) * gyPlane;
                            for (int q = 0; q < positions; q++) {
                                acc = Math.fma(gyb[(gq + q) * b + lane], xb[(xq + q) * b + c], acc);
                            }
                        }
                        dwb[dwOff + (((ob + k) * g.inBlocks() + ib) * taps.length + t) * b * b + c * b + lane] = acc;
                    }
                }
            }
        }
    }

    /** Blocked input planes {@code [p0, p1)} (image-major, then channel block) from x, padding and slack zeroed. */
    static void reorderIn(float[] x, int xOff, float[] xb, Geometry g, int p0, int p1) {
        if (g.strided()) {
            reorderInPhases(x, xOff, xb, g, p0, p1);
            return;
        }
        int b = g.lanes();
        int h = g.h();
        int w = g.w();
        int wp = g.wp();
        int top = g.pad()[0];
        int left = g.pad()[2];
        for (int p = p0; p < p1; p++) {
            zeroPadding(xb, g, p);
            int base = p * g.inPlane() * b;
            // Channel-major reads, strided writes: each input plane is read once, in order.
            int c0 = inputChannel(g, p);
            for (int c = 0; c < b; c++) {
                int src = xOff + (c0 + c) * h * w;
                for (int y = 0; y < h; y++) {
                    int d = base + ((top + y) * wp + left) * b + c;
                    int s = src + y * w;
                    for (int j = 0; j < w; j++) {
                        xb[d + j * b] = x[s + j];
                    }
                }
            }
        }
    }

    /**
     * {@link #reorderIn} of a strided convolution: each input element to its phase, a row and a
     * column phase at a time (consecutive positions there), rows no tap reads skipped.
     */
    static void reorderInPhases(float[] x, int xOff, float[] xb, Geometry g, int p0, int p1) {
        int b = g.lanes();
        int h = g.h();
        int w = g.w();
        for (int p = p0; p < p1; p++) {
            int base = p * g.inPlane() * b;
            java.util.Arrays.fill(xb, base, base + g.inPlane() * b, 0f);
            int c0 = inputChannel(g, p);
            for (int c = 0; c < b; c++) {
                int src = xOff + (c0 + c) * h * w;
                for (int y = 0; y < h; y++) {
                    for (int px = 0; px < g.columnPhases(); px++) {
                        int d = phaseRow(g, y, px);
                        if (d < 0) {
                            break;
                        }
                        for (int j = firstColumn(g, px), q = base + d * b + c; j < w; j += g.sw(), q += b) {
                            xb[q] = x[src + y * w + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * Where input row {@code y}'s elements of column phase {@code px} start in a blocked input
     * plane (in positions; they follow each other from there), or -1 when no tap reads the row.
     */
    public static int phaseRow(Geometry g, int y, int px) {
        int padded = g.pad()[0] + y;
        int first = firstColumn(g, px);
        return padded % g.sh() >= g.rowPhases() ? -1 : g.position(padded, g.pad()[2] + first);
    }

    /** The first input column whose padded column is in phase {@code px}. */
    public static int firstColumn(Geometry g, int px) {
        return Math.floorMod(px - g.pad()[2], g.sw());
    }

    /** The first input channel (image-major, {@code n * cIn + c}) of blocked input plane {@code p}. */
    public static int inputChannel(Geometry g, int p) {
        return (p / g.inBlocks()) * g.cIn() + (p % g.inBlocks()) * g.lanes();
    }

    /** The first output channel (image-major) of blocked output plane {@code p}. */
    public static int outputChannel(Geometry g, int p) {
        return (p / g.outBlocks()) * g.cOut() + (p % g.outBlocks()) * g.lanes();
    }

    /** Zeroes the padding and the slack of blocked input plane {@code p}, every position the input does not write. */
    public static void zeroPadding(float[] xb, Geometry g, int p) {
        int b = g.lanes();
        int h = g.h();
        int w = g.w();
        int wp = g.wp();
        int top = g.pad()[0];
        int left = g.pad()[2];
        int base = p * g.inPlane() * b;
        int rowEnd = (top + h) * wp;
        java.util.Arrays.fill(xb, base, base + (top * wp + left) * b, 0f);
        for (int y = 0; y < h; y++) {
            int rowStart = (top + y) * wp + left;
            // The right padding of this row and the left padding of the next, in one fill.
            int next = y + 1 < h ? rowStart + wp : rowEnd;
            java.util.Arrays.fill(xb, base + (rowStart + w) * b, base + next * b, 0f);
        }
        java.util.Arrays.fill(xb, base + rowEnd * b, base + g.inPlane() * b, 0f);
    }

    /**
     * Output planes {@code [p0, p1)} (image-major, then channel block) from the blocked output to
     * NCHW, without the dropped columns, plus the residual (when not null) and clamped to
     * {@code [lo, hi]}.
     */
    static void reorderOut(float[] yb, float[] out, float[] residual, int rOff, float lo, float hi, Geometry g,
                           int p0, int p1) {
        int b = g.lanes();
        int oh = g.oh();
        int ow = g.ow();
        int row = g.rowLength();
        for (int p = p0; p < p1; p++) {
            int base = p * g.outPlane() * b;
            int o0 = outputChannel(g, p);
            for (int c = 0; c < b; c++) {
                int dst = (o0 + c) * oh * ow;
                for (int i = 0; i < oh; i++) {
                    int s = base + i * row * b + c;
                    int d = dst + i * ow;
                    if (residual == null) {
                        for (int j = 0; j < ow; j++) {
                            out[d + j] = yb[s + j * b];
                        }
                    } else {
                        for (int j = 0; j < ow; j++) {
                            out[d + j] = Math.min(Math.max(yb[s + j * b] + residual[rOff + d + j], lo), hi);
                        }
                    }
                }
            }
        }
    }

    /**
     * Tiles {@code [t0, t1)} (image-major, then output block pair, then position) with scalar
     * arithmetic: the sums, bias and clamp of the provider's tile, in the same order (one FMA chain
     * per output over input block, tap, channel; then {@code + bias}; then the clamp).
     */
    static void tiles(float[] xb, float[] wp, float[] bias, float[] yb, Geometry g, int[] offsets, int t0, int t1,
                      float lo, float hi) {
        int b = g.lanes();
        int per = g.tilesPerPlane();
        int pairs = g.outBlocks() / BLOCKS;
        int plane = g.outPlane();
        int wStride = offsets.length * b * b;
        float[] acc = new float[BLOCKS * POSITIONS * b];
        for (int t = t0; t < t1; t++) {
            int image = t / (pairs * per);
            int ob = (t / per) % pairs * BLOCKS;
            int q = (t % per) * POSITIONS;
            int xq = image * g.inBlocks() * g.inPlane() + q;
            java.util.Arrays.fill(acc, 0f);
            for (int r = 0; r < offsets.length; r++) {
                int xi = (xq + offsets[r]) * b;
                int wo = ob * wStride + r * b * b;
                for (int c = 0; c < b; c++) {
                    for (int p = 0; p < POSITIONS; p++) {
                        float xv = xb[xi + p * b + c];
                        for (int k = 0; k < BLOCKS; k++) {
                            for (int lane = 0; lane < b; lane++) {
                                int a = (k * POSITIONS + p) * b + lane;
                                acc[a] = Math.fma(wp[wo + k * wStride + c * b + lane], xv, acc[a]);
                            }
                        }
                    }
                }
            }
            for (int k = 0; k < BLOCKS; k++) {
                int yo = ((image * g.outBlocks() + ob + k) * plane + q) * b;
                for (int p = 0; p < POSITIONS; p++) {
                    for (int lane = 0; lane < b; lane++) {
                        float v = acc[(k * POSITIONS + p) * b + lane] + bias[(ob + k) * b + lane];
                        yb[yo + p * b + lane] = Math.min(Math.max(v, lo), hi);
                    }
                }
            }
        }
    }
}
