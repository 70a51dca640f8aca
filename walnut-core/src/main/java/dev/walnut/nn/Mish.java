package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: x * tanh(softplus(x)).
 *
 * <p>Example: {@code new Mish().forward(x)}
 */
public class Mish extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.mish(input);
    }
}
