package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;
import java.util.List;

/**
 * Steps several multiplicative schedules together (PyTorch's {@code ChainedScheduler}): every
 * {@link #step()} advances all of them by one epoch and the learning rate is the group's base
 * learning rate times the product of their factors,
 * {@code lr = base * prod_i (lr_i(epoch) / base_i)}, which is what PyTorch's recursive chaining
 * gives. Walnut's schedules are closed forms of the epoch, so only the schedules whose closed form
 * is {@code base * factor(epoch)} (and whose PyTorch recursive form multiplies the current
 * learning rate) may be chained: {@link StepLR}, {@link MultiStepLR}, {@link ExponentialLR} and
 * {@link LinearLR}; others are rejected. The chained schedules' own counters and
 * {@code getLastLr()} are not advanced; read this schedule's.
 *
 * <pre>{@code
 * var sched = new ChainedScheduler(opt, List.of(new ExponentialLR(opt, 0.9), new StepLR(opt, 2, 0.5)));
 * }</pre>
 */
public class ChainedScheduler extends LRScheduler {
    private final List<LRScheduler> schedulers;

    /** Chains {@code schedulers}, all attached to {@code optimizer}. */
    public ChainedScheduler(Optimizer optimizer, List<LRScheduler> schedulers) {
        super(optimizer);
        if (schedulers.isEmpty()) {
            throw new IllegalArgumentException("ChainedScheduler: no schedulers");
        }
        for (LRScheduler s : schedulers) {
            if (s.optimizer != optimizer) {
                throw new IllegalArgumentException("ChainedScheduler: every scheduler must be attached to the same optimizer");
            }
            if (!(s instanceof StepLR || s instanceof MultiStepLR || s instanceof ExponentialLR || s instanceof LinearLR)) {
                throw new IllegalArgumentException("ChainedScheduler: " + s.getClass().getSimpleName()
                        + " is not multiplicative; chain StepLR, MultiStepLR, ExponentialLR or LinearLR");
            }
        }
        this.schedulers = List.copyOf(schedulers);
        initialStep();
    }

    @Override
    protected double lrAt(int epoch, int group) {
        double lr = baseLrs[group];
        for (LRScheduler s : schedulers) {
            double b = s.baseLrs[group];
            lr = b == 0 ? 0 : lr * (s.lrAt(epoch, group) / b);
        }
        return lr;
    }
}
