package dev.walnut.nn.functional;

import static dev.walnut.TensorAssertions.assertContains;
import static dev.walnut.TensorAssertions.assertValues;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * conv1d/2d/3d and the transposed convolutions against hand-computed values and a naive
 * direct-convolution loop, float64 gradient checks (first order for all, second order for
 * conv2d), and the error cases with their messages.
 */
class ConvolutionTest {

    // ------------------------------------------------------------------ spot values

    @Test
    void conv2dWithAnIdentityKernelReturnsTheInput() {
        Tensor x = Tensor.arange(16).to(DType.F32).reshape(1, 1, 4, 4);
        Tensor w = Tensor.fromArray(new float[] {0, 0, 0, 0, 1, 0, 0, 0, 0}, 1, 1, 3, 3);
        Tensor y = Convolution.conv2d(x, w, null, 1, 1, 1, 1);
        assertArrayEquals(x.toDoubleArray(), y.toDoubleArray(), 0.0);
    }

    @Test
    void conv2dWithA2x2OnesKernelSumsWindows() {
        Tensor x = Tensor.arange(9).to(DType.F32).reshape(1, 1, 3, 3); // [[0,1,2],[3,4,5],[6,7,8]]
        Tensor y = Convolution.conv2d(x, Tensor.ones(1, 1, 2, 2), null);
        assertValues(y, DType.F32, shape(1, 1, 2, 2), 8, 12, 20, 24);
    }

    @Test
    void conv2dWithStridePaddingAndBias() {
        Tensor x = Tensor.arange(9).to(DType.F32).reshape(1, 1, 3, 3);
        // Padding 1, stride 2: windows centred on the corners; bias 10.
        Tensor y = Convolution.conv2d(x, Tensor.ones(1, 1, 3, 3), Tensor.of(10f), 2, 1, 1, 1);
        // corner sums: 0+1+3+4, 1+2+4+5, 3+4+6+7, 4+5+7+8
        assertValues(y, DType.F32, shape(1, 1, 2, 2), 18, 22, 30, 34);
    }

    @Test
    void conv1dWithDilationSkipsTaps() {
        Tensor x = Tensor.of(1f, 2f, 3f, 4f, 5f).reshape(1, 1, 5);
        Tensor w = Tensor.of(1f, -1f).reshape(1, 1, 2);
        // dilation 2: y[i] = x[i] - x[i+2]
        assertValues(Convolution.conv1d(x, w, null, 1, 0, 2, 1), DType.F32, shape(1, 1, 3), -2, -2, -2);
    }

    @Test
    void depthwiseConv2dFiltersEachChannelOnItsOwn() {
        Tensor x = Tensor.ones(1, 2, 2, 2);
        Tensor w = Tensor.fromArray(new float[] {1, 1, 1, 1, 2, 0, 0, 2}, 2, 1, 2, 2);
        assertValues(Convolution.conv2d(x, w, null, 1, 0, 1, 2), DType.F32, shape(1, 2, 1, 1), 4, 4);
    }

    @Test
    void samePaddingKeepsTheSizeAndPadsTheFarSideForEvenKernels() {
        Tensor x = Tensor.of(1f, 2f, 3f, 4f).reshape(1, 1, 4);
        // k=2: total padding 1, all of it on the right (PyTorch): y[i] = x[i] + 10 x[i+1].
        Tensor y = Convolution.conv1d(x, Tensor.of(1f, 10f).reshape(1, 1, 2), null, 1, "same", 1, 1);
        assertValues(y, DType.F32, shape(1, 1, 4), 21, 32, 43, 4);
        Tensor img = Tensor.randn(2, 3, 5, 6);
        assertArrayEquals(shape(2, 4, 5, 6),
                Convolution.conv2d(img, Tensor.randn(4, 3, 4, 3), null, new int[] {1}, "same", new int[] {1, 2}, 1).shape());
        assertArrayEquals(shape(2, 4, 3, 2),
                Convolution.conv2d(img, Tensor.randn(4, 3, 3, 5), null, new int[] {1}, "valid", new int[] {1}, 1).shape());
    }

    @Test
    void unbatchedInputGivesAnUnbatchedOutput() {
        Tensor x = Tensor.randn(3, 6, 6);
        Tensor w = Tensor.randn(4, 3, 3, 3);
        Tensor batched = Convolution.conv2d(x.unsqueeze(0), w, null);
        Tensor y = Convolution.conv2d(x, w, null);
        assertArrayEquals(shape(4, 4, 4), y.shape());
        assertArrayEquals(batched.squeeze(0).toDoubleArray(), y.toDoubleArray(), 0.0);
    }

    @Test
    void unfoldLaysOutWindowsAsColumnsAndFoldSumsThemBack() {
        Tensor x = Tensor.arange(9).to(DType.F32).reshape(1, 1, 3, 3);
        Tensor cols = Convolution.unfold(x, 2, 1, 0, 1);
        // rows: kernel taps (0,0),(0,1),(1,0),(1,1); columns: windows at (0,0),(0,1),(1,0),(1,1)
        assertValues(cols, DType.F32, shape(1, 4, 4), 0, 1, 3, 4, 1, 2, 4, 5, 3, 4, 6, 7, 4, 5, 7, 8);
        // fold(unfold(x)) multiplies each element by the number of windows covering it.
        assertValues(Convolution.fold(cols, new int[] {3, 3}, 2, 1, 0, 1), DType.F32, shape(1, 1, 3, 3),
                0, 2, 2, 6, 16, 10, 6, 14, 8);
    }

