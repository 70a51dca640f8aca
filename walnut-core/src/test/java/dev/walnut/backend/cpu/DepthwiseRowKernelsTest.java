package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Vector API's row kernels of the packed depthwise path ({@link DepthwiseRowKernels#forwardRow},
 * {@link DepthwiseRowKernels#weightGradRow}) against float64 sums: one tap (a 1x1 kernel), the
 * unrolled 3x3, other tap counts, rows of whole vectors, with a tail, and shorter than a vector,
 * the tail both through a vector (slack after the row's reach) and scalar (the row's reach ends the
 * array). The forward also gives the bits of a scalar chain of fused multiply-adds in tap order.
 */
class DepthwiseRowKernelsTest {

    @ParameterizedTest(name = "[{index}] k={0} len={1} slack={2}")
    @CsvSource({
            "1, 40, 0", "1, 7, 40", "9, 64, 0", "9, 37, 0", "9, 37, 40", "9, 5, 40", "9, 5, 0",
            "4, 33, 40", "25, 100, 0", "25, 13, 40", "2, 16, 0"})
    void forwardRowMatchesAFloat64SumAndAnFmaChainBitForBit(int k, int len, int slack) {
        DepthwiseRowKernels v = vectorKernels();
        var rnd = new Random(k * 101 + len + slack);
        int[] taps = new int[k];
        int reach = 0;
        for (int t = 0; t < k; t++) {
            taps[t] = rnd.nextInt(3 * len + 5);
            reach = Math.max(reach, taps[t]);
        }
        int base = 3;
        float[] p = random(rnd, base + reach + len + slack);
        float[] w = random(rnd, k + 2);
        float bias = 0.625f;
        float[] out = new float[len + 4];
        v.forwardRow(p, base, taps, k, w, 2, bias, out, 1, len);
        for (int j = 0; j < len; j++) {
            double exact = bias;
            double magnitude = Math.abs(bias);
            float chain = bias;
            for (int t = 0; t < k; t++) {
                exact += (double) w[2 + t] * p[base + taps[t] + j];
                magnitude += Math.abs((double) w[2 + t] * p[base + taps[t] + j]);
                chain = Math.fma(p[base + taps[t] + j], w[2 + t], chain);
            }
            float got = out[1 + j];
            assertEquals(exact, got, 1e-6 * k * (1 + magnitude), "output " + j);
            assertEquals(Float.floatToRawIntBits(chain), Float.floatToRawIntBits(got),
                    "output " + j + ": expected the fma chain's " + chain + " but was " + got);
        }
        assertEquals(0f, out[0], "before the row");
        assertEquals(0f, out[1 + len], "after the row");
    }

    @ParameterizedTest(name = "[{index}] k={0} len={1}")
    @CsvSource({"1, 40", "9, 64", "9, 37", "9, 5", "4, 33", "25, 100", "3, 16"})
    void weightGradRowMatchesAFloat64Sum(int k, int len) {
        DepthwiseRowKernels v = vectorKernels();
        var rnd = new Random(k * 37 + len);
        int[] taps = new int[k];
        int reach = 0;
        for (int t = 0; t < k; t++) {
            taps[t] = rnd.nextInt(3 * len + 5);
            reach = Math.max(reach, taps[t]);
        }
        float[] g = random(rnd, len + 2);
        float[] p = random(rnd, 1 + reach + len);
        float[] acc = random(rnd, k + 3);
        float[] before = acc.clone();
        v.weightGradRow(g, 2, len, p, 1, taps, k, acc, 3);
        for (int t = 0; t < k + 3; t++) {
            if (t < 3) {
                assertEquals(before[t], acc[t], "accumulator " + t + " is outside the row's taps");
                continue;
            }
            double exact = 0;
            double magnitude = 0;
            for (int j = 0; j < len; j++) {
                exact += (double) g[2 + j] * p[1 + taps[t - 3] + j];
                magnitude += Math.abs((double) g[2 + j] * p[1 + taps[t - 3] + j]);
            }
            assertEquals(before[t] + exact, acc[t], 1e-6 * (len + 2) * (1 + magnitude + Math.abs(before[t])),
                    "tap " + (t - 3));
        }
    }

    private static DepthwiseRowKernels vectorKernels() {
        var v = DepthwiseRowKernels.vector();
        assumeTrue(v.isPresent(), "runs with --add-modules jdk.incubator.vector");
        return v.get();
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
