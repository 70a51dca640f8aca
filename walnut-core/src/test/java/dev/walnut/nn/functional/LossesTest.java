package dev.walnut.nn.functional;

import static dev.walnut.TensorAssertions.assertContains;
import static dev.walnut.TensorAssertions.assertValuesWithin;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import org.junit.jupiter.api.Test;

/**
 * Losses against PyTorch's definitions: spot values written out (computed in float64 from the
 * closed forms PyTorch documents), float64 gradient checks for every loss and option (second
 * order for crossEntropy, mseLoss and binaryCrossEntropyWithLogits), and the error cases.
 */
class LossesTest {
    private static final double TOL = 1e-12;

    private static Tensor f64(double... values) {
        return Tensor.fromArray(values, values.length);
    }

    /** A float64 matrix ({@code Tensor.of(double[][])} makes float32). */
    private static Tensor matrix(double[][] rows) {
        double[] flat = java.util.Arrays.stream(rows).flatMapToDouble(java.util.Arrays::stream).toArray();
        return Tensor.fromArray(flat, rows.length, rows[0].length);
    }

    private static Tensor leaf(long seed, double scale, long... shape) {
        return Tensor.randn(shape, DType.F64, new Generator(seed)).mul(scale).detach().setRequiresGrad(true);
    }

    private static Tensor transposedLeaf(long seed, long rows, long cols) {
        Tensor t = Tensor.randn(new long[] {cols, rows}, DType.F64, new Generator(seed)).detach().t();
        assertFalse(t.isContiguous());
        return t.setRequiresGrad(true);
    }

    /** Values strictly inside (0, 1). */
    private static Tensor probabilityLeaf(long seed, long... shape) {
        return Tensor.randn(shape, DType.F64, new Generator(seed)).sigmoid().detach().setRequiresGrad(true);
    }

    /** The worked example: 4 samples, 3 classes, the third target ignored. */
    private static final Tensor LOGITS = matrix(new double[][] {{1, 2, 3}, {1, 0, -1}, {0.5, 0.5, -2}, {2, -1, 0}});
    private static final Tensor TARGETS = Tensor.of(2L, 0L, -100L, 1L);
    private static final Tensor WEIGHT = f64(1.0, 2.0, 3.0);

    // ------------------------------------------------------------------ crossEntropy / nllLoss values

    @Test
    void crossEntropyOfUniformLogitsIsLogC() {
        Tensor logits = Tensor.zeros(new long[] {4, 5}, DType.F64);
        assertEquals(Math.log(5), Losses.crossEntropy(logits, Tensor.of(0L, 1L, 4L, 2L)).item(), TOL);
    }

    @Test
    void crossEntropyWithWeightAndIgnoreIndexDividesByTheWeightsOfKeptTargets() {
        // Kept targets 2, 0, 1 have weights 3, 1, 2: the mean divides by 6, not by 3 or 4.
        assertValuesWithin(TOL, Losses.crossEntropy(LOGITS, TARGETS, WEIGHT, -100, "none", 0.0), DType.F64, shape(4),
                1.2228178933331413, 0.4076059644443804, 0.0, 6.339692039112571);
        assertEquals(7.970115896890093, Losses.crossEntropy(LOGITS, TARGETS, WEIGHT, -100, "sum", 0.0).item(), TOL);
        assertEquals(1.3283526494816822, Losses.crossEntropy(LOGITS, TARGETS, WEIGHT, -100, "mean", 0.0).item(), TOL);
    }

    @Test
    void crossEntropyWithACustomIgnoreIndex() {
        Tensor targets = Tensor.of(2L, 0L, 1L, 1L);
        // Ignoring class 1 leaves samples 0 and 1, unweighted (the weighted losses above divided by w[y]).
        double expected = (1.2228178933331413 / 3 + 0.4076059644443804) / 2;
        assertEquals(expected, Losses.crossEntropy(LOGITS, targets, null, 1, "mean", 0.0).item(), TOL);
    }

