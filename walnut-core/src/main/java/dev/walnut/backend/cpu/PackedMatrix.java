package dev.walnut.backend.cpu;

/**
 * A float32 right-hand GEMM operand {@code B[k x n]} packed once into the layout of the
 * {@link KernelProvider} that packed it, so that products reusing one B with many left-hand
 * operands (a {@code Linear} layer's weight during inference) skip the per-call packing of B.
 * Created by {@link Gemm#packB} and multiplied by {@link Gemm#sgemmPacked}.
 *
 * <pre>{@code
 * // W [n x k] row-major; B = W^T [k x n]: swap W's strides
 * PackedMatrix bp = Gemm.packB(k, n, w, 0, 1, k);
 * Gemm.sgemmPacked(m, 1f, x, 0, k, 1, bp, y, 0, n, false);   // y = x W^T, as sgemm would give
 * }</pre>
 *
 * <p>The packed copy is a snapshot: later writes to the source array are not seen. It holds
 * about {@code k x n} floats (the vector provider pads n up to a whole register-tile width) and
 * is immutable, so any number of threads may multiply by it at once. Internal to Walnut's back
 * ends, like {@link KernelProvider}: applications do not call it.
 */
public final class PackedMatrix implements dev.walnut.backend.Backend.Packed {
    private final KernelProvider provider;
    private final int rows;
    private final int columns;
    private final int columnUnit;
    private final int blockDepth;
    private final float[] data;

    PackedMatrix(KernelProvider provider, int rows, int columns, int columnUnit, int blockDepth, float[] data) {
        this.provider = provider;
        this.rows = rows;
        this.columns = columns;
        this.columnUnit = columnUnit;
        this.blockDepth = blockDepth;
        this.data = data;
    }

    /** k, the shared dimension of the product. */
    public int rows() {
        return rows;
    }

    /** n, the width of the product. */
    public int columns() {
        return columns;
    }

    /**
     * Column ranges given to {@link KernelProvider#sgemmPackedBlock} start at multiples of this
     * (the provider's panel width), so a thread's range never splits a panel.
     */
    public int columnUnit() {
        return columnUnit;
    }

    /**
     * Rows of B (k) per packed block in the provider's layout, 0 where the layout is not blocked
     * in k: the {@link GemmBlocking#depth()} in effect when the matrix was packed, which every
     * product with it then uses (so it rounds as {@link Gemm#sgemm} did under that blocking).
     */
    public int blockDepth() {
        return blockDepth;
    }

    /** The provider whose layout {@link #data} is in (only it can multiply by this matrix). */
    public KernelProvider provider() {
        return provider;
    }

    /** The packed elements, in the provider's layout; read-only by contract. */
    public float[] data() {
        return data;
    }

    /** Bytes held by the packed copy. */
    public long bytes() {
        return 4L * data.length;
    }
}
