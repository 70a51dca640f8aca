package dev.walnut.backend.cpu;

/**
 * 2-d convolution (stride 1, dilation 1, one group) without a column matrix in memory: with
 * the batch's images laid out channel-major (and padded with zeros there when the convolution
 * pads: that copy is made anyway, so the padding costs no pass of its own), {@code xs[c][n*H*W + y*W + x]}, window
 * tap {@code t = (a, b)} of output position {@code p} (numbered on the input grid) reads
 * {@code xs[c][p + a*W + b]}, a plain shift. The grid's positions are cut into blocks; for each
 * block the {@code C_in*kH*kW} shifted rows are copied into a panel that stays in L2 and one GEMM
 * with the full depth gives the block's outputs, positions that are not windows being dropped at
 * the end. The input gradient runs the other way: per block, {@code W^T} times the output
 * gradient (zero off the windows) gives the block's column gradients, which are summed back with
 * the shifts reversed (a gather, so blocks never write each other's outputs). The whole column
 * matrix of the im2col formulation (10 MB for the CNN benchmark's conv2) was written, packed
 * from memory again and, for the gradient, folded back with 11-element rows that C2 ran scalar.
 * The weight gradient unfolds the windows once for a single GEMM.
 *
 * <p>Work on the full grid is {@code H*W / (H_out*W_out)} times the windows' (1.4x for 13 x 13
 * with a 3x3 kernel). The input gradient adds zero times the weights at positions that are not
 * windows, exact only for finite weights: callers check ({@link #allFinite}) and otherwise use
 * im2col. The forward product accumulates onto the bias (its output rows are filled with it
 * first); the products of the gradients overwrite their outputs. (One GEMM per tap accumulating
 * into the output measured about 10% faster than one deep product, but it was tried before the
 * accumulating epilogue of {@code VectorGemm.kernel} stopped compiling with boxed stores in some
 * JVM starts; a deep product runs that epilogue anyway for every k block after the first.)
 * Blocks spread across {@link Parallel}. The forward's scratch (the padded channel-major input,
 * the full grid, each range body's panel) is the thread's {@code ConvScratch}, kept from call to
 * call: fresh, it was most of what a compiled ResNet inference allocated besides its outputs.
 * During inference the back end also passes the float weights packed once ({@link #packWeights},
 * kept by {@code PackedConvWeights}), so the products stop packing them (or reading them row by
 * row in place) on every call. In float32 on the Vector API provider the forward copies no panels
 * at all: its register tiles read the shifted rows straight from the padded input
 * ({@link #forwardTiles}, or transposed, one row per output, on small planes); the panels remain
 * for float64 and the scalar provider. Taps whose weight is zero in every output channel are left
 * out of the product on every path.
 *
 * <pre>{@code
 * // x [64, 32, 13, 13], w [64, 32, 3, 3] -> y [64, 64, 11, 11]
 * ShiftedGemmConvKernels.forward(x, 0, w, bias, y, 64, 32, 13, 13, null, 64, 3, 3,
 *         new ConvEpilogue(null, 0, 0, Double.POSITIVE_INFINITY));                          // + ReLU
 * }</pre>
 */
public final class ShiftedGemmConvKernels {
    /**
     * Most grid columns per block: a 288-row float panel of them is 576 KB, within L2 (1 MB here).
     * CNN step, one thread: 128 columns 18.4 ms, 256 17.0-17.7, 512 16.2-17.3, 1024 16.4-17.1.
     */
    private static final int BLOCK = 512;
    /** Block widths are whole multiples of this: the vector GEMM's panel width (AVX-512: 32 floats). */
    private static final int UNIT = 32;
    /** Rows of C per register tile: shifted-tile rectangles start on multiples of it. */
    private static final int ROWS = 8;
    /**
     * Fewest row panels per thread for {@link #forwardTiles} to split C by rows: each A panel then
     * still runs over the L1-resident block of the input as often as the 64-channel layers' do.
     */
    private static final int MIN_SPLIT_PANELS = 8;
    /**
     * Most whole-tile grid positions per output before {@link #forwardTiles} computes the outputs
     * only ({@link #forwardRowTiles}). resnet18: 56 x 56 (1.04 at batch 1, 1.07 at batch 8) stays on
     * the grid; 28 x 28 (1.10), 14 x 14 (1.14) and 7 x 7 (1.31; 1.63 at batch 8, the padding rows
     * between images) do not. One thread, tiles alone (ms, grid vs transposed): 64ch@56 1.43 vs
     * 1.38, 128ch@28 1.49 vs 1.32, 256ch@14 1.36-1.69 vs 1.36-1.51, 512ch@7 1.89 vs 1.87; in the
     * batch-8 model 64ch@56 14.2-14.5 vs 14.8-15.4, 128ch@28 13.9-14.2 vs 12.8-13.2.
     */
    private static final double ROW_TILES_WASTE = 1.08;
    /** Most floats of a column block's C rectangle in {@link #forwardTiles}: 256 KB, a quarter of L2. */
    private static final int TILE_BLOCK_FLOATS = 1 << 16;

    private ShiftedGemmConvKernels() {
    }

    /**
     * {@code out [n, cOut, h'-kh+1, width'-kw+1] = epilogue(conv(pad(x [n, cIn, h, width] from xOff), w [cOut,
     * cIn, kh, kw]) + bias)} (bias null or {@code [cOut]}; pad null or {@code {top, bottom, left, right}}
     * zeros, giving {@code h' x width'} planes); all float[] or all double[]. The epilogue (a
     * residual add and a clamp) is applied to each output plane as it is stored, while it is in
     * cache, instead of in passes of its own.
     */
    public static void forward(Object x, int xOff, Object w, Object bias, Object out, int n, int cIn, int h0,
                               int w0, int[] pad, int cOut, int kh, int kw, ConvEpilogue epilogue) {
        forward(x, xOff, w, null, bias, out, n, cIn, h0, w0, pad, cOut, kh, kw, epilogue);
    }

