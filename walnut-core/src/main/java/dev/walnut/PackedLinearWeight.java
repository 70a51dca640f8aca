package dev.walnut;

import dev.walnut.backend.Backend;
import dev.walnut.backend.Layout;
import dev.walnut.backend.Storage;
import dev.walnut.internal.Kernels;
import java.util.Arrays;

/**
 * {@code W^T} of an F32 {@code [n, k]} weight (or a {@code [k, n]} weight as it is, ONNX's
 * layout) packed once by the back end ({@code Backend.packTransposed}), so inference reuses it while W is unchanged (nn's
 * {@code Linear} keeps one). Keyed by everything that identifies W's current values: the
 * tensor, its storage, offset, strides and version.
 */
final class PackedLinearWeight implements Kernels.PackedWeight {
    private final Tensor source;
    private final Storage storage;
    private final int offset;
    private final int[] strides;
    private final int version;
    private final Backend.Packed matrix;
    private final int n;

    PackedLinearWeight(Tensor w, boolean kn) {
        source = w;
        storage = w.storage;
        offset = w.offset;
        strides = w.strides.clone();
        version = w.version();
        n = w.shape[kn ? 1 : 0];
        // packTransposed packs the transpose of what it reads: a [k, n] weight is read as its [n, k] transpose.
        Layout l = kn ? new Layout(new int[] {w.shape[1], w.shape[0]}, new int[] {w.strides[1], w.strides[0]}, w.offset)
                : w.layout();
        matrix = Backends.CPU.packTransposed(w.storage, l);
    }

    @Override
    public long bytes() {
        return matrix.bytes();
    }

    @Override
    public boolean isFor(Tensor w) {
        return w == source && w.version() == version && w.storage == storage && w.offset == offset
                && Arrays.equals(w.strides, strides);
    }

    /** {@code x W^T (+ bias)} for an F32 {@code [m, k]} x. */
    Tensor apply(Tensor x, Tensor bias) {
        return new Tensor(Backends.CPU.linearPacked(x.storage, x.layout(), matrix, n, bias == null ? null : bias.storage,
                bias == null ? null : bias.layout()), new int[] {x.shape[0], n});
    }

    /**
     * {@link #apply} into a contiguous F32 {@code out} of shape {@code [m, n]} (not overlapping x or
     * the bias), then a ReLU with {@code relu}.
     */
    void applyInto(Tensor x, Tensor bias, boolean relu, Tensor out) {
        Elementwise.checkOut("fusedLinear", out, DType.F32, x.shape[0], n);
        Backends.CPU.linearPackedInto(x.storage, x.layout(), matrix, n, bias == null ? null : bias.storage,
                bias == null ? null : bias.layout(), relu, out.storage, out.offset);
        out.storage.bumpVersion();
    }
}
