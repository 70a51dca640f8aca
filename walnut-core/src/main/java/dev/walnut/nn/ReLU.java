package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: max(0, x).
 *
 * <p>Example: {@code new ReLU().forward(x)}
 */
public class ReLU extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.relu(input);
    }
}
