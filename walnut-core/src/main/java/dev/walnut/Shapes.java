package dev.walnut;

import dev.walnut.backend.Layout;
import dev.walnut.internal.Dims;
import java.util.Arrays;

/** Shape arithmetic shared by the ops: strides, dim wrapping, broadcasting. */
final class Shapes {
    static final int[] SCALAR = new int[0];

    private Shapes() {
    }

    static int[] contiguousStrides(int[] shape) {
        return Layout.contiguousStrides(shape);
    }

    static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " has " + n
                    + " elements; Walnut's CPU tensors hold at most 2^31 - 9 elements");
        }
        return (int) n;
    }

    static int[] toInts(String op, long[] shape) {
        int[] r = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(op + ": invalid size " + shape[i] + " at dim " + i + " of shape "
                        + Arrays.toString(shape));
            }
            r[i] = (int) shape[i];
        }
        numel(r);
        return r;
    }

    static long[] toLongs(int[] shape) {
        long[] r = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            r[i] = shape[i];
        }
        return r;
    }

    static int wrapDim(String op, int dim, int rank) {
        return Dims.wrap(op, dim, rank);
    }

    /** Wraps dims and returns a mask of the reduced dims; empty dims mean all dims. */
    static boolean[] dimMask(String op, int[] dims, int rank) {
        return Dims.mask(op, dims, rank);
    }

    /**
     * {@link #broadcast}, returning {@code a} or {@code b} itself when the other broadcasts to it
     * (a bias to its activations, a mask to its tensor): the out= kernels then make no shape
     * array per call. The result is shared, never to be written.
     */
    static int[] broadcastShared(String op, int[] a, int[] b) {
        if (expandsTo(b, a)) {
            return a;
        }
        return expandsTo(a, b) ? b : broadcast(op, a, b);
    }

    /** True when {@code from} broadcasts to exactly {@code to}. */
    private static boolean expandsTo(int[] from, int[] to) {
        int off = to.length - from.length;
        if (off < 0) {
            return false;
        }
        for (int i = 0; i < from.length; i++) {
            if (from[i] != 1 && from[i] != to[i + off]) {
                return false;
            }
        }
        return true;
    }

    static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " cannot be broadcast together (size " + da + " vs " + db + " at dim " + i + ")");
            }
        }
        return out;
    }

    /** Strides that read a tensor of (shape, strides) as if expanded to {@code target}. */
    static int[] broadcastStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        int off = target.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            out[i + off] = shape[i] == 1 && target[i + off] != 1 ? 0 : strides[i];
        }
        return out;
    }

    static boolean isContiguous(int[] shape, int[] strides) {
        return Layout.isContiguous(shape, strides);
    }

    static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
