package dev.walnut.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.walnut.Tensor;
import dev.walnut.autograd.CleanTapeExtension;
import dev.walnut.autograd.GradientContext;
import dev.walnut.nn.Linear;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PyTorch's habits around a training step: {@code zero_grad(set_to_none)} on optimizers and
 * modules and {@code clip_grad_norm_(params, max_norm)} with the default 2-norm.
 */
@ExtendWith(CleanTapeExtension.class)
class ZeroGradAndClipTest {

    private static Tensor param(double... values) {
        return Tensor.fromArray(values, values.length).setRequiresGrad(true);
    }

    /** loss = sum(w^2) at w = [1, 2]: w.grad = 2w = [2, 4]. */
    private static Tensor paramWithGrad() {
        Tensor w = param(1, 2);
        w.pow(2).sum().backward();
        assertArrayEquals(new double[] {2, 4}, w.grad().toDoubleArray(), 0.0);
        return w;
    }

    @Test
    void optimizerZeroGradTrueSetsGradientsToNoneLikePyTorchsDefault() {
        Tensor w = paramWithGrad();
        new SGD(List.of(w), 0.1).zeroGrad(true);
        assertNull(w.grad());
    }

    @Test
    void optimizerZeroGradFalseKeepsTheGradientFilledWithZeros() {
        Tensor w = paramWithGrad();
        Tensor g = w.grad();
        new SGD(List.of(w), 0.1).zeroGrad(false);
        assertArrayEquals(new double[] {0, 0}, w.grad().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {0, 0}, g.toDoubleArray(), 0.0);   // the same tensor, zeroed in place
    }

    @Test
    void optimizerZeroGradWithoutArgumentsZeroesInPlace() {
        Tensor w = paramWithGrad();
        new SGD(List.of(w), 0.1).zeroGrad();
        assertArrayEquals(new double[] {0, 0}, w.grad().toDoubleArray(), 0.0);
    }

    @Test
    void optimizerZeroGradOfGivenParametersCanSetThemToNone() {
        Tensor w = paramWithGrad();
        new SGD(0.1).zeroGrad(List.of(w), true);
        assertNull(w.grad());
    }

    @Test
    void optimizerZeroGradClearsContextZerosTapeEitherWay() {
        Tensor w = paramWithGrad();
        Tensor kept = w.mul(3.0);                  // recorded on context 0's tape (after w^2 and sum)
        assertEquals(3, GradientContext.current().tapeSize());
        new SGD(List.of(w), 0.1).zeroGrad(true);
        assertEquals(0, GradientContext.current().tapeSize());
        kept.sum().backward();                     // the graph we hold still works: d(3w)/dw = 3
        assertArrayEquals(new double[] {3, 3}, w.grad().toDoubleArray(), 0.0);
    }

    @Test
    void moduleZeroGradSetsGradientsToNoneByDefault() {
        Linear layer = new Linear(2, 1);
        layer.forward(Tensor.ones(1, 2)).sum().backward();
        layer.zeroGrad();
        for (Tensor p : layer.parameters()) {
            assertNull(p.grad());
        }
    }

    @Test
    void moduleZeroGradFalseZeroesTheGradientsInPlace() {
        // y = w x + b with x = [1, 1]: dy/dw = [1, 1], dy/db = 1; then zeroed
        Linear layer = new Linear(2, 1);
        layer.forward(Tensor.ones(1, 2)).sum().backward();
        layer.zeroGrad(false);
        for (Tensor p : layer.parameters()) {
            assertEquals(0.0, p.grad().abs().sum().item(), 0.0);
        }
    }

    @Test
    void clipGradNormDefaultsToTheTwoNorm() {
        // grads [3] and [4]: total 2-norm 5; with max 1 each is scaled by 1 / (5 + 1e-6)
        Tensor a = param(0).setGrad(Tensor.fromArray(new double[] {3}, 1));
        Tensor b = param(0).setGrad(Tensor.fromArray(new double[] {4}, 1));
        double total = Clip.clipGradNorm(List.of(a, b), 1.0);
        assertEquals(5.0, total, 1e-12);
        assertEquals(3 / (5 + 1e-6), a.grad().item(), 1e-12);
        assertEquals(4 / (5 + 1e-6), b.grad().item(), 1e-12);
    }

    @Test
    void clipGradNormLeavesGradientsBelowTheBoundUnchanged() {
        // total norm 5 <= 10: the coefficient min(1, 10 / 5) is 1
        Tensor a = param(0, 0).setGrad(Tensor.fromArray(new double[] {3, 4}, 2));
        assertEquals(5.0, Clip.clipGradNorm(List.of(a), 10.0), 1e-12);
        assertArrayEquals(new double[] {3, 4}, a.grad().toDoubleArray(), 0.0);
    }
}
