package dev.walnut;

import static dev.walnut.TensorAssertions.assertValues;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradOptions;
import org.junit.jupiter.api.Test;

/** Forward values and PyTorch semantics of reductions, softmax and norms. */
class ReductionOpsTest {
    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    /** [[1, 2, 3], [4, 5, 6]] as F32. */
    private static Tensor m23() {
        return Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
    }

    // ------------------------------------------------------------------ sum

    @Test
    void sumOfAllIsZeroDim() {
        assertValues(m23().sum(), DType.F32, shape(), 21);
    }

    @Test
    void sumOverADimAndANegativeDim() {
        assertValues(m23().sum(0), DType.F32, shape(3), 5, 7, 9);
        assertValues(m23().sum(-1), DType.F32, shape(2), 6, 15);
    }

    @Test
    void sumKeepDimKeepsReducedDimsAsOnes() {
        Tensor x = Tensor.ones(2, 3, 4);
        assertArrayEquals(shape(1, 3, 1), x.sum(new int[] {0, 2}, true).shape());
        assertArrayEquals(shape(3), x.sum(new int[] {0, -1}, false).shape());
        assertArrayEquals(shape(2, 1), m23().sum(1, true).shape());
        assertValues(x.sum(new int[] {0, 2}, true), DType.F32, shape(1, 3, 1), 8, 8, 8);
    }

    @Test
    void sumWithAnEmptyDimListReducesEverything() {
        assertValues(m23().sum(new int[] {}, false), DType.F32, shape(), 21);
        assertValues(m23().sum(new int[] {}, true), DType.F32, shape(1, 1), 21);
    }

    @Test
    void sumOfANonContiguousTensor() {
        Tensor t = m23().t(); // [[1,4],[2,5],[3,6]]
        assertValues(t.sum(0), DType.F32, shape(2), 6, 15);
        assertValues(t.sum(1), DType.F32, shape(3), 5, 7, 9);
    }

    @Test
    void sumOfAZeroDimTensorIsItself() {
        assertValues(Tensor.scalar(2.5).sum(), DType.F32, shape(), 2.5);
        assertValues(Tensor.scalar(2.5).sum(0, false), DType.F32, shape(), 2.5);
    }

    @Test
    void sumOfAnEmptyTensorIsZero() {
        assertValues(Tensor.zeros(0, 3).sum(), DType.F32, shape(), 0);
        assertValues(Tensor.zeros(0, 3).sum(0), DType.F32, shape(3), 0, 0, 0);
    }

    @Test
    void meanOfAnEmptyTensorIsNaNAndProdIsOne() {
        assertValues(Tensor.zeros(0).mean(), DType.F32, shape(), NAN);
        assertValues(Tensor.zeros(0).prod(), DType.F32, shape(), 1);
        assertValues(Tensor.zeros(0).norm(), DType.F32, shape(), 0);
    }

    @Test
    void sumOfIntegersAndBoolsIsInt64() {
        assertValues(Tensor.fromArray(new int[] {1, 2, 3}, 3).sum(), DType.I64, shape(), 6);
        assertValues(Tensor.of(true, false, true).sum(), DType.I64, shape(), 2);
        assertValues(Tensor.of(4000000000L, 4000000000L).sum(), DType.I64, shape(), 8e9);
    }

    @Test
    void sumOf16MFloat32OnesIsExact() {
        assertEquals(16777216.0, Tensor.ones(1 << 24).sum().item());
    }

    /** Past 2^24 a float32 running sum gets stuck at 16777216; the sum must not. */
    @Test
    void sumOfMoreThan2To24Float32OnesKeepsCounting() {
        assertEquals(16777224.0, Tensor.ones((1 << 24) + 8).sum().item());
    }

    @Test
    void sumOverABadDimThrowsIndexOutOfBoundsNamingTheDim() {
        var e = assertThrows(IndexOutOfBoundsException.class, () -> m23().sum(2));
        assertTrue(e.getMessage().contains("dim 2"), e.getMessage());
        var neg = assertThrows(IndexOutOfBoundsException.class, () -> m23().sum(-3));
        assertTrue(neg.getMessage().contains("dim -3"), neg.getMessage());
    }

    @Test
    void sumOverARepeatedDimThrows() {
        assertThrows(IllegalArgumentException.class, () -> m23().sum(new int[] {1, -1}, false));
    }

