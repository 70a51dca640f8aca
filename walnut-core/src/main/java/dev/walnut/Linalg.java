package dev.walnut;

import dev.walnut.backend.cpu.Gemm;
import dev.walnut.backend.cpu.Parallel;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.LinalgOps;
import dev.walnut.ops.NoAttrs;
import java.util.Arrays;

/** matmul and friends; every product goes through the one blocked GEMM. */
final class Linalg {
    private Linalg() {
    }

    static Tensor matmul(Tensor a, Tensor b) {
        int ra = a.shape.length;
        int rb = b.shape.length;
        if (ra == 0 || rb == 0) {
            throw new IllegalArgumentException("matmul: both arguments need at least 1 dimension, got shapes "
                    + Shapes.str(a.shape) + " and " + Shapes.str(b.shape));
        }
        int ka = a.shape[ra - 1];
        int kb = rb == 1 ? b.shape[0] : b.shape[rb - 2];
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: shapes " + Shapes.str(a.shape) + " and " + Shapes.str(b.shape)
                    + " cannot be multiplied (" + ka + " != " + kb + ")");
        }
        if (ra == 1 && rb == 1) {
            return batched(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        }
        if (ra == 1) {
            return batched(a.unsqueeze(0), b).squeeze(-2);
        }
        if (rb == 1) {
            return batched(a, b.unsqueeze(1)).squeeze(-1);
        }
        return batched(a, b);
    }

    /** [..., m, k] x [..., k, n] with broadcast batch dims, through the dispatcher. */
    private static Tensor batched(Tensor a, Tensor b) {
        return Dispatcher.call(LinalgOps.MATMUL, NoAttrs.NONE, a, b);
    }

    /** The kernel of {@link #batched}: one blocked GEMM per (broadcast) batch item. */
    static Tensor batchedKernel(Tensor a, Tensor b) {
        DType dt = Elementwise.resultType(a, b);
        if (dt == DType.BOOL) {
            throw new IllegalArgumentException("matmul: not defined for bool tensors; convert with to(DType."
                        + Tensor.defaultDType() + ")");
        }
        Tensor ac = a.dtype == dt ? a : Creation.cast(a, dt);
        Tensor bc = b.dtype == dt ? b : Creation.cast(b, dt);
        int ra = a.shape.length;
        int rb = b.shape.length;
        int m = a.shape[ra - 2];
        int k = a.shape[ra - 1];
        int n = b.shape[rb - 1];
        int[] batchA = Arrays.copyOf(a.shape, ra - 2);
        int[] batchB = Arrays.copyOf(b.shape, rb - 2);
        int[] batch = Shapes.broadcast("matmul", batchA, batchB);
        int[] sa = Shapes.broadcastStrides(batchA, Arrays.copyOf(ac.strides, ra - 2), batch);
        int[] sb = Shapes.broadcastStrides(batchB, Arrays.copyOf(bc.strides, rb - 2), batch);
        int batches = Shapes.numel(batch);
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Storage out = Storage.allocate(dt, Shapes.numel(outShape));
        int aRs = ac.strides[ra - 2];
        int aCs = ac.strides[ra - 1];
        int bRs = bc.strides[rb - 2];
        int bCs = bc.strides[rb - 1];
        Object ad = ac.storage.data;
        Object bd = bc.storage.data;
        Object od = out.data;
        Parallel.RangeBody body = (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int rem = t;
                int ao = ac.offset;
                int bo = bc.offset;
                for (int d = batch.length - 1; d >= 0; d--) {
                    int i = rem % batch[d];
                    rem /= batch[d];
                    ao += i * sa[d];
                    bo += i * sb[d];
                }
                int co = t * m * n;
                switch (dt) {
                    case F32 -> Gemm.sgemm(m, n, k, 1f, (float[]) ad, ao, aRs, aCs, (float[]) bd, bo, bRs, bCs,
                            (float[]) od, co, n, false);
                    case F64 -> Gemm.dgemm(m, n, k, 1.0, (double[]) ad, ao, aRs, aCs, (double[]) bd, bo, bRs, bCs,
                            (double[]) od, co, n, false);
                    default -> integerGemm(m, n, k, ad, ao, aRs, aCs, bd, bo, bRs, bCs, od, co);
                }
            }
        };
        long work = (long) m * n * k;
        if (batches > 1 && work < (1L << 18)) {
            // Many small products: split across batches; each GEMM then runs single-threaded.
            Parallel.forRange(batches, (int) Math.max(1, (1L << 18) / Math.max(work, 1)), body);
        } else {
            body.apply(0, batches);
        }
        return new Tensor(out, outShape);
    }


    /**
     * {@code sum_t g[t] @ y[t]^T} for {@code g: [T, M, L]} and {@code y: [T, K, L]}: the gradient
     * of a matrix broadcast over a batch, as a convolution's weight is over its im2col columns.
     * The GEMM accumulates every batch item into one {@code [M, K]} output, where
     * {@code g.matmul(y.transpose(-1, -2))} would materialise {@code [T, M, K]} and then reduce
     * it. Not recorded, so only used while the backward pass itself is not being recorded.
     */
    static Tensor batchSumOfProducts(Tensor g, Tensor y) {
        int batches = g.shape[0];
        int m = g.shape[1];
        int l = g.shape[2];
        int k = y.shape[1];
        Storage out = Storage.allocate(g.dtype, m * k);
        for (int t = 0; t < batches; t++) {
            int go = g.offset + t * g.strides[0];
            int yo = y.offset + t * y.strides[0];
            // B = y[t]^T: element (p, j) is y[t, j, p].
            if (g.dtype == DType.F32) {
                Gemm.sgemm(m, k, l, 1f, (float[]) g.storage.data, go, g.strides[1], g.strides[2],
                        (float[]) y.storage.data, yo, y.strides[2], y.strides[1], (float[]) out.data, 0, k, t > 0);
            } else {
                Gemm.dgemm(m, k, l, 1.0, (double[]) g.storage.data, go, g.strides[1], g.strides[2],
                        (double[]) y.storage.data, yo, y.strides[2], y.strides[1], (double[]) out.data, 0, k, t > 0);
            }
        }
        return new Tensor(out, new int[] {m, k}); // zero (a fresh array) when there are no batch items
    }

    private static void integerGemm(int m, int n, int k, Object a, int ao, int aRs, int aCs, Object b, int bo, int bRs,
                                    int bCs, Object out, int co) {
        // Integer matmul is rare and never hot; a plain loop keeps it exact (no float rounding).
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long acc = 0;
                for (int p = 0; p < k; p++) {
                    int ia = ao + i * aRs + p * aCs;
                    int ib = bo + p * bRs + j * bCs;
                    acc += a instanceof long[] la ? la[ia] * ((long[]) b)[ib] : (long) ((int[]) a)[ia] * ((int[]) b)[ib];
                }
                if (out instanceof long[] lo) {
                    lo[co + i * n + j] = acc;
                } else {
                    ((int[]) out)[co + i * n + j] = (int) acc;
                }
            }
        }
    }

    static Tensor dot(Tensor a, Tensor b) {
        if (a.shape.length != 1 || b.shape.length != 1) {
            throw new IllegalArgumentException("dot: expects 1-d tensors, got shapes " + Shapes.str(a.shape) + " and "
                    + Shapes.str(b.shape));
        }
        if (a.shape[0] != b.shape[0]) {
            throw new IllegalArgumentException("dot: inconsistent tensor size, expected tensors of the same size but got "
                    + a.shape[0] + " and " + b.shape[0]);
        }
        return matmul(a, b);
    }

    static Tensor outer(Tensor a, Tensor b) {
        if (a.shape.length != 1 || b.shape.length != 1) {
            throw new IllegalArgumentException("outer: expects 1-d tensors, got shapes " + Shapes.str(a.shape) + " and "
                    + Shapes.str(b.shape));
        }
        return a.unsqueeze(1).mul(b.unsqueeze(0));
    }
}
