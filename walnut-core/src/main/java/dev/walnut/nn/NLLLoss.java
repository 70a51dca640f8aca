package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#nllLoss(Tensor, Tensor, Tensor, long, String)} (input holds log-probabilities, target class indices) as a module: {@code forward(input, target)}.
 *
 * <p>Example: {@code new NLLLoss().forward(logProbs, classIndices)}
 */
public class NLLLoss extends Module {
    private final Tensor classWeight;
    private final long ignoreIndex;
    private final String reduction;
    /** Mean reduction and no class weights, as in PyTorch. */
    public NLLLoss() {
        this(null, -100, "mean");
    }

    /** @param reduction "mean", "sum" or "none" */
    public NLLLoss(Tensor weight, long ignoreIndex, String reduction) {
        this.classWeight = weight == null ? null : registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
        this.reduction = reduction;
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("NLLLoss.forward: expected (input, target), got " + inputs.length + " tensors");
        }
        return Losses.nllLoss(inputs[0], inputs[1], classWeight, ignoreIndex, reduction);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
