package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;

/**
 * {@link Losses#tripletMarginLoss(Tensor, Tensor, Tensor, double, double, double, boolean, String)} (defaults margin 1, p 2, eps 1e-6, no swap) as a module: {@code forward(anchor, positive, negative)}.
 *
 * <p>Example: {@code new TripletMarginLoss().forward(anchor, positive, negative)}
 */
public class TripletMarginLoss extends Module {
    private final double margin;
    private final double p;
    private final double eps;
    private final boolean swap;
    private final String reduction;
    /** Margin 1, p 2 and mean reduction, as in PyTorch. */
    public TripletMarginLoss() {
        this(1.0, 2.0, 1e-6, false, "mean");
    }

    /** @param reduction "mean", "sum" or "none" */
    public TripletMarginLoss(double margin, double p, double eps, boolean swap, String reduction) {
        this.margin = margin;
        this.p = p;
        this.eps = eps;
        this.swap = swap;
        this.reduction = reduction;
    }

    /** Takes {@code (anchor, positive, negative)}. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 3) {
            throw new IllegalArgumentException("TripletMarginLoss.forward: expected (anchor, positive, negative), got " + inputs.length + " tensors");
        }
        return Losses.tripletMarginLoss(inputs[0], inputs[1], inputs[2], margin, p, eps, swap, reduction);
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
