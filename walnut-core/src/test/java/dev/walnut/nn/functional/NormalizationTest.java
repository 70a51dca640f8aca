package dev.walnut.nn.functional;

import static dev.walnut.TensorAssertions.assertContains;
import static dev.walnut.TensorAssertions.assertValuesWithin;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import org.junit.jupiter.api.Test;

/**
 * Normalization against PyTorch's definitions: closed-form spot values (the eps effect included),
 * the running-stat convention of batch/instance norm, float64 gradient checks (first order for
 * all, with weight/bias and non-contiguous inputs; second order for layerNorm and batchNorm),
 * and the error messages.
 */
class NormalizationTest {
    private static final double TOL = 1e-12;

    private static Tensor f64(double... values) {
        return Tensor.fromArray(values, values.length);
    }

    private static Tensor m64(double[][] rows) {
        return Tensor.of(rows).to(DType.F64);
    }

    private static Tensor leaf(long seed, long... shape) {
        return Tensor.randn(shape, DType.F64, new Generator(seed)).detach().setRequiresGrad(true);
    }

    /** A non-contiguous [rows, cols] leaf (a transposed view). */
    private static Tensor transposedLeaf(long seed, long rows, long cols) {
        Tensor t = Tensor.randn(new long[] {cols, rows}, DType.F64, new Generator(seed)).detach().t();
        assertFalse(t.isContiguous());
        return t.setRequiresGrad(true);
    }

    // ------------------------------------------------------------------ layerNorm

    @Test
    void layerNormOfOneTwoThreeIsPlusMinusSqrtThreeHalves() {
        // mean 2, biased var 2/3: (x - 2) / sqrt(2/3 + 1e-5)
        assertValuesWithin(TOL, Normalization.layerNorm(f64(1, 2, 3), new long[] {3}), DType.F64, shape(3),
                -1.2247356859083902, 0.0, 1.2247356859083902);
    }

    @Test
    void layerNormEpsIsAddedToTheVariance() {
        Tensor y = Normalization.layerNorm(f64(1, 2, 3), new long[] {3}, null, null, 0.5);
        assertValuesWithin(TOL, y, DType.F64, shape(3), -0.9258200997725515, 0.0, 0.9258200997725515);
    }

    @Test
    void layerNormAppliesWeightAndBiasOverTrailingDims() {
        Tensor x = m64(new double[][] {{1, 2, 3}, {10, 10, 10}});
        Tensor y = Normalization.layerNorm(x, new long[] {3}, f64(2, 2, 2), f64(0, 1, 0));
        assertValuesWithin(TOL, y, DType.F64, shape(2, 3),
                -2.4494713718167804, 1.0, 2.4494713718167804, 0.0, 1.0, 0.0);
    }

    @Test
    void layerNormOverTwoTrailingDims() {
        Tensor x = Tensor.fromArray(new double[] {1, 2, 3, 1, 2, 3}, 1, 2, 3);
        Tensor y = Normalization.layerNorm(x, new long[] {2, 3}, null, null, 0.0);
        assertValuesWithin(TOL, y, shape(1, 2, 3), -1.224744871391589, 0, 1.224744871391589,
                -1.224744871391589, 0, 1.224744871391589);
    }

