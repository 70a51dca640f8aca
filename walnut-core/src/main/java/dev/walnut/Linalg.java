package dev.walnut;

import dev.walnut.backend.Layout;
import dev.walnut.backend.Storage;
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
        Product p = product(a, b);
        return new Tensor(Backends.CPU.matmul(p.a.storage, p.la, p.b.storage, p.lb), p.shape);
    }

    /** A batched product's operands in the result dtype, their broadcast layouts and the result's shape. */
    private record Product(Tensor a, Layout la, Tensor b, Layout lb, int[] shape) {
    }

    private static Product product(Tensor a, Tensor b) {
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
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Backends.checkFits(dt, Shapes.numel(outShape));
        Layout la = new Layout(withMatrix(batch, m, k), withMatrix(sa, ac.strides[ra - 2], ac.strides[ra - 1]), ac.offset);
        Layout lb = new Layout(withMatrix(batch, k, n), withMatrix(sb, bc.strides[rb - 2], bc.strides[rb - 1]), bc.offset);
        return new Product(ac, la, bc, lb, outShape);
    }

    /**
     * {@link #batchedKernel} into a contiguous {@code out} of the product's shape and dtype that
     * does not overlap the operands. Two 2-d operands of out's dtype (the hot case: a layer's
     * forward and both gradient products) are passed with their own layouts, so nothing is
     * allocated; other cases build the batch layouts as {@code batchedKernel} does and run the
     * same back-end product into out (a strided convolution's {@code W x im2col(x)} of a whole
     * batch, which was computed apart and copied: an activation allocated per call).
     */
    static void batchedIntoKernel(Tensor a, Tensor b, Tensor out) {
        if (a.shape.length == 2 && b.shape.length == 2 && a.dtype == out.dtype && b.dtype == out.dtype
                && a.shape[1] == b.shape[0] && out.isContiguous() && out.shape.length == 2 && out.shape[0] == a.shape[0]
                && out.shape[1] == b.shape[1]) {
            Backends.CPU.matmulInto(a.storage, a.layout(), b.storage, b.layout(), out.storage, out.offset);
        } else {
            Product p = product(a, b);
            Elementwise.checkOut("matmul", out, p.a.dtype, p.shape);
            if (p.a.dtype.isFloatingPoint() && a.shape[a.shape.length - 1] > 0) {
                Backends.CPU.matmulInto(p.a.storage, p.la, p.b.storage, p.lb, out.storage, out.offset);
            } else {
                // Empty sums (zeros) and integer products: computed apart, as before.
                Tensor r = new Tensor(Backends.CPU.matmul(p.a.storage, p.la, p.b.storage, p.lb), p.shape);
                Backends.CPU.copy(r.storage, r.layout(), out.storage, out.layout());
            }
        }
        out.storage.bumpVersion();
    }

    /** {@code Kernels.attentionInto}: the F32 operands through their layouts, one pass per block of query rows. */
    static void attentionInto(Tensor q, Tensor k, Tensor v, double scale, Tensor out) {
        int[] shape = q.shape.clone(); // [B, L, dv] or heads-last [B, L, H, dv]
        shape[shape.length - 1] = v.shape[v.shape.length - 1];
        Elementwise.checkOut("fusedAttention", out, DType.F32, shape);
        Backends.CPU.attentionInto(q.storage, q.layout(), k.storage, k.layout(), v.storage, v.layout(), (float) scale,
                out.storage, out.offset);
        out.storage.bumpVersion();
    }

    /** {@code batch} followed by {@code rows, cols}. */
    private static int[] withMatrix(int[] batch, int rows, int cols) {
        int[] r = Arrays.copyOf(batch, batch.length + 2);
        r[batch.length] = rows;
        r[batch.length + 1] = cols;
        return r;
    }


    /**
     * {@code sum_t g[t] @ y[t]^T} for {@code g: [T, M, L]} and {@code y: [T, K, L]}: the gradient
     * of a matrix broadcast over a batch, as a convolution's weight is over its im2col columns.
     * The GEMM accumulates every batch item into one {@code [M, K]} output, where
     * {@code g.matmul(y.transpose(-1, -2))} would materialise {@code [T, M, K]} and then reduce
     * it. Not recorded, so only used while the backward pass itself is not being recorded.
     */
    static Tensor batchSumOfProducts(Tensor g, Tensor y) {
        return new Tensor(Backends.CPU.batchSumOfProducts(g.storage, g.layout(), y.storage, y.layout()),
                new int[] {g.shape[1], y.shape[1]});
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
