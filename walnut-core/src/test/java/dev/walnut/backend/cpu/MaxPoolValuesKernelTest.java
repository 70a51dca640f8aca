package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PoolKernels#maxValues} and every {@link WindowKernelProvider#maxPoolValues} against a
 * plain tap loop, bit for bit: planes mixing NaNs, infinities and signed zeros, padded and
 * unpadded, stride 1 and 2, rows narrower and wider than a vector, windows past the right and
 * bottom edges (ceil mode), several planes at offsets.
 */
class MaxPoolValuesKernelTest {
    private static final float[] SPECIAL = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY};

    /** The definition: Math.max over the taps inside the plane, -inf for none. */
    private static float[] reference(float[] x, int in, int planes, int h, int w, int kh, int kw, int sh, int sw,
                                     int ph, int pw, int outH, int outW) {
        float[] y = new float[planes * outH * outW];
        int o = 0;
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < outH; i++) {
                for (int j = 0; j < outW; j++, o++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int a = 0; a < kh; a++) {
                        for (int b = 0; b < kw; b++) {
                            int r = i * sh - ph + a;
                            int c = j * sw - pw + b;
                            if (r >= 0 && r < h && c >= 0 && c < w) {
                                m = Math.max(m, x[in + (p * h + r) * w + c]);
                            }
                        }
                    }
                    y[o] = m;
                }
            }
        }
        return y;
    }

    private static float[] planes(SplittableRandom rnd, int n, int trial) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Trial 0 all plain numbers, trial 1 all special values, the others a mix.
            boolean special = trial == 1 || trial > 1 && rnd.nextInt(6) == 0;
            x[i] = special ? SPECIAL[rnd.nextInt(SPECIAL.length)] : (float) rnd.nextGaussian();
        }
        return x;
    }

    private static List<WindowKernelProvider> providers() {
        List<WindowKernelProvider> all = new ArrayList<>(List.of(WindowKernelProvider.scalar()));
        Optional<WindowKernelProvider> v = WindowKernelProvider.vector();
        v.ifPresent(all::add);
        return all;
    }

    @ParameterizedTest
    @CsvSource({
        // h, w, kh, kw, sh, sw, ph, pw, outH, outW
        "112, 112, 3, 3, 2, 2, 1, 1, 56, 56",   // ResNet's stem pooling
        "11, 37, 3, 3, 2, 2, 1, 1, 6, 19",      // odd sizes
        "13, 40, 3, 3, 1, 1, 1, 1, 13, 40",     // stride 1, padded
        "9, 33, 2, 2, 1, 1, 0, 0, 8, 32",       // 2x2 stride 1
        "10, 41, 2, 2, 2, 2, 1, 1, 6, 21",      // 2x2 stride 2, padded (not the 2x2 blocks)
        "26, 26, 2, 2, 2, 2, 0, 0, 13, 13",     // the 2x2 blocks: Math.max's +0.0 for a tie of zeros too
        "11, 11, 2, 2, 2, 2, 0, 0, 5, 5",       // 2x2 blocks on rows narrower than a vector
        "9, 37, 2, 2, 2, 2, 0, 0, 4, 18",       // 2x2 blocks, odd sizes, several steps per row
        "12, 35, 3, 3, 2, 2, 0, 0, 6, 17",      // ceil mode: the last windows pass the edges
        "7, 20, 5, 3, 3, 2, 2, 1, 3, 10",       // taller than wide
        "6, 5, 3, 3, 2, 2, 1, 1, 3, 3",         // narrower than any vector: the scalar loops
        "1, 50, 1, 4, 1, 3, 0, 0, 1, 16"})      // a 1-d pooling row
    void everyProviderEqualsTheTapLoop(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int outH,
                                       int outW) {
        var rnd = new SplittableRandom(h * 31L + w);
        int planes = 3;
        int in = 5;
        int out = 2;
        for (int trial = 0; trial < 6; trial++) {
            float[] x = planes(rnd, in + planes * h * w + 4, trial);
            float[] want = reference(x, in, planes, h, w, kh, kw, sh, sw, ph, pw, outH, outW);
            for (WindowKernelProvider k : providers()) {
                float[] y = new float[out + want.length + 3];
                // Two calls of plane ranges, as Parallel splits them.
                k.maxPoolValues(x, in, y, out, 0, 1, h, w, kh, kw, sh, sw, ph, pw, outH, outW);
                k.maxPoolValues(x, in, y, out, 1, planes, h, w, kh, kw, sh, sw, ph, pw, outH, outW);
                assertSameBits(want, y, out, k.getClass().getSimpleName() + " trial " + trial);
            }
            var g = PoolKernels.Windows.regular(h, w, kh, kw, sh, sw, ph, pw, 1, 1, outH, outW);
            float[] y = new float[want.length];
            PoolKernels.maxValues(x, in, y, planes, g);
            assertSameBits(want, y, 0, "maxValues trial " + trial);
            // The separable scalar loops that were maxValues' only float kernel before the providers had one.
            float[] before = new float[want.length];
            PoolKernels.maxValuesPlanes(x, in, before, 0, 0, planes, g);
            assertSameBits(want, before, 0, "maxValuesPlanes trial " + trial);
        }
    }

    @Test
    void doublePlanesEqualTheTapLoop() {
        var rnd = new SplittableRandom(3);
        int h = 15;
        int w = 21;
        float[] xf = planes(rnd, 2 * h * w, 2);
        double[] x = new double[xf.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = xf[i];
        }
        var g = PoolKernels.Windows.regular(h, w, 3, 3, 2, 2, 1, 1, 1, 1, 8, 11);
        double[] y = new double[2 * 8 * 11];
        PoolKernels.maxValues(x, 0, y, 2, g);
        // Float and double max agree on values representable in both.
        float[] want = reference(xf, 0, 2, h, w, 3, 3, 2, 2, 1, 1, 8, 11);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Double.doubleToRawLongBits(want[i]), Double.doubleToRawLongBits(y[i]), "window " + i);
        }
    }

    @Test
    void slidingGeometryIsRecognisedOnlyForDilationOne() {
        var g = PoolKernels.Windows.regular(20, 30, 3, 2, 2, 1, 1, 0, 1, 1, 10, 29);
        assertEquals(List.of(3, 2, 2, 1, 1, 0), java.util.Arrays.stream(g.sliding).boxed().toList());
        assertNull(PoolKernels.Windows.regular(20, 30, 3, 3, 2, 2, 1, 1, 2, 1, 9, 15).sliding);
        // Adaptive windows are sliding ones when the sizes divide: 12 -> 4 is kernel 3, stride 3.
        assertNotNull(PoolKernels.Windows.adaptive(12, 12, 4, 4).sliding);
        assertNull(PoolKernels.Windows.adaptive(10, 10, 4, 4).sliding);
    }

    private static void assertSameBits(float[] want, float[] y, int off, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(y[off + i]), what + " window " + i);
        }
    }
}
