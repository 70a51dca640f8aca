package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Pooling;

/**
 * Averages {@code [N, C, H, W]} down to a fixed {@code [outH, outW]} whatever the input size.
 *
 * <p>Example: {@code new AdaptiveAvgPool2d(1).forward(x)} turns {@code [N, C, H, W]} into {@code [N, C, 1, 1]}
 */
public class AdaptiveAvgPool2d extends Module {
    private final int outputHeight;
    private final int outputWidth;

    /** Square output of {@code outputSize x outputSize}, like {@code nn.AdaptiveAvgPool2d(n)}. */
    public AdaptiveAvgPool2d(int outputSize) {
        this(outputSize, outputSize);
    }

    /** Output of {@code outputHeight x outputWidth} whatever the input size. */
    public AdaptiveAvgPool2d(int outputHeight, int outputWidth) {
        this.outputHeight = outputHeight;
        this.outputWidth = outputWidth;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Pooling.adaptiveAvgPool2d(input, outputHeight, outputWidth);
    }

    @Override
    protected String extraRepr() {
        return "output_size=" + (outputHeight == outputWidth ? Integer.toString(outputHeight)
                : "(" + outputHeight + ", " + outputWidth + ")");
    }
}
