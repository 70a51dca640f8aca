package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: scale * elu(x, alpha) with PyTorch's fixed SELU constants.
 *
 * <p>Example: {@code new SELU().forward(x)}
 */
public class SELU extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.selu(input);
    }
}
