package dev.walnut.nn.functional;

import static dev.walnut.TensorAssertions.assertContains;
import static dev.walnut.TensorAssertions.assertValuesWithin;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import org.junit.jupiter.api.Test;

/**
 * Scaled dot-product attention against PyTorch's definition: spot values, the default scale,
 * masks (bool and additive, broadcast), causality with L != S, dropout, fully masked rows, float64
 * gradient checks to second order, and the error messages.
 */
class AttentionTest {
    private static final double TOL = 1e-12;

    private static Tensor m64(double[][] rows) {
        return Tensor.of(rows).to(DType.F64);
    }

    private static Tensor leaf(long seed, long... shape) {
        return Tensor.randn(shape, DType.F64, new Generator(seed)).detach().setRequiresGrad(true);
    }

    @Test
    void twoKeysWithDefaultScaleOneOverSqrtE() {
        Tensor q = m64(new double[][] {{1, 0}});
        Tensor k = m64(new double[][] {{1, 0}, {0, 1}});
        Tensor v = m64(new double[][] {{1, 2}, {3, 4}});
        // scores [1/sqrt(2), 0] -> weights [sigmoid(1/sqrt 2), 1 - sigmoid(1/sqrt 2)]
        assertValuesWithin(TOL, Attention.scaledDotProductAttention(q, k, v), DType.F64, shape(1, 2),
                1.6604769013466862, 2.6604769013466862);
        // scale 1: weights [e/(e+1), 1/(e+1)]
        Tensor y = Attention.scaledDotProductAttention(q, k, v, null, 0.0, false, 1.0, new Generator(0));
        assertValuesWithin(TOL, y, shape(1, 2), 1.5378828427399902, 2.5378828427399904);
    }

    @Test
    void aSingleKeyReturnsItsValueForEveryQuery() {
        Tensor q = leaf(1, 2, 3, 4);
        Tensor k = leaf(2, 2, 1, 4);
        Tensor v = m64(new double[][] {{5, 6}}).reshape(1, 1, 2).expand(2, 1, 2);
        assertValuesWithin(TOL, Attention.scaledDotProductAttention(q, k, v), shape(2, 3, 2),
                5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6);
    }

    @Test
    void causalMaskingHidesFuturePositions() {
        Tensor q = leaf(3, 3, 2).detach();
        Tensor k = leaf(4, 3, 2).detach();
        Tensor v = m64(new double[][] {{1, 0}, {0, 1}, {0, 0}});
        Tensor v2 = m64(new double[][] {{1, 0}, {0, 1}, {100, 100}});
        Tensor y = Attention.scaledDotProductAttention(q, k, v, null, 0.0, true);
        Tensor y2 = Attention.scaledDotProductAttention(q, k, v2, null, 0.0, true);
        // query 0 sees only key 0; queries 0 and 1 never see key 2
        assertValuesWithin(TOL, y.select(0, 0), shape(2), 1, 0);
        assertTrue(y.narrow(0, 0, 2).allClose(y2.narrow(0, 0, 2), 0, 1e-15));
        assertFalse(y.select(0, 2).allClose(y2.select(0, 2)));
    }

    @Test
    void causalWithMoreKeysThanQueriesIsTopLeftAligned() {
        // L = 2, S = 3: query i attends keys 0..i, as torch.ones(L, S).tril()
        Tensor q = Tensor.zeros(new long[] {2, 2}, DType.F64);
        Tensor k = Tensor.zeros(new long[] {3, 2}, DType.F64);
        Tensor v = Tensor.fromArray(new double[] {2, 4, 6}, 3, 1);
        assertValuesWithin(TOL, Attention.scaledDotProductAttention(q, k, v, null, 0.0, true), shape(2, 1), 2, 3);
    }

    @Test
    void boolAndAdditiveMasksAreEquivalentAndBroadcast() {
        Tensor q = leaf(5, 2, 3, 4, 5).detach();
        Tensor k = leaf(6, 2, 3, 6, 5).detach();
        Tensor v = leaf(7, 2, 3, 6, 2).detach();
        boolean[] allowed = new boolean[4 * 6];
        double[] additive = new double[4 * 6];
        for (int i = 0; i < allowed.length; i++) {
            allowed[i] = i % 3 != 1;
            additive[i] = allowed[i] ? 0 : Double.NEGATIVE_INFINITY;
        }
        Tensor yBool = Attention.scaledDotProductAttention(q, k, v, Tensor.fromArray(allowed, 4, 6));
        Tensor yAdd = Attention.scaledDotProductAttention(q, k, v, Tensor.fromArray(additive, 4, 6));
        assertArrayEquals(new long[] {2, 3, 4, 2}, yBool.shape());
        assertTrue(yBool.allClose(yAdd, 0, 1e-14));
    }

