package dev.walnut;

import dev.walnut.backend.Storage;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.IndexingOps;
import dev.walnut.ops.NoAttrs;
import java.util.Arrays;

/**
 * The indexing ops' argument checks and kernels. Each public op validates and normalizes its
 * arguments here (dims wrapped, indices converted to I64, checked against their range and wrapped
 * where PyTorch wraps them), then dispatches its primitive in {@link IndexingOps}, whose
 * definition holds the shape rule and the reverse and forward rules; the kernels below record
 * nothing.
 *
 * <p>Index tensors are I64 (I32 is accepted and widened). Indices are checked before any kernel
 * runs; a bad one is an {@link IndexOutOfBoundsException} naming the op, the value, the dim and
 * its size. Negative indices wrap only where PyTorch wraps them ({@code take} and integer-tensor
 * indexing), and are errors elsewhere, as in PyTorch.
 *
 * <p>A 0-d tensor takes part in dim-wise ops as if it had shape {@code [1]} (PyTorch's
 * {@code ensure_nonempty}), and results keep the rank PyTorch gives them.
 */
final class Indexing {
    private Indexing() {
    }

    // ------------------------------------------------------------------ helpers

    /** The index as a contiguous I64 tensor (itself when it already is one). */
    static Tensor longIndex(String op, String what, Tensor index) {
        if (index.dtype != DType.I64 && index.dtype != DType.I32) {
            throw new IllegalArgumentException(op + ": expected " + what + " to be an I64 (or I32) tensor, got "
                    + index.dtype + " (shape " + Shapes.str(index.shape) + "); convert with to(DType.I64)");
        }
        if (index.dtype != DType.I64 || !index.isContiguous()) {
            // Converted outside the dispatcher: a tracer must not keep the converted copy as a constant.
            Dispatcher.notifyDataRead(op + " (indices converted to contiguous I64 outside the dispatcher; pass "
                    + "indices.to(DType.I64).contiguous())", index);
        }
        return Creation.contiguousOf(index, DType.I64);
    }

    /** Fails with the op, the bad value, the dim and its size when an index is out of range. */
    static void checkRange(String op, Tensor idx, long size, int dim, boolean allowNegative, String sizeNote) {
        int n = Shapes.numel(idx.shape);
        int k = Backends.CPU.firstOutOfRange(idx.storage, idx.offset, n, size, allowNegative);
        if (k >= 0) {
            String range = allowNegative ? "[" + -size + ", " + size + ")" : "[0, " + size + ")";
            throw new IndexOutOfBoundsException(op + ": index " + Backends.CPU.getLong(idx.storage, idx.offset + k) + " is out of bounds for dim "
                    + dim + " with size " + size + sizeNote + "; valid indices are in " + range);
        }
    }

    /** {@code idx} with negative values wrapped by {@code size} (itself when none is negative). */
    static Tensor wrapped(Tensor idx, long size) {
        Storage w = Backends.CPU.wrapNegative(idx.storage, idx.offset, Shapes.numel(idx.shape), size);
        if (w == null) {
            return idx;
        }
        Dispatcher.notifyDataRead("negative indices (wrapped outside the dispatcher)", idx);
        return new Tensor(w, idx.shape.clone());
    }

    /** The shape with 0-d read as [1]. */
    private static int[] nonEmpty(int[] shape) {
        return shape.length == 0 ? new int[] {1} : shape;
    }

    private static int[] nonEmptyStrides(Tensor t) {
        return t.shape.length == 0 ? new int[] {0} : t.strides;
    }

    private static int product(int[] shape, int from, int to) {
        int p = 1;
        for (int d = from; d < to; d++) {
            p *= shape[d];
        }
        return p;
    }

    /**
     * Offsets {@code base + sum(coord[d] * strides[d])} of every coordinate of {@code box} over
     * dims {@code [from, to)}, in row-major order.
     */
    private static int[] offsets(int[] box, int[] strides, int from, int to, int base) {
        return OFFSETS.get().get(box, strides, from, to, base);
    }

