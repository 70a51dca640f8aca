package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Convolution;

/**
 * 2-D convolution over {@code [N, C_in, H, W]}; weight {@code [C_out, C_in / groups, kH, kW]}.
 * Sizes are an {@code int} for a square window or an {@code int[]} of (height, width), as PyTorch
 * takes {@code 3} or {@code (3, 5)}. Initialised like PyTorch: Kaiming-uniform with a = sqrt(5) and
 * bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = C_in / groups * kH * kW.
 *
 * <pre>{@code
 * var conv = new Conv2d(3, 16, 3, 1, 1);          // same padding
 * Tensor y = conv.forward(Tensor.randn(8, 3, 32, 32));   // [8, 16, 32, 32]
 * var wide = new Conv2d(3, 16, new int[] {1, 5}, new int[] {1, 2}, new int[] {0, 2});  // nn.Conv2d(3, 16, (1, 5), (1, 2), (0, 2))
 * }</pre>
 */
public class Conv2d extends Module {
    private final long inChannels;
    private final long outChannels;
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
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

    /** Every option of {@code nn.Conv2d}, with one value for both dims. */
    public Conv2d(long inChannels, long outChannels, int kernelSize, int stride, int padding, int dilation,
                  int groups, boolean bias) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding},
                new int[] {dilation}, groups, bias);
    }

    /** Like {@code nn.Conv2d(in, out, (kH, kW), (sH, sW), (pH, pW))}. */
    public Conv2d(long inChannels, long outChannels, int[] kernelSize, int[] stride, int[] padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, new int[] {1}, 1, true);
    }

    /**
     * Every option of {@code nn.Conv2d}; each array holds (height, width) or one value for both.
     *
     * @param inChannels  input channels
     * @param outChannels output channels
     * @param kernelSize  the window (kH, kW)
     * @param stride      the step (sH, sW)
     * @param padding     zeros added on each side (pH, pW)
     * @param dilation    spacing of the window's taps (dH, dW)
     * @param groups      channel groups
     * @param bias        whether to learn a bias
     */
    public Conv2d(long inChannels, long outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                  int groups, boolean bias) {
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv2d: inChannels (" + inChannels + ") and outChannels ("
                    + outChannels + ") must be divisible by groups (" + groups + ")");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = pair("Conv2d", "kernelSize", kernelSize, 1);
        this.stride = pair("Conv2d", "stride", stride, 1);
        this.padding = pair("Conv2d", "padding", padding, 0);
        this.dilation = pair("Conv2d", "dilation", dilation, 1);
        this.groups = groups;
        this.weight = registerParameter("weight", Tensor.zeros(outChannels, inChannels / groups, this.kernelSize[0],
                this.kernelSize[1]));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outChannels) : null);
        resetParameters();
    }

    /** (height, width) from one or two values, each at least {@code min}. */
    static int[] pair(String op, String name, int[] v, int min) {
        if (v == null || (v.length != 1 && v.length != 2) || Math.min(v[0], v[v.length - 1]) < min) {
            throw new IllegalArgumentException(op + ": " + name + " must be 1 or 2 values of at least " + min + ", got "
                    + (v == null ? "null" : java.util.Arrays.toString(v)));
        }
        return v.length == 2 ? v.clone() : new int[] {v[0], v[0]};
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
                .append(", kernel_size=").append(tuple(kernelSize)).append(", stride=").append(tuple(stride));
        if (padding[0] != 0 || padding[1] != 0) {
            sb.append(", padding=").append(tuple(padding));
        }
        if (dilation[0] != 1 || dilation[1] != 1) {
            sb.append(", dilation=").append(tuple(dilation));
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (bias == null) {
            sb.append(", bias=False");
        }
        return sb.toString();
    }

    /** Python's tuple repr: {@code (1, 5)}. */
    static String tuple(int[] v) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(v[i]);
        }
        return sb.append(v.length == 1 ? ",)" : ")").toString();
    }
}
