package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: x * hardsigmoid(x).
 *
 * <p>Example: {@code new Hardswish().forward(x)}
 */
public class Hardswish extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.hardswish(input);
    }
}
