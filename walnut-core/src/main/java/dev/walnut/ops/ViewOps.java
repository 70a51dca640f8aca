package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import java.util.Arrays;
import java.util.List;

/**
 * Layout primitives: views that share storage (reshape/view, permute, transpose, expand, slice,
 * select), the slice gradient that embeds a slice into zeros, copies (clone) and concatenation.
 * Their attributes are normalized by the tensor methods (dims wrapped, -1 resolved, slices
 * clamped), so a recorded node's attributes say exactly what the kernel did. Every rule here
 * is linear, so each op's forward rule is the op itself applied to the tangent.
 *
 * <pre>{@code
 * Tensor y = Dispatcher.call(ViewOps.TRANSPOSE, new ViewOps.Transpose(0, 1), x);   // x.transpose(0, 1)
 * }</pre>
 */
public final class ViewOps {
    private ViewOps() {
    }

    private static final Kernels K = Kernels.get();

    /** Attributes of reshape, view and expand: the resulting shape. */
    public record Shape(long[] shape) {
        public Shape {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Shape s && Arrays.equals(shape, s.shape);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return "Shape" + Arrays.toString(shape);
        }
    }

    /** Attributes of permute: output dim i is input dim {@code dims[i]}. */
    public record Permute(int[] dims) {
        public Permute {
            dims = dims.clone();
        }

        @Override
        public int[] dims() {
            return dims.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Permute p && Arrays.equals(dims, p.dims);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            return "Permute" + Arrays.toString(dims);
        }
    }

    /** Attributes of transpose (non-negative dims). */
    public record Transpose(int dim0, int dim1) {
    }

    /** Attributes of slice: {@code length} elements of {@code dim} from {@code start}, every {@code step}. */
    public record Slice(int dim, long start, long length, long step) {
    }

    /** Attributes of select: index {@code index} of {@code dim}. */
    public record Select(int dim, long index) {
    }

    /** Attributes of a slice's gradient: zeros of {@code shape} with the input at {@code start::step} of {@code dim}. */
    public record Embed(long[] shape, int dim, long start, long step) {
        public Embed {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Embed e && Arrays.equals(shape, e.shape) && dim == e.dim && start == e.start && step == e.step;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(shape) * 31 + Long.hashCode(start * 31 + step) + dim;
        }

        @Override
        public String toString() {
            return "Embed[shape=" + Arrays.toString(shape) + ", dim=" + dim + ", start=" + start + ", step=" + step + "]";
        }
    }

    /** Attributes of cat: the (non-negative) dim. */
    public record Cat(int dim) {
    }

    private static final class Reshape extends LinearOp<Shape> {
        private final boolean strict;

        Reshape(String name, String node, boolean strict) {
            super(name, node);
            this.strict = strict;
        }

        @Override
        public TensorSpec[] infer(Shape attrs, TensorSpec... in) {
            if (Specs.numel(attrs.shape) != Specs.numel(in[0].shape())) {
                throw new IllegalArgumentException(name() + ": shape " + Arrays.toString(attrs.shape)
                        + " is invalid for input of size " + Specs.numel(in[0].shape()) + " (shape " + Arrays.toString(in[0].shape()) + ")");
            }
            return Specs.one(attrs.shape, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Shape attrs, Tensor[] in) {
            return Specs.one(K.reshape(in[0], attrs.shape, strict));
        }

        @Override
        public Tensor[] vjp(Shape attrs, Node n, Tensor[] g) {
            return Specs.one(g[0].reshape(n.inputShape(0)));
        }

        @Override
        public Tensor[] jvp(Shape attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : t[0].reshape(attrs.shape));
        }
    }

    public static final OpDef<Shape> RESHAPE = new Reshape("reshape", "ReshapeAliasBackward0", false);
    public static final OpDef<Shape> VIEW = new Reshape("view", "ViewBackward0", true);

