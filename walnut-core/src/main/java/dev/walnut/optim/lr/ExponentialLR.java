package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;

/**
 * Decays each group's learning rate by {@code gamma} every epoch: {@code lr = base * gamma^epoch}
 * (PyTorch's {@code ExponentialLR}).
 *
 * <pre>{@code
 * var sched = new ExponentialLR(opt, 0.95);
 * }</pre>
 */
public class ExponentialLR extends LRScheduler {
    private final double gamma;

    /** Multiplies the learning rate by {@code gamma} every epoch. */
    public ExponentialLR(Optimizer optimizer, double gamma) {
        super(optimizer);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double lrAt(int epoch, int group) {
        return baseLrs[group] * Math.pow(gamma, epoch);
    }
}
