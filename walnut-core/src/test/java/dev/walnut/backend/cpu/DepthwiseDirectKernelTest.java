package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The depthwise forward against a plain loop over the taps inside the plane, at the border,
 * stride and tail cases of the Vector API's direct kernel ({@link DepthwiseRowKernels#forwardDirect}):
 * planes narrower than a vector and one column wider or narrower than one or two vectors, stride
 * 2 (whose last vector reads one column past its taps, here at the very end of the array),
 * paddings 0 to 2, kernel heights other than 3, vertical strides, multipliers, batches, the
 * ReLU6 clamp, blocks of rows (the split of a batch-1 layer over threads) and the kernels the
 * direct path leaves to the packed one (dilation, 5-wide, float64).
 */
class DepthwiseDirectKernelTest {

    @ParameterizedTest(name = "[{index}] n={0} C={1} m={2} {3}x{4} k{5}x{6} s{7}x{8} p{9}x{10} d{11}x{12} clamp={13}")
    @CsvSource({
            // MobileNet v2's layers: 3x3, padding 1, stride 1 and 2, at 112 down to 7 wide.
            "1, 3, 1, 112, 112, 3, 3, 1, 1, 1, 1, 1, 1, true",
            "2, 3, 1, 56, 56, 3, 3, 2, 2, 1, 1, 1, 1, true",
            "2, 4, 1, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, true",
            "2, 5, 1, 14, 14, 3, 3, 2, 2, 1, 1, 1, 1, true",
            "3, 4, 1, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, false",
            // Widths around one and two vectors (8 and 16 lanes), below one, and 1 to 3 wide.
            "1, 2, 1, 5, 15, 3, 3, 1, 1, 1, 1, 1, 1, false",
            "1, 2, 1, 5, 16, 3, 3, 1, 1, 1, 1, 1, 1, false",
            "1, 2, 1, 5, 17, 3, 3, 1, 1, 1, 1, 1, 1, false",
            "1, 2, 1, 4, 33, 3, 3, 1, 1, 1, 1, 1, 1, true",
            "1, 2, 1, 6, 35, 3, 3, 2, 2, 1, 1, 1, 1, false",
            "1, 2, 1, 6, 34, 3, 3, 2, 2, 1, 1, 1, 1, false",
            "1, 2, 1, 6, 67, 3, 3, 2, 2, 1, 1, 1, 1, true",
            "2, 2, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, false",
            "2, 2, 1, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1, false",
            "1, 2, 1, 3, 3, 3, 3, 1, 1, 0, 0, 1, 1, false",
            "1, 2, 1, 3, 40, 3, 3, 1, 1, 0, 0, 1, 1, false",
            // Valid and wider padding, other heights, vertical strides, multipliers.
            "2, 3, 1, 9, 41, 3, 3, 1, 1, 0, 0, 1, 1, false",
            "1, 3, 1, 9, 41, 3, 3, 2, 2, 0, 0, 1, 1, false",
            "1, 3, 2, 11, 45, 3, 3, 1, 2, 2, 2, 1, 1, true",
            "2, 2, 1, 10, 38, 5, 3, 3, 1, 2, 1, 1, 1, false",
            "1, 2, 3, 8, 50, 1, 3, 1, 2, 0, 1, 1, 1, false",
            "1, 2, 1, 12, 36, 2, 3, 2, 1, 1, 0, 1, 1, true",
            // Left to the packed scratch plane: dilation, 5-wide kernels, stride 3.
            "1, 2, 1, 13, 29, 3, 3, 1, 1, 2, 2, 2, 2, false",
            "1, 2, 1, 13, 29, 5, 5, 1, 1, 2, 2, 1, 1, true",
            "1, 2, 1, 13, 29, 3, 3, 3, 3, 1, 1, 1, 1, false"})
    void forwardMatchesThePlainLoop(int n, int c, int m, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                                    int dh, int dw, boolean clamp) {
        var g = new DepthwiseConvKernels.Geometry(n, c, m, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
        var rnd = new Random(h * 131 + w);
        float[] x = random(rnd, g.inputSize());
        float[] wt = random(rnd, g.weightSize());
        float[] bias = random(rnd, c * m);
        double min = clamp ? 0 : Double.NEGATIVE_INFINITY;
        double max = clamp ? 0.5 : Double.POSITIVE_INFINITY;
        // x exactly as long as the input, so that the last plane ends the array.
        float[] out = new float[g.outputSize()];
        DepthwiseConvKernels.forward(x, 0, wt, bias, out, g, min, max);
        assertClose(reference(x, 0, wt, bias, g, min, max), out, "float32");
        // From an offset, without a bias.
        float[] shifted = new float[x.length + 5];
        System.arraycopy(x, 0, shifted, 5, x.length);
        Arrays.fill(out, Float.NaN);
        DepthwiseConvKernels.forward(shifted, 5, wt, null, out, g, min, max);
        assertClose(reference(x, 0, wt, null, g, min, max), out, "float32 at an offset");
        // The float64 twin keeps its packed path.
        double[] out64 = new double[g.outputSize()];
        DepthwiseConvKernels.forward(toDouble(x), 0, toDouble(wt), toDouble(bias), out64, g, min, max);
        float[] back = new float[out64.length];
        for (int i = 0; i < back.length; i++) {
            back[i] = (float) out64[i];
        }
        assertClose(reference(x, 0, wt, bias, g, min, max), back, "float64");
    }

    @ParameterizedTest(name = "[{index}] {0}x{1} stride {2}")
    @CsvSource({"112, 112, 1", "14, 14, 1", "7, 7, 1", "28, 28, 2", "30, 61, 2", "9, 9, 1", "14, 14, 2", "15, 15, 2"})
    void rowBlocksWriteTheirRowsOnly(int h, int w, int s) {
        DepthwiseRowKernels v = vectorKernels();
        var g = new DepthwiseConvKernels.Geometry(1, 1, 1, h, w, 3, 3, s, s, 1, 1, 1, 1);
        assertTrue(v.direct(g));
        var rnd = new Random(7);
        float[] x = random(rnd, g.inputSize());
        float[] wt = random(rnd, 9);
        float[] expected = reference(x, 0, wt, new float[] {0.25f}, g, 0, 6);
        int oh = g.outH();
        int ow = g.outW();
        // One scratch for every block, as a thread reuses it across the planes and blocks it runs.
        float[] scratch = new float[v.directScratch(g)];
        for (int i0 = 0; i0 < oh; i0 += 1 + oh / 5) {
            for (int i1 = i0 + 1; i1 <= oh; i1 += 1 + oh / 4) {
                float[] out = new float[g.outputSize()];
                Arrays.fill(out, Float.NaN);
                v.forwardDirect(x, 0, wt, 0, 0.25f, out, 0, g, i0, i1, 0f, 6f, scratch);
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        float got = out[i * ow + j];
                        String at = "rows [" + i0 + ", " + i1 + "), output (" + i + ", " + j + ")";
                        if (i < i0 || i >= i1) {
                            assertTrue(Float.isNaN(got), at + " is outside the block but was written: " + got);
                        } else {
                            assertEquals(expected[i * ow + j], got, 1e-5f * (1 + Math.abs(expected[i * ow + j])), at);
                        }
                    }
                }
            }
        }
    }

    /**
     * Every output of the Vector API's direct kernel is a chain of fused multiply-adds from the
     * bias over the taps inside the plane in row-major order, then the clamp: the same bits as
     * that scalar chain, whichever of its paths (inner rows, border rows of either stride with
     * 1 to 5 kernel rows inside, border columns, narrow planes) computed it.
     */
    @ParameterizedTest(name = "[{index}] {0}x{1} k{2}x3 s{3}x{4} p{5}x{6}")
    @CsvSource({
            "112, 112, 3, 1, 1, 1, 1", "56, 56, 3, 2, 2, 1, 1", "14, 14, 3, 1, 1, 1, 1", "7, 7, 3, 2, 2, 1, 1",
            "9, 41, 3, 2, 2, 0, 0", "11, 45, 3, 1, 2, 2, 2", "10, 38, 5, 3, 1, 2, 1", "8, 50, 1, 1, 2, 0, 1",
            "12, 36, 2, 2, 1, 1, 0", "12, 37, 5, 1, 2, 2, 1", "6, 67, 3, 2, 2, 1, 1", "5, 9, 4, 1, 1, 2, 1",
            // Narrow stride-2 planes whose outputs fit half a vector (8 lanes with AVX-512, 4
            // with AVX2) or just do not, odd and even output heights (pairs of rows and one).
            "14, 14, 3, 2, 2, 1, 1", "15, 15, 3, 2, 2, 1, 1", "16, 16, 3, 2, 2, 1, 1", "17, 17, 3, 2, 2, 1, 1",
            "8, 8, 3, 2, 2, 1, 1", "9, 9, 3, 2, 2, 1, 1", "13, 6, 3, 2, 2, 1, 1"})
    void directKernelGivesTheBitsOfAScalarFmaChain(int h, int w, int kh, int sh, int sw, int ph, int pw) {
        DepthwiseRowKernels v = vectorKernels();
        var g = new DepthwiseConvKernels.Geometry(1, 1, 1, h, w, kh, 3, sh, sw, ph, pw, 1, 1);
        assertTrue(v.direct(g));
        var rnd = new Random(h * 31 + w * 7 + kh);
        float[] x = random(rnd, g.inputSize());
        float[] wt = random(rnd, 3 * kh);
        int oh = g.outH();
        int ow = g.outW();
        float[] out = new float[g.outputSize()];
        v.forwardDirect(x, 0, wt, 0, 0.375f, out, 0, g, 0, oh, -1.5f, 2.5f, new float[v.directScratch(g)]);
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
                float acc = 0.375f;
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < 3; b++) {
                        int y = i * sh - ph + a;
                        int c = j * sw - pw + b;
                        if (y >= 0 && y < h && c >= 0 && c < w) {
                            acc = Math.fma(x[y * w + c], wt[3 * a + b], acc);
                        }
                    }
                }
                float expected = Math.min(Math.max(acc, -1.5f), 2.5f);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[i * ow + j]),
                        "output (" + i + ", " + j + "): expected " + expected + " but was " + out[i * ow + j]);
            }
        }
    }

    @Test
    void paddingAddsNothingNextToAnInfiniteInput() {
        // The border rows sum the kernel rows inside the plane only: zero padding times a weight,
        // not zero weight times an input, which would turn this infinity into NaN.
        var g = new DepthwiseConvKernels.Geometry(1, 1, 1, 20, 40, 3, 3, 1, 1, 1, 1, 1, 1);
        var rnd = new Random(3);
        float[] x = random(rnd, g.inputSize());
        float[] wt = {1, 2, 1, 0.5f, 1, 0.5f, 1, 2, 1};
        x[0] = Float.POSITIVE_INFINITY;
        x[g.inputSize() - 1] = Float.POSITIVE_INFINITY;
        x[19 * 40 + 17] = Float.POSITIVE_INFINITY;
        float[] out = new float[g.outputSize()];
        DepthwiseConvKernels.forward(x, 0, wt, null, out, g, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        float[] expected = reference(x, 0, wt, null, g, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        for (int i = 0; i < out.length; i++) {
            if (Float.isInfinite(expected[i])) {
                assertEquals(expected[i], out[i], "output " + i);
            }
        }
        assertEquals(Float.POSITIVE_INFINITY, out[0]);
        assertEquals(Float.POSITIVE_INFINITY, out[19 * 40 + 16]);
    }

    @Test
    void theScalarProviderPacksInstead() {
        var g = new DepthwiseConvKernels.Geometry(1, 1, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1);
        DepthwiseRowKernels s = DepthwiseRowKernels.scalar();
        assertFalse(s.direct(g));
        var e = assertThrows(UnsupportedOperationException.class,
                () -> s.forwardDirect(new float[64], 0, new float[9], 0, 0f, new float[64], 0, g, 0, 8, 0f, 6f,
                        new float[0]));
        assertTrue(e.getMessage().contains("direct(g)"), e.getMessage());
        assertFalse(vectorKernels().direct(new DepthwiseConvKernels.Geometry(1, 1, 1, 8, 8, 3, 3, 1, 1, 1, 1, 2, 1)));
    }

    private static DepthwiseRowKernels vectorKernels() {
        var v = DepthwiseRowKernels.vector();
        assumeTrue(v.isPresent(), "runs with --add-modules jdk.incubator.vector");
        return v.get();
    }

    /** The definition: the taps inside the plane, summed in double, then clamped. */
    private static float[] reference(float[] x, int xOff, float[] w, float[] bias, DepthwiseConvKernels.Geometry g,
                                     double min, double max) {
        int m = g.multiplier();
        int oh = g.outH();
        int ow = g.outW();
        float[] out = new float[g.outputSize()];
        for (int p = 0; p < g.n() * g.channels() * m; p++) {
            int o = p % (g.channels() * m);
            int in = xOff + p / m * g.h() * g.w();
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double acc = bias == null ? 0 : bias[o];
                    for (int a = 0; a < g.kh(); a++) {
                        for (int b = 0; b < g.kw(); b++) {
                            int y = i * g.strideH() - g.padH() + a * g.dilationH();
                            int c = j * g.strideW() - g.padW() + b * g.dilationW();
                            if (y >= 0 && y < g.h() && c >= 0 && c < g.w()) {
                                acc += (double) w[o * g.kh() * g.kw() + a * g.kw() + b] * x[in + y * g.w() + c];
                            }
                        }
                    }
                    out[p * oh * ow + i * ow + j] = (float) Math.min(Math.max(acc, min), max);
                }
            }
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.abs(expected[i])))) {
                throw new AssertionError(what + ", output " + i + ": expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
