package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.util.Arrays;

/** Shape and dtype rules shared by op definitions; they mirror the eager kernels' checks. */
final class Specs {
    private Specs() {
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
}
