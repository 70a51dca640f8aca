package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#binaryCrossEntropy(Tensor, Tensor, Tensor, String)} (input holds probabilities) as a module: {@code forward(input, target)}.
 *
 * <p>Example: {@code new BCELoss().forward(probabilities, targets)}
 */
public class BCELoss extends Module {
    private final Tensor elementWeight;
    private final String reduction;
    /** Mean reduction, as in PyTorch. */
    public BCELoss() {
        this(null, "mean");
    }

    /** @param reduction "mean", "sum" or "none" */
    public BCELoss(Tensor weight, String reduction) {
        this.elementWeight = weight == null ? null : registerBuffer("weight", weight);
        this.reduction = reduction;
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("BCELoss.forward: expected (input, target), got " + inputs.length + " tensors");
        }
        return Losses.binaryCrossEntropy(inputs[0], inputs[1], elementWeight, reduction);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
