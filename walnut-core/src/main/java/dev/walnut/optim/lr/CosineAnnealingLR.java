package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;

/**
 * Cosine annealing from each group's base learning rate to {@code etaMin} over {@code tMax}
 * epochs (PyTorch's {@code CosineAnnealingLR}, closed form):
 * {@code lr = etaMin + (base - etaMin) * (1 + cos(pi * epoch / tMax)) / 2}.
 *
 * <pre>{@code
 * var sched = new CosineAnnealingLR(opt, 100, 0.0);
 * }</pre>
 */
public class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    /** Anneals to {@code etaMin} at epoch {@code tMax}. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax <= 0) {
            throw new IllegalArgumentException("CosineAnnealingLR: tMax must be > 0, got " + tMax);
        }
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    /** Anneals to 0 at epoch {@code tMax}. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0.0);
    }

    @Override
    protected double lrAt(int epoch, int group) {
        return etaMin + (baseLrs[group] - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
}
