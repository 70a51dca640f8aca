package dev.walnut.nn.functional;

import dev.walnut.Tensor;
import java.util.Arrays;

/**
 * PyTorch's {@code F.linear} and {@code F.bilinear}: the affine maps behind {@code nn.Linear}
 * and {@code nn.Bilinear}, as functions of explicit weights (for functional models, weight
 * tying, or a layer's weights used elsewhere).
 *
 * <pre>{@code
 * Tensor y = Affine.linear(x, w, b);          // x W^T + b: [N, in] with W [out, in] -> [N, out]
 * Tensor z = Affine.bilinear(x1, x2, a, b);   // z_k = x1^T A_k x2 + b_k
 * }</pre>
 */
public final class Affine {
    private Affine() {
    }

    /**
     * {@code input W^T + bias} over the last dim of {@code input} ({@code [..., in]}), with
     * {@code weight} of shape {@code [out, in]} and {@code bias} {@code [out]} or null.
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        if (weight.dim() != 2 || input.dim() == 0 || input.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input of shape " + Arrays.toString(input.shape())
                    + " does not match a weight of shape " + Arrays.toString(weight.shape())
                    + " (expected input [..., in] and weight [out, in])");
        }
        Tensor y = input.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    /** {@link #linear(Tensor, Tensor, Tensor)} without a bias. */
    public static Tensor linear(Tensor input, Tensor weight) {
        return linear(input, weight, null);
    }

    /**
     * {@code y[..., k] = sum_ij input1[..., i] weight[k, i, j] input2[..., j] + bias[k]}, with
     * {@code input1} {@code [..., in1]}, {@code input2} {@code [..., in2]} (the same leading
     * dims), {@code weight} {@code [out, in1, in2]} and {@code bias} {@code [out]} or null.
     */
    public static Tensor bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor bias) {
        long[] s1 = input1.shape();
        long[] s2 = input2.shape();
        if (weight.dim() != 3 || s1.length == 0 || s1.length != s2.length
                || !Arrays.equals(Arrays.copyOf(s1, s1.length - 1), Arrays.copyOf(s2, s2.length - 1))
                || s1[s1.length - 1] != weight.size(1) || s2[s2.length - 1] != weight.size(2)) {
            throw new IllegalArgumentException("bilinear: inputs of shapes " + Arrays.toString(s1) + " and "
                    + Arrays.toString(s2) + " do not match a weight of shape " + Arrays.toString(weight.shape())
                    + " (expected [..., in1], [..., in2] with the same leading dims, and [out, in1, in2])");
        }
        long in1 = weight.size(1);
        long in2 = weight.size(2);
        long out = weight.size(0);
        // (x1 A_k) for every k at once: [M, in1] x [in1, out * in2], then the dot with x2.
        Tensor x1 = input1.reshape(-1, in1);
        Tensor x2 = input2.reshape(-1, in2);
        Tensor left = x1.matmul(weight.permute(1, 0, 2).reshape(in1, out * in2)).reshape(-1, out, in2);
        Tensor y = left.mul(x2.unsqueeze(1)).sum(new int[] {2}, false);
        if (bias != null) {
            y = y.add(bias);
        }
        long[] outShape = Arrays.copyOf(s1, s1.length);
        outShape[outShape.length - 1] = out;
        return y.reshape(outShape);
    }
}
