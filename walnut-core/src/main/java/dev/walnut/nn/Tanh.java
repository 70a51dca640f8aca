package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: tanh(x).
 *
 * <p>Example: {@code new Tanh().forward(x)}
 */
public class Tanh extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.tanh(input);
    }
}
