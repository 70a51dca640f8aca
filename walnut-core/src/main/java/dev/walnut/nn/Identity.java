package dev.walnut.nn;

import dev.walnut.Tensor;

/**
 * Returns its input unchanged (a placeholder, e.g. for a removed head).
 *
 * <p>Example: {@code new Identity().forward(x) == x}
 */
public class Identity extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return input;
    }
}
