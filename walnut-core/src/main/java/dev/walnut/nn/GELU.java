package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: the Gaussian error linear unit.
 *
 * <p>Example: {@code new GELU().forward(x)}
 */
public class GELU extends Module {
    private final String approximate;

    /** Exact (erf) GELU. */
    public GELU() {
        this("none");
    }

    /** @param approximate "none" or "tanh" */
    public GELU(String approximate) {
        this.approximate = approximate;
    }

    @Override
    protected String extraRepr() {
        return "approximate='" + approximate + "'";
    }

    @Override
    public Tensor forward(Tensor input) {
        return Activations.gelu(input, approximate);
    }
}
