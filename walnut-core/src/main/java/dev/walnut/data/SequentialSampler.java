package dev.walnut.data;

/**
 * Visits {@code 0, 1, ..., n-1} in order every epoch.
 *
 * <pre>{@code
 * new SequentialSampler(4).indices(0);      // [0, 1, 2, 3]
 * }</pre>
 */
public final class SequentialSampler implements Sampler {
    private final int size;

    /** A sampler over a dataset of {@code size} samples. */
    public SequentialSampler(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("SequentialSampler: size must be non-negative, got " + size);
        }
        this.size = size;
    }

    @Override
    public int[] indices(long epoch) {
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = i;
        }
        return out;
    }

    @Override
    public int length() {
        return size;
    }
}
