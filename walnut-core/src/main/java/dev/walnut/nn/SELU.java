package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/** Module form of {@link Activations}: scale * elu(x, alpha) with PyTorch's fixed SELU constants. */
public class SELU extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.selu(input);
    }
}
