package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;
import java.util.Arrays;

/**
 * Decays each group's learning rate by {@code gamma} at each milestone epoch:
 * {@code lr = base * gamma^(number of milestones <= epoch)} (PyTorch's {@code MultiStepLR};
 * a repeated milestone decays twice).
 *
 * <pre>{@code
 * var sched = new MultiStepLR(opt, new int[] {30, 80}, 0.1);
 * }</pre>
 */
public class MultiStepLR extends LRScheduler {
    private final int[] milestones;
    private final double gamma;

    /** Multiplies the learning rate by {@code gamma} at each of {@code milestones}. */
    public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {
        super(optimizer);
        this.milestones = milestones.clone();
        Arrays.sort(this.milestones);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double lrAt(int epoch, int group) {
        int passed = 0;
        for (int m : milestones) {
            if (m <= epoch) {
                passed++;
            }
        }
        return baseLrs[group] * Math.pow(gamma, passed);
    }
}
