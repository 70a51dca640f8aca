package dev.walnut;

import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** matmul in every rank combination PyTorch defines, against a naive triple loop. */
class MatmulTest {

    private static Tensor randn(long seed, DType dtype, long... shape) {
        return Tensor.randn(shape, dtype, new Generator(seed));
    }

    /** C[b..., i, j] = sum_k A[b..., i, k] B[b..., k, j] for same-rank 3-d operands (batch already broadcast). */
    private static double[] naiveBatched(Tensor a, Tensor b) {
        long batches = a.size(0);
        long m = a.size(1);
        long k = a.size(2);
        long n = b.size(2);
        double[] out = new double[(int) (batches * m * n)];
        for (long t = 0; t < batches; t++) {
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++) {
                    double acc = 0;
                    for (long p = 0; p < k; p++) {
                        acc += a.getDouble(t, i, p) * b.getDouble(t, p, j);
                    }
                    out[(int) ((t * m + i) * n + j)] = acc;
                }
            }
        }
        return out;
    }

    private static double[] naive2d(Tensor a, Tensor b) {
        return naiveBatched(a.unsqueeze(0), b.unsqueeze(0));
    }

    private static void assertClose(double[] expected, Tensor actual, double tol) {
        double[] got = actual.toDoubleArray();
        assertEquals(expected.length, got.length, "number of elements");
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], tol * (1 + Math.abs(expected[i])), "element " + i);
        }
    }

    @Test
    void matrixTimesMatrixClosedForm() {
        Tensor a = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor b = Tensor.of(new double[][] {{7, 8}, {9, 10}, {11, 12}});
        Tensor c = a.matmul(b);
        assertArrayEquals(shape(2, 2), c.shape());
        assertEquals(DType.F32, c.dtype());
        assertArrayEquals(new double[] {58, 64, 139, 154}, c.toDoubleArray(), 1e-5);
    }

    @Test
    void vectorTimesVectorIsAZeroDimDotProduct() {
        Tensor c = Tensor.of(1.0, 2.0, 3.0).matmul(Tensor.of(4.0, 5.0, 6.0));
        assertArrayEquals(shape(), c.shape());
        assertEquals(32.0, c.item(), 1e-6);
        assertEquals(32.0, Tensor.of(1.0, 2.0, 3.0).dot(Tensor.of(4.0, 5.0, 6.0)).item(), 1e-6);
    }

    @Test
    void vectorTimesMatrixDropsThePrependedDim() {
        Tensor c = Tensor.of(1.0, 2.0).matmul(Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}}));
        assertArrayEquals(shape(3), c.shape());
        assertArrayEquals(new double[] {9, 12, 15}, c.toDoubleArray(), 1e-5);
    }

    @Test
    void matrixTimesVectorDropsTheAppendedDim() {
        Tensor c = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}}).matmul(Tensor.of(1.0, 0.0, -1.0));
        assertArrayEquals(shape(2), c.shape());
        assertArrayEquals(new double[] {-2, -2}, c.toDoubleArray(), 1e-5);
    }

    @Test
    void matrixTimesMatrixMatchesNaiveLoopOnSizesThatCrossBlockEdges() {
        Tensor a = randn(1, DType.F32, 67, 129);
        Tensor b = randn(2, DType.F32, 129, 33);
        assertClose(naive2d(a, b), a.matmul(b), 1e-4);
        Tensor ad = randn(3, DType.F64, 65, 31);
        Tensor bd = randn(4, DType.F64, 31, 70);
        assertClose(naive2d(ad, bd), ad.matmul(bd), 1e-12);
    }

    @Test
    void batchedMatmulBroadcastsBatchDims() {
        Tensor a = randn(5, DType.F32, 2, 1, 3, 4);
        Tensor b = randn(6, DType.F32, 5, 4, 2);
        Tensor c = a.matmul(b);
        assertArrayEquals(shape(2, 5, 3, 2), c.shape());
        Tensor ab = a.expand(2, 5, 3, 4).reshape(10, 3, 4);
        Tensor bb = b.expand(2, 5, 4, 2).reshape(10, 4, 2);
        assertClose(naiveBatched(ab, bb), c, 1e-5);
    }

    @Test
    void batchedTimesMatrixBroadcastsTheMatrix() {
        Tensor a = randn(7, DType.F64, 3, 2, 4);
        Tensor b = randn(8, DType.F64, 4, 5);
        Tensor c = a.matmul(b);
        assertArrayEquals(shape(3, 2, 5), c.shape());
        assertClose(naiveBatched(a, b.expand(3, 4, 5)), c, 1e-12);
    }

    /**
     * A matrix shared by every batch item is one product over the folded rows: A's rows evenly
     * spaced (contiguous batch, a size-1 dim in between) are read in place, a permuted A
     * ({@code [T, B, k]} viewed from {@code [B, T, k]}, as an ONNX-exported attention projects its
     * input) is gathered first, a transposed B stays a view; random sizes that cross the GEMM's
     * small, packed and narrow paths, in both float dtypes, against the per-item loop.
     */
    @Test
    void batchTimesSharedMatrixMatchesTheLoopForEveryLayoutOfTheBatch() {
        java.util.Random r = new java.util.Random(17);
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            double tol = dt == DType.F32 ? 1e-4 : 1e-12;
            for (int trial = 0; trial < 6; trial++) {
                int bs = 1 + r.nextInt(4);
                int t = 1 + r.nextInt(40);
                int k = 1 + r.nextInt(70);
                int n = 1 + r.nextInt(300);
                Tensor w = randn(100 + trial, dt, k, n);
                Tensor wt = randn(200 + trial, dt, n, k).t(); // [k, n], column-major
                Tensor x = randn(300 + trial, dt, bs, t, k);
                Tensor permuted = randn(400 + trial, dt, t, bs, k).permute(1, 0, 2); // [bs, t, k], rows not evenly spaced
                Tensor gapped = randn(500 + trial, dt, bs, 1, t, k).expand(bs, 1, t, k); // a size-1 batch dim
                Tensor columns = randn(600 + trial, dt, bs, k, t).transpose(1, 2); // k strided
                for (Tensor a : new Tensor[] {x, permuted, columns}) {
                    for (Tensor b : new Tensor[] {w, wt}) {
                        String what = dt + " " + java.util.Arrays.toString(a.shape()) + " strides "
                                + java.util.Arrays.toString(a.stride()) + " x " + java.util.Arrays.toString(b.shape());
                        Tensor c = a.matmul(b);
                        assertArrayEquals(shape(bs, t, n), c.shape(), what);
                        assertClose(naiveBatched(a, b.expand(bs, k, n)), c, tol);
                    }
                }
                Tensor c = gapped.matmul(w);
                assertArrayEquals(shape(bs, 1, t, n), c.shape());
                assertClose(naiveBatched(gapped.reshape(bs, t, k), w.expand(bs, k, n)), c, tol);
            }
        }
    }

    @Test
    void matrixBroadcastAgainstABroadcastBatchRepeatsTheRows() {
        // Both operands the same for every batch item (A expanded, stride 0): every item equals the 2-d product.
        Tensor a = randn(13, DType.F32, 1, 24, 20).expand(3, 24, 20);
        Tensor b = randn(14, DType.F32, 20, 40);
        Tensor c = a.matmul(b);
        double[] one = naive2d(a.select(0, 0), b);
        for (int t = 0; t < 3; t++) {
            assertClose(one, c.select(0, t), 1e-4);
        }
    }

    @Test
    void manySmallProductsSplitAcrossBatchItemsMatchTheLoop() {
        // Attention's scores: [B*h, T, d] x [B*h, d, T], each product too small for the GEMM to split.
        Tensor q = randn(15, DType.F32, 8, 64, 16);
        Tensor kt = randn(16, DType.F32, 8, 64, 16).transpose(1, 2);
        assertClose(naiveBatched(q, kt), q.matmul(kt), 1e-4);
    }

    @Test
    void vectorTimesBatchedMatrix() {
        Tensor v = randn(9, DType.F64, 4);
        Tensor b = randn(10, DType.F64, 3, 4, 2);
        Tensor c = v.matmul(b);
        assertArrayEquals(shape(3, 2), c.shape());
        assertClose(naiveBatched(v.reshape(1, 1, 4).expand(3, 1, 4), b), c, 1e-12);
    }

    @Test
    void transposedOperandsAreReadThroughTheirStrides() {
        Tensor a = randn(11, DType.F32, 40, 30).t(); // [30, 40], non-contiguous
        Tensor b = randn(12, DType.F32, 50, 40).t(); // [40, 50]
        assertClose(naive2d(a.contiguous(), b.contiguous()), a.matmul(b), 1e-4);
        Tensor bt = randn(13, DType.F64, 2, 5, 4).transpose(-1, -2); // [2, 4, 5]
        Tensor at = randn(14, DType.F64, 2, 3, 4);
        assertClose(naiveBatched(at, bt.contiguous()), at.matmul(bt), 1e-12);
    }

    @Test
    void stepSlicedOperandsAreReadThroughTheirStrides() {
        Tensor a = randn(15, DType.F64, 6, 10).slice(1, 0, 10, 2); // [6, 5]
        Tensor b = randn(16, DType.F64, 10, 4).slice(0, 1, 10, 2); // [5, 4]
        assertClose(naive2d(a.contiguous(), b.contiguous()), a.matmul(b), 1e-12);
    }

    @Test
    void matmulOfIntegersIsExactInt64() {
        Tensor a = Tensor.of(3000000000L, 1L).reshape(1, 2);
        Tensor b = Tensor.of(3L, 5L).reshape(2, 1);
        Tensor c = a.matmul(b);
        assertEquals(DType.I64, c.dtype());
        assertEquals(9000000005L, c.getLong(0, 0));
    }

    @Test
    void matmulPromotesMixedFloatDtypes() {
        Tensor c = Tensor.ones(2, 2).matmul(Tensor.ones(new long[] {2, 2}, DType.F64));
        assertEquals(DType.F64, c.dtype());
        assertArrayEquals(new double[] {2, 2, 2, 2}, c.toDoubleArray());
    }

    @Test
    void matmulWithAnEmptyInnerDimIsZeros() {
        Tensor c = Tensor.ones(2, 0).matmul(Tensor.ones(0, 3));
        assertArrayEquals(shape(2, 3), c.shape());
        assertArrayEquals(new double[6], c.toDoubleArray());
    }

    @Test
    void mismatchedInnerDimsThrowWithPyTorchsMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
        assertEquals("matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)", e.getMessage());
    }

    @Test
    void zeroDimOperandsThrow() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(2).matmul(Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("matmul"), e.getMessage());
    }

    @Test
    void incompatibleBatchDimsThrow() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(3, 4, 5)));
    }

    @Test
    void outerProduct() {
        Tensor c = Tensor.of(1.0, 2.0).outer(Tensor.of(3.0, 4.0, 5.0));
        assertArrayEquals(shape(2, 3), c.shape());
        assertArrayEquals(new double[] {3, 4, 5, 6, 8, 10}, c.toDoubleArray(), 1e-6);
    }

    @Test
    void dotOfDifferentLengthsThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(1.0, 2.0).dot(Tensor.of(1.0)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 2).dot(Tensor.ones(2)));
    }

    @Test
    void gradientOfABroadcastBatchSumsOverTheBroadcastDims() {
        Tensor a = Tensor.ones(new long[] {2, 1, 3, 4}, DType.F64).setRequiresGrad(true);
        Tensor b = Tensor.ones(new long[] {5, 4, 2}, DType.F64).setRequiresGrad(true);
        a.matmul(b).sum().backward();
        assertArrayEquals(shape(2, 1, 3, 4), a.grad().shape());
        assertArrayEquals(shape(5, 4, 2), b.grad().shape());
        // Each a[i,0,r,k] meets 5 batches x 2 columns of ones; each b[j,k,c] meets 2 x 3 rows of ones.
        assertEquals(10.0, a.grad().getDouble(1, 0, 2, 3));
        assertEquals(6.0, b.grad().getDouble(4, 3, 1));
    }

    @Test
    void matrixProductRecordsMmBackwardAndBatchedRecordsBmmBackward() {
        Tensor a = Tensor.ones(2, 2).setRequiresGrad(true);
        assertEquals("MmBackward0", a.matmul(a).gradFn().name());
        Tensor b = Tensor.ones(3, 2, 2).setRequiresGrad(true);
        assertEquals("BmmBackward0", b.matmul(b).gradFn().name());
    }

    @Test
    void gradientsThroughTransposedOperandsMatchFiniteDifferences() {
        // x.matmul(w.t()) (Linear's layout) and x.t().matmul(y): the backward computes the
        // gradient of a transposed operand in that operand's own layout.
        Tensor x = randn(21, DType.F64, 4, 3).setRequiresGrad(true);
        Tensor w = randn(22, DType.F64, 5, 3).setRequiresGrad(true);
        Tensor y = randn(23, DType.F64, 4, 5).setRequiresGrad(true);
        dev.walnut.autograd.GradCheck.check(in -> in[0].matmul(in[1].t()), x, w);
        dev.walnut.autograd.GradCheck.check(in -> in[0].t().matmul(in[1]), x, y);
        dev.walnut.autograd.GradCheck.checkSecondOrder(in -> in[0].matmul(in[1].t()), x, w);
    }

    @Test
    void weightGradientOfATransposedOperandIsContiguousAndAccumulates() {
        Tensor x = Tensor.of(new double[][] {{1, 2}, {3, 4}, {5, 6}});
        Tensor w = Tensor.of(new double[][] {{1, 0}, {0, 1}, {1, 1}}).setRequiresGrad(true);
        x.matmul(w.t()).sum().backward();
        // d/dw sum(x w^T) = column sums of x, for every row of w: [9, 12].
        assertArrayEquals(new double[] {9, 12, 9, 12, 9, 12}, w.grad().toDoubleArray());
        assertTrue(w.grad().isContiguous());
        x.matmul(w.t()).mul(2.0).sum().backward();
        assertArrayEquals(new double[] {27, 36, 27, 36, 27, 36}, w.grad().toDoubleArray());
    }

    @Test
    void accumulatingAStridedGradientIntoAContiguousOneAddsElementwise() {
        Tensor w = Tensor.zeros(2, 3).setRequiresGrad(true);
        w.mul(Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}}).to(DType.F32)).sum().backward();
        int version = w.grad().version();
        // The gradient of w through w.t() arrives as a transposed view.
        w.t().mul(Tensor.of(new double[][] {{10, 40}, {20, 50}, {30, 60}}).to(DType.F32)).sum().backward();
        assertArrayEquals(new float[] {11, 22, 33, 44, 55, 66}, w.grad().toFloatArray());
        assertTrue(w.grad().version() > version, "accumulation writes in place and bumps the version");
    }

    @Test
    void gradientsOfAMatrixBroadcastOverABatchMatchFiniteDifferences() {
        // The convolution layout (weight [M, K] times columns [T, K, L]) and Linear on a batch of
        // sequences ([B, T, K] times w^T): the matrix's gradient sums over the batch.
        Tensor w = randn(31, DType.F64, 3, 4).setRequiresGrad(true);
        Tensor cols = randn(32, DType.F64, 5, 4, 6).setRequiresGrad(true);
        dev.walnut.autograd.GradCheck.check(in -> in[0].matmul(in[1]), w, cols);
        dev.walnut.autograd.GradCheck.checkSecondOrder(in -> in[0].matmul(in[1]), w, cols);
        Tensor seq = randn(33, DType.F64, 2, 5, 4).setRequiresGrad(true);
        dev.walnut.autograd.GradCheck.check(in -> in[0].matmul(in[1].t()), seq, w);
        dev.walnut.autograd.GradCheck.check(in -> in[0].matmul(in[1].t().contiguous()), seq, w);
    }

    @Test
    void batchSummedWeightGradientEqualsTheSumOfPerItemProductsInFloat32() {
        Tensor w = randn(34, DType.F32, 8, 27).setRequiresGrad(true);
        Tensor cols = randn(35, DType.F32, 6, 27, 50);
        Tensor g = randn(36, DType.F32, 6, 8, 50);
        w.matmul(cols).backward(g);
        double[] expected = new double[8 * 27];
        for (int t = 0; t < 6; t++) {
            double[] item = naive2d(g.select(0, t), cols.select(0, t).t());
            for (int i = 0; i < expected.length; i++) {
                expected[i] += item[i];
            }
        }
        assertClose(expected, w.grad(), 1e-4);
    }
}
