package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;
import dev.walnut.optim.ParamGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multiplies the learning rates by {@code factor} when a metric stops improving for more than
 * {@code patience} epochs (PyTorch's {@code ReduceLROnPlateau}). A value is an improvement when,
 * in mode min with relative threshold, {@code value < best * (1 - threshold)} (absolute:
 * {@code value < best - threshold}; mode max mirrors these). After a reduction, {@code cooldown}
 * epochs pass before bad epochs count again; learning rates never go below {@code minLr}, and a
 * reduction smaller than {@code eps} (1e-8) is skipped.
 *
 * <pre>{@code
 * var sched = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.1, 10, 1e-4, false, 0, 0.0);
 * sched.step(validationLoss);
 * }</pre>
 */
public class ReduceLROnPlateau {
    /** Whether lower ({@code MIN}) or higher ({@code MAX}) metric values are better. */
    public enum Mode {
        /** A lower metric is better (a loss). */
        MIN,
        /** A higher metric is better (an accuracy). */
        MAX
    }

    private static final double EPS = 1e-8;
    private final Optimizer optimizer;
    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final boolean absoluteThreshold;
    private final int cooldown;
    private final double minLr;
    private double best;
    private int numBadEpochs;
    private int cooldownCounter;
    private int lastEpoch;

    /** All options; {@code absoluteThreshold} false is PyTorch's {@code threshold_mode='rel'}. */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold,
            boolean absoluteThreshold, int cooldown, double minLr) {
        if (!(factor < 1.0)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be < 1, got " + factor);
        }
        this.optimizer = optimizer;
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.absoluteThreshold = absoluteThreshold;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** PyTorch's defaults: mode min, factor 0.1, patience 10, relative threshold 1e-4, no cooldown, minLr 0. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, Mode.MIN, 0.1, 10, 1e-4, false, 0, 0.0);
    }

    /** Records the metric of one epoch and reduces the learning rates if it has plateaued. */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            for (ParamGroup g : optimizer.paramGroups()) {
                double old = g.lr();
                double lr = Math.max(old * factor, minLr);
                if (old - lr > EPS) {
                    g.setLr(lr);
                }
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
    }

    private boolean isBetter(double a) {
        if (mode == Mode.MIN) {
            return absoluteThreshold ? a < best - threshold : a < best * (1 - threshold);
        }
        return absoluteThreshold ? a > best + threshold : a > best * (1 + threshold);
    }

    /** The current learning rates, one per group. */
    public List<Double> getLastLr() {
        List<Double> lrs = new ArrayList<>();
        for (ParamGroup g : optimizer.paramGroups()) {
            lrs.add(g.lr());
        }
        return List.copyOf(lrs);
    }

    /** The state: best value, bad-epoch and cooldown counters, epoch. */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("best", best);
        m.put("num_bad_epochs", numBadEpochs);
        m.put("cooldown_counter", cooldownCounter);
        m.put("last_epoch", lastEpoch);
        return m;
    }

    /** Restores a state saved by {@link #stateDict()}. */
    public void loadStateDict(Map<String, Object> state) {
        best = ((Number) state.get("best")).doubleValue();
        numBadEpochs = ((Number) state.get("num_bad_epochs")).intValue();
        cooldownCounter = ((Number) state.get("cooldown_counter")).intValue();
        lastEpoch = ((Number) state.get("last_epoch")).intValue();
    }
}
