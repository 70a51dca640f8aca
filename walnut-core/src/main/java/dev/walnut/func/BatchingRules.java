package dev.walnut.func;

import static dev.walnut.ops.ElementwiseOps.*;

import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.IndexingOps;
import dev.walnut.ops.LinalgOps;
import dev.walnut.ops.NoAttrs;
import dev.walnut.ops.OpDef;
import dev.walnut.ops.ReductionOps;
import dev.walnut.ops.ShapeContentOps;
import dev.walnut.ops.TensorSpec;
import dev.walnut.ops.ViewOps;
import dev.walnut.ops.WindowOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vmap}'s batching rules, one per primitive: how a call on tensors that carry a batch dim
 * becomes one call (or a few) of the same primitives on the whole batch. A rule receives the
 * physical inputs with the batch dim first ({@code batched[i]} false for an input the function
 * closed over, which has no batch dim) and returns outputs with the batch dim first.
 *
 * <p>Elementwise ops broadcast, so a batched input only needs its logical dims right-aligned
 * with the others' ({@code [B, 1, ..., 1, logical...]}); reductions, softmax and views shift
 * their dim attributes by one; the matrix product folds the batch into the rows when the other
 * operand is shared; convolution and pooling fold the batch into their examples. Primitives
 * without a rule here ({@code diagEmbed}, {@code permuteAlongDim}, {@code avgPool2dBackward},
 * {@code maxUnpool2d}, {@code convolutionWeightGrad} (it sums over the examples), {@code indexAdd}, {@code maskedFill} with a tensor value,
 * {@code maskedSelect}, {@code take}, {@code index}, {@code embedding}), and calls a rule declines
 * (a reduction of a 0-d example, a batched index of {@code indexSelect}), take the per-example loop
 * ({@link #loop}): slice each example, call the primitive, stack the results. That is correct for
 * every primitive, only slower; {@code BatchingRulesTest} checks every primitive against it.
 *
 * <p>Every tensor op here runs below the batching interpreter, on the physical tensors.
 */
final class BatchingRules {
    private BatchingRules() {
    }

    /** One primitive's rule; returns null to take the per-example loop for this call. */
    @FunctionalInterface
    interface Rule {
        Tensor[] apply(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size);
    }

    private static final Map<OpDef<?>, Rule> RULES = new IdentityHashMap<>();

    static {
        for (OpDef<?> op : List.of(ADD, SUB, MUL, DIV, POW, ATAN2, FMOD, REMAINDER, MAXIMUM, MINIMUM,
                NEG, ABS, SIGN, EXP, LOG, SQRT, RSQRT, SQUARE, RECIPROCAL, SIN, COS, TANH, SIGMOID, ERF, LOG1P, EXPM1, RELU,
                FLOOR, CEIL, ROUND, TRUNC, ADD_SCALAR, RSUB_SCALAR, MUL_SCALAR, DIV_SCALAR, RDIV_SCALAR,
                RPOW_SCALAR, POW_SCALAR, CLAMP, CAST, WHERE, EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR,
                LOGICAL_NOT)) {
            RULES.put(op, (o, a, x, b, n) -> broadcasting(o, a, x, b, n, false));
        }
        // The gradient and the input have one shape, without broadcasting.
        RULES.put(THRESHOLD_BACKWARD, (o, a, x, b, n) -> Dispatcher.callAll(o, a, allBatched(x, b, n)));
        // The mask broadcasts to the input, whose shape the output keeps: a shared input is expanded.
        RULES.put(IndexingOps.MASKED_FILL_SCALAR, (o, a, x, b, n) -> broadcasting(o, a, x, b, n, true));
        for (OpDef<?> op : List.of(ReductionOps.SUM, ReductionOps.MEAN, ReductionOps.PROD, ReductionOps.AMAX,
                ReductionOps.AMIN, ReductionOps.LOGSUMEXP, ReductionOps.NORM2)) {
            RULES.put(op, BatchingRules::reduce);
        }
        RULES.put(ReductionOps.MAX_DIM, BatchingRules::reduceDim);
        RULES.put(ReductionOps.MIN_DIM, BatchingRules::reduceDim);
        RULES.put(ReductionOps.SOFTMAX, BatchingRules::softmax);
        RULES.put(ReductionOps.LOG_SOFTMAX, BatchingRules::softmax);
        RULES.put(ViewOps.RESHAPE, BatchingRules::reshape);
        RULES.put(ViewOps.VIEW, BatchingRules::reshape);
        RULES.put(ViewOps.PERMUTE, (o, a, x, b, n) -> {
            int[] d = ((ViewOps.Permute) a).dims();
            int[] p = new int[d.length + 1];
            for (int i = 0; i < d.length; i++) {
                p[i + 1] = wrap(d[i], d.length) + 1;
            }
            return call(o, new ViewOps.Permute(p), x[0]);
        });
        RULES.put(ViewOps.TRANSPOSE, (o, a, x, b, n) -> {
            var t = (ViewOps.Transpose) a;
            int r = x[0].dim() - 1;
            return call(o, new ViewOps.Transpose(wrap(t.dim0(), r) + 1, wrap(t.dim1(), r) + 1), x[0]);
        });
        RULES.put(ViewOps.EXPAND, (o, a, x, b, n) -> {
            long[] s = ((ViewOps.Shape) a).shape();
            return one(padded(x[0], s.length).expand(prepend(n, s)));
        });
        RULES.put(ViewOps.SLICE, (o, a, x, b, n) -> {
            var s = (ViewOps.Slice) a;
            return call(o, new ViewOps.Slice(wrap(s.dim(), x[0].dim() - 1) + 1, s.start(), s.length(), s.step()), x[0]);
        });
        RULES.put(ViewOps.SELECT, (o, a, x, b, n) -> {
            var s = (ViewOps.Select) a;
            return call(o, new ViewOps.Select(wrap(s.dim(), x[0].dim() - 1) + 1, s.index()), x[0]);
        });
        RULES.put(ViewOps.EMBED, (o, a, x, b, n) -> {
            var e = (ViewOps.Embed) a;
            long[] s = e.shape();
            return call(o, new ViewOps.Embed(prepend(n, s), wrap(e.dim(), s.length) + 1, e.start(), e.step()), x[0]);
        });
        RULES.put(ViewOps.CLONE, (o, a, x, b, n) -> call(o, a, x[0]));
        RULES.put(ViewOps.CAT, (o, a, x, b, n) -> {
            int r = b[0] ? x[0].dim() - 1 : x[0].dim();
            return Dispatcher.callAll(o, new ViewOps.Cat(wrap(((ViewOps.Cat) a).dim(), r) + 1), allBatched(x, b, n));
        });
        RULES.put(LinalgOps.MATMUL, BatchingRules::matmul);
        RULES.put(IndexingOps.GATHER, (o, a, x, b, n) -> {
            Tensor[] y = allBatched(x, b, n);
            // Through the tensor method, which checks every example's indices against the size.
            return one(y[0].gather(((IndexingOps.Dim) a).dim() + 1, y[1].contiguous()));
        });
        for (OpDef<?> op : List.of(IndexingOps.SCATTER, IndexingOps.SCATTER_ADD)) {
            RULES.put(op, (o, a, x, b, n) -> {
                Tensor[] y = allBatched(x, b, n);
                y[1] = y[1].contiguous();
                return Dispatcher.callAll(o, new IndexingOps.Dim(((IndexingOps.Dim) a).dim() + 1), y);
            });
        }
        RULES.put(IndexingOps.SCATTER_VALUE, (o, a, x, b, n) -> {
            var s = (IndexingOps.ScatterValue) a;
            Tensor[] y = allBatched(x, b, n);
            y[1] = y[1].contiguous();
            return Dispatcher.callAll(o, new IndexingOps.ScatterValue(s.dim() + 1, s.value()), y);
        });
        RULES.put(IndexingOps.INDEX_SELECT, (o, a, x, b, n) -> b[1] || x[0].dim() == 1 ? null
                : Dispatcher.callAll(o, new IndexingOps.Dim(((IndexingOps.Dim) a).dim() + 1), x));
        RULES.put(ShapeContentOps.FLIP, (o, a, x, b, n) -> {
            int[] d = ((ShapeContentOps.Dims) a).dims();
            int r = x[0].dim() - 1;
            for (int i = 0; i < d.length; i++) {
                d[i] = wrap(d[i], r) + 1;
            }
            return call(o, new ShapeContentOps.Dims(d), x[0]);
        });
        for (OpDef<?> op : List.of(ShapeContentOps.CUMSUM, ShapeContentOps.CUMPROD)) {
            RULES.put(op, (o, a, x, b, n) -> x[0].dim() == 1 ? null
                    : call(o, new ShapeContentOps.Dim(wrap(((ShapeContentOps.Dim) a).dim(), x[0].dim() - 1) + 1), x[0]));
        }
        RULES.put(ShapeContentOps.SORT, (o, a, x, b, n) -> {
            var s = (ShapeContentOps.Sort) a;
            return x[0].dim() == 1 ? null
                    : call(o, new ShapeContentOps.Sort(wrap(s.dim(), x[0].dim() - 1) + 1, s.descending()), x[0]);
        });
        RULES.put(ShapeContentOps.TOPK, (o, a, x, b, n) -> {
            var t = (ShapeContentOps.TopK) a;
            return x[0].dim() == 1 ? null
                    : call(o, new ShapeContentOps.TopK(t.k(), wrap(t.dim(), x[0].dim() - 1) + 1, t.largest()), x[0]);
        });
        RULES.put(ShapeContentOps.DIAGONAL, (o, a, x, b, n) -> {
            var g = (ShapeContentOps.Diagonal) a;
            int r = x[0].dim() - 1;
            return call(o, new ShapeContentOps.Diagonal(g.offset(), wrap(g.dim1(), r) + 1, wrap(g.dim2(), r) + 1), x[0]);
        });
        // Padding reads the last dims only, so the batch dim in front is left alone.
        RULES.put(ShapeContentOps.PAD, (o, a, x, b, n) -> ((ShapeContentOps.Pad) a).pad().length / 2 > x[0].dim() - 1 ? null
                : call(o, a, x[0]));
        for (OpDef<?> op : List.of(WindowOps.IM2COL, WindowOps.COL2IM, WindowOps.CONVOLUTION,
                WindowOps.STRIDED_CONVOLUTION, WindowOps.DEPTHWISE_CONV2D,
                WindowOps.MAX_POOL2D, WindowOps.AVG_POOL2D, WindowOps.CONVOLUTION_INPUT_GRAD,
                FusedOps.MAX_POOL2D_VALUES)) {
            RULES.put(op, BatchingRules::foldIntoExamples);
        }
        // A fused convolution's residual is examples like its input: both join N.
        RULES.put(FusedOps.CONV2D, (o, a, x, b, n) -> {
            if (!((FusedOps.Conv2d) a).residual()) {
                return foldIntoExamples(o, a, x, b, n);
            }
            boolean[] examples = new boolean[x.length];
            examples[0] = true;
            examples[x.length - 1] = true;
            return foldIntoExamples(o, a, x, b, n, examples);
        });
        RULES.put(WindowOps.MAX_POOL2D_BACKWARD, BatchingRules::foldAllIntoExamples);
        // Attention's items (and heads) are independent: the batch joins its first dim.
        RULES.put(FusedOps.ATTENTION, BatchingRules::foldAllIntoExamples);
        // Sums over the examples: the batch joins the channels instead, [N, B * C, h, w].
        RULES.put(WindowOps.CONVOLUTION_BIAS_GRAD, (o, a, x, b, n) -> {
            long[] s = x[0].shape();
            Tensor channels = x[0].transpose(0, 1).reshape(s[1], s[0] * s[2], s[3], s[4]);
            return one(call(o, a, channels)[0].reshape(s[0], s[2]));
        });
    }

    /** True when {@code op} has a rule of its own (else every call takes the per-example loop). */
    static boolean hasRule(OpDef<?> op) {
        return RULES.containsKey(op);
    }

    /** Applies {@code op}'s rule, or the per-example loop. */
    @SuppressWarnings("unchecked")
    static Tensor[] apply(OpDef<?> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        Rule rule = RULES.get(op);
        Tensor[] out = rule == null ? null : rule.apply((OpDef<Object>) op, attrs, x, batched, size);
        return out != null ? out : loop((OpDef<Object>) op, attrs, x, batched, size);
    }

    /**
     * The fallback: the primitive once per example, results stacked along a new first dim.
     */
    static Tensor[] loop(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        if (size == 0) {
            throw new UnsupportedOperationException("vmap: " + op.name() + " has no batching rule and the batch is "
                    + "empty, so its per-example loop cannot tell the output's shape; use a non-empty batch");
        }
        List<List<Tensor>> outs = new ArrayList<>();
        for (int e = 0; e < size; e++) {
            Tensor[] args = x.clone();
            for (int i = 0; i < x.length; i++) {
                if (batched[i]) {
                    args[i] = x[i].select(0, e);
                }
            }
            Tensor[] r = Dispatcher.callAll(op, attrs, args);
            for (int j = 0; j < r.length; j++) {
                if (e == 0) {
                    outs.add(new ArrayList<>());
                }
                outs.get(j).add(r[j]);
            }
        }
        Tensor[] result = new Tensor[outs.size()];
        for (int j = 0; j < result.length; j++) {
            result[j] = Tensor.stack(outs.get(j), 0);
        }
        return result;
    }

    // ------------------------------------------------------------------ rules

    private static Tensor[] broadcasting(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size,
                                         boolean expandFirst) {
        int r = 0;
        boolean mixedDTypes = false;
        boolean scalarExample = false;
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null) {
                continue;
            }
            r = Math.max(r, logicalRank(x[i], batched[i]));
            mixedDTypes |= x[i].dtype() != x[0].dtype();
            scalarExample |= batched[i] && x[i].dim() == 1;
        }
        Tensor[] args = x.clone();
        for (int i = 0; i < x.length; i++) {
            if (args[i] == null) {
                continue;
            }
            if (batched[i]) {
                args[i] = padded(args[i], r);
            } else if (expandFirst && i == 0) {
                args[i] = padded(args[i].unsqueeze(0), r).expand(prepend(size, padShape(args[i].shape(), r)));
            }
        }
        Tensor[] out = Dispatcher.callAll(op, attrs, args);
        if (mixedDTypes && scalarExample) {
            // Type promotion ranks 0-d operands below dimensioned ones, and a 0-d example is not
            // 0-d in the batch: take the dtype the unbatched call would have.
            TensorSpec[] specs = new TensorSpec[x.length];
            for (int i = 0; i < x.length; i++) {
                specs[i] = x[i] == null ? null : new TensorSpec(batched[i] ? Arrays.copyOfRange(x[i].shape(), 1, x[i].dim())
                        : x[i].shape(), x[i].dtype());
            }
            TensorSpec[] want = op.infer(attrs, specs);
            for (int j = 0; j < out.length; j++) {
                if (out[j].dtype() != want[j].dtype()) {
                    out[j] = out[j].to(want[j].dtype());
                }
            }
        }
        return out;
    }

    private static Tensor[] reduce(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        var a = (ReductionOps.Reduce) attrs;
        int r = x[0].dim() - 1;
        if (r == 0) {
            return null;
        }
        int[] dims = a.dims();
        int[] shifted;
        if (dims.length == 0) {
            shifted = new int[r];
            for (int d = 0; d < r; d++) {
                shifted[d] = d + 1;
            }
        } else {
            shifted = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shifted[i] = wrap(dims[i], r) + 1;
            }
        }
        boolean[] ones = (Object) op == ReductionOps.SUM || (Object) op == ReductionOps.MEAN ? sizeOneDims(x[0], shifted) : null;
        if (ones != null && x[0].dtype().isFloatingPoint()) {
            // Autograd's sum back to a broadcast shape ([1, n] per example to [n]) reduces dims of
            // size 1: a copy, where the reduction kernel would run one tiny reduction per element.
            return call(ViewOps.CLONE, NoAttrs.NONE, reduced(x[0], ones, a.keepDim()));
        }
        return call(op, new ReductionOps.Reduce(shifted, a.keepDim()), x[0]);
    }

    /**
     * The dims of {@code t} that {@code dims} names, when they are distinct, in range and all of
     * size 1; else null (the reduction itself reports bad dims).
     */
    private static boolean[] sizeOneDims(Tensor t, int[] dims) {
        boolean[] mask = new boolean[t.dim()];
        for (int d : dims) {
            if (d < 1 || d >= mask.length || mask[d] || t.size(d) != 1) {
                return null;
            }
            mask[d] = true;
        }
        return mask;
    }

    /** {@code t} without the dims {@code mask} marks (all of size 1), or {@code t} itself when they are kept. */
    private static Tensor reduced(Tensor t, boolean[] mask, boolean keepDim) {
        if (keepDim) {
            return t;
        }
        long[] s = t.shape();
        long[] kept = new long[s.length];
        int n = 0;
        for (int d = 0; d < s.length; d++) {
            if (!mask[d]) {
                kept[n++] = s[d];
            }
        }
        return t.reshape(Arrays.copyOf(kept, n));
    }

    private static Tensor[] reduceDim(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        var a = (ReductionOps.Dim) attrs;
        int r = x[0].dim() - 1;
        return r == 0 ? null : call(op, new ReductionOps.Dim(wrap(a.dim(), r) + 1, a.keepDim()), x[0]);
    }

    private static Tensor[] softmax(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        int r = x[0].dim() - 1;
        return r == 0 ? null : call(op, new ReductionOps.Softmax(wrap(((ReductionOps.Softmax) attrs).dim(), r) + 1), x[0]);
    }

    private static Tensor[] reshape(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        // Always the copying form: a view of one example may not be a view of the batch.
        return call(ViewOps.RESHAPE, new ViewOps.Shape(prepend(size, ((ViewOps.Shape) attrs).shape())), x[0]);
    }

    private static Tensor[] matmul(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        Tensor a = x[0];
        Tensor b = x[1];
        if (batched[0] && !batched[1] && b.dim() == 2) {
            // A shared matrix: fold the batch into the rows, one GEMM for all examples.
            long[] s = a.shape();
            Tensor y = call(op, attrs, a.reshape(-1, s[s.length - 1]), b)[0];
            long[] out = s.clone();
            out[out.length - 1] = b.size(1);
            return one(y.reshape(out));
        }
        int r = Math.max(logicalRank(a, batched[0]), logicalRank(b, batched[1]));
        a = batched[0] ? padded(a, r) : a;
        b = batched[1] ? padded(b, r) : b;
        // One batched product. An outer product per example (a per-sample weight gradient,
        // g^T x: inner size 1) is the backend's store-bound outer-product kernel, no packing.
        return call(op, attrs, a, b);
    }

    /** Ops over {@code [N, ...]} examples (convolution, pooling): the batch joins N when only the input is batched. */
    private static Tensor[] foldIntoExamples(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        for (int i = 1; i < x.length; i++) {
            if (batched[i]) {
                return null;
            }
        }
        long[] s = x[0].shape();
        if (s.length < 2) {
            return null;
        }
        long[] folded = Arrays.copyOfRange(s, 1, s.length);
        folded[0] = s[0] * s[1];
        Tensor[] args = x.clone();
        args[0] = x[0].reshape(folded);
        return unfoldExamples(Dispatcher.callAll(op, attrs, args), size, s[1]);
    }

    /**
     * Ops whose every input is {@code [N, ...]} examples (max pooling's adjoint: the gradient and
     * the indices): all of them join N, an unbatched one expanded over the batch first.
     */
    private static Tensor[] foldAllIntoExamples(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size) {
        boolean[] examples = new boolean[x.length];
        Arrays.fill(examples, true);
        return foldIntoExamples(op, attrs, x, batched, size, examples);
    }

    /**
     * Ops whose inputs marked in {@code examples} are {@code [N, ...]} examples and whose others
     * are shared (the fused convolution's input and residual; its weight and bias): the examples
     * join N, an unbatched one expanded over the batch first; a batched shared input takes the
     * per-example loop (null).
     */
    private static Tensor[] foldIntoExamples(OpDef<Object> op, Object attrs, Tensor[] x, boolean[] batched, int size,
                                             boolean[] examples) {
        Tensor[] args = x.clone();
        long[] s = null;
        for (int i = 0; i < x.length; i++) {
            if (!examples[i]) {
                if (batched[i]) {
                    return null;
                }
                continue;
            }
            Tensor b = x[i];
            if (!batched[i]) {
                long[] shape = new long[b.dim() + 1];
                shape[0] = size;
                System.arraycopy(b.shape(), 0, shape, 1, b.dim());
                b = b.unsqueeze(0).expand(shape);
            }
            long[] bs = b.shape();
            long[] folded = Arrays.copyOfRange(bs, 1, bs.length);
            folded[0] = bs[0] * bs[1];
            args[i] = b.reshape(folded);
            s = bs;
        }
        return unfoldExamples(Dispatcher.callAll(op, attrs, args), size, s[1]);
    }

    /** Outputs {@code [size * n, ...]} of a folded call back to {@code [size, n, ...]}. */
    private static Tensor[] unfoldExamples(Tensor[] out, int size, long n) {
        for (int j = 0; j < out.length; j++) {
            long[] o = out[j].shape();
            long[] unfolded = new long[o.length + 1];
            unfolded[0] = size;
            unfolded[1] = n;
            System.arraycopy(o, 1, unfolded, 2, o.length - 1);
            out[j] = out[j].reshape(unfolded);
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static Tensor[] call(OpDef<?> op, Object attrs, Tensor... x) {
        @SuppressWarnings("unchecked")
        OpDef<Object> o = (OpDef<Object>) op;
        return Dispatcher.callAll(o, attrs, x);
    }

    private static Tensor[] one(Tensor t) {
        return new Tensor[] {t};
    }

    static int logicalRank(Tensor t, boolean batched) {
        return batched ? t.dim() - 1 : t.dim();
    }

    private static int wrap(int dim, int rank) {
        return dim < 0 ? dim + Math.max(rank, 1) : dim;
    }

    static long[] prepend(long first, long[] rest) {
        long[] s = new long[rest.length + 1];
        s[0] = first;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }

    private static long[] padShape(long[] shape, int rank) {
        long[] s = new long[rank];
        Arrays.fill(s, 1);
        System.arraycopy(shape, 0, s, rank - shape.length, shape.length);
        return s;
    }

    /** A batched {@code [B, logical...]} with ones inserted after B so that its logical rank is {@code rank}. */
    private static Tensor padded(Tensor t, int rank) {
        int k = t.dim() - 1;
        if (k >= rank) {
            return t;
        }
        long[] s = t.shape();
        return t.reshape(prepend(s[0], padShape(Arrays.copyOfRange(s, 1, s.length), rank)));
    }

    /** Every input with the batch dim: shared ones are expanded (a view). */
    private static Tensor[] allBatched(Tensor[] x, boolean[] batched, int size) {
        Tensor[] y = x.clone();
        for (int i = 0; i < x.length; i++) {
            if (y[i] != null && !batched[i]) {
                y[i] = y[i].unsqueeze(0).expand(prepend(size, y[i].shape()));
            }
        }
        return y;
    }
}
