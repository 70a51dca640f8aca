package dev.walnut.backend.cpu;

/**
 * A float32 left-hand GEMM operand {@code A[m x k]} packed once into the register-tile panels of
 * the {@link KernelProvider} that packed it, for products that multiply one A by many B's: a
 * convolution's weights during inference, {@code out = W x columns} on every call. Without it
 * the vector GEMM either packs the weights on every call or, for the deep narrow products of a
 * ResNet's last stages, reads eight of W's rows at once in place, eight strided streams from
 * memory instead of one contiguous one. Created by {@link Gemm#packA} (null where the active
 * provider has no such layout) and multiplied by {@link Gemm#sgemmPackedA}.
 *
 * <pre>{@code
 * PackedLeftMatrix wp = Gemm.packA(cOut, ck, w, 0, ck, 1);            // W [cOut x ck], row-major
 * if (wp != null) {
 *     Gemm.sgemmPackedA(n, 1f, wp, cols, 0, n, 1, out, 0, n, false); // out = W cols, as sgemm gives it
 * }
 * }</pre>
 *
 * <p>A snapshot, like {@link PackedMatrix}: later writes to the source array are not seen, so a
 * holder keys it on the source's identity and version. It is packed with the calling thread's
 * {@link GemmBlocking#depth()} ({@link #blockDepth}) and every product with it uses that depth.
 * Immutable; any number of threads may multiply by it at once.
 */
public final class PackedLeftMatrix {
    private final KernelProvider provider;
    private final int rows;
    private final int depth;
    private final int blockDepth;
    private final float[] data;

    PackedLeftMatrix(KernelProvider provider, int rows, int depth, int blockDepth, float[] data) {
        this.provider = provider;
        this.rows = rows;
        this.depth = depth;
        this.blockDepth = blockDepth;
        this.data = data;
    }

    /** m, the rows of A and of the product. */
    public int rows() {
        return rows;
    }

    /** k, the shared dimension of the product. */
    public int depth() {
        return depth;
    }

    /** Columns of A (k) per packed block: the {@link GemmBlocking#depth()} it was packed under. */
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