    public static final OpDef<Permute> PERMUTE = new LinearOp<>("permute", "PermuteBackward0") {
        @Override
        public TensorSpec[] infer(Permute attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            long[] out = new long[shape.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = shape[attrs.dims[i]];
            }
            return Specs.one(out, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Permute attrs, Tensor[] in) {
            return Specs.one(K.permute(in[0], attrs.dims));
        }

        @Override
        public Tensor[] vjp(Permute attrs, Node n, Tensor[] g) {
            int[] inverse = new int[attrs.dims.length];
            for (int i = 0; i < inverse.length; i++) {
                inverse[attrs.dims[i]] = i;
            }
            return Specs.one(g[0].permute(inverse));
        }
    };

    public static final OpDef<Transpose> TRANSPOSE = new LinearOp<>("transpose", "TransposeBackward0") {
        private int[] perm(Transpose attrs, int rank) {
            int[] perm = new int[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = i;
            }
            perm[attrs.dim0()] = attrs.dim1();
            perm[attrs.dim1()] = attrs.dim0();
            return perm;
        }

        @Override
        public TensorSpec[] infer(Transpose attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            long t = shape[attrs.dim0()];
            shape[attrs.dim0()] = shape[attrs.dim1()];
            shape[attrs.dim1()] = t;
            return Specs.one(shape, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Transpose attrs, Tensor[] in) {
            return Specs.one(K.permute(in[0], perm(attrs, in[0].dim())));
        }

        @Override
        public Tensor[] vjp(Transpose attrs, Node n, Tensor[] g) {
            return Specs.one(g[0].transpose(attrs.dim0(), attrs.dim1()));
        }
    };

    public static final OpDef<Shape> EXPAND = new LinearOp<>("expand", "ExpandBackward0") {
        @Override
        public TensorSpec[] infer(Shape attrs, TensorSpec... in) {
            Specs.broadcast("expand", in[0].shape(), attrs.shape);
            return Specs.one(attrs.shape, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Shape attrs, Tensor[] in) {
            return Specs.one(K.expand(in[0], attrs.shape));
        }

        @Override
        public Tensor[] vjp(Shape attrs, Node n, Tensor[] g) {
            return Specs.one(g[0].sumToShape(n.inputShape(0)));
        }
    };

    public static final OpDef<Slice> SLICE = new LinearOp<>("slice", "SliceBackward0") {
        @Override
        public TensorSpec[] infer(Slice attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            shape[attrs.dim()] = attrs.length();
            return Specs.one(shape, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Slice attrs, Tensor[] in) {
            return Specs.one(K.slice(in[0], attrs.dim(), attrs.start(), attrs.length(), attrs.step()));
        }

        @Override
        public Tensor[] vjp(Slice attrs, Node n, Tensor[] g) {
            return Specs.one(Dispatcher.call(EMBED, new Embed(n.inputShape(0), attrs.dim(), attrs.start(), attrs.step()), g[0]));
        }
    };

    public static final OpDef<Select> SELECT = new LinearOp<>("select", "SelectBackward0") {
        @Override
        public TensorSpec[] infer(Select attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            long[] out = new long[shape.length - 1];
            for (int k = 0, j = 0; k < shape.length; k++) {
                if (k != attrs.dim()) {
                    out[j++] = shape[k];
                }
            }
            return Specs.one(out, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Select attrs, Tensor[] in) {
            return Specs.one(K.select(in[0], attrs.dim(), attrs.index()));
        }

        @Override
        public Tensor[] vjp(Select attrs, Node n, Tensor[] g) {
            return Specs.one(Dispatcher.call(EMBED, new Embed(n.inputShape(0), attrs.dim(), attrs.index(), 1),
                    g[0].unsqueeze(attrs.dim())));
        }
    };

    /**
     * The gradient of a slice: zeros with the input written at {@code start::step}. Its own
     * gradient is the slice again, so slicing stays differentiable to any order.
     */
    public static final OpDef<Embed> EMBED = new LinearOp<>("sliceBackward", "SliceBackwardBackward0") {
        @Override
        public TensorSpec[] infer(Embed attrs, TensorSpec... in) {
            return Specs.one(attrs.shape, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Embed attrs, Tensor[] in) {
            return Specs.one(K.embed(in[0], attrs.shape, attrs.dim(), attrs.start(), attrs.step()));
        }

        @Override
        public Tensor[] vjp(Embed attrs, Node n, Tensor[] g) {
            long length = n.inputShape(0)[attrs.dim()];
            return Specs.one(Dispatcher.call(SLICE, new Slice(attrs.dim(), attrs.start(), length, attrs.step()), g[0]));
        }
    };

    /** A contiguous copy ({@code clone()}, and {@code contiguous()} of a strided tensor). */
    public static final OpDef<NoAttrs> CLONE = new LinearOp<>("clone", "CloneBackward0") {
        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            return Specs.one(K.cast(in[0], in[0].dtype()));
        }

        @Override
        public boolean hasOutKernel(NoAttrs attrs) {
            return true;
        }

        @Override
        public void computeInto(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            K.castInto(in[0], out[0]);
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return g;
        }
    };

    /** Concatenation along a dim, in the promoted dtype. */
    public static final OpDef<Cat> CAT = new OpDef<>("cat", 1, "CatBackward0") {
        @Override
        public TensorSpec[] infer(Cat attrs, TensorSpec... in) {
            long[] shape = in[0].shape();
            DType dt = in[0].dtype();
            for (int i = 1; i < in.length; i++) {
                shape[attrs.dim()] += in[i].shape()[attrs.dim()];
                dt = DType.promote(dt, in[i].dtype());
            }
            return Specs.one(shape, dt);
        }

        @Override
        public Tensor[] compute(Cat attrs, Tensor[] in) {
            DType dt = in[0].dtype();
            for (Tensor t : in) {
                dt = DType.promote(dt, t.dtype());
            }
            return Specs.one(K.cat(in, attrs.dim(), dt));
        }

        @Override
        public Tensor[] save(Cat attrs, Tensor[] in, Tensor[] out) {
            return Specs.NONE;
        }

        @Override
        public Tensor[] vjp(Cat attrs, Node n, Tensor[] g) {
            Tensor[] grads = new Tensor[n.inputCount()];
            long at = 0;
            for (int i = 0; i < grads.length; i++) {
                long size = n.inputShape(i)[attrs.dim()];
                grads[i] = n.needsInputGrad(i) ? g[0].narrow(attrs.dim(), at, size) : null;
                at += size;
            }
            return grads;
        }

        @Override
        public Tensor[] jvp(Cat attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (Arrays.stream(t).allMatch(x -> x == null)) {
                return Specs.one(null);
            }
            Tensor[] parts = new Tensor[in.length];
            for (int i = 0; i < in.length; i++) {
                parts[i] = t[i] != null ? t[i].to(out[0].dtype()) : Tensor.zeros(in[i].shape(), out[0].dtype());
            }
            return Specs.one(Dispatcher.call(this, attrs, parts));
        }
    };

    /** Every definition of this family. */
    static final List<OpDef<?>> ALL = List.of(RESHAPE, VIEW, PERMUTE, TRANSPOSE, EXPAND, SLICE, SELECT, EMBED, CLONE, CAT);
}
