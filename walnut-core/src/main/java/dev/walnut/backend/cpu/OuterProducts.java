package dev.walnut.backend.cpu;

import dev.walnut.backend.BinaryOp;

/**
 * The batched matrix product of inner size 1: {@code C[t] = a[t] b[t]} for an {@code [m, 1]}
 * column and a {@code [1, n]} row per batch item, {@code C[t][i][j] = a[t][i] * b[t][j]}.
 *
 * <p>That is what {@code vmap(grad)} makes of a linear layer's weight gradient (per example
 * {@code g^T x}: {@code [B, out, 1] x [B, 1, in]}), and its output is the whole per-sample
 * gradient. The blocked GEMM would pack a 1-deep panel of each operand per batch item and run a
 * register tile that does one multiply per element it stores; here each output row is one
 * scaled copy of {@code b[t]}, so the product runs at the machine's store bandwidth.
 *
 * <pre>{@code
 * // C[2][3][4] = a[2][3][1] x b[2][1][4], all contiguous
 * OuterProducts.batched(a, 0, 1, new int[] {3}, b, 0, 1, new int[] {4}, new int[] {2}, c, 0, 3, 4);
 * }</pre>
 */
final class OuterProducts {
    /** Rows per thread below which splitting costs more than it saves (elements written). */
    private static final int GRAIN_ELEMENTS = 1 << 16;

    private OuterProducts() {
    }

    /**
     * Writes {@code out[outOff + (t*m + i)*n + j] = a[ao(t) + i*aRs] * b[bo(t) + j*bCs]} for every batch
     * index {@code t} of {@code batch} (row-major), where {@code ao(t)} and {@code bo(t)} add
     * {@code t}'s coordinates times {@code aBatchStrides} and {@code bBatchStrides} (0 for a
     * broadcast batch dim) to {@code aOff} and {@code bOff}. {@code a}, {@code b} and
     * {@code out} are all {@code float[]} or all {@code double[]}.
     */
    static void batched(Object a, int aOff, int aRs, int[] aBatchStrides, Object b, int bOff, int bCs,
                        int[] bBatchStrides, int[] batch, Object out, int outOff, int m, int n) {
        int batches = 1;
        for (int size : batch) {
            batches *= size;
        }
        int[] ao = new int[batches];
        int[] bo = new int[batches];
        for (int t = 0; t < batches; t++) {
            int rem = t;
            int ai = aOff;
            int bi = bOff;
            for (int d = batch.length - 1; d >= 0; d--) {
                int c = rem % batch[d];
                rem /= batch[d];
                ai += c * aBatchStrides[d];
                bi += c * bBatchStrides[d];
            }
            ao[t] = ai;
            bo[t] = bi;
        }
        int rows = batches * m;
        int grain = Math.max(1, GRAIN_ELEMENTS / Math.max(1, n));
        // Each row is b[t] times a scalar: the elementwise multiply's scalar-broadcast kernel
        // (a copy and an in-place scale within L1, both vectorized), so the bits are a multiply's.
        if (a instanceof float[] af) {
            float[] bf = (float[]) b;
            float[] of = (float[]) out;
            Parallel.forRange(rows, grain, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int t = r / m;
                    FloatBinary.run(BinaryOp.MUL, af, ao[t] + (r - t * m) * aRs, 0, bf, bo[t], bCs, of, outOff + r * n, n);
                }
            });
        } else {
            double[] ad = (double[]) a;
            double[] bd = (double[]) b;
            double[] od = (double[]) out;
            Parallel.forRange(rows, grain, (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int t = r / m;
                    DoubleBinary.run(BinaryOp.MUL, ad, ao[t] + (r - t * m) * aRs, 0, bd, bo[t], bCs, od, outOff + r * n, n);
                }
            });
        }
    }
}
