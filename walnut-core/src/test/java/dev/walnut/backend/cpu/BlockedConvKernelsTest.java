package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.functional.Convolution;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The channel-blocked convolution ({@link BlockedConvKernels}): the driver (reorders, padding,
 * tiles that run on across rows, the overlapping last tile, the residual and clamp) with the
 * scalar tile at a small block size against a float64 reference, on any machine; the Vector API
 * tile and reorders (gathers, scatters) bit for bit against the scalar ones where the provider
 * has them; and the backend's use of it
 * (weights packed again after an in-place update).
 */
class BlockedConvKernelsTest {
    @ParameterizedTest(name = "lanes={0} n={1} cIn={2} {3}x{4} pad={5} cOut={6} k={7}x{8} bias={9} residual={10} clamp={11}")
    @CsvSource({
        // resnet18's 3x3 layers, scaled down; batches; positions not a multiple of the tile
        "4, 1, 8, 9, 9, 1:1:1:1, 8, 3, 3, true, false, relu",
        "4, 3, 4, 5, 7, 1:1:1:1, 16, 3, 3, true, true, relu",
        "4, 2, 12, 3, 3, 1:1:1:1, 8, 3, 3, false, false, none",
        // no padding, asymmetric padding ("same" for an even kernel), wide and tall kernels
        "4, 1, 8, 6, 6, 0:0:0:0, 8, 3, 3, true, false, relu6",
        "4, 2, 4, 7, 5, 0:1:1:0, 8, 2, 2, true, true, relu6",
        "4, 1, 4, 4, 9, 0:0:2:2, 8, 1, 5, false, true, none",
        "4, 1, 8, 8, 3, 2:2:0:0, 16, 5, 1, true, false, none",
        // a single tile per plane pair (eight positions), and the block size of the vector tile
        "4, 1, 4, 2, 2, 1:1:1:1, 8, 3, 3, true, false, none",
        "16, 2, 32, 6, 6, 1:1:1:1, 64, 3, 3, true, true, relu",
    })
    void scalarTilesMatchTheReference(int lanes, int n, int cIn, int h, int w, String pad, int cOut, int kh, int kw,
                                      boolean withBias, boolean withResidual, String clamp) {
        checkScalarTiles(lanes, n, cIn, h, w, pad, cOut, kh, kw, 1, 1, withBias, withResidual, clamp);
    }

    /**
     * Strided: the input split into phases, each tap a stride-1 displacement in its phase; phases
     * no tap reads (1x1) left out; sizes that do not divide by the stride (a last phase row or
     * column shorter, input rows no window reads).
     */
    @ParameterizedTest(name = "lanes={0} n={1} cIn={2} {3}x{4} pad={5} cOut={6} k={7}x{8} stride={9}x{10}")
    @CsvSource({
        // resnet18's strided 3x3 (pad 1) and 1x1 (downsample) layers, scaled down
        "4, 1, 8, 10, 10, 1:1:1:1, 8, 3, 3, 2, 2, true, false, relu",
        "4, 2, 4, 9, 11, 1:1:1:1, 16, 3, 3, 2, 2, true, true, relu",
        "4, 2, 8, 10, 10, 0:0:0:0, 8, 1, 1, 2, 2, true, false, none",
        "4, 1, 4, 7, 9, 0:0:0:0, 8, 1, 1, 2, 2, false, true, none",
        // other strides, uneven ones, kernels wider than the stride and not, asymmetric padding
        "4, 1, 4, 13, 12, 2:1:0:2, 8, 3, 2, 3, 1, true, false, relu6",
        "4, 1, 8, 12, 12, 1:1:1:1, 8, 4, 4, 3, 3, true, false, none",
        "4, 1, 4, 16, 9, 3:3:3:3, 8, 7, 7, 2, 2, true, true, relu",
        "4, 1, 4, 8, 16, 0:0:0:0, 8, 2, 2, 2, 4, false, false, none",
        // the vector tile's block size
        "16, 1, 32, 14, 14, 1:1:1:1, 32, 3, 3, 2, 2, true, false, relu",
    })
    void stridedScalarTilesMatchTheReference(int lanes, int n, int cIn, int h, int w, String pad, int cOut, int kh,
                                             int kw, int sh, int sw, boolean withBias, boolean withResidual,
                                             String clamp) {
        checkScalarTiles(lanes, n, cIn, h, w, pad, cOut, kh, kw, sh, sw, withBias, withResidual, clamp);
    }

