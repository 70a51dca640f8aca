package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Normalization;

import java.util.Arrays;

/**
 * Normalises over the trailing {@code normalizedShape} dims; elementwise affine weight (ones) and bias (zeros).
 *
 * <p>Example: {@code new LayerNorm(512).forward(x)} for {@code x} of {@code [..., 512]}
 */
public class LayerNorm extends Module {
    private final long[] normalizedShape;
    private final double eps;
    private Tensor weight;
    private Tensor bias;

    /** Normalizes over the trailing dims {@code normalizedShape}; eps 1e-5, affine. */
    public LayerNorm(long... normalizedShape) {
        this(normalizedShape, 1e-5, true);
    }

    /** Like {@code nn.LayerNorm(normalized_shape, eps, elementwise_affine)}. */
    public LayerNorm(long[] normalizedShape, double eps, boolean elementwiseAffine) {
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = registerParameter("weight", elementwiseAffine ? Tensor.ones(normalizedShape) : null);
        this.bias = registerParameter("bias", elementwiseAffine ? Tensor.zeros(normalizedShape) : null);
    }

    /** The elementwise scale, or null without affine parameters. */
    public Tensor weight() {
        return weight;
    }

    /** The elementwise shift, or null without affine parameters. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Normalization.layerNorm(input, normalizedShape, weight, bias, eps);
    }

    @Override
    protected String extraRepr() {
        String shape = Arrays.toString(normalizedShape).replace('[', '(').replace(']', ')');
        if (normalizedShape.length == 1) {
            shape = "(" + normalizedShape[0] + ",)";
        }
        return shape + ", eps=" + PyRepr.pyFloat(eps) + ", elementwise_affine=" + pyBool(weight != null);
    }
}
