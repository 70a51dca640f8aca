package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/** Module form of {@link Activations}: tanh(x). */
public class Tanh extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.tanh(input);
    }
}
