package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;

/**
 * Cosine annealing with warm restarts (SGDR), as PyTorch's {@code CosineAnnealingWarmRestarts}:
 * the first cycle lasts {@code t0} epochs, each following one {@code tMult} times longer;
 * within a cycle of length {@code T} at position {@code tCur},
 * {@code lr = etaMin + (base - etaMin) * (1 + cos(pi * tCur / T)) / 2}.
 *
 * <pre>{@code
 * var sched = new CosineAnnealingWarmRestarts(opt, 10, 2, 1e-5);   // cycles of 10, 20, 40, ...
 * }</pre>
 */
public class CosineAnnealingWarmRestarts extends LRScheduler {
    private final int t0;
    private final int tMult;
    private final double etaMin;

    /** Restarts after {@code t0}, then {@code t0 * tMult}, ... epochs. */
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult, double etaMin) {
        super(optimizer);
        if (t0 <= 0 || tMult < 1) {
            throw new IllegalArgumentException("CosineAnnealingWarmRestarts: need t0 > 0 and tMult >= 1, got "
                    + t0 + " and " + tMult);
        }
        this.t0 = t0;
        this.tMult = tMult;
        this.etaMin = etaMin;
        initialStep();
    }

    /** Restarts every {@code t0} epochs, annealing to 0. */
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0) {
        this(optimizer, t0, 1, 0.0);
    }

    @Override
    protected double lrAt(int epoch, int group) {
        long tCur = epoch;
        long tI = t0;
        while (tCur >= tI) {
            tCur -= tI;
            tI *= tMult;
        }
        return etaMin + (baseLrs[group] - etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
    }
}
