package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: log(softmax(x)) along one dimension.
 *
 * <p>Example: {@code new LogSoftmax(1).forward(logits)}
 */
public class LogSoftmax extends Module {
    private final int dim;

    /** Log-softmax along {@code dim}. */
    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.logSoftmax(input, dim);
    }
}
