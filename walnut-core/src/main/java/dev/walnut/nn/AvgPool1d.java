package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Pooling;

/**
 * 1-D average pooling over {@code [N, C, L]} or {@code [C, L]}; stride defaults to the kernel size
 * and padding counts towards the average unless {@code countIncludePad} is false.
 *
 * <p>Example: {@code new AvgPool1d(2).forward(x)} halves {@code L}
 */
public class AvgPool1d extends Module {
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    /** Window {@code kernelSize}, stride equal to the window, no padding. */
    public AvgPool1d(int kernelSize) {
        this(kernelSize, kernelSize, 0, false, true);
    }

    /** PyTorch's {@code nn.AvgPool1d(kernel_size, stride, padding)}; padding counts in the average. */
    public AvgPool1d(int kernelSize, int stride, int padding) {
        this(kernelSize, stride, padding, false, true);
    }

    /** Every option of {@code nn.AvgPool1d}. */
    public AvgPool1d(int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Pooling.avgPool1d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    /** PyTorch keeps AvgPool1d's sizes as 1-tuples, hence {@code kernel_size=(2,)}. */
    @Override
    protected String extraRepr() {
        return "kernel_size=(" + kernelSize + ",), stride=(" + stride + ",), padding=(" + padding + ",)";
    }
}