    /**
     * {@link #forward(Object, int, Object, Object, Object, int, int, int, int, int[], int, int, int, ConvEpilogue)}
     * with the float weights also packed once ({@code packedW}, from {@link #packWeights}: a
     * {@link PackedLeftMatrix} or a {@link PackedMatrix} of the weights transposed, or null): the
     * products that can multiply by it do, instead of packing (or reading in place) {@code w} on
     * every call. The same bits either way.
     */
    public static void forward(Object x, int xOff, Object w, Object packedW, Object bias, Object out, int n,
                               int cIn, int h0, int w0, int[] pad, int cOut, int kh, int kw, ConvEpilogue epilogue) {
        int[] p = pad == null ? new int[4] : pad;
        boolean padded = (p[0] | p[1] | p[2] | p[3]) != 0;
        if (kh == 1 && kw == 1 && !padded) {
            pointwise(x, xOff, w, bias, out, n, cIn, h0 * w0, cOut, epilogue);
            return;
        }
        int h = h0 + p[0] + p[1];
        int width = w0 + p[2] + p[3];
        int hw = h * width;
        int grid = n * hw;
        int span = (kh - 1) * width + kw - 1;
        int cols = grid - span; // the last window sits at grid - 1 - span
        boolean f64 = x instanceof double[];
        int kk = kh * kw;
        int ck = cIn * kk;
        // Taps (rows of the product) whose weight is zero in every output channel are left out,
        // as the direct kernels leave them out (WindowKernelProvider#conv2dForward): the
        // phase-split form of a strided convolution has 7 of every 16 taps zero (3x3, stride 2),
        // and they stand for inputs outside its windows, which must not be multiplied (0 * inf).
        int[] kept = ConvScratch.takeInts(ConvScratch.OFFSETS, ck);
        int depth = keptTaps(w, cOut, ck, kept);
        Object a = depth == ck ? w : compactTaps(w, cOut, ck, kept, depth);
        Object pw = depth == ck ? packedW : null;
        KernelProvider provider = KernelProvider.get();
        if (!f64 && shiftedTiles(provider, cOut, cols, depth)) {
            forwardTiles(provider, (float[]) x, xOff, (float[]) a, depth, kept, pw, (float[]) bias, (float[]) out, n,
                    cIn, h0, w0, p, cOut, kh, kw, epilogue);
            return;
        }
        // One unpadded image is already channel-major: read it in place.
        boolean inPlace = n == 1 && !padded;
        Object xs = inPlace ? x : padPlanes(x, xOff, n, cIn, h0, w0, p, true);
        int xsOff = inPlace ? xOff : 0;
        // The bias rides in C: a block's output rows start as the bias and the product
        // accumulates onto them, so A is the weight array itself. (A [W | bias] matrix with a row
        // of ones in B was built on every call, moving all the weights through memory: at batch 1
        // as long as the product itself for resnet18's 512-channel layer.)
        // Scratch kept by the thread (see ConvScratch): every position the epilogue reads is
        // written by a block's product first.
        Object full = ConvScratch.take(ConvScratch.GRID, f64, cOut * grid);
        int len0 = blockColumns(cols);
        int blocks = (cols + len0 - 1) / len0;
        Parallel.forRange(blocks, 1, (lo, hi) -> {
            Object panel = ConvScratch.take(ConvScratch.PANEL, f64, depth * len0);
            for (int blk = lo; blk < hi; blk++) {
                int q0 = blk * len0;
                int len = Math.min(len0, cols - q0);
                // The product runs on whole GEMM panels of columns where the grid row has room for
                // them (its positions past cols are never windows, so nothing reads them): a last,
                // partial panel costs the vector GEMM a scratch tile and a scalar copy per tile
                // (512x61x4608, resnet18's 7 x 7 layer: 1.99 ms, against 1.81 for 512x64x4608).
                // The extra panel columns are zeros. Each column of C is summed on its own in the
                // same order whatever the width, as long as both widths take the packed path.
                int wide = len;
                if (!f64) {
                    int unit = KernelProvider.get().panelColumns();
                    int whole = Math.min(Math.min(len0, (len + unit - 1) / unit * unit), grid - q0);
                    if (Gemm.packingPays(cOut, len, depth) && Gemm.packingPays(cOut, whole, depth)) {
                        wide = whole;
                    }
                }
                for (int j = 0; j < depth; j++) {
                    int c = kept[j] / kk;
                    int t = kept[j] % kk;
                    int shift = (t / kw) * width + t % kw;
                    int row = j * wide;
                    System.arraycopy(xs, xsOff + c * grid + q0 + shift, panel, row, len);
                    ConvScratch.zero(panel, row + len, row + wide);
                }
                if (bias != null) {
                    for (int o = 0; o < cOut; o++) {
                        fill(full, o * grid + q0, wide, bias, o);
                    }
                }
                if (pw instanceof PackedLeftMatrix packed && Gemm.leftPackingPays(cOut, wide, depth)) {
                    Gemm.sgemmPackedA(wide, 1f, packed, (float[]) panel, 0, wide, 1, (float[]) full, q0, grid,
                            bias != null);
                } else {
                    gemm(f64, cOut, wide, depth, a, 0, depth, 1, panel, 0, wide, 1, full, q0, grid, bias != null);
                }
            }
        });
        storeWindows(full, grid, out, n, cOut, h, width, kh, kw, epilogue);
    }

