package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Pooling;

/**
 * 1-D max pooling over {@code [N, C, L]} or {@code [C, L]}; stride defaults to the kernel size.
 *
 * <p>Example: {@code new MaxPool1d(2).forward(x)} halves {@code L}
 */
public class MaxPool1d extends Module {
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final boolean ceilMode;

    /** Window {@code kernelSize}, stride equal to the window, no padding. */
    public MaxPool1d(int kernelSize) {
        this(kernelSize, kernelSize, 0, 1, false);
    }

    /** Like {@code nn.MaxPool1d(kernel_size, stride, padding)}. */
    public MaxPool1d(int kernelSize, int stride, int padding) {
        this(kernelSize, stride, padding, 1, false);
    }

    /** Every option of {@code nn.MaxPool1d}. */
    public MaxPool1d(int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Pooling.maxPool1d(input, kernelSize, stride, padding, dilation, ceilMode);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernelSize + ", stride=" + stride + ", padding=" + padding
                + ", dilation=" + dilation + ", ceil_mode=" + pyBool(ceilMode);
    }
}
