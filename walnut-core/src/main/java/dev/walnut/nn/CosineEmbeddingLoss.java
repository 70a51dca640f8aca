package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#cosineEmbeddingLoss(Tensor, Tensor, Tensor, double, String)} (margin defaults to 0) as a module: {@code forward(x1, x2, y)}.
 *
 * <p>Example: {@code new CosineEmbeddingLoss().forward(x1, x2, y)} with {@code y} in {-1, 1}
 */
public class CosineEmbeddingLoss extends Module {
    private final double margin;
    private final String reduction;
    /** Margin 0 and mean reduction, as in PyTorch. */
    public CosineEmbeddingLoss() {
        this(0.0, "mean");
    }

    /** @param reduction "mean", "sum" or "none" */
    public CosineEmbeddingLoss(double margin, String reduction) {
        this.margin = margin;
        this.reduction = reduction;
    }

    /** Takes {@code (x1, x2, y)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 3) {
            throw new IllegalArgumentException("CosineEmbeddingLoss.forward: expected (x1, x2, y), got " + inputs.length + " tensors");
        }
        return Losses.cosineEmbeddingLoss(inputs[0], inputs[1], inputs[2], margin, reduction);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
