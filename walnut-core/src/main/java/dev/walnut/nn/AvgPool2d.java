package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Pooling;

/**
 * 2-D average pooling with a square or (height, width) window; stride defaults to the kernel size; padding counts.
 *
 * <p>Example: {@code new AvgPool2d(2).forward(x)} halves {@code H} and {@code W}
 */
public class AvgPool2d extends Module {
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;

    /** Square window {@code kernelSize}, stride equal to the window, no padding. */
    public AvgPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** PyTorch's {@code nn.AvgPool2d(kernel_size, stride, padding)}. */
    public AvgPool2d(int kernelSize, int stride, int padding) {
        this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding});
    }

    /**
     * A (height, width) window, as PyTorch takes {@code kernel_size=(2, 3)}: each array holds two
     * values or one for both; {@code stride} null means the window.
     *
     * @param kernelSize the window
     * @param stride     the step, or null for the window
     * @param padding    padding on each side
     */
    public AvgPool2d(int[] kernelSize, int[] stride, int[] padding) {
        this.kernelSize = Conv2d.pair(getClass().getSimpleName(), "kernelSize", kernelSize, 1);
        this.stride = stride == null ? this.kernelSize : Conv2d.pair(getClass().getSimpleName(), "stride", stride, 1);
        this.padding = Conv2d.pair(getClass().getSimpleName(), "padding", padding, 0);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Pooling.avgPool2d(input, kernelSize, stride, padding, false, true, null);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + size(kernelSize) + ", stride=" + size(stride) + ", padding=" + size(padding);
    }

    /** PyTorch prints the int it was given for a square window, else the tuple. */
    private static String size(int[] v) {
        return v[0] == v[1] ? Integer.toString(v[0]) : Conv2d.tuple(v);
    }
}
