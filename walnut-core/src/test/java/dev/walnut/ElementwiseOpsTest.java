package dev.walnut;

import static dev.walnut.TensorAssertions.assertValues;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Forward values and PyTorch semantics of the elementwise ops: broadcasting, promotion, NaN. */
class ElementwiseOpsTest {
    private static final double NAN = Double.NaN;

    // ------------------------------------------------------------------ broadcasting

    @Test
    void addBroadcastsAColumnAgainstARow() {
        Tensor col = Tensor.of(1.0, 2.0, 3.0).reshape(3, 1);
        Tensor row = Tensor.of(10.0, 20.0, 30.0, 40.0).reshape(1, 4);
        assertValues(col.add(row), DType.F32, shape(3, 4),
                11, 21, 31, 41,
                12, 22, 32, 42,
                13, 23, 33, 43);
    }

    @Test
    void addOfAZeroDimTensorReachesEveryElement() {
        Tensor x = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
        assertValues(x.add(Tensor.scalar(0.5)), DType.F32, shape(2, 3), 1.5, 2.5, 3.5, 4.5, 5.5, 6.5);
        assertValues(Tensor.scalar(0.5).add(x), DType.F32, shape(2, 3), 1.5, 2.5, 3.5, 4.5, 5.5, 6.5);
    }

    @Test
    void addOfTwoZeroDimTensorsIsZeroDim() {
        assertValues(Tensor.scalar(1.5).add(Tensor.scalar(2.0)), DType.F32, shape(), 3.5);
    }

