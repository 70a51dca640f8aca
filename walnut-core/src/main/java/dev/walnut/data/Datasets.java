package dev.walnut.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Operations on datasets: {@link #randomSplit} (like {@code torch.utils.data.random_split}).
 *
 * <pre>{@code
 * List<Subset<Tensor[]>> parts = Datasets.randomSplit(dataset, 42, 0.9, 0.1);   // by fractions
 * Subset<Tensor[]> train = parts.get(0), validation = parts.get(1);
 * Datasets.randomSplit(dataset, 42, 50_000, 10_000);                           // by lengths
 * }</pre>
 */
public final class Datasets {
    private Datasets() {
    }

    /**
     * Splits {@code dataset} into non-overlapping random subsets of the given lengths, which
     * must add up to {@code dataset.size()}. The same seed gives the same split on every JDK.
     *
     * @throws IllegalArgumentException when a length is negative or the lengths do not add up
     */
    public static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, long seed, int... lengths) {
        Objects.requireNonNull(dataset, "randomSplit: dataset");
        Objects.requireNonNull(lengths, "randomSplit: lengths");
        long total = 0;
        for (int len : lengths) {
            if (len < 0) {
                throw new IllegalArgumentException("randomSplit: lengths must be non-negative, got "
                        + Arrays.toString(lengths));
            }
            total += len;
        }
        if (total != dataset.size()) {
            throw new IllegalArgumentException("randomSplit: sum of input lengths " + Arrays.toString(lengths) + " = "
                    + total + " does not equal the length of the input dataset (" + dataset.size() + ")");
        }
        int[] perm = Seeds.permutation(dataset.size(), Seeds.generator(seed, 0x5EB1A7L));
        List<Subset<T>> out = new ArrayList<>(lengths.length);
        int offset = 0;
        for (int len : lengths) {
            out.add(new Subset<>(dataset, Arrays.copyOfRange(perm, offset, offset + len)));
            offset += len;
        }
        return out;
    }

    /**
     * Splits by fractions that add up to 1, with PyTorch's rounding rule: each part gets
     * {@code floor(size * fraction)} samples, then the remaining samples are handed out one at
     * a time to the parts in order, starting with the first (10 samples split 0.5/0.3/0.2 give
     * 5/3/2; 11 give 6/3/2).
     *
     * @throws IllegalArgumentException when a fraction is outside [0, 1] or they do not sum to 1
     */
    public static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, long seed, double... fractions) {
        Objects.requireNonNull(dataset, "randomSplit: dataset");
        return randomSplit(dataset, seed, lengthsForFractions(dataset.size(), fractions));
    }

    /** The lengths {@link #randomSplit(Dataset, long, double...)} uses for {@code size} samples. */
    public static int[] lengthsForFractions(int size, double... fractions) {
        Objects.requireNonNull(fractions, "randomSplit: fractions");
        if (fractions.length == 0) {
            throw new IllegalArgumentException("randomSplit: give at least one fraction");
        }
        double sum = 0;
        for (double f : fractions) {
            if (!(f >= 0 && f <= 1)) {
                throw new IllegalArgumentException("randomSplit: fractions must be in [0, 1], got "
                        + Arrays.toString(fractions));
            }
            sum += f;
        }
        // math.isclose(sum, 1) with its default rel_tol 1e-9, and sum <= 1 up to rounding.
        if (Math.abs(sum - 1.0) > 1e-9) {
            throw new IllegalArgumentException("randomSplit: fractions " + Arrays.toString(fractions) + " sum to "
                    + sum + ", not 1; give fractions that sum to 1 or exact lengths");
        }
        int[] lengths = new int[fractions.length];
        long assigned = 0;
        for (int k = 0; k < fractions.length; k++) {
            lengths[k] = (int) Math.floor(size * fractions[k]);
            assigned += lengths[k];
        }
        long remainder = size - assigned;
        for (int i = 0; i < remainder; i++) {
            lengths[i % lengths.length]++;
        }
        return lengths;
    }
}
