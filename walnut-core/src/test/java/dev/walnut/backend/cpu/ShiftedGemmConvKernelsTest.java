package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shifted-GEMM forward convolution against a float64 loop over the windows: one image read
 * in place (from an offset) and batches made channel-major, with and without a bias (which the
 * product accumulates onto) and a clamp, grids of one block and of many (the balanced split of
 * {@link ShiftedGemmConvKernels#blockColumns}), in float32 and float64.
 */
class ShiftedGemmConvKernelsTest {
    @ParameterizedTest(name = "n={0} cIn={1} {2}x{3} cOut={4} k={5}x{6} bias={7} xOff={8}")
    @CsvSource({
        // one block; the bias rides in C
        "1, 3, 9, 11, 5, 3, 3, true, 0",
        // one image from an offset, read in place
        "1, 4, 10, 10, 17, 3, 3, true, 7",
        "1, 4, 10, 10, 17, 3, 3, false, 5",
        // many blocks (cols 1518, then 2 images: 3118)
        "1, 3, 40, 40, 9, 3, 3, true, 2",
        "2, 3, 40, 40, 9, 3, 3, false, 0",
        // deep enough that the GEMM reads the weights in place (k = 1152), odd kernel
        "2, 128, 6, 7, 20, 3, 3, true, 1",
        "3, 5, 12, 9, 33, 5, 2, true, 0",
    })
    void forwardMatchesWindowLoop(int n, int cIn, int h, int w, int cOut, int kh, int kw, boolean withBias,
                                  int xOff) {
        SplittableRandom rnd = new SplittableRandom(n * 131L + cIn * 17L + h + cOut);
        double[] x = random(rnd, xOff + n * cIn * h * w);
        double[] wt = random(rnd, cOut * cIn * kh * kw);
        double[] b = withBias ? random(rnd, cOut) : null;
        int oh = h - kh + 1;
        int ow = w - kw + 1;
        double lo = withBias ? 0 : Double.NEGATIVE_INFINITY;
        double[] expected = reference(x, xOff, wt, b, n, cIn, h, w, cOut, kh, kw, lo);

        double[] out64 = new double[n * cOut * oh * ow];
        ConvEpilogue epilogue = new ConvEpilogue(null, 0, lo, Double.POSITIVE_INFINITY);
        ShiftedGemmConvKernels.forward(x, xOff, wt, b, out64, n, cIn, h, w, null, cOut, kh, kw, epilogue);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], out64[i], 1e-12 * (1 + Math.abs(expected[i])) * cIn * kh * kw, "f64 at " + i);
        }

        float[] out32 = new float[n * cOut * oh * ow];
        ShiftedGemmConvKernels.forward(toFloat(x), xOff, toFloat(wt), b == null ? null : toFloat(b), out32, n, cIn, h, w,
                null, cOut, kh, kw, epilogue);
        double tol = 1e-5 * Math.sqrt(cIn * kh * kw);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], out32[i], tol * (1 + Math.abs(expected[i])), "f32 at " + i);
        }
    }

    /**
     * The scratch arrays' leftovers (the input copy's room past the planes, the grid's padding rows
     * and columns, a longer packed-weights array) are read only into positions that are not
     * outputs: filled with NaN beforehand, they change nothing.
     */
    @ParameterizedTest(name = "cOut={0}")
    @ValueSource(ints = {13, 130})
    void scratchLeftoversNeverReachTheOutputs(int cOut) {
        SplittableRandom rnd = new SplittableRandom(cOut);
        int cIn = 6;
        int h = 11;
        double[] x = random(rnd, cIn * h * h);
        double[] wt = random(rnd, cOut * cIn * 9);
        double[] b = random(rnd, cOut);
        int[] pad = {1, 1, 1, 1};
        ConvEpilogue epilogue = new ConvEpilogue(null, 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        float[] clean = new float[cOut * h * h];
        ShiftedGemmConvKernels.forward(toFloat(x), 0, toFloat(wt), toFloat(b), clean, 1, cIn, h, h, pad, cOut, 3, 3,
                epilogue);
        for (int slot : new int[] {ConvScratch.PADDED, ConvScratch.GRID, ConvScratch.WEIGHTS}) {
            java.util.Arrays.fill((float[]) ConvScratch.take(slot, false, 1 << 16), Float.NaN);
        }
        float[] out = new float[cOut * h * h];
        ShiftedGemmConvKernels.forward(toFloat(x), 0, toFloat(wt), toFloat(b), out, 1, cIn, h, h, pad, cOut, 3, 3,
                epilogue);
        org.junit.jupiter.api.Assertions.assertArrayEquals(clean, out);
        double[] expected = reference(padded(x, cIn, h), 0, wt, b, 1, cIn, h + 2, h + 2, cOut, 3, 3,
                Double.NEGATIVE_INFINITY);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], out[i], 1e-5 * Math.sqrt(cIn * 9) * (1 + Math.abs(expected[i])), "at " + i);
        }
    }

    /**
     * Taps whose weight is zero in every output channel are left out, not multiplied: an input
     * channel all +inf whose weights are all zero leaves the outputs finite, with the bits of the
     * same convolution without that channel (the same taps in the same order).
     */
    @ParameterizedTest(name = "cOut={0}")
    @ValueSource(ints = {24, 130})
    void zeroTapsAreLeftOut(int cOut) {
        SplittableRandom rnd = new SplittableRandom(cOut + 7);
        int cIn = 5;
        int dead = 2;
        int h = 12;
        float[] x = toFloat(random(rnd, cIn * h * h));
        java.util.Arrays.fill(x, dead * h * h, (dead + 1) * h * h, Float.POSITIVE_INFINITY);
        float[] w = toFloat(random(rnd, cOut * cIn * 9));
        for (int o = 0; o < cOut; o++) {
            java.util.Arrays.fill(w, (o * cIn + dead) * 9, (o * cIn + dead + 1) * 9, o % 2 == 0 ? 0f : -0f);
        }
        float[] b = toFloat(random(rnd, cOut));
        float[] xLive = new float[(cIn - 1) * h * h];
        float[] wLive = new float[cOut * (cIn - 1) * 9];
        for (int c = 0, j = 0; c < cIn; c++) {
            if (c != dead) {
                System.arraycopy(x, c * h * h, xLive, j++ * h * h, h * h);
            }
        }
        for (int o = 0, j = 0; o < cOut; o++) {
            for (int c = 0; c < cIn; c++) {
                if (c != dead) {
                    System.arraycopy(w, (o * cIn + c) * 9, wLive, j++ * 9, 9);
                }
            }
        }
        int[] pad = {1, 1, 1, 1};
        ConvEpilogue none = new ConvEpilogue(null, 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        float[] out = new float[cOut * h * h];
        ShiftedGemmConvKernels.forward(x, 0, w, b, out, 1, cIn, h, h, pad, cOut, 3, 3, none);
        float[] live = new float[cOut * h * h];
        ShiftedGemmConvKernels.forward(xLive, 0, wLive, b, live, 1, cIn - 1, h, h, pad, cOut, 3, 3, none);
        org.junit.jupiter.api.Assertions.assertArrayEquals(live, out);
        // float64 runs the panel GEMMs, which leave the zero taps out too
        double[] out64 = new double[cOut * h * h];
        ShiftedGemmConvKernels.forward(toDouble(x), 0, toDouble(w), toDouble(b), out64, 1, cIn, h, h, pad, cOut, 3, 3,
                none);
        double[] live64 = new double[cOut * h * h];
        ShiftedGemmConvKernels.forward(toDouble(xLive), 0, toDouble(wLive), toDouble(b), live64, 1, cIn - 1, h, h, pad,
                cOut, 3, 3, none);
        org.junit.jupiter.api.Assertions.assertArrayEquals(live64, out64);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Weights all zero: the bias (or zeros), whatever the input holds. */
    @ParameterizedTest(name = "bias={0}")
    @ValueSource(booleans = {true, false})
    void allZeroWeightsGiveTheBias(boolean withBias) {
        int cIn = 4;
        int cOut = 20;
        int h = 9;
        float[] x = new float[cIn * h * h];
        java.util.Arrays.fill(x, Float.NaN);
        float[] w = new float[cOut * cIn * 9];
        float[] b = withBias ? toFloat(random(new SplittableRandom(3), cOut)) : null;
        float[] out = new float[cOut * h * h];
        ShiftedGemmConvKernels.forward(x, 0, w, b, out, 1, cIn, h, h, new int[] {1, 1, 1, 1}, cOut, 3, 3,
                new ConvEpilogue(null, 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        for (int i = 0; i < out.length; i++) {
            assertEquals(withBias ? b[i / (h * h)] : 0f, out[i], "at " + i);
        }
    }

    /** {@code x [c, h, h]} with a border of one zero. */
    private static double[] padded(double[] x, int c, int h) {
        int hp = h + 2;
        double[] y = new double[c * hp * hp];
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(x, (ch * h + r) * h, y, (ch * hp + r + 1) * hp + 1, h);
            }
        }
        return y;
    }

    @ParameterizedTest(name = "{0} columns")
    @ValueSource(ints = {1, 31, 61, 222, 511, 512, 513, 838, 3246, 26794})
    void blocksCoverTheGridInWholePanelsAndShareEvenly(int cols) {
        int len = ShiftedGemmConvKernels.blockColumns(cols);
        int blocks = (cols + len - 1) / len;
        assertTrue(len > 0 && len <= 512 && len % 32 == 0, "block width " + len + " for " + cols);
        assertTrue((long) blocks * len >= cols && (long) (blocks - 1) * len < cols, "blocks cover the grid once");
        int threads = Parallel.threads();
        if (blocks > 1 && cols <= 512 * 16) {
            // Every thread gets the same number of blocks, give or take the short last one.
            assertTrue(blocks % threads == 0 || blocks > 8 * threads, blocks + " blocks for " + threads + " threads");
        }
    }

    private static double[] reference(double[] x, int xOff, double[] w, double[] b, int n, int cIn, int h, int wd,
                                      int cOut, int kh, int kw, double lo) {
        int oh = h - kh + 1;
        int ow = wd - kw + 1;
        double[] y = new double[n * cOut * oh * ow];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < cOut; o++) {
                for (int r = 0; r < oh; r++) {
                    for (int c = 0; c < ow; c++) {
                        double s = b == null ? 0 : b[o];
                        for (int ci = 0; ci < cIn; ci++) {
                            for (int a = 0; a < kh; a++) {
                                for (int e = 0; e < kw; e++) {
                                    s += w[((o * cIn + ci) * kh + a) * kw + e]
                                            * x[xOff + ((i * cIn + ci) * h + r + a) * wd + c + e];
                                }
                            }
                        }
                        y[((i * cOut + o) * oh + r) * ow + c] = Math.max(s, lo);
                    }
                }
            }
        }
        return y;
    }

    private static double[] random(SplittableRandom rnd, int len) {
        double[] d = new double[len];
        for (int i = 0; i < len; i++) {
            // float-exact values, so the float32 run starts from the same inputs
            d[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return d;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
