package dev.walnut.data;

import dev.walnut.Generator;
import java.util.Arrays;
import java.util.Objects;

/**
 * Draws index {@code i} with probability proportional to {@code weights[i]} (like PyTorch's
 * {@code WeightedRandomSampler}); a typical use is rebalancing classes.
 *
 * <pre>{@code
 * double[] w = new double[labels.length];
 * for (int i = 0; i < w.length; i++) w[i] = 1.0 / classCount[labels[i]];
 * var sampler = new WeightedRandomSampler(w, labels.length, true, 42);
 * var loader = DataLoader.builder(dataset).sampler(sampler).batchSize(64).build();
 * }</pre>
 *
 * <p>With replacement every draw is independent. Without replacement the result has the
 * distribution of drawing one index at a time and removing it (what {@code torch.multinomial}
 * does); it is computed in one pass with Efraimidis-Spirakis keys ({@code log(u) / w}, largest
 * first), which needs {@code numSamples} indices with positive weight.
 */
public final class WeightedRandomSampler implements Sampler {
    private final double[] weights;
    private final double[] cumulative;
    private final int numSamples;
    private final boolean replacement;
    private final long seed;
    private final int positive;

    /**
     * @throws IllegalArgumentException when a weight is negative or not finite, all weights are
     *     zero, or (without replacement) fewer than {@code numSamples} weights are positive
     */
    public WeightedRandomSampler(double[] weights, int numSamples, boolean replacement, long seed) {
        Objects.requireNonNull(weights, "WeightedRandomSampler: weights");
        if (numSamples < 0) {
            throw new IllegalArgumentException("WeightedRandomSampler: numSamples must be non-negative, got "
                    + numSamples);
        }
        this.weights = weights.clone();
        this.cumulative = new double[weights.length];
        double total = 0;
        int pos = 0;
        for (int i = 0; i < weights.length; i++) {
            double w = weights[i];
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("WeightedRandomSampler: weights must be finite and non-negative, "
                        + "but weights[" + i + "] = " + w);
            }
            total += w;
            cumulative[i] = total;
            if (w > 0) {
                pos++;
            }
        }
        if (numSamples > 0 && pos == 0) {
            throw new IllegalArgumentException("WeightedRandomSampler: all " + weights.length
                    + " weights are zero; at least one must be positive");
        }
        if (!replacement && numSamples > pos) {
            throw new IllegalArgumentException("WeightedRandomSampler: cannot draw " + numSamples
                    + " samples without replacement: only " + pos + " weights are positive");
        }
        this.numSamples = numSamples;
        this.replacement = replacement;
        this.seed = seed;
        this.positive = pos;
    }

    @Override
    public int[] indices(long epoch) {
        Generator g = Seeds.generator(seed, 0x3E1647EDL, epoch);
        int[] out = new int[numSamples];
        if (replacement) {
            double total = cumulative[cumulative.length - 1];
            for (int k = 0; k < numSamples; k++) {
                double u = g.nextDouble() * total;
                // First i with cumulative[i] > u: zero-weight indices (equal cumulative) are never hit.
                int lo = 0;
                int hi = cumulative.length - 1;
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (cumulative[mid] > u) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                while (weights[lo] == 0) {
                    lo--;   // u rounded up to the total: step back to the last positive weight
                }
                out[k] = lo;
            }
            return out;
        }
        // Efraimidis-Spirakis: key_i = log(u_i) / w_i; the numSamples largest keys, in
        // decreasing order, are a weighted sample without replacement.
        double[] keys = new double[positive];
        int[] idx = new int[positive];
        int m = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                double u;
                do {
                    u = g.nextDouble();
                } while (u == 0.0);
                keys[m] = Math.log(u) / weights[i];
                idx[m] = i;
                m++;
            }
        }
        Integer[] order = new Integer[positive];
        for (int i = 0; i < positive; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(keys[b], keys[a]));
        for (int k = 0; k < numSamples; k++) {
            out[k] = idx[order[k]];
        }
        return out;
    }

    @Override
    public int length() {
        return numSamples;
    }
}
