package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: x for x > 0, else alpha * (exp(x) - 1); alpha defaults to 1.
 *
 * <p>Example: {@code new ELU().forward(x)}
 */
public class ELU extends Module {
    private final double alpha;

    /** {@code alpha} = 1, as in PyTorch. */
    public ELU() {
        this(1.0);
    }

    /** ELU with the given {@code alpha}. */
    public ELU(double alpha) {
        this.alpha = alpha;
    }

    @Override
    protected String extraRepr() {
        return "alpha=" + PyRepr.pyFloat(alpha);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.elu(input, alpha);
    }
}
