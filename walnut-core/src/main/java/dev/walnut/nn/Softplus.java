package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: log(1 + exp(beta * x)) / beta, reverting to x where
 * beta * x > threshold; defaults beta = 1, threshold = 20.
 *
 * <p>Example: {@code new Softplus().forward(x)}
 */
public class Softplus extends Module {
    private final double beta;
    private final double threshold;

    /** beta 1, threshold 20, as in PyTorch. */
    public Softplus() {
        this(1.0, 20.0);
    }

    /** Softplus with the given {@code beta}; linear above {@code threshold} for stability. */
    public Softplus(double beta, double threshold) {
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override
    protected String extraRepr() {
        return "beta=" + PyRepr.pyFloat(beta) + ", threshold=" + PyRepr.pyFloat(threshold);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.softplus(input, beta, threshold);
    }
}