    @Test
    void labelSmoothingFollowsPyTorchsFormula() {
        Tensor x = matrix(new double[][] {{1, 2, 3}, {1, 0, -1}});
        assertEquals(0.5076059644443804, Losses.crossEntropy(x, Tensor.of(2L, 0L), null, -100, "mean", 0.1).item(), TOL);
    }

    @Test
    void labelSmoothingWithWeightAndIgnoreIndex() {
        assertValuesWithin(TOL, Losses.crossEntropy(LOGITS, TARGETS, WEIGHT, -100, "none", 0.1), DType.F64, shape(4),
                1.3153906302220366, 0.7150332275554852, 0.0, 6.139692039112571);
        assertEquals(8.170115896890092, Losses.crossEntropy(LOGITS, TARGETS, WEIGHT, -100, "sum", 0.1).item(), TOL);
        assertEquals(1.3616859828150154, Losses.crossEntropy(LOGITS, TARGETS, WEIGHT, -100, "mean", 0.1).item(), TOL);
    }

    @Test
    void crossEntropyWithProbabilityTargets() {
        Tensor x = matrix(new double[][] {{1, 2, 3}, {1, 0, -1}});
        Tensor p = matrix(new double[][] {{0.2, 0.3, 0.5}, {1, 0, 0}});
        assertEquals(0.7576059644443804, Losses.crossEntropy(x, p).item(), TOL);
        assertEquals(0.8226059644443805, Losses.crossEntropy(x, p, null, -100, "mean", 0.1).item(), TOL);
        // Weighted: the mean divides by N = 2, not by the weights.
        assertEquals(2.3450996826664556, Losses.crossEntropy(x, p, WEIGHT, -100, "sum", 0.0).item(), TOL);
        assertEquals(1.1725498413332278, Losses.crossEntropy(x, p, WEIGHT, -100, "mean", 0.0).item(), TOL);
    }

    @Test
    void oneHotProbabilityTargetsEqualIndexTargets() {
        Tensor x = matrix(new double[][] {{1, 2, 3}, {1, 0, -1}});
        Tensor indices = Tensor.of(2L, 0L);
        Tensor oneHot = Sparse.oneHot(indices, 3).to(DType.F64);
        assertEquals(Losses.crossEntropy(x, indices, null, -100, "mean", 0.2).item(),
                Losses.crossEntropy(x, oneHot, null, -100, "mean", 0.2).item(), TOL);
    }

    @Test
    void crossEntropyOfSpatialInputs() {
        Tensor x = Tensor.arange(0, 24, 1, DType.F64).mul(0.7).sin().reshape(2, 3, 2, 2);
        Tensor t = Tensor.fromArray(new long[] {0, 1, 2, 0, 1, 1, 2, 2}, 2, 2, 2);
        assertValuesWithin(1e-12, Losses.crossEntropy(x, t, "none"), DType.F64, shape(2, 2, 2),
                1.0749483079345674, 1.6387999741521138, 0.9576933798083077, 0.8289982639675618,
                2.6690744087229863, 2.063773208082678, 0.8222786676138156, 1.4974595846869576);
        assertEquals(1.4441282243711235, Losses.crossEntropy(x, t).item(), 1e-12);
    }

    @Test
    void crossEntropyOfAnUnbatchedInput() {
        Tensor x = f64(1.0, 2.0, 3.0);
        Tensor loss = Losses.crossEntropy(x, Tensor.fromArray(new long[] {2}).reshape());
        assertEquals(0, loss.dim());
        assertEquals(0.40760596444438013, loss.item(), TOL);
    }

    @Test
    void crossEntropyIsStableForHugeLogits() {
        Tensor x = matrix(new double[][] {{1000, 0, -1000}}).setRequiresGrad(true);
        Tensor loss = Losses.crossEntropy(x, Tensor.of(2L));
        assertEquals(2000.0, loss.item(), 1e-9);
        loss.backward();
        assertValuesWithin(1e-12, x.grad(), DType.F64, shape(1, 3), 1.0, 0.0, -1.0);
    }

    @Test
    void crossEntropyWithEveryTargetIgnoredIsNaNLikePyTorch() {
        Tensor loss = Losses.crossEntropy(Tensor.zeros(new long[] {2, 3}, DType.F64), Tensor.of(-100L, -100L));
        assertTrue(Double.isNaN(loss.item()));
    }

