package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * Mean absolute error {@link Losses#l1Loss(Tensor, Tensor, String)} as a module: {@code forward(input, target)}.
 *
 * <p>Example: {@code new L1Loss().forward(prediction, target)}
 */
public class L1Loss extends Module {
    private final String reduction;
    /** Mean reduction, as in PyTorch. */
    public L1Loss() {
        this("mean");
    }

    /** @param reduction "mean", "sum" or "none" */
    public L1Loss(String reduction) {
        this.reduction = reduction;
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("L1Loss.forward: expected (input, target), got " + inputs.length + " tensors");
        }
        return Losses.l1Loss(inputs[0], inputs[1], reduction);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
