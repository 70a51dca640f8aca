package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;
import dev.walnut.optim.ParamGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the epoch/step learning-rate schedules, as PyTorch's {@code LRScheduler}: each
 * schedule is a closed form of the epoch counter and each group's base learning rate (the group's
 * {@code initialLr} option, set from its learning rate by the first schedule attached). The
 * constructor applies epoch 0; each {@link #step()} advances one epoch and writes the new
 * learning rates into the optimizer's groups.
 *
 * <pre>{@code
 * var opt = new SGD(model.parameters(), 0.1);
 * var sched = new StepLR(opt, 30, 0.1);
 * for (int epoch = 0; epoch < 100; epoch++) {
 *     train(opt);
 *     sched.step();
 * }
 * }</pre>
 */
public abstract class LRScheduler {
    /** The optimizer whose learning rates are scheduled. */
    protected final Optimizer optimizer;
    /** The base learning rate of each group. */
    protected final double[] baseLrs;
    private int lastEpoch = -1;
    private List<Double> lastLr = List.of();

    /** A schedule over {@code optimizer}'s groups, with base learning rates from their {@code initialLr}. */
    protected LRScheduler(Optimizer optimizer) {
        this.optimizer = optimizer;
        List<ParamGroup> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).options().putIfAbsent("initialLr", groups.get(i).lr());
            baseLrs[i] = groups.get(i).getDouble("initialLr");
        }
    }

    /** Applies epoch 0; subclasses call this at the end of their constructor, once their fields are set. */
    protected final void initialStep() {
        step();
    }

    /** The learning rate of group {@code group} at epoch {@code epoch} (0 at construction). */
    protected abstract double lrAt(int epoch, int group);

    /** Advances one epoch and sets the groups' learning rates. */
    public void step() {
        lastEpoch++;
        apply();
    }

    private void apply() {
        List<ParamGroup> groups = optimizer.paramGroups();
        List<Double> lrs = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            double lr = lrAt(lastEpoch, i);
            groups.get(i).setLr(lr);
            lrs.add(lr);
        }
        lastLr = List.copyOf(lrs);
        afterApply(lastEpoch);
    }

    /**
     * Called after the learning rates of epoch {@code epoch} are written (by {@link #step()} and
     * {@link #loadStateDict}); schedules that also set other options (momentum) override it.
     */
    protected void afterApply(int epoch) {
    }

    /** The learning rates set by the last step, one per group. */
    public List<Double> getLastLr() {
        return lastLr;
    }

    /** The epoch counter (0 after construction). */
    public int lastEpoch() {
        return lastEpoch;
    }

    /** The schedule's state: {@code last_epoch}, {@code base_lrs} and {@code last_lr}. */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("last_epoch", lastEpoch);
        List<Double> base = new ArrayList<>();
        for (double b : baseLrs) {
            base.add(b);
        }
        m.put("base_lrs", base);
        m.put("last_lr", lastLr);
        return m;
    }

    /** Restores a state saved by {@link #stateDict()} and re-applies its learning rates to the optimizer. */
    @SuppressWarnings("unchecked")
    public void loadStateDict(Map<String, Object> state) {
        List<Double> base = (List<Double>) state.get("base_lrs");
        if (base.size() != baseLrs.length) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: " + base.size()
                    + " base learning rates for " + baseLrs.length + " groups");
        }
        for (int i = 0; i < baseLrs.length; i++) {
            baseLrs[i] = base.get(i);
        }
        lastEpoch = ((Number) state.get("last_epoch")).intValue();
        apply();
    }
}
