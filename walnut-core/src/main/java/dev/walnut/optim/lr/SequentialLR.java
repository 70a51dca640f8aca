package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;
import java.util.List;

/**
 * Runs schedules one after the other, switching at the milestone epochs (PyTorch's
 * {@code SequentialLR}); each schedule restarts from its own epoch 0 when it takes over. All of
 * them must be attached to {@code optimizer}.
 *
 * <pre>{@code
 * var warmup = new LinearLR(opt, 0.1, 1.0, 5);
 * var cosine = new CosineAnnealingLR(opt, 95);
 * var sched = new SequentialLR(opt, List.of(warmup, cosine), new int[] {5});
 * }</pre>
 */
public class SequentialLR extends LRScheduler {
    private final List<LRScheduler> schedulers;
    private final int[] milestones;

    /** {@code schedulers.get(i + 1)} takes over at epoch {@code milestones[i]}. */
    public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, int[] milestones) {
        super(optimizer);
        if (schedulers.isEmpty() || milestones.length != schedulers.size() - 1) {
            throw new IllegalArgumentException("SequentialLR: expected " + (schedulers.size() - 1) + " milestones for "
                    + schedulers.size() + " schedulers, got " + milestones.length);
        }
        for (LRScheduler s : schedulers) {
            if (s.optimizer != optimizer) {
                throw new IllegalArgumentException("SequentialLR: every scheduler must be attached to the same optimizer");
            }
        }
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        initialStep();
    }

    @Override
    protected double lrAt(int epoch, int group) {
        int idx = 0;
        while (idx < milestones.length && milestones[idx] <= epoch) {
            idx++;
        }
        int local = idx == 0 ? epoch : epoch - milestones[idx - 1];
        return schedulers.get(idx).lrAt(local, group);
    }
}
