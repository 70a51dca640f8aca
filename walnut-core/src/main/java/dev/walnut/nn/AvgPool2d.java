package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Pooling;

/**
 * 2-D average pooling with a square window; stride defaults to the kernel size; padding counts.
 *
 * <p>Example: {@code new AvgPool2d(2).forward(x)} halves {@code H} and {@code W}
 */
public class AvgPool2d extends Module {
    private final int kernelSize;
    private final int stride;
    private final int padding;

    /** Square window {@code kernelSize}, stride equal to the window, no padding. */
    public AvgPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** PyTorch's {@code nn.AvgPool2d(kernel_size, stride, padding)}. */
    public AvgPool2d(int kernelSize, int stride, int padding) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Pooling.avgPool2d(input, kernelSize, stride, padding, false, true);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernelSize + ", stride=" + stride + ", padding=" + padding;
    }
}