    @Test
    void nllLossPicksTheNegatedLogProbability() {
        Tensor logp = matrix(new double[][] {{-0.5, -1.0, -2.0}, {-3.0, -0.1, -4.0}});
        assertEquals((0.5 + 4.0) / 2, Losses.nllLoss(logp, Tensor.of(0L, 2L)).item(), TOL);
        assertEquals((2 * 0.5 + 0) / 2, Losses.nllLoss(logp, Tensor.of(0L, 1L), f64(2.0, 5.0, 1.0), 1, "mean").item(), TOL);
        assertValuesWithin(TOL, Losses.nllLoss(logp, Tensor.of(1L, 1L), null, -100, "none"), DType.F64, shape(2), 1.0, 0.1);
    }

    @Test
    void nllLossEqualsCrossEntropyOfLogSoftmax() {
        Tensor lp = LOGITS.logSoftmax(1);
        assertEquals(Losses.crossEntropy(LOGITS, TARGETS, WEIGHT, -100, "mean", 0.0).item(),
                Losses.nllLoss(lp, TARGETS, WEIGHT, -100, "mean").item(), TOL);
    }

    // ------------------------------------------------------------------ other values

    @Test
    void mseAndL1Losses() {
        Tensor x = f64(1, 2, -3);
        Tensor y = f64(0, 0, 1);
        assertEquals((1 + 4 + 16) / 3.0, Losses.mseLoss(x, y).item(), TOL);
        assertEquals(21.0, Losses.mseLoss(x, y, "sum").item(), TOL);
        assertValuesWithin(TOL, Losses.mseLoss(x, y, "none"), DType.F64, shape(3), 1, 4, 16);
        assertEquals(7 / 3.0, Losses.l1Loss(x, y).item(), TOL);
        assertValuesWithin(TOL, Losses.l1Loss(x, y, "none"), DType.F64, shape(3), 1, 2, 4);
    }

    @Test
    void mseLossBroadcastsTheTarget() {
        Tensor x = matrix(new double[][] {{1, 2}, {3, 4}});
        assertValuesWithin(TOL, Losses.mseLoss(x, f64(1, 2), "none"), DType.F64, shape(2, 2), 0, 0, 4, 4);
    }

    @Test
    void smoothL1AndHuberPieces() {
        Tensor d = f64(0.5, -2, 3, -0.25);
        Tensor zero = Tensor.zeros(new long[] {4}, DType.F64);
        assertValuesWithin(TOL, Losses.smoothL1Loss(d, zero, "none", 1.5), DType.F64, shape(4),
                0.08333333333333333, 1.25, 2.25, 0.020833333333333332);
        assertValuesWithin(TOL, Losses.huberLoss(d, zero, "none", 1.5), DType.F64, shape(4),
                0.125, 1.875, 3.375, 0.03125);
        assertValuesWithin(TOL, Losses.smoothL1Loss(d, zero, "none", 0.0), DType.F64, shape(4), 0.5, 2, 3, 0.25);
        assertEquals((0.125 + 1.5 + 2.5 + 0.03125) / 4, Losses.smoothL1Loss(d, zero).item(), TOL);
    }

    @Test
    void huberIsDeltaTimesSmoothL1WithBetaDelta() {
        Tensor x = Tensor.randn(new long[] {5, 4}, DType.F64, new Generator(3)).mul(3);
        Tensor y = Tensor.randn(new long[] {5, 4}, DType.F64, new Generator(4));
        for (double delta : new double[] {0.3, 1.0, 2.5}) {
            assertTrue(Losses.huberLoss(x, y, "none", delta)
                    .allClose(Losses.smoothL1Loss(x, y, "none", delta).mul(delta), 0, 1e-14));
        }
    }

