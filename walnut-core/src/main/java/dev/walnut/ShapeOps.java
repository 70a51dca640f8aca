package dev.walnut;

import dev.walnut.backend.Layout;
import dev.walnut.backend.Storage;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.ShapeContentOps;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * Shape and content ops: padding, flip/roll, repeat/tile, triangles and diagonals, scans, sorting.
 *
 * <p>Primitives (kernel + rule here): constant pad, flip, diagonal (a strided view) and its dual
 * diagEmbed, cumsum, cumprod, sort, topk, and permuteAlongDim (a gather by a permutation, the
 * gradient of sort/topk). Everything else is a composite: reflect/replicate pad are slices,
 * flips and cat; roll is two slices and a cat; repeat/tile an expand and a reshape; tril/triu a
 * where with a position mask; diag a diagonal or a diagEmbed.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    // ------------------------------------------------------------------ padding

    static Tensor pad(Tensor x, long[] pad, PadMode mode, double value) {
        if (mode == null) {
            throw new IllegalArgumentException("pad: mode must not be null; use PadMode.CONSTANT, REFLECT or REPLICATE");
        }
        int rank = x.shape.length;
        if (pad.length % 2 != 0) {
            throw new IllegalArgumentException("pad: padding length must be divisible by 2 (left, right pairs), got "
                    + pad.length + " values " + Arrays.toString(pad));
        }
        int pairs = pad.length / 2;
        if (pairs > rank) {
            throw new IllegalArgumentException("pad: padding " + Arrays.toString(pad) + " pads " + pairs
                    + " dims but the input has only " + rank + " (shape " + Shapes.str(x.shape) + ")");
        }
        if (mode == PadMode.CONSTANT) {
            return constantPad(x, pad, value);
        }
        String m = "mode \"" + mode.pytorchName() + "\"";
        if (value != 0.0) {
            throw new IllegalArgumentException("pad: " + m + " doesn't take a fill value (got " + value
                    + "); only PadMode.CONSTANT pads with a value");
        }
        if (pairs < 1 || pairs > 3 || (rank != pairs + 1 && rank != pairs + 2)) {
            throw new IllegalArgumentException("pad: " + m + " pads the last 1, 2 or 3 dims of a 2-d/3-d, 3-d/4-d or "
                    + "4-d/5-d input (padding length 2, 4 or 6), got padding " + Arrays.toString(pad)
                    + " for an input of shape " + Shapes.str(x.shape));
        }
        Tensor out = x;
        for (int p = 0; p < pairs; p++) {
            int d = rank - 1 - p;
            long l = pad[2 * p];
            long r = pad[2 * p + 1];
            int n = x.shape[d];
            if (l < 0 || r < 0) {
                throw new IllegalArgumentException("pad: " + m + " needs non-negative padding, got (" + l + ", " + r
                        + ") for dim " + d + " of input shape " + Shapes.str(x.shape));
            }
            if (mode == PadMode.REFLECT && (l >= n || r >= n)) {
                throw new IllegalArgumentException("pad: padding size should be less than the corresponding input "
                        + "dimension for " + m + ", but got padding (" + l + ", " + r + ") at dim " + d + " of size " + n
                        + " (input shape " + Shapes.str(x.shape) + ")");
            }
            if (mode == PadMode.REPLICATE && n == 0 && (l > 0 || r > 0)) {
                throw new IllegalArgumentException("pad: " + m + " cannot pad dim " + d + " of size 0 (input shape "
                        + Shapes.str(x.shape) + ")");
            }
            if (l > Integer.MAX_VALUE || r > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("pad: padding (" + l + ", " + r + ") is too large");
            }
            out = mode == PadMode.REFLECT ? reflect(out, d, (int) l, (int) r) : replicate(out, d, (int) l, (int) r);
        }
        return out == x ? x.clone() : out;
    }

    private static Tensor reflect(Tensor t, int d, int l, int r) {
        int n = t.shape[d];
        var parts = new ArrayList<Tensor>(3);
        if (l > 0) {
            parts.add(t.narrow(d, 1, l).flip(d));
        }
        parts.add(t);
        if (r > 0) {
            parts.add(t.narrow(d, n - 1 - r, r).flip(d));
        }
        return parts.size() == 1 ? t : Views.cat(parts.toArray(new Tensor[0]), d);
    }

    private static Tensor replicate(Tensor t, int d, int l, int r) {
        int n = t.shape[d];
        long[] s = t.shape();
        var parts = new ArrayList<Tensor>(3);
        if (l > 0) {
            s[d] = l;
            parts.add(t.narrow(d, 0, 1).expand(s));
        }
        parts.add(t);
        if (r > 0) {
            s[d] = r;
            parts.add(t.narrow(d, n - 1, 1).expand(s));
        }
        return parts.size() == 1 ? t : Views.cat(parts.toArray(new Tensor[0]), d);
    }

    /** Constant padding (negative pads crop); its gradient is the same op with the pads negated. */
    static Tensor constantPad(Tensor x, long[] pad, double value) {
        return Dispatcher.call(ShapeContentOps.PAD, new ShapeContentOps.Pad(pad, value), x);
    }

    /** The kernel of constant padding: a fresh output, whose zeros are already a +0.0 border. */
    static Tensor constantPadKernel(Tensor x, long[] pad, double value) {
        Padding p = padding(x, pad);
        Tensor out = Creation.full(p.outShape, x.dtype, 0.0);
        p.write(x, out, value, Double.doubleToRawLongBits(value) != 0);
        return out;
    }

    /** {@link #constantPadKernel} into a preallocated contiguous {@code out} (a compiled graph's arena). */
    static void constantPadIntoKernel(Tensor x, long[] pad, double value, Tensor out) {
        Padding p = padding(x, pad);
        Elementwise.checkOut("constantPad", out, x.dtype, p.outShape);
        if (out.storage == x.storage) {
            Creation.castInto(constantPadKernel(x, pad, value), out);
            return;
        }
        p.write(x, out, value, true);
        out.storage.bumpVersion();
    }

    /**
     * Where padding puts {@code x}: the output's shape, and the kept part of {@code x} (shape
     * {@code len}, from {@code srcOff} in x's storage) at {@code dstStart} in the output.
     */
    private record Padding(int[] outShape, int[] len, int srcOff, int[] dstStart) {
        /**
         * Copies the kept part into the contiguous {@code out} and, when {@code fillBorder}, writes
         * {@code value} everywhere else. Each element is written once (a fill of the whole output
         * under the copy wrote the kept part twice): the border is, for each dim {@code d}, the
         * slabs before and after the kept range of dim {@code d} within the kept ranges of the
         * dims before it and the whole of the dims after it. These slabs are disjoint, cover
         * everything outside the kept box, and mostly collapse to a few long runs.
         */
        void write(Tensor x, Tensor out, double value, boolean fillBorder) {
            int rank = outShape.length;
            if (fillBorder) {
                int[] box = outShape.clone();
                for (int d = 0; d < rank; d++) {
                    int before = dstStart[d];
                    int after = outShape[d] - dstStart[d] - len[d];
                    int base = out.offset;
                    for (int k = 0; k < d; k++) {
                        base += dstStart[k] * out.strides[k];
                    }
                    if (before > 0) {
                        box[d] = before;
                        Backends.CPU.fill(out.storage, new Layout(box.clone(), out.strides, base), value);
                    }
                    if (after > 0) {
                        box[d] = after;
                        int off = base + (dstStart[d] + len[d]) * out.strides[d];
                        Backends.CPU.fill(out.storage, new Layout(box.clone(), out.strides, off), value);
                    }
                    box[d] = len[d];
                }
            }
            if (Shapes.numel(len) > 0) {
                int dstOff = out.offset;
                for (int d = 0; d < rank; d++) {
                    dstOff += dstStart[d] * out.strides[d];
                }
                Backends.CPU.copy(x.storage, new Layout(len, x.strides, srcOff), out.storage,
                        new Layout(len, out.strides, dstOff));
            }
        }
    }

    /** Checks the padded sizes of {@code x} and lays out where its kept part goes. */
    private static Padding padding(Tensor x, long[] pad) {
        int rank = x.shape.length;
        int[] outShape = x.shape.clone();
        int[] len = x.shape.clone();
        int srcOff = x.offset;
        int[] dstStart = new int[rank];
        for (int p = 0; p < pad.length / 2; p++) {
            int d = rank - 1 - p;
            long l = pad[2 * p];
            long r = pad[2 * p + 1];
            long n = x.shape[d];
            // Pads beyond the element limit can only give a too large or a negative size; bounding
            // them first keeps the sum from overflowing into a plausible one.
            long bound = Integer.MAX_VALUE;
            boolean huge = l < -bound || l > bound || r < -bound || r > bound;
            long size = huge ? (l + (double) r > 0 ? Long.MAX_VALUE : -1) : n + l + r;
            if (size < 0 || size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("pad: the input size " + n + " plus padding (" + l + ", " + r
                        + ") gives " + (size < 0 ? "a negative" : "a too large") + " output size " + size + " at dim " + d
                        + " (input shape " + Shapes.str(x.shape) + ")");
            }
            outShape[d] = (int) size;
            long cropLeft = Math.max(0, -l);
            len[d] = (int) Math.max(0, n - cropLeft - Math.max(0, -r));
            dstStart[d] = (int) Math.min(Math.max(0, l), size);
            if (len[d] > 0) {
                srcOff += (int) cropLeft * x.strides[d];
            }
        }
        return new Padding(outShape, len, srcOff, dstStart);
    }

    // ------------------------------------------------------------------ flip, roll, repeat, tile

    static Tensor flip(Tensor x, int[] dims) {
        int rank = x.shape.length;
        boolean[] flipped = new boolean[rank];
        for (int dim : dims) {
            int d = Shapes.wrapDim("flip", dim, rank);
            if (rank == 0) {
                continue;
            }
            if (flipped[d]) {
                throw new IllegalArgumentException("flip: dim " + d + " appears multiple times in the list of dims "
                        + Arrays.toString(dims));
            }
            flipped[d] = true;
        }
        int[] normalized = java.util.stream.IntStream.range(0, rank).filter(d -> flipped[d]).toArray();
        return Dispatcher.call(ShapeContentOps.FLIP, new ShapeContentOps.Dims(normalized), x);
    }

    /** {@code x} reversed along the (distinct, non-negative) {@code dims}, copied. */
    static Tensor flipKernel(Tensor x, int[] dims) {
        int rank = x.shape.length;
        boolean[] flipped = new boolean[rank];
        for (int d : dims) {
            flipped[d] = true;
        }
        Tensor out = new Tensor(Backends.allocate(x.dtype, Shapes.numel(x.shape)), x.shape.clone());
        if (out.numel() > 0) {
            // Read backwards: start at the last element of each flipped dim with a negated stride.
            int[] strides = x.strides.clone();
            int off = x.offset;
            for (int d = 0; d < rank; d++) {
                if (flipped[d]) {
                    off += (x.shape[d] - 1) * x.strides[d];
                    strides[d] = -x.strides[d];
                }
            }
            Backends.CPU.copy(x.storage, new Layout(x.shape, strides, off), out.storage, out.layout());
        }
        return out;
    }

    static Tensor roll(Tensor x, long[] shifts, int[] dims) {
        if (dims.length == 0) {
            if (shifts.length != 1) {
                throw new IllegalArgumentException("roll: shifts and dims must align: a flat roll (no dims) takes exactly "
                        + "one shift, got " + Arrays.toString(shifts));
            }
            return roll(x.flatten(), shifts, new int[] {0}).view(x.shape());
        }
        if (shifts.length != dims.length) {
            throw new IllegalArgumentException("roll: shifts and dims must align, got " + shifts.length + " shifts "
                    + Arrays.toString(shifts) + " and " + dims.length + " dims " + Arrays.toString(dims));
        }
        int rank = x.shape.length;
        Tensor out = x;
        for (int i = 0; i < dims.length; i++) {
            int d = Shapes.wrapDim("roll", dims[i], rank);
            int n = rank == 0 ? 1 : x.shape[d];
            if (n <= 1) {
                continue;
            }
            int s = (int) Math.floorMod(shifts[i], (long) n);
            if (s != 0) {
                out = Views.cat(new Tensor[] {out.narrow(d, n - s, s), out.narrow(d, 0, n - s)}, d);
            }
        }
        return out == x ? x.clone() : out;
    }

    static Tensor repeat(String op, Tensor x, long[] repeats) {
        int rank = x.shape.length;
        int reps = repeats.length;
        if (reps < rank) {
            throw new IllegalArgumentException(op + ": the number of repeats " + reps + " " + Arrays.toString(repeats)
                    + " can not be smaller than the number of dims " + rank + " of the tensor (shape " + Shapes.str(x.shape) + ")");
        }
        long[] viewShape = new long[2 * reps];
        long[] expandShape = new long[2 * reps];
        long[] outShape = new long[reps];
        for (int i = 0; i < reps; i++) {
            if (repeats[i] < 0) {
                throw new IllegalArgumentException(op + ": repeats must be non-negative, got " + Arrays.toString(repeats));
            }
            long s = i < reps - rank ? 1 : x.shape[i - (reps - rank)];
            viewShape[2 * i] = 1;
            viewShape[2 * i + 1] = s;
            expandShape[2 * i] = repeats[i];
            expandShape[2 * i + 1] = s;
            outShape[i] = s == 0 || repeats[i] <= Long.MAX_VALUE / s ? repeats[i] * s : Long.MAX_VALUE;
        }
        Shapes.toInts(op, outShape);
        // [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...]: the reshape does the one copy.
        Tensor out = x.reshape(viewShape).expand(expandShape).reshape(outShape);
        return out.storage == x.storage ? out.clone() : out;
    }

    static Tensor tile(Tensor x, long[] reps) {
        int rank = x.shape.length;
        if (reps.length >= rank) {
            return repeat("tile", x, reps);
        }
        long[] full = new long[rank];
        Arrays.fill(full, 1);
        System.arraycopy(reps, 0, full, rank - reps.length, reps.length);
        return repeat("tile", x, full);
    }

    // ------------------------------------------------------------------ triangles and diagonals

    static Tensor triangle(String op, Tensor x, long diagonal, boolean lower) {
        int rank = x.shape.length;
        if (rank < 2) {
            throw new IllegalArgumentException(op + ": input tensor must have at least 2 dimensions, got shape "
                    + Shapes.str(x.shape));
        }
        int rows = x.shape[rank - 2];
        int cols = x.shape[rank - 1];
        Tensor offset = Tensor.arange(cols).reshape(1, cols).sub(Tensor.arange(rows).reshape(rows, 1)); // j - i
        Tensor keep = lower ? offset.le((double) diagonal) : offset.ge((double) diagonal);
        return Tensor.where(keep, x, Tensor.scalar(0.0, x.dtype));
    }

    /** PyTorch's diagonal layout: dims d1, d2 removed, the diagonal appended as the last dim. */
    private static Layout diagonalLayout(int[] shape, int[] strides, int baseOffset, long offset, int d1, int d2) {
        int rank = shape.length;
        long size = offset >= 0 ? Math.min(shape[d1], shape[d2] - offset) : Math.min(shape[d1] + offset, shape[d2]);
        size = Math.max(size, 0);
        int off = baseOffset;
        if (size > 0) {
            off += offset >= 0 ? (int) offset * strides[d2] : (int) -offset * strides[d1];
        }
        int[] outShape = new int[rank - 1];
        int[] outStrides = new int[rank - 1];
        for (int d = 0, k = 0; d < rank; d++) {
            if (d != d1 && d != d2) {
                outShape[k] = shape[d];
                outStrides[k++] = strides[d];
            }
        }
        outShape[rank - 2] = (int) size;
        outStrides[rank - 2] = strides[d1] + strides[d2];
        return new Layout(outShape, outStrides, off);
    }

    private static int[] diagonalDims(String op, int[] shape, int dim1, int dim2) {
        int rank = shape.length;
        if (rank < 2) {
            throw new IllegalArgumentException(op + ": expects a tensor with at least 2 dims, got shape " + Shapes.str(shape));
        }
        int d1 = Shapes.wrapDim(op, dim1, rank);
        int d2 = Shapes.wrapDim(op, dim2, rank);
        if (d1 == d2) {
            throw new IllegalArgumentException(op + ": diagonal dimensions cannot be identical, got dim1 " + dim1
                    + " and dim2 " + dim2 + " (shape " + Shapes.str(shape) + ")");
        }
        return new int[] {d1, d2};
    }

    static Tensor diagonal(Tensor x, long offset, int dim1, int dim2) {
        int[] d = diagonalDims("diagonal", x.shape, dim1, dim2);
        return Dispatcher.call(ShapeContentOps.DIAGONAL, new ShapeContentOps.Diagonal(offset, d[0], d[1]), x);
    }

    /** The (offset, d1, d2) diagonal of {@code x} (dims checked) as a view, appended as the last dim. */
    static Tensor diagonalKernel(Tensor x, long offset, int d1, int d2) {
        Layout l = diagonalLayout(x.shape, x.strides, x.offset, offset, d1, d2);
        return new Tensor(x.storage, l.shape(), l.strides(), l.offset(), x.base != null ? x.base : x);
    }

    /** Zeros of {@code shape} with {@code v} written on the (offset, d1, d2) diagonal: the dual of diagonal. */
    static Tensor diagEmbed(Tensor v, int[] shape, long offset, int d1, int d2) {
        return Dispatcher.call(ShapeContentOps.DIAG_EMBED, new ShapeContentOps.DiagEmbed(Shapes.toLongs(shape), offset, d1, d2), v);
    }

    /** The kernel of {@link #diagEmbed}. */
    static Tensor diagEmbedKernel(Tensor v, int[] shape, long offset, int d1, int d2) {
        Tensor out = Creation.full(shape, v.dtype, 0.0);
        Layout l = diagonalLayout(shape, out.strides, 0, offset, d1, d2);
        if (!Arrays.equals(l.shape(), v.shape)) {
            throw new IllegalArgumentException("diagEmbed: values of shape " + Shapes.str(v.shape)
                    + " do not fit the diagonal of shape " + Shapes.str(l.shape()) + " of a " + Shapes.str(shape) + " tensor");
        }
        Backends.CPU.copy(v.storage, v.layout(), out.storage, l);
        return out;
    }

    static Tensor diag(Tensor x, long diagonal) {
        if (x.shape.length == 1) {
            long n = x.shape[0] + Math.abs(diagonal);
            int[] shape = Shapes.toInts("diag", new long[] {n, n});
            return diagEmbed(x, shape, diagonal, 0, 1);
        }
        if (x.shape.length == 2) {
            return diagonal(x, diagonal, 0, 1).clone();
        }
        throw new IllegalArgumentException("diag: expects a 1-d tensor (builds a matrix) or a 2-d tensor (takes its "
                + "diagonal), got shape " + Shapes.str(x.shape));
    }

    // ------------------------------------------------------------------ scans

    /** [outer, len, inner] around dim d (a 0-d tensor is one element along its only "dim"). */
    private static int[] around(int[] shape, int d) {
        int outer = 1;
        int inner = 1;
        for (int k = 0; k < d; k++) {
            outer *= shape[k];
        }
        for (int k = d + 1; k < shape.length; k++) {
            inner *= shape[k];
        }
        return new int[] {outer, shape.length == 0 ? 1 : shape[d], inner};
    }

    static Tensor scan(String op, Tensor x, int dim, boolean prod) {
        int d = Shapes.wrapDim(op, dim, x.shape.length);
        return Dispatcher.call(prod ? ShapeContentOps.CUMPROD : ShapeContentOps.CUMSUM, new ShapeContentOps.Dim(d), x);
    }

    /** Cumulative sum or product along {@code d} (non-negative); integers and bools scan in I64. */
    static Tensor scanKernel(Tensor x, int d, boolean prod) {
        DType dt = x.dtype.isFloatingPoint() ? x.dtype : DType.I64; // integers and bools scan in int64, as in PyTorch
        Tensor src = Creation.contiguousOf(x, dt);
        int[] a = around(x.shape, d);
        Storage s = Backends.CPU.scan(src.storage, src.offset, a[0], a[1], a[2], prod);
        return new Tensor(s, x.shape.clone());
    }

    // ------------------------------------------------------------------ sorting

    /** The sorting permutation (I64, the shape of x) of every slice along d. */
    private static Tensor argsortKernel(Tensor src, int d, boolean descending) {
        int[] a = around(src.shape, d);
        return new Tensor(Backends.CPU.argsort(src.storage, src.offset, a[0], a[1], a[2], descending), src.shape.clone());
    }

    /** The first k entries along d of each slice of src gathered by perm. */
    private static Tensor gather(Tensor src, Tensor perm, int d, int k) {
        int[] a = around(src.shape, d);
        int[] shape = src.shape.clone();
        if (shape.length > 0) {
            shape[d] = k;
        }
        return new Tensor(Backends.CPU.takeSorted(src.storage, src.offset, a[0], a[1], a[2], perm.storage, k), shape);
    }

    static Tensor inverse(Tensor perm, int d) {
        int[] a = around(perm.shape, d);
        return new Tensor(Backends.CPU.invertPermutation(dense(perm).storage, a[0], a[1], a[2]), perm.shape.clone());
    }

    /**
     * The back end reads a permutation as dense I64 from the start of its storage; sort and topk
     * make it so, but a transform or a traced graph may pass a view (an offset, strides).
     */
    private static Tensor dense(Tensor perm) {
        return perm.offset == 0 && perm.isContiguous() && perm.dtype == DType.I64 ? perm : Creation.cast(perm, DType.I64);
    }

    static ValuesAndIndices sort(Tensor x, int dim, boolean descending) {
        int d = Shapes.wrapDim("sort", dim, x.shape.length);
        Tensor[] r = Dispatcher.callAll(ShapeContentOps.SORT, new ShapeContentOps.Sort(d, descending), x);
        return new ValuesAndIndices(r[0], r[1]);
    }

    /** Sorted values and their I64 indices along {@code d} (non-negative). */
    static Tensor[] sortKernel(Tensor x, int d, boolean descending) {
        Tensor src = Creation.contiguousOf(x, x.dtype);
        Tensor indices = argsortKernel(src, d, descending);
        return new Tensor[] {gather(src, indices, d, x.shape.length == 0 ? 1 : x.shape[d]), indices};
    }

    static Tensor argsort(Tensor x, int dim, boolean descending) {
        int d = Shapes.wrapDim("argsort", dim, x.shape.length);
        return argsortKernel(Creation.contiguousOf(x, x.dtype), d, descending);
    }

    static ValuesAndIndices topk(Tensor x, long k, int dim, boolean largest, boolean sorted) {
        int rank = x.shape.length;
        int d = Shapes.wrapDim("topk", dim, rank);
        int len = rank == 0 ? 1 : x.shape[d];
        if (k < 0 || k > len || (rank == 0 && k != 1)) {
            throw new IllegalArgumentException("topk: k = " + k + " is out of range for dim " + d + " of size " + len
                    + " (shape " + Shapes.str(x.shape) + "); expected " + (rank == 0 ? "k = 1 for a 0-d tensor" : "0 <= k <= " + len));
        }
        Tensor[] r = Dispatcher.callAll(ShapeContentOps.TOPK, new ShapeContentOps.TopK(k, d, largest), x);
        return new ValuesAndIndices(r[0], r[1]);
    }

    /** The k largest (or smallest) values along {@code d}, sorted, and their I64 indices. */
    static Tensor[] topkKernel(Tensor x, int k, int d, boolean largest) {
        Tensor src = Creation.contiguousOf(x, x.dtype);
        Tensor perm = argsortKernel(src, d, largest);
        Tensor values = gather(src, perm, d, k);
        Tensor indices = Creation.cast(x.shape.length == 0 ? perm : Views.sliceKernel(perm, d, 0, k, 1), DType.I64);
        return new Tensor[] {values, indices};
    }

    /**
     * {@code out[..., j, ...] = t[..., perm[..., j, ...], ...]} along d, with perm a permutation of
     * every slice: the gradient of sort and topk. Its own gradient is the same op with the
     * inverse permutation, so sort and topk differentiate to any order.
     */
    static Tensor permuteAlongDimKernel(Tensor t, Tensor perm, int d) {
        Tensor src = Creation.contiguousOf(t, t.dtype);
        return gather(src, dense(perm), d, t.shape.length == 0 ? 1 : t.shape[d]);
    }
}
