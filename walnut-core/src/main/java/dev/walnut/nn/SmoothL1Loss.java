package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#smoothL1Loss(Tensor, Tensor, String, double)} (beta defaults to 1) as a module: {@code forward(input, target)}.
 *
 * <p>Example: {@code new SmoothL1Loss().forward(prediction, target)}
 */
public class SmoothL1Loss extends Module {
    private final String reduction;
    private final double beta;
    /** beta 1 and mean reduction, as in PyTorch. */
    public SmoothL1Loss() {
        this("mean", 1.0);
    }

    /** @param reduction "mean", "sum" or "none" */
    public SmoothL1Loss(String reduction, double beta) {
        this.reduction = reduction;
        this.beta = beta;
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("SmoothL1Loss.forward: expected (input, target), got " + inputs.length + " tensors");
        }
        return Losses.smoothL1Loss(inputs[0], inputs[1], reduction, beta);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
