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
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Activations against PyTorch's definitions: spot values written out (computed from the closed
 * forms in float64), float64 gradient checks (first order everywhere, second order for the smooth
 * ones) on contiguous and non-contiguous inputs, the documented gradients at kinks, and stability
 * for large |x|.
 */
class ActivationsTest {
    private static final double TOL = 1e-15;

    private static Tensor f64(double... values) {
        return Tensor.fromArray(values, values.length);
    }

    /** Gradient of sum(f(x)) at each of {@code values}, one element at a time. */
    private static double[] gradients(UnaryOperator<Tensor> f, double... values) {
        Tensor x = f64(values).setRequiresGrad(true);
        f.apply(x).sum().backward();
        return x.grad().toDoubleArray();
    }

    // ------------------------------------------------------------------ spot values

    @Test
    void geluIsExactErfBased() {
        assertValuesWithin(TOL, Activations.gelu(f64(1, -1, 2, -3, 0.5, 0)), DType.F64, shape(6),
                0.8413447460685429, -0.15865525393145707, 1.9544997361036416, -0.00404969409489031,
                0.34573123063700656, 0.0);
    }

    @Test
    void geluTanhApproximation() {
        assertValuesWithin(TOL, Activations.gelu(f64(1, -1, 2, -3, 0.5), "tanh"), DType.F64, shape(5),
                0.8411919906082768, -0.15880800939172324, 1.954597694087775, -0.0036373920817729943,
                0.34571400982514394);
    }

    @Test
    void geluRejectsAnUnknownApproximation() {
        var e = assertThrows(IllegalArgumentException.class, () -> Activations.gelu(f64(1), "erf"));
        assertContains(e.getMessage(), "gelu", "\"none\"", "\"tanh\"", "\"erf\"");
    }

    @Test
    void geluOfFloat32StaysFloat32() {
        Tensor y = Activations.gelu(Tensor.of(1.0).to(DType.F32));
        assertValuesWithin(1e-7, y, DType.F32, shape(1), 0.8413447460685429);
    }

    @Test
    void siluIsXTimesSigmoid() {
        assertValuesWithin(TOL, Activations.silu(f64(1, -1, 2)), DType.F64, shape(3),
                0.7310585786300049, -0.2689414213699951, 1.7615941559557646);
    }

    @Test
    void softplusDefaultsAreBetaOneThresholdTwenty() {
        // 19.5 is below the threshold (still log1p(e^x)), 25 above it (x itself).
        assertValuesWithin(TOL, Activations.softplus(f64(1, 0, -1, -40, 19.5, 25)), DType.F64, shape(6),
                1.3132616875182228, 0.6931471805599453, 0.31326168751822286, 4.248354255291589e-18,
                19.500000003398267, 25.0);
    }

    @Test
    void softplusWithBetaAndThreshold() {
        assertValuesWithin(TOL, Activations.softplus(f64(1, -1), 2.0, 20.0), DType.F64, shape(2),
                1.0634640055214863, 0.06346400552148625);
        // beta * x = 2 > threshold 1: linear.
        assertValuesWithin(TOL, Activations.softplus(f64(1, 0.25), 2.0, 1.0), DType.F64, shape(2),
                1.0, Math.log1p(Math.exp(0.5)) / 2);
    }

    @Test
    void softplusRejectsANonPositiveBeta() {
        var e = assertThrows(IllegalArgumentException.class, () -> Activations.softplus(f64(1), 0.0, 20.0));
        assertContains(e.getMessage(), "softplus", "beta", "0.0");
    }

    @Test
    void eluAndItsAlpha() {
        assertValuesWithin(TOL, Activations.elu(f64(-1, -2, 0, 3)), DType.F64, shape(4),
                -0.6321205588285577, -0.8646647167633873, 0.0, 3.0);
        assertValuesWithin(TOL, Activations.elu(f64(-1, 2), 0.5), DType.F64, shape(2), -0.31606027941427883, 2.0);
        // Tiny negative inputs keep full relative precision (expm1, not exp - 1).
        assertEquals(-1e-20, Activations.elu(f64(-1e-20)).item(), 1e-36);
    }

