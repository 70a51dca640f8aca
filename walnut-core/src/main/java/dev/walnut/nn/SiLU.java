package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: x * sigmoid(x).
 *
 * <p>Example: {@code new SiLU().forward(x)}
 */
public class SiLU extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.silu(input);
    }
}
