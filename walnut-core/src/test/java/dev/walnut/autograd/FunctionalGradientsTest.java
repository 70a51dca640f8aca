package dev.walnut.autograd;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.walnut.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * torch.autograd.functional in Walnut: {@code jacobian} and {@code hessian} over several inputs,
 * {@code vjp}, {@code jvp}, {@code hvp}; each with the expected numbers worked out by hand.
 */
@ExtendWith(CleanTapeExtension.class)
class FunctionalGradientsTest {

    private static Tensor t64(double... values) {
        return Tensor.fromArray(values, values.length);
    }

    private static void assertValues(double[] expected, Tensor actual) {
        assertArrayEquals(expected, actual.toDoubleArray(), 1e-12);
    }

    // ------------------------------------------------------------------ jacobian / hessian

    @Test
    void jacobianOfAProductOverTwoInputsIsTwoDiagonals() {
        // f(x, y) = x * y at x = [1, 2], y = [3, 4]: df/dx = diag(y), df/dy = diag(x)
        Tensor[] j = Autograd.jacobian(in -> in[0].mul(in[1]), new Tensor[] {t64(1, 2), t64(3, 4)});
        assertEquals(2, j.length);
        assertArrayEquals(new long[] {2, 2}, j[0].shape());
        assertValues(new double[] {3, 0, 0, 4}, j[0]);
        assertValues(new double[] {1, 0, 0, 2}, j[1]);
    }

    @Test
    void jacobianOfAScalarFunctionIsItsGradientPerInput() {
        // f(x, y) = sum(x * y): df/dx = y = [3, 4], df/dy = x = [1, 2]
        Tensor[] j = Autograd.jacobian(in -> in[0].mul(in[1]).sum(), new Tensor[] {t64(1, 2), t64(3, 4)});
        assertArrayEquals(new long[] {2}, j[0].shape());
        assertValues(new double[] {3, 4}, j[0]);
        assertValues(new double[] {1, 2}, j[1]);
    }

    @Test
    void jacobianWithRespectToAnUnusedInputIsZero() {
        // f(x, y) = 2x: df/dy = 0, shape [2, 3]
        Tensor[] j = Autograd.jacobian(in -> in[0].mul(2.0), new Tensor[] {t64(1, 2), t64(5, 6, 7)});
        assertValues(new double[] {2, 0, 0, 2}, j[0]);
        assertArrayEquals(new long[] {2, 3}, j[1].shape());
        assertValues(new double[] {0, 0, 0, 0, 0, 0}, j[1]);
    }

    @Test
    void hessianOverTwoInputsHasFourBlocks() {
        // f(x, y) = sum(x^2 * y) at x = [1, 2], y = [3, 4]
        // d2f/dx2 = diag(2y) = diag(6, 8); d2f/dxdy = d2f/dydx = diag(2x) = diag(2, 4); d2f/dy2 = 0
        Tensor[][] h = Autograd.hessian(in -> in[0].pow(2).mul(in[1]).sum(), new Tensor[] {t64(1, 2), t64(3, 4)});
        assertArrayEquals(new long[] {2, 2}, h[0][0].shape());
        assertValues(new double[] {6, 0, 0, 8}, h[0][0]);
        assertValues(new double[] {2, 0, 0, 4}, h[0][1]);
        assertValues(new double[] {2, 0, 0, 4}, h[1][0]);
        assertValues(new double[] {0, 0, 0, 0}, h[1][1]);
    }

    @Test
    void hessianBlocksTakeTheShapesOfTheirInputs() {
        // f(x, s) = s * sum(x^2) at x = [1, 2], s = 3 (0-d)
        // d2f/dx2 = 2s I = 6 I; d2f/dxds = 2x = [2, 4] (shape [2]); d2f/ds2 = 0 (shape [])
        Tensor s = Tensor.fromArray(new double[] {3}).reshape();
        Tensor[][] h = Autograd.hessian(in -> in[0].pow(2).sum().mul(in[1]), new Tensor[] {t64(1, 2), s});
        assertValues(new double[] {6, 0, 0, 6}, h[0][0]);
        assertArrayEquals(new long[] {2}, h[0][1].shape());
        assertValues(new double[] {2, 4}, h[0][1]);
        assertValues(new double[] {2, 4}, h[1][0]);
        assertArrayEquals(new long[] {}, h[1][1].shape());
        assertEquals(0.0, h[1][1].item(), 0.0);
    }

