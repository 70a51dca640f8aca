package dev.walnut;

/**
 * One entry of a PyTorch-style index, for {@link Tensor#index(Slice...)} and
 * {@link Tensor#indexPut(Tensor, Slice...)}: what Python writes as {@code :}, {@code 1:3},
 * {@code ::2}, {@code 0}, {@code None} or {@code ...}. Ranges clamp like Python slices and
 * negative positions count from the end.
 *
 * <pre>{@code
 * // x[0]            x[:, 1:3]                               x[..., ::2]
 * x.index(Slice.at(0)); x.index(Slice.all(), Slice.range(1, 3)); x.index(Slice.ellipsis(), Slice.range(0, Long.MAX_VALUE, 2));
 * }</pre>
 */
public final class Slice {
    enum Kind {
        ALL, RANGE, AT, NEW_AXIS, ELLIPSIS
    }

    final Kind kind;
    final long start;
    final long end;
    final long step;

    private Slice(Kind kind, long start, long end, long step) {
        this.kind = kind;
        this.start = start;
        this.end = end;
        this.step = step;
    }

    private static final Slice ALL = new Slice(Kind.ALL, 0, Long.MAX_VALUE, 1);
    private static final Slice NEW_AXIS = new Slice(Kind.NEW_AXIS, 0, 0, 0);
    private static final Slice ELLIPSIS = new Slice(Kind.ELLIPSIS, 0, 0, 0);

    /** The whole dim: Python's {@code :}. */
    public static Slice all() {
        return ALL;
    }

    /** {@code start:end}. */
    public static Slice range(long start, long end) {
        return range(start, end, 1);
    }

    /** {@code start:end:step} (step positive). */
    public static Slice range(long start, long end, long step) {
        if (step <= 0) {
            throw new IllegalArgumentException("Slice.range: step must be positive, got " + step);
        }
        return new Slice(Kind.RANGE, start, end, step);
    }

    /** {@code start:}. */
    public static Slice from(long start) {
        return range(start, Long.MAX_VALUE, 1);
    }

    /** {@code :end}. */
    public static Slice to(long end) {
        return range(0, end, 1);
    }

    /** A single position, which removes the dim: Python's {@code x[i]}. */
    public static Slice at(long index) {
        return new Slice(Kind.AT, index, 0, 0);
    }

    /** A new dim of size 1: Python's {@code None}. */
    public static Slice newAxis() {
        return NEW_AXIS;
    }

    /** As many {@code :} as the dims not indexed otherwise: Python's {@code ...}. */
    public static Slice ellipsis() {
        return ELLIPSIS;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> ":";
            case RANGE -> (start == 0 ? "" : Long.toString(start)) + ":" + (end == Long.MAX_VALUE ? "" : Long.toString(end))
                    + (step == 1 ? "" : ":" + step);
            case AT -> Long.toString(start);
            case NEW_AXIS -> "None";
            case ELLIPSIS -> "...";
        };
    }
}
