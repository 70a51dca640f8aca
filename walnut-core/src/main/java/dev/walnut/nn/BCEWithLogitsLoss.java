package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor, Tensor, String)} as a module: {@code forward(input, target)}.
 *
 * <p>Example: {@code new BCEWithLogitsLoss().forward(logits, targets)}
 */
public class BCEWithLogitsLoss extends Module {
    private final Tensor elementWeight;
    private final String reduction;
    private final Tensor posWeight;
    /** Mean reduction and no class weights, as in PyTorch. */
    public BCEWithLogitsLoss() {
        this(null, "mean", null);
    }

    /** @param reduction "mean", "sum" or "none" */
    public BCEWithLogitsLoss(Tensor weight, String reduction, Tensor posWeight) {
        this.elementWeight = weight == null ? null : registerBuffer("weight", weight);
        this.reduction = reduction;
        this.posWeight = posWeight == null ? null : registerBuffer("pos_weight", posWeight);
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("BCEWithLogitsLoss.forward: expected (input, target), got " + inputs.length + " tensors");
        }
        return Losses.binaryCrossEntropyWithLogits(inputs[0], inputs[1], elementWeight, posWeight, reduction);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
