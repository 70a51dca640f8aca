package dev.walnut.autograd;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link GradOptions}: PyTorch's keyword arguments of {@code torch.autograd.grad} and {@code backward}. */
@ExtendWith(CleanTapeExtension.class)
class GradOptionsTest {

    private static Tensor leaf64(double... values) {
        return Tensor.fromArray(values, values.length).setRequiresGrad(true);
    }

    @Test
    void defaultsAreThoseOfPyTorch() {
        GradOptions d = GradOptions.defaults();
        assertFalse(d.isCreateGraph());
        assertFalse(d.isRetainGraph());
        assertFalse(d.isAllowUnused());
        assertEquals("GradOptions(create_graph=False, retain_graph=False, allow_unused=False)", d.toString());
    }

    @Test
    void optionsAreImmutableAndChainable() {
        GradOptions d = GradOptions.defaults();
        GradOptions o = d.retainGraph().allowUnused();
        assertFalse(d.isRetainGraph());
        assertTrue(o.isRetainGraph());
        assertTrue(o.isAllowUnused());
        assertFalse(o.isCreateGraph());
        assertEquals(o, GradOptions.defaults().allowUnused().retainGraph());
        assertEquals(d, o.retainGraph(false).allowUnused(false));
    }

    @Test
    void createGraphImpliesRetainGraph() {
        assertTrue(GradOptions.defaults().createGraph().isRetainGraph());
        assertEquals("GradOptions(create_graph=True, retain_graph=True, allow_unused=False)",
                GradOptions.defaults().createGraph().toString());
    }

    @Test
    void createGraphGivesADifferentiableGradient() {
        // x = 3; y = x^3; dy/dx = 3x^2 = 27; d2y/dx2 = 6x = 18
        Tensor x = leaf64(3.0);
        Tensor dy = Autograd.grad(x.pow(3), x, GradOptions.defaults().createGraph());
        assertEquals(27.0, dy.item(), 1e-12);
        assertTrue(dy.requiresGrad());
        Tensor d2y = Autograd.grad(dy, x, GradOptions.defaults());
        assertEquals(18.0, d2y.item(), 1e-12);
        assertNull(x.grad());
    }

    @Test
    void gradWithGradOutputsWeighsEachOutputElement() {
        // y = x * x at x = [1, 2]; grad_outputs = [1, 10] gives [2*1*1, 2*2*10] = [2, 40]
        Tensor x = leaf64(1.0, 2.0);
        Tensor[] g = Autograd.grad(new Tensor[] {x.mul(x)}, new Tensor[] {x},
                new Tensor[] {Tensor.fromArray(new double[] {1, 10}, 2)}, GradOptions.defaults());
        assertArrayEquals(new double[] {2, 40}, g[0].toDoubleArray(), 0.0);
    }

    @Test
    void allowUnusedGivesNullForAnInputTheOutputDoesNotUse() {
        Tensor x = leaf64(3.0);
        Tensor z = leaf64(5.0);
        Tensor[] g = Autograd.grad(new Tensor[] {x.mul(x)}, new Tensor[] {x, z}, null,
                GradOptions.defaults().allowUnused());
        assertEquals(6.0, g[0].item(), 0.0);
        assertNull(g[1]);
    }

    @Test
    void withoutAllowUnusedAnUnusedInputIsAnError() {
        Tensor x = leaf64(3.0);
        Tensor z = leaf64(5.0);
        Tensor y = x.mul(x);
        var e = assertThrows(RuntimeException.class, () -> Autograd.grad(new Tensor[] {y}, new Tensor[] {x, z},
                null, GradOptions.defaults()));
        assertContains(e.getMessage(), "allowUnused");
    }

    @Test
    void backwardWithRetainGraphCanRunTwiceAndAccumulates() {
        // y = x * x at x = [1, 2] with gradOutput ones: each pass adds 2x = [2, 4]
        Tensor x = leaf64(1.0, 2.0);
        Tensor y = x.mul(x);
        Tensor ones = Tensor.fromArray(new double[] {1, 1}, 2);
        Autograd.backward(y, ones, GradOptions.defaults().retainGraph());
        Autograd.backward(y, ones, GradOptions.defaults());
        assertArrayEquals(new double[] {4, 8}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void backwardWithDefaultsFreesTheGraph() {
        Tensor x = leaf64(2.0);
        Tensor y = x.mul(x).sum();
        Autograd.backward(y, null, GradOptions.defaults());
        assertEquals(4.0, x.grad().item(), 0.0);
        var e = assertThrows(RuntimeException.class, () -> Autograd.backward(y, null, GradOptions.defaults()));
        assertContains(e.getMessage(), "retainGraph");
    }

    @Test
    void backwardWithCreateGraphRecordsAGradientThatCanBeDifferentiated() {
        // y = x^3 at x = 2: x.grad = 12, recorded; d(x.grad)/dx = 6x = 12
        Tensor x = leaf64(2.0);
        Autograd.backward(x.pow(3).sum(), null, GradOptions.defaults().createGraph());
        Tensor g = x.grad();
        assertEquals(12.0, g.item(), 1e-12);
        assertEquals(12.0, Autograd.grad(g.sum(), x, GradOptions.defaults()).item(), 1e-12);
        x.setGrad(null);
    }

    @Test
    void aMissingOptionsObjectSaysWhatToPass() {
        Tensor x = leaf64(2.0);
        var e = assertThrows(NullPointerException.class, () -> Autograd.grad(x.sum(), x, (GradOptions) null));
        assertContains(e.getMessage(), "GradOptions.defaults()");
    }
}