    private static void checkScalarTiles(int lanes, int n, int cIn, int h, int w, String pad, int cOut, int kh, int kw,
                                         int sh, int sw, boolean withBias, boolean withResidual, String clamp) {
        int[] p = Arrays.stream(pad.split(":")).mapToInt(Integer::parseInt).toArray();
        var g = BlockedConvKernels.geometry(lanes, n, cIn, h, w, p, cOut, kh, kw, sh, sw);
        assertNotNull(g);
        SplittableRandom rnd = new SplittableRandom(lanes * 31L + n * 7L + cIn + h * 13L + kh);
        int xOff = 3;
        float[] x = random(rnd, xOff + n * cIn * h * w);
        float[] wt = random(rnd, cOut * cIn * kh * kw);
        float[] bias = withBias ? random(rnd, cOut) : null;
        int outSize = n * cOut * g.oh() * g.ow();
        int rOff = 2;
        float[] residual = withResidual ? random(rnd, rOff + outSize) : null;
        double lo = clamp.equals("none") ? Double.NEGATIVE_INFINITY : 0;
        double hi = clamp.equals("relu6") ? 6 : Double.POSITIVE_INFINITY;
        float[] out = new float[outSize];
        Arrays.fill(out, Float.NaN);
        BlockedConvKernels.forward(x, xOff, BlockedConvKernels.packWeights(wt, g, null), bias, out, g,
                new ConvEpilogue(residual, rOff, lo, hi), null);
        double[] expected = reference(x, xOff, wt, bias, n, cIn, h, w, p, cOut, kh, kw, sh, sw);
        assertEquals(expected.length, outSize);
        for (int i = 0; i < outSize; i++) {
            double v = expected[i] + (residual == null ? 0 : residual[rOff + i]);
            v = Math.min(Math.max(v, lo), hi);
            assertEquals(v, out[i], 1e-5 * (1 + Math.abs(v)), "output " + i);
        }
    }

    @Test
    void vectorTileGivesTheScalarTilesBits() {
        KernelProvider provider = KernelProvider.get();
        assumeTrue(provider.blockedConvLanes() > 0, "needs the Vector API provider with 16-lane float vectors");
        int lanes = provider.blockedConvLanes();
        SplittableRandom rnd = new SplittableRandom(17);
        // {n, input blocks, h, w, output blocks, kernel, stride}
        for (int[] s : new int[][] {{1, 2, 7, 7, 4, 3, 1}, {2, 1, 5, 9, 2, 3, 1}, {1, 3, 14, 14, 2, 1, 1},
                {1, 1, 3, 3, 2, 3, 1}, {2, 2, 14, 13, 2, 3, 2}, {1, 1, 14, 14, 4, 1, 2}, {1, 1, 11, 11, 2, 3, 3},
                {2, 3, 20, 21, 4, 3, 1}}) { // the last: several groups of 3x3 tiles per plane pair, three input blocks
            int n = s[0];
            int cIn = s[1] * lanes;
            int cOut = s[4] * lanes;
            int k = s[5];
            int[] pad = {k / 2, k / 2, k / 2, k / 2};
            var g = BlockedConvKernels.geometry(lanes, n, cIn, s[2], s[3], pad, cOut, k, k, s[6], s[6]);
            float[] x = random(rnd, n * cIn * s[2] * s[3]);
            float[] wp = BlockedConvKernels.packWeights(random(rnd, cOut * cIn * k * k), g, null);
            float[] bias = random(rnd, cOut);
            int size = n * cOut * g.oh() * g.ow();
            // The clamp in the tile, then after a residual added by the output reorder.
            for (float[] residual : new float[][] {null, random(rnd, 1 + size)}) {
                float[] scalar = new float[size];
                float[] vector = new float[size];
                ConvEpilogue epilogue = new ConvEpilogue(residual, 1, 0, residual == null ? Double.POSITIVE_INFINITY : 0.5);
                BlockedConvKernels.forward(x, 0, wp, bias, scalar, g, epilogue, null);
                BlockedConvKernels.forward(x, 0, wp, bias, vector, g, epilogue, provider);
                assertArrayEquals(scalar, vector, Arrays.toString(s) + (residual == null ? "" : " with a residual"));
            }
        }
    }

