package dev.walnut;

/**
 * Element types of a {@link Tensor}, with PyTorch's type-promotion rules.
 *
 * <pre>{@code
 * Tensor i = Tensor.arange(3);              // I64
 * Tensor f = i.mul(Tensor.scalar(0.5));     // F32: an integer tensor meets a float -> default float
 * DType t = DType.promote(DType.I32, DType.F64); // F64
 * }</pre>
 */
public enum DType {
    /** Boolean, stored as {@code boolean[]}. */
    BOOL("bool", 1, 0),
    /** 32-bit signed integer, stored as {@code int[]}. */
    I32("int32", 4, 1),
    /** 64-bit signed integer, stored as {@code long[]}. */
    I64("int64", 8, 1),
    /** 32-bit IEEE float, stored as {@code float[]}; the default dtype. */
    F32("float32", 4, 2),
    /** 64-bit IEEE float, stored as {@code double[]}. */
    F64("float64", 8, 2);

    private final String pytorchName;
    private final int byteSize;
    private final int category;

    DType(String pytorchName, int byteSize, int category) {
        this.pytorchName = pytorchName;
        this.byteSize = byteSize;
        this.category = category;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for F32 and F64. */
    public boolean isFloatingPoint() {
        return category == 2;
    }

    /** True for I32 and I64 (not BOOL). */
    public boolean isIntegral() {
        return category == 1;
    }

    /** The PyTorch spelling, e.g. {@code float32}. */
    public String pytorchName() {
        return pytorchName;
    }

    /**
     * The smallest dtype both values fit, following PyTorch: bool &lt; integers &lt; floats, and
     * within a category the wider type.
     */
    public static DType promote(DType a, DType b) {
        if (a == b) {
            return a;
        }
        if (a.category != b.category) {
            return a.category > b.category ? a : b;
        }
        return a.byteSize >= b.byteSize ? a : b;
    }

    /** Type-promotion category: 0 for bool, 1 for integers, 2 for floating point. */
    public int category() {
        return category;
    }
}