    @Test
    void binaryCrossEntropyClampsTheLogAtMinusHundred() {
        Tensor p = f64(0.9, 0.2, 0.0, 1.0);
        Tensor y = f64(1, 0, 1, 1);
        assertValuesWithin(TOL, Losses.binaryCrossEntropy(p, y, null, "none"), DType.F64, shape(4),
                0.10536051565782628, 0.2231435513142097, 100.0, 0.0);
        assertValuesWithin(TOL, Losses.binaryCrossEntropy(p, y, f64(2, 1, 0, 1), "none"), DType.F64, shape(4),
                0.21072103131565256, 0.2231435513142097, 0.0, 0.0);
    }

    @Test
    void binaryCrossEntropyWithLogitsIsFiniteAtHugeLogits() {
        Tensor z = f64(1000, -1000, 0, 2).setRequiresGrad(true);
        Tensor y = f64(0, 0, 1, 1);
        Tensor loss = Losses.binaryCrossEntropyWithLogits(z, y, null, null, "none");
        assertValuesWithin(TOL, loss, DType.F64, shape(4), 1000.0, 0.0, 0.6931471805599453, 0.1269280110429725);
        loss.sum().backward();
        // d/dz = sigmoid(z) - y.
        assertValuesWithin(TOL, z.grad(), DType.F64, shape(4), 1.0, 0.0, -0.5, 0.8807970779778823 - 1);
    }

    @Test
    void binaryCrossEntropyWithLogitsPosWeightScalesPositives() {
        Tensor z = f64(1000, -1000, 0, 2);
        Tensor y = f64(0, 0, 1, 1);
        assertValuesWithin(TOL, Losses.binaryCrossEntropyWithLogits(z, y, null, f64(3), "none"), DType.F64, shape(4),
                1000.0, 0.0, 2.0794415416798357, 0.3807840331289175);
        assertEquals((1000.0 * 0.5 + 0.6931471805599453 * 2 + 0.1269280110429725) / 4,
                Losses.binaryCrossEntropyWithLogits(z, y, f64(0.5, 1, 2, 1), null, "mean").item(), TOL);
    }

    @Test
    void binaryCrossEntropyWithLogitsMatchesBinaryCrossEntropyOfSigmoid() {
        Tensor z = Tensor.randn(new long[] {3, 4}, DType.F64, new Generator(5));
        Tensor y = Tensor.rand(new long[] {3, 4}, DType.F64, new Generator(6));
        assertEquals(Losses.binaryCrossEntropy(z.sigmoid(), y).item(), Losses.binaryCrossEntropyWithLogits(z, y).item(), 1e-12);
    }

    @Test
    void klDivReductions() {
        Tensor input = matrix(new double[][] {{0.25, 0.25, 0.5}, {0.5, 0.25, 0.25}}).log();
        Tensor target = matrix(new double[][] {{0.5, 0.5, 0}, {0.5, 0.5, 0}});
        double log2 = Math.log(2);
        assertEquals(0.75 * log2, Losses.klDiv(input, target, "batchmean", false).item(), TOL);
        assertEquals(1.5 * log2 / 6, Losses.klDiv(input, target).item(), TOL);
        assertEquals(1.5 * log2, Losses.klDiv(input, target, "sum", false).item(), TOL);
        assertValuesWithin(TOL, Losses.klDiv(input, target, "none", false), DType.F64, shape(2, 3),
                0.5 * log2, 0.5 * log2, 0, 0, 0.5 * log2, 0);
    }

    @Test
    void klDivWithLogTargetEqualsKlDivOfTheProbabilities() {
        Tensor input = Tensor.randn(new long[] {3, 4}, DType.F64, new Generator(7)).logSoftmax(1);
        Tensor target = Tensor.randn(new long[] {3, 4}, DType.F64, new Generator(8)).softmax(1);
        assertEquals(Losses.klDiv(input, target, "batchmean", false).item(),
                Losses.klDiv(input, target.log(), "batchmean", true).item(), 1e-14);
    }

