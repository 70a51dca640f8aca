package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import java.util.Arrays;
import java.util.List;

/**
 * Shape and content primitives: constant padding, flip, diagonal and its dual diagEmbed, the
 * scans cumsum and cumprod, sort, topk, and permuteAlongDim (a gather by a permutation: the
 * gradient of sort). The composites built on them (reflect/replicate pad, roll, repeat, tril,
 * diag, ...) live in {@code Tensor}.
 *
 * <pre>{@code
 * Tensor y = Dispatcher.call(ShapeContentOps.CUMSUM, new ShapeContentOps.Dim(1), x);   // x.cumsum(1)
 * }</pre>
 */
public final class ShapeContentOps {
    private ShapeContentOps() {
    }

    private static final Kernels K = Kernels.get();

    /** Attributes of constant padding: (left, right) pairs from the last dim backwards, and the fill value. */
    public record Pad(long[] pad, double value) {
        public Pad {
            pad = pad.clone();
        }

        @Override
        public long[] pad() {
            return pad.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pad p && Arrays.equals(pad, p.pad) && Double.compare(value, p.value) == 0;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(pad) * 31 + Double.hashCode(value);
        }

        @Override
        public String toString() {
            return "Pad[pad=" + Arrays.toString(pad) + ", value=" + value + "]";
        }
    }

    /** Attributes of flip: the distinct, non-negative dims. */
    public record Dims(int[] dims) {
        public Dims {
            dims = dims.clone();
        }

        @Override
        public int[] dims() {
            return dims.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Dims d && Arrays.equals(dims, d.dims);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            return "Dims" + Arrays.toString(dims);
        }
    }

    /** Attributes of the scans and permuteAlongDim: one non-negative dim. */
    public record Dim(int dim) {
    }

    /** Attributes of diagonal: the offset and the two (distinct, non-negative) dims. */
    public record Diagonal(long offset, int dim1, int dim2) {
    }

    /** Attributes of diagEmbed: the output shape and the diagonal written. */
    public record DiagEmbed(long[] shape, long offset, int dim1, int dim2) {
        public DiagEmbed {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DiagEmbed e && Arrays.equals(shape, e.shape) && offset == e.offset && dim1 == e.dim1
                    && dim2 == e.dim2;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(shape) * 31 + Long.hashCode(offset) * 7 + dim1 * 3 + dim2;
        }

        @Override
        public String toString() {
            return "DiagEmbed[shape=" + Arrays.toString(shape) + ", offset=" + offset + ", dim1=" + dim1 + ", dim2=" + dim2 + "]";
        }
    }

    /** Attributes of sort. */
    public record Sort(int dim, boolean descending) {
    }

    /** Attributes of topk: k entries along a dim, the largest or the smallest, always sorted. */
    public record TopK(long k, int dim, boolean largest) {
    }

    /** Constant padding (negative pads crop); its gradient is the same op with the pads negated. */
    public static final OpDef<Pad> PAD = new LinearOp<>("constantPad", "ConstantPadNdBackward0") {
        @Override
        public TensorSpec[] infer(Pad attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            for (int p = 0; p < attrs.pad.length / 2; p++) {
                int d = shape.length - 1 - p;
                shape[d] += attrs.pad[2 * p] + attrs.pad[2 * p + 1];
            }
            return Specs.one(shape, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Pad attrs, Tensor[] in) {
            return Specs.one(K.constantPad(in[0], attrs.pad, attrs.value()));
        }

        /** Writes the border and the kept part, every element, so a compiled graph's arena can hold the output. */
        @Override
        public boolean hasOutKernel(Pad attrs) {
            return true;
        }

        @Override
        public void computeInto(Pad attrs, Tensor[] in, Tensor[] out) {
            K.constantPadInto(in[0], attrs.pad, attrs.value(), out[0]);
        }

        @Override
        public Tensor[] vjp(Pad attrs, Node n, Tensor[] g) {
            long[] negated = Arrays.stream(attrs.pad).map(v -> -v).toArray();
            return Specs.one(Dispatcher.call(this, new Pad(negated, 0.0), g[0]));
        }

        @Override
        public Tensor[] jvp(Pad attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : Dispatcher.call(this, new Pad(attrs.pad, 0.0), t[0]));
        }
    };

