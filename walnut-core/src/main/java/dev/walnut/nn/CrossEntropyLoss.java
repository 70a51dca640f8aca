package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#crossEntropy(Tensor, Tensor, Tensor, long, String, double)} as a module:
 * {@code forward(logits, target)} with class indices or probabilities as target.
 *
 * <pre>{@code
 * Tensor loss = new CrossEntropyLoss().forward(logits, Tensor.of(0L, 2L));
 * }</pre>
 */
public class CrossEntropyLoss extends Module {
    private final Tensor classWeight;
    private final long ignoreIndex;
    private final String reduction;
    private final double labelSmoothing;

    /** Mean reduction, no class weights, no label smoothing, as in PyTorch. */
    public CrossEntropyLoss() {
        this(null, -100, "mean", 0.0);
    }

    /**
     * @param weight per-class weights {@code [C]} or null (kept as plain state, not a parameter)
     * @param reduction "mean", "sum" or "none"
     */
    public CrossEntropyLoss(Tensor weight, long ignoreIndex, String reduction, double labelSmoothing) {
        this.classWeight = weight == null ? null : registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
        this.reduction = reduction;
        this.labelSmoothing = labelSmoothing;
    }

    /** Takes {@code (input, target)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 2) {
            throw new IllegalArgumentException("CrossEntropyLoss.forward: expected (input, target), got "
                    + inputs.length + " tensors");
        }
        return Losses.crossEntropy(inputs[0], inputs[1], classWeight, ignoreIndex, reduction, labelSmoothing);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
