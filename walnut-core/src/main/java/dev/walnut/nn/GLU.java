package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: a * sigmoid(b), where a and b are the two halves of the input along one dimension.
 *
 * <p>Example: {@code new GLU(-1).forward(x)} halves the last dim}
 */
public class GLU extends Module {
    private final int dim;

    /** Splits along the last dimension, as PyTorch's default {@code dim=-1}. */
    public GLU() {
        this(-1);
    }

    /** Splits the input in half along {@code dim}. */
    public GLU(int dim) {
        this.dim = dim;
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.glu(input, dim);
    }
}