    @Test
    void cosineSimilarityOfParallelVectorsIsOne() {
        Tensor a = matrix(new double[][] {{1, 2, 3}, {1, 0, 0}});
        Tensor b = matrix(new double[][] {{2, 4, 6}, {0, 1, 0}});
        assertValuesWithin(TOL, Distances.cosineSimilarity(a, b), DType.F64, shape(2), 1.0, 0.0);
        assertValuesWithin(TOL, Distances.cosineSimilarity(a, b.neg(), -1, 1e-8), DType.F64, shape(2), -1.0, 0.0);
        // Zero vectors are clamped by eps, giving 0 rather than NaN.
        assertEquals(0.0, Distances.cosineSimilarity(f64(0, 0), f64(1, 1), 0, 1e-8).item(), TOL);
    }

    @Test
    void cosineEmbeddingLossPieces() {
        Tensor a = matrix(new double[][] {{1, 0}, {1, 0}, {1, 1}});
        Tensor b = matrix(new double[][] {{0, 1}, {1, 1}, {1, 1}});
        Tensor y = Tensor.of(1L, -1L, -1L);
        double c = 1 / Math.sqrt(2);
        assertValuesWithin(1e-11, Losses.cosineEmbeddingLoss(a, b, y, 0.5, "none"), DType.F64, shape(3),
                1.0, c - 0.5, 0.5);
        assertEquals((1.0 + c + 1.0) / 3, Losses.cosineEmbeddingLoss(a, b, y).item(), 1e-11);
    }

    @Test
    void marginRankingLossValues() {
        Tensor x1 = f64(1, 2, 3);
        Tensor x2 = f64(2, 2, 1);
        Tensor y = f64(1, -1, -1);
        assertValuesWithin(TOL, Losses.marginRankingLoss(x1, x2, y, 0.5, "none"), DType.F64, shape(3), 1.5, 0.5, 2.5);
        assertEquals(1.0, Losses.marginRankingLoss(x1, x2, y).item(), TOL);
    }

    @Test
    void tripletMarginLossValues() {
        Tensor a = matrix(new double[][] {{0, 0}, {0, 0}});
        Tensor p = matrix(new double[][] {{3, 4}, {1, 0}});
        Tensor n = matrix(new double[][] {{1, 0}, {0, 5}});
        // eps = 0 makes the distances exact: d(a,p) = 5, 1; d(a,n) = 1, 5; d(p,n) = sqrt(20), sqrt(26).
        assertValuesWithin(TOL, Losses.tripletMarginLoss(a, p, n, 1, 2, 0, false, "none"), DType.F64, shape(2), 5.0, 0.0);
        assertValuesWithin(TOL, Losses.tripletMarginLoss(a, p, n, 1, 1, 0, false, "none"), DType.F64, shape(2), 7.0, 0.0);
        // Swap: with anchor p and positive 0, min(d(p, n), d(0, n)) = min(sqrt 20, 1), min(sqrt 26, 5).
        Tensor swapped = matrix(new double[][] {{0, 0}, {0, 0}});
        assertValuesWithin(TOL, Losses.tripletMarginLoss(p, swapped, n, 1, 2, 0, true, "none"), DType.F64, shape(2),
                5.0, 0.0);
        assertEquals(2.5, Losses.tripletMarginLoss(a, p, n, 1, 2, 0, false, "mean").item(), TOL);
    }

    // ------------------------------------------------------------------ first-order gradients

    @Test
    void gradCheckCrossEntropyWithIndexTargets() {
        Tensor t = Tensor.of(2L, 0L, -100L, 1L);
        for (String reduction : new String[] {"mean", "sum", "none"}) {
            for (double smoothing : new double[] {0.0, 0.2}) {
                GradCheck.check(in -> Losses.crossEntropy(in[0], t, null, -100, reduction, smoothing), leaf(1, 2, 4, 3));
                GradCheck.check(in -> Losses.crossEntropy(in[0], t, in[1], -100, reduction, smoothing),
                        leaf(2, 2, 4, 3), leaf(3, 1, 3));
            }
        }
        GradCheck.check(in -> Losses.crossEntropy(in[0], Tensor.of(1L, 2L, 0L)), transposedLeaf(4, 3, 3));
        Tensor spatial = Tensor.fromArray(new long[] {0, 1, 2, 0, 1, -100, 2, 2}, 2, 2, 2);
        GradCheck.check(in -> Losses.crossEntropy(in[0], spatial, in[1], -100, "mean", 0.1), leaf(5, 1, 2, 3, 2, 2),
                leaf(6, 1, 3));
        GradCheck.check(in -> Losses.crossEntropy(in[0], Tensor.fromArray(new long[] {1}).reshape()), leaf(7, 1, 4));
    }