    @Test
    void transposedConvolutionScattersEachInputTimesTheKernel() {
        Tensor x = Tensor.of(1f, 2f).reshape(1, 1, 2);
        Tensor w = Tensor.of(1f, 10f, 100f).reshape(1, 1, 3);
        // stride 2: [1, 10, 100+2, 20, 200]; outputPadding 1 appends a sixth zero.
        assertValues(Convolution.convTranspose1d(x, w, null, 2, 0, 1, 1, 1), DType.F32, shape(1, 1, 6),
                1, 10, 102, 20, 200, 0);
    }

    // ------------------------------------------------------------------ against a naive loop

    @ParameterizedTest(name = "conv{0}d N={1} Cin={2} Cout={3} groups={4} k={5} stride={6} padding={7} dilation={8}")
    @CsvSource({
            "1, 2, 3, 4, 1, 3, 1, 0, 1", "1, 2, 4, 6, 2, 2, 2, 1, 2", "1, 1, 3, 3, 3, 5, 1, 2, 1",
            "2, 2, 3, 4, 1, 3, 1, 1, 1", "2, 3, 4, 8, 4, 3, 2, 1, 1", "2, 1, 6, 6, 6, 3, 1, 1, 2",
            "2, 2, 2, 3, 1, 2, 3, 0, 1", "2, 1, 4, 2, 2, 3, 2, 2, 2", "2, 3, 2, 3, 1, 3, 1, 2, 2",
            "2, 4, 1, 2, 1, 2, 1, 0, 1",
            "3, 2, 2, 3, 1, 2, 1, 1, 1", "3, 1, 4, 4, 2, 3, 2, 1, 1"})
    void convMatchesADirectLoop(int nd, int n, int cin, int cout, int groups, int k, int stride, int padding,
                                int dilation) {
        var gen = new Generator(nd * 1000L + n * 100 + cin * 10 + k);
        long[] xs = new long[nd + 2];
        xs[0] = n;
        xs[1] = cin;
        long[] ws = new long[nd + 2];
        ws[0] = cout;
        ws[1] = cin / groups;
        for (int i = 0; i < nd; i++) {
            xs[i + 2] = 7 + i;
            ws[i + 2] = k - (i == 1 ? 1 : 0);
        }
        Tensor x = Tensor.randn(xs, DType.F64, gen);
        Tensor w = Tensor.randn(ws, DType.F64, gen);
        Tensor b = Tensor.randn(new long[] {cout}, DType.F64, gen);
        int[] s = {stride};
        int[] p = {padding};
        int[] d = {dilation};
        Tensor y = conv(nd, x, w, b, s, p, d, groups);
        Tensor expected = Naive.conv(x, w, b, stride, padding, dilation, groups);
        assertArrayEquals(expected.shape(), y.shape());
        assertArrayEquals(expected.toDoubleArray(), y.toDoubleArray(), 1e-10);
        // float32 agrees to float precision.
        Tensor y32 = conv(nd, x.to(DType.F32), w.to(DType.F32), b.to(DType.F32), s, p, d, groups);
        assertArrayEquals(expected.toDoubleArray(), y32.toDoubleArray(), 1e-3);
    }

    private static Tensor conv(int nd, Tensor x, Tensor w, Tensor b, int[] s, int[] p, int[] d, int groups) {
        return switch (nd) {
            case 1 -> Convolution.conv1d(x, w, b, s[0], p[0], d[0], groups);
            case 2 -> Convolution.conv2d(x, w, b, s, p, d, groups);
            default -> Convolution.conv3d(x, w, b, s, p, d, groups);
        };
    }

    @ParameterizedTest(name = "convTranspose{0}d N={1} Cin={2} Cout={3} groups={4} k={5} stride={6} padding={7} outputPadding={8} dilation={9}")
    @CsvSource({
            "1, 2, 3, 4, 1, 3, 2, 1, 1, 1", "1, 1, 4, 2, 2, 2, 1, 0, 0, 2", "1, 2, 2, 2, 1, 3, 3, 0, 2, 1",
            "2, 2, 3, 2, 1, 3, 2, 1, 1, 1", "2, 1, 4, 6, 2, 2, 2, 0, 1, 1", "2, 2, 3, 3, 3, 3, 1, 1, 0, 2",
            "2, 1, 2, 3, 1, 3, 1, 0, 1, 2"})
    void convTransposeMatchesADirectLoop(int nd, int n, int cin, int cout, int groups, int k, int stride, int padding,
                                         int outputPadding, int dilation) {
        var gen = new Generator(nd * 1000L + n * 100 + cin * 10 + k + 7);
        long[] xs = new long[nd + 2];
        xs[0] = n;
        xs[1] = cin;
        long[] ws = new long[nd + 2];
        ws[0] = cin;
        ws[1] = cout / groups;
        for (int i = 0; i < nd; i++) {
            xs[i + 2] = 4 + i;
            ws[i + 2] = k - i;
        }
        Tensor x = Tensor.randn(xs, DType.F64, gen);
        Tensor w = Tensor.randn(ws, DType.F64, gen);
        Tensor b = Tensor.randn(new long[] {cout}, DType.F64, gen);
        Tensor y = nd == 1 ? Convolution.convTranspose1d(x, w, b, stride, padding, outputPadding, groups, dilation)
                : Convolution.convTranspose2d(x, w, b, new int[] {stride}, new int[] {padding},
                        new int[] {outputPadding}, groups, new int[] {dilation});
        Tensor expected = Naive.convTranspose(x, w, b, stride, padding, outputPadding, dilation, groups);
        assertArrayEquals(expected.shape(), y.shape());
        assertArrayEquals(expected.toDoubleArray(), y.toDoubleArray(), 1e-10);
    }

