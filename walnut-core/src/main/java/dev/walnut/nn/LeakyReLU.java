package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: x for x >= 0, else negativeSlope * x.
 *
 * <p>Example: {@code new LeakyReLU(0.2).forward(x)}
 */
public class LeakyReLU extends Module {
    private final double negativeSlope;

    /** Negative slope 0.01, as in PyTorch. */
    public LeakyReLU() {
        this(0.01);
    }

    /** Leaky ReLU with the given slope for negative inputs. */
    public LeakyReLU(double negativeSlope) {
        this.negativeSlope = negativeSlope;
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + PyRepr.pyFloat(negativeSlope);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.leakyRelu(input, negativeSlope);
    }
}
