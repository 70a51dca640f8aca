package dev.walnut;

/**
 * Result of {@code max(dim)}, {@code min(dim)} and similar ops: the values and, for each, its
 * position along the reduced dim (I64), like PyTorch's {@code (values, indices)} tuple.
 *
 * <pre>{@code
 * ValuesAndIndices m = Tensor.of(new double[][] {{1, 5}, {7, 2}}).max(1, false);
 * m.values();   // [5, 7]
 * m.indices();  // [1, 0]
 * }</pre>
 */
public record ValuesAndIndices(Tensor values, Tensor indices) {
}
