package dev.walnut;

/**
 * How {@link Tensor#pad(long[], PadMode, double)} fills the border, PyTorch's
 * {@code F.pad(..., mode=...)} strings as an enum.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(1.0, 2.0, 3.0).reshape(1, 3);
 * x.pad(new long[] {2, 1}, PadMode.CONSTANT, 0.0);   // [[0, 0, 1, 2, 3, 0]]
 * x.pad(new long[] {2, 1}, PadMode.REFLECT, 0.0);    // [[3, 2, 1, 2, 3, 2]]
 * x.pad(new long[] {2, 1}, PadMode.REPLICATE, 0.0);  // [[1, 1, 1, 2, 3, 3]]
 * }</pre>
 */
public enum PadMode {
    /** A constant value (any number of dims; negative pads crop). */
    CONSTANT,
    /** The mirror image without repeating the edge element; each pad must be smaller than the size. */
    REFLECT,
    /** Repeats the edge element. */
    REPLICATE;

    /** PyTorch's name of the mode ({@code "constant"}, {@code "reflect"}, {@code "replicate"}). */
    public String pytorchName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
