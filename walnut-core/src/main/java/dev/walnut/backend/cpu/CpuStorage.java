package dev.walnut.backend.cpu;

import dev.walnut.DType;
import dev.walnut.backend.Storage;

/**
 * The CPU back end's storage: one Java primitive array on the heap, owned by the GC (DESIGN.md
 * §1.2). Only {@link CpuBackend} and the kernels it calls read {@link #array}.
 *
 * <pre>{@code
 * Storage s = CpuBackend.INSTANCE.fromArray(new float[] {1, 2});
 * }</pre>
 */
public final class CpuStorage extends Storage {
    /** The elements: a {@code float[]}, {@code double[]}, {@code int[]}, {@code long[]} or {@code boolean[]}. */
    final Object array;
    /**
     * What the back end derived from these elements and keeps for the next call while they do not
     * change: a convolution weight's packed copy ({@link PackedConvWeights}), else null.
     */
    volatile Object packedWeights;
    /**
     * The version at which {@link PackedConvWeights} first saw these elements without packing
     * them (-1: none): a plain field, so a training step, which sees every weight version once,
     * allocates nothing for it.
     */
    volatile int seenVersion = -1;

    CpuStorage(Object array, DType dtype) {
        super(dtype);
        this.array = array;
    }

    @Override
    public int length() {
        return switch (dtype()) {
            case F32 -> ((float[]) array).length;
            case F64 -> ((double[]) array).length;
            case I32 -> ((int[]) array).length;
            case I64 -> ((long[]) array).length;
            case BOOL -> ((boolean[]) array).length;
        };
    }
}
