package dev.walnut.nn.functional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import org.junit.jupiter.api.Test;

/** F.linear and F.bilinear against closed-form values and float64 finite differences. */
class AffineTest {

    @Test
    void linearIsInputTimesWeightTransposedPlusBias() {
        // F.linear(torch.tensor([[1., 2.]]), torch.tensor([[1., 0.], [0., 1.], [1., 1.]]), torch.tensor([0., 0., 10.]))
        Tensor y = Affine.linear(Tensor.of(new double[][] {{1, 2}}), Tensor.of(new double[][] {{1, 0}, {0, 1}, {1, 1}}),
                Tensor.of(0.0, 0.0, 10.0));
        assertArrayEquals(new long[] {1, 3}, y.shape());
        assertArrayEquals(new float[] {1, 2, 13}, y.toFloatArray(), 0f);
    }

    @Test
    void bilinearMatchesItsDefinition() {
        // x1 = [1, 2], x2 = [3, 4, 5], A_0 = all ones, A_1 = [[1,0,0],[0,1,0]]: y = [(1+2)(3+4+5), 1*3 + 2*4] + b
        Tensor a = Tensor.of(new double[][][] {{{1, 1, 1}, {1, 1, 1}}, {{1, 0, 0}, {0, 1, 0}}});
        Tensor y = Affine.bilinear(Tensor.of(new double[][] {{1, 2}}), Tensor.of(new double[][] {{3, 4, 5}}), a,
                Tensor.of(0.5, -1.0));
        assertArrayEquals(new long[] {1, 2}, y.shape());
        assertArrayEquals(new float[] {36.5f, 10f}, y.toFloatArray(), 1e-5f);
    }

    @Test
    void bothAreDifferentiableInEveryArgument() {
        var g = new Generator(3);
        Tensor x = Tensor.randn(new long[] {4, 3}, DType.F64, g).setRequiresGrad(true);
        Tensor w = Tensor.randn(new long[] {2, 3}, DType.F64, g).setRequiresGrad(true);
        Tensor b = Tensor.randn(new long[] {2}, DType.F64, g).setRequiresGrad(true);
        GradCheck.check(in -> Affine.linear(in[0], in[1], in[2]), x, w, b);
        Tensor x2 = Tensor.randn(new long[] {4, 5}, DType.F64, g).setRequiresGrad(true);
        Tensor a = Tensor.randn(new long[] {2, 3, 5}, DType.F64, g).setRequiresGrad(true);
        GradCheck.check(in -> Affine.bilinear(in[0], in[1], in[2], in[3]), x, x2, a, b);
    }

    @Test
    void mismatchedShapesSayWhatIsExpected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Affine.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 5), null));
        assertTrue(e.getMessage().contains("[out, in]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }
}
