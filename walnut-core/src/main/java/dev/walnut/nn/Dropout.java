package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Regularization;

/**
 * Inverted dropout with probability {@code p} while training; the identity in eval mode.
 *
 * <p>Example: {@code new Dropout(0.1).forward(x)}
 */
public class Dropout extends Module {
    private final double p;

    /** Drop probability 0.5, as in PyTorch. */
    public Dropout() {
        this(0.5);
    }

    /** Zeroes each element with probability {@code p} in training mode. */
    public Dropout(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        }
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Regularization.dropout(input, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + PyRepr.pyFloat(p) + ", inplace=False";
    }
}