    @Test
    void layerNormRejectsAShapeNotMatchingTheTrailingDims() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.layerNorm(Tensor.zeros(2, 4), new long[] {3}));
        assertContains(e.getMessage(), "layerNorm", "normalizedShape=[3]", "[*, 3]", "[2, 4]");
    }

    @Test
    void layerNormRejectsAWeightOfTheWrongShape() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.layerNorm(Tensor.zeros(2, 3), new long[] {3}, Tensor.ones(2), null));
        assertContains(e.getMessage(), "layerNorm", "weight", "[3]", "[2]");
    }

    @Test
    void layerNormGradCheckWithAffineAndNonContiguousInput() {
        GradCheck.check(in -> Normalization.layerNorm(in[0], new long[] {4}, in[1], in[2]),
                transposedLeaf(1, 3, 4), leaf(2, 4), leaf(3, 4));
        GradCheck.check(in -> Normalization.layerNorm(in[0], new long[] {3, 4}), leaf(4, 2, 3, 4));
    }

    @Test
    void layerNormSecondOrderGradCheck() {
        GradCheck.checkSecondOrder(in -> Normalization.layerNorm(in[0], new long[] {4}, in[1], in[2]),
                leaf(5, 3, 4), leaf(6, 4), leaf(7, 4));
    }

    // ------------------------------------------------------------------ batchNorm

    @Test
    void batchNormTrainingUsesBiasedBatchVarianceAndUpdatesRunningStatsWithUnbiasedVariance() {
        // channel 0: {1, 3}: mean 2, biased var 1, unbiased 2; channel 1: {2, 6}: mean 4, var 4, unbiased 8
        Tensor x = m64(new double[][] {{1, 2}, {3, 6}});
        Tensor runningMean = Tensor.zeros(new long[] {2}, DType.F64);
        Tensor runningVar = Tensor.ones(new long[] {2}, DType.F64);
        Tensor y = Normalization.batchNorm(x, runningMean, runningVar, null, null, true);
        assertValuesWithin(TOL, y, DType.F64, shape(2, 2),
                -0.9999950000374997, -0.9999987500023437, 0.9999950000374997, 0.9999987500023437);
        // running = 0.9 running + 0.1 batch
        assertValuesWithin(TOL, runningMean, shape(2), 0.2, 0.4);
        assertValuesWithin(TOL, runningVar, shape(2), 1.1, 1.7);
    }

    @Test
    void batchNormRunningStatUpdateRecordsNoGraph() {
        Tensor runningMean = Tensor.zeros(new long[] {2}, DType.F64);
        Tensor x = leaf(8, 4, 2, 3);
        Normalization.batchNorm(x, runningMean, null, null, null, true, 0.5, 1e-5);
        assertNull(runningMean.gradFn());
        assertFalse(runningMean.requiresGrad());
    }

    @Test
    void batchNormEvalUsesRunningStats() {
        Tensor x = m64(new double[][] {{3, 5}});
        Tensor y = Normalization.batchNorm(x, f64(1, 2), f64(4, 9), f64(1, 2), f64(0, 1), false);
        // (3 - 1) / sqrt(4 + eps), 2 * (5 - 2) / sqrt(9 + eps) + 1
        assertValuesWithin(TOL, y, DType.F64, shape(1, 2), 0.9999987500023437, 2.999998888889815);
    }

    @Test
    void batchNormNormalizesPerChannelOverBatchAndSpatialDims() {
        Tensor x = Tensor.fromArray(new double[] {1, 3, 10, 30, 5, 7, 50, 70}, 2, 2, 2);
        Tensor y = Normalization.batchNorm(x, null, null, null, null, true, 0.1, 0.0);
        // channel 0: {1, 3, 5, 7}, mean 4, var 5; channel 1: {10, 30, 50, 70}, mean 40, var 500
        double a = 3 / Math.sqrt(5), b = 1 / Math.sqrt(5);
        assertValuesWithin(TOL, y, shape(2, 2, 2), -a, -b, -a, -b, b, a, b, a);
    }

    @Test
    void batchNormWithOneValuePerChannelInTrainingFails() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.batchNorm(Tensor.zeros(1, 3), null, null, null, null, true));
        assertContains(e.getMessage(), "Expected more than 1 value per channel when training", "[1, 3]");
    }

    @Test
    void batchNormRejectsRunningStatsOfTheWrongSize() {
        var e = assertThrows(IllegalArgumentException.class, () -> Normalization.batchNorm(Tensor.zeros(4, 3),
                Tensor.zeros(4), Tensor.ones(3), null, null, true));
        assertContains(e.getMessage(), "batchNorm", "runningMean", "3 elements", "[4, 3]", "[4]");
    }

    @Test
    void batchNormEvalWithoutRunningStatsFails() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.batchNorm(Tensor.zeros(4, 3), null, null, null, null, false));
        assertContains(e.getMessage(), "runningMean and runningVar are required");
    }

    @Test
    void batchNormGradCheckTrainingAndEval() {
        GradCheck.check(in -> Normalization.batchNorm(in[0], null, null, in[1], in[2], true),
                leaf(9, 3, 2, 4), leaf(10, 2), leaf(11, 2));
        GradCheck.check(in -> Normalization.batchNorm(in[0], null, null, in[1], in[2], true),
                transposedLeaf(12, 4, 3), leaf(13, 3), leaf(14, 3));
        Tensor rm = f64(0.5, -1), rv = f64(2, 0.5);
        GradCheck.check(in -> Normalization.batchNorm(in[0], rm, rv, in[1], in[2], false),
                leaf(15, 3, 2, 2), leaf(16, 2), leaf(17, 2));
    }

    @Test
    void batchNormSecondOrderGradCheck() {
        GradCheck.checkSecondOrder(in -> Normalization.batchNorm(in[0], null, null, in[1], null, true),
                leaf(18, 4, 2, 3), leaf(19, 2));
    }

    // ------------------------------------------------------------------ instanceNorm

    @Test
    void instanceNormNormalizesEachSampleAndChannelOverSpatialDims() {
        Tensor x = Tensor.fromArray(new double[] {1, 3, 10, 20}, 1, 2, 2);
        assertValuesWithin(TOL, Normalization.instanceNorm(x), shape(1, 2, 2),
                -0.9999950000374997, 0.9999950000374997, -0.9999998000000601, 0.9999998000000601);
    }

    @Test
    void instanceNormUpdatesRunningStatsWithBatchAveragedInstanceStats() {
        // instances (n, c=0): {1, 3} mean 2 unbiased var 2; {5, 9} mean 7 unbiased var 8
        Tensor x = Tensor.fromArray(new double[] {1, 3, 5, 9}, 2, 1, 2);
        Tensor rm = Tensor.zeros(new long[] {1}, DType.F64), rv = Tensor.ones(new long[] {1}, DType.F64);
        Normalization.instanceNorm(x, rm, rv, null, null, true, 0.1, 1e-5);
        assertValuesWithin(TOL, rm, shape(1), 0.45);   // 0.1 * (2 + 7) / 2
        assertValuesWithin(TOL, rv, shape(1), 1.4);    // 0.9 + 0.1 * (2 + 8) / 2
    }

    @Test
    void instanceNormWithoutInputStatsUsesRunningStats() {
        Tensor x = Tensor.fromArray(new double[] {3, 5}, 1, 1, 2);
        Tensor y = Normalization.instanceNorm(x, f64(1), f64(4), null, null, false, 0.1, 0.0);
        assertValuesWithin(TOL, y, shape(1, 1, 2), 1.0, 2.0);
    }

    @Test
    void instanceNormWithOneSpatialElementFails() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.instanceNorm(Tensor.zeros(2, 3, 1)));
        assertContains(e.getMessage(), "Expected more than 1 spatial element when training", "[2, 3, 1]");
    }

    @Test
    void instanceNormGradCheck() {
        GradCheck.check(in -> Normalization.instanceNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5),
                leaf(20, 2, 3, 4), leaf(21, 3), leaf(22, 3));
    }

    // ------------------------------------------------------------------ groupNorm

    @Test
    void groupNormWithTwoGroupsNormalizesEachGroup() {
        // group 0: channels {1, 3} -> mean 2, var 1; group 1: {10, 20} -> mean 15, var 25
        Tensor x = Tensor.fromArray(new double[] {1, 3, 10, 20}, 1, 4);
        Tensor y = Normalization.groupNorm(x, 2, f64(1, 1, 2, 2), f64(0, 0, 0, 1));
        assertValuesWithin(TOL, y, DType.F64, shape(1, 4),
                -0.9999950000374997, 0.9999950000374997, -1.9999996000001202, 2.9999996000001202);
    }

    @Test
    void groupNormRejectsChannelsNotDivisibleByGroups() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.groupNorm(Tensor.zeros(2, 6, 3), 4, null, null));
        assertContains(e.getMessage(), "divisible by numGroups", "[2, 6, 3]", "numGroups=4");
    }

    @Test
    void groupNormGradCheckWithAffineAndNonContiguousInput() {
        GradCheck.check(in -> Normalization.groupNorm(in[0], 2, in[1], in[2]),
                leaf(23, 2, 4, 3), leaf(24, 4), leaf(25, 4));
        GradCheck.check(in -> Normalization.groupNorm(in[0], 3, null, null), transposedLeaf(26, 2, 6));
    }

    // ------------------------------------------------------------------ rmsNorm

    @Test
    void rmsNormDividesByRootMeanSquareWithMachineEpsilonByDefault() {
        // mean(x^2) = 12.5; eps = 2^-52 for float64
        assertValuesWithin(TOL, Normalization.rmsNorm(f64(3, 4), new long[] {2}), DType.F64, shape(2),
                0.848528137423857, 1.131370849898476);
    }

    @Test
    void rmsNormEpsAndWeight() {
        // x = 0: the default eps keeps it finite (0 / sqrt(eps) = 0); eps = 12.5 halves mean(x^2) + eps
        assertValuesWithin(TOL, Normalization.rmsNorm(f64(0, 0), new long[] {2}), shape(2), 0, 0);
        Tensor y = Normalization.rmsNorm(f64(3, 4), new long[] {2}, f64(1, 2), 12.5);
        assertValuesWithin(TOL, y, shape(2), 0.6, 1.6);
    }

    @Test
    void rmsNormFloat32DefaultEpsIsFloat32MachineEpsilon() {
        Tensor x = Tensor.of(0.001).to(DType.F32);
        // 0.001 / sqrt(1e-6 + 2^-23)
        double expected = 0.001 / Math.sqrt(1e-6 + Math.ulp(1.0f));
        assertValuesWithin(1e-6, Normalization.rmsNorm(x, new long[] {1}), DType.F32, shape(1), expected);
    }

    @Test
    void rmsNormRejectsAMismatchedShape() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.rmsNorm(Tensor.zeros(2, 4), new long[] {2}));
        assertContains(e.getMessage(), "rmsNorm", "[*, 2]", "[2, 4]");
    }

    @Test
    void rmsNormGradCheck() {
        GradCheck.check(in -> Normalization.rmsNorm(in[0], new long[] {4}, in[1], 1e-6),
                transposedLeaf(27, 3, 4), leaf(28, 4));
    }

    // ------------------------------------------------------------------ normalize

    @Test
    void normalizeScalesRowsToUnitNormAndLeavesZeroRowsZero() {
        Tensor x = m64(new double[][] {{3, 4}, {0, 0}});
        assertValuesWithin(TOL, Normalization.normalize(x), DType.F64, shape(2, 2), 0.6, 0.8, 0, 0);
    }

    @Test
    void normalizeWithL1AlongDimZero() {
        Tensor x = m64(new double[][] {{1, -2}, {3, 2}});
        assertValuesWithin(TOL, Normalization.normalize(x, 1.0, 0), shape(2, 2), 0.25, -0.5, 0.75, 0.5);
        assertValuesWithin(TOL, Normalization.normalize(x, 1.0, -2), shape(2, 2), 0.25, -0.5, 0.75, 0.5);
    }

    @Test
    void normalizeRejectsAnOutOfRangeDim() {
        var e = assertThrows(IllegalArgumentException.class, () -> Normalization.normalize(Tensor.zeros(2, 2), 2, 2));
        assertContains(e.getMessage(), "normalize", "dim 2");
    }

    @Test
    void normalizeGradCheck() {
        GradCheck.check(in -> Normalization.normalize(in[0]), transposedLeaf(29, 3, 4));
        GradCheck.check(in -> Normalization.normalize(in[0], 3.0, -1), leaf(30, 2, 3));
    }
}
