package dev.walnut;

/**
 * One entry of a PyTorch-style index, for {@link Tensor#index(Slice...)} and
 * {@link Tensor#indexPut(Tensor, Slice...)}: what Python writes as {@code :}, {@code 1:3},
 * {@code ::2}, {@code 0}, {@code None} or {@code ...}, and the advanced indices {@code [0, 2]},
 * {@code idx} (an integer tensor) and {@code mask} (a bool tensor) through {@link #of(Tensor)}
 * and {@link #of(long...)}. Ranges clamp like Python slices and negative positions count from
 * the end.
 *
 * <pre>{@code
 * // x[0]            x[:, 1:3]                               x[..., ::2]
 * x.index(Slice.at(0)); x.index(Slice.all(), Slice.range(1, 3)); x.index(Slice.ellipsis(), Slice.range(0, Long.MAX_VALUE, 2));
 * // x[[0, 2]]       x[mask]                  x[:, idx]
 * x.index(Slice.of(0, 2)); x.index(Slice.of(x.gt(0))); x.index(Slice.all(), Slice.of(idx));
 * }</pre>
 */
public final class Slice {
    enum Kind {
        ALL, RANGE, AT, NEW_AXIS, ELLIPSIS, TENSOR
    }

    final Kind kind;
    final long start;
    final long end;
    final long step;
    /** The index tensor of an advanced index (kind TENSOR), else null. */
    final Tensor tensor;

    private Slice(Kind kind, long start, long end, long step) {
        this(kind, start, end, step, null);
    }

    private Slice(Kind kind, long start, long end, long step, Tensor tensor) {
        this.kind = kind;
        this.start = start;
        this.end = end;
        this.step = step;
        this.tensor = tensor;
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

    /**
     * An advanced index, with PyTorch's semantics: an integer tensor (I64 or I32, any shape,
     * negative values count from the end) picks positions along one dim, like {@code x[idx]}; a
     * BOOL tensor picks the positions where it is true across as many dims as it has, like
     * {@code x[mask]}. Several advanced indices broadcast together; their result dims replace the
     * indexed dims when the advanced indices are next to each other, and come first otherwise
     * (integers from {@link #at(long)} are applied first, as selections, as PyTorch does). The
     * result of an index with an advanced entry is a copy, not a view.
     *
     * <pre>{@code
     * Tensor x = Tensor.arange(12L).reshape(3, 4);
     * x.index(Slice.of(x.gt(8L)));                                   // x[x > 8]      -> [9, 10, 11]
     * x.index(Slice.all(), Slice.of(Tensor.of(3L, 0L)));             // x[:, [3, 0]]  -> shape [3, 2]
     * x.index(Slice.of(Tensor.of(0L, 2L)), Slice.of(Tensor.of(1L, 3L)));  // x[[0, 2], [1, 3]] -> [1, 11]
     * }</pre>
     *
     * @param index an I64/I32 tensor of positions or a BOOL mask
     * @return the index entry
     */
    public static Slice of(Tensor index) {
        if (index == null) {
            throw new IllegalArgumentException("Slice.of: the index tensor is null");
        }
        DType dt = index.dtype();
        if (dt != DType.I64 && dt != DType.I32 && dt != DType.BOOL) {
            throw new IllegalArgumentException("Slice.of: tensors used as indices must be I64, I32 or BOOL, got " + dt
                    + " (shape " + Shapes.str(index.shape) + "); convert positions with to(DType.I64)");
        }
        return new Slice(Kind.TENSOR, 0, 0, 0, index);
    }

    /**
     * A list of positions along one dim, Python's {@code x[[0, 2, -1]]}: {@link #of(Tensor)} of a
     * 1-d I64 tensor.
     *
     * @param positions the positions (negative values count from the end)
     * @return the index entry
     */
    public static Slice of(long... positions) {
        return of(Tensor.fromArray(positions.clone(), positions.length));
    }

    /**
     * A literal mask along one dim, Python's {@code x[[True, False, True]]}: {@link #of(Tensor)}
     * of a 1-d BOOL tensor.
     *
     * @param mask true for the positions to keep
     * @return the index entry
     */
    public static Slice of(boolean... mask) {
        return of(Tensor.fromArray(mask.clone(), mask.length));
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
            case TENSOR -> "tensor(shape " + Shapes.str(tensor.shape) + ", " + tensor.dtype() + ")";
        };
    }
}
