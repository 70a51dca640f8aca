package dev.walnut.data;

/**
 * Loading a batch failed: thrown by a {@link DataLoader} iterator's {@code next()} on the
 * caller's thread, whatever thread the failure happened on. {@link #getCause()} is the
 * original exception; the message names the epoch, the batch and the sample.
 *
 * <pre>{@code
 * try {
 *     for (Tensor[] batch : loader) { ... }
 * } catch (DataLoaderException e) {
 *     System.err.println("bad sample " + e.sampleIndex() + ": " + e.getCause());
 * }
 * }</pre>
 */
public final class DataLoaderException extends RuntimeException {
    /** The epoch in which the sample failed. */
    private final long epoch;
    /** The batch that held the failing sample. */
    private final int batchIndex;
    /** The dataset index of the failing sample. */
    private final int sampleIndex;

    DataLoaderException(String message, Throwable cause, long epoch, int batchIndex, int sampleIndex) {
        super(message, cause);
        this.epoch = epoch;
        this.batchIndex = batchIndex;
        this.sampleIndex = sampleIndex;
    }

    /** The epoch being loaded. */
    public long epoch() {
        return epoch;
    }

    /** The batch's position in the epoch (0 for the first batch). */
    public int batchIndex() {
        return batchIndex;
    }

    /** The dataset index of the failing sample, or -1 when collating the batch failed. */
    public int sampleIndex() {
        return sampleIndex;
    }
}