    /**
     * The offset tables of this thread's last few gathers and scatters, by their arguments: a
     * compiled graph's gather and scatter nodes (cross-entropy's and its gradient's) ask for the
     * same tables at every run, and a table over the batch is as long as the batch. The kernels
     * only read them. Tables over {@link #MAX_KEPT} entries are made afresh each time (their work
     * dwarfs the allocation), which also bounds what a thread keeps.
     */
    private static final class OffsetTables {
        private static final int SIZE = 8;
        private static final int MAX_KEPT = 1 << 14;
        private final int[][] boxes = new int[SIZE][];
        private final int[][] strides = new int[SIZE][];
        private final int[] from = new int[SIZE];
        private final int[] to = new int[SIZE];
        private final int[] base = new int[SIZE];
        private final int[][] tables = new int[SIZE][];
        private int next;

        int[] get(int[] box, int[] st, int f, int t, int b) {
            for (int i = 0; i < SIZE; i++) {
                if (tables[i] != null && from[i] == f && to[i] == t && base[i] == b && Arrays.equals(boxes[i], box)
                        && Arrays.equals(strides[i], st)) {
                    return tables[i];
                }
            }
            int[] table = compute(box, st, f, t, b);
            if (table.length <= MAX_KEPT) {
                int i = next;
                next = (next + 1) % SIZE;
                boxes[i] = box.clone();
                strides[i] = st.clone();
                from[i] = f;
                to[i] = t;
                base[i] = b;
                tables[i] = table;
            }
            return table;
        }
    }

    private static final ThreadLocal<OffsetTables> OFFSETS = ThreadLocal.withInitial(OffsetTables::new);

    private static int[] compute(int[] box, int[] strides, int from, int to, int base) {
        int[] out = new int[product(box, from, to)];
        if (out.length == 0) {
            return out;
        }
        int[] coord = new int[box.length];
        int off = base;
        for (int k = 0; k < out.length; k++) {
            out[k] = off;
            for (int d = to - 1; d >= from; d--) {
                coord[d]++;
                off += strides[d];
                if (coord[d] < box[d]) {
                    break;
                }
                off -= coord[d] * strides[d];
                coord[d] = 0;
            }
        }
        return out;
    }

    /**
     * {@code x[..., index[j], ...]} along {@code dim} for valid, non-negative indices read in
     * row-major order: the kernel of indexSelect, take, maskedSelect, integer indexing and
     * embedding. The result is contiguous of shape {@code outShape}.
     */
    static Tensor indexSelectKernel(Tensor x, int dim, Tensor index, int[] outShape) {
        Tensor idx = Creation.contiguousOf(index, DType.I64);
        Tensor c = Creation.contiguousOf(x, x.dtype);
        int[] shape = nonEmpty(x.shape);
        Backends.checkFits(x.dtype, Shapes.numel(outShape));
        return new Tensor(Backends.CPU.indexSelect(c.storage, c.offset, product(shape, 0, dim), shape[dim],
                product(shape, dim + 1, shape.length), idx.storage, idx.offset, Shapes.numel(idx.shape)), outShape);
    }

