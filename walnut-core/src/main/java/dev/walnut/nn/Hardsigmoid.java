package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: 0 for {@code x <= -3}, 1 for {@code x >= 3}, else {@code x / 6 + 1/2}.
 *
 * <p>Example: {@code new Hardsigmoid().forward(x)}
 */
public class Hardsigmoid extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.hardsigmoid(input);
    }
}
