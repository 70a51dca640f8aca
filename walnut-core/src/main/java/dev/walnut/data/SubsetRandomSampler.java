package dev.walnut.data;

import dev.walnut.Generator;
import java.util.Objects;

/**
 * Visits the given indices in a random order that changes with the epoch (like PyTorch's
 * {@code SubsetRandomSampler}).
 *
 * <pre>{@code
 * var sampler = new SubsetRandomSampler(new int[] {10, 11, 12, 13}, 42);
 * sampler.indices(0);                 // e.g. [12, 10, 13, 11]
 * }</pre>
 */
public final class SubsetRandomSampler implements Sampler {
    private final int[] indices;
    private final long seed;

    /** Visits {@code indices} (any non-negative values, duplicates allowed) shuffled per epoch. */
    public SubsetRandomSampler(int[] indices, long seed) {
        this.indices = Objects.requireNonNull(indices, "SubsetRandomSampler: indices").clone();
        for (int k = 0; k < this.indices.length; k++) {
            if (this.indices[k] < 0) {
                throw new IllegalArgumentException("SubsetRandomSampler: indices[" + k + "] = " + this.indices[k]
                        + " is negative");
            }
        }
        this.seed = seed;
    }

    @Override
    public int[] indices(long epoch) {
        Generator g = Seeds.generator(seed, 0x5B5E7L, epoch);
        int[] perm = Seeds.permutation(indices.length, g);
        int[] out = new int[indices.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = indices[perm[i]];
        }
        return out;
    }

    @Override
    public int length() {
        return indices.length;
    }
}
