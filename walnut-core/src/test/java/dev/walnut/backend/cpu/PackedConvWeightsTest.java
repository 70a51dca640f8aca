package dev.walnut.backend.cpu;

import static dev.walnut.backend.cpu.PackedGemmTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.walnut.backend.Layout;
import dev.walnut.backend.Storage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shifted-GEMM convolution with its weights packed once ({@link ShiftedGemmConvKernels#packWeights},
 * kept by {@link PackedConvWeights}) and with its products widened to whole GEMM panels: the bits
 * of the convolution as it ran before, one product of exactly the block's columns with the weights
 * as they are, and a packed copy that follows in-place writes to the weights.
 */
class PackedConvWeightsTest {
    /**
     * The forward as it was: the input padded channel-major, per block one {@link Gemm#sgemm} of
     * exactly {@code len} grid columns onto the bias, then the windows' positions read out.
     */
    private static float[] oneProductPerBlock(float[] x, float[] w, float[] bias, int n, int cIn, int h0, int w0,
                                              int pad, int cOut, int kh, int kw) {
        int h = h0 + 2 * pad;
        int width = w0 + 2 * pad;
        int hw = h * width;
        int grid = n * hw;
        int cols = grid - (kh - 1) * width - (kw - 1);
        float[] xs = new float[cIn * grid];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cIn; c++) {
                for (int r = 0; r < h0; r++) {
                    System.arraycopy(x, ((i * cIn + c) * h0 + r) * w0, xs, c * grid + i * hw + (r + pad) * width + pad, w0);
                }
            }
        }
        int kk = kh * kw;
        int ck = cIn * kk;
        float[] full = new float[cOut * grid];
        int len0 = ShiftedGemmConvKernels.blockColumns(cols);
        for (int q0 = 0; q0 < cols; q0 += len0) {
            int len = Math.min(len0, cols - q0);
            float[] panel = new float[ck * len];
            for (int c = 0; c < cIn; c++) {
                for (int t = 0; t < kk; t++) {
                    System.arraycopy(xs, c * grid + q0 + (t / kw) * width + t % kw, panel, (c * kk + t) * len, len);
                }
            }
            for (int o = 0; o < cOut; o++) {
                java.util.Arrays.fill(full, o * grid + q0, o * grid + q0 + len, bias == null ? 0f : bias[o]);
            }
            Gemm.sgemm(cOut, len, ck, 1f, w, 0, ck, 1, panel, 0, len, 1, full, q0, grid, bias != null);
        }
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        float[] out = new float[n * cOut * oh * ow];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < cOut; o++) {
                for (int r = 0; r < oh; r++) {
                    System.arraycopy(full, o * grid + i * hw + r * width, out, ((i * cOut + o) * oh + r) * ow, ow);
                }
            }
        }
        return out;
    }

    private static float[] forward(float[] x, float[] w, Object packed, float[] bias, int n, int cIn, int h,
                                   int wd, int pad, int cOut, int kh, int kw) {
        int oh = h + 2 * pad - kh + 1;
        int ow = wd + 2 * pad - kw + 1;
        float[] out = new float[n * cOut * oh * ow];
        int[] p = pad == 0 ? null : new int[] {pad, pad, pad, pad};
        ShiftedGemmConvKernels.forward(x, 0, w, packed, bias, out, n, cIn, h, wd, p, cOut, kh, kw, ConvEpilogue.NONE);
        return out;
    }

    /**
     * Grids whose products are not whole panels wide (resnet18's 7 x 7 and 14 x 14 layers: 61 and
     * 222 columns; one unpadded image read in place: 78), many blocks, m not a multiple of 8, k
     * over 1024 (A read in place by the per-call product) and not a multiple of the k block.
     */
    @ParameterizedTest(name = "n={0} cIn={1} {2}x{3} pad={4} cOut={5} k={6}x{7}")
    @CsvSource({
        "1, 20, 7, 7, 1, 36, 3, 3",
        "1, 130, 7, 7, 1, 20, 3, 3",
        "1, 24, 14, 14, 1, 27, 3, 3",
        "2, 24, 7, 7, 1, 17, 3, 3",
        "1, 16, 10, 10, 0, 40, 3, 3",
        "1, 3, 40, 40, 1, 9, 3, 3",
        "2, 7, 12, 9, 2, 33, 5, 2",
        "1, 120, 14, 14, 1, 19, 3, 3",
        // 46 columns: sgemm hands the product over transposed (C^T = B^T A^T), 64 it does not
        "1, 24, 6, 6, 1, 48, 3, 3",
        // shifted tiles split by rows (16 panels), by columns in several blocks, rows not a whole panel
        "1, 8, 12, 12, 1, 128, 3, 3",
        "3, 16, 30, 30, 1, 64, 3, 3",
        "1, 12, 9, 9, 1, 130, 3, 3",
    })
    void packedAndWidenedGiveTheBitsOfOneProductPerBlock(int n, int cIn, int h, int wd, int pad, int cOut, int kh,
                                                          int kw) {
        var rnd = new SplittableRandom(cIn * 31L + h * 7L + cOut);
        float[] x = random(rnd, n * cIn * h * wd);
        float[] w = random(rnd, cOut * cIn * kh * kw);
        float[] bias = random(rnd, cOut);
        int[] p = pad == 0 ? null : new int[] {pad, pad, pad, pad};
        float[] want = oneProductPerBlock(x, w, bias, n, cIn, h, wd, pad, cOut, kh, kw);
        assertArrayEquals(want, forward(x, w, null, bias, n, cIn, h, wd, pad, cOut, kh, kw), "widened products");
        Object packed = ShiftedGemmConvKernels.packWeights(w, n, cIn, h, wd, p, cOut, kh, kw);
        int ck = cIn * kh * kw;
        // The copy packWeights made, and both forms forced (a form the forward does not run is
        // ignored and the weights packed per call): all must give the same bits.
        for (Object form : new Object[] {packed, Gemm.packA(cOut, ck, w, 0, ck, 1), Gemm.packB(ck, cOut, w, 0, 1, ck)}) {
            if (form != null) {
                assertArrayEquals(want, forward(x, w, form, bias, n, cIn, h, wd, pad, cOut, kh, kw),
                        "packed weights " + form.getClass().getSimpleName());
            }
        }
        assertArrayEquals(oneProductPerBlock(x, w, null, n, cIn, h, wd, pad, cOut, kh, kw),
                forward(x, w, packed, null, n, cIn, h, wd, pad, cOut, kh, kw), "no bias");
    }

    @Test
    void packedOnlyWhereItPays() {
        assumeTrue(KernelProvider.get().packedLeftPays(7 * KernelProvider.get().panelColumns()),
                "the active provider has no packed A");
        float[] w = new float[64 * 64 * 9];
        java.util.Arrays.fill(w, 0.5f);
        assertNotNull(ShiftedGemmConvKernels.packWeights(w, 1, 64, 14, 14, new int[] {1, 1, 1, 1}, 64, 3, 3),
                "14 x 14: 222 grid columns");
        Object narrow = ShiftedGemmConvKernels.packWeights(w, 1, 64, 7, 7, new int[] {1, 1, 1, 1}, 64, 3, 3);
        if (KernelProvider.get().shiftedConvFits()) {
            assertNotNull(narrow, "7 x 7: the shifted tiles read packed weights at any width");
        } else {
            assertNull(narrow, "7 x 7: two panels, read in place");
        }
        assertNull(ShiftedGemmConvKernels.packWeights(w, 1, 64, 56, 56, null, 64, 1, 1), "1x1: straight on NCHW");
        if (KernelProvider.get().shiftedConvFits()) {
            java.util.Arrays.fill(w, 0, 64 * 64 * 9, 0f);
            assertNull(ShiftedGemmConvKernels.packWeights(w, 1, 64, 14, 14, new int[] {1, 1, 1, 1}, 64, 3, 3),
                    "zero taps: the forward packs the others itself");
        }
    }

    /** Through the back end: packed on the second call with the same weights, and again after an in-place write. */
    @Test
    void backEndKeepsThePackedWeightsUntilTheyChange() {
        assumeTrue(KernelProvider.get().packedLeftPays(7 * KernelProvider.get().panelColumns()),
                "the active provider has no packed A");
        CpuBackend cpu = CpuBackend.INSTANCE;
        int cIn = 32;
        int cOut = 24;
        int h = 14;
        var rnd = new SplittableRandom(5);
        float[] x = random(rnd, cIn * h * h);
        float[] wArray = random(rnd, cOut * cIn * 9);
        float[] bias = random(rnd, cOut);
        Storage w = cpu.fromArray(wArray);
        Layout lw = Layout.contiguous(new int[] {cOut, cIn, 3, 3});
        int[] pad = {1, 1, 1, 1};
        Storage xs = cpu.fromArray(x);
        Storage bs = cpu.fromArray(bias);
        Layout lb = Layout.contiguous(new int[] {cOut});
        float[] want = forward(x, wArray, null, bias, 1, cIn, h, h, 1, cOut, 3, 3);

        float[] first = (float[]) a(cpu.conv2d(xs, 0, w, lw, bs, lb, null, 0, 1, cIn, h, h, pad, cOut, 3, 3, 1, 1,
                Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        assertArrayEquals(want, first);
        assertNull(((CpuStorage) w).packedWeights, "first sight of these values: nothing packed yet");
        assertEquals(w.version(), ((CpuStorage) w).seenVersion);

        float[] second = (float[]) a(cpu.conv2d(xs, 0, w, lw, bs, lb, null, 0, 1, cIn, h, h, pad, cOut, 3, 3, 1, 1,
                Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        assertArrayEquals(want, second);
        PackedConvWeights made = assertInstanceOf(PackedConvWeights.class, ((CpuStorage) w).packedWeights);
        Object packed = made.packed().get();
        assertNotNull(packed, "second sight: packed");
        cpu.conv2d(xs, 0, w, lw, bs, lb, null, 0, 1, cIn, h, h, pad, cOut, 3, 3, 1, 1, Double.NEGATIVE_INFINITY,
                Double.POSITIVE_INFINITY);
        assertTrue(packed == ((PackedConvWeights) ((CpuStorage) w).packedWeights).packed().get(), "kept");

        // An in-place write (which bumps the version) must not be answered from the stale copy.
        for (int i = 0; i < wArray.length; i += 7) {
            wArray[i] = -2 * wArray[i];
        }
        w.bumpVersion();
        float[] changed = forward(x, wArray, null, bias, 1, cIn, h, h, 1, cOut, 3, 3);
        assertFalse(java.util.Arrays.equals(want, changed));
        for (int call = 0; call < 3; call++) {
            assertArrayEquals(changed, (float[]) a(cpu.conv2d(xs, 0, w, lw, bs, lb, null, 0, 1, cIn, h, h, pad, cOut,
                    3, 3, 1, 1, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY)), "call " + call + " after the write");
        }
        assertTrue(packed != ((PackedConvWeights) ((CpuStorage) w).packedWeights).packed().get(), "packed again");
    }

    /** A training step writes the weights before every forward: each version is seen once, and nothing is packed. */
    @Test
    void weightsWrittenBeforeEveryCallAreNeverPacked() {
        assumeTrue(KernelProvider.get().packedLeftPays(7 * KernelProvider.get().panelColumns()),
                "the active provider has no packed A");
        CpuBackend cpu = CpuBackend.INSTANCE;
        var rnd = new SplittableRandom(6);
        float[] wArray = random(rnd, 24 * 32 * 9);
        Storage w = cpu.fromArray(wArray);
        Storage x = cpu.fromArray(random(rnd, 32 * 14 * 14));
        for (int step = 0; step < 4; step++) {
            cpu.conv2d(x, 0, w, Layout.contiguous(new int[] {24, 32, 3, 3}), null, null, null, 0, 1, 32, 14, 14,
                    new int[] {1, 1, 1, 1}, 24, 3, 3, 1, 1, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
            wArray[step] += 0.5f;
            w.bumpVersion();
        }
        assertNull(((CpuStorage) w).packedWeights);
    }

    private static Object a(Storage s) {
        return ((CpuStorage) s).array;
    }
}
