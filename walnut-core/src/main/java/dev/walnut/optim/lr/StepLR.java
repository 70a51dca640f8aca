package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;

/**
 * Decays each group's learning rate by {@code gamma} every {@code stepSize} epochs:
 * {@code lr = base * gamma^floor(epoch / stepSize)} (PyTorch's {@code StepLR}).
 *
 * <pre>{@code
 * var sched = new StepLR(opt, 30, 0.1);   // 0.05 for epochs 0-29, 0.005 for 30-59, ...
 * }</pre>
 */
public class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    /** Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs. */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize <= 0) {
            throw new IllegalArgumentException("StepLR: stepSize must be > 0, got " + stepSize);
        }
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double lrAt(int epoch, int group) {
        return baseLrs[group] * Math.pow(gamma, Math.floorDiv(epoch, stepSize));
    }
}
