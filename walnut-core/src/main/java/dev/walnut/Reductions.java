package dev.walnut;

import dev.walnut.backend.Storage;
import dev.walnut.backend.ReduceOp;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.ReductionOps;
import java.util.Arrays;

/**
 * The eager kernels of the reductions and softmax (their definitions as data are in
 * {@link ReductionOps}), and the composites var and norm.
 */
final class Reductions {
    private Reductions() {
    }

    /**
     * A reduction laid out for the kernels: {@code source} is contiguous and the reduced
     * elements form the middle axis of [outer, len, inner] starting at {@code source.offset}.
     */
    private record Plan(Tensor source, int outer, int len, int inner, int[] keepShape, int[] outShape) {
    }

    private static Plan plan(String op, Tensor x, int[] dims, boolean keepDim) {
        int rank = x.shape.length;
        boolean[] mask = Shapes.dimMask(op, dims, rank);
        int[] keepShape = new int[rank];
        int outRank = 0;
        for (int d = 0; d < rank; d++) {
            keepShape[d] = mask[d] ? 1 : x.shape[d];
            if (!mask[d]) {
                outRank++;
            }
        }
        int[] outShape;
        if (keepDim) {
            outShape = keepShape;
        } else {
            outShape = new int[outRank];
            for (int d = 0, k = 0; d < rank; d++) {
                if (!mask[d]) {
                    outShape[k++] = x.shape[d];
                }
            }
        }
        // Reduced dims of size > 1 that are one contiguous run of a contiguous tensor need no copy.
        int first = -1;
        int last = -1;
        for (int d = 0; d < rank; d++) {
            if (mask[d] && x.shape[d] != 1) {
                if (first < 0) {
                    first = d;
                }
                last = d;
            }
        }
        boolean run = true;
        for (int d = first + 1; first >= 0 && d < last; d++) {
            if (!mask[d] && x.shape[d] != 1) {
                run = false;
            }
        }
        if (run && x.isContiguous()) {
            int outer = 1;
            int len = 1;
            int inner = 1;
            for (int d = 0; d < rank; d++) {
                if (first < 0 || d < first) {
                    outer *= x.shape[d];
                } else if (d <= last) {
                    len *= x.shape[d];
                } else {
                    inner *= x.shape[d];
                }
            }
            return new Plan(x, outer, len, inner, keepShape, outShape);
        }
        int[] perm = new int[rank];
        int k = 0;
        int outer = 1;
        int len = 1;
        for (int d = 0; d < rank; d++) {
            if (!mask[d]) {
                perm[k++] = d;
                outer *= x.shape[d];
            }
        }
        for (int d = 0; d < rank; d++) {
            if (mask[d]) {
                perm[k++] = d;
                len *= x.shape[d];
            }
        }
        Tensor permuted = Views.permuteNoGrad(x, perm);
        return new Plan(Creation.cast(permuted, x.dtype), outer, len, 1, keepShape, outShape);
    }

    static Tensor kernelReduce(String op, int rop, Tensor x, int[] dims, boolean keepDim) {
        Plan p = plan(op, x, dims, keepDim);
        Tensor src = p.source;
        int n = p.outer * p.inner;
        if (p.len == 0 && (rop == ReduceOp.MAX || rop == ReduceOp.MIN)) {
            throw new IllegalArgumentException(op + ": cannot reduce over a zero-size dimension (shape "
                    + Shapes.str(x.shape) + "); the result would have no identity");
        }
        DType outType = reducedType(rop, x.dtype);
        Backends.checkFits(outType, n);
        return new Tensor(Backends.CPU.reduce(rop, src.storage, src.offset, p.outer, p.len, p.inner, outType),
                p.outShape.clone());
    }

    /** {@link #kernelReduce} into a contiguous {@code out} of the result's shape and dtype. */
    static void kernelReduceInto(String op, int rop, Tensor x, int[] dims, boolean keepDim, Tensor out) {
        if (reduceRunInto(rop, x, dims, keepDim, out)) {
            return;
        }
        Plan p = plan(op, x, dims, keepDim);
        Tensor src = p.source;
        if (p.len == 0 && (rop == ReduceOp.MAX || rop == ReduceOp.MIN)) {
            throw new IllegalArgumentException(op + ": cannot reduce over a zero-size dimension (shape "
                    + Shapes.str(x.shape) + "); the result would have no identity");
        }
        Elementwise.checkOut(op, out, reducedType(rop, x.dtype), p.outShape);
        Backends.CPU.reduceInto(rop, src.storage, src.offset, p.outer, p.len, p.inner, out.storage, out.offset);
        out.storage.bumpVersion();
    }

