package dev.walnut.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.optim.SGD;
import org.junit.jupiter.api.Test;

/**
 * Linear's inference path multiplies by a packed copy of the weight: it must agree with a
 * float64 reference, follow every change of the weight, and never exist while training.
 */
class LinearPackedWeightTest {
    private static Tensor input(long seed, long... shape) {
        return Tensor.rand(shape, DType.F32, new Generator(seed)).sub(0.5);
    }

    /** x W^T + b in float64, from the layer's current float32 parameters. */
    private static double[] reference(Linear fc, Tensor x) {
        return Autograd.noGrad(() -> {
            Tensor y = x.to(DType.F64).matmul(fc.weight().to(DType.F64).t());
            return fc.bias() == null ? y : y.add(fc.bias().to(DType.F64));
        }).toDoubleArray();
    }

    private static Tensor infer(Linear fc, Tensor x) {
        return Autograd.noGrad(() -> fc.forward(x));
    }

    private static void assertClose(double[] want, Tensor got, String what) {
        float[] g = got.toFloatArray();
        assertEquals(want.length, g.length, what);
        for (int i = 0; i < g.length; i++) {
            assertEquals(want[i], g[i], 1e-5 * (1 + Math.abs(want[i])), what + " at " + i);
        }
    }

    @Test
    void inferenceUsesThePackedWeightAndMatchesFloat64() {
        var fc = new Linear(300, 70);
        Tensor x = input(1, 33, 300);
        assertEquals(0, fc.packedWeightBytes());
        Tensor y = infer(fc, x);
        assertTrue(fc.packedWeightBytes() >= 4L * 300 * 70, "packed " + fc.packedWeightBytes() + " bytes");
        assertArrayEquals(new long[] {33, 70}, y.shape());
        assertFalse(y.requiresGrad());
        assertClose(reference(fc, x), y, "2-d input");
        // The recording path gives the same values up to the rounding of the bias add.
        assertClose(fc.forward(x).detach().toDoubleArray(), y, "against the recording path");
    }

    @Test
    void higherRankInputsAreFoldedToRows() {
        var fc = new Linear(40, 24, false);
        Tensor x = input(2, 2, 3, 5, 40);
        Tensor y = infer(fc, x);
        assertArrayEquals(new long[] {2, 3, 5, 24}, y.shape());
        assertTrue(fc.packedWeightBytes() > 0);
        assertClose(reference(fc, x), y, "4-d input, no bias");
        // A transposed (non-contiguous) input reads through its strides.
        Tensor xt = input(3, 40, 30).t();
        assertClose(reference(fc, xt), infer(fc, xt), "transposed input");
        // A single vector is a matrix-vector product: no packing needed, same result.
        Tensor v = input(4, 40);
        assertArrayEquals(new long[] {24}, infer(fc, v).shape());
        assertClose(reference(fc, v), infer(fc, v), "1-d input");
    }

    @Test
    void trainingNeverCreatesOrKeepsTheCopy() {
        var fc = new Linear(64, 32);
        Tensor x = input(5, 16, 64);
        Tensor y = fc.forward(x);
        assertTrue(y.requiresGrad());
        assertEquals(0, fc.packedWeightBytes(), "grad on: no packed copy");
        infer(fc, x);
        assertTrue(fc.packedWeightBytes() > 0);
        fc.forward(x).sum().backward();
        assertEquals(0, fc.packedWeightBytes(), "a recording forward drops the copy");
        assertArrayEquals(new long[] {32, 64}, fc.weight().grad().shape());
    }

    @Test
    void inputThatRequiresGradTakesTheRecordingPath() {
        var fc = new Linear(64, 32);
        Tensor x = input(6, 16, 64).setRequiresGrad(true);
        for (Tensor p : fc.parameters()) {
            p.setRequiresGrad(false);
        }
        Tensor y = fc.forward(x);
        assertTrue(y.requiresGrad(), "the input's gradient is still recorded");
        assertEquals(0, fc.packedWeightBytes());
        // Frozen layer, plain input, grad mode on: nothing needs a gradient.
        Tensor z = fc.forward(x.detach());
        assertFalse(z.requiresGrad());
        assertTrue(fc.packedWeightBytes() > 0);
        assertClose(reference(fc, x.detach()), z, "frozen layer");
    }

