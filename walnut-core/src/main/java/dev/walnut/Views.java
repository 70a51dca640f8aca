package dev.walnut;

import dev.walnut.backend.Layout;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.ViewOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Views (layout changes over shared storage), copies, concatenation and splitting. */
final class Views {
    private Views() {
    }

    private static Tensor view(Tensor x, int[] shape, int[] strides, int offset) {
        return new Tensor(x.storage, shape, strides, offset, x.base != null ? x.base : x);
    }

    // ------------------------------------------------------------------ reshape

    private static int[] inferShape(String op, Tensor x, long[] requested) {
        int numel = Shapes.numel(x.shape);
        int infer = -1;
        long known = 1;
        int[] shape = new int[requested.length];
        for (int i = 0; i < requested.length; i++) {
            if (requested[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(op + ": only one dimension can be inferred (-1), got shape "
                            + Arrays.toString(requested));
                }
                infer = i;
            } else if (requested[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid shape dimension " + requested[i] + " in "
                        + Arrays.toString(requested));
            } else if (requested[i] > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(op + ": size " + requested[i] + " at dim " + i + " of shape "
                        + Arrays.toString(requested) + " is too large; Walnut's CPU tensors hold at most 2^31 - 9 elements");
            } else {
                long product = known * requested[i];
                // Saturate instead of wrapping: a wrapped product could equal the element count.
                known = Math.multiplyHigh(known, requested[i]) != 0 || product < 0 ? Long.MAX_VALUE : product;
                shape[i] = (int) requested[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(requested)
                        + " is invalid for input of size " + numel + " (shape " + Shapes.str(x.shape) + ")");
            }
            shape[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": shape " + Arrays.toString(requested) + " is invalid for input of size "
                    + numel + " (shape " + Shapes.str(x.shape) + ")");
        }
        return shape;
    }