    public static final OpDef<Dims> FLIP = new LinearOp<>("flip", "FlipBackward0") {
        @Override
        public TensorSpec[] infer(Dims attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(Dims attrs, Tensor[] in) {
            return Specs.one(K.flip(in[0], attrs.dims));
        }

        @Override
        public Tensor[] vjp(Dims attrs, Node n, Tensor[] g) {
            return Specs.one(Dispatcher.call(this, attrs, g[0]));
        }
    };

    public static final OpDef<Diagonal> DIAGONAL = new LinearOp<>("diagonal", "DiagonalBackward0") {
        @Override
        public TensorSpec[] infer(Diagonal attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            long a = shape[attrs.dim1()];
            long b = shape[attrs.dim2()];
            long o = attrs.offset();
            long size = Math.max(0, o >= 0 ? Math.min(a, b - o) : Math.min(a + o, b));
            long[] out = new long[shape.length - 1];
            for (int d = 0, k = 0; d < shape.length; d++) {
                if (d != attrs.dim1() && d != attrs.dim2()) {
                    out[k++] = shape[d];
                }
            }
            out[out.length - 1] = size;
            return Specs.one(out, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Diagonal attrs, Tensor[] in) {
            return Specs.one(K.diagonal(in[0], attrs.offset(), attrs.dim1(), attrs.dim2()));
        }

        @Override
        public Tensor[] vjp(Diagonal attrs, Node n, Tensor[] g) {
            return Specs.one(Dispatcher.call(DIAG_EMBED, new DiagEmbed(n.inputShape(0), attrs.offset(), attrs.dim1(),
                    attrs.dim2()), g[0]));
        }
    };

    /** Zeros with the input written on a diagonal: the dual (and gradient) of diagonal. */
    public static final OpDef<DiagEmbed> DIAG_EMBED = new LinearOp<>("diagEmbed", "DiagEmbedBackward0") {
        @Override
        public TensorSpec[] infer(DiagEmbed attrs, TensorSpec... in) {
            return Specs.one(attrs.shape, in[0].dtype());
        }

        @Override
        public Tensor[] compute(DiagEmbed attrs, Tensor[] in) {
            return Specs.one(K.diagEmbed(in[0], attrs.shape, attrs.offset(), attrs.dim1(), attrs.dim2()));
        }

        @Override
        public Tensor[] vjp(DiagEmbed attrs, Node n, Tensor[] g) {
            return Specs.one(Dispatcher.call(DIAGONAL, new Diagonal(attrs.offset(), attrs.dim1(), attrs.dim2()), g[0]));
        }
    };

    /** Integers and bools scan in I64, as in PyTorch. */
    private static DType scanType(DType dt) {
        return dt.isFloatingPoint() ? dt : DType.I64;
    }

    /** {@code out[i] = sum_{j >= i} t[j]} along d: the transpose of cumsum. */
    private static Tensor reverseCumsum(Tensor t, int d) {
        return t.flip(d).cumsum(d).flip(d);
    }

    public static final OpDef<Dim> CUMSUM = new LinearOp<>("cumsum", "CumsumBackward0") {
        @Override
        public TensorSpec[] infer(Dim attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), scanType(in[0].dtype()));
        }

        @Override
        public Tensor[] compute(Dim attrs, Tensor[] in) {
            return Specs.one(K.scan(in[0], attrs.dim(), false));
        }

        @Override
        public Tensor[] vjp(Dim attrs, Node n, Tensor[] g) {
            return Specs.one(reverseCumsum(g[0], attrs.dim()));
        }
    };