    @Test
    void gradCheckCrossEntropyWithProbabilityTargets() {
        for (String reduction : new String[] {"mean", "sum", "none"}) {
            GradCheck.check(in -> Losses.crossEntropy(in[0], in[1].softmax(1), in[2], -100, reduction, 0.1),
                    leaf(8, 2, 4, 3), leaf(9, 1, 4, 3), leaf(10, 1, 3));
        }
        GradCheck.check(in -> Losses.crossEntropy(in[0], in[1]), leaf(11, 1, 2, 3, 4), probabilityLeaf(12, 2, 3, 4));
    }

    @Test
    void gradCheckNllLoss() {
        Tensor t = Tensor.of(2L, 0L, -100L, 1L);
        for (String reduction : new String[] {"mean", "sum", "none"}) {
            GradCheck.check(in -> Losses.nllLoss(in[0], t, in[1], -100, reduction), leaf(13, 1, 4, 3), leaf(14, 1, 3));
        }
        GradCheck.check(in -> Losses.nllLoss(in[0], Tensor.fromArray(new long[] {0, 2, 1, 1}, 2, 2)), leaf(15, 1, 2, 3, 2));
    }

    @Test
    void gradCheckRegressionLosses() {
        for (String reduction : new String[] {"mean", "sum", "none"}) {
            GradCheck.check(in -> Losses.mseLoss(in[0], in[1], reduction), leaf(16, 1, 3, 4), leaf(17, 1, 4));
            GradCheck.check(in -> Losses.l1Loss(in[0], in[1], reduction), transposedLeaf(18, 3, 4), leaf(19, 1, 3, 4));
            GradCheck.check(in -> Losses.smoothL1Loss(in[0], in[1], reduction, 0.8), leaf(20, 2, 3, 4), leaf(21, 1, 3, 4));
            GradCheck.check(in -> Losses.huberLoss(in[0], in[1], reduction, 0.7), leaf(22, 2, 3, 4), leaf(23, 1, 3, 4));
        }
        GradCheck.check(in -> Losses.smoothL1Loss(in[0], in[1], "mean", 0.0), leaf(24, 2, 3, 4), leaf(25, 1, 3, 4));
    }