    @Test
    void floatMaskIsAddedToTheScores() {
        Tensor q = m64(new double[][] {{1, 0}});
        Tensor k = m64(new double[][] {{1, 0}, {0, 1}});
        Tensor v = m64(new double[][] {{1, 2}, {3, 4}});
        // scores [1, 0] + [0, 1] = [1, 1]: uniform weights
        Tensor y = Attention.scaledDotProductAttention(q, k, v, m64(new double[][] {{0, 1}}), 0.0, false, 1.0,
                new Generator(0));
        assertValuesWithin(TOL, y, shape(1, 2), 2, 3);
    }

    @Test
    void fullyMaskedRowsGiveZerosWithFiniteGradientsAsPyTorchSafeSoftmax() {
        Tensor q = leaf(8, 2, 3);
        Tensor k = leaf(9, 2, 3);
        Tensor v = leaf(10, 2, 2);
        Tensor mask = Tensor.fromArray(new boolean[] {true, false, false, false}, 2, 2);
        Tensor y = Attention.scaledDotProductAttention(q, k, v, mask);
        assertValuesWithin(TOL, y.select(0, 1), shape(2), 0, 0);
        y.sum().backward();
        for (double g : q.grad().toDoubleArray()) {
            assertTrue(Double.isFinite(g));
        }
    }

    @Test
    void dropoutIsSeededAndOneDropsEverything() {
        Tensor q = leaf(11, 4, 3).detach(), k = leaf(12, 5, 3).detach(), v = leaf(13, 5, 2).detach();
        Tensor a = Attention.scaledDotProductAttention(q, k, v, null, 0.5, false, null, new Generator(3));
        Tensor b = Attention.scaledDotProductAttention(q, k, v, null, 0.5, false, null, new Generator(3));
        assertTrue(a.equal(b));
        assertFalse(a.allClose(Attention.scaledDotProductAttention(q, k, v)));
        Tensor none = Attention.scaledDotProductAttention(q, k, v, null, 1.0, false, null, new Generator(3));
        assertValuesWithin(0, none, shape(4, 2), 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void maskWithIsCausalFails() {
        Tensor x = Tensor.zeros(2, 2);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Attention.scaledDotProductAttention(x, x, x, Tensor.ones(2, 2), 0.0, true));
        assertContains(e.getMessage(), "attnMask", "isCausal");
    }

    @Test
    void mismatchedShapesFail() {
        var e = assertThrows(IllegalArgumentException.class, () -> Attention.scaledDotProductAttention(
                Tensor.zeros(2, 3), Tensor.zeros(4, 5), Tensor.zeros(4, 2)));
        assertContains(e.getMessage(), "embedding size E", "query [2, 3]", "key [4, 5]");
        e = assertThrows(IllegalArgumentException.class, () -> Attention.scaledDotProductAttention(
                Tensor.zeros(2, 3), Tensor.zeros(4, 3), Tensor.zeros(5, 2)));
        assertContains(e.getMessage(), "sequence length S", "value [5, 2]");
        e = assertThrows(IllegalArgumentException.class, () -> Attention.scaledDotProductAttention(
                Tensor.zeros(3), Tensor.zeros(4, 3), Tensor.zeros(4, 2)));
        assertContains(e.getMessage(), "at least 2 dims");
    }

    @Test
    void gradCheckFirstOrderWithMaskCausalAndNonContiguousInputs() {
        GradCheck.check(in -> Attention.scaledDotProductAttention(in[0], in[1], in[2]),
                leaf(14, 2, 3, 4), leaf(15, 2, 5, 4), leaf(16, 2, 5, 3));
        Tensor kT = Tensor.randn(new long[] {4, 5}, DType.F64, new Generator(17)).t();
        assertFalse(kT.isContiguous());
        GradCheck.check(in -> Attention.scaledDotProductAttention(in[0], in[1], in[2], null, 0.0, true),
                leaf(18, 3, 4), kT.setRequiresGrad(true), leaf(19, 5, 2));
        Tensor mask = Tensor.fromArray(new double[] {0, -1, 2, 0, 0.5, -3}, 3, 2);
        GradCheck.check(in -> Attention.scaledDotProductAttention(in[0], in[1], in[2], in[3]),
                leaf(20, 2, 3, 4), leaf(21, 2, 2, 4), leaf(22, 2, 2, 3), mask.setRequiresGrad(true));
    }

    @Test
    void gradCheckSecondOrder() {
        GradCheck.checkSecondOrder(in -> Attention.scaledDotProductAttention(in[0], in[1], in[2], null, 0.0, true),
                leaf(23, 2, 3, 4), leaf(24, 2, 3, 4), leaf(25, 2, 3, 2));
        Tensor mask = Tensor.fromArray(new boolean[] {true, false, true, true}, 2, 2);
        GradCheck.checkSecondOrder(in -> Attention.scaledDotProductAttention(in[0], in[1], in[2], mask),
                leaf(26, 2, 3), leaf(27, 2, 3), leaf(28, 2, 2));
    }
}
