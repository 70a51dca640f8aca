package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * Mean squared error {@link Losses#mseLoss(Tensor, Tensor, String)} as a module: {@code forward(input, target)}.
 *
 * <p>Example: {@code new MSELoss().forward(prediction, target)}
 */
public class MSELoss extends Module {
    private final String reduction;

    /** Mean reduction, as in PyTorch. */
    public MSELoss() {
        this("mean");
    }

    /** @param reduction "mean", "sum" or "none" */
    public MSELoss(String reduction) {
        this.reduction = reduction;
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("MSELoss.forward: expected (input, target), got " + inputs.length
                    + " tensors");
        }
        return Losses.mseLoss(inputs[0], inputs[1], reduction);
    }
}
