package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Convolution;

/**
 * 2-D convolution over {@code [N, C_in, H, W]} with a square kernel; weight
 * {@code [C_out, C_in / groups, k, k]}. Initialised like PyTorch: Kaiming-uniform with a = sqrt(5)
 * and bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = C_in / groups * k * k.
 *
 * <pre>{@code
 * var conv = new Conv2d(3, 16, 3, 1, 1);          // same padding
 * Tensor y = conv.forward(Tensor.randn(8, 3, 32, 32));   // [8, 16, 32, 32]
 * }</pre>
 */
public class Conv2d extends Module {
    private final long inChannels;
    private final long outChannels;
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;
    private Tensor weight;
    private Tensor bias;

    /** Square kernel, stride 1, no padding, with a bias. */
    public Conv2d(long inChannels, long outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true);
    }

    /** Like {@code nn.Conv2d(in, out, kernel_size, stride, padding)}. */
    public Conv2d(long inChannels, long outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true);
    }

    /** Every option of {@code nn.Conv2d}. */
    public Conv2d(long inChannels, long outChannels, int kernelSize, int stride, int padding, int dilation,
                  int groups, boolean bias) {
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv2d: inChannels (" + inChannels + ") and outChannels ("
                    + outChannels + ") must be divisible by groups (" + groups + ")");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.weight = registerParameter("weight", Tensor.zeros(outChannels, inChannels / groups, kernelSize, kernelSize));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outChannels) : null);
        resetParameters();
    }

    /** PyTorch's {@code _ConvNd.reset_parameters}. */
    public void resetParameters() {
        DefaultInit.kaimingUniformWithBias(weight, bias);
    }

    /** The kernel, shaped {@code [outChannels, inChannels / groups, kH, kW]}. */
    public Tensor weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Convolution.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        StringBuilder sb = new StringBuilder().append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=(").append(kernelSize).append(", ").append(kernelSize)
                .append("), stride=(").append(stride).append(", ").append(stride).append(")");
        if (padding != 0) {
            sb.append(", padding=(").append(padding).append(", ").append(padding).append(")");
        }
        if (dilation != 1) {
            sb.append(", dilation=(").append(dilation).append(", ").append(dilation).append(")");
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