    @Test
    void convTransposeIsTheInputGradientOfConv() {
        Tensor x = Tensor.randn(new long[] {2, 3, 8, 7}, DType.F64, new Generator(5)).setRequiresGrad(true);
        Tensor w = Tensor.randn(new long[] {4, 3, 3, 2}, DType.F64, new Generator(6));
        Tensor y = Convolution.conv2d(x, w, null, new int[] {2}, new int[] {1}, new int[] {1}, 1);
        Tensor g = Tensor.randn(y.shape(), DType.F64, new Generator(7));
        y.backward(g);
        // y is [2, 4, 4, 4]; back to 8 = (4-1)*2 - 2 + 2*1 + 1 + 1 and 7 = (4-1)*2 - 2 + 1 + 1 + 1 takes outputPadding 1.
        Tensor t = Convolution.convTranspose2d(g, w, null, new int[] {2}, new int[] {1}, new int[] {1, 1}, 1,
                new int[] {1});
        assertArrayEquals(x.shape(), t.shape());
        assertArrayEquals(x.grad().toDoubleArray(), t.toDoubleArray(), 1e-10);
    }

    // ------------------------------------------------------------------ gradients

    private static Tensor leaf(Generator g, long... shape) {
        return Tensor.randn(shape, DType.F64, g).setRequiresGrad(true);
    }

    @Test
    void conv1dGradCheck() {
        var g = new Generator(11);
        GradCheck.check(in -> Convolution.conv1d(in[0], in[1], in[2], 2, 1, 2, 2),
                leaf(g, 2, 4, 9), leaf(g, 6, 2, 3), leaf(g, 6));
    }

