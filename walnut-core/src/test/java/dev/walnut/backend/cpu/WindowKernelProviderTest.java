package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The SIMD window kernels against the scalar reference provider. */
class WindowKernelProviderTest {
    private static WindowKernelProvider vector() {
        var v = WindowKernelProvider.vector();
        assumeTrue(v.isPresent(), "the JVM runs without --add-modules jdk.incubator.vector");
        return v.get();
    }

    @Test
    void activeProviderFollowsTheKernelProvider() {
        if (KernelProvider.get() == KernelProvider.scalar()) {
            assertSame(WindowKernelProvider.scalar(), WindowKernelProvider.get());
        } else {
            assertEquals("VectorWindowKernels", WindowKernelProvider.get().getClass().getSimpleName());
        }
    }

    /**
     * Planes drawn from a few values, so that ties, signed zeros, NaNs and infinities mix: values
     * (bit for bit) and indices must equal the scalar order-key loop's, on widths that give full
     * vectors, partial ones and none, with odd heights and widths (the last row/column unused).
     */
    @ParameterizedTest
    @CsvSource({"26, 26, 13, 13", "11, 11, 5, 5", "7, 9, 3, 4", "4, 40, 2, 20", "5, 67, 2, 33", "2, 2, 1, 1"})
    void maxPool2x2MatchesTheScalarKernelBitForBit(int h, int w, int outH, int outW) {
        WindowKernelProvider v = vector();
        float[] pool = {0f, -0f, 1f, -1f, 2f, Float.NaN, Float.intBitsToFloat(0x7fc00123),
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        var rnd = new SplittableRandom(5);
        int planes = 3;
        for (int t = 0; t < 30; t++) {
            float[] x = new float[planes * h * w + 3];
            for (int i = 0; i < x.length; i++) {
                // Mostly plain numbers, so that whole vectors run without NaNs; some trials all special.
                x[i] = t % 3 == 0 || rnd.nextInt(8) == 0 ? pool[rnd.nextInt(pool.length)] : (float) rnd.nextGaussian();
            }
            float[] ys = new float[planes * outH * outW + 2];
            long[] is = new long[ys.length];
            float[] yv = new float[ys.length];
            long[] iv = new long[ys.length];
            WindowKernelProvider.scalar().maxPool2x2(x, 3, ys, is, 2, 0, planes, h, w, outH, outW);
            v.maxPool2x2(x, 3, yv, iv, 2, 0, planes, h, w, outH, outW);
            for (int i = 0; i < ys.length; i++) {
                assertEquals(Float.floatToRawIntBits(ys[i]), Float.floatToRawIntBits(yv[i]), "trial " + t + " window " + i);
            }
            assertArrayEquals(is, iv, "trial " + t);
        }
    }

    @ParameterizedTest
    @CsvSource({"3, 1, 28, 28, 32, 3, 3", "2, 3, 12, 37, 10, 3, 3", "2, 2, 9, 20, 7, 2, 4", "1, 1, 5, 8, 3, 2, 2",
            "2, 1, 30, 19, 9, 1, 4"})
    void directConvolutionMatchesTheScalarKernel(int n, int cIn, int h, int w, int cOut, int kh, int kw) {
        WindowKernelProvider v = vector();
        var rnd = new SplittableRandom(9);
        int off = 5;
        float[] x = random(rnd, off + n * cIn * h * w);
        float[] wt = random(rnd, cOut * cIn * kh * kw);
        float[] b = random(rnd, cOut);
        int oh = h - kh + 1;
        int ow = w - kw + 1;
        float[] ys = new float[n * cOut * oh * ow];
        float[] yv = new float[ys.length];
        WindowKernelProvider.scalar().conv2dForward(x, off, wt, b, ys, 0, n * oh, cIn, h, w, cOut, kh, kw, -INF, INF);
        v.conv2dForward(x, off, wt, b, yv, 0, n * oh, cIn, h, w, cOut, kh, kw, -INF, INF);
        assertClose(ys, yv);
        WindowKernelProvider.scalar().conv2dForward(x, off, wt, null, ys, 0, n * oh, cIn, h, w, cOut, kh, kw, -INF, INF);
        v.conv2dForward(x, off, wt, null, yv, 0, n * oh, cIn, h, w, cOut, kh, kw, -INF, INF);
        assertClose(ys, yv);
        float[] g = random(rnd, 2 + ys.length);
        float[] gs = new float[wt.length];
        float[] gv = new float[wt.length];
        WindowKernelProvider.scalar().conv2dWeightGrad(x, off, g, 2, gs, n, 0, cOut, cIn, h, w, cOut, kh, kw);
        v.conv2dWeightGrad(x, off, g, 2, gv, n, 0, cOut, cIn, h, w, cOut, kh, kw);
        assertClose(gs, gv);
    }

    private static final float INF = Float.POSITIVE_INFINITY;

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    private static void assertClose(float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.abs(expected[i])),
                    "element " + i + ": expected " + expected[i] + " but was " + actual[i]);
        }
    }
}
