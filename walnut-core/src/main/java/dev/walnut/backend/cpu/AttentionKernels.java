package dev.walnut.backend.cpu;

/**
 * Scaled dot-product attention {@code softmax(scale * Q K^T) V} over a batch of (head) items, for
 * the compiler's fused attention: each task computes a block of query rows' scores into a
 * scratch block, normalizes them in place and multiplies by V while the block is in cache, so the
 * {@code [items, L, S]} scores are never written out, read back by the softmax and read again by
 * the second product.
 *
 * <p>Items are {@code batches x heads}, each with its own offset stride for Q, K, V and the
 * output, so an imported model's heads are read where its projection wrote them (strided views
 * of one {@code [.., L, 3E]} activation) and written where the out-projection reads them
 * ({@code [B, L, H, dv]} rows), with no permute copies on either side. Where there are enough
 * items to keep every thread busy, a task is one item, whose rows are one block for sequences
 * up to 128 rows; fewer items than threads split their rows too. Both products run on the
 * provider's blocked GEMM ({@link KernelProvider#sgemmBlock}), which packs K^T, V and the row
 * blocks into the thread's reused buffers: packing K and V once per item as separate matrices
 * allocated 64 KB per item (8 MB per batch-8 encoder call), and that allocation was a quarter of
 * the encoder's time in a profile. The per-thread scores block is reused too.
 *
 * <pre>{@code
 * // q, k, v [4, 128, 64] contiguous items; out the same
 * int[] st = {8192, 0, 64, 1};
 * AttentionKernels.attention(4, 1, 128, 128, 64, 64, 0.125f, q, 0, st, k, 0, st, v, 0, st,
 *         out, 0, new int[] {8192, 0, 64});
 * }</pre>
 */
public final class AttentionKernels {
    private AttentionKernels() {
    }

    /** Query rows per block: the scores block ({@code ROWS * S} floats) stays in L2 for typical S. */
    private static final int ROWS = 128;

    /** Per-thread scratch for a block's scores; grown on demand, never shrunk. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private static float[] scratch(int size) {
        float[][] w = SCRATCH.get();
        if (w[0].length < size) {
            w[0] = new float[size];
        }
        return w[0];
    }

    /**
     * {@code out[b, h] = softmax(scale * q[b, h] k[b, h]^T) v[b, h]} for {@code batches x heads}
     * items; q is {@code [L, d]}, k {@code [S, d]} and v {@code [S, dv]} per item. Each strides
     * array is {@code {batch, head, row, column}} (in floats) for q, k and v, and
     * {@code {batch, head, row}} for out, whose columns are contiguous; out must not overlap the
     * operands.
     */
    public static void attention(int batches, int heads, int l, int s, int d, int dv, float scale,
                                 float[] q, int qOff, int[] qSt, float[] k, int kOff, int[] kSt,
                                 float[] v, int vOff, int[] vSt, float[] out, int outOff, int[] oSt) {
        int items = batches * heads;
        if (items <= 0 || l <= 0 || dv <= 0) {
            return;
        }
        int rows = Math.min(ROWS, l);
        int blocks = (l + rows - 1) / rows;
        // One item per task; fewer items than threads split their rows too.
        boolean perItem = blocks == 1 || items >= Parallel.threads();
        int tasks = perItem ? items : items * blocks;
        Parallel.forRange(tasks, 1, (lo, hi) -> {
            float[] scores = scratch(rows * Math.max(s, 1));
            for (int t = lo; t < hi; t++) {
                int item = perItem ? t : t / blocks;
                int b = item / heads;
                int h = item % heads;
                int qo = qOff + b * qSt[0] + h * qSt[1];
                int ko = kOff + b * kSt[0] + h * kSt[1];
                int vo = vOff + b * vSt[0] + h * vSt[1];
                int oo = outOff + b * oSt[0] + h * oSt[1];
                int r0 = perItem ? 0 : (t % blocks) * rows;
                int r1 = perItem ? l : Math.min(l, r0 + rows);
                if (s > 0 && d > 0) {
                    rows(r0, r1, rows, s, d, dv, scale, q, qo, qSt, k, ko, kSt, v, vo, vSt, out, oo, oSt[2], scores);
                } else {
                    // No keys, or empty heads: the general GEMM gives C = 0 and a uniform softmax.
                    for (int i = r0; i < r1; i += rows) {
                        int m = Math.min(rows, r1 - i);
                        Gemm.sgemm(m, s, d, scale, q, qo + i * qSt[2], qSt[2], qSt[3], k, ko, kSt[3], kSt[2], scores, 0, s,
                                false);
                        ReduceKernels.softmax(scores, 0, m, s, 1, scores, 0, false);
                        Gemm.sgemm(m, dv, s, 1f, scores, 0, s, 1, v, vo, vSt[2], vSt[3], out, oo + i * oSt[2], oSt[2], false);
                    }
                }
            }
        });
    }

    /**
     * Rows {@code [r0, r1)} of one item, a block of {@code rows} at a time: the scores
     * {@code scale * Q K^T} (B = K^T read through K's strides), their softmax in place (the eager
     * softmax's row kernel), and the product with V, each as the eager ops round it.
     */
    private static void rows(int r0, int r1, int rows, int s, int d, int dv, float scale, float[] q, int qo, int[] qSt,
                             float[] k, int ko, int[] kSt, float[] v, int vo, int[] vSt, float[] out, int oo, int ldo,
                             float[] scores) {
        KernelProvider p = KernelProvider.get();
        for (int i = r0; i < r1; i += rows) {
            int m = Math.min(rows, r1 - i);
            p.sgemmBlock(0, m, 0, s, d, scale, q, qo + i * qSt[2], qSt[2], qSt[3], k, ko, kSt[3], kSt[2], scores, 0, s, 1,
                    false);
            ReduceKernels.softmax(scores, 0, m, s, 1, scores, 0, false);
            p.sgemmBlock(0, m, 0, dv, s, 1f, scores, 0, s, 1, v, vo, vSt[2], vSt[3], out, oo + i * ldo, ldo, 1, false);
        }
    }
}
