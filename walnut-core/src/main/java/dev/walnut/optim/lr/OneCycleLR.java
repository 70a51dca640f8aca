package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;
import dev.walnut.optim.ParamGroup;
import java.util.Arrays;
import java.util.List;

/**
 * The 1cycle policy (PyTorch's {@code OneCycleLR}). Two phases by default: the learning rate goes
 * from {@code maxLr / divFactor} up to {@code maxLr} over steps {@code 0 .. pctStart * totalSteps - 1},
 * then down to {@code maxLr / divFactor / finalDivFactor} at step {@code totalSteps - 1}. With
 * {@code threePhase}, it goes up as before, back down to {@code maxLr / divFactor} at step
 * {@code 2 * pctStart * totalSteps - 2}, then to the minimum at {@code totalSteps - 1}. Each phase
 * anneals with cosine ({@code end + (start - end) * (1 + cos(pi * pct)) / 2}) or linearly, with
 * {@code pct = (step - phaseStart) / (phaseEnd - phaseStart)}.
 *
 * <p>With {@code cycleMomentum} (the default, as in PyTorch) the momentum moves inversely:
 * {@code maxMomentum -> baseMomentum} in the first phase, {@code baseMomentum -> maxMomentum} in the
 * second, and stays at {@code maxMomentum} in the third. It is written to the group's {@code beta1}
 * option when the optimizer has betas (Adam family), otherwise to its {@code momentum} option (SGD,
 * RMSprop); an optimizer with neither is rejected. Defaults: pctStart 0.3, cosine, cycleMomentum,
 * baseMomentum 0.85, maxMomentum 0.95, divFactor 25, finalDivFactor 1e4, two phases.
 *
 * <pre>{@code
 * var sched = new OneCycleLR(opt, 0.1, 1000);   // step() after every batch
 * }</pre>
 */
public class OneCycleLR extends LRScheduler {
    private final double[] maxLrs;
    private final int totalSteps;
    private final boolean cosine;
    private final double divFactor;
    private final double finalDivFactor;
    private final boolean cycleMomentum;
    private final double baseMomentum;
    private final double maxMomentum;
    private final String momentumKey;
    /** Phase end steps; the learning rate and momentum of each phase go from start to end factors. */
    private final double[] phaseEnds;
    private final boolean threePhase;

    /**
     * One cycle with all options, in PyTorch's order; {@code maxLrs} holds one peak learning rate per
     * group, or a single one for all groups.
     */
    public OneCycleLR(Optimizer optimizer, double[] maxLrs, int totalSteps, double pctStart, boolean cosine,
            boolean cycleMomentum, double baseMomentum, double maxMomentum, double divFactor,
            double finalDivFactor, boolean threePhase) {
        super(setInitialLr(optimizer, expand(optimizer, maxLrs), divFactor));
        if (totalSteps <= 0 || !(pctStart >= 0 && pctStart <= 1)) {
            throw new IllegalArgumentException("OneCycleLR: need totalSteps > 0 and pctStart in [0, 1], got "
                    + totalSteps + " and " + pctStart);
        }
        this.maxLrs = expand(optimizer, maxLrs);
        this.totalSteps = totalSteps;
        this.cosine = cosine;
        this.divFactor = divFactor;
        this.finalDivFactor = finalDivFactor;
        this.cycleMomentum = cycleMomentum;
        this.baseMomentum = baseMomentum;
        this.maxMomentum = maxMomentum;
        this.threePhase = threePhase;
        this.phaseEnds = threePhase
                ? new double[] {pctStart * totalSteps - 1, 2 * pctStart * totalSteps - 2, totalSteps - 1}
                : new double[] {pctStart * totalSteps - 1, totalSteps - 1};
        if (cycleMomentum) {
            var defaults = optimizer.defaults();
            if (defaults.containsKey("beta1")) {
                momentumKey = "beta1";
            } else if (defaults.containsKey("momentum")) {
                momentumKey = "momentum";
            } else {
                throw new IllegalArgumentException("OneCycleLR: optimizer " + optimizer.getClass().getSimpleName()
                        + " has neither 'momentum' nor 'beta1'; construct with cycleMomentum = false");
            }
        } else {
            momentumKey = null;
        }
        initialStep();
    }

