package dev.walnut;

import static dev.walnut.TensorAssertions.assertContains;
import static dev.walnut.TensorAssertions.assertValues;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.OpGradCheckTest.Inputs;
import dev.walnut.autograd.GradCheck;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.ShapeContentOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Shape and content ops: closed-form values, PyTorch's argument conventions and error cases,
 * gradient checks of the composites (reflect/replicate pad, roll, repeat, tile, tril/triu,
 * einsum), and second-order checks.
 */
class ShapeContentOpsTest {

    private static Tensor f64(double[] values, long... shape) {
        return Tensor.fromArray(values, shape);
    }

    private static Tensor m23() {
        return f64(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
    }

    private static String message(Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    // ------------------------------------------------------------------ pad

    @Test
    void constantPadStartsFromTheLastDim() {
        Tensor p = m23().pad(new long[] {1, 0, 0, 1}, PadMode.CONSTANT, 9.0);
        assertValues(p, DType.F64, shape(3, 4), 9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9);
    }

    @Test
    void negativeConstantPadCrops() {
        assertValues(m23().pad(-1, 1), DType.F64, shape(2, 3), 2, 3, 0, 5, 6, 0);
    }

    @Test
    void reflectPadMirrorsWithoutTheEdge() {
        Tensor x = f64(new double[] {1, 2, 3, 4}, 1, 4);
        assertValues(x.pad(new long[] {2, 3}, PadMode.REFLECT), DType.F64, shape(1, 9), 3, 2, 1, 2, 3, 4, 3, 2, 1);
    }

    @Test
    void reflectPadOfTwoDimsPadsTheCorners() {
        Tensor x = f64(new double[] {1, 2, 3, 4}, 1, 2, 2);
        assertValues(x.pad(new long[] {1, 0, 0, 1}, PadMode.REFLECT), DType.F64, shape(1, 3, 3), 2, 1, 2, 4, 3, 4, 2, 1, 2);
    }

    @Test
    void replicatePadRepeatsTheEdge() {
        Tensor x = f64(new double[] {1, 2, 3, 4}, 1, 2, 2);
        assertValues(x.pad(new long[] {2, 1, 1, 0}, PadMode.REPLICATE), DType.F64, shape(1, 3, 5),
                1, 1, 1, 2, 2, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4);
    }

    /**
     * Constant pads and crops of rank 1 to 4, of contiguous and transposed inputs, against an
     * element loop: eagerly (a fresh output) and through the out= kernel into a buffer of other
     * values (as a compiled graph's arena reuses one), which must then hold every element.
     */
    @Test
    void constantPadEqualsAnElementLoop() {
        var rnd = new java.util.SplittableRandom(11);
        double[] values = {0.0, -0.0, 2.5, Double.NEGATIVE_INFINITY};
        for (int trial = 0; trial < 60; trial++) {
            int rank = 1 + trial % 4;
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = 1 + rnd.nextInt(5);
            }
            Tensor x = Tensor.randn(shape);
            if (rank >= 2 && trial % 2 == 0) {
                long[] swapped = shape.clone();
                swapped[rank - 1] = shape[rank - 2];
                swapped[rank - 2] = shape[rank - 1];
                x = Tensor.randn(swapped).transpose(rank - 2, rank - 1);
            }
            int padded = 1 + rnd.nextInt(rank);
            long[] pad = new long[2 * padded];
            for (int i = 0; i < pad.length; i++) {
                pad[i] = rnd.nextInt(6) - 2;
            }
            for (int p = 0; p < padded; p++) {
                // Keep every output size positive: crops at most size - 1 in all.
                long n = shape[rank - 1 - p];
                while (n + pad[2 * p] + pad[2 * p + 1] < 1) {
                    pad[2 * p + (pad[2 * p] < 0 ? 0 : 1)]++;
                }
            }
            double value = values[trial % values.length];
            String what = "trial " + trial + " shape " + Arrays.toString(shape) + " pad " + Arrays.toString(pad);
            double[] want = padReference(x, pad, value);
            Tensor eager = x.pad(pad, PadMode.CONSTANT, value);
            assertBits(want, eager.toDoubleArray(), what);
            // From an offset into its buffer on odd trials, as a view of a larger arena may be.
            int at = trial % 2;
            Tensor out = Tensor.full(new long[] {want.length + 2}, 7.0, DType.F32).narrow(0, at, want.length)
                    .view(eager.shape());
            ShapeContentOps.PAD.computeInto(new ShapeContentOps.Pad(pad, value), new Tensor[] {x}, new Tensor[] {out});
            assertBits(want, out.toDoubleArray(), what + " (out=)");
        }
    }

    private static double[] padReference(Tensor x, long[] pad, double value) {
        long[] in = x.shape();
        long[] outShape = in.clone();
        for (int p = 0; p < pad.length / 2; p++) {
            outShape[in.length - 1 - p] += pad[2 * p] + pad[2 * p + 1];
        }
        double[] src = x.contiguous().toDoubleArray();
        int n = (int) Arrays.stream(outShape).reduce(1, (a, b) -> a * b);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            long rest = i;
            long srcIndex = 0;
            boolean inside = true;
            long inStride = 1;
            for (int d = in.length - 1; d >= 0; d--) {
                int p = in.length - 1 - d;
                long left = 2 * p < pad.length ? pad[2 * p] : 0;
                long o = rest % outShape[d];
                rest /= outShape[d];
                long s = o - left;
                inside &= s >= 0 && s < in[d];
                srcIndex += s * inStride;
                inStride *= in[d];
            }
            out[i] = inside ? src[(int) srcIndex] : (float) value;
        }
        return out;
    }

