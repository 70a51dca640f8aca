package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Convolution;
import java.util.Arrays;

/**
 * 3-D convolution over {@code [N, C_in, D, H, W]} (or {@code [C_in, D, H, W]}); weight
 * {@code [C_out, C_in / groups, kD, kH, kW]}. Sizes are an {@code int} for a cube or an
 * {@code int[]} of (depth, height, width), as PyTorch takes {@code 3} or {@code (1, 3, 3)}.
 * Initialised like PyTorch: Kaiming-uniform with a = sqrt(5) and bias U(-1/sqrt(fanIn),
 * 1/sqrt(fanIn)), fanIn = C_in / groups * kD * kH * kW.
 *
 * <pre>{@code
 * var conv = new Conv3d(2, 4, 3, 1, 1);                      // nn.Conv3d(2, 4, 3, padding=1)
 * Tensor y = conv.forward(Tensor.randn(1, 2, 5, 6, 7));     // [1, 4, 5, 6, 7]
 * }</pre>
 */
public class Conv3d extends Module {
    private final long inChannels;
    private final long outChannels;
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private Tensor weight;
    private Tensor bias;

    /** Cube kernel, stride 1, no padding, with a bias. */
    public Conv3d(long inChannels, long outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0);
    }

    /** Like {@code nn.Conv3d(in, out, kernel_size, stride, padding)}. */
    public Conv3d(long inChannels, long outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {1}, 1,
                true);
    }

    /**
     * Every option of {@code nn.Conv3d}; each array holds (depth, height, width) or one value for all.
     *
     * @param inChannels  input channels
     * @param outChannels output channels
     * @param kernelSize  the window
     * @param stride      the step
     * @param padding     zeros added on each side
     * @param dilation    spacing of the window's taps
     * @param groups      channel groups
     * @param bias        whether to learn a bias
     */
    public Conv3d(long inChannels, long outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                  int groups, boolean bias) {
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv3d: inChannels (" + inChannels + ") and outChannels ("
                    + outChannels + ") must be divisible by groups (" + groups + ")");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = triple("kernelSize", kernelSize, 1);
        this.stride = triple("stride", stride, 1);
        this.padding = triple("padding", padding, 0);
        this.dilation = triple("dilation", dilation, 1);
        this.groups = groups;
        this.weight = registerParameter("weight", Tensor.zeros(outChannels, inChannels / groups, this.kernelSize[0],
                this.kernelSize[1], this.kernelSize[2]));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outChannels) : null);
        resetParameters();
    }

    private static int[] triple(String name, int[] v, int min) {
        if (v == null || (v.length != 1 && v.length != 3) || Arrays.stream(v).min().getAsInt() < min) {
            throw new IllegalArgumentException("Conv3d: " + name + " must be 1 or 3 values of at least " + min + ", got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        return v.length == 3 ? v.clone() : new int[] {v[0], v[0], v[0]};
    }

    /** PyTorch's {@code _ConvNd.reset_parameters}. */
    public void resetParameters() {
        DefaultInit.kaimingUniformWithBias(weight, bias);
    }

    /** The kernel, shaped {@code [outChannels, inChannels / groups, kD, kH, kW]}. */
    public Tensor weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Convolution.conv3d(input, weight, bias, stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        StringBuilder sb = new StringBuilder().append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=").append(Conv2d.tuple(kernelSize)).append(", stride=").append(Conv2d.tuple(stride));
        if (Arrays.stream(padding).anyMatch(p -> p != 0)) {
            sb.append(", padding=").append(Conv2d.tuple(padding));
        }
        if (Arrays.stream(dilation).anyMatch(d -> d != 1)) {
            sb.append(", dilation=").append(Conv2d.tuple(dilation));
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
