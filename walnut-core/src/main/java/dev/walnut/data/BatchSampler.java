package dev.walnut.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Groups a {@link Sampler}'s order into batches of indices (like PyTorch's {@code BatchSampler}).
 * The last batch is smaller when the length is not a multiple of the batch size, unless
 * {@code dropLast} drops it.
 *
 * <pre>{@code
 * var batches = new BatchSampler(new SequentialSampler(10), 4, false);
 * batches.batches(0);    // [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
 * batches.length();      // 3 (2 with dropLast = true)
 * }</pre>
 */
public final class BatchSampler {
    private final Sampler sampler;
    private final int batchSize;
    private final boolean dropLast;

    /** Batches of {@code batchSize} (positive) consecutive indices of {@code sampler}. */
    public BatchSampler(Sampler sampler, int batchSize, boolean dropLast) {
        this.sampler = Objects.requireNonNull(sampler, "BatchSampler: sampler");
        if (batchSize < 1) {
            throw new IllegalArgumentException("BatchSampler: batchSize must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.dropLast = dropLast;
    }

    /** The batches of epoch {@code epoch}, in order; {@link #length()} of them. */
    public List<int[]> batches(long epoch) {
        int[] order = sampler.indices(epoch);
        if (order.length != sampler.length()) {
            throw new IllegalStateException("BatchSampler: sampler " + sampler.getClass().getSimpleName()
                    + " returned " + order.length + " indices for epoch " + epoch + " but its length() is "
                    + sampler.length());
        }
        int n = length();
        List<int[]> out = new ArrayList<>(n);
        for (int b = 0; b < n; b++) {
            int from = b * batchSize;
            out.add(Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize)));
        }
        return out;
    }

    /** Batches per epoch. */
    public int length() {
        int len = sampler.length();
        return dropLast ? len / batchSize : (int) ((len + (long) batchSize - 1) / batchSize);
    }

    /** The sampler whose order is batched. */
    public Sampler sampler() {
        return sampler;
    }

    /** The (maximum) batch size. */
    public int batchSize() {
        return batchSize;
    }

    /** True when a last, smaller batch is dropped. */
    public boolean dropLast() {
        return dropLast;
    }
}
