package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ThresholdBackwardTest {
    @Test
    void passesTheGradientOnlyWhereTheInputIsAboveTheThreshold() {
        Tensor g = Tensor.fromArray(new float[] {1f, 2f, 3f, 4f, 5f}, 5);
        Tensor x = Tensor.fromArray(new float[] {0.5f, 0f, -1f, 2f, Float.NaN}, 5);
        assertArrayEquals(new float[] {1f, 0f, 0f, 4f, 0f},
                dev.walnut.ops.ElementwiseOps.thresholdBackward(g, x, 0.0).toFloatArray());
        assertArrayEquals(new float[] {0f, 0f, 0f, 4f, 0f},
                dev.walnut.ops.ElementwiseOps.thresholdBackward(g, x, 0.5).toFloatArray());
    }

    @Test
    void maskedOffInfinityAndNaNGiveZeroAsInPyTorch() {
        Tensor g = Tensor.fromArray(new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NaN}, 3);
        Tensor x = Tensor.fromArray(new double[] {-1.0, -1.0, 1.0}, 3);
        double[] r = dev.walnut.ops.ElementwiseOps.thresholdBackward(g, x, 0.0).toDoubleArray();
        assertArrayEquals(new double[] {0.0, 0.0, Double.NaN}, r);
    }

    @Test
    void largeContiguousAndStridedInputsAgreeWithWhere() {
        int n = 200_003; // more than one parallel chunk, odd length
        float[] gv = new float[n];
        float[] xv = new float[n];
        for (int i = 0; i < n; i++) {
            gv[i] = i * 0.5f - 7f;
            xv[i] = (i % 7) - 3f;
        }
        Tensor g = Tensor.fromArray(gv, n);
        Tensor x = Tensor.fromArray(xv, n);
        Tensor expected = Tensor.where(x.gt(0.0), g, Tensor.scalar(0.0, DType.F32));
        assertArrayEquals(expected.toFloatArray(), dev.walnut.ops.ElementwiseOps.thresholdBackward(g, x, 0.0).toFloatArray());
        Tensor gt = g.narrow(0, 0, 200_000).reshape(400, 500).transpose(0, 1);
        Tensor xt = x.narrow(0, 3, 200_000).reshape(400, 500).transpose(0, 1);
        Tensor expectedT = Tensor.where(xt.gt(0.0), gt, Tensor.scalar(0.0, DType.F32));
        assertArrayEquals(expectedT.toFloatArray(), dev.walnut.ops.ElementwiseOps.thresholdBackward(gt, xt, 0.0).toFloatArray());
    }

    @Test
    void shapeMismatchIsAnError() {
        assertThrows(IllegalArgumentException.class,
                () -> dev.walnut.ops.ElementwiseOps.thresholdBackward(Tensor.zeros(2, 3), Tensor.zeros(3, 2), 0.0));
    }
}
