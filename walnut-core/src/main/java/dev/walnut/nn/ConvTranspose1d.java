package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Convolution;

/**
 * 1-D transposed convolution over {@code [N, C_in, L]} (or {@code [C_in, L]}); weight
 * {@code [C_in, C_out / groups, k]}. Initialised like PyTorch: Kaiming-uniform with a = sqrt(5)
 * and bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)), where fanIn = weight.size(1) * k = C_out / groups * k.
 *
 * <pre>{@code
 * var up = new ConvTranspose1d(16, 8, 2, 2, 0);            // doubles L
 * Tensor y = up.forward(Tensor.randn(1, 16, 7));          // [1, 8, 14]
 * }</pre>
 */
public class ConvTranspose1d extends Module {
    private final long inChannels;
    private final long outChannels;
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final int outputPadding;
    private final int groups;
    private final int dilation;
    private Tensor weight;
    private Tensor bias;

    /** Kernel size {@code kernelSize}, stride 1, no padding, with a bias. */
    public ConvTranspose1d(long inChannels, long outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 0, 1, true, 1);
    }

    /** Like {@code nn.ConvTranspose1d(in, out, kernel_size, stride, padding)}. */
    public ConvTranspose1d(long inChannels, long outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 0, 1, true, 1);
    }

    /** PyTorch's argument order: {@code (in, out, k, stride, padding, output_padding, groups, bias, dilation)}. */
    public ConvTranspose1d(long inChannels, long outChannels, int kernelSize, int stride, int padding,
                           int outputPadding, int groups, boolean bias, int dilation) {
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("ConvTranspose1d: inChannels (" + inChannels + ") and outChannels ("
                    + outChannels + ") must be divisible by groups (" + groups + ")");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.outputPadding = outputPadding;
        this.groups = groups;
        this.dilation = dilation;
        this.weight = registerParameter("weight",
                Tensor.zeros(inChannels, outChannels / groups, kernelSize));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outChannels) : null);
        resetParameters();
    }

    /** PyTorch's {@code _ConvNd.reset_parameters} (fan-in taken from dim 1 of the weight). */
    public void resetParameters() {
        DefaultInit.kaimingUniformWithBias(weight, bias);
    }

    /** The kernel, shaped {@code [inChannels, outChannels / groups, k]} as in PyTorch. */
    public Tensor weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Convolution.convTranspose1d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    @Override
    protected String extraRepr() {
        StringBuilder sb = new StringBuilder().append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=(").append(kernelSize).append(",), stride=(").append(stride).append(",)");
        if (padding != 0) {
            sb.append(", padding=(").append(padding).append(",)");
        }
        if (dilation != 1) {
            sb.append(", dilation=(").append(dilation).append(",)");
        }
        if (outputPadding != 0) {
            sb.append(", output_padding=(").append(outputPadding).append(",)");
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (bias == null) {
            sb.append(", bias=False");
        }
        return sb.toString();
    }
}
