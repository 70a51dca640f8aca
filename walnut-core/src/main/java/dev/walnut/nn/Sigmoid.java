package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: 1 / (1 + exp(-x)).
 *
 * <p>Example: {@code new Sigmoid().forward(x)}
 */
public class Sigmoid extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.sigmoid(input);
    }
}
