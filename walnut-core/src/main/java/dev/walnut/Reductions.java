package dev.walnut;

import dev.walnut.autograd.Node;
import dev.walnut.backend.cpu.ReduceKernels;
import dev.walnut.backend.cpu.ReduceOp;
import java.util.Arrays;

/** Reductions, softmax and their gradient rules. */
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

    private static Tensor kernelReduce(String op, int rop, Tensor x, int[] dims, boolean keepDim) {
        Plan p = plan(op, x, dims, keepDim);
        Tensor src = p.source;
        int n = p.outer * p.inner;
        if (p.len == 0 && (rop == ReduceOp.MAX || rop == ReduceOp.MIN)) {
            throw new IllegalArgumentException(op + ": cannot reduce over a zero-size dimension (shape "
                    + Shapes.str(x.shape) + "); the result would have no identity");
        }
        DType outType = switch (x.dtype) {
            case I32, BOOL -> rop == ReduceOp.SUM || rop == ReduceOp.PROD ? DType.I64 : x.dtype;
            default -> x.dtype;
        };
        Storage out = Storage.allocate(outType, n);
        Object in = src.storage.data;
        switch (x.dtype) {
            case F32 -> ReduceKernels.reduce(rop, (float[]) in, src.offset, p.outer, p.len, p.inner, (float[]) out.data, 0);
            case F64 -> ReduceKernels.reduce(rop, (double[]) in, src.offset, p.outer, p.len, p.inner, (double[]) out.data, 0);
            case I64 -> ReduceKernels.reduce(rop, (long[]) in, src.offset, p.outer, p.len, p.inner, (long[]) out.data, 0);
            case I32 -> {
                if (outType == DType.I64) {
                    ReduceKernels.reduce(rop, (int[]) in, src.offset, p.outer, p.len, p.inner, (long[]) out.data, 0);
                } else {
                    ReduceKernels.reduce(rop, (int[]) in, src.offset, p.outer, p.len, p.inner, (int[]) out.data, 0);
                }
            }
            case BOOL -> {
                if (outType == DType.I64) {
                    ReduceKernels.reduce(rop, (boolean[]) in, src.offset, p.outer, p.len, p.inner, (long[]) out.data, 0);
                } else {
                    ReduceKernels.reduce(rop, (boolean[]) in, src.offset, p.outer, p.len, p.inner, (boolean[]) out.data, 0);
                }
            }
        }
        return new Tensor(out, p.outShape.clone());
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

    /** Broadcasts a reduced gradient back over the input shape. */
    private static Tensor expandBack(Tensor g, int[] keepShape, int[] inputShape) {
        return g.reshape(Shapes.toLongs(keepShape)).expand(Shapes.toLongs(inputShape));
    }

    static Tensor reduce(String op, int rop, Tensor x, int[] dims, boolean keepDim) {
        Tensor out = kernelReduce(op, rop, x, dims, keepDim);
        int[] keep = keepShape(op, x.shape, dims);
        int[] inShape = x.shape.clone();
        Node.record("SumBackward" + (dims == null || dims.length == 0 ? "0" : "1"),
                (n, g) -> new Tensor[] {expandBack(g[0], keep, inShape)}, x, out);
        return out;
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

    static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        if (!x.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("mean: input dtype must be floating point, got " + x.dtype
                    + "; convert with to(DType.F32) first");
        }
        int[] keep = keepShape("mean", x.shape, dims);
        int[] inShape = x.shape.clone();
        int cnt = count(inShape, keep);
        Tensor sum;
        try (var off = dev.walnut.autograd.Autograd.noGrad()) {
            sum = kernelReduce("mean", ReduceOp.SUM, x, dims, keepDim);
        }
        Tensor out = Elementwise.unaryNoGrad(dev.walnut.backend.cpu.UnaryOp.DIV_SCALAR, cnt, sum);
        Node.record("MeanBackward" + (dims == null || dims.length == 0 ? "0" : "1"),
                (n, g) -> new Tensor[] {expandBack(g[0], keep, inShape).div(cnt)}, x, out);
        return out;
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

    static Tensor prod(Tensor x, int[] dims, boolean keepDim) {
        Tensor out = kernelReduce("prod", ReduceOp.PROD, x, dims, keepDim);
        int[] keep = keepShape("prod", x.shape, dims);
        int[] inShape = x.shape.clone();
        int[] d = dims == null ? new int[0] : dims;
        Node.record("ProdBackward" + (d.length == 0 ? "0" : "1"), (n, g) ->
                new Tensor[] {expandBack(g[0], keep, inShape).mul(productOfOthers(n.saved(0), keep))}, x, out, x);
        return out;
    }

    /**
     * For every element, the product of the other elements of its reduced slice ({@code keep}:
     * the input shape with reduced dims set to 1), as exclusive prefix times exclusive suffix
     * products. Unlike out / x it needs no division, so it is right where the slice has zeros and
     * its own derivative (the prod double backward) is right there too.
     */
    private static Tensor productOfOthers(Tensor x, int[] keep) {
        int rank = x.shape.length;
        int[] perm = new int[rank];
        int p = 0;
        long reduced = 1;
        for (int i = 0; i < rank; i++) {
            if (keep[i] != 1 || x.shape[i] == 1) {
                perm[p++] = i;
            }
        }
        int kept = p;
        for (int i = 0; i < rank; i++) {
            if (keep[i] == 1 && x.shape[i] != 1) {
                perm[p++] = i;
                reduced *= x.shape[i];
            }
        }
        if (reduced <= 1) {
            return Tensor.onesLike(x);
        }
        long[] flat = new long[kept + 1];
        for (int i = 0; i < kept; i++) {
            flat[i] = x.shape[perm[i]];
        }
        flat[kept] = reduced;
        Tensor rows = x.permute(perm).reshape(flat);
        long[] oneShape = flat.clone();
        oneShape[kept] = 1;
        Tensor ones = Tensor.ones(oneShape, x.dtype);
        Tensor before = Tensor.cat(new Tensor[] {ones, rows.narrow(kept, 0, reduced - 1).cumprod(kept)}, kept);
        Tensor after = Tensor.cat(new Tensor[] {ones, rows.flip(kept).narrow(kept, 0, reduced - 1).cumprod(kept)}, kept)
                .flip(kept);
        long[] permuted = new long[rank];
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            permuted[i] = x.shape[perm[i]];
            inverse[perm[i]] = i;
        }
        return before.mul(after).reshape(permuted).permute(inverse);
    }

    static Tensor amaxAmin(String op, int rop, Tensor x, int[] dims, boolean keepDim) {
        Tensor out = kernelReduce(op, rop, x, dims, keepDim);
        int[] keep = keepShape(op, x.shape, dims);
        int[] inShape = x.shape.clone();
        int[] d = dims == null ? new int[0] : dims;
        Node.record(rop == ReduceOp.MAX ? "AmaxBackward0" : "AminBackward0", (n, g) -> {
            // Ties share the gradient evenly, as in PyTorch's amax/amin.
            Tensor hit = n.saved(0).eq(n.saved(1).reshape(Shapes.toLongs(keep))).to(g[0].dtype);
            return new Tensor[] {expandBack(g[0], keep, inShape).mul(hit).div(hit.sum(d, true))};
        }, x, out, x, out);
        return out;
    }

    static ValuesAndIndices maxMin(String op, int rop, Tensor x, int dim, boolean keepDim) {
        int rank = x.shape.length;
        int dm = Shapes.wrapDim(op, dim, rank);
        int[] dims = rank == 0 ? new int[0] : new int[] {dm};
        Plan p = plan(op, x, dims, keepDim);
        if (p.len == 0) {
            throw new IllegalArgumentException(op + ": cannot reduce over dim " + dm + " of size 0 (shape "
                    + Shapes.str(x.shape) + ")");
        }
        Tensor src = p.source;
        int n = p.outer * p.inner;
        Storage values = Storage.allocate(x.dtype, n);
        Storage idx = Storage.allocate(DType.I64, n);
        long[] id = (long[]) idx.data;
        Object in = src.storage.data;
        switch (x.dtype) {
            case F32 -> ReduceKernels.argReduce(rop, (float[]) in, src.offset, p.outer, p.len, p.inner, (float[]) values.data, 0, id, 0);
            case F64 -> ReduceKernels.argReduce(rop, (double[]) in, src.offset, p.outer, p.len, p.inner, (double[]) values.data, 0, id, 0);
            case I32 -> ReduceKernels.argReduce(rop, (int[]) in, src.offset, p.outer, p.len, p.inner, (int[]) values.data, 0, id, 0);
            case I64 -> ReduceKernels.argReduce(rop, (long[]) in, src.offset, p.outer, p.len, p.inner, (long[]) values.data, 0, id, 0);
            case BOOL -> throw new IllegalArgumentException(op + ": not supported for bool tensors; convert with to(DType.I64)");
        }
        Tensor v = new Tensor(values, p.outShape.clone());
        Tensor indices = new Tensor(idx, p.outShape.clone());
        int[] keep = p.keepShape;
        int[] inShape = x.shape.clone();
        Node.record(rop == ReduceOp.ARGMAX ? "MaxBackward0" : "MinBackward0", (nd, g) -> {
            Tensor where = nd.saved(0).reshape(Shapes.toLongs(keep));
            long[] posShape = new long[inShape.length];
            Arrays.fill(posShape, 1);
            if (inShape.length > 0) {
                posShape[dm] = inShape[dm];
            }
            Tensor oneHot = Tensor.arange(inShape.length == 0 ? 1 : inShape[dm]).reshape(posShape).eq(where);
            return new Tensor[] {expandBack(g[0], keep, inShape).mul(oneHot.to(g[0].dtype))};
        }, new Tensor[] {x}, new Tensor[] {v, indices}, indices);
        return new ValuesAndIndices(v, indices);
    }

    static Tensor logsumexp(Tensor x, int[] dims, boolean keepDim) {
        Tensor xf = x.dtype.isFloatingPoint() ? x : x.to(DType.F32);
        Plan p = plan("logsumexp", xf, dims, keepDim);
        Tensor src = p.source;
        Storage out = Storage.allocate(xf.dtype, p.outer * p.inner);
        if (xf.dtype == DType.F32) {
            ReduceKernels.logSumExp((float[]) src.storage.data, src.offset, p.outer, p.len, p.inner, (float[]) out.data, 0);
        } else {
            ReduceKernels.logSumExp((double[]) src.storage.data, src.offset, p.outer, p.len, p.inner, (double[]) out.data, 0);
        }
        Tensor result = new Tensor(out, p.outShape.clone());
        int[] keep = p.keepShape;
        int[] inShape = xf.shape.clone();
        Node.record("LogsumexpBackward0", (n, g) -> {
            Tensor r = n.saved(1).reshape(Shapes.toLongs(keep));
            return new Tensor[] {expandBack(g[0], keep, inShape).mul(n.saved(0).sub(r).exp())};
        }, xf, result, xf, result);
        return result;
    }

    static Tensor norm(Tensor x, double p, int[] dims, boolean keepDim) {
        Tensor xf = x.dtype.isFloatingPoint() ? x : x.to(DType.F32);
        int[] d = dims == null ? new int[0] : dims;
        if (p == 2.0) {
            Tensor sq;
            try (var off = dev.walnut.autograd.Autograd.noGrad()) {
                sq = xf.square().sum(d, keepDim).sqrt();
            }
            int[] keep = keepShape("norm", xf.shape, d);
            Node.record("NormBackward1", (n, g) -> {
                // x / ||x|| * g, defined as 0 at the origin (PyTorch's subgradient choice).
                Tensor nr = n.saved(1).reshape(Shapes.toLongs(keep));
                Tensor gk = g[0].reshape(Shapes.toLongs(keep));
                Tensor scale = Tensor.where(nr.eq(0.0), Tensor.scalar(0.0, gk.dtype), gk.div(nr));
                return new Tensor[] {n.saved(0).mul(scale)};
            }, xf, sq, xf, sq);
            return sq;
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
        String op = log ? "logSoftmax" : "softmax";
        if (!x.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expects a floating point tensor, got " + x.dtype
                    + "; convert with to(DType.F32) first");
        }
        int rank = x.shape.length;
        int dm = Shapes.wrapDim(op, dim, rank);
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
        Storage out = Storage.allocate(x.dtype, Shapes.numel(x.shape));
        if (x.dtype == DType.F32) {
            ReduceKernels.softmax((float[]) c.storage.data, c.offset, outer, len, inner, (float[]) out.data, 0, log);
        } else {
            ReduceKernels.softmax((double[]) c.storage.data, c.offset, outer, len, inner, (double[]) out.data, 0, log);
        }
        Tensor y = new Tensor(out, x.shape.clone());
        if (log) {
            Node.record("LogSoftmaxBackward0", (n, g) -> {
                Tensor ls = n.saved(0);
                return new Tensor[] {g[0].sub(ls.exp().mul(g[0].sum(dm, true)))};
            }, x, y, y);
        } else {
            Node.record("SoftmaxBackward0", (n, g) -> {
                Tensor s = n.saved(0);
                return new Tensor[] {s.mul(g[0].sub(g[0].mul(s).sum(dm, true)))};
            }, x, y, y);
        }
        return y;
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
