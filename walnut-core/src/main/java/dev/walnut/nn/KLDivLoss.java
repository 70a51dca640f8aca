package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#klDiv(Tensor, Tensor, String, boolean)} (input holds log-probabilities) as a module: {@code forward(input, target)}.
 *
 * <p>Example: {@code new KLDivLoss().forward(logProbs, targetProbs)}
 */
public class KLDivLoss extends Module {
    private final String reduction;
    private final boolean logTarget;
    /** Mean reduction and input as log-probabilities, as in PyTorch. */
    public KLDivLoss() {
        this("mean", false);
    }

    /** @param reduction "mean", "sum" or "none" */
    public KLDivLoss(String reduction, boolean logTarget) {
        this.reduction = reduction;
        this.logTarget = logTarget;
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("KLDivLoss.forward: expected (input, target), got " + inputs.length + " tensors");
        }
        return Losses.klDiv(inputs[0], inputs[1], reduction, logTarget);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
