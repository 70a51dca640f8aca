package dev.walnut.io;

import java.util.Arrays;

/**
 * One tensor of a file as it is stored there, with statistics of its values, computed by
 * streaming the data in chunks: memory stays bounded whatever the tensor's size, and the dtype is
 * the file's own (a {@code bfloat16} tensor is reported as {@code bfloat16}, not widened).
 *
 * <pre>{@code
 * for (TensorSummary s : SafeTensors.summarize(Path.of("model.safetensors"))) {
 *     System.out.println(s.name() + " " + s.dtype() + " " + Arrays.toString(s.shape()) + " mean " + s.mean());
 * }
 * }</pre>
 *
 * @param name     the tensor's name (for a {@code .npy} file, the file name)
 * @param dtype    the stored element type as NumPy/PyTorch name it: {@code float32}, {@code bfloat16},
 *                 {@code uint8}, ...
 * @param shape    the dimensions
 * @param elements the element count
 * @param bytes    the bytes of data in the file (elements times the stored element size)
 * @param min      the smallest value; NaN when the tensor is empty or holds a NaN
 * @param max      the largest value; NaN when the tensor is empty or holds a NaN
 * @param mean     the mean in double precision; NaN when the tensor is empty or holds a NaN
 */
public record TensorSummary(String name, String dtype, long[] shape, long elements, long bytes, double min,
                            double max, double mean) {
    /** Copies {@code shape}, so the record stays immutable. */
    public TensorSummary {
        shape = shape.clone();
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    static TensorSummary of(String name, Elements type, long[] shape, long elements, Elements.Stats stats) {
        boolean empty = stats.count == 0;
        return new TensorSummary(name, type.displayName, shape, elements, elements * type.byteSize,
                empty ? Double.NaN : stats.min, empty ? Double.NaN : stats.max,
                empty ? Double.NaN : stats.sum / stats.count);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSummary s && name.equals(s.name) && dtype.equals(s.dtype)
                && Arrays.equals(shape, s.shape) && elements == s.elements && bytes == s.bytes
                && Double.compare(min, s.min) == 0 && Double.compare(max, s.max) == 0
                && Double.compare(mean, s.mean) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "TensorSummary[" + name + ", " + dtype + " " + Arrays.toString(shape) + ", " + bytes + " bytes, min "
                + min + ", max " + max + ", mean " + mean + "]";
    }
}
