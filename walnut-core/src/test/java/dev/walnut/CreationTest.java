package dev.walnut;

import static dev.walnut.TensorAssertions.assertValuesWithin;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Factories, random generation, Java-array interop, conversion and PyTorch-style printing. */
class CreationTest {

    /** Checks dtype, shape and values to within 1e-6 (absolute; NaN matches NaN). */
    private static void assertValues(Tensor actual, DType dtype, long[] shape, double... expected) {
        assertValuesWithin(1e-6, actual, dtype, shape, expected);
    }

    // ------------------------------------------------------------------ factories

    /** torch.full((2,), -0.0) is -0.0 (its sign shows in 1 / x); integer and bool tensors of -0.0 are 0 and false. */
    @Test
    void fullOfNegativeZeroKeepsTheSign() {
        for (float v : Tensor.full(new long[] {3}, -0.0).toFloatArray()) {
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(v));
        }
        for (double v : Tensor.full(new long[] {3}, -0.0, DType.F64).toDoubleArray()) {
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(v));
        }
        assertArrayEquals(new long[] {0, 0}, Tensor.full(new long[] {2}, -0.0, DType.I64).toLongArray());
        assertEquals(0.0, Tensor.full(new long[] {1}, -0.0, DType.BOOL).item());
        assertEquals(Float.floatToRawIntBits(0.0f), Float.floatToRawIntBits(Tensor.full(new long[] {1}, 0.0).toFloatArray()[0]));
    }

    @Test
    void arangeOfLongsIsInt64() {
        assertValues(Tensor.arange(5), DType.I64, shape(5), 0, 1, 2, 3, 4);
        assertValues(Tensor.arange(1, 10, 3), DType.I64, shape(3), 1, 4, 7);
        assertValues(Tensor.arange(5, 0, -2), DType.I64, shape(3), 5, 3, 1);
        assertValues(Tensor.arange(0), DType.I64, shape(0));
    }

    @Test
    void arangeOfDoublesIsFloat32AndExcludesTheEnd() {
        assertValues(Tensor.arange(0.0, 1.0, 0.25), DType.F32, shape(4), 0, 0.25, 0.5, 0.75);
        assertValues(Tensor.arange(1.0, 2.0, 0.3), DType.F32, shape(4), 1, 1.3, 1.6, 1.9);
        assertValues(Tensor.arange(0.0, 3.0, 1.0, DType.F64), DType.F64, shape(3), 0, 1, 2);
    }

    @Test
    void arangeWithAStepOfTheWrongSignOrZeroThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 5, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0.0, 1.0, 0.0));
    }

    @Test
    void linspaceIncludesBothEnds() {
        assertValues(Tensor.linspace(0, 1, 5), DType.F32, shape(5), 0, 0.25, 0.5, 0.75, 1);
        assertValues(Tensor.linspace(-1, 1, 3, DType.F64), DType.F64, shape(3), -1, 0, 1);
        assertValues(Tensor.linspace(3, 3, 2), DType.F32, shape(2), 3, 3);
        assertValues(Tensor.linspace(0, 1, 0), DType.F32, shape(0));
    }

    @Test
    void linspaceWithOneStepIsTheStart() {
        // PyTorch: torch.linspace(2, 10, 1) is tensor([2.]).
        assertValues(Tensor.linspace(2, 10, 1), DType.F32, shape(1), 2);
    }

    @Test
    void eyeHasOnesOnTheDiagonal() {
        assertValues(Tensor.eye(3), DType.F32, shape(3, 3), 1, 0, 0, 0, 1, 0, 0, 0, 1);
        assertValues(Tensor.eye(2, 3, DType.I64), DType.I64, shape(2, 3), 1, 0, 0, 0, 1, 0);
        assertValues(Tensor.eye(3, 2, DType.F64), DType.F64, shape(3, 2), 1, 0, 0, 1, 0, 0);
    }

    @Test
    void zerosOnesAndFull() {
        assertValues(Tensor.zeros(new long[] {10}, DType.F32), DType.F32, shape(10), new double[10]);
        assertValues(Tensor.ones(2, 2), DType.F32, shape(2, 2), 1, 1, 1, 1);
        assertValues(Tensor.full(new long[] {2}, 7.5), DType.F32, shape(2), 7.5, 7.5);
        assertValues(Tensor.full(new long[] {2}, 3, DType.I32), DType.I32, shape(2), 3, 3);
        assertValues(Tensor.zeros(), DType.F32, shape(), 0);
        assertValues(Tensor.zeros(0, 3), DType.F32, shape(0, 3));
    }

    @Test
    void likeFactoriesCopyShapeAndDtype() {
        Tensor x = Tensor.fromArray(new int[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertValues(Tensor.zerosLike(x), DType.I32, shape(2, 3), 0, 0, 0, 0, 0, 0);
        assertValues(Tensor.onesLike(x), DType.I32, shape(2, 3), 1, 1, 1, 1, 1, 1);
        assertValues(Tensor.fullLike(x.t(), 4), DType.I32, shape(3, 2), 4, 4, 4, 4, 4, 4);
    }

    @Test
    void negativeSizesThrow() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
    }

    @Test
    void scalarFactoriesMakeZeroDimTensors() {
        assertValues(Tensor.scalar(2.5), DType.F32, shape(), 2.5);
        assertValues(Tensor.scalar(3, DType.I64), DType.I64, shape(), 3);
    }

    @Test
    void ofPicksTheDtypeFromTheJavaType() {
        assertEquals(DType.F32, Tensor.of(1.0, 2.0).dtype());
        assertEquals(DType.I64, Tensor.of(1L, 2L).dtype());
        assertEquals(DType.BOOL, Tensor.of(true).dtype());
        assertValues(Tensor.of(new double[][] {{1, 2}, {3, 4}}), DType.F32, shape(2, 2), 1, 2, 3, 4);
        assertValues(Tensor.of(new double[][][] {{{1}, {2}}}), DType.F32, shape(1, 2, 1), 1, 2);
    }

    // ------------------------------------------------------------------ random

    @Test
    void randnHasTheRequestedShapeAndDtype() {
        Tensor w = Tensor.randn(new long[] {10, 5}, DType.F32);
        assertArrayEquals(shape(10, 5), w.shape());
        assertEquals(DType.F32, w.dtype());
        assertEquals(DType.F64, Tensor.randn(new long[] {3}, DType.F64).dtype());
        assertArrayEquals(shape(2, 3), Tensor.randn(2, 3).shape());
    }

    @Test
    void randnLooksStandardNormal() {
        double[] v = Tensor.randn(new long[] {20000}, DType.F64, new Generator(5)).toDoubleArray();
        double mean = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
        assertEquals(0.0, mean, 0.03);
        assertEquals(1.0, var, 0.05);
    }

    @Test
    void randIsInTheUnitInterval() {
        double[] v = Tensor.rand(new long[] {10000}, DType.F64, new Generator(6)).toDoubleArray();
        assertTrue(Arrays.stream(v).allMatch(x -> x >= 0 && x < 1));
        assertEquals(0.5, Arrays.stream(v).average().orElseThrow(), 0.02);
    }

    @Test
    void randOfAnIntegerDtypeThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.rand(new long[] {2}, DType.I64));
    }

    @Test
    void manualSeedMakesTheDefaultGeneratorReproducible() {
        Tensor.manualSeed(42);
        Tensor a = Tensor.randn(3, 4);
        Tensor b = Tensor.rand(5);
        Tensor.manualSeed(42);
        assertTrue(a.equal(Tensor.randn(3, 4)));
        assertTrue(b.equal(Tensor.rand(5)));
        Tensor.manualSeed(43);
        assertFalse(a.equal(Tensor.randn(3, 4)));
    }

    @Test
    void anExplicitGeneratorIsIndependentOfTheDefaultOne() {
        Tensor.manualSeed(7);
        Tensor expected = Tensor.randn(4);
        Tensor.manualSeed(7);
        Tensor fromOwn = Tensor.randn(new long[] {8}, DType.F32, new Generator(123));
        assertTrue(expected.equal(Tensor.randn(4)), "drawing from a private generator must not advance the default");
        assertTrue(fromOwn.equal(Tensor.randn(new long[] {8}, DType.F32, new Generator(123))), "same seed, same stream");
    }

    @Test
    void randintStaysInTheHalfOpenRangeAndHitsBothEnds() {
        Tensor r = Tensor.randint(-2, 3, new long[] {1000}, new Generator(9));
        assertEquals(DType.I64, r.dtype());
        long[] v = r.toLongArray();
        assertTrue(Arrays.stream(v).allMatch(x -> x >= -2 && x < 3));
        assertTrue(Arrays.stream(v).anyMatch(x -> x == -2));
        assertTrue(Arrays.stream(v).anyMatch(x -> x == 2));
        assertArrayEquals(shape(2, 3), Tensor.randint(0, 10, 2, 3).shape());
        assertThrows(IllegalArgumentException.class, () -> Tensor.randint(3, 3, 2));
    }

    // ------------------------------------------------------------------ Java arrays

    @Test
    void fromArrayOfNestedArraysTakesShapeAndDtypeFromThem() {
        assertValues(Tensor.fromArray(new double[][] {{1, 2, 3}, {4, 5, 6}}), DType.F64, shape(2, 3), 1, 2, 3, 4, 5, 6);
        assertValues(Tensor.fromArray(new float[][][] {{{1, 2}}, {{3, 4}}}), DType.F32, shape(2, 1, 2), 1, 2, 3, 4);
        assertValues(Tensor.fromArray(new long[][] {{1}, {2}}), DType.I64, shape(2, 1), 1, 2);
        assertValues(Tensor.fromArray(new int[][] {{7, 8}}), DType.I32, shape(1, 2), 7, 8);
        assertArrayEquals(new boolean[] {true, false}, Tensor.fromArray(new boolean[][] {{true, false}}).toBooleanArray());
        assertArrayEquals(shape(2, 0), Tensor.fromArray(new double[][] {{}, {}}).shape());
    }

    @Test
    void fromArrayOfARaggedNestedArrayThrows() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new double[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("ragged"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new float[][][] {{{1, 2}}, {{3}}}));
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new double[][] {{1}, {2, 3}}));
    }

    @Test
    void fromArrayOfANonArrayThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray("not an array"));
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new String[] {"a"}));
    }

    @Test
    void fromArrayWithAShapeThatDoesNotMatchTheLengthThrows() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new float[] {1, 2, 3}, 2, 2));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void fromArrayCopiesButWrapShares() {
        float[] data = {1, 2, 3, 4};
        Tensor copied = Tensor.fromArray(data, 2, 2);
        Tensor wrapped = Tensor.wrap(data, 2, 2);
        data[0] = 10f;
        assertEquals(1.0, copied.getDouble(0, 0));
        assertEquals(10.0, wrapped.getDouble(0, 0));
        wrapped.setDouble(-3, 1, 1);
        assertEquals(-3f, data[3]);
    }

    @Test
    void toArrayMethodsCopyInLogicalOrder() {
        Tensor t = Tensor.fromArray(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).t();
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, t.toDoubleArray());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.toFloatArray());
        assertArrayEquals(new long[] {1, 4, 2, 5, 3, 6}, t.toLongArray());
        assertArrayEquals(new int[] {1, 4, 2, 5, 3, 6}, t.toIntArray());
    }

    // ------------------------------------------------------------------ conversion, device, item

    @Test
    void toConvertsDtypesTruncatingTowardZero() {
        Tensor x = Tensor.of(2.7, -2.7, 0.0);
        assertValues(x.to(DType.I64), DType.I64, shape(3), 2, -2, 0);
        assertValues(x.to(DType.F64), DType.F64, shape(3), (float) 2.7, (float) -2.7, 0);
        assertArrayEquals(new boolean[] {true, true, false}, x.to(DType.BOOL).toBooleanArray());
        assertValues(Tensor.of(true, false).to(DType.F32), DType.F32, shape(2), 1, 0);
    }

    @Test
    void toTheSameDtypeReturnsTheSameTensor() {
        Tensor x = Tensor.ones(2);
        assertSame(x, x.to(DType.F32));
    }

    @Test
    void toCpuIsANoOp() {
        Tensor x = Tensor.ones(2);
        assertSame(x, x.to(Device.CPU));
        assertEquals(Device.CPU, x.device());
        assertSame(Device.CPU, Device.of("cpu"));
    }

    @Test
    void toCudaThrowsAClearError() {
        Device cuda = Device.of("cuda");
        assertEquals("cuda", cuda.type());
        assertFalse(cuda.isAvailable());
        var e = assertThrows(IllegalStateException.class, () -> Tensor.ones(2).to(cuda));
        assertTrue(e.getMessage().contains("cuda") && e.getMessage().contains("cpu"), e.getMessage());
        assertEquals("cuda:1", Device.of("cuda:1").toString());
        assertThrows(IllegalArgumentException.class, () -> Device.of("cuda:x"));
    }

    @Test
    void itemReadsTheOnlyElement() {
        assertEquals(2.5, Tensor.scalar(2.5).item());
        assertEquals(7.0, Tensor.of(7.0).reshape(1, 1).item());
        assertEquals(9000000000000000001L, Tensor.of(9000000000000000001L).itemLong());
    }

    @Test
    void itemOfAMultiElementTensorThrows() {
        var e = assertThrows(IllegalStateException.class, () -> Tensor.ones(2).item());
        assertTrue(e.getMessage().contains("2 elements"), e.getMessage());
    }

    @Test
    void getDoubleWithAnOutOfRangeIndexThrows() {
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.ones(2, 3).getDouble(2, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).getDouble(0));
        assertEquals(1.0, Tensor.ones(2, 3).getDouble(-1, -1));
    }

    // ------------------------------------------------------------------ printing

    @Test
    void printsWholeFloatsWithATrailingDot() {
        assertEquals("tensor([1., 2., 3.])", Tensor.of(1.0, 2.0, 3.0).toString());
    }

    @Test
    void printsFractionalFloatsWithFourDecimalsAndRequiresGrad() {
        Tensor x = Tensor.of(new double[][] {{1.5, 2.0}}).setRequiresGrad(true);
        assertEquals("tensor([[1.5000, 2.0000]], requires_grad=True)", x.toString());
    }

    @Test
    void printsTheGradFnOfARecordedResult() {
        Tensor x = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        assertEquals("tensor([1., 4.], grad_fn=<MulBackward0>)", x.mul(x).toString());
    }

    @Test
    void printsANonDefaultDtypeSuffix() {
        assertEquals("tensor([1., 2.], dtype=torch.float64)", Tensor.fromArray(new double[] {1, 2}, 2).toString());
        assertEquals("tensor([1, 2], dtype=torch.int32)", Tensor.fromArray(new int[] {1, 2}, 2).toString());
        assertEquals("tensor([1.5000], dtype=torch.float64, requires_grad=True)",
                Tensor.fromArray(new double[] {1.5}, 1).setRequiresGrad(true).toString());
    }

    @Test
    void printsIntegersBoolsAndZeroDimTensors() {
        assertEquals("tensor([  1,  10, 100])", Tensor.of(1L, 10L, 100L).toString());
        assertEquals("tensor([ True, False])", Tensor.of(true, false).toString());
        assertEquals("tensor(3.5000)", Tensor.scalar(3.5).toString());
        assertEquals("tensor(3.)", Tensor.scalar(3).toString());
        assertEquals("tensor(7)", Tensor.scalar(7, DType.I64).toString());
    }

    @Test
    void printsMatricesOneRowPerLineAlignedUnderTheFirstBracket() {
        assertEquals("tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])",
                Tensor.of(new double[][] {{1, -2.5}, {3, 4}}).toString());
    }

    @Test
    void printsWideRangesInScientificNotation() {
        assertEquals("tensor([1.0000e-05, 1.0000e+00])", Tensor.of(1e-5, 1.0).toString());
    }

    @Test
    void printsEmptyTensorsWithTheirSize() {
        assertEquals("tensor([])", Tensor.zeros(0).toString());
        assertEquals("tensor([], size=(0, 3))", Tensor.zeros(0, 3).toString());
    }

    @Test
    void printsNaNAndInfinities() {
        assertEquals("tensor([nan, inf, -inf, 1.])", Tensor.of(Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, 1.0).toString());
    }

    @Test
    void summarisesLargeTensors() {
        String s = Tensor.arange(2000).toString();
        assertTrue(s.contains("..."), s);
        assertTrue(s.length() < 200, s);
        // PyTorch: tensor([   0,    1,    2,  ..., 1997, 1998, 1999])
        assertEquals("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])", s);
    }

    /** PyTorch picks the number format from the values it shows, not from the hidden middle. */
    @Test
    void summarisedTensorsAreFormattedFromTheShownValuesOnly() {
        Tensor z = Tensor.zeros(2000);
        z.setDouble(12345.5, 1000);
        assertEquals("tensor([0., 0., 0.,  ..., 0., 0., 0.])", z.toString());
    }

    @Test
    void summarisesLargeMatricesByRowsAndColumns() {
        String s = Tensor.zeros(100, 100).toString();
        assertTrue(s.contains("..."), s);
        assertEquals(7, s.lines().count(), s); // 3 rows, an ellipsis line, 3 rows
    }

    /** PyTorch wraps rows at 80 columns: floor((80 - len("tensor(")) / (width + 2)) = 14 elements per line here. */
    @Test
    void wrapsLongRowsAtEightyColumns() {
        assertEquals("tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
                + "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
                + "        28., 29.])", Tensor.arange(0.0, 30.0, 1.0).toString());
    }

    @Test
    void printsATransposedTensorInLogicalOrder() {
        assertEquals("tensor([[1, 3],\n        [2, 4]])", Tensor.of(1L, 2L, 3L, 4L).reshape(2, 2).t().toString());
    }

    @Test
    void idsAreUnique() {
        assertNotEquals(Tensor.zeros(1).id(), Tensor.zeros(1).id());
    }
}