    @Test
    void hessianOfANonScalarFunctionSaysToReduceIt() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Autograd.hessian(in -> in[0].pow(2), new Tensor[] {t64(1, 2)}));
        assertContains(e.getMessage(), "hessian", "single-element", "[2]", "sum()");
    }

    // ------------------------------------------------------------------ vjp

    @Test
    void vjpOfAProductWeighsEachInputByTheOther() {
        // f(x, y) = x * y at x = [1, 2], y = [3, 4], v = [1, 10]: value [3, 8]; v*y = [3, 40], v*x = [1, 20]
        ValueAndProduct r = Autograd.vjp(in -> in[0].mul(in[1]), new Tensor[] {t64(1, 2), t64(3, 4)}, t64(1, 10));
        assertValues(new double[] {3, 8}, r.value());
        assertValues(new double[] {3, 40}, r.product(0));
        assertValues(new double[] {1, 20}, r.product(1));
    }

    @Test
    void vjpOfOneInputIsTheDerivativeTimesV() {
        // f(x) = x^2 at x = [1, 2, 3], v = [1, 1, 1]: value [1, 4, 9], product 2x = [2, 4, 6]
        ValueAndProduct r = Autograd.vjp(t -> t.pow(2), t64(1, 2, 3), t64(1, 1, 1));
        assertValues(new double[] {1, 4, 9}, r.value());
        assertValues(new double[] {2, 4, 6}, r.product());
        assertFalse(r.product().requiresGrad());
        assertFalse(r.value().requiresGrad());
    }

    @Test
    void vjpOfAScalarFunctionMayOmitV() {
        // f(x) = sum(x^2) at x = [1, 2]: value 5, gradient [2, 4]
        ValueAndProduct r = Autograd.vjp(t -> t.pow(2).sum(), t64(1, 2), null);
        assertEquals(5.0, r.value().item(), 0.0);
        assertValues(new double[] {2, 4}, r.product());
    }

    @Test
    void vjpWithAVOfTheWrongShapeSaysWhichShapeIsNeeded() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Autograd.vjp(t -> t.pow(2), t64(1, 2, 3), t64(1, 1)));
        assertContains(e.getMessage(), "vjp", "[2]", "[3]");
    }

    @Test
    void vjpOfANonScalarFunctionWithoutVSaysToPassV() {
        var e = assertThrows(IllegalArgumentException.class, () -> Autograd.vjp(t -> t.pow(2), t64(1, 2), null));
        assertContains(e.getMessage(), "vjp", "pass v");
    }

    // ------------------------------------------------------------------ jvp

    @Test
    void jvpOfAProductIsTheProductRule() {
        // f(x, y) = x * y at x = [1, 2], y = [3, 4], tangents vx = [1, 0], vy = [0, 1]:
        // J v = vx * y + x * vy = [3, 0] + [0, 2] = [3, 2]
        ValueAndProduct r = Autograd.jvp(in -> in[0].mul(in[1]), new Tensor[] {t64(1, 2), t64(3, 4)},
                new Tensor[] {t64(1, 0), t64(0, 1)});
        assertValues(new double[] {3, 8}, r.value());
        assertValues(new double[] {3, 2}, r.product());
    }

    @Test
    void jvpOfSineIsCosineTimesTheTangent() {
        // sin at x = [0, pi/3] with v = [1, 2]: cos(x) * v = [1, 2 * 0.5] = [1, 1]
        ValueAndProduct r = Autograd.jvp(t -> t.sin(), t64(0, Math.PI / 3), t64(1, 2));
        assertValues(new double[] {0, Math.sqrt(3) / 2}, r.value());
        assertValues(new double[] {1, 1}, r.product());
    }

    @Test
    void jvpIsShapedLikeTheOutput() {
        // f(x) = sum(x^2) at x = [1, 2], v = [1, 1]: J v = 2*1 + 2*2 = 6, a 0-d tensor
        ValueAndProduct r = Autograd.jvp(t -> t.pow(2).sum(), t64(1, 2), t64(1, 1));
        assertArrayEquals(new long[] {}, r.product().shape());
        assertEquals(6.0, r.product().item(), 1e-12);
    }

    @Test
    void jvpIgnoresTheTangentOfAnUnusedInput() {
        // f(x, y) = 2x: J v = 2 vx = [2, 4]
        ValueAndProduct r = Autograd.jvp(in -> in[0].mul(2.0), new Tensor[] {t64(5, 6), t64(7, 8)},
                new Tensor[] {t64(1, 2), t64(100, 100)});
        assertValues(new double[] {2, 4}, r.product());
    }

    @Test
    void jvpWithTheWrongNumberOfTangentsSaysOnePerInput() {
        var e = assertThrows(IllegalArgumentException.class, () -> Autograd.jvp(in -> in[0].mul(in[1]),
                new Tensor[] {t64(1, 2), t64(3, 4)}, new Tensor[] {t64(1, 0)}));
        assertContains(e.getMessage(), "jvp", "1 vectors v for 2 inputs", "one per input");
    }

    // ------------------------------------------------------------------ hvp

    @Test
    void hvpOfSumOfCubesIsSixXV() {
        // f(x) = sum(x^3) at x = [1, -2, 0.5], v = [1, 1, 2]: value 1 - 8 + 0.125 = -6.875; H v = 6 x v = [6, -12, 6]
        ValueAndProduct r = Autograd.hvp(t -> t.pow(3).sum(), t64(1, -2, 0.5), t64(1, 1, 2));
        assertEquals(-6.875, r.value().item(), 1e-12);
        assertValues(new double[] {6, -12, 6}, r.product());
    }

    @Test
    void hvpOverTwoInputsSumsTheHessianBlocks() {
        // f(x, y) = sum(x^2 * y) at x = [1, 2], y = [3, 4], v = ([1, 1], [1, 1]) (blocks as in the hessian test):
        // (H v)_x = diag(6, 8) [1, 1] + diag(2, 4) [1, 1] = [8, 12]; (H v)_y = diag(2, 4) [1, 1] + 0 = [2, 4]
        ValueAndProduct r = Autograd.hvp(in -> in[0].pow(2).mul(in[1]).sum(), new Tensor[] {t64(1, 2), t64(3, 4)},
                new Tensor[] {t64(1, 1), t64(1, 1)});
        assertEquals(1 * 3 + 4 * 4, r.value().item(), 1e-12);
        assertValues(new double[] {8, 12}, r.product(0));
        assertValues(new double[] {2, 4}, r.product(1));
    }

    @Test
    void hvpOfALinearFunctionIsZero() {
        ValueAndProduct r = Autograd.hvp(t -> t.mul(3.0).sum(), t64(1, 2), t64(5, 5));
        assertValues(new double[] {0, 0}, r.product());
    }

    @Test
    void productOfSeveralInputsMustBeReadByIndex() {
        ValueAndProduct r = Autograd.vjp(in -> in[0].mul(in[1]).sum(), new Tensor[] {t64(1), t64(2)}, null);
        var e = assertThrows(IllegalStateException.class, r::product);
        assertContains(e.getMessage(), "products()[i]");
    }

    // ------------------------------------------------------------------ isolation from the caller

    @Test
    void functionalGradientsLeaveTheCallersTapeAndGradsUntouched() {
        Tensor x = t64(1, 2).setRequiresGrad(true);
        Tensor z = x.mul(2.0);                          // the caller's own graph, on context 0's tape
        int tapeBefore = GradientContext.current().tapeSize();

        Tensor[] xs = {x};
        Autograd.jacobian(in -> in[0].pow(2), xs);
        Autograd.hessian(in -> in[0].pow(3).sum(), xs);
        Autograd.vjp(t -> t.pow(2), x, t64(1, 1));
        Autograd.jvp(t -> t.pow(2), x, t64(1, 1));
        Autograd.hvp(t -> t.pow(3).sum(), x, t64(1, 1));

        assertEquals(tapeBefore, GradientContext.current().tapeSize());
        assertEquals(0, GradientContext.current().id());
        assertNull(x.grad());
        z.sum().backward();                             // the caller's graph still works: d(2x)/dx = 2
        assertValues(new double[] {2, 2}, x.grad());
    }

    @Test
    void functionalGradientsWorkInsideNoGrad() {
        // torch.autograd.functional enables grad itself; so do these
        try (var off = Autograd.noGrad()) {
            assertValues(new double[] {2, 4}, Autograd.vjp(t -> t.pow(2).sum(), t64(1, 2), null).product());
            assertValues(new double[] {12}, Autograd.hvp(t -> t.pow(3).sum(), t64(2), t64(1)).product());
        }
    }
}
