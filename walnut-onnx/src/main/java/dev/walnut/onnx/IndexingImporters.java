package dev.walnut.onnx;

import static dev.walnut.onnx.OnnxOp.one;

import dev.walnut.DType;
import dev.walnut.Slice;
import dev.walnut.Tensor;

import java.util.Arrays;
import java.util.Map;

/**
 * ONNX's N-dimensional index ops as Walnut advanced indexing: {@code GatherND} is
 * {@code data[idx[..., 0], ..., idx[..., k-1]]} and {@code ScatterND} is a copy of the data with
 * {@code copy[idx[..., 0], ...] = updates} (PyTorch exports {@code x[i, j] = v} as ScatterND).
 * Both stay differentiable in the data and the updates. The index tensor's last dim holds the
 * coordinates, its leading dims (after {@code batch_dims} for GatherND) the positions; negative
 * coordinates count from the end, and a coordinate out of range is an error naming the node.
 */
final class IndexingImporters {
    private IndexingImporters() {
    }

    static void register(Map<String, OnnxOp> ops) {
        ops.put("GatherND", IndexingImporters::gatherNd);
        ops.put("ScatterND", IndexingImporters::scatterNd);
    }

    private static Tensor[] gatherNd(NodeCall n) {
        Tensor data = n.required(0);
        Tensor idx = n.required(1);
        int b = (int) n.attrInt("batch_dims", 0);
        int k = lastDim(n, idx);
        if (b < 0 || b >= Math.min(data.dim(), idx.dim())) {
            throw n.fail("batch_dims = " + b + " must be below the ranks of data (" + data.dim() + ") and indices ("
                    + idx.dim() + ")");
        }
        for (int i = 0; i < b; i++) {
            if (data.size(i) != idx.size(i)) {
                throw n.fail("the first batch_dims = " + b + " dims of data " + Arrays.toString(data.shape())
                        + " and indices " + Arrays.toString(idx.shape()) + " must be equal");
            }
        }
        if (k < 1 || b + k > data.dim()) {
            throw n.fail("indices' last dim (" + k + ") plus batch_dims (" + b + ") must be at most data's rank ("
                    + data.dim() + ") and at least 1 coordinate is needed");
        }
        // Positions: the indices' dims between the batch dims and the coordinates; each batch dim
        // indexes itself through an arange shaped to broadcast against them.
        long[] positions = Arrays.copyOfRange(idx.shape(), b, idx.dim() - 1);
        Slice[] slices = new Slice[b + k];
        for (int i = 0; i < b; i++) {
            long[] shape = new long[b + positions.length];
            Arrays.fill(shape, 1);
            shape[i] = data.size(i);
            slices[i] = Slice.of(Tensor.arange(data.size(i)).reshape(shape));
        }
        for (int j = 0; j < k; j++) {
            slices[b + j] = Slice.of(coordinate(idx, j));
        }
        return one(data.index(slices));
    }

    private static Tensor[] scatterNd(NodeCall n) {
        Tensor data = n.required(0);
        Tensor idx = n.required(1);
        Tensor updates = n.required(2);
        int k = lastDim(n, idx);
        if (k < 1 || k > data.dim()) {
            throw n.fail("indices' last dim (" + k + ") must be between 1 and data's rank (" + data.dim() + ")");
        }
        long[] positions = Arrays.copyOf(idx.shape(), idx.dim() - 1);
        long[] expected = new long[positions.length + data.dim() - k];
        System.arraycopy(positions, 0, expected, 0, positions.length);
        System.arraycopy(data.shape(), k, expected, positions.length, data.dim() - k);
        if (!Arrays.equals(updates.shape(), expected)) {
            throw n.fail("updates have shape " + Arrays.toString(updates.shape()) + ", expected "
                    + Arrays.toString(expected) + " (indices' dims but the last, then data's dims after the first " + k
                    + ")");
        }
        String reduction = n.attrString("reduction", "none");
        if (!reduction.equals("none") && !reduction.equals("add")) {
            throw n.fail("reduction \"" + reduction + "\" is not supported (none and add are)");
        }
        Slice[] slices = new Slice[k];
        for (int j = 0; j < k; j++) {
            slices[j] = Slice.of(coordinate(idx, j));
        }
        Tensor out = data.clone();
        out.indexPut(updates.to(data.dtype()), reduction.equals("add"), slices);
        return one(out);
    }

    private static int lastDim(NodeCall n, Tensor idx) {
        if (idx.dim() < 1 || idx.dtype().isFloatingPoint() || idx.dtype() == DType.BOOL) {
            throw n.fail("indices must be an int32/int64 tensor of rank >= 1, got " + idx.dtype() + " of shape "
                    + Arrays.toString(idx.shape()));
        }
        return (int) idx.size(idx.dim() - 1);
    }

    /**
     * Coordinate {@code j} of every position. Advanced indexing wraps negative coordinates and
     * checks each against its dim (an out-of-range one fails, the model names this node).
     */
    private static Tensor coordinate(Tensor coords, int j) {
        return coords.select(-1, j);
    }
}
