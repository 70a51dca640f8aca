package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The direct convolution kernels (the float providers, scalar and Vector API, and the double
 * loops, through {@link DirectConvKernels#forward} and row ranges of the providers) against a
 * float64 loop: shapes with whole and overlapping vectors, rows narrower than a vector, channel
 * counts that are and are not multiples of the blocks of eight, deep products on few channels
 * (the phase-split stems), batches, bias or none, and each clamp; taps that are zero in every
 * channel are skipped even where the input is infinite.
 */
class DirectConvKernelsTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private static List<WindowKernelProvider> providers() {
        List<WindowKernelProvider> p = new ArrayList<>(List.of(WindowKernelProvider.scalar()));
        WindowKernelProvider.vector().ifPresent(p::add);
        return p;
    }

    @ParameterizedTest(name = "n={0} cIn={1} {2}x{3} cOut={4} k={5}x{6}")
    @CsvSource({"1, 3, 14, 58, 32, 3, 3", "2, 12, 9, 40, 32, 2, 2", "1, 12, 8, 39, 64, 4, 4", "3, 16, 5, 113, 96, 1, 1",
            "2, 1, 30, 19, 9, 1, 4", "1, 2, 7, 17, 17, 3, 2", "2, 5, 6, 33, 24, 2, 3", "1, 3, 5, 12, 40, 3, 3",
            "4, 1, 4, 48, 8, 1, 1", "1, 3, 3, 64, 20, 2, 2"})
    void forwardMatchesAFloat64Loop(int n, int cIn, int h, int w, int cOut, int kh, int kw) {
        var rnd = new SplittableRandom(n * 1000L + cIn * 100 + w);
        int off = 3;
        float[] x = random(rnd, off + n * cIn * h * w);
        float[] wt = random(rnd, cOut * cIn * kh * kw);
        float[] b = random(rnd, cOut);
        double[][] clamps = {{-INF, INF}, {0, 6}, {0, INF}, {-0.5, 0.25}};
        for (double[] c : clamps) {
            for (float[] bias : new float[][] {b, null}) {
                double[] expected = reference(x, off, wt, bias, n, cIn, h, w, cOut, kh, kw, c[0], c[1]);
                for (WindowKernelProvider p : providers()) {
                    float[] y = new float[expected.length];
                    runInPieces(p, x, off, wt, bias, y, n, cIn, h, w, cOut, kh, kw, c[0], c[1]);
                    assertClose(expected, y, p + " clamp " + c[0] + ".." + c[1] + " bias " + (bias != null));
                }
                float[] y = new float[expected.length];
                DirectConvKernels.forward(x, off, wt, bias, y, n, cIn, h, w, cOut, kh, kw, c[0], c[1]);
                assertClose(expected, y, "DirectConvKernels.forward");
                double[] yd = new double[expected.length];
                DirectConvKernels.forward(doubles(x), off, doubles(wt), bias == null ? null : doubles(bias), yd, n, cIn,
                        h, w, cOut, kh, kw, c[0], c[1]);
                for (int i = 0; i < yd.length; i++) {
                    assertEquals(expected[i], yd[i], 1e-9 * (1 + Math.abs(expected[i])), "double " + i);
                }
            }
        }
    }

    /** Row ranges that split items and rows, so that each provider call starts mid-item. */
    private static void runInPieces(WindowKernelProvider p, float[] x, int off, float[] wt, float[] bias, float[] y,
                                    int n, int cIn, int h, int w, int cOut, int kh, int kw, double min, double max) {
        int rows = n * (h - kh + 1);
        for (int r = 0; r < rows; r += 3) {
            p.conv2dForward(x, off, wt, bias, y, r, Math.min(rows, r + 3), cIn, h, w, cOut, kh, kw, (float) min,
                    (float) max);
        }
    }

    /**
     * A phase-split 3x3 stride-2 kernel: its taps (c, 1, 1) are zero in every channel, and an
     * infinite input under them must not reach the outputs (as 0 * inf = NaN would); an infinity
     * under a live tap does.
     */
    @Test
    void tapsZeroInEveryChannelAreSkipped() {
        int cIn = 4;
        int h = 6;
        int w = 40;
        int cOut = 24;
        var rnd = new SplittableRandom(5);
        float[] wt = random(rnd, cOut * cIn * 4);
        for (int o = 0; o < cOut; o++) {
            for (int c = 0; c < cIn; c++) {
                wt[(o * cIn + c) * 4 + 3] = 0f;
            }
        }
        float[] x = random(rnd, cIn * h * w);
        x[(2 * h + 3) * w + 21] = Float.POSITIVE_INFINITY; // read by the zero tap (2, 1, 1) of window (2, 20)
        double[] expected = reference(x, 0, wt, null, 1, cIn, h, w, cOut, 2, 2, -INF, INF);
        for (WindowKernelProvider p : providers()) {
            float[] y = new float[expected.length];
            p.conv2dForward(x, 0, wt, null, y, 0, h - 1, cIn, h, w, cOut, 2, 2, Float.NEGATIVE_INFINITY,
                    Float.POSITIVE_INFINITY);
            assertClose(expected, y, p.toString());
        }
        x[(2 * h + 3) * w + 21] = 1f;
        x[(1 * h + 3) * w + 21] = Float.POSITIVE_INFINITY; // channel 1: under live taps too
        expected = reference(x, 0, wt, null, 1, cIn, h, w, cOut, 2, 2, -INF, INF);
        boolean someInfinite = false;
        for (double v : expected) {
            someInfinite |= !Double.isFinite(v);
        }
        assumeTrue(someInfinite);
        for (WindowKernelProvider p : providers()) {
            float[] y = new float[expected.length];
            p.conv2dForward(x, 0, wt, null, y, 0, h - 1, cIn, h, w, cOut, 2, 2, Float.NEGATIVE_INFINITY,
                    Float.POSITIVE_INFINITY);
            assertClose(expected, y, p.toString());
        }
    }

    /** The float64 loop, skipping taps zero in every channel (the kernels' contract). */
    private static double[] reference(float[] x, int off, float[] w, float[] bias, int n, int cIn, int h, int wd,
                                      int cOut, int kh, int kw, double min, double max) {
        int oh = h - kh + 1;
        int ow = wd - kw + 1;
        int ck = cIn * kh * kw;
        double[] y = new double[n * cOut * oh * ow];
        for (int m = 0; m < n; m++) {
            for (int o = 0; o < cOut; o++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int t = 0; t < ck; t++) {
                            boolean live = false;
                            for (int q = 0; q < cOut; q++) {
                                live |= w[q * ck + t] != 0f;
                            }
                            int c = t / (kh * kw);
                            int a = t / kw % kh;
                            int b = t % kw;
                            s += live ? (double) w[o * ck + t] * x[off + ((m * cIn + c) * h + i + a) * wd + j + b] : 0;
                        }
                        y[((m * cOut + o) * oh + i) * ow + j] = Math.min(Math.max(s, min), max);
                    }
                }
            }
        }
        return y;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (!Double.isFinite(expected[i])) {
                assertEquals(expected[i], actual[i], what + " element " + i);
            } else {
                assertEquals(expected[i], actual[i], 1e-4 * (1 + Math.abs(expected[i])), what + " element " + i);
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    private static double[] doubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
