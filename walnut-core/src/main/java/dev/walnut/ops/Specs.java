package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.internal.Dims;
import java.util.Arrays;

/** Shape and dtype rules shared by op definitions; they mirror the eager kernels' checks. */
final class Specs {
    private Specs() {
    }

    /** True when a and b have the same shape, compared without copying either shape (for the out= paths). */
    static boolean sameShape(Tensor a, Tensor b) {
        int rank = a.dim();
        if (b.dim() != rank) {
            return false;
        }
        for (int d = 0; d < rank; d++) {
            if (a.size(d) != b.size(d)) {
                return false;
            }
        }
        return true;
    }

    static final Tensor[] NONE = new Tensor[0];

    /** NumPy broadcasting of two shapes, with the eager ops' error message. */
    static long[] broadcast(String op, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
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

    /**
     * PyTorch's result type for two operands: dimensioned operands outrank 0-d ones, and a lower
     * ranked operand only matters when it is of a higher category (bool &lt; int &lt; float).
     */
    static DType resultType(DType a, boolean aDim, DType b, boolean bDim) {
        if (aDim == bDim) {
            return DType.promote(a, b);
        }
        DType hi = aDim ? a : b;
        DType lo = aDim ? b : a;
        return lo.category() > hi.category() ? lo : hi;
    }

    static DType resultType(TensorSpec a, TensorSpec b) {
        return resultType(a.dtype(), a.rank() > 0, b.dtype(), b.rank() > 0);
    }

    static DType resultType(Tensor a, Tensor b) {
        return resultType(a.dtype(), a.dim() > 0, b.dtype(), b.dim() > 0);
    }

    /** The dtype arithmetic on two operands computes in; two bools are an error. */
    static DType arithmetic(String name, DType dt) {
        if (dt == DType.BOOL) {
            throw new IllegalArgumentException(name + ": arithmetic on two bool tensors is not defined; convert with "
                    + "to(DType.I64) or use logicalAnd/logicalOr");
        }
        return dt;
    }

    /** Number of elements of a tensor of {@code shape}. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    static TensorSpec[] one(long[] shape, DType dtype) {
        return new TensorSpec[] {new TensorSpec(shape, dtype)};
    }

    static Tensor[] one(Tensor t) {
        return new Tensor[] {t};
    }

    /**
     * A tangent conformed to its output: broadcast to the output's shape and converted to its
     * dtype (a term of a JVP has its input's shape, e.g. {@code t_b} of {@code a + b}).
     */
    static Tensor fit(Tensor t, Tensor out) {
        if (t == null) {
            return null;
        }
        if (!Arrays.equals(t.shape(), out.shape())) {
            t = t.expand(out.shape());
        }
        return t.dtype() == out.dtype() ? t : t.to(out.dtype());
    }

    /** Sum of the non-null terms, conformed to {@code out}; null when all are null (zero tangent). */
    static Tensor sum(Tensor out, Tensor a, Tensor b) {
        if (a == null) {
            return fit(b, out);
        }
        if (b == null) {
            return fit(a, out);
        }
        return fit(a.add(b), out);
    }

    static int wrapDim(String op, int dim, int rank) {
        return Dims.wrap(op, dim, rank);
    }

    /** Which dims a reduction over {@code dims} (empty: all) removes. */
    static boolean[] reducedDims(String op, int[] dims, int rank) {
        return Dims.mask(op, dims, rank);
    }

    /** The input shape with reduced dims set to 1 (what keepDim gives). */
    static long[] keepShape(String op, long[] shape, int[] dims) {
        boolean[] mask = reducedDims(op, dims, shape.length);
        long[] keep = shape.clone();
        for (int d = 0; d < keep.length; d++) {
            if (mask[d]) {
                keep[d] = 1;
            }
        }
        return keep;
    }

    /** The shape a reduction over {@code dims} gives. */
    static long[] reducedShape(String op, long[] shape, int[] dims, boolean keepDim) {
        boolean[] mask = reducedDims(op, dims, shape.length);
        if (keepDim) {
            return keepShape(op, shape, dims);
        }
        return java.util.stream.IntStream.range(0, shape.length).filter(d -> !mask[d]).mapToLong(d -> shape[d]).toArray();
    }

    /** Number of elements each output of a reduction over {@code dims} combines. */
    static long reducedCount(String op, long[] shape, int[] dims) {
        boolean[] mask = reducedDims(op, dims, shape.length);
        long c = 1;
        for (int d = 0; d < shape.length; d++) {
            if (mask[d]) {
                c *= shape[d];
            }
        }
        return c;
    }
}
