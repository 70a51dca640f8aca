package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: softmax(-x) along one dimension.
 *
 * <p>Example: {@code new Softmin(-1).forward(x)}
 */
public class Softmin extends Module {
    private final int dim;

    /** Softmin along {@code dim}. */
    public Softmin(int dim) {
        this.dim = dim;
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.softmin(input, dim);
    }
}