    // ------------------------------------------------------------------ mean, var, std

    @Test
    void meanOfAllAndOverDims() {
        assertValues(m23().mean(), DType.F32, shape(), 3.5);
        assertValues(m23().mean(0, false), DType.F32, shape(3), 2.5, 3.5, 4.5);
        assertValues(m23().mean(-1, true), DType.F32, shape(2, 1), 2, 5);
    }

    @Test
    void meanWithAnEmptyDimListIsTheMeanOfAll() {
        assertValues(m23().mean(new int[] {}, false), DType.F32, shape(), 3.5);
    }

    @Test
    void meanOfAnIntegerTensorThrows() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(1L, 2L).mean());
        assertTrue(e.getMessage().contains("mean"), e.getMessage());
    }

    @Test
    void varAndStdWithBesselsCorrection() {
        Tensor x = Tensor.of(1.0, 2.0, 3.0, 4.0); // mean 2.5, squared deviations sum to 5
        assertValues(x.var(), DType.F32, shape(), 5.0 / 3);
        assertValues(x.std(), DType.F32, shape(), Math.sqrt(5.0 / 3));
    }

    @Test
    void varAndStdWithCorrectionZeroArePopulationStatistics() {
        Tensor x = Tensor.of(1.0, 2.0, 3.0, 4.0);
        assertValues(x.var(new int[] {0}, 0, false), DType.F32, shape(), 1.25);
        assertValues(x.std(new int[] {0}, 0, false), DType.F32, shape(), Math.sqrt(1.25));
    }

    @Test
    void varOverADimKeepsDims() {
        Tensor x = Tensor.of(new double[][] {{1, 3}, {2, 6}});
        assertValues(x.var(new int[] {-1}, 1, true), DType.F32, shape(2, 1), 2, 8);
        assertValues(x.var(new int[] {0}, 0, false), DType.F32, shape(2), 0.25, 2.25);
    }

    @Test
    void varWithNoDegreesOfFreedomLeftThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(1.0).var());
    }

    // ------------------------------------------------------------------ prod

    @Test
    void prodOfAllAndOverADim() {
        assertValues(m23().prod(), DType.F32, shape(), 720);
        assertValues(m23().prod(1, false), DType.F32, shape(2), 6, 120);
        assertValues(m23().prod(0, true), DType.F32, shape(1, 3), 4, 10, 18);
    }

    @Test
    void prodWithAZeroIsZero() {
        assertValues(Tensor.of(3.0, 0.0, 2.0).prod(), DType.F32, shape(), 0);
    }

    @Test
    void prodDoubleBackwardWithZerosMatchesPyTorch() {
        // x = [2, 0, 3]: d/dx sum(d prod/dx) = d/dx (x1 x2 + x0 x2 + x0 x1) = [x1 + x2, x0 + x2, x0 + x1].
        Tensor x = Tensor.fromArray(new double[] {2, 0, 3}, 3).setRequiresGrad(true);
        Tensor g = Autograd.grad(x.prod(), x, GradOptions.defaults().createGraph());
        assertValues(g, DType.F64, shape(3), 0, 6, 0);
        assertValues(Autograd.grad(g.sum(), x), DType.F64, shape(3), 3, 5, 2);
        // Two zeros in the slice: every first derivative is 0, but the second is not.
        Tensor y = Tensor.fromArray(new double[] {0, 0, 2}, 3).setRequiresGrad(true);
        Tensor gy = Autograd.grad(y.prod(), y, GradOptions.defaults().createGraph());
        assertValues(gy, DType.F64, shape(3), 0, 0, 0);
        assertValues(Autograd.grad(gy.sum(), y), DType.F64, shape(3), 2, 2, 0);
    }

    @Test
    void prodOfIntegersIsInt64() {
        assertValues(Tensor.fromArray(new int[] {100000, 100000}, 2).prod(), DType.I64, shape(), 1e10);
    }

    // ------------------------------------------------------------------ max, min, argmax

    @Test
    void maxAndMinOfAll() {
        assertValues(m23().max(), DType.F32, shape(), 6);
        assertValues(m23().min(), DType.F32, shape(), 1);
    }

    @Test
    void maxAlongADimGivesValuesAndIndices() {
        Tensor x = Tensor.of(new double[][] {{1, 5, 2}, {7, 0, 3}});
        ValuesAndIndices m = x.max(1, false);
        assertValues(m.values(), DType.F32, shape(2), 5, 7);
        assertValues(m.indices(), DType.I64, shape(2), 1, 0);
        ValuesAndIndices k = x.min(0, true);
        assertValues(k.values(), DType.F32, shape(1, 3), 1, 0, 2);
        assertValues(k.indices(), DType.I64, shape(1, 3), 0, 1, 0);
    }

    @Test
    void maxAlongADimReturnsTheFirstIndexOnTies() {
        Tensor x = Tensor.of(new double[][] {{1, 3, 3}, {2, 2, 1}});
        assertValues(x.max(-1, false).indices(), DType.I64, shape(2), 1, 0);
        assertValues(x.min(-1, false).indices(), DType.I64, shape(2), 0, 2);
        assertValues(Tensor.of(4.0, 1.0, 1.0, 4.0).min(0, false).indices(), DType.I64, shape(), 1);
    }

    @Test
    void argmaxOfAllIsTheFlatIndexOfTheFirstMaximum() {
        Tensor x = Tensor.of(new double[][] {{1, 5}, {5, 2}});
        assertValues(x.argmax(), DType.I64, shape(), 1);
        assertValues(x.argmin(), DType.I64, shape(), 0);
        assertValues(x.argmax(0, false), DType.I64, shape(2), 1, 0);
        assertValues(x.argmax(1, true), DType.I64, shape(2, 1), 1, 0);
    }

    @Test
    void argmaxOfANonContiguousTensorIndexesItsLogicalLayout() {
        Tensor x = Tensor.of(new double[][] {{1, 9}, {4, 2}}).t(); // [[1,4],[9,2]]
        assertValues(x.argmax(), DType.I64, shape(), 2);
        assertValues(x.argmax(1, false), DType.I64, shape(2), 1, 0);
    }

    @Test
    void maxAlongADimOfIntegersKeepsTheDtype() {
        ValuesAndIndices m = Tensor.of(3L, 9L, 2L).max(0, false);
        assertValues(m.values(), DType.I64, shape(), 9);
        assertValues(m.indices(), DType.I64, shape(), 1);
    }

    @Test
    void amaxOverSeveralDims() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4).to(DType.F32);
        assertValues(x.amax(new int[] {0, -1}, false), DType.F32, shape(3), 15, 19, 23);
        assertValues(x.amin(new int[] {1}, true), DType.F32, shape(2, 1, 4), 0, 1, 2, 3, 12, 13, 14, 15);
    }

    @Test
    void amaxAndMaxPropagateNaN() {
        Tensor x = Tensor.of(1.0, NAN, 3.0);
        assertValues(x.amax(0, false), DType.F32, shape(), NAN);
        assertValues(x.amin(0, false), DType.F32, shape(), NAN);
        assertValues(x.max(), DType.F32, shape(), NAN);
        ValuesAndIndices m = x.max(0, false);
        assertValues(m.values(), DType.F32, shape(), NAN);
        assertValues(m.indices(), DType.I64, shape(), 1);
        assertValues(x.argmax(), DType.I64, shape(), 1);
    }

    @Test
    void maxOverAnEmptyDimThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0).max());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 0).max(1, false));
    }

    @Test
    void maxOfAZeroDimTensorAlongDimZero() {
        ValuesAndIndices m = Tensor.scalar(4.0).max(0, false);
        assertValues(m.values(), DType.F32, shape(), 4);
        assertValues(m.indices(), DType.I64, shape(), 0);
    }

    // ------------------------------------------------------------------ logsumexp, softmax

    @Test
    void logsumexpMatchesTheDefinition() {
        Tensor x = Tensor.of(new double[][] {{0, Math.log(3)}, {1, 1}});
        assertValues(x.logsumexp(1, false), DType.F32, shape(2), Math.log(4), 1 + Math.log(2));
        assertValues(x.logsumexp(0, true), DType.F32, shape(1, 2),
                Math.log(1 + Math.E), Math.log(3 + Math.E));
    }

    @Test
    void logsumexpIsStableForLargeInputs() {
        assertValues(Tensor.of(1000.0, 1000.0).logsumexp(0, false), DType.F32, shape(), 1000 + Math.log(2));
        assertValues(Tensor.of(-1000.0, -1000.0).logsumexp(0, false), DType.F32, shape(), -1000 + Math.log(2));
    }

    @Test
    void logsumexpOfAllMinusInfinityIsMinusInfinity() {
        assertValues(Tensor.of(-INF, -INF).logsumexp(0, false), DType.F32, shape(), -INF);
    }

    @Test
    void softmaxRowsSumToOne() {
        Tensor s = Tensor.randn(new long[] {4, 7}, DType.F64, new Generator(3)).softmax(-1);
        assertValues(s.sum(-1), DType.F64, shape(4), 1, 1, 1, 1);
    }

    @Test
    void softmaxMatchesClosedForm() {
        double z = Math.E + Math.exp(2) + Math.exp(3);
        assertValues(Tensor.of(1.0, 2.0, 3.0).softmax(0), DType.F32, shape(3),
                Math.E / z, Math.exp(2) / z, Math.exp(3) / z);
        // 0.09003057, 0.24472847, 0.66524096
        assertValues(Tensor.of(1.0, 2.0, 3.0).softmax(0), DType.F32, shape(3), 0.09003057, 0.24472847, 0.66524096);
    }

    @Test
    void softmaxAlongDimZeroOfAMatrixNormalisesColumns() {
        Tensor s = Tensor.of(new double[][] {{0, 1}, {0, 1}}).softmax(0);
        assertValues(s, DType.F32, shape(2, 2), 0.5, 0.5, 0.5, 0.5);
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        assertValues(Tensor.of(1000.0, 1000.0, 0.0).softmax(-1), DType.F32, shape(3), 0.5, 0.5, 0);
        assertValues(Tensor.of(-1000.0, -1000.0).softmax(-1), DType.F32, shape(2), 0.5, 0.5);
    }

    @Test
    void logSoftmaxIsStableForLargeLogits() {
        assertValues(Tensor.of(1000.0, 0.0).logSoftmax(0), DType.F32, shape(2), 0, -1000);
        assertValues(Tensor.of(1.0, 2.0, 3.0).logSoftmax(0), DType.F32, shape(3),
                Math.log(0.09003057), Math.log(0.24472847), Math.log(0.66524096));
    }

    @Test
    void softmaxGivesMinusInfinityLogitsZeroProbability() {
        assertValues(Tensor.of(Double.NEGATIVE_INFINITY, 0.0, 0.0).softmax(0), DType.F32, shape(3), 0, 0.5, 0.5);
        assertValues(Tensor.of(Double.NEGATIVE_INFINITY, 0.0).logSoftmax(0), DType.F32, shape(2), Double.NEGATIVE_INFINITY, 0);
    }

    @Test
    void softmaxOfAnIntegerTensorThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(1L, 2L).softmax(0));
    }

    // ------------------------------------------------------------------ norm

    @Test
    void normForPOneTwoAndInfinity() {
        Tensor x = Tensor.of(3.0, -4.0);
        assertValues(x.norm(), DType.F32, shape(), 5);
        assertValues(x.norm(2), DType.F32, shape(), 5);
        assertValues(x.norm(1), DType.F32, shape(), 7);
        assertValues(x.norm(INF), DType.F32, shape(), 4);
        assertValues(x.norm(Double.NEGATIVE_INFINITY), DType.F32, shape(), 3);
        assertValues(x.norm(3), DType.F32, shape(), Math.cbrt(91));
        assertValues(Tensor.of(0.0, 2.0, -1.0).norm(0), DType.F32, shape(), 2);
    }

    @Test
    void normOverADim() {
        Tensor x = Tensor.of(new double[][] {{3, 4}, {6, 8}});
        assertValues(x.norm(2, new int[] {-1}, false), DType.F32, shape(2), 5, 10);
        assertValues(x.norm(1, new int[] {0}, true), DType.F32, shape(1, 2), 9, 12);
    }

    @Test
    void normOfIntegersIsFloat32() {
        assertValues(Tensor.of(3L, 4L).norm(), DType.F32, shape(), 5);
    }

    // ------------------------------------------------------------------ sumToShape

    @Test
    void sumToShapeUndoesBroadcasting() {
        Tensor g = Tensor.ones(2, 3, 4);
        assertValues(g.sumToShape(3, 1), DType.F32, shape(3, 1), 8, 8, 8);
        assertValues(g.sumToShape(), DType.F32, shape(), 24);
    }
}
