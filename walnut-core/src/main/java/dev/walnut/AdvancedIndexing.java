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
 * flat positions of its true elements within the dims it covers (one {@code nonzero()} of the
 * flattened mask), and the index tensors broadcast together to a shape {@code B}. The indexed
 * dims are flattened into one and read with one integer-index gather ({@link Indexing#index}),
 * whose gradient scatters back. When the advanced dims are adjacent
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
        // Each advanced entry covers a block of view dims: one for an integer tensor, the mask's
        // rank for a BOOL mask (whose true positions, flat within the block, come from one nonzero).
        List<int[]> blocks = new ArrayList<>();        // {first view dim, number of dims, dim in x}
        List<Tensor> indices = new ArrayList<>();
        List<Boolean> checked = new ArrayList<>();     // mask positions are valid by construction
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
                        blocks.add(new int[] {d++, 1, src++});
                        indices.add(idx);
                        checked.add(false);
                    } else if (idx.shape.length == 0) {
                        // x[True] adds a dim of size 1 and x[False] one of size 0, as in PyTorch.
                        t = t.unsqueeze(d);
                        blocks.add(new int[] {d++, 1, src});
                        indices.add(idx.item() != 0 ? Tensor.zeros(new long[] {1}, DType.I64)
                                : Tensor.zeros(new long[] {0}, DType.I64));
                        checked.add(true);
                    } else {
                        int k = idx.shape.length;
                        for (int j = 0; j < k; j++) {
                            if (idx.shape[j] != t.shape[d + j]) {
                                throw new IndexOutOfBoundsException(where + ": the shape of the mask "
                                        + Shapes.str(idx.shape) + " at index " + j + " does not match the shape of the "
                                        + "indexed tensor " + Shapes.str(x.shape) + " at index " + (src + j));
                            }
                        }
                        blocks.add(new int[] {d, k, src});
                        indices.add(idx.reshape(-1).nonzero().reshape(-1));
                        checked.add(true);
                        d += k;
                        src += k;
                    }
                }
            }
        }
        int m = blocks.size();
        int[] broadcast = new int[0];
        for (Tensor idx : indices) {
            broadcast = Shapes.broadcast(where + " (shape mismatch: indexing tensors could not be broadcast together)",
                    broadcast, idx.shape);
        }
        // Wrap negative positions and check every index against its own dim, then fold the
        // indexed blocks into one dim: flat = sum_e idx_e * prod_{f > e} size_f.
        Tensor flat = null;
        long multiplier = 1;
        int advancedDims = 0;
        for (int e = m - 1; e >= 0; e--) {
            int[] block = blocks.get(e);
            long size = 1;
            for (int j = 0; j < block[1]; j++) {
                size *= t.shape[block[0] + j];
            }
            Tensor idx = indices.get(e);
            if (!checked.get(e)) {
                idx = Indexing.longIndex("index", "indices", idx);
                Indexing.checkRange("index", idx, size, block[2], true, "");
                idx = Indexing.wrapped(idx, size);
            }
            Tensor term = multiplier == 1 ? idx : idx.mul(multiplier);
            flat = flat == null ? term : term.add(flat);
            multiplier *= size;
            advancedDims += block[1];
        }
        flat = flat.expand(Shapes.toLongs(broadcast));
        boolean adjacent = true;
        int first = blocks.get(0)[0];
        for (int e = 1, next = first + blocks.get(0)[1]; e < m; next += blocks.get(e)[1], e++) {
            adjacent &= blocks.get(e)[0] == next;
        }
        if (adjacent) {
            Tensor folded = advancedDims == 1 ? t : t.flatten(first, first + advancedDims - 1);
            return Indexing.index(folded, first, flat);
        }
        int[] perm = new int[t.shape.length];
        boolean[] advanced = new boolean[t.shape.length];
        int p = 0;
        for (int[] block : blocks) {
            for (int j = 0; j < block[1]; j++) {
                advanced[block[0] + j] = true;
                perm[p++] = block[0] + j;
            }
        }
        for (int k = 0; k < t.shape.length; k++) {
            if (!advanced[k]) {
                perm[p++] = k;
            }
        }
        return Indexing.index(t.permute(perm).flatten(0, advancedDims - 1), 0, flat);
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
