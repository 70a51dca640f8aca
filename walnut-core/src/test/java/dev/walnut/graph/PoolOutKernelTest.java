package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.ops.WindowOps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The out= kernels a training graph's arena runs for max pooling, its adjoint and the
 * convolution's input gradient: compute's bits in a dirty buffer (the adjoint zeroes it before
 * its scatter). The cases cover odd planes (a last row and column no window reads), overlapping
 * windows (two gradients into one element), a -0.0 gradient (the scatter into zeros gives +0.0),
 * indices outside the 2x2 blocks, float64, and weights that are not finite (the input gradient's
 * im2col path).
 */
class PoolOutKernelTest {
    /** A tensor of {@code like}'s shape and dtype over a buffer filled with 7 (stale values). */
    private static Tensor dirty(Tensor like) {
        try (var off = Autograd.noGrad()) {
            long numel = like.numel();
            return Tensor.full(new long[] {numel + 5}, 7.0, like.dtype()).narrow(0, 0, numel).view(like.shape());
        }
    }

    @ParameterizedTest(name = "{0}x{1} k={2} s={3} {4}")
    @CsvSource({
        "26, 26, 2, 2, F32",
        "11, 11, 2, 2, F32",
        "7, 10, 2, 2, F32",
        "11, 11, 3, 2, F32", // overlapping windows with the 2x2 blocks' output size
        "9, 9, 3, 3, F32",
        "10, 10, 2, 2, F64",
    })
    void maxPoolAndItsAdjointWriteComputesBitsIntoADirtyBuffer(int h, int w, int k, int s, DType dtype) {
        Tensor x = Tensor.randn(new long[] {3, 4, h, w}, dtype, new Generator(h * 7L + k));
        int outH = (h - k) / s + 1;
        int outW = (w - k) / s + 1;
        var pool = new WindowOps.Pool(new int[] {k, k, s, s, 0, 0, 1, 1}, outH, outW, null);
        Tensor[] expected = WindowOps.MAX_POOL2D.compute(pool, new Tensor[] {x});
        Tensor[] outs = {dirty(expected[0]), dirty(expected[1])};
        WindowOps.MAX_POOL2D.computeInto(pool, new Tensor[] {x}, outs);
        assertBitIdentical(expected, outs);

        Tensor g = Tensor.randn(expected[0].shape(), dtype, new Generator(5));
        try (var off = Autograd.noGrad()) {
            g.view(-1).narrow(0, 0, 1).fillInPlace(-0.0); // the scatter into zeros makes it +0.0
        }
        var plane = new WindowOps.Plane(h, w);
        Tensor[] in = {g, expected[1]};
        Tensor dx = WindowOps.MAX_POOL2D_BACKWARD.compute(plane, in)[0];
        Tensor into = dirty(dx);
        WindowOps.MAX_POOL2D_BACKWARD.computeInto(plane, in, new Tensor[] {into});
        assertBitIdentical(dx, into);
        double total = 0;
        for (double v : g.toDoubleArray()) {
            total += v;
        }
        double sum = 0;
        for (double v : into.toDoubleArray()) {
            sum += v;
        }
        assertEquals(total, sum, (dtype == DType.F32 ? 1e-5 : 1e-12) * (1 + Math.abs(total)), "every window's gradient lands once");
        if (k == s) { // no other window reads the element
            assertEquals(0L, Double.doubleToRawLongBits(into.toDoubleArray()[(int) expected[1].toLongArray()[0]]),
                    "-0.0 scattered into zeros is +0.0");
        }
    }

    /** Indices a 2x2 pool never gives (outside their blocks): every element zeroed, then the scatter. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"0", "3", "9"})
    void anIndexOutsideItsBlockScatters(int at) {
        Tensor g = Tensor.randn(new long[] {1, 2, 2, 2}, DType.F32, new Generator(3));
        long[] idx = {0, 3, 8, 9, 1, 2, 8, 15};
        idx[at % idx.length] = 14; // window 0 or 3 of a plane pointing into another block
        Tensor indices = Tensor.of(idx).reshape(1, 2, 2, 2);
        var plane = new WindowOps.Plane(4, 4);
        Tensor[] in = {g, indices};
        Tensor dx = WindowOps.MAX_POOL2D_BACKWARD.compute(plane, in)[0];
        Tensor into = dirty(dx);
        WindowOps.MAX_POOL2D_BACKWARD.computeInto(plane, in, new Tensor[] {into});
        assertBitIdentical(dx, into);
        float[] d = into.toFloatArray();
        float[] gv = g.toFloatArray();
        for (int p = 0; p < 2; p++) {
            float[] want = new float[16];
            for (int o = 0; o < 4; o++) {
                want[(int) idx[p * 4 + o]] += gv[p * 4 + o];
            }
            for (int i = 0; i < 16; i++) {
                assertEquals(want[i], d[p * 16 + i], "plane " + p + " element " + i);
            }
        }
    }

    @ParameterizedTest(name = "cIn={0} cOut={1} {2}x{2} finite={3}")
    @CsvSource({"32, 64, 13, true", "32, 16, 9, true", "3, 8, 7, true", "32, 64, 13, false"})
    void convolutionInputGradWritesComputesBitsIntoADirtyBuffer(int cIn, int cOut, int hw, boolean finite) {
        Tensor gy = Tensor.randn(new long[] {2, cOut, hw - 2, hw - 2}, DType.F32, new Generator(11));
        Tensor w = Tensor.randn(new long[] {cOut, cIn, 3, 3}, DType.F32, new Generator(12));
        if (!finite) {
            try (var off = Autograd.noGrad()) {
                w.view(-1).narrow(0, 4, 1).fillInPlace(Double.POSITIVE_INFINITY);
            }
        }
        var plane = new WindowOps.Plane(hw, hw);
        Tensor[] in = {gy, w};
        Tensor dx = WindowOps.CONVOLUTION_INPUT_GRAD.compute(plane, in)[0];
        Tensor into = dirty(dx);
        WindowOps.CONVOLUTION_INPUT_GRAD.computeInto(plane, in, new Tensor[] {into});
        assertBitIdentical(dx, into);
        assertTrue(into.version() > 0);
    }
}
