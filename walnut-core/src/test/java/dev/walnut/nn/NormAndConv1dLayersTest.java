package dev.walnut.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradCheck;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormAndConv1dLayersTest {
    private static void gradCheck(Module m, Tensor x) {
        m.to(DType.F64);
        List<Tensor> inputs = new ArrayList<>(List.of(x.to(DType.F64).setRequiresGrad(true)));
        inputs.addAll(m.parameters());
        GradCheck.check(in -> m.forward(in[0]), inputs.toArray(new Tensor[0]));
    }

    @Test
    void conv1dWithHandSetWeightsComputesSlidingDotProducts() {
        var conv = new Conv1d(1, 1, 2);
        Autograd.noGrad(() -> {
            conv.weight().copyInPlace(Tensor.of(1.0, -1.0).reshape(1, 1, 2));
            conv.bias().fillInPlace(0.5);
        });
        Tensor y = conv.forward(Tensor.of(1.0, 4.0, 9.0, 16.0).reshape(1, 1, 4));
        assertArrayEquals(new double[] {-2.5, -4.5, -6.5}, y.toDoubleArray(), 1e-6);
        assertEquals("Conv1d(1, 1, kernel_size=(2,), stride=(1,))", conv.toString());
    }

    @Test
    void conv1dDefaultInitIsBoundedByOneOverSqrtFanIn() {
        var conv = new Conv1d(2, 3, 4, 2, 1, 1, 1, true);
        double bound = 1 / Math.sqrt(8);
        for (double w : conv.weight().toDoubleArray()) {
            assertTrue(Math.abs(w) <= bound);
        }
        assertArrayEquals(new long[] {5, 3, 5}, conv.forward(Tensor.randn(5, 2, 10)).shape());
        gradCheck(conv, Tensor.randn(2, 2, 6));
    }

    @Test
    void groupNormNormalisesEachGroupOfChannels() {
        var gn = new GroupNorm(2, 4);
        // Group 0 holds channels 0-1 = {1, 3}, group 1 holds channels 2-3 = {0, 4}: +-1 after normalising.
        Tensor y = gn.forward(Tensor.of(1.0, 3.0, 0.0, 4.0).reshape(1, 4, 1));
        double s1 = 1 / Math.sqrt(1 + 1e-5);
        double s2 = 2 / Math.sqrt(4 + 1e-5);
        assertArrayEquals(new double[] {-s1, s1, -s2, s2}, y.toDoubleArray(), 1e-6);
        assertEquals("GroupNorm(2, 4, eps=1.0E-5, affine=True)", gn.toString());
        var tiny = new GroupNorm(2, 4);
        Autograd.noGrad(() -> {
            tiny.weight().copyInPlace(Tensor.of(1.0, 2.0, 0.5, -1.0));
            tiny.bias().copyInPlace(Tensor.of(0.1, 0.2, 0.3, 0.4));
        });
        gradCheck(tiny, Tensor.randn(2, 4, 3));
    }

    @Test
    void rmsNormDividesByRootMeanSquare() {
        var rms = new RMSNorm(new long[] {2}, 0.0, true);
        Tensor y = rms.forward(Tensor.of(3.0, 4.0).reshape(1, 2));
        double r = Math.sqrt(12.5);
        assertArrayEquals(new double[] {3 / r, 4 / r}, y.toDoubleArray(), 1e-6);
        assertArrayEquals(new double[] {1, 1}, rms.weight().toDoubleArray(), 0.0);
        var tiny = new RMSNorm(3);
        Autograd.noGrad(() -> tiny.weight().copyInPlace(Tensor.of(1.0, -2.0, 0.5)));
        gradCheck(tiny, Tensor.randn(2, 3));
    }
}