    /**
     * The input gradient as a convolution of the padded output gradient with the flipped weights:
     * against the float64 full correlation with the scalar tile, then the vector tile bit for bit.
     */
    @ParameterizedTest(name = "lanes={0} n={1} cIn={2} {3}x{4} cOut={5} k={6}x{7}")
    @CsvSource({
        "4, 2, 8, 7, 7, 4, 3, 3",
        "4, 1, 16, 6, 9, 8, 2, 3",
        "4, 3, 8, 13, 13, 12, 5, 5",
        "16, 2, 32, 13, 13, 64, 3, 3", // the bench CNN's second layer, two images
    })
    void inputGradMatchesTheFullCorrelation(int lanes, int n, int cIn, int h, int w, int cOut, int kh, int kw) {
        var g = BlockedConvKernels.inputGradGeometry(lanes, n, cIn, h, w, cOut, kh, kw);
        assertNotNull(g);
        SplittableRandom rnd = new SplittableRandom(n * 100L + cIn + kh);
        int oh = h - kh + 1;
        int ow = w - kw + 1;
        float[] gy = random(rnd, 1 + n * cOut * oh * ow);
        float[] wt = random(rnd, cOut * cIn * kh * kw);
        float[] dx = new float[n * cIn * h * w];
        BlockedConvKernels.inputGrad(gy, 1, wt, dx, g, null);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cIn; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double s = 0;
                        for (int o = 0; o < cOut; o++) {
                            for (int a = Math.max(0, y - oh + 1); a <= Math.min(kh - 1, y); a++) {
                                for (int b = Math.max(0, x - ow + 1); b <= Math.min(kw - 1, x); b++) {
                                    s += (double) gy[1 + ((i * cOut + o) * oh + y - a) * ow + x - b]
                                            * wt[((o * cIn + c) * kh + a) * kw + b];
                                }
                            }
                        }
                        int at = ((i * cIn + c) * h + y) * w + x;
                        assertEquals(s, dx[at], 1e-5 * (1 + Math.abs(s)), "dx " + at);
                    }
                }
            }
        }
        KernelProvider provider = KernelProvider.get();
        if (provider.blockedConvLanes() == lanes) {
            float[] vector = new float[dx.length];
            BlockedConvKernels.inputGrad(gy, 1, wt, vector, g, provider);
            assertArrayEquals(dx, vector, "vector tile");
        }
    }

    /**
     * The weight gradient on channel blocks: against the float64 sum over images and windows with
     * the scalar kernel, then the vector kernel bit for bit. One block pair and one input block
     * split the images into partial sums; more positions than a chunk, rows shorter than one.
     */
    @ParameterizedTest(name = "lanes={0} n={1} cIn={2} {3}x{4} cOut={5} k={6}x{7}")
    @CsvSource({
        "4, 3, 4, 7, 7, 8, 3, 3",
        "4, 2, 8, 6, 9, 16, 2, 3",
        "4, 5, 12, 13, 13, 8, 5, 5",
        "16, 3, 32, 13, 13, 64, 3, 3", // the bench CNN's second layer, three images
        "16, 1, 16, 20, 21, 32, 3, 3",
    })
    void weightGradMatchesTheSumOverWindows(int lanes, int n, int cIn, int h, int w, int cOut, int kh, int kw) {
        var g = BlockedConvKernels.geometry(lanes, n, cIn, h, w, null, cOut, kh, kw);
        assertNotNull(g);
        SplittableRandom rnd = new SplittableRandom(n * 100L + cIn + kh + 1);
        int oh = h - kh + 1;
        int ow = w - kw + 1;
        float[] x = random(rnd, 2 + n * cIn * h * w);
        float[] gy = random(rnd, 1 + n * cOut * oh * ow);
        float[] dw = new float[cOut * cIn * kh * kw];
        BlockedConvKernels.weightGrad(x, 2, gy, 1, dw, g, null);
        for (int o = 0; o < cOut; o++) {
            for (int c = 0; c < cIn; c++) {
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < kw; b++) {
                        double s = 0;
                        for (int i = 0; i < n; i++) {
                            for (int y = 0; y < oh; y++) {
                                for (int j = 0; j < ow; j++) {
                                    s += (double) gy[1 + ((i * cOut + o) * oh + y) * ow + j]
                                            * x[2 + ((i * cIn + c) * h + y + a) * w + j + b];
                                }
                            }
                        }
                        int at = ((o * cIn + c) * kh + a) * kw + b;
                        assertEquals(s, dw[at], 1e-5 * (1 + Math.abs(s)), "dw " + at);
                    }
                }
            }
        }
        KernelProvider provider = KernelProvider.get();
        if (provider.blockedConvLanes() == lanes) {
            float[] vector = new float[dw.length];
            BlockedConvKernels.weightGrad(x, 2, gy, 1, vector, g, provider);
            assertArrayEquals(dw, vector, "vector kernel");
        }
    }

    @Test
    void geometryDeclinesWhatTheTileCannotRun() {
        assertNull(BlockedConvKernels.geometry(0, 1, 16, 8, 8, null, 32, 3, 3), "no tile");
        assertNull(BlockedConvKernels.geometry(16, 1, 24, 8, 8, null, 32, 3, 3), "input channels not whole blocks");
        assertNull(BlockedConvKernels.geometry(16, 1, 16, 8, 8, null, 16, 3, 3), "one output block, not a pair");
        assertNull(BlockedConvKernels.geometry(16, 1, 16, 2, 2, null, 32, 3, 3), "no output position");
        assertNull(BlockedConvKernels.geometry(16, 1, 16, 2, 3, null, 32, 2, 2), "fewer positions than a tile");
        assertNull(BlockedConvKernels.geometry(16, 1 << 20, 16, 64, 64, null, 32, 3, 3), "buffers past an int index");
        assertNotNull(BlockedConvKernels.geometry(16, 1, 16, 3, 3, new int[] {1, 1, 1, 1}, 32, 3, 3));
    }

    /**
     * Through the backend: a convolution the blocked path takes keeps its packed weights between
     * calls, and packs them again when they are written in place (a training step's update).
     */
    @Test
    void backendPacksWeightsAgainAfterAnInPlaceWrite() {
        assumeTrue(KernelProvider.get().blockedConvLanes() > 0, "needs the Vector API provider with 16-lane float vectors");
        int c = KernelProvider.get().blockedConvLanes();
        Tensor.manualSeed(5);
        Tensor x = Tensor.randn(2, c, 6, 6);
        Tensor w = Tensor.randn(2 * c, c, 3, 3);
        Tensor b = Tensor.randn(2 * c);
        try (var off = Autograd.noGrad()) {
            float[] first = Convolution.conv2d(x, w, b, 1, 1, 1, 1).toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(first, Convolution.conv2d(x, w, b, 1, 1, 1, 1).toFloatArray(), "call " + i);
            }
            w.mulInPlace(2.0);
            float[] doubled = Convolution.conv2d(x, w, b, 1, 1, 1, 1).toFloatArray();
            float[] expected = Convolution.conv2d(x, w.clone(), b, 1, 1, 1, 1).toFloatArray();
            assertArrayEquals(expected, doubled);
            double[] ref = reference(x.toFloatArray(), 0, w.toFloatArray(), b.toFloatArray(), 2, c, 6, 6,
                    new int[] {1, 1, 1, 1}, 2 * c, 3, 3);
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], doubled[i], 1e-4 * (1 + Math.abs(ref[i])), "output " + i);
            }
            assertTrue(Arrays.stream(ref).anyMatch(v -> v != 0));
        }
    }

    /**
     * The backend's switch ({@code walnut.blockedConv}): on, a convolution with whole channel
     * blocks gives the blocked kernel's bits; off, the shifted GEMM's.
     */
    @Test
    void backendSwitchChoosesBetweenTheBlockedAndTheShiftedKernels() {
        int lanes = KernelProvider.get().blockedConvLanes();
        assumeTrue(lanes > 0, "needs the Vector API provider with 16-lane float vectors");
        int[] pad = {1, 1, 1, 1};
        int c = 2 * lanes; // more input channels than the direct kernels take
        var g = BlockedConvKernels.geometry(lanes, 1, c, 6, 7, pad, 2 * lanes, 3, 3);
        SplittableRandom rnd = new SplittableRandom(11);
        float[] x = random(rnd, c * 42);
        float[] w = random(rnd, 2 * lanes * c * 9);
        float[] b = random(rnd, 2 * lanes);
        float[] blocked = new float[2 * lanes * 42];
        BlockedConvKernels.forward(x, 0, BlockedConvKernels.packWeights(w, g, null), b, blocked, g, ConvEpilogue.NONE,
                KernelProvider.get());
        float[] shifted = new float[blocked.length];
        ShiftedGemmConvKernels.forward(x, 0, w, b, shifted, 1, c, 6, 7, pad, 2 * lanes, 3, 3, ConvEpilogue.NONE);
        CpuBackend cpu = CpuBackend.INSTANCE;
        boolean was = CpuBackend.blockedConv;
        try {
            for (boolean on : new boolean[] {true, false}) {
                CpuBackend.blockedConv = on;
                var out = cpu.conv2d(cpu.fromArray(x), 0, cpu.fromArray(w),
                        dev.walnut.backend.Layout.contiguous(new int[] {2 * lanes, c, 3, 3}), cpu.fromArray(b),
                        dev.walnut.backend.Layout.contiguous(new int[] {2 * lanes}), null, 0, 1, c, 6, 7, pad,
                        2 * lanes, 3, 3, 1, 1, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
                assertArrayEquals(on ? blocked : shifted, (float[]) ((CpuStorage) out).array, "blockedConv=" + on);
            }
        } finally {
            CpuBackend.blockedConv = was;
        }
    }

    /** {@code conv(pad(x), w) + bias} in float64, NCHW. */
    private static double[] reference(float[] x, int xOff, float[] w, float[] bias, int n, int cIn, int h, int wd,
                                      int[] pad, int cOut, int kh, int kw) {
        return reference(x, xOff, w, bias, n, cIn, h, wd, pad, cOut, kh, kw, 1, 1);
    }

    /** {@code conv(pad(x), w) + bias} with strides {@code sh, sw} in float64, NCHW. */
    private static double[] reference(float[] x, int xOff, float[] w, float[] bias, int n, int cIn, int h, int wd,
                                      int[] pad, int cOut, int kh, int kw, int sh, int sw) {
        int oh = (h + pad[0] + pad[1] - kh) / sh + 1;
        int ow = (wd + pad[2] + pad[3] - kw) / sw + 1;
        double[] out = new double[n * cOut * oh * ow];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < cOut; o++) {
                for (int y = 0; y < oh; y++) {
                    for (int j = 0; j < ow; j++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int c = 0; c < cIn; c++) {
                            for (int a = 0; a < kh; a++) {
                                for (int b = 0; b < kw; b++) {
                                    int yy = y * sh + a - pad[0];
                                    int xx = j * sw + b - pad[2];
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                                        s += (double) w[((o * cIn + c) * kh + a) * kw + b]
                                                * x[xOff + ((i * cIn + c) * h + yy) * wd + xx];
                                    }
                                }
                            }
                        }
                        out[((i * cOut + o) * oh + y) * ow + j] = s;
                    }
                }
            }
        }
        return out;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }
}