    /** Strides that view (oldShape, oldStrides) as newShape without copying, or null (PyTorch's computeStride). */
    static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        if (Shapes.numel(newShape) == 0 || Shapes.isContiguous(oldShape, oldStrides)) {
            return Shapes.contiguousStrides(newShape);
        }
        int[] newStrides = new int[newShape.length];
        int viewD = newShape.length - 1;
        int chunkBaseStride = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
            tensorNumel *= oldShape[tensorD];
            if (tensorD == 0 || (oldShape[tensorD - 1] != 1 && oldStrides[tensorD - 1] != tensorNumel * chunkBaseStride)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = (int) (viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (tensorD > 0) {
                    chunkBaseStride = oldStrides[tensorD - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    static Tensor reshape(Tensor x, long[] requested, boolean strict) {
        String op = strict ? "view" : "reshape";
        int[] shape = inferShape(op, x, requested);
        if (Arrays.equals(shape, x.shape) && !strict) {
            return x;
        }
        return Dispatcher.call(strict ? ViewOps.VIEW : ViewOps.RESHAPE, new ViewOps.Shape(Shapes.toLongs(shape)), x);
    }

    /** A view of {@code x} with {@code shape} (same number of elements), or a copy when none exists and not {@code strict}. */
    static Tensor reshapeKernel(Tensor x, int[] shape, boolean strict) {
        int[] strides = viewStrides(x.shape, x.strides, shape);
        if (strides != null) {
            return view(x, shape, strides, x.offset);
        }
        if (strict) {
            throw new IllegalStateException("view: size " + Shapes.str(shape) + " is not compatible with the input's "
                    + "size " + Shapes.str(x.shape) + " and strides " + Shapes.str(x.strides)
                    + " (at least one dimension spans two contiguous subspaces); use reshape(...) instead");
        }
        Tensor c = Creation.cast(x, x.dtype);
        return new Tensor(c.storage, shape);
    }

    static Tensor flatten(Tensor x, int startDim, int endDim) {
        int rank = x.shape.length;
        if (rank == 0) {
            return x.reshape(1);
        }
        int s = Shapes.wrapDim("flatten", startDim, rank);
        int e = Shapes.wrapDim("flatten", endDim, rank);
        if (s > e) {
            throw new IllegalArgumentException("flatten: startDim " + startDim + " comes after endDim " + endDim);
        }
        long[] shape = new long[rank - (e - s)];
        int k = 0;
        for (int d = 0; d < s; d++) {
            shape[k++] = x.shape[d];
        }
        long m = 1;
        for (int d = s; d <= e; d++) {
            m *= x.shape[d];
        }
        shape[k++] = m;
        for (int d = e + 1; d < rank; d++) {
            shape[k++] = x.shape[d];
        }
        return x.reshape(shape);
    }

    static Tensor squeeze(Tensor x, Integer dim) {
        var shape = new ArrayList<Long>();
        int target = dim == null ? -1 : Shapes.wrapDim("squeeze", dim, x.shape.length);
        for (int d = 0; d < x.shape.length; d++) {
            boolean drop = x.shape[d] == 1 && (dim == null || d == target);
            if (!drop) {
                shape.add((long) x.shape[d]);
            }
        }
        return x.reshape(shape.stream().mapToLong(Long::longValue).toArray());
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        int rank = x.shape.length;
        if (dim < -(rank + 1) || dim > rank) {
            throw new IndexOutOfBoundsException("unsqueeze: dim " + dim + " is out of range for a tensor of rank " + rank
                    + " (expected a value in [" + -(rank + 1) + ", " + rank + "])");
        }
        int d = dim < 0 ? dim + rank + 1 : dim;
        long[] shape = new long[rank + 1];
        for (int i = 0, k = 0; i <= rank; i++) {
            shape[i] = i == d ? 1 : x.shape[k++];
        }
        return x.reshape(shape);
    }

    // ------------------------------------------------------------------ permutations

    static Tensor permuteNoGrad(Tensor x, int[] perm) {
        int rank = x.shape.length;
        int[] shape = new int[rank];
        int[] strides = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = x.shape[perm[i]];
            strides[i] = x.strides[perm[i]];
        }
        return view(x, shape, strides, x.offset);
    }

    static Tensor permute(Tensor x, int[] dims) {
        int rank = x.shape.length;
        if (dims.length != rank) {
            throw new IllegalArgumentException("permute: number of dims " + dims.length + " doesn't match the tensor's rank "
                    + rank + " (shape " + Shapes.str(x.shape) + ")");
        }
        int[] perm = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = Shapes.wrapDim("permute", dims[i], rank);
            if (seen[perm[i]]) {
                throw new IllegalArgumentException("permute: repeated dim " + perm[i] + " in " + Arrays.toString(dims));
            }
            seen[perm[i]] = true;
        }
        return Dispatcher.call(ViewOps.PERMUTE, new ViewOps.Permute(perm), x);
    }

    static Tensor transpose(Tensor x, int dim0, int dim1) {
        int rank = x.shape.length;
        if (rank == 0) {
            Shapes.wrapDim("transpose", dim0, 0);
            Shapes.wrapDim("transpose", dim1, 0);
            return x;
        }
        int a = Shapes.wrapDim("transpose", dim0, rank);
        int b = Shapes.wrapDim("transpose", dim1, rank);
        return Dispatcher.call(ViewOps.TRANSPOSE, new ViewOps.Transpose(a, b), x);
    }

    static Tensor expand(Tensor x, long[] requested) {
        int rank = requested.length;
        if (rank < x.shape.length) {
            throw new IllegalArgumentException("expand: the number of sizes " + rank + " must be >= the tensor's rank "
                    + x.shape.length + " (shape " + Shapes.str(x.shape) + ")");
        }
        int lead = rank - x.shape.length;
        int[] shape = new int[rank];
        int[] strides = new int[rank];
        for (int d = 0; d < rank; d++) {
            long want = requested[d];
            if (want > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("expand: size " + want + " at dim " + d + " of " + Arrays.toString(requested)
                        + " is too large; Walnut's CPU tensors hold at most 2^31 - 9 elements");
            }
            if (d < lead) {
                if (want < 0) {
                    throw new IllegalArgumentException("expand: -1 is not allowed for a new leading dim (sizes "
                            + Arrays.toString(requested) + ")");
                }
                shape[d] = (int) want;
                strides[d] = 0;
                continue;
            }
            int have = x.shape[d - lead];
            if (want == -1 || want == have) {
                shape[d] = have;
                strides[d] = x.strides[d - lead];
            } else if (have == 1 && want >= 0) {
                shape[d] = (int) want;
                strides[d] = 0;
            } else {
                throw new IllegalArgumentException("expand: the expanded size " + want + " must match the existing size "
                        + have + " at non-singleton dim " + d + " (shape " + Shapes.str(x.shape) + " to "
                        + Arrays.toString(requested) + ")");
            }
        }
        if (Arrays.equals(shape, x.shape)) {
            return x;
        }
        Shapes.numel(shape);
        return Dispatcher.call(ViewOps.EXPAND, new ViewOps.Shape(Shapes.toLongs(shape)), x);
    }

    /** {@code x} broadcast to {@code shape} (already checked): stride 0 along new and size-1 dims. */
    static Tensor expandKernel(Tensor x, int[] shape) {
        int rank = shape.length;
        int lead = rank - x.shape.length;
        int[] strides = new int[rank];
        for (int d = lead; d < rank; d++) {
            strides[d] = x.shape[d - lead] == shape[d] ? x.strides[d - lead] : 0;
        }
        return view(x, shape, strides, x.offset);
    }

    // ------------------------------------------------------------------ slicing

    static Tensor slice(Tensor x, int dim, long start, long end, long step, String op) {
        int rank = x.shape.length;
        if (rank == 0) {
            throw new IllegalArgumentException(op + ": cannot slice a 0-d tensor");
        }
        int d = Shapes.wrapDim(op, dim, rank);
        if (step <= 0) {
            throw new IllegalArgumentException(op + ": step must be positive, got " + step);
        }
        int size = x.shape[d];
        long s;
        long e;
        if (op.equals("narrow")) {
            long length = end - start;
            s = start < 0 ? start + size : start;
            if (s < 0 || s > size || length < 0 || length > size - s) {
                throw new IndexOutOfBoundsException("narrow: start " + start + " + length " + length
                        + " exceeds dim " + d + " of size " + size + " (shape " + Shapes.str(x.shape) + ")");
            }
            e = s + length;
        } else {
            // Python slice semantics: negative counts from the end, out-of-range clamps.
            s = start < 0 ? Math.max(start + size, 0) : Math.min(start, size);
            e = end < 0 ? Math.max(end + size, 0) : Math.min(end, size);
            e = Math.max(e, s);
        }
        // ceil((e - s) / step) without overflowing for a huge step; one element needs no step at all.
        long len = e > s ? (e - s - 1) / step + 1 : 0;
        return Dispatcher.call(ViewOps.SLICE, new ViewOps.Slice(d, s, len, len <= 1 ? 1 : step), x);
    }

    /** Elements {@code start, start + step, ...} ({@code length} of them) of dim {@code d}, as a view. */
    static Tensor sliceKernel(Tensor x, int d, int start, int length, int step) {
        int[] shape = x.shape.clone();
        int[] strides = x.strides.clone();
        shape[d] = length;
        strides[d] = x.strides[d] * step;
        return view(x, shape, strides, x.offset + start * x.strides[d]);
    }

    static Tensor select(Tensor x, int dim, long index) {
        int rank = x.shape.length;
        if (rank == 0) {
            throw new IllegalArgumentException("select: cannot select from a 0-d tensor");
        }
        int d = Shapes.wrapDim("select", dim, rank);
        int size = x.shape[d];
        long i = index < 0 ? index + size : index;
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("select: index " + index + " is out of range for dim " + d + " with size "
                    + size + " (shape " + Shapes.str(x.shape) + ")");
        }
        return Dispatcher.call(ViewOps.SELECT, new ViewOps.Select(d, i), x);
    }

    /** Index {@code i} of dim {@code d} (both checked), as a view without that dim. */
    static Tensor selectKernel(Tensor x, int d, int i) {
        int rank = x.shape.length;
        int[] shape = new int[rank - 1];
        int[] strides = new int[rank - 1];
        for (int k = 0, j = 0; k < rank; k++) {
            if (k != d) {
                shape[j] = x.shape[k];
                strides[j++] = x.strides[k];
            }
        }
        return view(x, shape, strides, x.offset + i * x.strides[d]);
    }

    /** Zeros of {@code shape} with {@code g} written at {@code start::step} of {@code dim} (the kernel of a slice's gradient). */
    static Tensor embedKernel(Tensor g, int[] shape, int dim, int start, int step) {
        Tensor out = Creation.full(shape, g.dtype, 0.0);
        int[] strides = out.strides.clone();
        strides[dim] *= step;
        Backends.CPU.copy(g.storage, g.layout(), out.storage, new Layout(g.shape, strides, start * out.strides[dim]));
        return out;
    }

    // ------------------------------------------------------------------ copies

    static Tensor cat(Tensor[] tensors, int dim) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("cat: expected a non-empty list of tensors");
        }
        // PyTorch skips 1-d empty tensors in cat, for code that starts from an empty accumulator.
        var parts = new ArrayList<Tensor>();
        for (Tensor t : tensors) {
            if (!(t.shape.length == 1 && t.shape[0] == 0)) {
                parts.add(t);
            }
        }
        if (parts.isEmpty()) {
            return tensors[0].clone();
        }
        Tensor first = parts.get(0);
        int rank = first.shape.length;
        if (rank == 0) {
            throw new IllegalArgumentException("cat: zero-dimensional tensor cannot be concatenated; use stack");
        }
        int d = Shapes.wrapDim("cat", dim, rank);
        int[] shape = first.shape;
        long total = 0;
        for (int i = 0; i < parts.size(); i++) {
            Tensor t = parts.get(i);
            if (t.shape.length != rank) {
                throw new IllegalArgumentException("cat: tensors must have the same number of dims: tensor 0 has shape "
                        + Shapes.str(first.shape) + " but tensor " + i + " has shape " + Shapes.str(t.shape));
            }
            for (int k = 0; k < rank; k++) {
                if (k != d && t.shape[k] != shape[k]) {
                    throw new IllegalArgumentException("cat: sizes must match except in dim " + d + ": tensor 0 has shape "
                            + Shapes.str(first.shape) + " but tensor " + i + " has shape " + Shapes.str(t.shape));
                }
            }
            total += t.shape[d];
        }
        long[] outShape = Shapes.toLongs(shape);
        outShape[d] = total;
        Shapes.toInts("cat", outShape); // the result must fit a CPU tensor
        return Dispatcher.call(ViewOps.CAT, new ViewOps.Cat(d), parts.toArray(new Tensor[0]));
    }

    /** {@code parts} (checked: same rank, sizes equal except along {@code d}) joined along {@code d}, in {@code dt}. */
    static Tensor catKernel(Tensor[] parts, int d, DType dt) {
        int[] shape = parts[0].shape.clone();
        int total = 0;
        for (Tensor t : parts) {
            total += t.shape[d];
        }
        shape[d] = total;
        Tensor out = Creation.full(shape, dt, 0.0);
        int pos = 0;
        for (Tensor t : parts) {
            Backends.CPU.copy(t.storage, t.layout(), out.storage, new Layout(t.shape, out.strides, pos * out.strides[d]));
            pos += t.shape[d];
        }
        return out;
    }

    static Tensor stack(Tensor[] tensors, int dim) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("stack: expected a non-empty list of tensors");
        }
        int rank = tensors[0].shape.length;
        int d = dim < 0 ? dim + rank + 1 : dim;
        if (d < 0 || d > rank) {
            throw new IndexOutOfBoundsException("stack: dim " + dim + " is out of range for tensors of rank " + rank);
        }
        Tensor[] parts = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            if (!Arrays.equals(tensors[i].shape, tensors[0].shape)) {
                throw new IllegalArgumentException("stack: expects each tensor to be equal size, but got "
                        + Shapes.str(tensors[0].shape) + " at entry 0 and " + Shapes.str(tensors[i].shape) + " at entry " + i);
            }
            parts[i] = tensors[i].unsqueeze(d);
        }
        return cat(parts, d);
    }

    static List<Tensor> split(Tensor x, long splitSize, int dim) {
        if (splitSize <= 0) {
            throw new IllegalArgumentException("split: splitSize must be positive, got " + splitSize);
        }
        int d = Shapes.wrapDim("split", dim, x.shape.length);
        int size = x.shape[d];
        var out = new ArrayList<Tensor>();
        for (long s = 0; s < size; s += splitSize) {
            out.add(x.narrow(d, s, Math.min(splitSize, size - s)));
        }
        if (out.isEmpty()) {
            out.add(x.narrow(d, 0, 0));
        }
        return out;
    }

    static List<Tensor> split(Tensor x, long[] sizes, int dim) {
        int d = Shapes.wrapDim("split", dim, x.shape.length);
        long sum = Arrays.stream(sizes).sum();
        if (sum != x.shape[d] || Arrays.stream(sizes).anyMatch(s -> s < 0)) {
            throw new IllegalArgumentException("split: sizes " + Arrays.toString(sizes) + " must be non-negative and sum "
                    + "to the size " + x.shape[d] + " of dim " + d);
        }
        var out = new ArrayList<Tensor>();
        long at = 0;
        for (long s : sizes) {
            out.add(x.narrow(d, at, s));
            at += s;
        }
        return out;
    }

    static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        if (chunks <= 0) {
            throw new IllegalArgumentException("chunk: number of chunks must be positive, got " + chunks);
        }
        int d = Shapes.wrapDim("chunk", dim, x.shape.length);
        long size = x.shape[d];
        long each = Math.max(1, (size + chunks - 1) / chunks);
        return split(x, each, d);
    }
}
