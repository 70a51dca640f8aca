package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

/**
 * Module form of {@link Activations}: log(sigmoid(x)), computed stably.
 *
 * <p>Example: {@code new LogSigmoid().forward(x)}
 */
public class LogSigmoid extends Module {

    @Override
    public Tensor forward(Tensor input) {
        return Activations.logSigmoid(input);
    }
}
