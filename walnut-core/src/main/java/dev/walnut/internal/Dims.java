package dev.walnut.internal;

import java.util.Arrays;

/**
 * Dim arguments, checked and wrapped one way for the tensor methods and the op definitions'
 * shape inference alike. Not for application use.
 *
 * <pre>{@code
 * Dims.wrap("sum", -1, 3);                        // 2
 * Dims.mask("sum", new int[] {0, -1}, 3);         // {true, false, true}
 * }</pre>
 */
public final class Dims {
    private Dims() {
    }

    /** A dim in [-rank, rank) made non-negative (a 0-d tensor accepts 0 and -1, like PyTorch). */
    public static int wrap(String op, int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IndexOutOfBoundsException(op + ": dim " + dim + " is out of range for a tensor of rank " + rank
                    + " (expected a value in [" + -r + ", " + (r - 1) + "])");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** Which dims a reduction over {@code dims} touches; null or empty means all. Repeated dims are an error. */
    public static boolean[] mask(String op, int[] dims, int rank) {
        boolean[] mask = new boolean[rank];
        if (dims == null || dims.length == 0) {
            Arrays.fill(mask, true);
            return mask;
        }
        for (int d : dims) {
            int w = wrap(op, d, rank);
            if (rank == 0) {
                continue;
            }
            if (mask[w]) {
                throw new IllegalArgumentException(op + ": dim " + w + " appears multiple times in " + Arrays.toString(dims));
            }
            mask[w] = true;
        }
        return mask;
    }
}