    /**
     * {@link #kernelReduceInto}'s common case without a {@link Plan}: a contiguous x whose
     * reduced dims (of size above 1) form one run, into an {@code out} of the result's shape,
     * dtype and contiguity, computed as the plan would (the same outer, len and inner). Nothing is
     * allocated, so a compiled graph's sums make no arrays per run. False, with nothing done,
     * for anything else (the plan's path handles it and reports errors).
     */
    private static boolean reduceRunInto(int rop, Tensor x, int[] dims, boolean keepDim, Tensor out) {
        int rank = x.shape.length;
        if (rank == 0 || rank > Long.SIZE || !x.isContiguous() || !out.isContiguous()
                || out.dtype != reducedType(rop, x.dtype) || rop == ReduceOp.MAX || rop == ReduceOp.MIN) {
            return false;
        }
        long mask = 0;
        if (dims == null || dims.length == 0) {
            mask = rank == Long.SIZE ? -1L : (1L << rank) - 1;
        } else {
            for (int d : dims) {
                int w = d < 0 ? d + rank : d;
                if (w < 0 || w >= rank || (mask & 1L << w) != 0) {
                    return false;
                }
                mask |= 1L << w;
            }
        }
        int first = -1;
        int last = -1;
        int outer = 1;
        int len = 1;
        int inner = 1;
        int k = 0;
        for (int d = 0; d < rank; d++) {
            boolean reduced = (mask & 1L << d) != 0;
            int size = x.shape[d];
            if (keepDim || !reduced) {
                int want = reduced ? 1 : size;
                if (k >= out.shape.length || out.shape[k++] != want) {
                    return false;
                }
            }
            if (reduced && size != 1) {
                if (first >= 0 && last < d - 1) {
                    for (int e = last + 1; e < d; e++) {
                        if (x.shape[e] != 1) {
                            return false; // not one run: the plan permutes
                        }
                    }
                }
                first = first < 0 ? d : first;
                last = d;
            }
        }
        if (k != out.shape.length) {
            return false;
        }
        for (int d = 0; d < rank; d++) {
            if (first < 0 || d < first) {
                outer *= x.shape[d];
            } else if (d <= last) {
                len *= x.shape[d];
            } else {
                inner *= x.shape[d];
            }
        }
        Backends.CPU.reduceInto(rop, x.storage, x.offset, outer, len, inner, out.storage, out.offset);
        out.storage.bumpVersion();
        return true;
    }

    /** Integer and bool sums and products give I64; everything else keeps x's dtype. */
    private static DType reducedType(int rop, DType x) {
        return switch (x) {
            case I32, BOOL -> rop == ReduceOp.SUM || rop == ReduceOp.PROD ? DType.I64 : x;
            default -> x;
        };
    }

    static int[] keepShape(String op, int[] shape, int[] dims) {
        boolean[] mask = Shapes.dimMask(op, dims, shape.length);
        int[] keep = shape.clone();
        for (int d = 0; d < keep.length; d++) {
            if (mask[d]) {
                keep[d] = 1;
            }
        }
        return keep;
    }

    private static int count(int[] shape, int[] keep) {
        int c = 1;
        for (int d = 0; d < shape.length; d++) {
            if (keep[d] == 1) {
                c *= shape[d];
            }
        }
        return c;
    }

    static Tensor var(Tensor x, int[] dims, double correction, boolean keepDim) {
        if (!x.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("var: input dtype must be floating point, got " + x.dtype);
        }
        int[] keep = keepShape("var", x.shape, dims);
        int cnt = count(x.shape, keep);
        double dof = cnt - correction;
        if (dof <= 0) {
            throw new IllegalArgumentException("var: degrees of freedom <= 0 (" + cnt + " elements reduced, correction "
                    + correction + "); reduce over more elements or use correction = 0");
        }
        Tensor centered = x.sub(x.mean(dims == null ? new int[0] : dims, true));
        return centered.square().sum(dims == null ? new int[0] : dims, keepDim).div(dof);
    }

    /** Values and indices of the max or min along {@code dim} (the kernel of max(dim) / min(dim)). */
    static Tensor[] argReduce(String op, int rop, Tensor x, int dim, boolean keepDim) {
        int rank = x.shape.length;
        int dm = Shapes.wrapDim(op, dim, rank);
        int[] dims = rank == 0 ? new int[0] : new int[] {dm};
        Plan p = plan(op, x, dims, keepDim);
        if (p.len == 0) {
            throw new IllegalArgumentException(op + ": cannot reduce over dim " + dm + " of size 0 (shape "
                    + Shapes.str(x.shape) + ")");
        }
        if (x.dtype == DType.BOOL) {
            throw new IllegalArgumentException(op + ": not supported for bool tensors; convert with to(DType.I64)");
        }
        Tensor src = p.source;
        Storage[] r = Backends.CPU.argReduce(rop, src.storage, src.offset, p.outer, p.len, p.inner);
        return new Tensor[] {new Tensor(r[0], p.outShape.clone()), new Tensor(r[1], p.outShape.clone())};
    }

