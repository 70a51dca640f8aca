package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The indexing primitives: indexSelect and indexAdd, gather, scatter and scatterAdd (and scatter
 * of a value), maskedFill (tensor and scalar value), maskedSelect, take, integer-tensor indexing
 * of one dim and embedding. The reverse rules pair up (gather and scatterAdd, indexSelect and
 * indexAdd are each other's adjoints), so every backward is itself made of primitives and
 * differentiates again.
 *
 * <p>Index and mask inputs are constants: no gradient, no tangent. The tensor methods check and
 * normalize them before they get here (index values need data, which shape inference has not):
 * dims are non-negative, indices are I64 and in range, negatives are wrapped where PyTorch wraps
 * them, and the index of indexSelect and indexAdd is 1-d. Every op is linear in its other inputs
 * (affine for the scalar-value forms), so its forward rule is the op applied to the tangents.
 *
 * <pre>{@code
 * Tensor y = Dispatcher.call(IndexingOps.GATHER, new IndexingOps.Dim(1), x, index);   // x.gather(1, index)
 * }</pre>
 */
public final class IndexingOps {
    private IndexingOps() {
    }

    private static final Kernels K = Kernels.get();

    /** Attributes of the ops along one (non-negative) dim: indexSelect, gather, scatter, scatterAdd, index. */
    public record Dim(int dim) {
    }

    /** Attributes of indexAdd: the (non-negative) dim and the factor of the source. */
    public record IndexAdd(int dim, double alpha) {
    }

    /** Attributes of scatter of a value: the (non-negative) dim and the value written. */
    public record ScatterValue(int dim, double value) {
    }

    /** Attributes of maskedFill with a scalar: the value written where the mask is true. */
    public record Fill(double value) {
    }

    /** Attributes of embedding: the row whose lookups get no gradient (non-negative), or -1 for none. */
    public record Embedding(long paddingIdx) {
    }

    /**
     * An indexing op with one output, linear in the inputs at {@code data} (the others are
     * indices and masks): its forward rule is the op applied to those inputs' tangents, zeros
     * standing in for a null one, with the constant it writes (if any) set to zero.
     */
    private abstract static class Linear<A> extends OpDef<A> {
        private final int[] data;

        Linear(String name, String node, int... data) {
            super(name, 1, node);
            this.data = data;
        }


        /** The reverse rule reads the index (or mask), which every op here takes second. */
        @Override
        public Tensor[] save(A attrs, Tensor[] in, Tensor[] out) {
            return Specs.one(in[1]);
        }

        /** The attributes of the op's linear part: the same, unless the op writes a constant. */
        A linearPart(A attrs) {
            return attrs;
        }

        @Override
        public Tensor[] jvp(A attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (!out[0].dtype().isFloatingPoint() || Arrays.stream(data).allMatch(i -> t[i] == null)) {
                return Specs.one(null);
            }
            Tensor[] args = in.clone();
            for (int i : data) {
                args[i] = t[i] != null ? t[i] : Tensor.zeros(in[i].shape(), in[i].dtype());
            }
            return Specs.one(Specs.fit(Dispatcher.call(this, linearPart(attrs), args), out[0]));
        }
    }

    /** {@code x}'s shape with dim {@code d} replaced by {@code index}'s shape (one dim of PyTorch's advanced indexing). */
    private static long[] indexedShape(long[] x, int d, long[] index) {
        long[] out = new long[x.length - 1 + index.length];
        System.arraycopy(x, 0, out, 0, d);
        System.arraycopy(index, 0, out, d, index.length);
        System.arraycopy(x, d + 1, out, d + index.length, x.length - d - 1);
        return out;
    }

    /** The elements of {@code x} viewed as 1-d at {@code positions}, shaped like the positions. */
    private static Tensor readFlat(Tensor x, Tensor positions) {
        return K.indexSelect(K.reshape(x, new long[] {Specs.numel(x.shape())}, false), 0, positions, positions.shape());
    }

    /** Zeros of {@code shape} with {@code g} accumulated at the flat {@code positions}: the adjoint of {@link #readFlat}. */
    private static Tensor accumulateFlat(Tensor g, Tensor positions, long[] shape) {
        return Tensor.zeros(new long[] {Specs.numel(shape)}, g.dtype()).indexAdd(0, positions.reshape(-1), g.reshape(-1))
                .reshape(shape);
    }

    /** {@code t} padded with zeros at the end of each dim up to {@code shape} (differentiable). */
    private static Tensor padTo(Tensor t, long[] shape) {
        Tensor r = t;
        for (int d = 0; d < shape.length; d++) {
            long[] fill = r.shape();
            if (fill[d] < shape[d]) {
                fill[d] = shape[d] - fill[d];
                r = Tensor.cat(new Tensor[] {r, Tensor.zeros(fill, t.dtype())}, d);
            }
        }
        return r;
    }

    // ------------------------------------------------------------------ indexSelect / indexAdd

    /** {@code x[..., index[j], ...]} along a dim for a 1-d index; a 0-d {@code x} takes one index and stays 0-d. */
    public static final OpDef<Dim> INDEX_SELECT = new Linear<>("indexSelect", "IndexSelectBackward0", 0) {
        private long[] shape(Dim attrs, long[] x, long[] index) {
            return x.length == 0 ? x : indexedShape(x, attrs.dim(), index);
        }

        @Override
        public TensorSpec[] infer(Dim attrs, TensorSpec... in) {
            return Specs.one(shape(attrs, in[0].shape(), in[1].shape()), in[0].dtype());
        }

        @Override
        public Tensor[] compute(Dim attrs, Tensor[] in) {
            return Specs.one(K.indexSelect(in[0], attrs.dim(), in[1], shape(attrs, in[0].shape(), in[1].shape())));
        }

        @Override
        public Tensor[] vjp(Dim attrs, Node n, Tensor[] g) {
            return new Tensor[] {Tensor.zeros(n.inputShape(0), g[0].dtype()).indexAdd(attrs.dim(), n.saved(0), g[0]), null};
        }
    };

    /** A copy of {@code x} with {@code alpha * source} added at a 1-d index along a dim; duplicates accumulate. */
    public static final OpDef<IndexAdd> INDEX_ADD = new Linear<>("indexAdd", "IndexAddBackward0", 0, 2) {
        @Override
        public TensorSpec[] infer(IndexAdd attrs, TensorSpec... in) {
            return new TensorSpec[] {in[0]};
        }

        @Override
        public Tensor[] compute(IndexAdd attrs, Tensor[] in) {
            return Specs.one(K.indexAdd(in[0], attrs.dim(), in[1], in[2], attrs.alpha()));
        }

        @Override
        public Tensor[] vjp(IndexAdd attrs, Node n, Tensor[] g) {
            Tensor gs = null;
            if (n.needsInputGrad(2)) {
                gs = g[0].indexSelect(attrs.dim(), n.saved(0));
                gs = attrs.alpha() == 1.0 ? gs : gs.mul(attrs.alpha());
            }
            return new Tensor[] {g[0], null, gs};
        }
    };

    // ------------------------------------------------------------------ gather / scatter

    /** {@code out[i][j] = x[index[i][j]][j]} for dim 0: the index's shape, x's dtype. */
    public static final OpDef<Dim> GATHER = new Linear<>("gather", "GatherBackward0", 0) {
        @Override
        public TensorSpec[] infer(Dim attrs, TensorSpec... in) {
            return Specs.one(in[1].shape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(Dim attrs, Tensor[] in) {
            return Specs.one(K.gather(in[0], attrs.dim(), in[1]));
        }

        @Override
        public boolean hasOutKernel(Dim attrs) {
            return true;
        }

        @Override
        public void computeInto(Dim attrs, Tensor[] in, Tensor[] out) {
            K.gatherInto(in[0], attrs.dim(), in[1], out[0]);
        }

        @Override
        public Tensor[] vjp(Dim attrs, Node n, Tensor[] g) {
            return new Tensor[] {Tensor.zeros(n.inputShape(0), g[0].dtype()).scatterAdd(attrs.dim(), n.saved(0), g[0]), null};
        }
    };

    /** A copy of {@code x} with {@code src} written (or added) at an index along a dim; inputs (x, index, src). */
    private static final class Scatter extends Linear<Dim> {
        private final boolean accumulate;

        Scatter(String name, String node, boolean accumulate) {
            super(name, node, 0, 2);
            this.accumulate = accumulate;
        }

        @Override
        public TensorSpec[] infer(Dim attrs, TensorSpec... in) {
            return new TensorSpec[] {in[0]};
        }

        @Override
        public Tensor[] compute(Dim attrs, Tensor[] in) {
            return Specs.one(K.scatter(in[0], attrs.dim(), in[1], in[2], accumulate));
        }

        @Override
        public boolean hasOutKernel(Dim attrs) {
            return true;
        }

        @Override
        public void computeInto(Dim attrs, Tensor[] in, Tensor[] out) {
            K.scatterInto(in[0], attrs.dim(), in[1], in[2], accumulate, out[0]);
        }

        @Override
        public Tensor[] vjp(Dim attrs, Node n, Tensor[] g) {
            Tensor idx = n.saved(0);
            // Positions written by src no longer depend on self: its gradient is zero there.
            Tensor gx = accumulate ? g[0] : n.needsInputGrad(0) ? g[0].scatter(attrs.dim(), idx, 0.0) : null;
            Tensor gs = n.needsInputGrad(2) ? padTo(g[0].gather(attrs.dim(), idx), n.inputShape(2)) : null;
            return new Tensor[] {gx, null, gs};
        }
    }

    public static final OpDef<Dim> SCATTER = new Scatter("scatter", "ScatterBackward0", false);
    public static final OpDef<Dim> SCATTER_ADD = new Scatter("scatterAdd", "ScatterAddBackward0", true);

    /** A copy of {@code x} with a value written at an index along a dim; inputs (x, index). */
    public static final OpDef<ScatterValue> SCATTER_VALUE = new Linear<>("scatterValue", "ScatterBackward1", 0) {
        @Override
        public TensorSpec[] infer(ScatterValue attrs, TensorSpec... in) {
            return new TensorSpec[] {in[0]};
        }

        @Override
        public Tensor[] compute(ScatterValue attrs, Tensor[] in) {
            return Specs.one(K.scatter(in[0], attrs.dim(), in[1], Tensor.scalar(attrs.value(), in[0].dtype()), false));
        }

        @Override
        ScatterValue linearPart(ScatterValue attrs) {
            return new ScatterValue(attrs.dim(), 0.0);
        }

        @Override
        public Tensor[] vjp(ScatterValue attrs, Node n, Tensor[] g) {
            return new Tensor[] {g[0].scatter(attrs.dim(), n.saved(0), 0.0), null};
        }
    };

    // ------------------------------------------------------------------ masks

    /** {@code g} with zeros where the mask is true: the gradient of what a fill overwrote. */
    private static Tensor outsideMask(Tensor mask, Tensor g) {
        return Tensor.where(mask, Tensor.scalar(0.0, g.dtype()), g);
    }

    /**
     * {@code value} (0-d, converted to x's dtype) where the BOOL mask is true, {@code x}
     * elsewhere; inputs (x, mask, value), the result has the broadcast shape of x and the mask.
     */
    public static final OpDef<NoAttrs> MASKED_FILL = new Linear<>("maskedFill", "MaskedFillBackward1", 0, 2) {
        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(Specs.broadcast(name(), in[0].shape(), in[1].shape()), in[0].dtype());
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            return Specs.one(K.where(in[1], in[2], in[0], in[0].dtype()));
        }

        @Override
        public boolean hasOutKernel(NoAttrs attrs) {
            return true;
        }

        @Override
        public void computeInto(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            K.whereInto(in[1], in[2], in[0], in[0].dtype(), out[0]);
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            Tensor m = n.saved(0);
            return new Tensor[] {n.needsInputGrad(0) ? outsideMask(m, g[0]) : null, null,
                    n.needsInputGrad(2) ? Tensor.where(m, g[0], Tensor.scalar(0.0, g[0].dtype())) : null};
        }
    };

    /** A fill value and its 0-d tensor. */
    private record FillValue(double value, Tensor tensor) {
    }

    /**
     * The last fill value of each dtype as a 0-d tensor, which where() only reads: a compiled
     * graph's maskedFillScalar nodes (cross-entropy's ignore-index masks) then make no tensor
     * per run. Shared by threads, and never written.
     */
    private static final AtomicReferenceArray<FillValue> FILL_VALUES = new AtomicReferenceArray<>(DType.values().length);

    private static Tensor fillValue(double value, DType dtype) {
        FillValue f = FILL_VALUES.get(dtype.ordinal());
        if (f == null || Double.compare(f.value(), value) != 0) {
            f = new FillValue(value, Tensor.scalar(value, dtype));
            FILL_VALUES.set(dtype.ordinal(), f);
        }
        return f.tensor();
    }

    /** {@link #MASKED_FILL} with a scalar value; inputs (x, mask). */
    public static final OpDef<Fill> MASKED_FILL_SCALAR = new Linear<>("maskedFillScalar", "MaskedFillBackward0", 0) {
        @Override
        public TensorSpec[] infer(Fill attrs, TensorSpec... in) {
            return MASKED_FILL.infer(NoAttrs.NONE, in);
        }

        @Override
        public Tensor[] compute(Fill attrs, Tensor[] in) {
            return Specs.one(K.where(in[1], Tensor.scalar(attrs.value(), in[0].dtype()), in[0], in[0].dtype()));
        }

        @Override
        public boolean hasOutKernel(Fill attrs) {
            return true;
        }

        @Override
        public void computeInto(Fill attrs, Tensor[] in, Tensor[] out) {
            K.whereInto(in[1], fillValue(attrs.value(), in[0].dtype()), in[0], in[0].dtype(), out[0]);
        }

        @Override
        Fill linearPart(Fill attrs) {
            return new Fill(0.0);
        }

        @Override
        public Tensor[] vjp(Fill attrs, Node n, Tensor[] g) {
            return new Tensor[] {outsideMask(n.saved(0), g[0]), null};
        }
    };

    /**
     * The elements of {@code x} broadcast with the BOOL mask where the mask is true, 1-d in
     * row-major order; inputs (x, mask, positions). The result's size depends on the mask's
     * data, so the caller passes the true positions' flat indices in the broadcast shape (I64,
     * 1-d) and shape inference reads the size from them. The gradient has the broadcast shape;
     * the engine sums it back to x's.
     */
    public static final OpDef<NoAttrs> MASKED_SELECT = new Linear<>("maskedSelect", "MaskedSelectBackward0", 0) {
        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(in[2].shape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            return Specs.one(readFlat(K.expand(in[0], Specs.broadcast(name(), in[0].shape(), in[1].shape())), in[2]));
        }

        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return Specs.one(in[2]);
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            long[] shape = Specs.broadcast(name(), n.inputShape(0), n.inputShape(1));
            return new Tensor[] {accumulateFlat(g[0], n.saved(0), shape), null, null};
        }
    };

    // ------------------------------------------------------------------ take / integer indexing / embedding

    /** The elements of {@code x} viewed as 1-d at an index of any shape (non-negative); the index's shape. */
    public static final OpDef<NoAttrs> TAKE = new Linear<>("take", "TakeBackward0", 0) {
        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(in[1].shape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            return Specs.one(readFlat(in[0], in[1]));
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return new Tensor[] {accumulateFlat(g[0], n.saved(0), n.inputShape(0)), null};
        }
    };

    /**
     * Integer-tensor indexing of one dim ({@code x[:, indices]} for dim 1) by an index of any
     * shape (non-negative): the result has shape {@code x[:dim] + index + x[dim+1:]}.
     */
    public static final OpDef<Dim> INDEX = new Linear<>("index", "IndexBackward0", 0) {
        @Override
        public TensorSpec[] infer(Dim attrs, TensorSpec... in) {
            return Specs.one(indexedShape(in[0].shape(), attrs.dim(), in[1].shape()), in[0].dtype());
        }

        @Override
        public Tensor[] compute(Dim attrs, Tensor[] in) {
            return Specs.one(K.indexSelect(in[0], attrs.dim(), in[1], indexedShape(in[0].shape(), attrs.dim(), in[1].shape())));
        }

        @Override
        public Tensor[] vjp(Dim attrs, Node n, Tensor[] g) {
            long[] inShape = n.inputShape(0);
            long[] gradShape = inShape.clone();
            gradShape[attrs.dim()] = Specs.numel(n.inputShape(1));
            return new Tensor[] {Tensor.zeros(inShape, g[0].dtype()).indexAdd(attrs.dim(), n.saved(0).reshape(-1),
                    g[0].reshape(gradShape)), null};
        }
    };

    /**
     * Rows of a 2-d {@code weight} looked up by an index of any shape; inputs (weight, index) as in
     * PyTorch's {@code embedding}, result shape {@code index + [embeddingDim]}. Lookups of
     * {@code paddingIdx} send no gradient to that row: PyTorch's convention, which the reverse
     * rule follows and the forward rule (the exact derivative) does not.
     */
    public static final OpDef<Embedding> EMBEDDING = new Linear<>("embedding", "EmbeddingBackward0", 0) {
        @Override
        public TensorSpec[] infer(Embedding attrs, TensorSpec... in) {
            return Specs.one(indexedShape(in[0].shape(), 0, in[1].shape()), in[0].dtype());
        }

        @Override
        public Tensor[] compute(Embedding attrs, Tensor[] in) {
            return Specs.one(K.indexSelect(in[0], 0, in[1], indexedShape(in[0].shape(), 0, in[1].shape())));
        }

        @Override
        public Tensor[] vjp(Embedding attrs, Node n, Tensor[] g) {
            long[] weightShape = n.inputShape(0);
            Tensor rows = n.saved(0).reshape(-1);
            Tensor gr = g[0].reshape(rows.shape()[0], weightShape[1]);
            if (attrs.paddingIdx() >= 0) {
                // Rows looked up at paddingIdx send no gradient: their gradient rows are multiplied by 0.
                gr = gr.mul(rows.ne((double) attrs.paddingIdx()).unsqueeze(1).to(n.inputDType(0)));
            }
            return new Tensor[] {Tensor.zeros(weightShape, g[0].dtype()).indexAdd(0, rows, gr), null};
        }
    };

    /** Every definition of this family. */
    static final List<OpDef<?>> ALL = List.of(INDEX_SELECT, INDEX_ADD, GATHER, SCATTER, SCATTER_ADD, SCATTER_VALUE,
            MASKED_FILL, MASKED_FILL_SCALAR, MASKED_SELECT, TAKE, INDEX, EMBEDDING);
}
