package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Pooling;

/**
 * 2-D max pooling with a square window; stride defaults to the kernel size.
 *
 * <p>Example: {@code new MaxPool2d(2).forward(x)} halves {@code H} and {@code W}
 */
public class MaxPool2d extends Module {
    private final int kernelSize;
    private final int stride;
    private final int padding;

    /** Square window {@code kernelSize}, stride equal to the window, no padding. */
    public MaxPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** Like {@code nn.MaxPool2d(kernel_size, stride, padding)}. */
    public MaxPool2d(int kernelSize, int stride, int padding) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Pooling.maxPool2d(input, kernelSize, stride, padding, 1, false);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernelSize + ", stride=" + stride + ", padding=" + padding
                + ", dilation=1, ceil_mode=False";
    }
}