    @Test
    void seluUsesPyTorchsConstants() {
        assertValuesWithin(TOL, Activations.selu(f64(1, -1, -2, 0)), DType.F64, shape(4),
                1.0507009873554805, -1.1113307378125625, -1.5201664685956948, 0.0);
    }

    @Test
    void leakyReluDefaultSlopeIsOneHundredth() {
        assertValuesWithin(TOL, Activations.leakyRelu(f64(-2, 0, 3)), DType.F64, shape(3), -0.02, 0.0, 3.0);
        assertValuesWithin(TOL, Activations.leakyRelu(f64(-2, 3), 0.2), DType.F64, shape(2), -0.4, 3.0);
    }

    @Test
    void mishIsXTanhSoftplus() {
        assertValuesWithin(TOL, Activations.mish(f64(1, -1, 2, -0.5)), DType.F64, shape(4),
                0.8650983882673103, -0.30340146137410895, 1.9439589595339946, -0.22074377465173);
    }

    @Test
    void hardtanhClampsToItsBounds() {
        assertValuesWithin(0, Activations.hardtanh(f64(-2, -1, 0.5, 1, 2)), DType.F64, shape(5), -1, -1, 0.5, 1, 1);
        assertValuesWithin(0, Activations.hardtanh(f64(-2, 0.5, 7), 0, 6), DType.F64, shape(3), 0, 0.5, 6);
    }

    @Test
    void hardtanhRejectsMinAboveMax() {
        var e = assertThrows(IllegalArgumentException.class, () -> Activations.hardtanh(f64(1), 2, 1));
        assertContains(e.getMessage(), "hardtanh", "min=2.0", "max=1.0");
    }

    @Test
    void hardsigmoidIsRelu6OfXPlusThreeOverSix() {
        assertValuesWithin(TOL, Activations.hardsigmoid(f64(-4, -3, 0, 1.5, 3, 4)), DType.F64, shape(6),
                0, 0, 0.5, 0.75, 1, 1);
    }

    @Test
    void hardswishIsXTimesHardsigmoid() {
        assertValuesWithin(TOL, Activations.hardswish(f64(-4, -3, -1, 1, 3, 4)), DType.F64, shape(6),
                0, 0, -1.0 / 3, 2.0 / 3, 3, 4);
    }

    @Test
    void logSigmoidMatchesMinusSoftplusOfMinusX() {
        assertValuesWithin(TOL, Activations.logSigmoid(f64(0, 1, -1, 5, -5)), DType.F64, shape(5),
                -0.6931471805599453, -0.31326168751822286, -1.3132616875182228, -0.006715348489118068,
                -5.006715348489118);
        // The tail survives: log(sigmoid(40)) = -e^-40 to full precision.
        assertEquals(-4.248354255291589e-18, Activations.logSigmoid(f64(40)).item(), 1e-32);
    }

    @Test
    void softminIsSoftmaxOfMinusX() {
        assertValuesWithin(TOL, Activations.softmin(f64(1, 2, 3), 0), DType.F64, shape(3),
                0.6652409557748219, 0.24472847105479767, 0.09003057317038046);
    }

