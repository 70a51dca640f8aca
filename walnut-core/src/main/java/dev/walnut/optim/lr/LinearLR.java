package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;

/**
 * Scales each group's learning rate by a factor changing linearly from {@code startFactor} to
 * {@code endFactor} over {@code totalIters} epochs, then constant (PyTorch's {@code LinearLR},
 * defaults 1/3, 1.0 and 5): {@code lr = base * (start + (end - start) * min(epoch, total) / total)}.
 * The usual warm-up.
 *
 * <pre>{@code
 * var warmup = new LinearLR(opt, 0.01, 1.0, 5);
 * }</pre>
 */
public class LinearLR extends LRScheduler {
    private final double startFactor;
    private final double endFactor;
    private final int totalIters;

    /** A linear factor from {@code startFactor} to {@code endFactor} over {@code totalIters} epochs. */
    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1) || totalIters <= 0) {
            throw new IllegalArgumentException("LinearLR: need 0 < startFactor <= 1, 0 <= endFactor <= 1 and "
                    + "totalIters > 0, got " + startFactor + ", " + endFactor + ", " + totalIters);
        }
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    /** PyTorch's defaults: from 1/3 to 1 over 5 epochs. */
    public LinearLR(Optimizer optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    @Override
    protected double lrAt(int epoch, int group) {
        return baseLrs[group] * (startFactor + (endFactor - startFactor) * Math.min(epoch, totalIters) / totalIters);
    }
}
