package dev.walnut.nn;

import dev.walnut.Tensor;

/**
 * {@code y = x W^T + b} with {@code W: [outFeatures, inFeatures]}. Initialised like PyTorch:
 * W by Kaiming-uniform with a = sqrt(5) (so U(-1/sqrt(in), 1/sqrt(in))), b by U(-1/sqrt(in), 1/sqrt(in)).
 *
 * <pre>{@code
 * var fc = new Linear(4, 8);
 * Tensor y = fc.forward(Tensor.randn(2, 4));   // [2, 8]
 * }</pre>
 */
public class Linear extends Module {
    private final long inFeatures;
    private final long outFeatures;
    private Tensor weight;
    private Tensor bias;

    public Linear(long inFeatures, long outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Linear(long inFeatures, long outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outFeatures) : null);
        resetParameters();
    }

    /** PyTorch's {@code Linear.reset_parameters}. */
    public void resetParameters() {
        DefaultInit.kaimingUniformWithBias(weight, bias);
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or null when built with {@code bias = false}. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor y = input.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + pyBool(bias != null);
    }
}
