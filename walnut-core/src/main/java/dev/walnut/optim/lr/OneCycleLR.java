package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;

/**
 * The 1cycle policy (PyTorch's {@code OneCycleLR}, learning rate only): from
 * {@code maxLr / divFactor} up to {@code maxLr} over the first {@code pctStart * totalSteps - 1}
 * steps, then down to {@code maxLr / divFactor / finalDivFactor} at step {@code totalSteps - 1},
 * with cosine ({@code end + (start - end) * (1 + cos(pi * pct)) / 2}) or linear annealing.
 * Defaults: pctStart 0.3, cosine, divFactor 25, finalDivFactor 1e4. Momentum is not cycled.
 *
 * <pre>{@code
 * var sched = new OneCycleLR(opt, 0.1, 1000);   // step() after every batch
 * }</pre>
 */
public class OneCycleLR extends LRScheduler {
    private final double[] maxLrs;
    private final int totalSteps;
    private final double pctStart;
    private final boolean cosine;
    private final double divFactor;
    private final double finalDivFactor;

    /** One cycle peaking at {@code maxLr} over {@code totalSteps} with all options. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart, boolean cosine,
            double divFactor, double finalDivFactor) {
        super(setInitialLr(optimizer, maxLr / divFactor));
        if (totalSteps <= 0 || !(pctStart >= 0 && pctStart <= 1)) {
            throw new IllegalArgumentException("OneCycleLR: need totalSteps > 0 and pctStart in [0, 1], got "
                    + totalSteps + " and " + pctStart);
        }
        this.maxLrs = new double[baseLrs.length];
        java.util.Arrays.fill(maxLrs, maxLr);
        this.totalSteps = totalSteps;
        this.pctStart = pctStart;
        this.cosine = cosine;
        this.divFactor = divFactor;
        this.finalDivFactor = finalDivFactor;
        initialStep();
    }

    /** One cycle with PyTorch's defaults (pctStart 0.3, cosine, divFactor 25, finalDivFactor 1e4). */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
        this(optimizer, maxLr, totalSteps, 0.3, true, 25.0, 1e4);
    }

    // PyTorch overwrites each group's initial_lr with max_lr / div_factor.
    private static Optimizer setInitialLr(Optimizer optimizer, double initialLr) {
        for (var g : optimizer.paramGroups()) {
            g.set("initialLr", initialLr);
        }
        return optimizer;
    }

    @Override
    protected double lrAt(int epoch, int group) {
        if (epoch > totalSteps) {
            throw new IllegalStateException("OneCycleLR: stepped " + epoch + " times, more than totalSteps = " + totalSteps);
        }
        double initial = maxLrs[group] / divFactor;
        double min = initial / finalDivFactor;
        double end1 = pctStart * totalSteps - 1;
        if (epoch <= end1) {
            return anneal(initial, maxLrs[group], epoch / end1);
        }
        return anneal(maxLrs[group], min, (epoch - end1) / (totalSteps - 1 - end1));
    }

    private double anneal(double start, double end, double pct) {
        return cosine ? end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
    }
}
