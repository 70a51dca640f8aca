package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: x clamped to [minVal, maxVal], defaults [-1, 1].
 *
 * <p>Example: {@code new Hardtanh().forward(x)}
 */
public class Hardtanh extends Module {
    private final double minVal;
    private final double maxVal;

    /** Clamps to [-1, 1]. */
    public Hardtanh() {
        this(-1.0, 1.0);
    }

    /** Clamps to [{@code minVal}, {@code maxVal}]. */
    public Hardtanh(double minVal, double maxVal) {
        if (Double.isNaN(minVal) || Double.isNaN(maxVal) || minVal > maxVal) {
            throw new IllegalArgumentException("Hardtanh: need minVal <= maxVal, got minVal=" + minVal
                    + ", maxVal=" + maxVal);
        }
        this.minVal = minVal;
        this.maxVal = maxVal;
    }

    @Override
    protected String extraRepr() {
        return "min_val=" + PyRepr.pyFloat(minVal) + ", max_val=" + PyRepr.pyFloat(maxVal);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.hardtanh(input, minVal, maxVal);
    }
}