    @Test
    void optimizerStepsAreSeen() {
        var fc = new Linear(50, 20);
        var opt = new SGD(fc.parameters(), 0.5);
        Tensor x = input(7, 12, 50);
        for (int step = 0; step < 3; step++) {
            Tensor before = infer(fc, x);
            assertClose(reference(fc, x), before, "before step " + step);
            fc.forward(x).square().sum().backward();
            opt.step();
            opt.zeroGrad();
            Tensor after = infer(fc, x);
            assertClose(reference(fc, x), after, "after step " + step);
            assertFalse(java.util.Arrays.equals(before.toFloatArray(), after.toFloatArray()), "the step changed W");
        }
    }

    @Test
    void inPlaceWritesToTheWeightAreSeen() {
        var fc = new Linear(50, 20);
        Tensor x = input(8, 12, 50);
        infer(fc, x);
        Autograd.noGrad(() -> {
            fc.weight().mulInPlace(-2.0);
        });
        assertClose(reference(fc, x), infer(fc, x), "after mulInPlace");
        Autograd.noGrad(() -> {
            fc.weight().narrow(0, 3, 2).fillInPlace(0.25);
        });
        assertClose(reference(fc, x), infer(fc, x), "after a write through a view");
        Autograd.noGrad(() -> {
            fc.weight().setDouble(7.0, 4, 9);
        });
        assertClose(reference(fc, x), infer(fc, x), "after setDouble");
        Autograd.noGrad(() -> {
            dev.walnut.nn.init.Init.uniform(fc.weight(), -3, 3);
        });
        assertClose(reference(fc, x), infer(fc, x), "after nn.init");
    }

    @Test
    void loadingAStateDictIsSeen() {
        var fc = new Linear(50, 20);
        var other = new Linear(50, 20);
        Tensor x = input(9, 12, 50);
        infer(fc, x);
        fc.loadStateDict(other.stateDict());
        Tensor got = infer(fc, x);
        assertClose(reference(other, x), got, "after loadStateDict");
        assertArrayEquals(infer(other, x).toFloatArray(), got.toFloatArray());
    }

    @Test
    void replacedParametersAreSeen() {
        var fc = new Linear(50, 20);
        Tensor x = input(10, 12, 50);
        Tensor first = infer(fc, x);
        Tensor oldWeight = fc.weight();
        fc.to(DType.F64);
        Tensor f64 = infer(fc, x.to(DType.F64));
        assertEquals(DType.F64, f64.dtype());
        assertEquals(0, fc.packedWeightBytes(), "a float64 weight is not packed");
        Autograd.noGrad(() -> {
            fc.weight().mulInPlace(0.5);
        });
        fc.to(DType.F32);
        assertTrue(fc.weight() != oldWeight);
        assertClose(reference(fc, x), infer(fc, x), "after replacing the weight");
        assertFalse(java.util.Arrays.equals(first.toFloatArray(), infer(fc, x).toFloatArray()));
    }

    @Test
    void alternatingGradModesGiveConsistentResults() {
        var fc = new Linear(100, 40);
        var opt = new SGD(fc.parameters(), 0.1);
        Tensor x = input(11, 20, 100);
        for (int step = 0; step < 4; step++) {
            Tensor trained = fc.forward(x);
            Tensor inferred = infer(fc, x);
            double[] ref = reference(fc, x);
            assertClose(ref, trained.detach(), "recording path, step " + step);
            assertClose(ref, inferred, "packed path, step " + step);
            trained.square().mean().backward();
            opt.step();
            opt.zeroGrad();
        }
    }

    @Test
    void clearPackedWeightDropsTheCopy() {
        var fc = new Linear(64, 32);
        Tensor x = input(12, 16, 64);
        Tensor y = infer(fc, x);
        fc.clearPackedWeight();
        assertEquals(0, fc.packedWeightBytes());
        assertArrayEquals(y.toFloatArray(), infer(fc, x).toFloatArray());
    }
}
