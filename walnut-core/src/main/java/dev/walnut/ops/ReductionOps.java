package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.Node;
import dev.walnut.backend.ReduceOp;
import dev.walnut.backend.UnaryOp;
import dev.walnut.internal.Kernels;
import java.util.Arrays;
import java.util.List;

/**
 * The reductions (sum, mean, prod, amax/amin, max/min along a dim, logsumexp, the 2-norm) and
 * softmax / log-softmax, each with its shape rule, kernel, saved tensors, reverse and forward
 * rule. A reduction's forward rule is the same reduction of the tangent weighted by the local
 * derivative, its reverse rule that derivative times the gradient broadcast back.
 *
 * <pre>{@code
 * Tensor s = Dispatcher.call(ReductionOps.SUM, new ReductionOps.Reduce(new int[] {1}, false), x);  // x.sum(1)
 * }</pre>
 */
public final class ReductionOps {
    private ReductionOps() {
    }

    private static final Kernels K = Kernels.get();

    /** Attributes of a reduction: the dims (empty: all) and whether they are kept with size 1. */
    public record Reduce(int[] dims, boolean keepDim) {
        public Reduce {
            dims = dims == null ? new int[0] : dims.clone();
        }

        @Override
        public int[] dims() {
            return dims.clone();
        }

        boolean all() {
            return dims.length == 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reduce r && Arrays.equals(dims, r.dims) && keepDim == r.keepDim;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(dims) * 2 + (keepDim ? 1 : 0);
        }

        @Override
        public String toString() {
            return "Reduce[dims=" + Arrays.toString(dims) + ", keepDim=" + keepDim + "]";
        }
    }

    /** Attributes of max / min along one dim. */
    public record Dim(int dim, boolean keepDim) {
    }

    /** Attributes of softmax / log-softmax. */
    public record Softmax(int dim) {
    }

    /** The gradient of a reduced output broadcast back over the input shape. */
    private static Tensor expandBack(Tensor g, long[] keep, long[] inShape) {
        return g.reshape(keep).expand(inShape);
    }

    /** Sums and products of integers and bools give I64, as in PyTorch. */
    private static DType accumulating(DType dt) {
        return dt == DType.I32 || dt == DType.BOOL ? DType.I64 : dt;
    }

    /** A reduction with a kernel of its own and one output. */
    private abstract static class Reduction extends OpDef<Reduce> {
        private final String nodeAll;
        private final String nodeDims;

        Reduction(String name, String nodeAll, String nodeDims) {
            super(name, 1);
            this.nodeAll = nodeAll;
            this.nodeDims = nodeDims;
        }

        @Override
        public String nodeName(Reduce attrs) {
            return attrs.all() ? nodeAll : nodeDims;
        }

        DType dtype(DType in) {
            return in;
        }

        @Override
        public TensorSpec[] infer(Reduce attrs, TensorSpec... in) {
            return Specs.one(Specs.reducedShape(name(), in[0].shape(), attrs.dims, attrs.keepDim()), dtype(in[0].dtype()));
        }

        /** The input shape with the reduced dims set to 1. */
        long[] keep(Node n, Reduce attrs) {
            return Specs.keepShape(name(), n.inputShape(0), attrs.dims);
        }
    }