    // ------------------------------------------------------------------ indexSelect / indexAdd

    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        String op = "indexSelect";
        int d = Shapes.wrapDim(op, dim, x.shape.length);
        if (index.shape.length > 1) {
            throw new IllegalArgumentException(op + ": index must be 0-d or 1-d, got shape " + Shapes.str(index.shape)
                    + "; use index(dim, indices) for indices of any shape");
        }
        Tensor idx = longIndex(op, "index", index).reshape(-1);
        int n = idx.shape[0];
        int size = nonEmpty(x.shape)[d];
        if (x.shape.length == 0 && n != 1) {
            throw new IllegalArgumentException(op + ": an index into a 0-d tensor must hold exactly 1 value, got " + n);
        }
        checkRange(op, idx, size, d, false, "");
        return Dispatcher.call(IndexingOps.INDEX_SELECT, new IndexingOps.Dim(d), x, idx);
    }

    static Tensor indexAdd(Tensor x, int dim, Tensor index, Tensor source, double alpha) {
        String op = "indexAdd";
        int d = Shapes.wrapDim(op, dim, x.shape.length);
        if (index.shape.length > 1) {
            throw new IllegalArgumentException(op + ": index must be 0-d or 1-d, got shape " + Shapes.str(index.shape));
        }
        if (source.dtype != x.dtype) {
            throw new IllegalArgumentException(op + ": self (" + x.dtype + ") and source (" + source.dtype
                    + ") must have the same dtype");
        }
        if (x.dtype == DType.BOOL) {
            throw new IllegalArgumentException(op + ": not defined for bool tensors; convert with to(DType.I64)");
        }
        if (!x.dtype.isFloatingPoint() && alpha != Math.rint(alpha)) {
            throw new IllegalArgumentException(op + ": alpha " + alpha + " must be a whole number for " + x.dtype
                    + " tensors");
        }
        Tensor idx = longIndex(op, "index", index).reshape(-1);
        int n = idx.shape[0];
        int[] xs = nonEmpty(x.shape);
        int[] ss = nonEmpty(source.shape);
        boolean shapesMatch = xs.length == ss.length && ss[d] == n;
        for (int k = 0; shapesMatch && k < xs.length; k++) {
            shapesMatch = k == d || xs[k] == ss[k];
        }
        if (!shapesMatch) {
            throw new IllegalArgumentException(op + ": source of shape " + Shapes.str(source.shape) + " doesn't match self "
                    + "of shape " + Shapes.str(x.shape) + " with " + n + " indices along dim " + d + " (expected the self "
                    + "shape with size " + n + " at dim " + d + ")");
        }
        checkRange(op, idx, xs[d], d, false, "");
        return Dispatcher.call(IndexingOps.INDEX_ADD, new IndexingOps.IndexAdd(d, alpha), x, idx, source);
    }

    /** A copy of {@code x} with {@code alpha * source} added at {@code index} (checked) along {@code d}. */
    static Tensor indexAddKernel(Tensor x, int d, Tensor index, Tensor source, double alpha) {
        Tensor idx = Creation.contiguousOf(index, DType.I64);
        int[] xs = nonEmpty(x.shape);
        Tensor out = Creation.cast(x, x.dtype);
        Tensor src = Creation.contiguousOf(source, x.dtype);
        Backends.CPU.indexAdd(out.storage, product(xs, 0, d), xs[d], product(xs, d + 1, xs.length), idx.storage,
                idx.offset, Shapes.numel(idx.shape), src.storage, src.offset, alpha);
        return out;
    }

    // ------------------------------------------------------------------ gather / scatter

    /** Checks the shapes shared by gather and scatter; returns the wrapped dim. */
    private static int checkGatherShapes(String op, Tensor x, int dim, Tensor index, Tensor src) {
        int d = Shapes.wrapDim(op, dim, x.shape.length);
        int[] xs = nonEmpty(x.shape);
        int[] is = nonEmpty(index.shape);
        if (is.length != xs.length || src != null && nonEmpty(src.shape).length != xs.length) {
            throw new IllegalArgumentException(op + ": index" + (src != null ? ", src" : "") + " and self must have the "
                    + "same number of dims, got index shape " + Shapes.str(index.shape)
                    + (src != null ? ", src shape " + Shapes.str(src.shape) : "") + " and self shape " + Shapes.str(x.shape));
        }
        for (int k = 0; k < xs.length; k++) {
            if (k != d && is[k] > xs[k]) {
                throw new IllegalArgumentException(op + ": index shape " + Shapes.str(index.shape) + " must not exceed "
                        + "self shape " + Shapes.str(x.shape) + " apart from dim " + d + " (size " + is[k] + " vs " + xs[k]
                        + " at dim " + k + ")");
            }
            if (src != null && is[k] > nonEmpty(src.shape)[k]) {
                throw new IllegalArgumentException(op + ": index shape " + Shapes.str(index.shape) + " must not exceed "
                        + "src shape " + Shapes.str(src.shape) + " (size " + is[k] + " vs " + nonEmpty(src.shape)[k]
                        + " at dim " + k + ")");
            }
        }
        return d;
    }

    static Tensor gather(Tensor x, int dim, Tensor index) {
        String op = "gather";
        int d = checkGatherShapes(op, x, dim, index, null);
        Tensor idx = longIndex(op, "index", index);
        int[] xs = nonEmpty(x.shape);
        checkRange(op, idx, xs[d], d, false, "");
        return Dispatcher.call(IndexingOps.GATHER, new IndexingOps.Dim(d), x, idx);
    }

    /** {@code x} read along {@code d} at {@code index} (checked), in the index's shape. */
    static Tensor gatherKernel(Tensor x, int d, Tensor index) {
        Tensor idx = Creation.contiguousOf(index, DType.I64);
        int[] box = nonEmpty(idx.shape);
        int[] strides = nonEmptyStrides(x);
        return new Tensor(Backends.CPU.gather(x.storage, offsets(box, strides, 0, d, x.offset), strides[d],
                offsets(box, strides, d + 1, box.length, 0), idx.storage, idx.offset, box[d]), idx.shape.clone());
    }

    /** {@link #gatherKernel} into a contiguous {@code out} of the index's shape and x's dtype starting its storage. */
    static void gatherIntoKernel(Tensor x, int d, Tensor index, Tensor out) {
        Elementwise.checkOut("gather", out, x.dtype, index.shape);
        Elementwise.checkStart("gather", out);
        Tensor idx = Creation.contiguousOf(index, DType.I64);
        int[] box = nonEmpty(idx.shape);
        int[] strides = nonEmptyStrides(x);
        Backends.CPU.gatherInto(x.storage, offsets(box, strides, 0, d, x.offset), strides[d],
                offsets(box, strides, d + 1, box.length, 0), idx.storage, idx.offset, box[d], out.storage);
        out.storage.bumpVersion();
    }

    /** {@link #scatterKernel} into a contiguous {@code out} of x's shape and dtype (x copied into it first). */
    static void scatterIntoKernel(boolean accumulate, Tensor x, int d, Tensor index, Tensor src, Tensor out) {
        Creation.castInto(x, out);
        scatterOnto(accumulate, d, index, src, out);
    }

    /** Scatter (or, {@code accumulate}, scatterAdd) of {@code src} (a 0-d src: one value) into a copy of {@code x}. */
    static Tensor scatterKernel(boolean accumulate, Tensor x, int d, Tensor index, Tensor src) {
        Tensor out = Creation.cast(x, x.dtype);
        scatterOnto(accumulate, d, index, src, out);
        return out;
    }

    /** Writes (or adds) {@code src} into {@code out} (a contiguous copy of self) at {@code index} along {@code d}. */
    private static void scatterOnto(boolean accumulate, int d, Tensor index, Tensor src, Tensor out) {
        Tensor idx = Creation.contiguousOf(index, DType.I64);
        int[] box = nonEmpty(idx.shape);
        int[] os = nonEmptyStrides(out);
        // A 0-d src (the value form, or a 0-d self) is read at the same element for every index.
        int[] ss = src.shape.length == 0 ? new int[box.length] : src.strides;
        int srcDimStride = ss[d];
        Backends.CPU.scatter(accumulate, src.storage, offsets(box, ss, 0, d, src.offset), srcDimStride,
                offsets(box, ss, d + 1, box.length, 0), idx.storage, idx.offset, box[d], out.storage,
                offsets(box, os, 0, d, out.offset), os[d], offsets(box, os, d + 1, box.length, 0));
        out.storage.bumpVersion();
    }

    static Tensor scatter(Tensor x, int dim, Tensor index, Tensor src, boolean accumulate) {
        String op = accumulate ? "scatterAdd" : "scatter";
        int d = checkGatherShapes(op, x, dim, index, src);
        if (src.dtype != x.dtype) {
            throw new IllegalArgumentException(op + ": self (" + x.dtype + ") and src (" + src.dtype
                    + ") must have the same dtype");
        }
        if (accumulate && x.dtype == DType.BOOL) {
            throw new IllegalArgumentException(op + ": not defined for bool tensors; convert with to(DType.I64)");
        }
        Tensor idx = longIndex(op, "index", index);
        checkRange(op, idx, nonEmpty(x.shape)[d], d, false, "");
        return Dispatcher.call(accumulate ? IndexingOps.SCATTER_ADD : IndexingOps.SCATTER, new IndexingOps.Dim(d), x, idx,
                src);
    }

    static Tensor scatterValue(Tensor x, int dim, Tensor index, double value) {
        String op = "scatter";
        int d = checkGatherShapes(op, x, dim, index, null);
        Tensor idx = longIndex(op, "index", index);
        checkRange(op, idx, nonEmpty(x.shape)[d], d, false, "");
        return Dispatcher.call(IndexingOps.SCATTER_VALUE, new IndexingOps.ScatterValue(d, value), x, idx);
    }

    // ------------------------------------------------------------------ masks

    private static void checkMask(String op, Tensor mask) {
        if (mask.dtype != DType.BOOL) {
            throw new IllegalArgumentException(op + ": expected a BOOL mask, got " + mask.dtype + " (shape "
                    + Shapes.str(mask.shape) + "); build it with a comparison such as x.gt(0)");
        }
    }

    static Tensor maskedFill(Tensor x, Tensor mask, Tensor value) {
        String op = "maskedFill";
        checkMask(op, mask);
        if (value.shape.length != 0) {
            throw new IllegalArgumentException(op + ": the value must be a 0-d tensor, got shape " + Shapes.str(value.shape));
        }
        Shapes.broadcast(op, x.shape, mask.shape);
        return Dispatcher.call(IndexingOps.MASKED_FILL, NoAttrs.NONE, x, mask, value);
    }

    static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        String op = "maskedFill";
        checkMask(op, mask);
        Shapes.broadcast(op, x.shape, mask.shape);
        return Dispatcher.call(IndexingOps.MASKED_FILL_SCALAR, new IndexingOps.Fill(value), x, mask);
    }

    /** {@code t} read as if broadcast to {@code shape}, copied into a fresh contiguous tensor (no autograd). */
    private static Tensor broadcastCopy(Tensor t, int[] shape) {
        if (Arrays.equals(t.shape, shape)) {
            return Creation.contiguousOf(t, t.dtype);
        }
        return Creation.cast(new Tensor(t.storage, shape, Shapes.broadcastStrides(t.shape, t.strides, shape), t.offset,
                t.base != null ? t.base : t), t.dtype);
    }

    static Tensor maskedSelect(Tensor x, Tensor mask) {
        String op = "maskedSelect";
        checkMask(op, mask);
        int[] shape = Shapes.broadcast(op, x.shape, mask.shape);
        Tensor m = broadcastCopy(mask, shape);
        int total = Shapes.numel(shape);
        Dispatcher.notifyDataRead("maskedSelect (its size depends on the mask's values)", mask);
        long[] pos = Backends.CPU.nonzeroPositions(m.storage, m.offset, total);
        Tensor positions = new Tensor(Backends.wrap(pos), new int[] {pos.length});
        return Dispatcher.call(IndexingOps.MASKED_SELECT, NoAttrs.NONE, x, mask, positions);
    }

    // ------------------------------------------------------------------ take / integer indexing

    static Tensor take(Tensor x, Tensor index) {
        String op = "take";
        Tensor idx = longIndex(op, "index", index);
        int total = Shapes.numel(x.shape);
        checkRange(op, idx, total, 0, true, " (the input viewed as 1-d, of shape " + Shapes.str(x.shape) + ")");
        return Dispatcher.call(IndexingOps.TAKE, NoAttrs.NONE, x, wrapped(idx, total));
    }

    static Tensor index(Tensor x, int dim, Tensor indices) {
        String op = "index";
        if (x.shape.length == 0) {
            throw new IllegalArgumentException(op + ": cannot index a 0-d tensor along a dim; use take(indices) or "
                    + "reshape(1) first");
        }
        int d = Shapes.wrapDim(op, dim, x.shape.length);
        Tensor idx = longIndex(op, "indices", indices);
        int size = x.shape[d];
        checkRange(op, idx, size, d, true, "");
        return Dispatcher.call(IndexingOps.INDEX, new IndexingOps.Dim(d), x, wrapped(idx, size));
    }

    // ------------------------------------------------------------------ no-grad index producers

    static Tensor nonzero(Tensor x) {
        Dispatcher.notifyDataRead("nonzero()", x);
        Tensor c = Creation.contiguousOf(x, x.dtype);
        long[] pos = Backends.CPU.nonzeroPositions(c.storage, c.offset, Shapes.numel(x.shape));
        int rank = x.shape.length;
        if (rank == 1) {
            return new Tensor(Backends.wrap(pos), new int[] {pos.length, 1});   // the positions are the coordinates
        }
        long[] coords = new long[pos.length * rank];
        for (int p = 0; p < pos.length; p++) {
            long rem = pos[p];
            for (int d = rank - 1; d >= 0; d--) {
                coords[p * rank + d] = rem % x.shape[d];
                rem /= x.shape[d];
            }
        }
        return new Tensor(Backends.wrap(coords), new int[] {pos.length, rank});
    }
}
