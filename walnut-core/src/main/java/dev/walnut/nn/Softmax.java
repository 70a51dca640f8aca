package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: softmax along one dimension.
 *
 * <p>Example: {@code new Softmax(-1).forward(logits)}
 */
public class Softmax extends Module {
    private final int dim;

    /** Softmax along {@code dim}. */
    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.softmax(input, dim);
    }
}