    static Tensor logsumexp(Tensor xf, int[] dims, boolean keepDim) {
        Plan p = plan("logsumexp", xf, dims, keepDim);
        Tensor src = p.source;
        return new Tensor(Backends.CPU.logSumExp(src.storage, src.offset, p.outer, p.len, p.inner), p.outShape.clone());
    }

    static Tensor norm(Tensor x, double p, int[] dims, boolean keepDim) {
        Tensor xf = x.dtype.isFloatingPoint() ? x : x.to(DType.F32);
        int[] d = dims == null ? new int[0] : dims;
        if (p == 2.0) {
            return Dispatcher.call(ReductionOps.NORM2, new ReductionOps.Reduce(d, keepDim), xf);
        }
        if (p == 1.0) {
            return xf.abs().sum(d, keepDim);
        }
        if (p == Double.POSITIVE_INFINITY) {
            return xf.abs().amax(d, keepDim);
        }
        if (p == Double.NEGATIVE_INFINITY) {
            return xf.abs().amin(d, keepDim);
        }
        if (p == 0.0) {
            return xf.ne(0.0).to(xf.dtype).sum(d, keepDim);
        }
        return xf.abs().pow(p).sum(d, keepDim).pow(1.0 / p);
    }

    static Tensor softmax(Tensor x, int dim, boolean log) {
        Tensor out = new Tensor(Backends.allocate(x.dtype, Shapes.numel(x.shape)), x.shape.clone());
        softmaxInto(x, dim, log, out);
        return out;
    }

    /** {@link #softmax} into a contiguous {@code out} of x's shape and dtype. */
    static void softmaxInto(Tensor x, int dim, boolean log, Tensor out) {
        String op = log ? "logSoftmax" : "softmax";
        int rank = x.shape.length;
        int dm = Shapes.wrapDim(op, dim, rank);
        Elementwise.checkOut(op, out, x.dtype, x.shape);
        Tensor c = Creation.contiguousOf(x, x.dtype);
        int outer = 1;
        int inner = 1;
        for (int d = 0; d < rank; d++) {
            if (d < dm) {
                outer *= x.shape[d];
            } else if (d > dm) {
                inner *= x.shape[d];
            }
        }
        int len = rank == 0 ? 1 : x.shape[dm];
        Backends.CPU.softmaxInto(c.storage, c.offset, outer, len, inner, log, out.storage, out.offset);
        out.storage.bumpVersion();
    }

    /** {@code Kernels.layerNormInto}: the operands made contiguous, then one pass per row. */
    static void layerNormInto(Tensor x, Tensor residual, Tensor weight, Tensor bias, double eps, Tensor out) {
        Elementwise.checkOut("fusedLayerNorm", out, DType.F32, x.shape);
        int n = x.shape.length == 0 ? 1 : x.shape[x.shape.length - 1];
        Tensor xc = Creation.contiguousOf(x, DType.F32);
        Tensor rc = residual == null ? null : Creation.contiguousOf(residual, DType.F32);
        Tensor wc = weight == null ? null : Creation.contiguousOf(weight, DType.F32);
        Tensor bc = bias == null ? null : Creation.contiguousOf(bias, DType.F32);
        int rows = n == 0 ? 0 : Shapes.numel(x.shape) / n;
        Backends.CPU.layerNormInto(xc.storage, xc.offset, rc == null ? null : rc.storage, rc == null ? 0 : rc.offset,
                wc == null ? null : wc.storage, wc == null ? 0 : wc.offset, bc == null ? null : bc.storage,
                bc == null ? 0 : bc.offset, rows, n, eps, out.storage, out.offset);
        out.storage.bumpVersion();
    }

    /** Sums leading and size-1 target dims so that {@code t} gets {@code shape}. */
    static Tensor sumToShape(Tensor t, int[] shape) {
        if (Arrays.equals(t.shape, shape)) {
            return t;
        }
        int lead = t.shape.length - shape.length;
        if (lead < 0) {
            throw new IllegalArgumentException("sumToShape: shape " + Shapes.str(t.shape) + " cannot be summed to "
                    + Shapes.str(shape) + " (fewer dims)");
        }
        int[] dims = new int[t.shape.length];
        int k = 0;
        for (int d = 0; d < t.shape.length; d++) {
            if (d < lead) {
                dims[k++] = d;
            } else if (shape[d - lead] == 1 && t.shape[d] != 1) {
                dims[k++] = d;
            } else if (shape[d - lead] != t.shape[d]) {
                throw new IllegalArgumentException("sumToShape: shape " + Shapes.str(t.shape) + " cannot be summed to "
                        + Shapes.str(shape) + " (size " + t.shape[d] + " vs " + shape[d - lead] + " at dim " + d + ")");
            }
        }
        Tensor r = k == 0 ? t : t.sum(Arrays.copyOf(dims, k), true);
        return r.reshape(Shapes.toLongs(shape));
    }
}
