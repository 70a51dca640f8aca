package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Normalization;

/**
 * Normalises {@code [N, C, *]} over groups of {@code C / numGroups} channels; per-channel affine
 * weight (ones) and bias (zeros), as PyTorch.
 *
 * <pre>{@code
 * Tensor y = new GroupNorm(2, 4).forward(Tensor.randn(3, 4, 5));
 * }</pre>
 */
public class GroupNorm extends Module {
    private final long numGroups;
    private final long numChannels;
    private final double eps;
    private Tensor weight;
    private Tensor bias;

    /** eps 1e-5, affine, as in PyTorch. */
    public GroupNorm(long numGroups, long numChannels) {
        this(numGroups, numChannels, 1e-5, true);
    }

    /** Like {@code nn.GroupNorm(num_groups, num_channels, eps, affine)}. */
    public GroupNorm(long numGroups, long numChannels, double eps, boolean affine) {
        if (numGroups <= 0 || numChannels % numGroups != 0) {
            throw new IllegalArgumentException("GroupNorm: numChannels (" + numChannels
                    + ") must be divisible by numGroups (" + numGroups + ")");
        }
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        this.weight = registerParameter("weight", affine ? Tensor.ones(numChannels) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(numChannels) : null);
    }

    /** The per-channel scale, or null when not affine. */
    public Tensor weight() {
        return weight;
    }

    /** The per-channel shift, or null when not affine. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Normalization.groupNorm(input, numGroups, weight, bias, eps);
    }

    @Override
    protected String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + eps + ", affine=" + pyBool(weight != null);
    }
}
