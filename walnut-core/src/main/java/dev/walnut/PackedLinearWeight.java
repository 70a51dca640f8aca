package dev.walnut;

import dev.walnut.backend.cpu.Gemm;
import dev.walnut.backend.cpu.PackedMatrix;
import dev.walnut.internal.Kernels;
import java.util.Arrays;

/**
 * {@code W^T} of an F32 {@code [n, k]} weight packed once for the GEMM ({@link Gemm#packB}), so
 * inference reuses it while W is unchanged (nn's {@code Linear} keeps one). Keyed by everything
 * that identifies W's current values: the tensor, its storage array, offset, strides and version.
 */
final class PackedLinearWeight implements Kernels.PackedWeight {
    private final Tensor source;
    private final Object data;
    private final int offset;
    private final int[] strides;
    private final int version;
    private final PackedMatrix matrix;
    private final int n;
    private final int k;

    PackedLinearWeight(Tensor w) {
        source = w;
        data = w.storage.data;
        offset = w.offset;
        strides = w.strides.clone();
        version = w.version();
        n = w.shape[0];
        k = w.shape[1];
        // B = W^T: element (p, j) is W[j, p].
        matrix = Gemm.packB(k, n, (float[]) data, offset, strides[1], strides[0]);
    }

    @Override
    public long bytes() {
        return matrix.bytes();
    }

    @Override
    public boolean isFor(Tensor w) {
        return w == source && w.version() == version && w.storage.data == data && w.offset == offset
                && Arrays.equals(w.strides, strides);
    }

    /** {@code x W^T (+ bias)} for an F32 {@code [m, k]} x. */
    Tensor apply(Tensor x, Tensor bias) {
        int m = x.shape[0];
        float[] out = new float[m * n];
        if (bias != null) {
            float[] bd = (float[]) bias.storage.data;
            for (int j = 0; j < n; j++) {
                out[j] = bd[bias.offset + j * bias.strides[0]];
            }
            for (int i = 1; i < m; i++) {
                System.arraycopy(out, 0, out, i * n, n);
            }
        }
        Gemm.sgemmPacked(m, 1f, (float[]) x.storage.data, x.offset, x.strides[0], x.strides[1], matrix, out, 0, n,
                bias != null);
        return new Tensor(new Storage(out, DType.F32), new int[] {m, n});
    }
}
