package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The 1x1 convolution ({@link ShiftedGemmConvKernels#pointwise}) against what it computed
 * through the GEMM before the fused kernel: {@code W x X} per image by {@link Gemm#sgemm}, then
 * the bias, residual and clamp passes; bit for bit, for planes that are whole tiles and ragged
 * ones (the shifted last tile and row panel), batches, products deeper than one k block (so the
 * blocks' sums add in C), row-split rectangles (7 x 7 planes), weights packed and read in place,
 * and every epilogue combination.
 */
class PointwiseConvKernelTest {
    @ParameterizedTest(name = "n={0} cIn={1} hw={2} cOut={3} bias={4} residual={5} clamp={6} xOff={7}")
    @CsvSource({
        // MobileNet v2's shapes: 112 x 112 and 56 x 56 planes in column blocks, 14 x 14, 7 x 7 split by rows
        "1, 16, 12544, 96, true, false, relu6, 0",
        "1, 32, 3136, 24, true, true, none, 3",
        "1, 96, 196, 576, true, false, relu6, 0",
        "1, 320, 49, 1280, true, false, relu6, 5",
        "1, 960, 49, 320, true, true, none, 0",
        // batches, ragged rows (cOut % 8 != 0) and columns, an odd depth over two k blocks
        "8, 24, 49, 40, true, true, relu6, 0",
        "3, 257, 70, 21, false, false, relu, 1",
        "2, 5, 17, 9, false, true, relu6, 0",
        "2, 40, 20, 12, true, false, none, 2",
        "1, 600, 33, 100, true, true, relu6, 0",
        // weights packed (rectangles over 8 tiles wide): two k blocks with a half tile, ragged rows
        "1, 300, 300, 16, true, true, relu6, 0",
        "2, 20, 600, 13, true, false, relu6, 1",
        // weights in place: two k blocks with a half tile
        "1, 300, 40, 24, false, true, none, 0",
    })
    void fusedKernelGivesTheBitsOfTheGemmAndItsPasses(int n, int cIn, int hw, int cOut, boolean withBias,
                                                       boolean withResidual, String clamp, int xOff) {
        SplittableRandom rnd = new SplittableRandom(n * 7919L + cIn * 31L + hw * 7L + cOut);
        float[] x = random(rnd, xOff + n * cIn * hw);
        float[] w = random(rnd, cOut * cIn);
        float[] bias = withBias ? random(rnd, cOut) : null;
        int rOff = 4;
        float[] residual = withResidual ? random(rnd, rOff + n * cOut * hw) : null;
        double lo = clamp.equals("none") ? Double.NEGATIVE_INFINITY : 0;
        double hi = clamp.equals("relu6") ? 6 : Double.POSITIVE_INFINITY;
        float[] expected = new float[n * cOut * hw];
        for (int i = 0; i < n; i++) {
            Gemm.sgemm(cOut, hw, cIn, 1f, w, 0, cIn, 1, x, xOff + i * cIn * hw, hw, 1, expected, i * cOut * hw, hw,
                    false);
        }
        for (int j = 0; j < expected.length; j++) {
            float v = expected[j];
            if (bias != null) {
                v += bias[j / hw % cOut];
            }
            if (residual != null) {
                v = v + residual[rOff + j];
            }
            expected[j] = lo == Double.NEGATIVE_INFINITY && hi == Double.POSITIVE_INFINITY ? v
                    : Math.min(Math.max(v, (float) lo), (float) hi);
        }
        float[] out = new float[expected.length];
        java.util.Arrays.fill(out, Float.NaN);
        ShiftedGemmConvKernels.pointwise(x, xOff, w, bias, out, n, cIn, hw, cOut,
                new ConvEpilogue(residual, rOff, lo, hi));
        assertArrayEquals(expected, out);
    }

    @ParameterizedTest(name = "n={0} colBlocks={1} threads={2} -> {3}")
    @CsvSource({
        // 112 x 112 x 96 at batch 1: 19 blocks of 672 columns became 20 equal ones, 10 per thread
        "1, 19, 2, 20",
        "1, 2, 2, 2",
        "1, 7, 4, 8",
        "8, 3, 2, 3",
        "3, 5, 4, 8",
        // one block per image: split by rows instead
        "1, 1, 2, 1",
    })
    void columnBlocksDivideAmongTheThreads(int n, int colBlocks, int threads, int expected) {
        assertEquals(expected, ShiftedGemmConvKernels.evenColumnBlocks(n, colBlocks, threads));
    }

    @Test
    void aSumThatRoundsToNegativeZeroStaysNegativeZeroWithoutABias() {
        // 1e-30 * -1e-30 underflows: the fused multiply-add from +0 gives -0.0, as the GEMM does.
        int cIn = 2;
        int hw = 128; // past Gemm's TINY product, whose plain loop gives +0.0
        int cOut = 16;
        float[] x = new float[cIn * hw];
        java.util.Arrays.fill(x, 1e-30f);
        float[] w = new float[cOut * cIn];
        java.util.Arrays.fill(w, -1e-30f);
        float[] out = new float[cOut * hw];
        ShiftedGemmConvKernels.pointwise(x, 0, w, null, out, 1, cIn, hw, cOut, ConvEpilogue.NONE);
        for (float v : out) {
            assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(v));
        }
    }

    @Test
    void theVectorProviderTakesRectanglesOfOneTileHeightAndOneVectorWidth() {
        KernelProvider p = KernelProvider.get();
        assumeTrue(!(p instanceof ScalarKernelProvider), "the JVM runs without --add-modules jdk.incubator.vector");
        assertTrue(p.pointwiseConvFits(8, 16));
        assertTrue(!p.pointwiseConvFits(7, 64));
        assertThrows(IllegalArgumentException.class, () -> p.pointwiseConvBlock(new float[7 * 4], 4, 0, 7,
                new float[4 * 64], 0, 64, 0, 64, null, null, 0, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
                new float[7 * 64], 0, 256));
        assertTrue(!KernelProvider.scalar().pointwiseConvFits(64, 64));
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        return a;
    }
}
