package dev.walnut;

import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
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
 * <p>A recorded write goes through the flat positions of the indexed elements: the same index
 * applied to {@code arange(numel).reshape(shape)} names them, and a {@code scatter} (or
 * {@code scatterAdd} for {@code accumulate}) into the flattened tensor builds the new value, which
 * {@link InPlace#apply} writes back (version counter, leaf checks, history). A write that records
 * nothing computes the storage offsets of the indexed elements from the same plan as a read and
 * scatters the value straight into the storage, so its cost follows the number of written
 * elements.
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

    /**
     * How {@code x[slices]} reads {@code x}: the view {@code t} left by the basic entries, the
     * advanced blocks of {@code t}'s dims ({first view dim, number of dims, dim in x}) with their
     * checked, wrapped I64 indices (flat within a mask's block), the broadcast shape of those
     * indices, and where that shape goes in the result (at {@code first} when the blocks are
     * adjacent, else in front).
     */
    private record Plan(Tensor t, List<int[]> blocks, List<Tensor> indices, int[] broadcast, boolean adjacent,
                        int first, int advancedDims) {
    }

    /** {@code x[slices]} where at least one entry is an index tensor; a copy. */
    static Tensor index(Tensor x, Slice[] slices) {
        Plan plan = plan(x, slices);
        Tensor t = plan.t;
        List<int[]> blocks = plan.blocks;
        int m = blocks.size();
        // Fold the indexed blocks into one dim: flat = sum_e idx_e * prod_{f > e} size_f.
        Tensor flat = null;
        long multiplier = 1;
        for (int e = m - 1; e >= 0; e--) {
            Tensor idx = plan.indices.get(e);
            Tensor term = multiplier == 1 ? idx : idx.mul(multiplier);
            flat = flat == null ? term : term.add(flat);
            multiplier *= blockSize(t, blocks.get(e));
        }
        flat = flat.expand(Shapes.toLongs(plan.broadcast));
        int first = plan.first;
        int advancedDims = plan.advancedDims;
        if (plan.adjacent) {
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

    private static long blockSize(Tensor t, int[] block) {
        long size = 1;
        for (int j = 0; j < block[1]; j++) {
            size *= t.shape[block[0] + j];
        }
        return size;
    }

    private static Plan plan(Tensor x, Slice[] slices) {
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
        // Wrap negative positions and check every index against its own dim.
        Tensor[] wrapped = new Tensor[m];
        int advancedDims = 0;
        for (int e = m - 1; e >= 0; e--) {
            int[] block = blocks.get(e);
            long size = blockSize(t, block);
            Tensor idx = indices.get(e);
            if (!checked.get(e)) {
                idx = Indexing.longIndex("index", "indices", idx);
                Indexing.checkRange("index", idx, size, block[2], true, "");
                idx = Indexing.wrapped(idx, size);
            }
            wrapped[e] = idx;
            advancedDims += block[1];
        }
        boolean adjacent = true;
        int first = blocks.get(0)[0];
        for (int e = 1, next = first + blocks.get(0)[1]; e < m; next += blocks.get(e)[1], e++) {
            adjacent &= blocks.get(e)[0] == next;
        }
        return new Plan(t, blocks, List.of(wrapped), broadcast, adjacent, first, advancedDims);
    }

    /**
     * {@code x[slices] = value} (or {@code +=} with duplicates summed, for {@code accumulate}), in
     * place. With no autograd involved, basic indices write through a view and index tensors
     * scatter into the storage at the indexed offsets; a recorded write scatters into the flat
     * positions of the whole tensor.
     */
    static Tensor indexPut(Tensor x, Tensor value, boolean accumulate, Slice[] slices) {
        String op = accumulate ? "indexPut(accumulate)" : "indexPut";
        boolean recorded = Autograd.isGradEnabled() && (x.requiresGrad() || value.requiresGrad());
        if (!accumulate && !recorded && !hasTensor(slices)) {
            Tensor view = x.index(slices);
            view.copyInPlace(fitValue(op, value, view.shape, slices));
            return x;
        }
        if (!recorded && !Dispatcher.isInterpreting() && !Dispatcher.isTransformed(x) && !Dispatcher.isTransformed(value)
                && !overlaps(x)) {
            return scatterInPlace(op, x, value, accumulate, slices);
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

    /** Whether two elements of {@code t} can share memory (an expanded dim), where a write is ambiguous. */
    private static boolean overlaps(Tensor t) {
        for (int d = 0; d < t.shape.length; d++) {
            if (t.strides[d] == 0 && t.shape[d] > 1) {
                return true;
            }
        }
        return false;
    }

    /**
     * The write without autograd: the storage offset of every indexed element, then one scatter
     * of the value straight into {@code x}'s storage, so the cost follows the number of written
     * elements rather than {@code x.numel()} (the recorded path rebuilds the whole tensor).
     */
    private static Tensor scatterInPlace(String op, Tensor x, Tensor value, boolean accumulate, Slice[] slices) {
        InPlace.checkWritable(op, x);
        if (accumulate && x.dtype == DType.BOOL) {
            throw new IllegalArgumentException(op + ": not defined for bool tensors; convert with to(DType.I64)");
        }
        Plan plan = plan(x, slices);
        Tensor offsets = storageOffsets(plan);
        Tensor src = Creation.contiguousOf(fitValue(op, value, offsets.shape, slices).to(x.dtype)
                .expand(offsets.shape()), x.dtype);
        Tensor idx = Creation.contiguousOf(offsets, DType.I64);
        Dispatcher.notifyInPlaceWrite(op, x, null);
        Backends.CPU.scatter(accumulate, src.storage, new int[] {src.offset}, 1, new int[] {0}, idx.storage, idx.offset,
                Shapes.numel(idx.shape), x.storage, new int[] {0}, 1, new int[] {0});
        x.storage.bumpVersion();
        return x;
    }

    /**
     * The storage offset of every element of {@code x[slices]}, shaped like the result: the view's
     * offset, plus {@code coordinate * stride} of each dim the basic entries left, plus the
     * offsets of the indexed positions within the advanced blocks (a mask's block reads an
     * offset table of the block, which is no larger than the mask).
     */
    private static Tensor storageOffsets(Plan plan) {
        Tensor t = plan.t;
        int rank = t.shape.length;
        boolean[] advanced = new boolean[rank];
        Tensor inBlocks = null;
        for (int e = 0; e < plan.blocks.size(); e++) {
            int[] block = plan.blocks.get(e);
            Tensor idx = plan.indices.get(e);
            Tensor term;
            if (block[1] == 1) {
                term = idx.mul(Tensor.scalar(t.strides[block[0]], DType.I64));
            } else {
                Tensor table = Tensor.zeros(new long[0], DType.I64);
                for (int j = 0; j < block[1]; j++) {
                    table = table.unsqueeze(-1).add(coordinateOffsets(t, block[0] + j));
                }
                term = Indexing.index(table.reshape(-1), 0, idx);
            }
            for (int j = 0; j < block[1]; j++) {
                advanced[block[0] + j] = true;
            }
            inBlocks = inBlocks == null ? term : inBlocks.add(term);
        }
        // The result's dims: the basic dims in order with the broadcast index shape at `first`
        // (adjacent blocks) or in front.
        List<Integer> basic = new ArrayList<>();
        for (int k = 0; k < rank; k++) {
            if (!advanced[k]) {
                basic.add(k);
            }
        }
        int before = plan.adjacent ? (int) basic.stream().filter(k -> k < plan.first).count() : 0;
        int b = plan.broadcast.length;
        int resultRank = basic.size() + b;
        Tensor offsets = Tensor.scalar(t.offset, DType.I64);
        long[] shape = new long[resultRank];
        Arrays.fill(shape, 1);
        for (int q = 0; q < b; q++) {
            shape[before + q] = plan.broadcast[q];
        }
        offsets = offsets.add(inBlocks.expand(Shapes.toLongs(plan.broadcast)).reshape(shape));
        for (int r = 0; r < basic.size(); r++) {
            int k = basic.get(r);
            long[] one = new long[resultRank];
            Arrays.fill(one, 1);
            int at = r < before ? r : r + b;
            one[at] = t.shape[k];
            offsets = offsets.add(coordinateOffsets(t, k).reshape(one));
        }
        return offsets;
    }

    /** {@code [0, 1, ..., size - 1] * stride} of dim {@code k} of {@code t}, as I64. */
    private static Tensor coordinateOffsets(Tensor t, int k) {
        return Tensor.arange((long) t.shape[k]).mul(Tensor.scalar(t.strides[k], DType.I64));
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