    public static final OpDef<Dim> CUMPROD = new OpDef<>("cumprod", 1, "CumprodBackward0") {
        @Override
        public TensorSpec[] infer(Dim attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), scanType(in[0].dtype()));
        }

        @Override
        public Tensor[] compute(Dim attrs, Tensor[] in) {
            return Specs.one(K.scan(in[0], attrs.dim(), true));
        }

        @Override
        public Tensor[] save(Dim attrs, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], out[0]};
        }

        @Override
        public Tensor[] vjp(Dim attrs, Node n, Tensor[] g) {
            return Specs.one(cumprodGrad(g[0], n.saved(0), n.saved(1), attrs.dim()));
        }

        /**
         * {@code (J t)_j = sum_{i <= j} t_i prod_{k <= j, k != i} x_k}, built without division
         * (so right at zeros) from a [.., L, L] table: row i holds prod_{i < k <= j} x_k, scaled
         * by the exclusive prefix product before i. O(L^2) per slice, for forward mode only.
         */
        @Override
        public Tensor[] jvp(Dim attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (t[0] == null) {
                return Specs.one(null);
            }
            if (in[0].dim() == 0 || in[0].numel() == 0) {
                return Specs.one(t[0]);
            }
            int d = attrs.dim();
            Tensor x = in[0].transpose(d, -1);
            Tensor tl = t[0].transpose(d, -1);
            long len = x.size(-1);
            Tensor i = Tensor.arange(len).reshape(len, 1);
            Tensor j = Tensor.arange(len).reshape(1, len);
            Tensor one = Tensor.scalar(1.0, x.dtype());
            Tensor after = Tensor.where(j.gt(i), x.unsqueeze(-2), one).cumprod(-1);
            long[] oneShape = x.shape();
            oneShape[oneShape.length - 1] = 1;
            Tensor prefix = Tensor.cat(new Tensor[] {Tensor.ones(oneShape, x.dtype()), x.narrow(-1, 0, len - 1).cumprod(-1)}, -1);
            Tensor table = after.mul(prefix.unsqueeze(-1)).mul(j.ge(i).to(x.dtype()));
            return Specs.one(tl.unsqueeze(-1).mul(table).sum(-2).transpose(d, -1));
        }
    };

    /**
     * d/dx_i of sum_j g_j y_j with y = cumprod(x) is sum_{j >= i} g_j prod_{k <= j, k != i} x_k.
     * Without zeros that is reverseCumsum(g y)_i / x_i. With zeros, let z be the first zero of a
     * slice: before z the same quotient holds (y vanishes from z on, and x_i != 0 there); at z
     * it is reverseCumsum(g y')_z with y' the cumprod of x with x_z replaced by 1; after z
     * every product contains x_z = 0, so it is 0. All tensor ops, so second order works.
     */
    private static Tensor cumprodGrad(Tensor g, Tensor x, Tensor y, int d) {
        Tensor isZero = x.eq(0.0);
        Tensor zeroCount = isZero.sum();
        // The shortcut reads a value; a vmap-batched count has one per example, so it takes the
        // general form, which is exact without zeros too.
        if (!Dispatcher.isTransformed(zeroCount) && zeroCount.itemLong() == 0) {
            return reverseCumsum(g.mul(y), d).div(x);
        }
        Tensor zerosSoFar = isZero.cumsum(d);
        Tensor beforeFirst = zerosSoFar.eq(0.0);
        Tensor atFirst = isZero.logicalAnd(zerosSoFar.eq(1.0));
        Tensor one = Tensor.scalar(1.0, x.dtype());
        Tensor zero = Tensor.scalar(0.0, g.dtype());
        Tensor before = reverseCumsum(g.mul(y), d).div(Tensor.where(beforeFirst, x, one));
        Tensor at = reverseCumsum(g.mul(Tensor.where(atFirst, one, x).cumprod(d)), d);
        return Tensor.where(beforeFirst, before, Tensor.where(atFirst, at, zero));
    }

    /** Values and indices: the values' tangent is the tangent gathered at the indices. */
    private abstract static class Selection<A> extends OpDef<A> {

        Selection(String name, String node) {
            super(name, 2, node);
        }


        @Override
        public Tensor[] save(A attrs, Tensor[] in, Tensor[] out) {
            return Specs.one(out[1]);
        }

        abstract int dim(A attrs);

        @Override
        public Tensor[] jvp(A attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (t[0] == null) {
                return new Tensor[2];
            }
            return new Tensor[] {in[0].dim() == 0 ? t[0] : t[0].gather(dim(attrs), out[1]), null};
        }
    }

    public static final OpDef<Sort> SORT = new Selection<>("sort", "SortBackward0") {
        @Override
        int dim(Sort attrs) {
            return attrs.dim();
        }

        @Override
        public TensorSpec[] infer(Sort attrs, TensorSpec... in) {
            return new TensorSpec[] {in[0], in[0].withDType(DType.I64)};
        }

        @Override
        public Tensor[] compute(Sort attrs, Tensor[] in) {
            return K.sort(in[0], attrs.dim(), attrs.descending());
        }

        @Override
        public Tensor[] vjp(Sort attrs, Node n, Tensor[] g) {
            return Specs.one(unpermute(g[0], n.saved(0), attrs.dim()));
        }
    };

    public static final OpDef<TopK> TOPK = new Selection<>("topk", "TopkBackward0") {
        @Override
        int dim(TopK attrs) {
            return attrs.dim();
        }

        @Override
        public TensorSpec[] infer(TopK attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            if (shape.length > 0) {
                shape[attrs.dim()] = attrs.k();
            }
            return new TensorSpec[] {new TensorSpec(shape, in[0].dtype()), new TensorSpec(shape, DType.I64)};
        }

        @Override
        public Tensor[] compute(TopK attrs, Tensor[] in) {
            return K.topk(in[0], (int) attrs.k(), attrs.dim(), attrs.largest());
        }

        /** The gradient goes back to the positions the values came from; zeros elsewhere. */
        @Override
        public Tensor[] vjp(TopK attrs, Node n, Tensor[] g) {
            if (n.inputShape(0).length == 0) {
                return g;
            }
            return Specs.one(Tensor.zeros(n.inputShape(0), g[0].dtype()).scatter(attrs.dim(), n.saved(0), g[0]));
        }
    };

    /**
     * {@code out[..., j, ...] = t[..., perm[..., j, ...], ...]} along a dim, with perm (an input,
     * a permutation of every slice) constant: the gradient of sort. Its own gradient is the same
     * op with the inverse permutation, so sort differentiates to any order.
     */
    public static final OpDef<Dim> PERMUTE_ALONG_DIM = new LinearOp<>("permuteAlongDim", "PermuteAlongDimBackward0") {
        @Override
        public TensorSpec[] infer(Dim attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(Dim attrs, Tensor[] in) {
            return Specs.one(K.permuteAlongDim(in[0], in[1], attrs.dim()));
        }

        @Override
        public Tensor[] vjp(Dim attrs, Node n, Tensor[] g) {
            return new Tensor[] {unpermute(g[0], n.saved(0), attrs.dim()), null};
        }
    };

    private static Tensor permuteAlongDim(Tensor t, Tensor perm, int d) {
        return Dispatcher.call(PERMUTE_ALONG_DIM, new Dim(d), t, perm);
    }

    /** Every definition of this family. */
    /**
     * {@code g} moved back through the permutation {@code perm} along {@code dim} (the reverse rule
     * of a gather by a permutation). The inverse permutation is computed by a kernel that reads
     * {@code perm}'s values directly, so under a transform (whose tensors' values are not one
     * tensor's) the same result comes from a scatter, a primitive.
     */
    private static Tensor unpermute(Tensor g, Tensor perm, int dim) {
        if (Dispatcher.isInterpreting()) {
            return Tensor.zeros(g.shape(), g.dtype()).scatter(dim, perm, g);
        }
        return permuteAlongDim(g, K.invertPermutation(perm, dim), dim);
    }

    static final List<OpDef<?>> ALL = List.of(PAD, FLIP, DIAGONAL, DIAG_EMBED, CUMSUM, CUMPROD, SORT, TOPK, PERMUTE_ALONG_DIM);
}
