package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#huberLoss(Tensor, Tensor, String, double)} (delta defaults to 1) as a module: {@code forward(input, target)}.
 *
 * <p>Example: {@code new HuberLoss().forward(prediction, target)}
 */
public class HuberLoss extends Module {
    private final String reduction;
    private final double delta;
    /** delta 1 and mean reduction, as in PyTorch. */
    public HuberLoss() {
        this("mean", 1.0);
    }

    /** @param reduction "mean", "sum" or "none" */
    public HuberLoss(String reduction, double delta) {
        this.reduction = reduction;
        this.delta = delta;
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("HuberLoss.forward: expected (input, target), got " + inputs.length + " tensors");
        }
        return Losses.huberLoss(inputs[0], inputs[1], reduction, delta);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