    private static void assertBits(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Double.doubleToRawLongBits(want[i]), Double.doubleToRawLongBits(got[i]), what + " element " + i);
        }
    }

    @Test
    void constantPadWithNegativeZeroKeepsTheSign() {
        Tensor p = Tensor.of(1.0f).pad(new long[] {1, 0}, PadMode.CONSTANT, -0.0);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(p.toFloatArray()[0]));
    }

    @Test
    void padOfIntegersKeepsTheDtype() {
        assertValues(Tensor.of(1L, 2L).pad(1, 0), DType.I64, shape(3), 0, 1, 2);
    }

    @Test
    void padErrorsNameTheProblem() {
        Tensor x = f64(new double[] {1, 2, 3}, 1, 3);
        assertContains(message(() -> x.pad(new long[] {3, 0}, PadMode.REFLECT)), "pad", "less than", "(3, 0)", "size 3");
        assertContains(message(() -> x.pad(new long[] {-1, 0}, PadMode.REFLECT)), "non-negative", "(-1, 0)");
        assertContains(message(() -> x.pad(1, 2, 3)), "divisible by 2", "[1, 2, 3]");
        assertContains(message(() -> x.pad(1, 1, 1, 1, 1, 1)), "pads 3 dims", "[1, 3]");
        assertContains(message(() -> x.pad(new long[] {1, 1}, PadMode.REPLICATE, 2.0)), "replicate", "value");
        assertContains(message(() -> Tensor.of(1.0, 2.0).pad(new long[] {1, 1}, PadMode.REFLECT)), "reflect", "[2]");
        assertContains(message(() -> x.pad(-2, -2)), "negative", "size -1", "dim 1");
    }

    // ------------------------------------------------------------------ flip, roll, repeat, tile

    @Test
    void flipReversesTheGivenDims() {
        assertValues(m23().flip(-1), DType.F64, shape(2, 3), 3, 2, 1, 6, 5, 4);
        assertValues(m23().flip(0, 1), DType.F64, shape(2, 3), 6, 5, 4, 3, 2, 1);
        assertValues(m23().t().flip(0), DType.F64, shape(3, 2), 3, 6, 2, 5, 1, 4);
    }

    @Test
    void flipRejectsARepeatedDim() {
        assertContains(message(() -> m23().flip(1, -1)), "flip", "dim 1", "multiple times");
    }

    @Test
    void rollShiftsCyclically() {
        assertValues(Tensor.of(1.0, 2.0, 3.0, 4.0).roll(1, 0), DType.F32, shape(4), 4, 1, 2, 3);
        assertValues(Tensor.of(1.0, 2.0, 3.0, 4.0).roll(-5, 0), DType.F32, shape(4), 2, 3, 4, 1);
        assertValues(m23().roll(new long[] {1, 1}, new int[] {0, 1}), DType.F64, shape(2, 3), 6, 4, 5, 3, 1, 2);
    }

    @Test
    void rollWithoutDimsRollsTheFlattenedTensor() {
        assertValues(m23().roll(2), DType.F64, shape(2, 3), 5, 6, 1, 2, 3, 4);
    }

    @Test
    void rollNeedsOneShiftPerDim() {
        assertContains(message(() -> m23().roll(new long[] {1, 2}, new int[] {0})), "roll", "2 shifts", "1 dims");
        assertContains(message(() -> m23().roll(new long[] {1, 2}, new int[0])), "roll", "exactly one shift");
    }

    @Test
    void repeatTilesWholeCopies() {
        assertValues(Tensor.of(1.0, 2.0).repeat(2, 2), DType.F32, shape(2, 4), 1, 2, 1, 2, 1, 2, 1, 2);
        assertValues(m23().repeat(1, 2), DType.F64, shape(2, 6), 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6);
        assertValues(m23().repeat(0, 1), DType.F64, shape(0, 3));
    }

    @Test
    void repeatOfOnesIsACopyNotAView() {
        Tensor x = m23();
        Tensor r = x.repeat(1, 1);
        x.setDouble(100, 0, 0);
        assertEquals(1.0, r.getDouble(0, 0));
    }

    @Test
    void repeatNeedsAnEntryPerDim() {
        assertContains(message(() -> m23().repeat(2)), "repeat", "number of repeats 1", "dims 2", "[2, 3]");
        assertContains(message(() -> m23().repeat(1, -1)), "repeat", "non-negative");
    }

    @Test
    void tilePadsShortRepsWithLeadingOnes() {
        assertValues(m23().tile(2), DType.F64, shape(2, 6), 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6);
        assertValues(Tensor.of(1.0, 2.0).tile(2, 1), DType.F32, shape(2, 2), 1, 2, 1, 2);
    }

    // ------------------------------------------------------------------ triangles and diagonals

    @Test
    void trilAndTriuKeepTheirTriangle() {
        Tensor ones = Tensor.ones(3, 3);
        assertValues(ones.tril(), DType.F32, shape(3, 3), 1, 0, 0, 1, 1, 0, 1, 1, 1);
        assertValues(ones.tril(-1), DType.F32, shape(3, 3), 0, 0, 0, 1, 0, 0, 1, 1, 0);
        assertValues(ones.triu(1), DType.F32, shape(3, 3), 0, 1, 1, 0, 0, 1, 0, 0, 0);
        assertValues(m23().triu(), DType.F64, shape(2, 3), 1, 2, 3, 0, 5, 6);
        assertValues(Tensor.ones(2, 2, 2).triu(), DType.F32, shape(2, 2, 2), 1, 1, 0, 1, 1, 1, 0, 1);
    }

    @Test
    void trilZeroesInfinitiesToo() {
        Tensor x = f64(new double[] {1, Double.POSITIVE_INFINITY, Double.NaN, 4}, 2, 2);
        assertValues(x.tril(), DType.F64, shape(2, 2), 1, 0, Double.NaN, 4);
    }

    @Test
    void trilNeedsTwoDims() {
        assertContains(message(() -> Tensor.of(1.0, 2.0).tril()), "tril", "at least 2 dimensions", "[2]");
    }

    @Test
    void diagonalIsAStridedView() {
        Tensor m = Tensor.arange(0.0, 12.0, 1.0).reshape(3, 4);
        Tensor d = m.diagonal();
        assertValues(d, DType.F32, shape(3), 0, 5, 10);
        assertValues(m.diagonal(1, 0, 1), DType.F32, shape(3), 1, 6, 11);
        assertValues(m.diagonal(-1, 0, 1), DType.F32, shape(2), 4, 9);
        assertValues(m.diagonal(5, 0, 1), DType.F32, shape(0));
        m.setDouble(-1, 1, 1);
        assertEquals(-1.0, d.getDouble(1));
        assertEquals(m.version(), d.version());
    }

    @Test
    void diagonalOfABatchMovesTheDiagonalLast() {
        Tensor t = Tensor.arange(0.0, 24.0, 1.0).reshape(2, 3, 4);
        assertValues(t.diagonal(0, 0, 2), DType.F32, shape(3, 2), 0, 13, 4, 17, 8, 21);
        assertValues(t.diagonal(1, -2, -1), DType.F32, shape(2, 3), 1, 6, 11, 13, 18, 23);
    }

    @Test
    void diagonalErrors() {
        assertContains(message(() -> m23().diagonal(0, 1, -1)), "diagonal", "cannot be identical");
        assertContains(message(() -> Tensor.of(1.0).diagonal()), "diagonal", "at least 2 dims");
    }

    @Test
    void diagBuildsAMatrixFromAVectorAndViceVersa() {
        assertValues(Tensor.of(1.0, 2.0).diag(1), DType.F32, shape(3, 3), 0, 1, 0, 0, 0, 2, 0, 0, 0);
        assertValues(Tensor.of(1.0, 2.0).diag(-1), DType.F32, shape(3, 3), 0, 0, 0, 1, 0, 0, 0, 2, 0);
        Tensor m = m23();
        Tensor d = m.diag();
        assertValues(d, DType.F64, shape(2), 1, 5);
        m.setDouble(100, 0, 0);
        assertEquals(1.0, d.getDouble(0)); // a copy, as torch.diag
        assertContains(message(() -> Tensor.zeros(2, 2, 2).diag()), "diag", "1-d", "2-d", "[2, 2, 2]");
    }

    // ------------------------------------------------------------------ scans

    @Test
    void cumsumAndCumprodAlongADim() {
        assertValues(m23().cumsum(1), DType.F64, shape(2, 3), 1, 3, 6, 4, 9, 15);
        assertValues(m23().cumsum(-2), DType.F64, shape(2, 3), 1, 2, 3, 5, 7, 9);
        assertValues(m23().cumprod(1), DType.F64, shape(2, 3), 1, 2, 6, 4, 20, 120);
        assertValues(m23().t().cumsum(0), DType.F64, shape(3, 2), 1, 4, 3, 9, 6, 15);
    }

    @Test
    void integerScansGiveInt64() {
        assertValues(Tensor.fromArray(new int[] {1, 2, 3}, 3).cumsum(0), DType.I64, shape(3), 1, 3, 6);
        assertValues(Tensor.of(true, false, true).cumsum(0), DType.I64, shape(3), 1, 1, 2);
        assertValues(Tensor.of(2L, 3L).cumprod(0), DType.I64, shape(2), 2, 6);
    }

    @Test
    void cumprodGradientWithAZeroIsExact() {
        // y = (x0, x0 x1, x0 x1 x2) at x = (2, 0, 3): d sum(y)/dx = (1 + x1 + x1 x2, x0 + x0 x2, x0 x1) = (1, 8, 0).
        Tensor x = f64(new double[] {2, 0, 3}, 3).setRequiresGrad(true);
        x.cumprod(0).sum().backward();
        assertValues(x.grad(), DType.F64, shape(3), 1, 8, 0);
    }

    @Test
    void cumsumGradientIsAReverseCumsum() {
        Tensor x = f64(new double[] {1, 2, 3}, 3).setRequiresGrad(true);
        x.cumsum(0).backward(f64(new double[] {1, 10, 100}, 3));
        assertValues(x.grad(), DType.F64, shape(3), 111, 110, 100);
        assertEquals("CumsumBackward0", x.cumsum(0).gradFn().name());
    }

    // ------------------------------------------------------------------ sorting

    @Test
    void sortReturnsValuesAndOriginalPositions() {
        ValuesAndIndices s = f64(new double[] {3, 1, 2, 0, 5, 4}, 2, 3).sort(1, false);
        assertValues(s.values(), DType.F64, shape(2, 3), 1, 2, 3, 0, 4, 5);
        assertValues(s.indices(), DType.I64, shape(2, 3), 1, 2, 0, 0, 2, 1);
        ValuesAndIndices d = f64(new double[] {3, 1, 2, 0, 5, 4}, 2, 3).sort(0, true);
        assertValues(d.values(), DType.F64, shape(2, 3), 3, 5, 4, 0, 1, 2);
        assertValues(d.indices(), DType.I64, shape(2, 3), 0, 1, 1, 1, 0, 0);
    }

    @Test
    void sortIsStableInBothDirections() {
        Tensor x = Tensor.of(2.0, 1.0, 2.0, 1.0, 2.0);
        assertValues(x.sort(0, false).indices(), DType.I64, shape(5), 1, 3, 0, 2, 4);
        assertValues(x.sort(0, true).indices(), DType.I64, shape(5), 0, 2, 4, 1, 3);
        assertValues(x.argsort(), DType.I64, shape(5), 1, 3, 0, 2, 4);
    }

    @Test
    void nanSortsAsTheLargestValue() {
        Tensor x = Tensor.of(1.0, Double.NaN, -1.0);
        assertValues(x.sort().values(), DType.F32, shape(3), -1, 1, Double.NaN);
        assertValues(x.sort(0, true).values(), DType.F32, shape(3), Double.NaN, 1, -1);
    }

    @Test
    void sortOfIntegersAndBools() {
        assertValues(Tensor.of(3L, -1L, 2L).sort(0, true).values(), DType.I64, shape(3), 3, 2, -1);
        assertValues(Tensor.of(true, false, true).argsort(0, false), DType.I64, shape(3), 1, 0, 2);
    }

    @Test
    void sortGradientGoesBackToTheOriginalPositions() {
        Tensor x = f64(new double[] {3, 1, 2}, 3).setRequiresGrad(true);
        ValuesAndIndices s = x.sort(0, false);
        assertEquals("SortBackward0", s.values().gradFn().name());
        assertNull(s.indices().gradFn());
        s.values().backward(f64(new double[] {10, 20, 30}, 3));
        assertValues(x.grad(), DType.F64, shape(3), 30, 10, 20);
    }

    @Test
    void permuteAlongDimReadsAPermutationThatIsAView() {
        // A transform (vmap, a traced graph) may hand the op a view of a larger index tensor:
        // an offset and a non-unit stride that the kernel must honour.
        Tensor t = f64(new double[] {10, 20, 30, 40, 50, 60}, 2, 3);
        Tensor perms = Tensor.of(9L, 9L, 9L, 9L, 2L, 9L, 0L, 9L, 1L, 9L, 1L, 9L, 2L, 9L, 0L).reshape(15);
        Tensor perm = perms.slice(0, 4, 16, 2).reshape(2, 3);
        Tensor out = Dispatcher.call(ShapeContentOps.PERMUTE_ALONG_DIM, new ShapeContentOps.Dim(1), t, perm);
        assertValues(out, DType.F64, shape(2, 3), 30, 10, 20, 50, 60, 40);
        Tensor back = Dispatcher.call(ShapeContentOps.PERMUTE_ALONG_DIM, new ShapeContentOps.Dim(1), t, perm.transpose(0, 1).transpose(0, 1));
        assertValues(back, DType.F64, shape(2, 3), 30, 10, 20, 50, 60, 40);
    }

    @Test
    void permuteAlongDimGradientInvertsAPermutationView() {
        Tensor t = f64(new double[] {10, 20, 30, 40, 50, 60}, 2, 3).setRequiresGrad(true);
        Tensor perm = Tensor.of(7L, 7L, 2L, 0L, 1L, 1L, 2L, 0L).slice(0, 2, 8, 1).reshape(2, 3);
        Tensor out = Dispatcher.call(ShapeContentOps.PERMUTE_ALONG_DIM, new ShapeContentOps.Dim(1), t, perm);
        out.backward(f64(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
        // out[j] = t[perm[j]], so grad t[perm[j]] = g[j].
        assertValues(t.grad(), DType.F64, shape(2, 3), 2, 3, 1, 6, 4, 5);
    }

    @Test
    void topkPicksTheLargestOrSmallest() {
        Tensor x = f64(new double[] {1, 5, 3, 5, 0, 2}, 2, 3);
        ValuesAndIndices t = x.topk(2);
        assertValues(t.values(), DType.F64, shape(2, 2), 5, 3, 5, 2);
        assertValues(t.indices(), DType.I64, shape(2, 2), 1, 2, 0, 2);
        ValuesAndIndices s = x.topk(1, 0, false, true);
        assertValues(s.values(), DType.F64, shape(1, 3), 1, 0, 2);
        assertValues(s.indices(), DType.I64, shape(1, 3), 0, 1, 1);
        assertValues(x.topk(0).values(), DType.F64, shape(2, 0));
    }

    @Test
    void topkGradientLandsOnTheSelectedElements() {
        Tensor x = f64(new double[] {1, 5, 3, 4}, 4).setRequiresGrad(true);
        ValuesAndIndices t = x.topk(2);
        assertEquals("TopkBackward0", t.values().gradFn().name());
        t.values().backward(f64(new double[] {10, 20}, 2));
        assertValues(x.grad(), DType.F64, shape(4), 0, 10, 0, 20);
    }

    @Test
    void topkRejectsKOutOfRange() {
        assertContains(message(() -> m23().topk(4)), "topk", "k = 4", "size 3", "[2, 3]");
        assertContains(message(() -> m23().topk(-1, 0, true, true)), "topk", "k = -1", "0 <= k <= 2");
    }

    // ------------------------------------------------------------------ einsum

    @Test
    void einsumMatchesMatmulTransposeTraceDiagonalAndOuter() {
        Tensor a = m23();
        Tensor b = f64(new double[] {1, 0, 2, 1, 0, 3}, 3, 2);
        assertTrue(Tensor.einsum("ij,jk->ik", a, b).allClose(a.matmul(b)));
        assertTrue(Tensor.einsum("ij,jk", a, b).allClose(a.matmul(b)));
        assertValues(Tensor.einsum("ji", a), DType.F64, shape(3, 2), 1, 4, 2, 5, 3, 6);
        Tensor sq = f64(new double[] {1, 2, 3, 4}, 2, 2);
        assertValues(Tensor.einsum("ii", sq), DType.F64, shape(), 5);
        assertValues(Tensor.einsum("ii->i", sq), DType.F64, shape(2), 1, 4);
        assertValues(Tensor.einsum("i,j->ij", Tensor.of(1.0, 2.0), Tensor.of(3.0, 4.0, 5.0)), DType.F32, shape(2, 3),
                3, 4, 5, 6, 8, 10);
        assertValues(Tensor.einsum("ij->", a), DType.F64, shape(), 21);
        assertValues(Tensor.einsum("i , i", Tensor.of(1.0, 2.0), Tensor.of(3.0, 4.0)), DType.F32, shape(), 11);
    }

    @Test
    void einsumBatchEllipsisAndThreeOperands() {
        Tensor x = Tensor.randn(new long[] {2, 3, 4}, DType.F64);
        Tensor y = Tensor.randn(new long[] {2, 4, 5}, DType.F64);
        assertTrue(Tensor.einsum("bij,bjk->bik", x, y).allClose(x.matmul(y), 1e-12, 1e-12));
        Tensor p = Tensor.randn(new long[] {4, 5}, DType.F64);
        assertTrue(Tensor.einsum("...ij,...jk", x, p).allClose(x.matmul(p), 1e-12, 1e-12));
        assertTrue(Tensor.einsum("...ij,jk->...ik", x, p).allClose(x.matmul(p), 1e-12, 1e-12));
        Tensor q = Tensor.randn(new long[] {5, 2}, DType.F64);
        Tensor chain = Tensor.einsum("bij,jk,kl->bil", x, p, q);
        assertTrue(chain.allClose(x.matmul(p).matmul(q), 1e-12, 1e-12));
        // Ellipsis dims not in an explicit output are summed; size-1 dims broadcast.
        assertTrue(Tensor.einsum("...ij->ij", x).allClose(x.sum(0), 1e-12, 1e-12));
        Tensor col = Tensor.randn(new long[] {1, 4}, DType.F64);
        assertTrue(Tensor.einsum("bij,bj->bi", x, col.expand(2, 4)).allClose(Tensor.einsum("bij,xj->bi", x, col), 1e-12, 1e-12));
    }

    @Test
    void einsumRepeatedIndexAcrossDimsOfABatch() {
        Tensor t = Tensor.arange(0.0, 18.0, 1.0, DType.F64).reshape(2, 3, 3);
        assertValues(Tensor.einsum("bii->b", t), DType.F64, shape(2), 12, 39);
        assertValues(Tensor.einsum("bii->bi", t), DType.F64, shape(2, 3), 0, 4, 8, 9, 13, 17);
    }

    @Test
    void einsumErrorsPointAtTheProblem() {
        Tensor a = m23();
        assertContains(message(() -> Tensor.einsum("ij,jk", a)), "einsum", "fewer operands", "\"ij,jk\"");
        assertContains(message(() -> Tensor.einsum("ij", a, a)), "einsum", "more operands");
        assertContains(message(() -> Tensor.einsum("i3", a)), "einsum", "'3'", "position 1");
        assertContains(message(() -> Tensor.einsum("ij->k", a)), "einsum", "'k'", "does not appear");
        assertContains(message(() -> Tensor.einsum("ij->ii", a)), "einsum", "'i'", "more than once");
        assertContains(message(() -> Tensor.einsum("ijk", a)), "einsum", "subscripts (3)", "dims (2)", "[2, 3]");
        assertContains(message(() -> Tensor.einsum("ii", a)), "einsum", "repeated", "2 != 3");
        assertContains(message(() -> Tensor.einsum("ij,ij", a, a.t())), "einsum", "'i'", "size 3", "size 2");
        assertContains(message(() -> Tensor.einsum("i..j", a)), "einsum", "'.'", "position 1");
        assertContains(message(() -> Tensor.einsum("...i...", a)), "einsum", "second ellipsis", "position 4");
    }

    // ------------------------------------------------------------------ gradchecks of the composites

    record Row(String what, Function<Tensor[], Tensor> fn, Function<Inputs, Tensor[]> inputs) {
        @Override
        public String toString() {
            return what;
        }

        Tensor[] fresh() {
            return inputs.apply(new Inputs(what.hashCode()));
        }
    }

    @SafeVarargs
    private static Row row(String what, Function<Tensor[], Tensor> fn, Function<Inputs, Tensor>... inputs) {
        return new Row(what, fn, g -> Arrays.stream(inputs).map(f -> f.apply(g)).toArray(Tensor[]::new));
    }

    static List<Row> composites() {
        var rows = new ArrayList<Row>();
        rows.add(row("pad reflect (2, 1) of [2,4]", in -> in[0].pad(new long[] {2, 1}, PadMode.REFLECT), g -> g.of(Domain.REAL, 2, 4)));
        rows.add(row("pad reflect 2-d of transposed [1,3,4]", in -> in[0].pad(new long[] {1, 2, 2, 1}, PadMode.REFLECT),
                g -> g.of(Domain.REAL, 3, 4, 1).permute(2, 0, 1)));
        rows.add(row("pad replicate 3-d of [1,2,2,3]", in -> in[0].pad(new long[] {1, 2, 0, 1, 2, 0}, PadMode.REPLICATE),
                g -> g.of(Domain.REAL, 1, 2, 2, 3)));
        rows.add(row("pad replicate (3, 0) of step slice", in -> in[0].pad(new long[] {3, 0}, PadMode.REPLICATE),
                g -> g.stepSliced(Domain.REAL, 2, 3)));
        rows.add(row("roll(2, -1)", in -> in[0].roll(2, -1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("roll({1, -1}, {0, 1}) of transposed", in -> in[0].roll(new long[] {1, -1}, new int[] {0, 1}),
                g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row("roll(5) flat", in -> in[0].roll(5), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("repeat(2, 1, 3) of [2,2]", in -> in[0].repeat(2, 1, 3), g -> g.of(Domain.REAL, 2, 2)));
        rows.add(row("tile(2) of transposed", in -> in[0].tile(2), g -> g.transposed(Domain.REAL, 2, 3)));
        rows.add(row("tril(-1) of [2,3,3]", in -> in[0].tril(-1), g -> g.of(Domain.REAL, 2, 3, 3)));
        rows.add(row("triu(1) of transposed", in -> in[0].triu(1), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row("einsum ij,jk->ik", in -> Tensor.einsum("ij,jk->ik", in[0], in[1]), g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("einsum ij,jk (implicit output)", in -> Tensor.einsum("ij,jk", in[0], in[1]), g -> g.transposed(Domain.REAL, 2, 3), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("einsum bij,bjk->bik", in -> Tensor.einsum("bij,bjk->bik", in[0], in[1]), g -> g.of(Domain.REAL, 2, 3, 4), g -> g.of(Domain.REAL, 2, 4, 2)));
        rows.add(row("einsum ii (trace)", in -> Tensor.einsum("ii", in[0]), g -> g.of(Domain.REAL, 3, 3)));
        rows.add(row("einsum ii->i (diagonal)", in -> Tensor.einsum("ii->i", in[0]), g -> g.of(Domain.REAL, 3, 3)));
        rows.add(row("einsum i,j->ij (outer)", in -> Tensor.einsum("i,j->ij", in[0], in[1]), g -> g.of(Domain.REAL, 3), g -> g.of(Domain.REAL, 4)));
        rows.add(row("einsum ...ij,...jk (broadcast batch)", in -> Tensor.einsum("...ij,...jk", in[0], in[1]),
                g -> g.of(Domain.REAL, 2, 1, 2, 3), g -> g.of(Domain.REAL, 3, 3, 2)));
        rows.add(row("einsum bii,bij,k->bjk (diagonal, sum, outer)", in -> Tensor.einsum("bii,bij,k->bjk", in[0], in[1], in[2]),
                g -> g.of(Domain.REAL, 2, 3, 3), g -> g.of(Domain.REAL, 2, 3, 2), g -> g.of(Domain.REAL, 2)));
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("composites")
    void compositeGradCheck(Row r) {
        GradCheck.check(r.fn, r.fresh());
    }

    static List<Row> secondOrder() {
        var rows = new ArrayList<Row>();
        rows.add(row("cumsum(-1), squared", in -> in[0].cumsum(-1).square(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("cumprod(1) without zeros", in -> in[0].cumprod(1), g -> g.of(Domain.NONZERO, 2, 4)));
        rows.add(row("sort(-1).values, squared", in -> in[0].sort(-1, false).values().square(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("topk(2, 0).values, exp", in -> in[0].topk(2, 0, true, true).values().exp(), g -> g.transposed(Domain.REAL, 4, 3)));
        rows.add(row("pad constant, squared", in -> in[0].pad(1, -1, 2, 0).square(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("pad reflect, squared", in -> in[0].pad(new long[] {2, 1}, PadMode.REFLECT).square(), g -> g.of(Domain.REAL, 2, 4)));
        rows.add(row("flip(0), sin", in -> in[0].flip(0).sin(), g -> g.of(Domain.REAL, 3, 2)));
        rows.add(row("diagonal(1), squared", in -> in[0].diagonal(1, 0, 1).square(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("einsum ij,jk->ik", in -> Tensor.einsum("ij,jk->ik", in[0], in[1]), g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.REAL, 3, 2)));
        rows.add(row("einsum bij,bjk->bik", in -> Tensor.einsum("bij,bjk->bik", in[0], in[1]), g -> g.of(Domain.REAL, 2, 2, 3), g -> g.of(Domain.REAL, 2, 3, 2)));
        rows.add(row("einsum ii->i, squared", in -> Tensor.einsum("ii->i", in[0]).square(), g -> g.of(Domain.REAL, 3, 3)));
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("secondOrder")
    void secondOrderGradCheck(Row r) {
        GradCheck.checkSecondOrder(r.fn, r.fresh());
    }

    @Test
    void einsumRecordsNoNodeOfItsOwn() {
        Tensor a = Tensor.randn(new long[] {2, 3}, DType.F64).setRequiresGrad(true);
        Tensor b = Tensor.randn(new long[] {3, 4}, DType.F64).setRequiresGrad(true);
        assertEquals("MmBackward0", Tensor.einsum("ij,jk->ik", a, b).gradFn().name());
    }

    @Test
    void flatRollOfA0dTensorReturnsACopy() {
        Tensor x = Tensor.scalar(2.0);
        Tensor r = x.roll(3);
        assertValues(r, DType.F32, shape(), 2);
        assertTrue(r != x);
        assertSame(DType.F32, r.dtype());
    }
}