    @Test
    void gradCheckBinaryCrossEntropies() {
        for (String reduction : new String[] {"mean", "sum", "none"}) {
            GradCheck.check(in -> Losses.binaryCrossEntropy(in[0], in[1], in[2], reduction),
                    probabilityLeaf(26, 3, 4), probabilityLeaf(27, 3, 4), leaf(28, 1, 4));
            GradCheck.check(in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1], in[2], in[3], reduction),
                    leaf(29, 3, 3, 4), probabilityLeaf(30, 3, 4), leaf(31, 1, 3, 1), leaf(32, 1, 4).abs());
        }
        GradCheck.check(in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1]), transposedLeaf(33, 3, 4),
                probabilityLeaf(34, 3, 4));
    }

    @Test
    void gradCheckKlDiv() {
        for (String reduction : new String[] {"mean", "sum", "none", "batchmean"}) {
            GradCheck.check(in -> Losses.klDiv(in[0].logSoftmax(1), in[1].softmax(1), reduction, false),
                    leaf(35, 1, 3, 4), leaf(36, 1, 3, 4));
            GradCheck.check(in -> Losses.klDiv(in[0], in[1], reduction, true), leaf(37, 1, 3, 4), leaf(38, 1, 3, 4));
        }
    }

    @Test
    void gradCheckEmbeddingAndRankingLosses() {
        GradCheck.check(in -> Distances.cosineSimilarity(in[0], in[1]), leaf(39, 1, 3, 4), leaf(40, 1, 3, 4));
        GradCheck.check(in -> Distances.cosineSimilarity(in[0], in[1], -1, 1e-8), transposedLeaf(41, 3, 4), leaf(42, 1, 4));
        GradCheck.check(in -> Distances.cosineSimilarity(in[0], in[1], 0, 1e-8), leaf(43, 1, 4, 2), leaf(44, 1, 4, 1));
        Tensor y = Tensor.of(1L, -1L, -1L, 1L);
        for (String reduction : new String[] {"mean", "sum", "none"}) {
            GradCheck.check(in -> Losses.cosineEmbeddingLoss(in[0], in[1], y, -0.2, reduction),
                    leaf(45, 1, 4, 3), leaf(46, 1, 4, 3));
            GradCheck.check(in -> Losses.marginRankingLoss(in[0], in[1], f64(1, -1, -1, 1), 0.1, reduction),
                    leaf(47, 1, 4), leaf(48, 1, 4));
            GradCheck.check(in -> Losses.tripletMarginLoss(in[0], in[1], in[2], 2.0, 2, 1e-6, false, reduction),
                    leaf(49, 1, 3, 4), leaf(50, 1, 3, 4), leaf(51, 1, 3, 4));
        }
        GradCheck.check(in -> Losses.tripletMarginLoss(in[0], in[1], in[2], 2.0, 3, 1e-6, true, "mean"),
                leaf(52, 1, 3, 4), leaf(53, 1, 3, 4), leaf(54, 1, 3, 4));
        GradCheck.check(in -> Losses.tripletMarginLoss(in[0], in[1], in[2]), leaf(55, 1, 4), leaf(56, 1, 4), leaf(57, 1, 4));
    }

    // ------------------------------------------------------------------ second-order gradients

    @Test
    void secondOrderCrossEntropy() {
        Tensor t = Tensor.of(2L, 0L, -100L, 1L);
        GradCheck.checkSecondOrder(in -> Losses.crossEntropy(in[0], t), leaf(60, 1, 4, 3));
        GradCheck.checkSecondOrder(in -> Losses.crossEntropy(in[0], t, in[1], -100, "mean", 0.1),
                leaf(61, 1, 4, 3), leaf(62, 1, 3));
        GradCheck.checkSecondOrder(in -> Losses.crossEntropy(in[0], in[1].softmax(1), null, -100, "sum", 0.1),
                leaf(63, 1, 4, 3), leaf(64, 1, 4, 3));
        GradCheck.checkSecondOrder(in -> Losses.crossEntropy(in[0], Tensor.fromArray(new long[] {0, 2, 1, 1}, 2, 2), null,
                -100, "none", 0.0), leaf(65, 1, 2, 3, 2));
    }

    @Test
    void secondOrderMseAndBinaryCrossEntropyWithLogits() {
        GradCheck.checkSecondOrder(in -> Losses.mseLoss(in[0], in[1]), leaf(66, 1, 3, 4), leaf(67, 1, 4));
        GradCheck.checkSecondOrder(in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1], null, in[2], "mean"),
                leaf(68, 2, 3, 4), probabilityLeaf(69, 3, 4), leaf(70, 1, 4).abs());
    }

    @Test
    void secondOrderOfTheOtherSoftmaxBasedLosses() {
        Tensor t = Tensor.of(2L, 0L, 1L, 1L);
        GradCheck.checkSecondOrder(in -> Losses.nllLoss(in[0].logSoftmax(1), t), leaf(71, 1, 4, 3));
        GradCheck.checkSecondOrder(in -> Losses.klDiv(in[0].logSoftmax(1), in[1].softmax(1), "batchmean", false),
                leaf(72, 1, 4, 3), leaf(73, 1, 4, 3));
    }

    // ------------------------------------------------------------------ errors

    @Test
    void outOfRangeClassIndexNamesTheValueAndTheClassCount() {
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> Losses.crossEntropy(Tensor.zeros(new long[] {2, 3}, DType.F64), Tensor.of(1L, 3L)));
        assertContains(e.getMessage(), "crossEntropy", "3", "classes");
        var negative = assertThrows(IndexOutOfBoundsException.class,
                () -> Losses.nllLoss(Tensor.zeros(new long[] {2, 3}, DType.F64), Tensor.of(-1L, 0L)));
        assertContains(negative.getMessage(), "nllLoss", "-1", "3 classes");
    }

    @Test
    void targetShapeMismatchNamesBothShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.zeros(new long[] {2, 3}, DType.F64), Tensor.of(1L, 0L, 2L)));
        assertContains(e.getMessage(), "crossEntropy", "[2, 3]", "[2]", "[3]");
        var probability = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.zeros(new long[] {2, 3}, DType.F64), Tensor.zeros(new long[] {2, 4}, DType.F64)));
        assertContains(probability.getMessage(), "crossEntropy", "[2, 3]", "[2, 4]");
        var mse = assertThrows(IllegalArgumentException.class, () -> Losses.mseLoss(f64(1, 2, 3), f64(1, 2)));
        assertContains(mse.getMessage(), "mseLoss", "[3]", "[2]");
        var bce = assertThrows(IllegalArgumentException.class, () -> Losses.binaryCrossEntropy(f64(0.5, 0.5), f64(1)));
        assertContains(bce.getMessage(), "binaryCrossEntropy", "[2]", "[1]");
    }

    @Test
    void badReductionNamesTheValidOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.mseLoss(f64(1), f64(1), "avg"));
        assertContains(e.getMessage(), "mseLoss", "\"mean\"", "\"sum\"", "\"none\"", "\"avg\"");
        var ce = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.zeros(new long[] {1, 2}, DType.F64), Tensor.of(0L), "batchmean"));
        assertContains(ce.getMessage(), "crossEntropy", "\"batchmean\"");
        var kl = assertThrows(IllegalArgumentException.class, () -> Losses.klDiv(f64(1), f64(1), "avg", false));
        assertContains(kl.getMessage(), "klDiv", "\"batchmean\"");
    }

    @Test
    void binaryCrossEntropyRejectsInputsOutsideZeroOne() {
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.binaryCrossEntropy(f64(0.5, 1.5), f64(1, 1)));
        assertContains(e.getMessage(), "binaryCrossEntropy", "[0, 1]", "1.5", "binaryCrossEntropyWithLogits");
    }

    @Test
    void badOptionsAreRejected() {
        Tensor x = Tensor.zeros(new long[] {2, 3}, DType.F64);
        Tensor t = Tensor.of(0L, 1L);
        assertContains(assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(x, t, null, -100, "mean", 1.5)).getMessage(), "labelSmoothing", "1.5");
        assertContains(assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(x, t, Tensor.ones(new long[] {2}, DType.F64), -100, "mean", 0)).getMessage(),
                "weight", "[3]", "[2]");
        assertContains(assertThrows(IllegalArgumentException.class,
                () -> Losses.smoothL1Loss(f64(1), f64(1), "mean", -1)).getMessage(), "smoothL1Loss", "beta");
        assertContains(assertThrows(IllegalArgumentException.class,
                () -> Losses.huberLoss(f64(1), f64(1), "mean", 0)).getMessage(), "huberLoss", "delta");
        assertContains(assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.scalar(1.0), Tensor.of(0L))).getMessage(), "crossEntropy", "0-d");
    }

    @Test
    void pairwiseDistanceIsThePNormOfTheDifferencePlusEps() {
        // F.pairwise_distance(torch.tensor([[0., 0.]]), torch.tensor([[3., 4.]]), eps=0) == [5.]
        Tensor d = Distances.pairwiseDistance(f64(0, 0).reshape(1, 2), f64(3, 4).reshape(1, 2), 2.0, 0.0, false);
        assertValuesWithin(TOL, d, DType.F64, shape(1), 5.0);
        assertValuesWithin(TOL, Distances.pairwiseDistance(f64(0, 0).reshape(1, 2), f64(3, 4).reshape(1, 2), 1.0, 0.0, true),
                DType.F64, shape(1, 1), 7.0);
        GradCheck.check(in -> Distances.pairwiseDistance(in[0], in[1]), f64(0.5, -1.0, 2.0).reshape(1, 3).setRequiresGrad(true),
                f64(1.5, 0.3, -0.7).reshape(1, 3).setRequiresGrad(true));
    }
}