    @Test
    void conv2dGradCheck() {
        var g = new Generator(12);
        GradCheck.check(in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {2, 1}, new int[] {1, 0},
                new int[] {1, 2}, 1), leaf(g, 2, 3, 5, 6), leaf(g, 2, 3, 3, 2), leaf(g, 2));
    }

    /** Batch of 3 with row stride 1: the stacked single-GEMM path, with padding, dilation and a column stride. */
    @Test
    void stackedBatchConv2dGradCheck() {
        var g = new Generator(18);
        GradCheck.check(in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {1, 2}, new int[] {1, 0},
                new int[] {2, 1}, 1), leaf(g, 3, 2, 5, 6), leaf(g, 2, 2, 2, 3), leaf(g, 2));
    }

    /** One input channel, depth 1*2*3 = 6 < 7 output channels: the direct (im2col-free) path, with padding. */
    @Test
    void directConv2dGradCheck() {
        var g = new Generator(20);
        GradCheck.check(in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {1}, new int[] {1, 2},
                new int[] {1}, 1), leaf(g, 2, 1, 4, 5), leaf(g, 7, 1, 2, 3), leaf(g, 7));
    }

    @Test
    void directConv2dSecondOrderGradCheck() {
        var g = new Generator(21);
        GradCheck.checkSecondOrder(in -> Convolution.conv2d(in[0], in[1], in[2], 1, 1, 1, 1),
                leaf(g, 2, 2, 3, 4), leaf(g, 9, 2, 2, 2), leaf(g, 9));
    }

    /** Unbatched input (a batch of one) and no bias on the direct path. */
    @Test
    void directConv2dUnbatchedWithoutBiasGradCheck() {
        var g = new Generator(22);
        GradCheck.check(in -> Convolution.conv2d(in[0], in[1], null), leaf(g, 1, 5, 4), leaf(g, 5, 1, 3, 2));
    }

    /** Depth 2*2*2 = 8 >= 3 output channels: the shifted-GEMM engine of the same primitive, with padding. */
    @Test
    void shiftedGemmConv2dGradCheck() {
        var g = new Generator(25);
        GradCheck.check(in -> Convolution.conv2d(in[0], in[1], in[2], 1, 1, 1, 1),
                leaf(g, 3, 2, 3, 4), leaf(g, 3, 2, 2, 2), leaf(g, 3));
    }

    /**
     * Float32 stride-1 convolution without im2col (the direct kernels, SIMD where available, for
     * small depth; the shifted GEMMs otherwise) against the im2col product it replaces, forward
     * and all three gradients, on shapes that exercise full vectors, an overlapping last vector,
     * rows narrower than a vector, several input channels, padding and a batch of one.
     */
    @ParameterizedTest
    @CsvSource({"3, 1, 28, 28, 32, 3, 0", "1, 3, 20, 37, 32, 3, 1", "2, 1, 9, 9, 8, 2, 0", "2, 2, 18, 33, 24, 3, 0",
            "2, 1, 17, 49, 5, 2, 0", "4, 1, 6, 40, 10, 3, 2", "3, 32, 13, 13, 64, 3, 0", "1, 8, 7, 6, 3, 2, 1",
            "2, 5, 11, 9, 4, 3, 1", "5, 3, 4, 4, 2, 2, 0", "8, 16, 20, 20, 16, 3, 0"})
    void stride1Conv2dMatchesTheIm2colProductInFloat32(int n, int cIn, int h, int w, int cOut, int k, int pad) {
        var g = new Generator(23);
        Tensor x = Tensor.randn(new long[] {n, cIn, h, w}, DType.F32, g).setRequiresGrad(true);
        Tensor wt = Tensor.randn(new long[] {cOut, cIn, k, k}, DType.F32, g).setRequiresGrad(true);
        Tensor b = Tensor.randn(new long[] {cOut}, DType.F32, g).setRequiresGrad(true);
        assertMatchesIm2colProduct(x, wt, b, pad);
    }

    /**
     * An infinite weight or input: the kernels that would multiply it by zero at positions that
     * are not windows give way to the im2col composites, so infinities and NaNs land exactly
     * where the im2col product puts them.
     */
    @ParameterizedTest
    @CsvSource({"1, 0", "1, 1", "32, 0", "32, 1"})
    void stride1Conv2dWithAnInfinityMatchesTheIm2colProduct(int cIn, int infiniteWeight) {
        var g = new Generator(26);
        Tensor x = Tensor.randn(new long[] {2, cIn, 18, 18}, DType.F32, g);
        Tensor wt = Tensor.randn(new long[] {cIn == 1 ? 16 : 8, cIn, 3, 3}, DType.F32, g);
        float[] xv = x.toFloatArray();
        float[] wv = wt.toFloatArray();
        if (infiniteWeight == 1) {
            wv[4] = Float.POSITIVE_INFINITY;
        } else {
            xv[17 * 18 + 17] = Float.NEGATIVE_INFINITY; // a corner: only one window reads it
        }
        assertMatchesIm2colProduct(Tensor.fromArray(xv, x.shape()).setRequiresGrad(true),
                Tensor.fromArray(wv, wt.shape()).setRequiresGrad(true), null, 0);
    }

    private static void assertMatchesIm2colProduct(Tensor x, Tensor wt, Tensor b, int pad) {
        var g = new Generator(27);
        long n = x.size(0);
        long cIn = x.size(1);
        long cOut = wt.size(0);
        int k = (int) wt.size(2);
        Tensor y = Convolution.conv2d(x, wt, b, 1, pad, 1, 1);
        assertEquals("ConvolutionBackward0", y.gradFn().name());
        Tensor gy = Tensor.randn(y.shape(), DType.F32, g);
        y.backward(gy);
        Tensor xr = x.detach().setRequiresGrad(true);
        Tensor wr = wt.detach().setRequiresGrad(true);
        Tensor br = b == null ? null : b.detach().setRequiresGrad(true);
        long oh = y.size(2);
        long ow = y.size(3);
        Tensor ref = wr.reshape(cOut, cIn * k * k).matmul(Convolution.unfold(xr, k, 1, pad, 1))
                .reshape(n, cOut, oh, ow);
        ref = br == null ? ref : ref.add(br.reshape(cOut, 1, 1));
        ref.backward(gy);
        assertClose(ref, y);
        assertClose(xr.grad(), x.grad());
        assertClose(wr.grad(), wt.grad());
        if (b != null) {
            assertClose(br.grad(), b.grad());
        }
    }

    /**
     * A strided convolution on a few input channels runs as the stride-1 primitive on its
     * phase-split input (the direct kernels): forward and all three gradients against the im2col
     * product, with strides 2 and 3 and a non-square one, padding, odd sizes (the split input
     * padded or cropped to whole phases), kernels with fewer taps than whole phases, a batch of one
     * and the 3x3 and 7x7 stems of the ONNX bench models at reduced size.
     */
    @ParameterizedTest
    @CsvSource({"1, 3, 20, 23, 32, 3, 3, 2, 2, 1", "2, 3, 19, 22, 64, 7, 7, 2, 2, 3", "3, 1, 15, 17, 16, 5, 5, 3, 3, 2",
            "2, 4, 9, 40, 24, 3, 3, 2, 2, 0", "1, 1, 16, 21, 20, 5, 5, 3, 3, 0", "2, 3, 13, 35, 32, 3, 3, 2, 1, 1",
            "2, 3, 11, 12, 17, 2, 4, 2, 2, 1", "1, 3, 30, 30, 8, 3, 3, 2, 2, 1", "1, 3, 20, 70, 32, 3, 3, 2, 2, 1",
            "2, 3, 12, 75, 64, 7, 7, 2, 2, 3", "1, 1, 9, 101, 24, 3, 3, 2, 2, 1"})
    void stridedConv2dOnFewChannelsMatchesTheIm2colProduct(int n, int cIn, int h, int w, int cOut, int kh, int kw,
                                                           int sh, int sw, int pad) {
        var g = new Generator(31);
        Tensor x = Tensor.randn(new long[] {n, cIn, h, w}, DType.F32, g).setRequiresGrad(true);
        Tensor wt = Tensor.randn(new long[] {cOut, cIn, kh, kw}, DType.F32, g).setRequiresGrad(true);
        Tensor b = Tensor.randn(new long[] {cOut}, DType.F32, g).setRequiresGrad(true);
        int[] s = {sh, sw};
        int[] p = {pad, pad};
        Tensor y = Convolution.conv2d(x, wt, b, s, p, new int[] {1, 1}, 1);
        // Eight channels or fewer stay on im2col: the direct kernels' blocks are eight wide.
        assertEquals(cOut >= 16 ? "ConvolutionBackward0" : "AddBackward0", y.gradFn().name());
        assertMatchesIm2colProduct(x, wt, b, s, p, y, Tensor.randn(y.shape(), DType.F32, g));
    }

    /**
     * A strided float32 convolution on whole channel blocks runs as one {@code stridedConvolution}
     * (channel-blocked where the provider has 16-lane vectors): forward and all three gradients
     * against the im2col product, with ResNet's strided 3x3 and 1x1 layers, uneven strides and
     * sizes that do not divide by them, and the compiled graph (fused with its padding) giving the
     * eager values.
     */
    @ParameterizedTest
    @CsvSource({"1, 16, 14, 14, 32, 3, 3, 2, 2, 1", "2, 32, 9, 11, 32, 3, 3, 2, 2, 1", "2, 16, 14, 14, 64, 1, 1, 2, 2, 0",
            "1, 16, 13, 10, 32, 3, 2, 3, 2, 2", "1, 48, 8, 8, 32, 7, 7, 2, 2, 3"})
    void stridedConv2dOnChannelBlocksMatchesTheIm2colProduct(int n, int cIn, int h, int w, int cOut, int kh, int kw,
                                                             int sh, int sw, int pad) {
        var g = new Generator(37);
        Tensor x = Tensor.randn(new long[] {n, cIn, h, w}, DType.F32, g).setRequiresGrad(true);
        Tensor wt = Tensor.randn(new long[] {cOut, cIn, kh, kw}, DType.F32, g).setRequiresGrad(true);
        Tensor b = Tensor.randn(new long[] {cOut}, DType.F32, g).setRequiresGrad(true);
        int[] s = {sh, sw};
        int[] p = {pad, pad};
        Tensor y = Convolution.conv2d(x, wt, b, s, p, new int[] {1, 1}, 1);
        assertEquals(dev.walnut.backend.cpu.KernelProvider.get().blockedConvLanes() > 0 ? "StridedConvolutionBackward0"
                : "AddBackward0", y.gradFn().name());
        assertMatchesIm2colProduct(x, wt, b, s, p, y, Tensor.randn(y.shape(), DType.F32, g));
        try (var off = dev.walnut.autograd.Autograd.noGrad()) {
            var compiled = dev.walnut.graph.Compiler.compile(
                    in -> Convolution.conv2d(in[0], wt, b, s, p, new int[] {1, 1}, 1).relu());
            assertClose(y.detach().relu(), compiled.apply(x.detach()));
            if (dev.walnut.backend.cpu.KernelProvider.get().blockedConvLanes() > 0) {
                var graph = compiled.graphFor(x.detach());
                assertEquals(1, graph.nodes().stream().filter(nd -> nd.op() == dev.walnut.ops.FusedOps.CONV2D
                        && Arrays.equals(s, ((dev.walnut.ops.FusedOps.Conv2d) nd.attrs()).stride())).count(),
                        graph.toString());
            }
        }
    }

    /**
     * The phase-split form's zero taps reach inputs outside the strided windows (the column
     * and row after each window); the direct kernels skip them, so an infinity there stays out
     * of the outputs whose windows do not hold it, as in the im2col product.
     */
    @ParameterizedTest
    @CsvSource({"7, 7, 8", "3, 7, 8", "7, 3, 8", "4, 4, 8", "0, 0, 8", "7, 39, 40", "3, 23, 40", "7, 4, 40"})
    void stridedConv2dOnFewChannelsPutsAnInfinityWhereIm2colDoes(int row, int col, int width) {
        var g = new Generator(33);
        float[] xv = Tensor.randn(new long[] {1, 3, 8, width}, DType.F32, g).toFloatArray();
        xv[8 * width + row * width + col] = Float.POSITIVE_INFINITY; // channel 1
        Tensor x = Tensor.fromArray(xv, 1, 3, 8, width);
        Tensor wt = Tensor.randn(new long[] {16, 3, 3, 3}, DType.F32, g);
        Tensor y = Convolution.conv2d(x, wt, null, 2, 0, 1, 1);
        Tensor ref = wt.reshape(16, 27).matmul(Convolution.unfold(x, new int[] {3, 3}, new int[] {1, 1},
                new int[] {0, 0}, new int[] {2, 2})).reshape(y.shape());
        assertClose(ref, y);
    }

    @Test
    void stridedConv2dOnFewChannelsGradCheck() {
        var g = new Generator(35);
        GradCheck.check(in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 1}, 1), leaf(g, 2, 3, 7, 8), leaf(g, 16, 3, 3, 3), leaf(g, 16));
        GradCheck.checkSecondOrder(in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {3, 2}, new int[] {1, 0},
                new int[] {1, 1}, 1), leaf(g, 1, 2, 7, 6), leaf(g, 16, 2, 4, 3), leaf(g, 16));
    }

    /** Elementwise |a - e| <= 1e-4 * (1 + max |e|): float32 sums in a different order. */
    /** {@code y = conv2d(x, wt, b)} and its gradients for {@code gy} against im2col and a product (backward run here). */
    private static void assertMatchesIm2colProduct(Tensor x, Tensor wt, Tensor b, int[] s, int[] p, Tensor y, Tensor gy) {
        y.backward(gy);
        long cOut = wt.size(0);
        Tensor xr = x.detach().setRequiresGrad(true);
        Tensor wr = wt.detach().setRequiresGrad(true);
        Tensor br = b.detach().setRequiresGrad(true);
        Tensor ref = wr.reshape(cOut, wt.numel() / cOut)
                .matmul(Convolution.unfold(xr, new int[] {(int) wt.size(2), (int) wt.size(3)}, new int[] {1, 1}, p, s))
                .reshape(y.shape()).add(br.reshape(cOut, 1, 1));
        ref.backward(gy);
        assertClose(ref, y);
        assertClose(xr.grad(), x.grad());
        assertClose(wr.grad(), wt.grad());
        assertClose(br.grad(), b.grad());
    }

    private static void assertClose(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        double[] e = expected.to(DType.F64).contiguous().toDoubleArray();
        double[] a = actual.to(DType.F64).contiguous().toDoubleArray();
        double scale = 1;
        for (double v : e) {
            scale = Double.isFinite(v) ? Math.max(scale, Math.abs(v)) : scale;
        }
        for (int i = 0; i < e.length; i++) {
            if (!Double.isFinite(e[i]) || !Double.isFinite(a[i])) {
                assertEquals(e[i], a[i], "element " + i);
                continue;
            }
            if (Math.abs(a[i] - e[i]) > 1e-4 * scale) {
                throw new AssertionError("element " + i + ": expected " + e[i] + " but was " + a[i]);
            }
        }
    }

    @Test
    void stackedBatchConv2dSecondOrderGradCheck() {
        var g = new Generator(19);
        GradCheck.checkSecondOrder(in -> Convolution.conv2d(in[0], in[1], in[2], 1, 1, 1, 1),
                leaf(g, 2, 2, 4, 3), leaf(g, 2, 2, 2, 2), leaf(g, 2));
    }

    @Test
    void depthwiseConv2dWithSamePaddingGradCheck() {
        var g = new Generator(13);
        GradCheck.check(in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {1}, "same", new int[] {1}, 3),
                leaf(g, 1, 3, 4, 5), leaf(g, 3, 1, 2, 3), leaf(g, 3));
    }

    @Test
    void conv3dGradCheck() {
        var g = new Generator(14);
        GradCheck.check(in -> Convolution.conv3d(in[0], in[1], in[2], new int[] {1, 2, 1}, new int[] {1},
                new int[] {1}, 2), leaf(g, 1, 4, 3, 4, 3), leaf(g, 2, 2, 2, 2, 2), leaf(g, 2));
    }

    @Test
    void convTranspose1dGradCheck() {
        var g = new Generator(15);
        GradCheck.check(in -> Convolution.convTranspose1d(in[0], in[1], in[2], 2, 1, 1, 2, 1),
                leaf(g, 2, 4, 5), leaf(g, 4, 3, 3), leaf(g, 6));
    }

    @Test
    void convTranspose2dGradCheck() {
        var g = new Generator(16);
        GradCheck.check(in -> Convolution.convTranspose2d(in[0], in[1], in[2], new int[] {2, 1}, new int[] {1, 0},
                new int[] {1, 0}, 1, new int[] {1, 2}), leaf(g, 2, 3, 3, 4), leaf(g, 3, 2, 3, 2), leaf(g, 2));
    }

    @Test
    void conv2dSecondOrderGradCheck() {
        var g = new Generator(17);
        GradCheck.checkSecondOrder(in -> Convolution.conv2d(in[0], in[1], in[2], 2, 1, 1, 1),
                leaf(g, 1, 2, 4, 4), leaf(g, 2, 2, 2, 2), leaf(g, 2));
    }

    // ------------------------------------------------------------------ errors

    private static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void wrongInputRankIsAnError() {
        assertContains(error(() -> Convolution.conv2d(Tensor.zeros(2, 3), Tensor.zeros(1, 3, 1, 1), null)),
                "conv2d", "3D (unbatched) or 4D (batched) input", "[2, 3]");
        assertContains(error(() -> Convolution.conv2d(Tensor.zeros(1, 3, 4, 4), Tensor.zeros(3, 3), null)),
                "conv2d", "weight of size [3, 3]");
    }

    @Test
    void channelMismatchNamesBothShapes() {
        assertContains(error(() -> Convolution.conv2d(Tensor.zeros(64, 3, 28, 28), Tensor.zeros(32, 1, 3, 3), null)),
                "conv2d", "groups=1", "weight of size [32, 1, 3, 3]", "input[64, 3, 28, 28]", "to have 1 channels",
                "but got 3 channels");
    }

    @Test
    void groupsMustDivideTheChannels() {
        assertContains(error(() -> Convolution.conv2d(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(3, 2, 3, 3), null, 1, 0, 1, 2)),
                "conv2d", "groups=2", "divisible by 2", "[3, 2, 3, 3]");
        assertContains(error(() -> Convolution.conv2d(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(4, 4, 3, 3), null, 1, 0, 1, 0)),
                "non-positive groups");
    }

    @Test
    void nonPositiveStrideDilationOrKernelAndNegativePaddingAreErrors() {
        Tensor x = Tensor.zeros(1, 1, 5, 5);
        Tensor w = Tensor.zeros(1, 1, 3, 3);
        assertContains(error(() -> Convolution.conv2d(x, w, null, 0, 0, 1, 1)), "conv2d", "non-positive stride", "[0, 0]");
        assertContains(error(() -> Convolution.conv2d(x, w, null, 1, 0, 0, 1)), "conv2d", "non-positive dilation");
        assertContains(error(() -> Convolution.conv2d(x, w, null, 1, -1, 1, 1)), "conv2d", "negative padding", "[-1, -1]");
        assertContains(error(() -> Convolution.conv2d(x, Tensor.zeros(1, 1, 0, 3), null)), "conv2d", "non-positive kernel size");
        assertContains(error(() -> Convolution.unfold(x, new int[] {2, 0})), "unfold", "non-positive kernelSize");
    }

    @Test
    void anEmptyOutputIsAnErrorNamingTheSizes() {
        assertContains(error(() -> Convolution.conv2d(Tensor.zeros(1, 1, 2, 2), Tensor.zeros(1, 1, 3, 3), null)),
                "conv2d", "padded input size per channel: (2 x 2)", "Kernel size: (3 x 3)");
        assertContains(error(() -> Convolution.conv1d(Tensor.zeros(1, 1, 5), Tensor.zeros(1, 1, 3), null, 1, 0, 3, 1)),
                "conv1d", "(5)", "Kernel size: (7)", "dilation=[3]");
    }

    @Test
    void samePaddingWithStrideAndUnknownPaddingStringsAreErrors() {
        Tensor x = Tensor.zeros(1, 1, 5, 5);
        Tensor w = Tensor.zeros(1, 1, 3, 3);
        assertContains(error(() -> Convolution.conv2d(x, w, null, 2, "same", 1, 1)),
                "conv2d", "padding='same' is not supported for strided convolutions");
        assertContains(error(() -> Convolution.conv2d(x, w, null, 1, "full", 1, 1)), "invalid padding string 'full'");
    }

    @Test
    void biasAndDTypeMismatchesAreErrors() {
        Tensor x = Tensor.zeros(1, 2, 5, 5);
        Tensor w = Tensor.zeros(3, 2, 3, 3);
        assertContains(error(() -> Convolution.conv2d(x, w, Tensor.zeros(2))), "conv2d", "bias", "3 elements", "[2]");
        assertContains(error(() -> Convolution.conv2d(x.to(DType.F64), w, null)), "conv2d", "F64", "F32", "should be the same");
        assertContains(error(() -> Convolution.conv2d(x.to(DType.I64), w.to(DType.I64), null)), "floating-point");
    }

    @Test
    void foldChecksTheColumnShape() {
        assertContains(error(() -> Convolution.fold(Tensor.zeros(1, 5, 4), new int[] {3, 3}, 2, 1, 0, 1)),
                "fold", "divisible by the product of kernelSize", "input.size(1)=5");
        assertContains(error(() -> Convolution.fold(Tensor.zeros(1, 4, 5), new int[] {3, 3}, 2, 1, 0, 1)),
                "fold", "calculated number of sliding blocks [2, 2] = 4", "input.size(2)=5");
    }

    @Test
    void transposedConvolutionErrors() {
        Tensor x = Tensor.zeros(1, 2, 4, 4);
        assertContains(error(() -> Convolution.convTranspose2d(x, Tensor.zeros(2, 1, 3, 3), null, 1, 0, 1, 1, 1)),
                "convTranspose2d", "outputPadding must be smaller than either stride or dilation");
        assertContains(error(() -> Convolution.convTranspose2d(x, Tensor.zeros(3, 1, 3, 3), null)),
                "convTranspose2d", "to have 3 channels, but got 2 channels");
        assertContains(error(() -> Convolution.convTranspose2d(Tensor.zeros(1, 2, 1, 1), Tensor.zeros(2, 1, 1, 1),
                null, 1, 1, 0, 1, 1)), "convTranspose2d", "output size", "too small");
    }

    // ------------------------------------------------------------------ reference

    /** Direct convolution loops over 3-d (1- and 2-d inputs get leading size-1 spatial dims). */
    static final class Naive {
        static Tensor to3d(Tensor t) {
            while (t.dim() < 5) {
                t = t.unsqueeze(2);
            }
            return t;
        }

        static Tensor conv(Tensor x0, Tensor w0, Tensor b, int stride, int padding, int dilation, int groups) {
            int nd = x0.dim() - 2;
            long[] x = Arrays.stream(to3d(x0).shape()).toArray();
            long[] w = to3d(w0).shape();
            double[] xv = to3d(x0).contiguous().toDoubleArray();
            double[] wv = to3d(w0).contiguous().toDoubleArray();
            double[] bv = b.toDoubleArray();
            int n = (int) x[0];
            int cin = (int) x[1];
            int cout = (int) w[0];
            int cinG = cin / groups;
            int coutG = cout / groups;
            int[] sz = {(int) x[2], (int) x[3], (int) x[4]};
            int[] k = {(int) w[2], (int) w[3], (int) w[4]};
            int lead = 3 - nd;
            int[] s = new int[3];
            int[] p = new int[3];
            int[] d = new int[3];
            int[] o = new int[3];
            for (int i = 0; i < 3; i++) {
                s[i] = i < lead ? 1 : stride;
                p[i] = i < lead ? 0 : padding;
                d[i] = i < lead ? 1 : dilation;
                o[i] = (sz[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) / s[i] + 1;
            }
            double[] out = new double[n * cout * o[0] * o[1] * o[2]];
            int idx = 0;
            for (int bn = 0; bn < n; bn++) {
                for (int co = 0; co < cout; co++) {
                    int gi = co / coutG;
                    for (int a0 = 0; a0 < o[0]; a0++) {
                        for (int a1 = 0; a1 < o[1]; a1++) {
                            for (int a2 = 0; a2 < o[2]; a2++) {
                                double acc = bv[co];
                                for (int ci = 0; ci < cinG; ci++) {
                                    int c = gi * cinG + ci;
                                    for (int j0 = 0; j0 < k[0]; j0++) {
                                        for (int j1 = 0; j1 < k[1]; j1++) {
                                            for (int j2 = 0; j2 < k[2]; j2++) {
                                                int i0 = a0 * s[0] - p[0] + j0 * d[0];
                                                int i1 = a1 * s[1] - p[1] + j1 * d[1];
                                                int i2 = a2 * s[2] - p[2] + j2 * d[2];
                                                if (i0 < 0 || i1 < 0 || i2 < 0 || i0 >= sz[0] || i1 >= sz[1] || i2 >= sz[2]) {
                                                    continue;
                                                }
                                                acc += xv[(((bn * cin + c) * sz[0] + i0) * sz[1] + i1) * sz[2] + i2]
                                                        * wv[(((co * cinG + ci) * k[0] + j0) * k[1] + j1) * k[2] + j2];
                                            }
                                        }
                                    }
                                }
                                out[idx++] = acc;
                            }
                        }
                    }
                }
            }
            long[] shape = new long[nd + 2];
            shape[0] = n;
            shape[1] = cout;
            for (int i = 0; i < nd; i++) {
                shape[i + 2] = o[lead + i];
            }
            return Tensor.fromArray(out, shape);
        }

        static Tensor convTranspose(Tensor x0, Tensor w0, Tensor b, int stride, int padding, int outputPadding,
                                    int dilation, int groups) {
            int nd = x0.dim() - 2;
            long[] x = to3d(x0).shape();
            long[] w = to3d(w0).shape();
            double[] xv = to3d(x0).contiguous().toDoubleArray();
            double[] wv = to3d(w0).contiguous().toDoubleArray();
            double[] bv = b.toDoubleArray();
            int n = (int) x[0];
            int cin = (int) x[1];
            int coutG = (int) w[1];
            int cout = coutG * groups;
            int cinG = cin / groups;
            int[] sz = {(int) x[2], (int) x[3], (int) x[4]};
            int[] k = {(int) w[2], (int) w[3], (int) w[4]};
            int lead = 3 - nd;
            int[] s = new int[3];
            int[] p = new int[3];
            int[] d = new int[3];
            int[] o = new int[3];
            for (int i = 0; i < 3; i++) {
                s[i] = i < lead ? 1 : stride;
                p[i] = i < lead ? 0 : padding;
                d[i] = i < lead ? 1 : dilation;
                o[i] = (sz[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + (i < lead ? 0 : outputPadding) + 1;
            }
            int plane = o[0] * o[1] * o[2];
            double[] out = new double[n * cout * plane];
            for (int bn = 0; bn < n; bn++) {
                for (int co = 0; co < cout; co++) {
                    Arrays.fill(out, (bn * cout + co) * plane, (bn * cout + co + 1) * plane, bv[co]);
                }
                for (int c = 0; c < cin; c++) {
                    int gi = c / cinG;
                    for (int cl = 0; cl < coutG; cl++) {
                        int co = gi * coutG + cl;
                        for (int i0 = 0; i0 < sz[0]; i0++) {
                            for (int i1 = 0; i1 < sz[1]; i1++) {
                                for (int i2 = 0; i2 < sz[2]; i2++) {
                                    double xval = xv[(((bn * cin + c) * sz[0] + i0) * sz[1] + i1) * sz[2] + i2];
                                    for (int j0 = 0; j0 < k[0]; j0++) {
                                        for (int j1 = 0; j1 < k[1]; j1++) {
                                            for (int j2 = 0; j2 < k[2]; j2++) {
                                                int a0 = i0 * s[0] - p[0] + j0 * d[0];
                                                int a1 = i1 * s[1] - p[1] + j1 * d[1];
                                                int a2 = i2 * s[2] - p[2] + j2 * d[2];
                                                if (a0 < 0 || a1 < 0 || a2 < 0 || a0 >= o[0] || a1 >= o[1] || a2 >= o[2]) {
                                                    continue;
                                                }
                                                out[(bn * cout + co) * plane + (a0 * o[1] + a1) * o[2] + a2] += xval
                                                        * wv[(((c * coutG + cl) * k[0] + j0) * k[1] + j1) * k[2] + j2];
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            long[] shape = new long[nd + 2];
            shape[0] = n;
            shape[1] = cout;
            for (int i = 0; i < nd; i++) {
                shape[i + 2] = o[lead + i];
            }
            return Tensor.fromArray(out, shape);
        }
    }
}