    public static final OpDef<Reduce> SUM = new Reduction("sum", "SumBackward0", "SumBackward1") {
        @Override
        DType dtype(DType in) {
            return accumulating(in);
        }

        @Override
        public Tensor[] compute(Reduce attrs, Tensor[] in) {
            return Specs.one(K.reduce("sum", ReduceOp.SUM, in[0], attrs.dims, attrs.keepDim()));
        }

        @Override
        public boolean hasOutKernel(Reduce attrs) {
            return true;
        }

        @Override
        public void computeInto(Reduce attrs, Tensor[] in, Tensor[] out) {
            K.reduceInto("sum", ReduceOp.SUM, in[0], attrs.dims, attrs.keepDim(), out[0]);
        }

        @Override
        public Tensor[] save(Reduce attrs, Tensor[] in, Tensor[] out) {
            return Specs.NONE;
        }

        @Override
        public Tensor[] vjp(Reduce attrs, Node n, Tensor[] g) {
            return Specs.one(expandBack(g[0], keep(n, attrs), n.inputShape(0)));
        }

        @Override
        public Tensor[] jvp(Reduce attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : t[0].sum(attrs.dims, attrs.keepDim()));
        }
    };

    public static final OpDef<Reduce> MEAN = new Reduction("mean", "MeanBackward0", "MeanBackward1") {
        @Override
        DType dtype(DType in) {
            if (!in.isFloatingPoint()) {
                throw new IllegalArgumentException("mean: input dtype must be floating point, got " + in
                        + "; convert with to(DType." + Tensor.defaultDType() + ") first");
            }
            return in;
        }

        @Override
        public Tensor[] compute(Reduce attrs, Tensor[] in) {
            DType dt = dtype(in[0].dtype());
            Tensor sum = K.reduce("mean", ReduceOp.SUM, in[0], attrs.dims, attrs.keepDim());
            return Specs.one(K.unary(UnaryOp.DIV_SCALAR, Specs.reducedCount("mean", in[0].shape(), attrs.dims), 0, sum, dt));
        }

        @Override
        public boolean hasOutKernel(Reduce attrs) {
            return true;
        }

        @Override
        public void computeInto(Reduce attrs, Tensor[] in, Tensor[] out) {
            dtype(in[0].dtype());
            K.reduceInto("mean", ReduceOp.SUM, in[0], attrs.dims, attrs.keepDim(), out[0]);
            // In place: the division reads each element before writing it, as compute's fresh division does.
            K.unaryInto(UnaryOp.DIV_SCALAR, Specs.reducedCount("mean", in[0].shape(), attrs.dims), 0, out[0], out[0]);
        }

        @Override
        public Tensor[] save(Reduce attrs, Tensor[] in, Tensor[] out) {
            return Specs.NONE;
        }

        @Override
        public Tensor[] vjp(Reduce attrs, Node n, Tensor[] g) {
            long cnt = Specs.reducedCount("mean", n.inputShape(0), attrs.dims);
            return Specs.one(expandBack(g[0], keep(n, attrs), n.inputShape(0)).div((double) cnt));
        }

        @Override
        public Tensor[] jvp(Reduce attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : t[0].mean(attrs.dims, attrs.keepDim()));
        }
    };

    public static final OpDef<Reduce> PROD = new Reduction("prod", "ProdBackward0", "ProdBackward1") {
        @Override
        DType dtype(DType in) {
            return accumulating(in);
        }

        @Override
        public Tensor[] compute(Reduce attrs, Tensor[] in) {
            return Specs.one(K.reduce("prod", ReduceOp.PROD, in[0], attrs.dims, attrs.keepDim()));
        }

        @Override
        public Tensor[] save(Reduce attrs, Tensor[] in, Tensor[] out) {
            return in;
        }

        @Override
        public Tensor[] vjp(Reduce attrs, Node n, Tensor[] g) {
            long[] keep = keep(n, attrs);
            return Specs.one(expandBack(g[0], keep, n.inputShape(0)).mul(productOfOthers(n.saved(0), keep)));
        }

        @Override
        public Tensor[] jvp(Reduce attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (t[0] == null) {
                return Specs.one(null);
            }
            long[] keep = Specs.keepShape("prod", in[0].shape(), attrs.dims);
            return Specs.one(t[0].mul(productOfOthers(in[0], keep)).sum(attrs.dims, attrs.keepDim()));
        }
    };

    /**
     * For every element, the product of the other elements of its reduced slice ({@code keep}:
     * the input shape with reduced dims set to 1), as exclusive prefix times exclusive suffix
     * products. Unlike out / x it needs no division, so it is right where the slice has zeros and
     * its own derivative (the prod double backward) is right there too.
     */
    static Tensor productOfOthers(Tensor x, long[] keep) {
        long[] shape = x.shape();
        int rank = shape.length;
        int[] perm = new int[rank];
        int p = 0;
        long reduced = 1;
        for (int i = 0; i < rank; i++) {
            if (keep[i] != 1 || shape[i] == 1) {
                perm[p++] = i;
            }
        }
        int kept = p;
        for (int i = 0; i < rank; i++) {
            if (keep[i] == 1 && shape[i] != 1) {
                perm[p++] = i;
                reduced *= shape[i];
            }
        }
        if (reduced <= 1) {
            return Tensor.onesLike(x);
        }
        long[] flat = new long[kept + 1];
        for (int i = 0; i < kept; i++) {
            flat[i] = shape[perm[i]];
        }
        flat[kept] = reduced;
        Tensor rows = x.permute(perm).reshape(flat);
        long[] oneShape = flat.clone();
        oneShape[kept] = 1;
        Tensor ones = Tensor.ones(oneShape, x.dtype());
        Tensor before = Tensor.cat(new Tensor[] {ones, rows.narrow(kept, 0, reduced - 1).cumprod(kept)}, kept);
        Tensor after = Tensor.cat(new Tensor[] {ones, rows.flip(kept).narrow(kept, 0, reduced - 1).cumprod(kept)}, kept)
                .flip(kept);
        long[] permuted = new long[rank];
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            permuted[i] = shape[perm[i]];
            inverse[perm[i]] = i;
        }
        return before.mul(after).reshape(permuted).permute(inverse);
    }

    /** amax / amin: ties share the gradient evenly, as in PyTorch. */
    private static final class Extreme extends Reduction {
        private final int kernel;

        Extreme(String name, String node, int kernel) {
            super(name, node, node);
            this.kernel = kernel;
        }

        @Override
        public TensorSpec[] infer(Reduce attrs, TensorSpec... in) {
            checkNotEmpty(in[0].shape(), attrs);
            return super.infer(attrs, in);
        }

        private void checkNotEmpty(long[] shape, Reduce attrs) {
            if (Specs.reducedCount(name(), shape, attrs.dims) == 0) {
                throw new IllegalArgumentException(name() + ": cannot reduce over a zero-size dimension (shape "
                        + Arrays.toString(shape) + "); the result would have no identity");
            }
        }

        @Override
        public Tensor[] compute(Reduce attrs, Tensor[] in) {
            return Specs.one(K.reduce(name(), kernel, in[0], attrs.dims, attrs.keepDim()));
        }

        @Override
        public Tensor[] save(Reduce attrs, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], out[0]};
        }

        /** 1 / (number of ties) where the element is an extreme of its slice, else 0. */
        private Tensor share(Tensor x, Tensor out, long[] keep, Reduce attrs, DType dt) {
            Tensor hit = x.eq(out.reshape(keep)).to(dt);
            return hit.div(hit.sum(attrs.dims, true));
        }

        @Override
        public Tensor[] vjp(Reduce attrs, Node n, Tensor[] g) {
            long[] keep = keep(n, attrs);
            return Specs.one(expandBack(g[0], keep, n.inputShape(0)).mul(share(n.saved(0), n.saved(1), keep, attrs,
                    g[0].dtype())));
        }

        @Override
        public Tensor[] jvp(Reduce attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (t[0] == null) {
                return Specs.one(null);
            }
            long[] keep = Specs.keepShape(name(), in[0].shape(), attrs.dims);
            return Specs.one(t[0].mul(share(in[0], out[0], keep, attrs, t[0].dtype())).sum(attrs.dims, attrs.keepDim()));
        }
    }

    public static final OpDef<Reduce> AMAX = new Extreme("amax", "AmaxBackward0", ReduceOp.MAX);
    public static final OpDef<Reduce> AMIN = new Extreme("amin", "AminBackward0", ReduceOp.MIN);

    /** max / min along a dim: values and I64 indices; the gradient goes to the index found. */
    private static final class ArgExtreme extends OpDef<Dim> {
        private final int kernel;

        ArgExtreme(String name, String node, int kernel) {
            super(name, 2, node);
            this.kernel = kernel;
        }


        @Override
        public TensorSpec[] infer(Dim attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            int d = Specs.wrapDim(name(), attrs.dim(), shape.length);
            int[] dims = shape.length == 0 ? new int[0] : new int[] {d};
            if (shape.length > 0 && shape[d] == 0) {
                throw new IllegalArgumentException(name() + ": cannot reduce over dim " + d + " of size 0 (shape "
                        + Arrays.toString(shape) + ")");
            }
            if (in[0].dtype() == DType.BOOL) {
                throw new IllegalArgumentException(name() + ": not supported for bool tensors; convert with to(DType.I64)");
            }
            long[] out = Specs.reducedShape(name(), shape, dims, attrs.keepDim());
            return new TensorSpec[] {new TensorSpec(out, in[0].dtype()), new TensorSpec(out, DType.I64)};
        }

        @Override
        public Tensor[] compute(Dim attrs, Tensor[] in) {
            return K.argReduce(name(), kernel, in[0], attrs.dim(), attrs.keepDim());
        }

        @Override
        public Tensor[] save(Dim attrs, Tensor[] in, Tensor[] out) {
            return Specs.one(out[1]);
        }

        /** The indices shaped like the input with the dim kept. */
        private static Tensor keptIndices(Tensor idx, long[] inShape, int d) {
            long[] keep = inShape.clone();
            keep[d] = 1;
            return idx.reshape(keep);
        }

        @Override
        public Tensor[] vjp(Dim attrs, Node n, Tensor[] g) {
            long[] inShape = n.inputShape(0);
            if (inShape.length == 0) {
                return Specs.one(g[0]);
            }
            int d = Specs.wrapDim(name(), attrs.dim(), inShape.length);
            long[] keep = inShape.clone();
            keep[d] = 1;
            long[] positions = new long[inShape.length];
            Arrays.fill(positions, 1);
            positions[d] = inShape[d];
            Tensor oneHot = Tensor.arange(inShape[d]).reshape(positions).eq(keptIndices(n.saved(0), inShape, d));
            return Specs.one(expandBack(g[0], keep, inShape).mul(oneHot.to(g[0].dtype())));
        }

        @Override
        public Tensor[] jvp(Dim attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (t[0] == null) {
                return new Tensor[2];
            }
            long[] inShape = in[0].shape();
            if (inShape.length == 0) {
                return new Tensor[] {t[0], null};
            }
            int d = Specs.wrapDim(name(), attrs.dim(), inShape.length);
            return new Tensor[] {t[0].gather(d, keptIndices(out[1], inShape, d)).reshape(out[0].shape()), null};
        }
    }

    public static final OpDef<Dim> MAX_DIM = new ArgExtreme("max", "MaxBackward0", ReduceOp.ARGMAX);
    public static final OpDef<Dim> MIN_DIM = new ArgExtreme("min", "MinBackward0", ReduceOp.ARGMIN);

    private static void checkFloat(String op, DType dt) {
        if (!dt.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expects a floating point tensor, got " + dt
                    + "; convert with to(DType." + Tensor.defaultDType() + ") first");
        }
    }

    public static final OpDef<Reduce> LOGSUMEXP = new Reduction("logsumexp", "LogsumexpBackward0", "LogsumexpBackward0") {
        @Override
        DType dtype(DType in) {
            checkFloat(name(), in);
            return in;
        }

        @Override
        public Tensor[] compute(Reduce attrs, Tensor[] in) {
            dtype(in[0].dtype());
            return Specs.one(K.logsumexp(in[0], attrs.dims, attrs.keepDim()));
        }

        @Override
        public Tensor[] save(Reduce attrs, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], out[0]};
        }

        /** d logsumexp / dx = exp(x - logsumexp): the softmax over the reduced slice. */
        private Tensor weights(Tensor x, Tensor out, long[] keep) {
            return x.sub(out.reshape(keep)).exp();
        }

        @Override
        public Tensor[] vjp(Reduce attrs, Node n, Tensor[] g) {
            long[] keep = keep(n, attrs);
            return Specs.one(expandBack(g[0], keep, n.inputShape(0)).mul(weights(n.saved(0), n.saved(1), keep)));
        }

        @Override
        public Tensor[] jvp(Reduce attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (t[0] == null) {
                return Specs.one(null);
            }
            long[] keep = Specs.keepShape(name(), in[0].shape(), attrs.dims);
            return Specs.one(t[0].mul(weights(in[0], out[0], keep)).sum(attrs.dims, attrs.keepDim()));
        }
    };

    /** The 2-norm; its gradient x / ||x|| is defined as 0 at the origin (PyTorch's subgradient choice). */
    public static final OpDef<Reduce> NORM2 = new Reduction("norm", "NormBackward1", "NormBackward1") {
        @Override
        DType dtype(DType in) {
            checkFloat(name(), in);
            return in;
        }

        @Override
        public Tensor[] compute(Reduce attrs, Tensor[] in) {
            dtype(in[0].dtype());
            try (var off = Autograd.noGrad()) {
                return Specs.one(in[0].square().sum(attrs.dims, attrs.keepDim()).sqrt());
            }
        }

        @Override
        public Tensor[] save(Reduce attrs, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], out[0]};
        }

        /** {@code d / norm}, 0 where the norm is 0. */
        private Tensor over(Tensor d, Tensor norm) {
            return Tensor.where(norm.eq(0.0), Tensor.scalar(0.0, d.dtype()), d.div(norm));
        }

        @Override
        public Tensor[] vjp(Reduce attrs, Node n, Tensor[] g) {
            long[] keep = keep(n, attrs);
            return Specs.one(n.saved(0).mul(over(g[0].reshape(keep), n.saved(1).reshape(keep))));
        }

        @Override
        public Tensor[] jvp(Reduce attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : over(in[0].mul(t[0]).sum(attrs.dims, attrs.keepDim()), out[0]));
        }
    };

    /** softmax / log-softmax along a dim. */
    private static final class SoftmaxOp extends OpDef<Softmax> {
        private final boolean log;

        SoftmaxOp(boolean log) {
            super(log ? "logSoftmax" : "softmax", 1);
            this.log = log;
        }

        @Override
        public String nodeName(Softmax attrs) {
            return log ? "LogSoftmaxBackward0" : "SoftmaxBackward0";
        }

        @Override
        public TensorSpec[] infer(Softmax attrs, TensorSpec... in) {
            checkFloat(name(), in[0].dtype());
            Specs.wrapDim(name(), attrs.dim(), in[0].rank());
            return Specs.one(in[0].shape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(Softmax attrs, Tensor[] in) {
            checkFloat(name(), in[0].dtype());
            return Specs.one(K.softmax(in[0], attrs.dim(), log));
        }

        @Override
        public boolean hasOutKernel(Softmax attrs) {
            return true;
        }

        @Override
        public void computeInto(Softmax attrs, Tensor[] in, Tensor[] out) {
            checkFloat(name(), in[0].dtype());
            K.softmaxInto(in[0], attrs.dim(), log, out[0]);
        }

        @Override
        public Tensor[] save(Softmax attrs, Tensor[] in, Tensor[] out) {
            return out;
        }

        /** The Jacobian of softmax (or log-softmax) at output y applied to d; it is self-adjoint for softmax. */
        private Tensor apply(Tensor d, Tensor y, int dim, boolean transpose) {
            if (!log) {
                return y.mul(d.sub(d.mul(y).sum(dim, true)));
            }
            Tensor p = y.exp();
            // J = I - 1 p^T along the dim: J d = d - sum(p d); J^T d = d - p sum(d).
            return transpose ? d.sub(p.mul(d.sum(dim, true))) : d.sub(p.mul(d).sum(dim, true));
        }

        @Override
        public Tensor[] vjp(Softmax attrs, Node n, Tensor[] g) {
            return Specs.one(apply(g[0], n.saved(0), attrs.dim(), true));
        }

        @Override
        public Tensor[] jvp(Softmax attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : apply(t[0], out[0], attrs.dim(), false));
        }
    }

    public static final OpDef<Softmax> SOFTMAX = new SoftmaxOp(false);
    public static final OpDef<Softmax> LOG_SOFTMAX = new SoftmaxOp(true);

    /** Every definition of this family. */
    static final List<OpDef<?>> ALL = List.of(SUM, MEAN, PROD, AMAX, AMIN, MAX_DIM, MIN_DIM, LOGSUMEXP, NORM2, SOFTMAX,
            LOG_SOFTMAX);
}