    /** One cycle peaking at {@code maxLr} (all groups), cycling momentum with PyTorch's defaults. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart, boolean cosine,
            double divFactor, double finalDivFactor) {
        this(optimizer, new double[] {maxLr}, totalSteps, pctStart, cosine, true, 0.85, 0.95, divFactor,
                finalDivFactor, false);
    }

    /** One cycle with PyTorch's defaults (pctStart 0.3, cosine, momentum 0.95 / 0.85, divFactor 25, finalDivFactor 1e4). */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
        this(optimizer, maxLr, totalSteps, 0.3, true, 25.0, 1e4);
    }

    /** One cycle with per-group peaks and PyTorch's other defaults. */
    public OneCycleLR(Optimizer optimizer, double[] maxLrs, int totalSteps) {
        this(optimizer, maxLrs, totalSteps, 0.3, true, true, 0.85, 0.95, 25.0, 1e4, false);
    }

    private static double[] expand(Optimizer optimizer, double[] maxLrs) {
        int n = optimizer.paramGroups().size();
        if (maxLrs.length == 1) {
            double[] out = new double[n];
            Arrays.fill(out, maxLrs[0]);
            return out;
        }
        if (maxLrs.length != n) {
            throw new IllegalArgumentException("OneCycleLR: expected 1 or " + n + " maxLr values, got " + maxLrs.length);
        }
        return maxLrs.clone();
    }

    // PyTorch overwrites each group's initial_lr with max_lr / div_factor.
    private static Optimizer setInitialLr(Optimizer optimizer, double[] maxLrs, double divFactor) {
        List<ParamGroup> groups = optimizer.paramGroups();
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).set("initialLr", maxLrs[i] / divFactor);
        }
        return optimizer;
    }

    private int phase(int epoch) {
        if (epoch > totalSteps) {
            throw new IllegalStateException("OneCycleLR: stepped " + epoch + " times, more than totalSteps = " + totalSteps);
        }
        int i = 0;
        while (i < phaseEnds.length - 1 && epoch > phaseEnds[i]) {
            i++;
        }
        return i;
    }

    private double pct(int epoch, int phase) {
        double start = phase == 0 ? 0 : phaseEnds[phase - 1];
        return (epoch - start) / (phaseEnds[phase] - start);
    }

    @Override
    protected double lrAt(int epoch, int group) {
        int p = phase(epoch);
        double initial = maxLrs[group] / divFactor;
        double min = initial / finalDivFactor;
        double pct = pct(epoch, p);
        if (p == 0) {
            return anneal(initial, maxLrs[group], pct);
        }
        if (threePhase && p == 1) {
            return anneal(maxLrs[group], initial, pct);
        }
        return anneal(threePhase ? initial : maxLrs[group], min, pct);
    }

    /** The momentum of step {@code epoch} (meaningful with cycleMomentum). */
    double momentumAt(int epoch) {
        int p = phase(epoch);
        double pct = pct(epoch, p);
        if (p == 0) {
            return anneal(maxMomentum, baseMomentum, pct);
        }
        if (p == 1) {
            return anneal(baseMomentum, maxMomentum, pct);
        }
        return anneal(maxMomentum, maxMomentum, pct);
    }

    @Override
    protected void afterApply(int epoch) {
        if (!cycleMomentum) {
            return;
        }
        double m = momentumAt(epoch);
        for (ParamGroup g : optimizer.paramGroups()) {
            g.set(momentumKey, m);
        }
    }

    private double anneal(double start, double end, double pct) {
        return cosine ? end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
    }
}
