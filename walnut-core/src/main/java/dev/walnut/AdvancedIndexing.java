package dev.walnut;

import dev.walnut.autograd.Autograd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch's advanced indexing ({@code x[idx]}, {@code x[mask]}, {@code x[:, [0, 2]]}) and the
 * writes {@code x[...] = v} for {@link Tensor#index(Slice...)} and
 * {@link Tensor#indexPut(Tensor, Slice...)}, written with differentiable public ops so autograd,
 * tracing and every back end come for free.
 *
 * <p>Reading follows PyTorch's {@code applySlicing} + {@code index}: the basic entries (ranges,
 * integers, {@code None}, {@code ...}) are applied first as views, each BOOL mask becomes the
 * columns of its {@code nonzero()}, and the integer index tensors broadcast together to a shape
 * {@code B}. The indexed dims are flattened into one and read with one integer-index gather
 * ({@link Indexing#index}), whose gradient scatters back. When the advanced dims are adjacent
 * in the view, {@code B} takes their place; otherwise it comes first (PyTorch's rule; integers are
 * selections applied before, so unlike NumPy they never split the advanced dims).
 *
 * <p>A write goes through the flat positions of the indexed elements: the same index applied to
 * {@code arange(numel).reshape(shape)} names them, and a {@code scatter} (or {@code scatterAdd}
 * for {@code accumulate}) into the flattened tensor builds the new value, which
 * {@link InPlace#apply} writes back (version counter, leaf checks, history).
 */
final class AdvancedIndexing {
    private AdvancedIndexing() {
    }

    static boolean hasTensor(Slice[] slices) {
        for (Slice s : slices) {
            if (s.kind == Slice.Kind.TENSOR) {
                return true;
            }
        }
        return false;
    }

    /** {@code x[slices]} where at least one entry is an index tensor; a copy. */
    static Tensor index(Tensor x, Slice[] slices) {
        String where = "index" + Arrays.toString(slices);
        int indexed = 0;
        int ellipses = 0;
        for (Slice s : slices) {
            switch (s.kind) {
                case ELLIPSIS -> ellipses++;
                case NEW_AXIS -> {
                }
                case TENSOR -> indexed += s.tensor.dtype == DType.BOOL ? s.tensor.shape.length : 1;
                default -> indexed++;
            }
        }
        if (ellipses > 1) {
            throw new IllegalArgumentException(where + ": an index can have only one ellipsis");
        }
        if (indexed > x.shape.length) {
            throw new IndexOutOfBoundsException(where + ": too many indices for a tensor of rank " + x.shape.length
                    + " (shape " + Shapes.str(x.shape) + ")");
        }
        List<Integer> positions = new ArrayList<>();   // dims of the view that take an index tensor
        List<Integer> sourceDims = new ArrayList<>();  // the same dims numbered in x, for messages
        List<Tensor> indices = new ArrayList<>();
        Tensor t = x;
        int d = 0;
        int src = 0;
        for (Slice s : slices) {
            switch (s.kind) {
                case ALL -> {
                    d++;
                    src++;
                }
                case RANGE -> {
                    t = t.slice(d++, s.start, s.end, s.step);
                    src++;
                }
                case AT -> {
                    t = t.select(d, s.start);
                    src++;
                }
                case NEW_AXIS -> t = t.unsqueeze(d++);
                case ELLIPSIS -> {
                    d += x.shape.length - indexed;
                    src += x.shape.length - indexed;
                }
                case TENSOR -> {
                    Tensor idx = s.tensor;
                    if (idx.dtype != DType.BOOL) {
                        positions.add(d++);
                        sourceDims.add(src++);
                        indices.add(idx);
                    } else if (idx.shape.length == 0) {
                        // x[True] adds a dim of size 1 and x[False] one of size 0, as in PyTorch.
                        t = t.unsqueeze(d);
                        positions.add(d++);
                        sourceDims.add(src);
                        indices.add(idx.item() != 0 ? Tensor.zeros(new long[] {1}, DType.I64)
                                : Tensor.zeros(new long[] {0}, DType.I64));
                    } else {
                        for (int k = 0; k < idx.shape.length; k++) {
                            if (idx.shape[k] != t.shape[d + k]) {
                                throw new IndexOutOfBoundsException(where + ": the shape of the mask "
                                        + Shapes.str(idx.shape) + " at index " + k + " does not match the shape of the "
                                        + "indexed tensor " + Shapes.str(x.shape) + " at index " + (src + k));
                            }
                        }
                        Tensor nz = idx.nonzero();
                        for (int k = 0; k < idx.shape.length; k++) {
                            positions.add(d++);
                            sourceDims.add(src++);
                            indices.add(nz.select(1, k).contiguous());
                        }
                    }
                }
            }
        }
        int m = positions.size();
        int[] broadcast = new int[0];
        for (Tensor idx : indices) {
            broadcast = Shapes.broadcast(where + " (shape mismatch: indexing tensors could not be broadcast together)",
                    broadcast, idx.shape);
        }
        // Wrap negative positions and check every index against its own dim, then fold the m
        // indexed dims into one: flat = sum_j idx_j * prod_{k > j} size_k.
        Tensor flat = null;
        long multiplier = 1;
        for (int j = m - 1; j >= 0; j--) {
            int size = t.shape[positions.get(j)];
            Tensor idx = Indexing.longIndex("index", "indices", indices.get(j));
            Indexing.checkRange("index", idx, size, sourceDims.get(j), true, "");
            idx = Indexing.wrapped(idx, size);
            Tensor term = multiplier == 1 ? idx : idx.mul(multiplier);
            flat = flat == null ? term : term.add(flat);
            multiplier *= size;
        }
        flat = flat.expand(Shapes.toLongs(broadcast));
        boolean adjacent = true;
        for (int j = 1; j < m; j++) {
            adjacent &= positions.get(j) == positions.get(0) + j;
        }
        if (adjacent) {
            int first = positions.get(0);
            Tensor folded = m == 1 ? t : t.flatten(first, first + m - 1);
            return Indexing.index(folded, first, flat);
        }
        int[] perm = new int[t.shape.length];
        int p = 0;
        for (int pos : positions) {
            perm[p++] = pos;
        }
        for (int k = 0; k < t.shape.length; k++) {
            if (!positions.contains(k)) {
                perm[p++] = k;
            }
        }
        return Indexing.index(t.permute(perm).flatten(0, m - 1), 0, flat);
    }

    /**
     * {@code x[slices] = value} (or {@code +=} with duplicates summed, for {@code accumulate}), in
     * place. Basic indices with no autograd involved write through a view; everything else
     * scatters into the flat positions of the indexed elements.
     */
    static Tensor indexPut(Tensor x, Tensor value, boolean accumulate, Slice[] slices) {
        String op = accumulate ? "indexPut(accumulate)" : "indexPut";
        boolean recorded = Autograd.isGradEnabled() && (x.requiresGrad() || value.requiresGrad());
        if (!accumulate && !recorded && !hasTensor(slices)) {
            Tensor view = x.index(slices);
            view.copyInPlace(fitValue(op, value, view.shape, slices));
            return x;
        }
        Tensor positions = Tensor.arange((long) Shapes.numel(x.shape)).reshape(x.shape()).index(slices);
        Tensor v = fitValue(op, value, positions.shape, slices).to(x.dtype).expand(positions.shape());
        Tensor flatPositions = positions.reshape(-1);
        return InPlace.apply(op, x, t -> {
            Tensor flatT = t.reshape(-1);
            Tensor flatV = v.reshape(-1);
            Tensor written = accumulate ? flatT.scatterAdd(0, flatPositions, flatV) : flatT.scatter(0, flatPositions, flatV);
            return written.reshape(x.shape());
        });
    }

    /**
     * The value with PyTorch's leading size-1 dims dropped when it has more dims than the indexed
     * result ({@code x[0] = v} with {@code v} of shape {@code [1, n]}), checked to broadcast.
     */
    private static Tensor fitValue(String op, Tensor value, int[] target, Slice[] slices) {
        Tensor v = value;
        while (v.shape.length > target.length && v.shape[0] == 1) {
            v = v.squeeze(0);
        }
        int[] b;
        try {
            b = Shapes.broadcast(op, target, v.shape);
        } catch (IllegalArgumentException e) {
            b = null;
        }
        if (b == null || !Arrays.equals(b, target)) {
            throw new IllegalArgumentException(op + Arrays.toString(slices) + ": shape mismatch: value tensor of shape "
                    + Shapes.str(value.shape) + " cannot be broadcast to indexing result of shape " + Shapes.str(target));
        }
        return v;
    }
}
