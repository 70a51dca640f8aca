package dev.walnut.nn.functional;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Dropout and alpha dropout: statistics, seeding, train/eval, gradients and errors. */
class RegularizationTest {
    private static final int N = 100_000;

    @Test
    void dropoutKeepsTheMeanAndZeroesAboutPOfTheElements() {
        Tensor y = Regularization.dropout(Tensor.ones(N), 0.3, true, new Generator(1));
        double[] v = y.toDoubleArray();
        long zeros = Arrays.stream(v).filter(d -> d == 0.0).count();
        // Standard deviations: 0.0014 for the zero fraction, 0.0021 for the mean.
        assertEquals(0.3, zeros / (double) N, 0.01);
        assertEquals(1.0, y.mean().item(), 0.01);
    }

    @Test
    void dropoutScalesTheSurvivorsByOneOverOneMinusP() {
        Tensor x = Tensor.arange(1.0, 1001.0, 1.0, DType.F64);
        double[] in = x.toDoubleArray();
        double[] out = Regularization.dropout(x, 0.2, true, new Generator(2)).toDoubleArray();
        for (int i = 0; i < in.length; i++) {
            assertTrue(out[i] == 0.0 || out[i] == in[i] / 0.8, "element " + i + ": " + out[i]);
        }
    }

    @Test
    void dropoutWithTheSameSeedIsReproducible() {
        Tensor x = Tensor.ones(64);
        Tensor a = Regularization.dropout(x, 0.5, true, new Generator(7));
        Tensor b = Regularization.dropout(x, 0.5, true, new Generator(7));
        Tensor c = Regularization.dropout(x, 0.5, true, new Generator(8));
        assertTrue(a.equal(b));
        assertFalse(a.equal(c));
    }

    @Test
    void dropoutUsesTheDefaultGeneratorThatManualSeedResets() {
        Tensor x = Tensor.ones(64);
        Tensor.manualSeed(42);
        Tensor a = Regularization.dropout(x, 0.5, true);
        Tensor next = Regularization.dropout(x, 0.5, true);
        Tensor.manualSeed(42);
        Tensor b = Regularization.dropout(x, 0.5, true);
        assertTrue(a.equal(b));
        assertFalse(a.equal(next));
    }

    @Test
    void dropoutInEvalAndWithPZeroIsTheIdentity() {
        Tensor x = Tensor.randn(3, 4);
        assertSame(x, Regularization.dropout(x, 0.5, false));
        assertSame(x, Regularization.dropout(x, 0.0, true));
        assertSame(x, Regularization.alphaDropout(x, 0.5, false));
    }

    @Test
    void dropoutWithPOneGivesZerosAndZeroGradient() {
        Tensor x = Tensor.of(1.0, -2.0, 3.0).setRequiresGrad(true);
        Tensor y = Regularization.dropout(x, 1.0, true);
        for (double v : y.toDoubleArray()) {
            assertEquals(0.0, v, 0.0); // x * 0, as in PyTorch (so -2 gives -0.0)
        }
        y.sum().backward();
        assertArrayEquals(new double[] {0, 0, 0}, x.grad().toDoubleArray());
    }

    @Test
    void dropoutGradientIsTheScaledMask() {
        Tensor x = Tensor.ones(new long[] {200}, DType.F64).setRequiresGrad(true);
        Tensor y = Regularization.dropout(x, 0.25, true, new Generator(3));
        y.sum().backward();
        // x is all ones, so the output is exactly mask / (1 - p), which is also the gradient.
        assertArrayEquals(y.toDoubleArray(), x.grad().toDoubleArray());
    }

    @Test
    void dropoutGradCheckWithAFixedMask() {
        Tensor x = Tensor.randn(new long[] {4, 3}, DType.F64, new Generator(4)).t().setRequiresGrad(true);
        GradCheck.check(in -> Regularization.dropout(in[0], 0.4, true, new Generator(5)).square(), x);
        GradCheck.check(in -> Regularization.alphaDropout(in[0], 0.4, true, new Generator(5)).square(), x);
    }

    @Test
    void dropoutRejectsAProbabilityOutsideZeroOne() {
        Tensor x = Tensor.ones(3);
        for (double p : new double[] {-0.1, 1.5, Double.NaN}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Regularization.dropout(x, p, true));
            assertContains(e.getMessage(), "dropout", "[0, 1]", String.valueOf(p));
            assertThrows(IllegalArgumentException.class, () -> Regularization.alphaDropout(x, p, false));
        }
    }

    @Test
    void dropoutOfAnIntegerTensorFails() {
        var e = assertThrows(IllegalArgumentException.class, () -> Regularization.dropout(Tensor.of(1L, 2L), 0.5, true));
        assertContains(e.getMessage(), "dropout", "floating point", "I64");
    }

    @Test
    void alphaDropoutFollowsPyTorchsAffineFormula() {
        // p = 0.5: a = 1/sqrt((alpha'^2 p + 1)(1 - p)) = 0.8864048946659319; a dropped element becomes
        // -a alpha' (1 - p) = -0.7791939305180315 and a kept x becomes a x + a alpha' p.
        double[] out = Regularization.alphaDropout(Tensor.full(new long[] {1000}, 2.0, DType.F64), 0.5, true,
                new Generator(6)).toDoubleArray();
        long dropped = 0;
        for (double v : out) {
            if (Math.abs(v - -0.7791939305180315) < 1e-15) {
                dropped++;
            } else {
                assertEquals(2.5520037198498953, v, 1e-15);
            }
        }
        assertTrue(dropped > 400 && dropped < 600, "dropped " + dropped);
    }

    @Test
    void alphaDropoutKeepsZeroMeanAndUnitVariance() {
        Tensor x = Tensor.randn(new long[] {N}, DType.F64, new Generator(9));
        Tensor y = Regularization.alphaDropout(x, 0.2, true, new Generator(10));
        assertEquals(0.0, y.mean().item(), 0.02);
        assertEquals(1.0, y.var().item(), 0.03);
    }

    @Test
    void alphaDropoutWithPOneGivesZeros() {
        assertArrayEquals(new double[] {0, 0}, Regularization.alphaDropout(Tensor.of(1.0, 2.0), 1.0, true).toDoubleArray());
        assertEquals(0, Regularization.dropout(Tensor.zeros(0), 0.5, true).numel());
    }
}