    /**
     * The windows' outputs from the full-grid product {@code full} (row {@code o} at {@code o * ldc},
     * item {@code i}'s grid from {@code i * h * width} on) into {@code out [n, cOut, oh, ow]}, through
     * the epilogue.
     */
    private static void storeWindows(Object full, int ldc, Object out, int n, int cOut, int h, int width, int kh,
                                     int kw, ConvEpilogue epilogue) {
        int hw = h * width;
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        // Planes rather than items in parallel: at batch 1 there is one item.
        Parallel.forRange(n * cOut, copyGrain(oh * ow), (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                int i = plane / cOut;
                int o = plane % cOut;
                for (int r = 0; r < oh; r++) {
                    epilogue.store(full, o * ldc + i * hw + r * width, out, (plane * oh + r) * ow, ow);
                }
                epilogue.clamp(out, plane * oh * ow, oh * ow);
            }
        });
    }

    /**
     * The columns (taps) of {@code w [cOut, ck]} (float[] or double[]) that are not zero in every
     * row, in order, into {@code kept}; returns their count. A dense weight decides each column on
     * its first row, so this reads about {@code ck} elements.
     */
    private static int keptTaps(Object w, int cOut, int ck, int[] kept) {
        int depth = 0;
        for (int r = 0; r < ck; r++) {
            if (!zeroColumn(w, cOut, ck, r)) {
                kept[depth++] = r;
            }
        }
        return depth;
    }

    /** Whether column {@code r} of {@code w [cOut, ck]} is zero in every row (+0.0 or -0.0). */
    private static boolean zeroColumn(Object w, int cOut, int ck, int r) {
        if (w instanceof float[] f) {
            for (int o = 0, i = r; o < cOut; o++, i += ck) {
                if (f[i] != 0f) {
                    return false;
                }
            }
        } else {
            double[] d = (double[]) w;
            for (int o = 0, i = r; o < cOut; o++, i += ck) {
                if (d[i] != 0.0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@code w [cOut, ck]}'s columns {@code kept[0 .. depth)} as a {@code [cOut, depth]} scratch array. */
    private static Object compactTaps(Object w, int cOut, int ck, int[] kept, int depth) {
        boolean f64 = w instanceof double[];
        Object a = ConvScratch.take(ConvScratch.TAPS, f64, cOut * depth);
        for (int o = 0; o < cOut; o++) {
            for (int j = 0; j < depth; j++) {
                if (f64) {
                    ((double[]) a)[o * depth + j] = ((double[]) w)[o * ck + kept[j]];
                } else {
                    ((float[]) a)[o * depth + j] = ((float[]) w)[o * ck + kept[j]];
                }
            }
        }
        return a;
    }

    /**
     * Whether the float forward runs on the provider's shifted-row tiles ({@link #forwardTiles}):
     * where it has them and the product is one the panel GEMMs would run packed, so that both give
     * the same bits.
     */
    private static boolean shiftedTiles(KernelProvider provider, int cOut, int cols, int ck) {
        return provider.shiftedConvFits() && Gemm.packingPays(cOut, cols, ck);
    }

    /**
     * {@link #forward} on {@link KernelProvider#shiftedConvBlock}: the tiles read the shifted rows
     * straight from the padded channel-major input instead of from panels copied per block of
     * columns (and packed again by the GEMM). Same full-grid product, same bits. The work is cut
     * into rectangles of C: by rows when each thread gets at least {@link #MIN_SPLIT_PANELS} row
     * panels (every thread then reads the whole input, which it keeps in its L2, and the split is
     * exact: resnet18's 14 x 14 layer has 7 column tiles, which two threads split 4 to 3), else by
     * columns, in blocks whose C rectangle stays in L2 across the k blocks
     * ({@link #TILE_BLOCK_FLOATS}) and whose count is a multiple of the thread count.
     */
    private static void forwardTiles(KernelProvider provider, float[] x, int xOff, float[] w, int depth, int[] taps,
                                     Object packedW, float[] bias, float[] out, int n, int cIn, int h0,
                                     int w0, int[] p, int cOut, int kh, int kw, ConvEpilogue epilogue) {
        int h = h0 + p[0] + p[1];
        int width = w0 + p[2] + p[3];
        int grid = n * h * width;
        int cols = grid - (kh - 1) * width - (kw - 1);
        int kk = kh * kw;
        int unit = provider.panelColumns();
        int tiles = (cols + unit - 1) / unit;
        int ldc = tiles * unit;
        int rows = (cOut + ROWS - 1) / ROWS * ROWS;
        // A last tile's columns past the last window read up to a panel past the planes (values
        // never used: those columns are not windows), so the copy has that much room.
        float[] xs = (float[]) padPlanes(x, xOff, n, cIn, h0, w0, p, true, unit);
        // Row j of the product is tap taps[j] = c * kk + t, read at this offset from a column's position.
        int[] rowOff = taps;
        for (int j = 0; j < depth; j++) {
            int c = taps[j] / kk;
            int t = taps[j] % kk;
            rowOff[j] = c * grid + (t / kw) * width + t % kw;
        }
        if (rowTilesPay(n, h, width, kh, kw, unit)) {
            forwardRowTiles(provider, xs, rowOff, w, depth, packedW, bias, out, n, h, width, cOut, kh, kw, epilogue);
            return;
        }
        PackedLeftMatrix a = packedW instanceof PackedLeftMatrix packed && keptFor(provider, packed.provider(),
                packed.blockDepth()) ? packed
                : provider.packA(cOut, depth, w, 0, depth, 1,
                        (float[]) ConvScratch.take(ConvScratch.WEIGHTS, false, provider.packedLeftLength(cOut, depth)));
        float[] full = (float[]) ConvScratch.take(ConvScratch.GRID, false, rows * ldc);
        int threads = Parallel.threads();
        int panels = rows / ROWS;
        int rowBlocks = threads > 1 && panels % threads == 0 && panels / threads >= MIN_SPLIT_PANELS ? threads : 1;
        int perBlock = Math.max(1, TILE_BLOCK_FLOATS / (rows / rowBlocks) / unit);
        int colBlocks = (tiles + perBlock - 1) / perBlock;
        if (rowBlocks == 1) {
            colBlocks = Math.min(tiles, (colBlocks + threads - 1) / threads * threads);
        }
        int blocks = colBlocks;
        boolean onto = depth == 0;
        Parallel.forRange(rowBlocks * colBlocks, 1, (lo, hi) -> {
            for (int task = lo; task < hi; task++) {
                int rb = task / blocks;
                int cb = task % blocks;
                int o0 = panels * rb / rowBlocks * ROWS;
                int o1 = panels * (rb + 1) / rowBlocks * ROWS;
                int q0 = tiles * cb / blocks * unit;
                int q1 = tiles * (cb + 1) / blocks * unit;
                // The product accumulates onto the bias (zeros for a product with no taps left).
                if (bias != null || onto) {
                    for (int o = o0; o < Math.min(o1, cOut); o++) {
                        java.util.Arrays.fill(full, o * ldc + q0, o * ldc + q1, bias != null ? bias[o] : 0f);
                    }
                }
                provider.shiftedConvBlock(a, o0, o1, xs, 0, rowOff, q0, q1, full, 0, ldc, bias != null || onto);
            }
        });
        storeWindows(full, ldc, out, n, cOut, h, width, kh, kw, epilogue);
    }

    /**
     * Whether weights packed once by {@code owner} with k blocks of {@code blockDepth} can feed this
     * call's tiles: the same provider's layout and the calling thread's blocking depth.
     */
    private static boolean keptFor(KernelProvider provider, KernelProvider owner, int blockDepth) {
        return owner == provider && blockDepth == GemmBlocking.current().depth();
    }

    /**
     * Whether {@link #forwardTiles} runs the transposed product ({@link #forwardRowTiles}): when
     * the grid's whole column tiles hold more than {@link #ROW_TILES_WASTE} times as many positions
     * as there are outputs (padding columns, the rows between images, the last tile's rounding).
     */
    private static boolean rowTilesPay(int n, int h, int width, int kh, int kw, int unit) {
        int cols = n * h * width - (kh - 1) * width - (kw - 1);
        long computed = (long) (cols + unit - 1) / unit * unit;
        long outputs = (long) n * (h - kh + 1) * (width - kw + 1);
        return computed > ROW_TILES_WASTE * outputs;
    }

    /**
     * {@link #forwardTiles} transposed ({@link KernelProvider#shiftedConvRowBlock}): one product row
     * per output position, one column per output channel, so only the outputs are computed (the
     * grid's product also computes its padding positions: 64 columns for the 49 outputs of a 7 x 7
     * plane, 640 for the 392 of eight), and the weights ({@code [depth, cOut]} transposed, packed
     * once or here) are the panels every row tile runs over. Same operations per output, same bits.
     * Split across threads by column (channel) panels where each thread gets whole ones, so each
     * reads only its share of the weights; else by rows.
     */
    private static void forwardRowTiles(KernelProvider provider, float[] xs, int[] rowOff, float[] w, int depth,
                                        Object packedW, float[] bias, float[] out, int n, int h, int width, int cOut,
                                        int kh, int kw, ConvEpilogue epilogue) {
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        int plane = oh * ow;
        int m = n * plane;
        int mPad = (m + ROWS - 1) / ROWS * ROWS;
        int unit = provider.panelColumns();
        int ldc = (cOut + unit - 1) / unit * unit;
        int[] rowBase = ConvScratch.takeInts(ConvScratch.BASES, mPad);
        for (int i = 0; i < mPad; i++) {
            int r = Math.min(i, m - 1); // the last tile's extra rows repeat the last output
            rowBase[i] = r / plane * h * width + r % plane / ow * width + r % ow;
        }
        PackedMatrix b = packedW instanceof PackedMatrix packed && keptFor(provider, packed.provider(),
                packed.blockDepth()) ? packed
                : provider.packB(depth, cOut, w, 0, 1, depth,
                        (float[]) ConvScratch.take(ConvScratch.WEIGHTS, false, provider.packedLength(depth, cOut)));
        float[] full = (float[]) ConvScratch.take(ConvScratch.GRID, false, mPad * ldc);
        int threads = Parallel.threads();
        int panels = ldc / unit;
        int colBlocks = threads > 1 && panels % threads == 0 ? threads : 1;
        int perBlock = Math.max(ROWS, TILE_BLOCK_FLOATS / (ldc / colBlocks) / ROWS * ROWS);
        int rowBlocks = (mPad + perBlock - 1) / perBlock;
        if (colBlocks == 1) {
            rowBlocks = Math.min(mPad / ROWS, (rowBlocks + threads - 1) / threads * threads);
        }
        int blocks = rowBlocks;
        boolean onto = bias != null || depth == 0;
        Parallel.forRange(colBlocks * rowBlocks, 1, (lo, hi) -> {
            for (int task = lo; task < hi; task++) {
                int cb = task / blocks;
                int rb = task % blocks;
                int j0 = panels * cb / colBlocks * unit;
                int j1 = panels * (cb + 1) / colBlocks * unit;
                int i0 = mPad / ROWS * rb / blocks * ROWS;
                int i1 = mPad / ROWS * (rb + 1) / blocks * ROWS;
                // The product accumulates onto the bias (zeros for a product with no taps left).
                if (onto) {
                    for (int i = i0; i < i1; i++) {
                        for (int o = j0; o < Math.min(j1, cOut); o++) {
                            full[i * ldc + o] = bias != null ? bias[o] : 0f;
                        }
                    }
                }
                provider.shiftedConvRowBlock(b, xs, rowBase, rowOff, i0, i1, j0, j1, full, ldc, onto);
            }
        });
        // Transposed into the output planes, sixteen channels at a time (each position's run of
        // them is one cache line of the product), then the residual and the clamp per plane.
        Parallel.forRange(n * ((cOut + 15) / 16), copyGrain(16 * plane), (lo, hi) -> {
            int groups = (cOut + 15) / 16;
            for (int g = lo; g < hi; g++) {
                int item = g / groups;
                int o0 = g % groups * 16;
                int o1 = Math.min(cOut, o0 + 16);
                for (int r = 0; r < plane; r++) {
                    int src = (item * plane + r) * ldc;
                    for (int o = o0; o < o1; o++) {
                        out[(item * cOut + o) * plane + r] = full[src + o];
                    }
                }
                for (int o = o0; o < o1; o++) {
                    epilogue.apply(out, (item * cOut + o) * plane, plane);
                }
            }
        });
    }

    /**
     * The float weights {@code w [cOut, cIn, kh, kw]} packed once for {@link #forward}'s products:
     * for the shifted tiles a {@link PackedLeftMatrix}, or for their transposed form
     * ({@link #forwardRowTiles}) a {@link PackedMatrix} of the weights transposed; for the panel
     * GEMMs a {@link PackedLeftMatrix} where {@link Gemm#leftPackingPays}. Null when nothing would
     * multiply by a packed copy: the 1x1 convolutions on NCHW, weights with zero taps (the forward
     * packs the others itself), and panel products too narrow for it. Packed under the calling
     * thread's GEMM blocking.
     */
    public static Object packWeights(float[] w, int n, int cIn, int h0, int w0, int[] pad, int cOut, int kh, int kw) {
        int[] p = pad == null ? new int[4] : pad;
        if (kh == 1 && kw == 1 && (p[0] | p[1] | p[2] | p[3]) == 0) {
            return null;
        }
        int width = w0 + p[2] + p[3];
        int grid = n * (h0 + p[0] + p[1]) * width;
        int cols = grid - (kh - 1) * width - (kw - 1);
        int ck = cIn * kh * kw;
        KernelProvider provider = KernelProvider.get();
        if (cols > 0 && shiftedTiles(provider, cOut, cols, ck)) {
            // With zero taps the forward packs the remaining ones itself.
            if (keptTaps(w, cOut, ck, new int[ck]) < ck) {
                return null;
            }
            return rowTilesPay(n, h0 + p[0] + p[1], width, kh, kw, provider.panelColumns())
                    ? Gemm.packB(ck, cOut, w, 0, 1, ck) : Gemm.packA(cOut, ck, w, 0, ck, 1);
        }
        // The first block is the widest; the forward checks each block again.
        int wide = Math.min(blockColumns(cols), grid);
        return cols > 0 && Gemm.leftPackingPays(cOut, wide, ck) ? Gemm.packA(cOut, ck, w, 0, ck, 1) : null;
    }

    /**
     * The 1x1 convolution straight on NCHW: for each item, {@code out_i [cOut, hw] = W [cOut, cIn] x
     * x_i [cIn, hw]} is a GEMM that reads the input and writes the output in place (row strides
     * {@code hw}), so no shifted panel, channel-major copy or full-grid buffer is made (those were
     * three copies of the data for a product of depth {@code cIn}, MobileNet's most common layer).
     * The work is cut into blocks of columns sized so that a block of output rows stays in cache
     * for the bias and clamp that follow its product, and into row blocks when there are too few
     * column blocks to keep every thread busy (7 x 7 planes at batch 1).
     */
    static void pointwise(Object x, int xOff, Object w, Object bias, Object out, int n, int cIn, int hw, int cOut,
                          ConvEpilogue epilogue) {
        boolean f64 = x instanceof double[];
        // About 256 KB of output per block, at least one vector row wide.
        int cols = Math.min(hw, Math.max(64, (1 << 16) / Math.max(1, cOut) / 16 * 16));
        int colBlocks = (hw + cols - 1) / cols;
        int wanted = 2 * Parallel.threads();
        int rowBlocks = n * colBlocks >= wanted ? 1 : Math.max(1, Math.min(cOut / 16,
                (wanted + n * colBlocks - 1) / (n * colBlocks)));
        if (!f64 && fusedPointwise(x, xOff, w, bias, out, epilogue, n, cIn, hw, cOut, colBlocks, wanted)) {
            return;
        }
        int perItem = colBlocks * rowBlocks;
        Parallel.forRange(n * perItem, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int i = t / perItem;
                int cb = t % perItem / rowBlocks;
                int rb = t % rowBlocks;
                int q0 = cb * cols;
                int len = Math.min(cols, hw - q0);
                int o0 = (int) ((long) cOut * rb / rowBlocks);
                int o1 = (int) ((long) cOut * (rb + 1) / rowBlocks);
                int c0 = (i * cOut + o0) * hw + q0;
                gemm(f64, o1 - o0, len, cIn, w, o0 * cIn, cIn, 1, x, xOff + i * cIn * hw + q0, hw, 1, out, c0, hw, false);
                for (int o = o0; o < o1; o++) {
                    int off = (i * cOut + o) * hw + q0;
                    if (bias != null) {
                        addScalar(out, off, len, bias, o);
                    }
                    epilogue.apply(out, off, len);
                }
            }
        });
    }

    /**
     * {@link #pointwise} on the provider's fused kernel ({@link KernelProvider#pointwiseConvBlock}),
     * when it fits; false (nothing done) otherwise. Its rectangles: {@code colBlocks} or a few more
     * column blocks of equal width per image, so that the images' blocks divide evenly among the
     * threads (Parallel gives each thread one contiguous run of them: the blocks of the GEMM path,
     * all as wide as the first but the last, left one thread of two with 87% of MobileNet v2's
     * 56 x 56 x 24 layers and 82% of the 14 x 14 x 384 ones at batch 1), cut by rows when there are
     * fewer than {@code wanted}. It fits for float32 where every rectangle is large enough for the
     * tile and each is a product that {@link Gemm#sgemm} would give to the packed kernel, whose
     * bits the fused kernel reproduces (the small-product and native paths sum in other orders; the
     * rectangles themselves do not change any output's operations). Not when the output is the
     * residual's array: the fused kernel stores some columns twice, the second time reading a
     * residual the first store overwrote.
     */
    private static boolean fusedPointwise(Object x, int xOff, Object w, Object bias, Object out, ConvEpilogue epilogue,
                                          int n, int cIn, int hw, int cOut, int colBlocks, int wanted) {
        if (epilogue.residual() == out || n == 0 || hw == 0 || cOut == 0) {
            return false;
        }
        int cb = evenColumnBlocks(n, colBlocks, Parallel.threads());
        int rowBlocks = n * cb >= wanted ? 1 : Math.max(1, Math.min(cOut / 16, (wanted + n * cb - 1) / (n * cb)));
        int minRows = cOut / rowBlocks;
        int maxRows = (cOut + rowBlocks - 1) / rowBlocks;
        int minCols = hw / cb;
        int maxCols = (hw + cb - 1) / cb;
        KernelProvider provider = KernelProvider.get();
        if (!provider.pointwiseConvFits(minRows, minCols) || !Gemm.packingPays(minRows, minCols, cIn)
                || !Gemm.packingPays(maxRows, maxCols, cIn)) {
            return false;
        }
        float[] residual = (float[]) epilogue.residual();
        float lo = (float) epilogue.min();
        float hi = (float) epilogue.max();
        int perItem = cb * rowBlocks;
        Parallel.forRange(n * perItem, 1, (t0, t1) -> {
            int kc = GemmBlocking.current().depth();
            for (int t = t0; t < t1; t++) {
                int i = t / perItem;
                int c = t % perItem / rowBlocks;
                int rb = t % rowBlocks;
                provider.pointwiseConvBlock((float[]) w, cIn, (int) ((long) cOut * rb / rowBlocks),
                        (int) ((long) cOut * (rb + 1) / rowBlocks), (float[]) x, xOff + i * cIn * hw, hw,
                        (int) ((long) hw * c / cb), (int) ((long) hw * (c + 1) / cb), (float[]) bias,
                        residual, epilogue.residualOffset(), lo, hi, (float[]) out, i * cOut * hw, kc);
            }
        });
        return true;
    }

    /**
     * At least {@code colBlocks} column blocks per image such that {@code threads} divides the
     * images' blocks ({@code n * blocks}); one block stays one (those planes split by rows).
     */
    static int evenColumnBlocks(int n, int colBlocks, int threads) {
        int cb = colBlocks;
        while (cb > 1 && (long) n * cb % threads != 0) {
            cb++;
        }
        return cb;
    }

    /** {@code data[off .. off+len) = bias[o]}. */
    private static void fill(Object data, int off, int len, Object bias, int o) {
        if (data instanceof float[] f) {
            java.util.Arrays.fill(f, off, off + len, ((float[]) bias)[o]);
        } else {
            java.util.Arrays.fill((double[]) data, off, off + len, ((double[]) bias)[o]);
        }
    }

    /** {@code data[off .. off+len) += bias[o]}. */
    private static void addScalar(Object data, int off, int len, Object bias, int o) {
        if (data instanceof float[] f) {
            float b = ((float[]) bias)[o];
            for (int j = off; j < off + len; j++) {
                f[j] += b;
            }
        } else {
            double[] d = (double[]) data;
            double b = ((double[]) bias)[o];
            for (int j = off; j < off + len; j++) {
                d[j] += b;
            }
        }
    }

    /**
     * {@code data[off .. off+len) = min(max(data, lo), hi)} in place, with {@code Math.max} and
     * {@code Math.min}'s rules (NaN stays NaN), as the {@code clamp} and {@code relu} kernels
     * compute, so a fused convolution's activation gives their bits; nothing for infinite bounds.
     */
    public static void clamp(Object data, int off, int len, double lo, double hi) {
        if (lo == Double.NEGATIVE_INFINITY && hi == Double.POSITIVE_INFINITY) {
            return;
        }
        if (data instanceof float[] f) {
            KernelProvider.get().unary(dev.walnut.backend.UnaryOp.CLAMP, lo, hi, f, f, off, len);
        } else {
            double[] d = (double[]) data;
            for (int j = off; j < off + len; j++) {
                d[j] = Math.min(Math.max(d[j], lo), hi);
            }
        }
    }

    /**
     * The input gradient {@code dx [n, cIn, h, width]} (overwritten) of {@link #forward} for the
     * output gradient {@code g [n, cOut, oh, ow]} from {@code gOff}; exact when {@code w} is finite.
     */
    public static void inputGrad(Object g, int gOff, Object w, Object dx, int n, int cIn, int h, int width, int cOut,
                                 int kh, int kw) {
        int hw = h * width;
        int grid = n * hw;
        int span = (kh - 1) * width + kw - 1;
        boolean f64 = g instanceof double[];
        // Output gradient on the grid, with span zeros in front so that every shift stays in range.
        int row = span + grid;
        Object gs = gridGradient(g, gOff, n, cOut, h, width, kh, kw, span);
        Object dxs = f64 ? new double[cIn * grid] : new float[cIn * grid];
        int kk = kh * kw;
        int ck = cIn * kk;
        int blocks = (grid + BLOCK - 1) / BLOCK;
        Parallel.forRange(blocks, 1, (lo, hi) -> {
            Object panel = f64 ? new double[ck * (BLOCK + span)] : new float[ck * (BLOCK + span)];
            for (int blk = lo; blk < hi; blk++) {
                int q0 = blk * BLOCK;
                int len = Math.min(BLOCK, grid - q0);
                int wide = len + span;
                // panel[(c, t)][jj] = sum_o w[o][c][t] * g at grid position q0 - span + jj
                gemm(f64, ck, wide, cOut, w, 0, 1, ck, gs, q0, row, 1, panel, 0, wide, false);
                // dx[c][q0 + j] = sum_t panel[(c, t)][j + span - shift_t]
                for (int c = 0; c < cIn; c++) {
                    int d = c * grid + q0;
                    for (int t = 0; t < kk; t++) {
                        int shift = (t / kw) * width + t % kw;
                        int src = (c * kk + t) * wide + span - shift;
                        if (f64) {
                            double[] pd = (double[]) panel;
                            double[] dd = (double[]) dxs;
                            for (int j = 0; j < len; j++) {
                                dd[d + j] += pd[src + j];
                            }
                        } else {
                            float[] pf = (float[]) panel;
                            float[] df = (float[]) dxs;
                            for (int j = 0; j < len; j++) {
                                df[d + j] += pf[src + j];
                            }
                        }
                    }
                }
            }
        });
        Parallel.forRange(n, copyGrain(cIn * hw), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int c = 0; c < cIn; c++) {
                    System.arraycopy(dxs, c * grid + i * hw, dx, (i * cIn + c) * hw, hw);
                }
            }
        });
    }

    /**
     * The weight gradient {@code gw [cOut, cIn, kh, kw]} (overwritten) of {@link #forward}, summed
     * over the batch. Not per tap: each tap's product would pack both long operands again
     * (measured about 3x slower than one product). Instead the windows of every image are
     * unfolded once into {@code cols [cIn*kh*kw][n*oh*ow]} and {@code gw = G x cols^T} is a
     * single GEMM over all window positions, G being the output gradient as
     * {@code [cOut][n*oh*ow]}. Exact for any values (no padding positions take part).
     */
    public static void weightGrad(Object x, int xOff, Object g, int gOff, Object gw, int n, int cIn, int h, int width,
                                  int cOut, int kh, int kw) {
        int hw = h * width;
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        int plane = oh * ow;
        int positions = n * plane;
        boolean f64 = x instanceof double[];
        int ck = cIn * kh * kw;
        Object cols = f64 ? new double[ck * positions] : new float[ck * positions];
        Parallel.forRange(cIn, 1, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < kw; b++) {
                        int row = ((c * kh + a) * kw + b) * positions;
                        for (int i = 0; i < n; i++) {
                            int src = xOff + (i * cIn + c) * hw + a * width + b;
                            int dst = row + i * plane;
                            for (int r = 0; r < oh; r++) {
                                System.arraycopy(x, src + r * width, cols, dst + r * ow, ow);
                            }
                        }
                    }
                }
            }
        });
        Object gRows = f64 ? new double[cOut * positions] : new float[cOut * positions];
        Parallel.forRange(n, copyGrain(cOut * plane), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int o = 0; o < cOut; o++) {
                    System.arraycopy(g, gOff + (i * cOut + o) * plane, gRows, o * positions + i * plane, plane);
                }
            }
        });
        // Split over the positions (the sum), one partial gradient per thread: the GEMM's own
        // split divides C's rows or columns, and each thread then packs the whole of the other,
        // long operand.
        int parts = Math.max(1, Math.min(Parallel.threads(), positions / 1024));
        if (parts == 1) {
            gemm(f64, cOut, ck, positions, gRows, 0, positions, 1, cols, 0, 1, positions, gw, 0, ck, false);
            return;
        }
        Object partial = f64 ? new double[parts * cOut * ck] : new float[parts * cOut * ck];
        Parallel.forRange(parts, 1, (lo, hi) -> {
            for (int q = lo; q < hi; q++) {
                int p0 = (int) ((long) positions * q / parts);
                int p1 = (int) ((long) positions * (q + 1) / parts);
                gemm(f64, cOut, ck, p1 - p0, gRows, p0, positions, 1, cols, p0, 1, positions, partial, q * cOut * ck,
                        ck, false);
            }
        });
        for (int i = 0; i < cOut * ck; i++) {
            if (f64) {
                double v = 0;
                for (int q = 0; q < parts; q++) {
                    v += ((double[]) partial)[q * cOut * ck + i];
                }
                ((double[]) gw)[i] = v;
            } else {
                float v = 0;
                for (int q = 0; q < parts; q++) {
                    v += ((float[]) partial)[q * cOut * ck + i];
                }
                ((float[]) gw)[i] = v;
            }
        }
    }

    /** {@code gb[o] = sum of g [n, cOut, plane] over n and the plane} (overwritten). */
    public static void biasGrad(Object g, int gOff, Object gb, int n, int cOut, int plane) {
        Parallel.forRange(cOut, copyGrain(n * plane), (lo, hi) -> biasGrad(g, gOff, gb, n, cOut, plane, lo, hi));
    }

    private static void biasGrad(Object g, int gOff, Object gb, int n, int cOut, int plane, int o0, int o1) {
        for (int o = o0; o < o1; o++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                int off = gOff + (i * cOut + o) * plane;
                if (g instanceof float[] f) {
                    s += WindowKernelProvider.get().planeSum(f, off, plane);
                } else {
                    double[] d = (double[]) g;
                    for (int j = off; j < off + plane; j++) {
                        s += d[j];
                    }
                }
            }
            if (gb instanceof float[] f) {
                f[o] = (float) s;
            } else {
                ((double[]) gb)[o] = s;
            }
        }
    }

    /** True when no element of {@code data[off .. off+len)} is NaN or infinite. */
    public static boolean allFinite(Object data, int off, int len) {
        if (data instanceof float[] f) {
            return WindowKernelProvider.get().allFinite(f, off, len);
        }
        double[] d = (double[]) data;
        for (int i = off; i < off + len; i++) {
            if (!Double.isFinite(d[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code x [n, c, h, w]} from {@code off}, each plane padded with zeros by {@code pad}
     * ({@code {top, bottom, left, right}}) to {@code hp x wp}, as {@code [c][n * hp * wp]} when
     * {@code channelMajor} (the shifted GEMMs' layout), else {@code [n, c, hp, wp]}: the calling
     * thread's {@link ConvScratch#PADDED} array, valid until its next call. Each plane's rows are
     * copied and its padding zeroed, in one pass over the plane.
     */
    static Object padPlanes(Object x, int off, int n, int c, int h, int w, int[] pad, boolean channelMajor) {
        return padPlanes(x, off, n, c, h, w, pad, channelMajor, 0);
    }

    /** {@link #padPlanes(Object, int, int, int, int, int, int[], boolean)} in an array at least {@code extra} elements longer. */
    static Object padPlanes(Object x, int off, int n, int c, int h, int w, int[] pad, boolean channelMajor,
                            int extra) {
        int hp = h + pad[0] + pad[1];
        int wp = w + pad[2] + pad[3];
        int hw = h * w;
        int plane = hp * wp;
        int first = pad[0] * wp + pad[2];
        Object xs = ConvScratch.take(ConvScratch.PADDED, x instanceof double[], n * c * plane + extra);
        // Planes rather than items in parallel: at batch 1 there is one item.
        Parallel.forRange(n * c, copyGrain(hw), (lo, hi) -> {
            for (int q = lo; q < hi; q++) {
                int src = off + q * hw;
                int base = (channelMajor ? q % c * n + q / c : q) * plane;
                int dst = base + first;
                ConvScratch.zero(xs, base, dst);
                if (wp == w) {
                    System.arraycopy(x, src, xs, dst, hw);
                } else {
                    for (int r = 0; r < h; r++) {
                        System.arraycopy(x, src + r * w, xs, dst + r * wp, w);
                        // This row's right padding and the next row's left.
                        ConvScratch.zero(xs, dst + r * wp + w, r + 1 < h ? dst + (r + 1) * wp : dst + (h - 1) * wp + w);
                    }
                }
                ConvScratch.zero(xs, dst + (h - 1) * wp + w, base + plane);
            }
        });
        return xs;
    }

    /** {@code g [n, cOut, oh, ow]} onto the grid, {@code [cOut][span zeros, n * h * width]}, zeros off the windows. */
    private static Object gridGradient(Object g, int gOff, int n, int cOut, int h, int width, int kh, int kw,
                                       int span) {
        int hw = h * width;
        int row = span + n * hw;
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        Object gs = g instanceof double[] ? new double[cOut * row] : new float[cOut * row];
        Parallel.forRange(n, copyGrain(cOut * oh * ow), (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                for (int o = 0; o < cOut; o++) {
                    for (int r = 0; r < oh; r++) {
                        System.arraycopy(g, gOff + ((i * cOut + o) * oh + r) * ow, gs,
                                o * row + span + i * hw + r * width, ow);
                    }
                }
            }
        });
        return gs;
    }

    /**
     * Columns per block of the forward grid: at most {@link #BLOCK}, whole {@link #UNIT}s, and
     * blocks in a multiple of the thread count when there are at least as many blocks as threads,
     * so every thread gets the same share. (Blocks of 512 left resnet18's 56 x 56 layer at batch
     * 1 with 4 blocks on one thread and 3 on the other, and its 28 x 28 layer with 512 columns on
     * one and 326 on the other.) Fewer columns than threads' worth stay one block, which the GEMM
     * splits by rows itself.
     */
    static int blockColumns(int cols) {
        int blocks = (cols + BLOCK - 1) / BLOCK;
        int threads = Parallel.threads();
        if (blocks > 1 || cols >= threads * 8 * UNIT) {
            blocks = Math.max(blocks, threads);
            blocks = (blocks + threads - 1) / threads * threads;
        }
        int len = (cols + blocks - 1) / blocks;
        return Math.min(BLOCK, (len + UNIT - 1) / UNIT * UNIT);
    }

    /** Items per parallel chunk of a copy loop moving {@code perItem} elements per item. */
    private static int copyGrain(int perItem) {
        return Math.max(1, (1 << 16) / Math.max(1, perItem));
    }

    private static void gemm(boolean f64, int m, int n, int k, Object a, int aOff, int aRs, int aCs, Object b,
                             int bOff, int bRs, int bCs, Object c, int cOff, int ldc, boolean accumulate) {
        if (f64) {
            Gemm.dgemm(m, n, k, 1.0, (double[]) a, aOff, aRs, aCs, (double[]) b, bOff, bRs, bCs, (double[]) c, cOff,
                    ldc, accumulate);
        } else {
            Gemm.sgemm(m, n, k, 1f, (float[]) a, aOff, aRs, aCs, (float[]) b, bOff, bRs, bCs, (float[]) c, cOff, ldc,
                    accumulate);
        }
    }
}
