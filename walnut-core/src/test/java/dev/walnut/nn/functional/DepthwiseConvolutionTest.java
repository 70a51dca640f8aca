package dev.walnut.nn.functional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.backend.cpu.DepthwiseRowKernels;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The depthwise convolution primitive ({@code groups == C_in}) against the grouped im2col +
 * matmul composite it replaces, forward and every gradient, over strides, paddings, dilations,
 * multipliers and rows wider than a vector (tails); and its Vector API row kernels against the
 * scalar ones. Gradient checks, JVP and vmap are in the op tables (OpGradCheckTest,
 * OpRegistryTest, TransformRulesTest).
 */
class DepthwiseConvolutionTest {

    @ParameterizedTest(name = "[{index}] C={1} m={2} {3}x{4} k{5}x{6} s{7}x{8} p{9}x{10} d{11}x{12} {0}")
    @CsvSource({
            "F32, 8, 1, 17, 19, 3, 3, 1, 1, 1, 1, 1, 1",
            "F32, 5, 1, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1",
            "F32, 4, 2, 13, 21, 3, 5, 2, 3, 2, 0, 1, 2",
            "F32, 3, 3, 9, 40, 5, 5, 1, 1, 2, 2, 1, 1",
            "F32, 6, 1, 7, 7, 7, 7, 1, 1, 3, 3, 1, 1",
            "F32, 2, 1, 11, 37, 2, 3, 3, 1, 0, 4, 3, 2",
            "F64, 4, 2, 10, 23, 3, 3, 2, 2, 1, 1, 2, 1",
            "F64, 3, 1, 6, 9, 1, 1, 1, 1, 0, 0, 1, 1"})
    void matchesTheGroupedIm2colProduct(DType dtype, int c, int m, int h, int w, int kh, int kw, int sh, int sw,
                                        int ph, int pw, int dh, int dw) {
        var g = new Generator(41);
        int n = 2;
        Tensor x = Tensor.randn(new long[] {n, c, h, w}, dtype, g).setRequiresGrad(true);
        Tensor wt = Tensor.randn(new long[] {c * m, 1, kh, kw}, dtype, g).setRequiresGrad(true);
        Tensor b = Tensor.randn(new long[] {c * m}, dtype, g).setRequiresGrad(true);
        int[] s = {sh, sw};
        int[] p = {ph, pw};
        int[] d = {dh, dw};
        Tensor y = Convolution.conv2d(x, wt, b, s, p, d, c);
        assertEquals("ConvolutionBackward0", y.gradFn().name());
        Tensor gy = Tensor.randn(y.shape(), dtype, g);
        y.backward(gy);

        Tensor xr = x.detach().setRequiresGrad(true);
        Tensor wr = wt.detach().setRequiresGrad(true);
        Tensor br = b.detach().setRequiresGrad(true);
        Tensor cols = Convolution.unfold(xr, new int[] {kh, kw}, d, p, s); // [N, C*K, L]
        long l = cols.size(2);
        Tensor ref = wr.reshape(c, m, (long) kh * kw).matmul(cols.reshape(n, c, (long) kh * kw, l))
                .reshape(y.shape()).add(br.reshape(c * m, 1, 1));
        ref.backward(gy);
        double tol = dtype == DType.F32 ? 1e-4 : 1e-10;
        assertClose(ref, y, tol);
        assertClose(xr.grad(), x.grad(), tol);
        assertClose(wr.grad(), wt.grad(), tol);
        assertClose(br.grad(), b.grad(), tol);
    }

    @Test
    void unbatchedAndSamePaddingRouteToThePrimitive() {
        var g = new Generator(42);
        Tensor x = Tensor.randn(new long[] {3, 6, 5}, DType.F64, g);
        Tensor wt = Tensor.randn(new long[] {3, 1, 2, 2}, DType.F64, g);
        Tensor y = Convolution.conv2d(x, wt, null, new int[] {1}, "same", new int[] {1}, 3);
        assertArrayEquals(new long[] {3, 6, 5}, y.shape());
        // "same" with an even kernel pads one extra zero at the bottom/right.
        Tensor xp = x.pad(0, 1, 0, 1).unsqueeze(0);
        Tensor cols = Convolution.unfold(xp, new int[] {2, 2});
        Tensor ref = wt.reshape(3, 1, 4).matmul(cols.reshape(1, 3, 4, 30)).reshape(3, 6, 5);
        assertClose(ref, y, 1e-12);
    }

    @Test
    void vectorRowKernelsMatchTheScalarOnes() {
        Optional<DepthwiseRowKernels> vector = DepthwiseRowKernels.vector();
        assumeTrue(vector.isPresent(), "runs with --add-modules jdk.incubator.vector");
        DepthwiseRowKernels v = vector.get();
        DepthwiseRowKernels s = DepthwiseRowKernels.scalar();
        var gen = new Generator(43);
        float[] p = Tensor.randn(new long[] {200}, DType.F32, gen).toFloatArray();
        float[] w = Tensor.randn(new long[] {12}, DType.F32, gen).toFloatArray();
        float[] gr = Tensor.randn(new long[] {60}, DType.F32, gen).toFloatArray();
        int[] taps = {0, 1, 2, 50, 51, 52, 100, 101, 102};
        for (int len : new int[] {1, 7, 16, 37, 45}) {
            float[] a = new float[60];
            float[] e = new float[60];
            v.forwardRow(p, 3, taps, 9, w, 2, 0.5f, a, 5, len);
            s.forwardRow(p, 3, taps, 9, w, 2, 0.5f, e, 5, len);
            assertArrayEquals(e, a, 1e-4f, "forwardRow, len " + len);
            float[] pa = p.clone();
            float[] pe = p.clone();
            v.scatterRow(gr, 4, len, w, 1, taps, 9, pa, 7);
            s.scatterRow(gr, 4, len, w, 1, taps, 9, pe, 7);
            assertArrayEquals(pe, pa, 1e-4f, "scatterRow, len " + len);
            float[] acc = new float[12];
            float[] ecc = new float[12];
            v.weightGradRow(gr, 2, len, p, 9, taps, 9, acc, 3);
            s.weightGradRow(gr, 2, len, p, 9, taps, 9, ecc, 3);
            assertArrayEquals(ecc, acc, 1e-3f, "weightGradRow, len " + len);
        }
    }

    /** Elementwise |a - e| <= tol * (1 + max |e|): sums in a different order. */
    private static void assertClose(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        double[] e = expected.to(DType.F64).contiguous().toDoubleArray();
        double[] a = actual.to(DType.F64).contiguous().toDoubleArray();
        double scale = 1;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            if (Math.abs(a[i] - e[i]) > tol * scale) {
                throw new AssertionError("element " + i + ": expected " + e[i] + " but was " + a[i]);
            }
        }
    }
}
