package dev.walnut.data;

/**
 * The order in which one epoch visits a dataset's indices (like PyTorch's {@code Sampler}).
 * {@link #indices(long)} is a pure function of the epoch, so the order of epoch 7 is the same
 * whether or not epochs 0 to 6 were run in this process (a resumed run continues the same way).
 *
 * <pre>{@code
 * Sampler s = new RandomSampler(1000, 42);
 * int[] epoch0 = s.indices(0);      // a permutation of 0..999
 * int[] epoch1 = s.indices(1);      // a different one; s.indices(0) again gives epoch0
 * var loader = DataLoader.builder(dataset).sampler(s).batchSize(32).build();
 * }</pre>
 */
public interface Sampler {
    /** The indices that epoch {@code epoch} visits, in order; always {@link #length()} of them. */
    int[] indices(long epoch);

    /** How many indices one epoch yields. */
    int length();
}
