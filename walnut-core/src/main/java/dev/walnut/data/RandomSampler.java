package dev.walnut.data;

import dev.walnut.Generator;

/**
 * Random order: without replacement, a fresh permutation of {@code 0..size-1} per epoch; with
 * replacement, {@code numSamples} independent uniform draws per epoch. The order is a function
 * of (seed, epoch) only, identical on every JDK.
 *
 * <pre>{@code
 * var shuffle = new RandomSampler(60_000, 42);                 // a permutation per epoch
 * var bootstrap = new RandomSampler(60_000, 42, true, 10_000);  // 10,000 draws with replacement
 * }</pre>
 */
public final class RandomSampler implements Sampler {
    private final int size;
    private final long seed;
    private final boolean replacement;
    private final int numSamples;

    /** A permutation of {@code 0..size-1} that changes with the epoch. */
    public RandomSampler(int size, long seed) {
        this(size, seed, false, size);
    }

    /**
     * @param numSamples how many indices per epoch; without replacement it must equal
     *     {@code size} (to take fewer, use a {@link SubsetRandomSampler} or {@link Datasets#randomSplit})
     */
    public RandomSampler(int size, long seed, boolean replacement, int numSamples) {
        if (size < 0) {
            throw new IllegalArgumentException("RandomSampler: size must be non-negative, got " + size);
        }
        if (numSamples < 0) {
            throw new IllegalArgumentException("RandomSampler: numSamples must be non-negative, got " + numSamples);
        }
        if (!replacement && numSamples != size) {
            throw new IllegalArgumentException("RandomSampler: without replacement numSamples (" + numSamples
                    + ") must equal the dataset size (" + size + "); pass replacement = true to draw "
                    + numSamples + " samples");
        }
        if (replacement && size == 0 && numSamples > 0) {
            throw new IllegalArgumentException("RandomSampler: cannot draw " + numSamples
                    + " samples from an empty dataset");
        }
        this.size = size;
        this.seed = seed;
        this.replacement = replacement;
        this.numSamples = numSamples;
    }

    @Override
    public int[] indices(long epoch) {
        Generator g = Seeds.generator(seed, 0xAD0L, epoch);
        if (!replacement) {
            return Seeds.permutation(size, g);
        }
        int[] out = new int[numSamples];
        for (int i = 0; i < numSamples; i++) {
            out[i] = (int) g.nextLong(size);
        }
        return out;
    }

    @Override
    public int length() {
        return numSamples;
    }

    /** The seed that, with the epoch, determines the order. */
    public long seed() {
        return seed;
    }

    /** True when indices are drawn with replacement. */
    public boolean replacement() {
        return replacement;
    }
}