    @Test
    void gluGatesTheFirstHalfWithTheSecond() {
        assertValuesWithin(TOL, Activations.glu(f64(1, 2, 3, 4)), DType.F64, shape(2),
                0.9525741268224334, 1.964027580075817);
        Tensor x = Tensor.fromArray(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertValuesWithin(TOL, Activations.glu(x, 0), DType.F64, shape(1, 3),
                1 / (1 + Math.exp(-4)), 2 / (1 + Math.exp(-5)), 3 / (1 + Math.exp(-6)));
    }

    @Test
    void gluOfAnOddSizeFails() {
        var e = assertThrows(IllegalArgumentException.class, () -> Activations.glu(Tensor.zeros(2, 3)));
        assertContains(e.getMessage(), "glu", "even", "dimension 1", "size 3");
        var range = assertThrows(IllegalArgumentException.class, () -> Activations.glu(Tensor.zeros(2, 4), 2));
        assertContains(range.getMessage(), "glu", "dim 2", "rank 2");
    }

    @Test
    void delegatesMatchTensorMethods() {
        Tensor x = f64(-1.5, 0.25, 2);
        assertTrue(Activations.relu(x).equal(x.relu()));
        assertTrue(Activations.sigmoid(x).equal(x.sigmoid()));
        assertTrue(Activations.tanh(x).equal(x.tanh()));
        assertTrue(Activations.softmax(x, 0).equal(x.softmax(0)));
        assertTrue(Activations.logSoftmax(x, -1).equal(x.logSoftmax(-1)));
    }

    @Test
    void erfSpotValues() {
        assertValuesWithin(3e-16, f64(0.5, -2, 0, 1e-10, 3, -0.1).erf(), DType.F64, shape(6),
                0.5204998778130465, -0.9953222650189527, 0.0, 1.1283791670955126e-10, 0.9999779095030014,
                -0.1124629160182849);
        assertValuesWithin(0, f64(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 30).erf(), DType.F64, shape(3),
                1, -1, 1);
        assertTrue(Double.isNaN(f64(Double.NaN).erf().item()));
    }

    // ------------------------------------------------------------------ gradients at kinks (PyTorch's conventions)

    @Test
    void leakyReluGradientAtZeroIsTheSlope() {
        assertEquals(List.of(0.2, 0.2, 1.0), boxed(gradients(x -> Activations.leakyRelu(x, 0.2), -1, 0, 1)));
    }

    @Test
    void hardtanhGradientIsZeroAtTheBounds() {
        assertEquals(List.of(0.0, 0.0, 1.0, 0.0, 0.0), boxed(gradients(Activations::hardtanh, -2, -1, 0.5, 1, 2)));
    }

    @Test
    void hardsigmoidGradientIsZeroAtTheBounds() {
        assertEquals(List.of(0.0, 1.0 / 6, 0.0), boxed(gradients(Activations::hardsigmoid, -3, 0, 3)));
    }

    @Test
    void hardswishGradientAtTheBoundsIsTheMiddlePieces() {
        assertEquals(List.of(0.0, -0.5, 0.5, 1.5, 1.0), boxed(gradients(Activations::hardswish, -4, -3, 0, 3, 4)));
    }

    @Test
    void eluGradientAtZeroIsAlpha() {
        assertEquals(List.of(0.5, 1.0), boxed(gradients(x -> Activations.elu(x, 0.5), 0, 1)));
    }

    @Test
    void logSigmoidGradientAtZeroIsOneHalf() {
        assertEquals(List.of(0.5), boxed(gradients(Activations::logSigmoid, 0)));
    }

    private static List<Double> boxed(double[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }

    // ------------------------------------------------------------------ large |x|

    static List<Named> all() {
        return List.of(
                new Named("gelu", Activations::gelu), new Named("gelu tanh", x -> Activations.gelu(x, "tanh")),
                new Named("silu", Activations::silu), new Named("softplus", Activations::softplus),
                new Named("softplus(beta=2, threshold=30)", x -> Activations.softplus(x, 2, 30)),
                new Named("elu", Activations::elu), new Named("selu", Activations::selu),
                new Named("leakyRelu", Activations::leakyRelu), new Named("mish", Activations::mish),
                new Named("hardtanh", Activations::hardtanh), new Named("hardsigmoid", Activations::hardsigmoid),
                new Named("hardswish", Activations::hardswish), new Named("logSigmoid", Activations::logSigmoid),
                new Named("softmin", x -> Activations.softmin(x, -1)), new Named("glu", Activations::glu),
                new Named("erf", Tensor::erf));
    }

    record Named(String name, UnaryOperator<Tensor> f) {
        @Override
        public String toString() {
            return name;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void largeInputsGiveNoNaNOrInfinityInValuesOrGradients(Named a) {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            Tensor x = Tensor.of(-1000.0, 1000.0, -80.0, 80.0).to(dt).setRequiresGrad(true);
            Tensor y = a.f().apply(x);
            y.sum().backward();
            for (double v : y.toDoubleArray()) {
                assertTrue(Double.isFinite(v), a + " " + dt + " gave " + v);
            }
            for (double v : x.grad().toDoubleArray()) {
                assertTrue(Double.isFinite(v), a + " " + dt + " gradient " + v);
            }
        }
    }

    @Test
    void softplusAndLogSigmoidAreExactAtTheExtremes() {
        assertValuesWithin(0, Activations.softplus(f64(1000, -1000)), DType.F64, shape(2), 1000, 0);
        assertValuesWithin(0, Activations.logSigmoid(f64(-1000, 1000)), DType.F64, shape(2), -1000, 0);
        assertEquals(List.of(1.0, 0.0), boxed(gradients(Activations::softplus, 1000, -1000)));
        assertEquals(List.of(1.0, 0.0), boxed(gradients(Activations::logSigmoid, -1000, 1000)));
        assertValuesWithin(0, Activations.softplus(Tensor.of(1000.0).to(DType.F32)), DType.F32, shape(1), 1000);
    }

    // ------------------------------------------------------------------ gradient checks

    /** Standard normal values times {@code scale}, float64, requiring grad. */
    private static Tensor leaf(long seed, double scale, long... shape) {
        Tensor t = Tensor.randn(shape, DType.F64, new Generator(seed)).mul(scale);
        return t.detach().setRequiresGrad(true);
    }

    /** The same values laid out transposed: a non-contiguous [rows, cols] leaf. */
    private static Tensor transposedLeaf(long seed, double scale, long rows, long cols) {
        Tensor t = Tensor.randn(new long[] {cols, rows}, DType.F64, new Generator(seed)).mul(scale).detach().t();
        assertFalse(t.isContiguous());
        return t.setRequiresGrad(true);
    }

    /** Scale 3 puts values on every piece of hardtanh/hardsigmoid/hardswish and both softplus regimes. */
    static List<Named> firstOrder() {
        return all().stream().filter(n -> !n.name().equals("erf")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("firstOrder")
    void gradCheck(Named a) {
        Function<Tensor[], Tensor> fn = in -> a.f().apply(in[0]);
        GradCheck.check(fn, leaf(11, 3.0, 3, 4));
        GradCheck.check(fn, transposedLeaf(12, 3.0, 4, 6));
        GradCheck.check(fn, leaf(13, 3.0, 2, 3, 4).slice(-1, 0, 4, 2).detach().setRequiresGrad(true));
    }

    @Test
    void gradCheckOfOptions() {
        GradCheck.check(in -> Activations.softplus(in[0], 2.0, 1.0), leaf(21, 2.0, 3, 4));
        GradCheck.check(in -> Activations.elu(in[0], 0.5), leaf(22, 2.0, 3, 4));
        GradCheck.check(in -> Activations.leakyRelu(in[0], 0.3), leaf(23, 2.0, 3, 4));
        GradCheck.check(in -> Activations.hardtanh(in[0], -0.5, 2.0), leaf(24, 2.0, 3, 4));
        GradCheck.check(in -> Activations.softmin(in[0], 0), leaf(25, 1.0, 3, 4));
        GradCheck.check(in -> Activations.glu(in[0], 0), transposedLeaf(26, 1.0, 4, 3));
        GradCheck.check(in -> Activations.glu(in[0], -2), leaf(27, 1.0, 2, 6, 3));
    }

    static List<Named> secondOrder() {
        return List.of(
                new Named("gelu", Activations::gelu), new Named("gelu tanh", x -> Activations.gelu(x, "tanh")),
                new Named("silu", Activations::silu), new Named("softplus", Activations::softplus),
                new Named("softplus(beta=2, threshold=1)", x -> Activations.softplus(x, 2, 1)),
                new Named("mish", Activations::mish), new Named("logSigmoid", Activations::logSigmoid),
                new Named("elu", Activations::elu), new Named("selu", Activations::selu),
                new Named("glu", Activations::glu), new Named("erf", Tensor::erf));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("secondOrder")
    void secondOrderGradCheck(Named a) {
        Function<Tensor[], Tensor> fn = in -> a.f().apply(in[0]);
        GradCheck.checkSecondOrder(fn, leaf(31, 2.0, 2, 4));
        GradCheck.checkSecondOrder(fn, transposedLeaf(32, 2.0, 2, 4));
    }
}
