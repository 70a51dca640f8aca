package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.init.Init;

/**
 * {@code y[..., o] = sum_ij x1[..., i] A[o, i, j] x2[..., j] + b[o]} with weight
 * {@code A: [outFeatures, in1Features, in2Features]}. Initialised like PyTorch: weight and bias
 * U(-1/sqrt(in1Features), 1/sqrt(in1Features)).
 *
 * <pre>{@code
 * var bl = new Bilinear(3, 4, 5);
 * Tensor y = bl.forward(Tensor.randn(2, 3), Tensor.randn(2, 4));   // [2, 5]
 * }</pre>
 */
public class Bilinear extends Module {
    private final long in1Features;
    private final long in2Features;
    private final long outFeatures;
    private Tensor weight;
    private Tensor bias;

    /** With a bias, like {@code nn.Bilinear(in1, in2, out)}. */
    public Bilinear(long in1Features, long in2Features, long outFeatures) {
        this(in1Features, in2Features, outFeatures, true);
    }

    /** Like {@code nn.Bilinear(in1, in2, out, bias)}. */
    public Bilinear(long in1Features, long in2Features, long outFeatures, boolean bias) {
        this.in1Features = in1Features;
        this.in2Features = in2Features;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, in1Features, in2Features));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outFeatures) : null);
        resetParameters();
    }

    /** PyTorch's {@code Bilinear.reset_parameters}: bound = 1/sqrt(in1Features) for weight and bias. */
    public void resetParameters() {
        double bound = in1Features > 0 ? 1.0 / Math.sqrt(in1Features) : 0.0;
        Init.uniform(weight, -bound, bound);
        if (bias != null) {
            Init.uniform(bias, -bound, bound);
        }
    }

    /** The weight, shaped {@code [outFeatures, in1Features, in2Features]}. */
    public Tensor weight() {
        return weight;
    }

    /** The bias, or null when built with {@code bias = false}. */
    public Tensor bias() {
        return bias;
    }

    /** Takes {@code (x1, x2)} of shapes {@code [..., in1Features]} and {@code [..., in2Features]}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("Bilinear.forward: expected (x1, x2), got " + inputs.length
                    + " tensors");
        }
        Tensor x1 = inputs[0];
        Tensor x2 = inputs[1];
        long[] s1 = x1.shape();
        long[] s2 = x2.shape();
        if (s1.length == 0 || s1[s1.length - 1] != in1Features || s2.length == 0
                || s2[s2.length - 1] != in2Features
                || !java.util.Arrays.equals(s1, 0, s1.length - 1, s2, 0, s2.length - 1)) {
            throw new IllegalArgumentException("Bilinear.forward: expected x1 [..., " + in1Features + "] and x2 [..., "
                    + in2Features + "] with equal leading dims, got " + java.util.Arrays.toString(s1) + " and "
                    + java.util.Arrays.toString(s2));
        }
        long n = 1;
        for (int i = 0; i < s1.length - 1; i++) {
            n *= s1[i];
        }
        Tensor a = x1.reshape(n, in1Features);
        Tensor b = x2.reshape(n, in2Features);
        // [in1, out * in2]: x1 A contracts i, then the product with x2 summed over j.
        Tensor w = weight.permute(1, 0, 2).reshape(in1Features, outFeatures * in2Features);
        Tensor y = a.matmul(w).reshape(n, outFeatures, in2Features).mul(b.unsqueeze(1)).sum(2);
        if (bias != null) {
            y = y.add(bias);
        }
        long[] outShape = s1.clone();
        outShape[outShape.length - 1] = outFeatures;
        return y.reshape(outShape);
    }

    @Override
    protected String extraRepr() {
        return "in1_features=" + in1Features + ", in2_features=" + in2Features + ", out_features=" + outFeatures
                + ", bias=" + pyBool(bias != null);
    }
}
