package dev.walnut.backend.cpu;

/**
 * Scaled dot-product attention {@code softmax(scale * Q K^T) V} over a batch of (head) items, for
 * the compiler's fused attention: each task takes a block of query rows of one item, computes its
 * scores into a scratch block, normalizes them in place and multiplies by V while the block is in
 * cache, so the {@code [items, L, S]} scores are never written out, read back by the softmax and
 * read again by the second product. Q, K and V are read through their strides (the heads of an
 * imported model's attention are permuted views), the output is contiguous.
 *
 * <pre>{@code
 * AttentionKernels.attention(32, 128, 128, 64, 64, 0.125f, q, 0, 8192, 64, 1, k, 0, 8192, 64, 1,
 *         v, 0, 8192, 64, 1, out, 0);
 * }</pre>
 */
public final class AttentionKernels {
    private AttentionKernels() {
    }

    /** Query rows per task: the scores block ({@code ROWS * S} floats) stays in L2 for typical S. */
    private static final int ROWS = 64;

    /**
     * {@code out[b] = softmax(scale * q[b] k[b]^T) v[b]} for {@code items} items; q is
     * {@code [L, d]}, k {@code [S, d]}, v {@code [S, dv]} per item at the given item, row and
     * column strides; out is {@code items * L * dv} contiguous floats from {@code outOff}.
     */
    public static void attention(int items, int l, int s, int d, int dv, float scale,
                                 float[] q, int qOff, int qBs, int qRs, int qCs,
                                 float[] k, int kOff, int kBs, int kRs, int kCs,
                                 float[] v, int vOff, int vBs, int vRs, int vCs,
                                 float[] out, int outOff) {
        if (items <= 0 || l <= 0 || dv <= 0) {
            return;
        }
        int rows = Math.min(ROWS, l);
        int blocks = (l + rows - 1) / rows;
        Parallel.forRange(items * blocks, 1, (lo, hi) -> {
            float[] scores = new float[rows * Math.max(s, 1)];
            for (int t = lo; t < hi; t++) {
                int b = t / blocks;
                int r0 = (t % blocks) * rows;
                int m = Math.min(rows, l - r0);
                // B = K^T: element (p, j) is k[j, p].
                Gemm.sgemm(m, s, d, scale, q, qOff + b * qBs + r0 * qRs, qRs, qCs, k, kOff + b * kBs, kCs, kRs,
                        scores, 0, s, false);
                ReduceKernels.softmax(scores, 0, m, s, 1, scores, 0, false);
                Gemm.sgemm(m, dv, s, 1f, scores, 0, s, 1, v, vOff + b * vBs, vRs, vCs, out, outOff + (b * l + r0) * dv, dv,
                        false);
            }
        });
    }
}
