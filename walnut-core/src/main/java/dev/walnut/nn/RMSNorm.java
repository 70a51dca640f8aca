package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Normalization;

import java.util.Arrays;

/**
 * {@code x / sqrt(mean(x^2) + eps) * weight} over the trailing {@code normalizedShape} dims, as
 * PyTorch's {@code nn.RMSNorm}: weight initialised to ones, {@code eps} null meaning the machine
 * epsilon of the input's dtype.
 *
 * <pre>{@code
 * Tensor y = new RMSNorm(8).forward(Tensor.randn(2, 8));
 * }</pre>
 */
public class RMSNorm extends Module {
    private final long[] normalizedShape;
    private final Double eps;
    private Tensor weight;

    /** Normalizes over the trailing dims {@code normalizedShape}, default eps, affine. */
    public RMSNorm(long... normalizedShape) {
        this(normalizedShape, null, true);
    }

    /** Like {@code nn.RMSNorm(normalized_shape, eps, elementwise_affine)}; a null eps means the dtype's machine epsilon, as in PyTorch. */
    public RMSNorm(long[] normalizedShape, Double eps, boolean elementwiseAffine) {
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = registerParameter("weight", elementwiseAffine ? Tensor.ones(normalizedShape) : null);
    }

    /** The elementwise scale, or null without affine parameters. */
    public Tensor weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Normalization.rmsNorm(input, normalizedShape, weight, eps);
    }

    @Override
    protected String extraRepr() {
        String shape = normalizedShape.length == 1 ? "(" + normalizedShape[0] + ",)"
                : Arrays.toString(normalizedShape).replace('[', '(').replace(']', ')');
        return shape + ", eps=" + (eps == null ? "None" : eps) + ", elementwise_affine=" + pyBool(weight != null);
    }
}
