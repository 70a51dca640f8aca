package dev.walnut.nn;

import dev.walnut.Tensor;

import java.util.Arrays;

/**
 * Expands dimension {@code dim} into {@code sizes} (one entry may be -1 to infer it); the inverse
 * of {@link Flatten}.
 *
 * <pre>{@code
 * new Unflatten(1, 2, 3).forward(Tensor.zeros(4, 6));   // [4, 2, 3]
 * }</pre>
 */
public class Unflatten extends Module {
    private final int dim;
    private final long[] sizes;

    /** Splits dim {@code dim} into {@code sizes}, like {@code nn.Unflatten(dim, sizes)}. */
    public Unflatten(int dim, long... sizes) {
        if (sizes.length == 0) {
            throw new IllegalArgumentException("Unflatten: sizes must not be empty");
        }
        this.dim = dim;
        this.sizes = sizes.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        long[] shape = input.shape();
        int rank = shape.length;
        if (dim < -rank || dim >= rank) {
            throw new IllegalArgumentException("Unflatten: dim " + dim + " is out of range for a tensor of rank "
                    + rank);
        }
        int d = dim < 0 ? dim + rank : dim;
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == -1) {
                if (inferred >= 0) {
                    throw new IllegalArgumentException("Unflatten: only one size may be -1, got "
                            + Arrays.toString(sizes));
                }
                inferred = i;
            } else {
                known *= sizes[i];
            }
        }
        long[] resolved = sizes.clone();
        if (inferred >= 0 && known != 0 && shape[d] % known == 0) {
            resolved[inferred] = shape[d] / known;
            known *= resolved[inferred];
        }
        if (known != shape[d] || (inferred >= 0 && resolved[inferred] == -1)) {
            throw new IllegalArgumentException("Unflatten: sizes " + Arrays.toString(sizes)
                    + " don't multiply up to the size of dim " + d + " (" + shape[d] + ")");
        }
        long[] out = new long[rank - 1 + sizes.length];
        System.arraycopy(shape, 0, out, 0, d);
        System.arraycopy(resolved, 0, out, d, resolved.length);
        System.arraycopy(shape, d + 1, out, d + resolved.length, rank - d - 1);
        return input.reshape(out);
    }

    @Override
    protected String extraRepr() {
        StringBuilder sb = new StringBuilder("dim=").append(dim).append(", unflattened_size=(");
        for (int i = 0; i < sizes.length; i++) {
            sb.append(i > 0 ? ", " : "").append(sizes[i]);
        }
        return sb.append(sizes.length == 1 ? ",)" : ")").toString();
    }
}