    @Test
    void broadcastingIncompatibleShapesThrowsNamingTheOpAndBothShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).add(Tensor.ones(4)));
        assertTrue(e.getMessage().contains("add"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void broadcastingPrependsOnesToTheShorterShape() {
        Tensor x = Tensor.ones(2, 1, 3).mul(Tensor.of(1.0, 2.0, 3.0, 4.0).reshape(4, 1));
        assertArrayEquals(shape(2, 4, 3), x.shape());
        assertEquals(2 * 3 * (1 + 2 + 3 + 4), x.sum().item(), 1e-6);
    }

    // ------------------------------------------------------------------ arithmetic

    @Test
    void subMulDivAreElementwise() {
        Tensor a = Tensor.of(6.0, 8.0, -3.0);
        Tensor b = Tensor.of(2.0, 4.0, 0.5);
        assertValues(a.sub(b), DType.F32, shape(3), 4, 4, -3.5);
        assertValues(a.mul(b), DType.F32, shape(3), 12, 32, -1.5);
        assertValues(a.div(b), DType.F32, shape(3), 3, 2, -6);
    }

    @Test
    void addWithAlphaScalesTheOtherOperand() {
        assertValues(Tensor.of(1.0, 2.0).add(Tensor.of(10.0, 20.0), 0.5), DType.F32, shape(2), 6, 12);
    }

    @Test
    void scalarOpsComputeBothOperandOrders() {
        Tensor x = Tensor.of(2.0, 4.0);
        assertValues(x.sub(1.5), DType.F32, shape(2), 0.5, 2.5);
        assertValues(x.rsub(10.0), DType.F32, shape(2), 8, 6);
        assertValues(x.div(4.0), DType.F32, shape(2), 0.5, 1);
        assertValues(x.rdiv(6.0), DType.F32, shape(2), 3, 1.5);
        assertValues(x.mulScalar(-1.5), DType.F32, shape(2), -3, -6);
        assertValues(x.addScalar(0.25), DType.F32, shape(2), 2.25, 4.25);
    }

    @Test
    void divisionByZeroGivesSignedInfinityAndZeroByZeroNaN() {
        assertValues(Tensor.of(1.0, -1.0, 0.0).div(Tensor.zeros(3)), DType.F32, shape(3),
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, NAN);
    }

    @Test
    void powWithATensorExponentBroadcasts() {
        Tensor base = Tensor.of(2.0, 3.0).reshape(2, 1);
        Tensor exponent = Tensor.of(0.0, 1.0, 2.0);
        assertValues(base.pow(exponent), DType.F32, shape(2, 3), 1, 2, 4, 1, 3, 9);
    }

    @Test
    void powWithAScalarExponent() {
        assertValues(Tensor.of(4.0, 9.0).pow(0.5), DType.F32, shape(2), 2, 3);
        assertValues(Tensor.of(2.0, -3.0).pow(3.0), DType.F32, shape(2), 8, -27);
        assertValues(Tensor.of(2.0, 4.0).pow(-1.0), DType.F32, shape(2), 0.5, 0.25);
    }

    @Test
    void powOfANegativeBaseWithAFractionalExponentIsNaN() {
        assertValues(Tensor.of(-4.0).pow(0.5), DType.F32, shape(1), NAN);
    }

    // ------------------------------------------------------------------ unary

    @Test
    void negAbsSignOfNegativeZeroAndPositive() {
        Tensor x = Tensor.of(-2.0, 0.0, 3.0);
        assertValues(x.neg(), DType.F32, shape(3), 2, 0, -3);
        assertValues(x.abs(), DType.F32, shape(3), 2, 0, 3);
        assertValues(x.sign(), DType.F32, shape(3), -1, 0, 1);
    }

    @Test
    void expLogSqrtRsqrtReciprocalSquare() {
        assertValues(Tensor.of(0.0, 1.0).exp(), DType.F32, shape(2), 1, Math.E);
        assertValues(Tensor.of(1.0, Math.E).log(), DType.F32, shape(2), 0, 1);
        assertValues(Tensor.of(4.0, 2.25).sqrt(), DType.F32, shape(2), 2, 1.5);
        assertValues(Tensor.of(4.0, 0.25).rsqrt(), DType.F32, shape(2), 0.5, 2);
        assertValues(Tensor.of(4.0, -0.5).reciprocal(), DType.F32, shape(2), 0.25, -2);
        assertValues(Tensor.of(-3.0, 1.5).square(), DType.F32, shape(2), 9, 2.25);
    }

    @Test
    void logOfZeroIsMinusInfinityAndOfANegativeIsNaN() {
        assertValues(Tensor.of(0.0, -1.0).log(), DType.F32, shape(2), Double.NEGATIVE_INFINITY, NAN);
        assertValues(Tensor.of(-1.0).sqrt(), DType.F32, shape(1), NAN);
    }

    @Test
    void trigonometricAndActivationFunctions() {
        assertValues(Tensor.of(Math.PI / 2, 0.0).sin(), DType.F32, shape(2), 1, 0);
        assertValues(Tensor.of(0.0, Math.PI).cos(), DType.F32, shape(2), 1, -1);
        assertValues(Tensor.of(0.5, -0.5).tanh(), DType.F32, shape(2), 0.46211716, -0.46211716);
        assertValues(Tensor.of(0.0, 2.0, -2.0).sigmoid(), DType.F32, shape(3), 0.5, 0.88079708, 0.11920292);
        assertValues(Tensor.of(-1.0, 0.0, 2.0).relu(), DType.F32, shape(3), 0, 0, 2);
    }

    @Test
    void sigmoidAndTanhSaturateWithoutOverflow() {
        assertValues(Tensor.of(-1000.0, 1000.0).sigmoid(), DType.F32, shape(2), 0, 1);
        assertValues(Tensor.of(-1000.0, 1000.0).tanh(), DType.F32, shape(2), -1, 1);
    }

    @Test
    void unaryOpsReadNonContiguousInputsInLogicalOrder() {
        Tensor x = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}}).t(); // [[1,4],[2,5],[3,6]]
        assertValues(x.neg(), DType.F32, shape(3, 2), -1, -4, -2, -5, -3, -6);
        assertValues(x.add(Tensor.of(10.0, 20.0)), DType.F32, shape(3, 2), 11, 24, 12, 25, 13, 26);
        Tensor everyOther = Tensor.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0).slice(0, 1, 6, 2); // [1, 3, 5]
        assertValues(everyOther.square(), DType.F32, shape(3), 1, 9, 25);
    }

    // ------------------------------------------------------------------ maximum, minimum, clamp

    @Test
    void maximumAndMinimumBroadcast() {
        Tensor a = Tensor.of(1.0, 5.0, 3.0);
        Tensor b = Tensor.scalar(2.5);
        assertValues(a.maximum(b), DType.F32, shape(3), 2.5, 5, 3);
        assertValues(a.minimum(b), DType.F32, shape(3), 1, 2.5, 2.5);
    }

    @Test
    void maximumAndMinimumPropagateNaNFromEitherSide() {
        Tensor a = Tensor.of(NAN, 1.0, 2.0);
        Tensor b = Tensor.of(0.0, NAN, 1.0);
        assertValues(a.maximum(b), DType.F32, shape(3), NAN, NAN, 2);
        assertValues(a.minimum(b), DType.F32, shape(3), NAN, NAN, 1);
    }

    @Test
    void maximumOfIntegerTensorsStaysInteger() {
        assertValues(Tensor.of(1L, 7L).maximum(Tensor.of(3L, 2L)), DType.I64, shape(2), 3, 7);
    }

    @Test
    void clampLimitsBothSides() {
        assertValues(Tensor.of(-2.0, -0.5, 0.3, 4.0).clamp(-1, 1), DType.F32, shape(4), -1, -0.5, 0.3, 1);
    }

    @Test
    void clampMinAndClampMaxAreOneSided() {
        Tensor x = Tensor.of(-2.0, 0.5, 3.0);
        assertValues(x.clampMin(0), DType.F32, shape(3), 0, 0.5, 3);
        assertValues(x.clampMax(1), DType.F32, shape(3), -2, 0.5, 1);
    }

    @Test
    void clampPropagatesNaN() {
        assertValues(Tensor.of(NAN, 5.0).clamp(-1, 1), DType.F32, shape(2), NAN, 1);
    }

    @Test
    void clampOfAnIntegerTensorWithIntegerBoundsStaysInteger() {
        assertValues(Tensor.of(-5L, 0L, 5L).clamp(-2, 2), DType.I64, shape(3), -2, 0, 2);
    }

    @Test
    void clampWithANaNBoundThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(1.0).clamp(NAN, 1));
    }

    // ------------------------------------------------------------------ where

    @Test
    void whereBroadcastsConditionAndBothBranches() {
        Tensor cond = Tensor.of(true, false).reshape(2, 1);
        Tensor a = Tensor.of(1.0, 2.0, 3.0);
        Tensor b = Tensor.scalar(-1.0);
        assertValues(Tensor.where(cond, a, b), DType.F32, shape(2, 3), 1, 2, 3, -1, -1, -1);
        assertValues(a.where(cond, b), DType.F32, shape(2, 3), 1, 2, 3, -1, -1, -1);
    }

    @Test
    void whereWithAnIntegerAndAFloatBranchPromotes() {
        Tensor out = Tensor.where(Tensor.of(true, false), Tensor.of(1L, 2L), Tensor.of(0.5, 0.5));
        assertValues(out, DType.F32, shape(2), 1, 0.5);
    }

    @Test
    void whereRequiresABoolCondition() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.where(Tensor.of(1.0), Tensor.of(1.0), Tensor.of(2.0)));
        assertTrue(e.getMessage().contains("where"), e.getMessage());
    }

    // ------------------------------------------------------------------ type promotion

    @Test
    void int32TensorPlusFloat64TensorIsFloat64() {
        Tensor i = Tensor.fromArray(new int[] {1, 2}, 2);
        Tensor d = Tensor.fromArray(new double[] {0.5, 0.25}, 2);
        assertValues(i.add(d), DType.F64, shape(2), 1.5, 2.25);
        assertValues(d.add(i), DType.F64, shape(2), 1.5, 2.25);
    }

    @Test
    void int64TensorPlusFloat32TensorIsFloat32() {
        assertValues(Tensor.of(1L, 2L).add(Tensor.of(0.5, 0.5)), DType.F32, shape(2), 1.5, 2.5);
    }

    @Test
    void int32PlusInt64TensorIsInt64() {
        assertValues(Tensor.fromArray(new int[] {1, 2}, 2).add(Tensor.of(3L, 4L)), DType.I64, shape(2), 4, 6);
    }

    /**
     * torch.result_type: a 0-d operand of a higher category than the dimensioned ones decides
     * the result, so int64[2] + float64 0-d is float64 (not the default float32).
     */
    @Test
    void int64TensorPlusZeroDimFloat64IsFloat64() {
        Tensor out = Tensor.of(1L, 2L).add(Tensor.scalar(0.5, DType.F64));
        assertValues(out, DType.F64, shape(2), 1.5, 2.5);
    }

    /** Within a category the dimensioned operand wins: int32[2] + int64 0-d stays int32. */
    @Test
    void int32TensorPlusZeroDimInt64StaysInt32() {
        Tensor out = Tensor.fromArray(new int[] {1, 2}, 2).add(Tensor.scalar(5, DType.I64));
        assertValues(out, DType.I32, shape(2), 6, 7);
    }

    /** float32[2] + float64 0-d stays float32 (same category). */
    @Test
    void float32TensorPlusZeroDimFloat64StaysFloat32() {
        assertValues(Tensor.of(1.0, 2.0).add(Tensor.scalar(0.5, DType.F64)), DType.F32, shape(2), 1.5, 2.5);
    }

    @Test
    void twoZeroDimTensorsPromoteNormally() {
        assertValues(Tensor.scalar(1, DType.I64).add(Tensor.scalar(0.5, DType.F64)), DType.F64, shape(), 1.5);
        assertValues(Tensor.scalar(1, DType.F32).add(Tensor.scalar(0.5, DType.F64)), DType.F64, shape(), 1.5);
    }

    @Test
    void int64TensorAddLongStaysInt64() {
        assertValues(Tensor.of(1L, 2L).add(2L), DType.I64, shape(2), 3, 4);
        assertValues(Tensor.of(1L, 2L).sub(5L), DType.I64, shape(2), -4, -3);
        assertValues(Tensor.of(1L, 2L).mul(3L), DType.I64, shape(2), 3, 6);
    }

    @Test
    void int64TensorAddDoubleBecomesFloat32() {
        assertValues(Tensor.of(1L, 2L).add(2.0), DType.F32, shape(2), 3, 4);
        assertValues(Tensor.of(1L, 2L).mul(0.5), DType.F32, shape(2), 0.5, 1);
    }

    @Test
    void int32TensorAddLongStaysInt32() {
        assertValues(Tensor.fromArray(new int[] {1, 2}, 2).add(2L), DType.I32, shape(2), 3, 4);
    }

    @Test
    void boolTensorAddLongIsInt64() {
        assertValues(Tensor.of(true, false).add(1L), DType.I64, shape(2), 2, 1);
    }

    @Test
    void integerDivisionIsTrueDivisionToFloat32() {
        Tensor out = Tensor.of(1L, 2L, 3L).div(Tensor.of(2L, 2L, 2L));
        assertValues(out, DType.F32, shape(3), 0.5, 1, 1.5);
        assertValues(Tensor.of(1L, 3L).div(2.0), DType.F32, shape(2), 0.5, 1.5);
    }

    @Test
    void floatOnlyUnaryOpsOnIntegersGiveFloat32() {
        assertValues(Tensor.of(0L, 1L).exp(), DType.F32, shape(2), 1, Math.E);
        assertValues(Tensor.of(4L).sqrt(), DType.F32, shape(1), 2);
    }

    @Test
    void negAbsSquareOfIntegersStayInteger() {
        assertValues(Tensor.of(-2L, 3L).neg(), DType.I64, shape(2), 2, -3);
        assertValues(Tensor.of(-2L, 3L).abs(), DType.I64, shape(2), 2, 3);
        assertValues(Tensor.of(-2L, 3L).square(), DType.I64, shape(2), 4, 9);
    }

    @Test
    void arithmeticOnTwoBoolTensorsThrows() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(true).add(Tensor.of(false)));
        assertTrue(e.getMessage().contains("bool"), e.getMessage());
    }

    // ------------------------------------------------------------------ comparisons and logic

    @Test
    void comparisonsGiveBool() {
        Tensor a = Tensor.of(1.0, 2.0, 3.0);
        Tensor b = Tensor.of(2.0, 2.0, 2.0);
        assertArrayEquals(new boolean[] {false, false, true}, a.gt(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true}, a.ge(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, false}, a.lt(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, true, false}, a.le(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, a.eq(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true}, a.ne(b).toBooleanArray());
        assertEquals(DType.BOOL, a.gt(b).dtype());
        assertEquals(DType.BOOL, a.eq(2.0).dtype());
    }

    @Test
    void comparisonsBroadcast() {
        Tensor out = Tensor.of(1.0, 2.0, 3.0).reshape(3, 1).gt(Tensor.of(1.0, 2.0, 3.0));
        assertArrayEquals(shape(3, 3), out.shape());
        assertArrayEquals(new boolean[] {false, false, false, true, false, false, true, true, false}, out.toBooleanArray());
    }

    @Test
    void comparingAnIntegerTensorWithAFractionalNumberDoesNotTruncateIt() {
        Tensor i = Tensor.of(0L, 1L, 2L);
        assertArrayEquals(new boolean[] {false, true, true}, i.gt(0.5).toBooleanArray());
        assertArrayEquals(new boolean[] {false, false, false}, i.eq(1.5).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, i.eq(1.0).toBooleanArray());
    }

    @Test
    void comparingAFloat32TensorWithADoubleNumberRoundsTheNumberToFloat32() {
        // PyTorch: torch.tensor([0.1]) == 0.1 is True (the Python float is cast to float32).
        assertArrayEquals(new boolean[] {true}, Tensor.of(0.1).eq(0.1).toBooleanArray());
    }

    @Test
    void nanComparesUnequalToEverythingIncludingItself() {
        Tensor n = Tensor.of(NAN);
        assertArrayEquals(new boolean[] {false}, n.eq(n).toBooleanArray());
        assertArrayEquals(new boolean[] {true}, n.ne(n).toBooleanArray());
        assertArrayEquals(new boolean[] {false}, n.gt(0.0).toBooleanArray());
    }

    @Test
    void logicalOpsTreatNonZeroAsTrue() {
        Tensor a = Tensor.of(true, true, false, false);
        Tensor b = Tensor.of(1.0, 0.0, 2.0, 0.0);
        assertArrayEquals(new boolean[] {true, false, false, false}, a.logicalAnd(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, true, true, false}, a.logicalOr(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true, false}, a.logicalXor(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false, true}, b.logicalNot().toBooleanArray());
    }

    @Test
    void allCloseUsesRelativeAndAbsoluteToleranceAndNaNIsNeverClose() {
        Tensor a = Tensor.of(1.0, 100.0);
        assertTrue(a.allClose(Tensor.of(1.0 + 1e-6, 100.0 + 5e-4)));
        assertFalse(a.allClose(Tensor.of(1.0, 100.1)));
        assertFalse(Tensor.of(NAN).allClose(Tensor.of(NAN)));
        assertTrue(Tensor.of(Double.POSITIVE_INFINITY).allClose(Tensor.of(Double.POSITIVE_INFINITY)));
        assertFalse(Tensor.ones(2).allClose(Tensor.ones(1, 2)), "different shapes are never close");
    }

    @Test
    void equalRequiresSameShapeAndValues() {
        assertTrue(Tensor.of(1.0, 2.0).equal(Tensor.of(1.0, 2.0)));
        assertFalse(Tensor.of(1.0, 2.0).equal(Tensor.of(1.0, 2.0).reshape(1, 2)));
        assertFalse(Tensor.of(1.0, 2.0).equal(Tensor.of(1.0, 2.5)));
    }

    @Test
    void floatOpsOnBoolTensorsGiveTheDefaultFloat() {
        Tensor e = Tensor.of(true, false).exp();
        assertValues(e, DType.F32, shape(2), Math.E, 1.0);
    }

    @Test
    void negOfABoolTensorFails() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(true, false).neg());
        assertTrue(e.getMessage().contains("bool"), e.getMessage());
    }

    @Test
    void atan2GivesTheAngleOfThePointInEveryQuadrantAndPromotesIntegersToFloat() {
        Tensor y = Tensor.fromArray(new double[] {1, 1, -1, -1, 0, 0}, 6);
        Tensor x = Tensor.fromArray(new double[] {1, -1, -1, 1, -2, 2}, 6);
        double q = Math.PI / 4;
        assertArrayEquals(new double[] {q, 3 * q, -3 * q, -q, Math.PI, 0}, y.atan2(x).toDoubleArray(), 1e-15);
        Tensor yi = Tensor.fromArray(new int[] {1}, 1);
        assertEquals(DType.F32, yi.atan2(Tensor.fromArray(new int[] {1}, 1)).dtype());
        assertEquals(q, yi.atan2(Tensor.fromArray(new int[] {1}, 1)).item(), 1e-7);
    }

    @Test
    void fmodTakesTheDividendsSignAndRemainderTheDivisors() {
        // torch.fmod / torch.remainder on [-3, 3, -3.5, 5.5, 4] and [2, -2, 2, -2, 2], float and int.
        Tensor a = Tensor.fromArray(new double[] {-3, 3, -3.5, 5.5, 4}, 5);
        Tensor b = Tensor.fromArray(new double[] {2, -2, 2, -2, 2}, 5);
        assertArrayEquals(new double[] {-1, 1, -1.5, 1.5, 0}, a.fmod(b).toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, -1, 0.5, -0.5, 0}, a.remainder(b).toDoubleArray(), 0);
        Tensor ai = Tensor.fromArray(new long[] {-7, 7, -7, 7}, 4);
        Tensor bi = Tensor.fromArray(new long[] {3, 3, -3, -3}, 4);
        assertEquals(DType.I64, ai.fmod(bi).dtype());
        assertArrayEquals(new long[] {-1, 1, -1, 1}, ai.fmod(bi).toLongArray());
        assertArrayEquals(new long[] {2, 1, -1, -2}, ai.remainder(bi).toLongArray());
        // Scalars, broadcasting, and an I32 tensor keeping its dtype with a whole-number divisor.
        assertArrayEquals(new double[] {1, 1, 0.5, 1.5, 0}, a.remainder(2).toDoubleArray(), 0);
        Tensor i32 = Tensor.fromArray(new int[] {-5, 5}, 2);
        assertEquals(DType.I32, i32.fmod(3).dtype());
        assertArrayEquals(new int[] {-2, 2}, i32.fmod(3).toIntArray());
        assertArrayEquals(new float[] {-0.5f, 0.5f}, i32.to(DType.F32).fmod(1.5).toFloatArray(), 0f);
        // Division by zero: NaN for floats, an error naming the op for integers.
        assertTrue(Double.isNaN(a.fmod(0.0).toDoubleArray()[0]));
        var e = assertThrows(ArithmeticException.class, () -> ai.remainder(Tensor.scalar(0, DType.I64)));
        assertTrue(e.getMessage().contains("remainder") && e.getMessage().contains("zero"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(true).fmod(Tensor.of(true)));
    }

    @Test
    void fmodAndRemainderGradientsAreOneAndMinusTheQuotient() {
        Tensor a = Tensor.fromArray(new double[] {-3.5, 5.5}, 2).setRequiresGrad(true);
        Tensor b = Tensor.fromArray(new double[] {2, -2}, 2).setRequiresGrad(true);
        a.fmod(b).sum().backward();
        assertArrayEquals(new double[] {1, 1}, a.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 2}, b.grad().toDoubleArray(), 0);   // -trunc(a / b) = 1, 2
        assertEquals("FmodBackward1", a.fmod(b).gradFn().name());
        a.zeroGrad();
        b.zeroGrad();
        a.remainder(b).sum().backward();
        assertArrayEquals(new double[] {2, 3}, b.grad().toDoubleArray(), 0);   // -floor(a / b) = 2, 3
    }

    @Test
    void roundingFollowsPyTorchHalvesToEvenAndTheSignOfZero() {
        Tensor x = Tensor.fromArray(new double[] {-2.5, -1.7, -0.5, 0.5, 1.5, 2.5, 1.2}, 7);
        assertArrayEquals(new double[] {-3, -2, -1, 0, 1, 2, 1}, x.floor().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {-2, -1, -0.0, 1, 2, 3, 2}, x.ceil().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {-2, -2, -0.0, 0, 2, 2, 1}, x.round().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {-2, -1, -0.0, 0, 1, 2, 1}, x.trunc().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {-0.5, -0.7, -0.5, 0.5, 0.5, 0.5, 0.2}, x.frac().toDoubleArray(), 1e-15);
        Tensor ints = Tensor.fromArray(new int[] {-3, 4}, 2);
        assertEquals(DType.I32, ints.floor().dtype(), "integers stay integers");
        assertArrayEquals(new int[] {-3, 4}, ints.round().toIntArray());
    }

    @Test
    void scalarBasePowerIsPythonsTwoToTheX() {
        assertArrayEquals(new double[] {1, 2, 8, 0.5},
                Tensor.pow(2.0, Tensor.fromArray(new double[] {0, 1, 3, -1}, 4)).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {1, 100}, Tensor.pow(10.0, Tensor.fromArray(new double[] {0, 2}, 2)).toDoubleArray(), 1e-12);
        Tensor x = Tensor.fromArray(new double[] {1.5}, 1).setRequiresGrad(true);
        Tensor.pow(3.0, x).sum().backward();
        assertEquals(Math.pow(3.0, 1.5) * Math.log(3.0), x.grad().item(), 1e-12, "d/dx 3^x = 3^x ln 3");
    }
}
