package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.Node;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import java.util.Arrays;
import java.util.List;

/**
 * The matrix product: {@code [..., m, k] x [..., k, n]} with broadcast batch dims, the one GEMM
 * that {@code matmul}, {@code linear} and the convolutions share. {@code Tensor.matmul} turns 1-d
 * operands into this by unsqueezing and squeezing.
 *
 * <pre>{@code
 * Tensor c = Dispatcher.call(LinalgOps.MATMUL, NoAttrs.NONE, a, b);   // a.matmul(b) for 2-d a, b
 * }</pre>
 */
public final class LinalgOps {
    private LinalgOps() {
    }

    private static final Kernels K = Kernels.get();

    /**
     * True for a 2-d operand stored transposed ({@code w.t()} of a contiguous {@code w}, as in
     * {@code Linear}). Its gradient is then computed as the transpose of a product that the GEMM
     * writes contiguously in the operand's own layout, so the transposing view's backward and
     * the accumulation into {@code w.grad} read it in order instead of gathering with a stride
     * (PyTorch's mm backward picks the layout the same way). Same products, same FLOPs.
     */
    private static boolean columnMajor(Tensor t) {
        long[] shape = t.shape();
        long[] strides = t.stride();
        return shape[0] > 1 && shape[1] > 1 && strides[0] == 1 && strides[1] == shape[0];
    }

    /** The most rows (per operand) that forward mode stacks with their tangent's into one product. */
    static final long STACKED_ROWS = 512;

    public static final OpDef<NoAttrs> MATMUL = new OpDef<>("matmul", 1, "MmBackward0") {
        @Override
        public String nodeName(NoAttrs attrs, Tensor[] in) {
            return in[0].dim() == 2 && in[1].dim() == 2 ? "MmBackward0" : "BmmBackward0";
        }

        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            long[] a = in[0].shape();
            long[] b = in[1].shape();
            if (a.length < 2 || b.length < 2) {
                throw new IllegalArgumentException("matmul: the primitive takes operands of rank >= 2, got shapes "
                        + Arrays.toString(a) + " and " + Arrays.toString(b) + " (Tensor.matmul handles 1-d operands)");
            }
            if (a[a.length - 1] != b[b.length - 2]) {
                throw new IllegalArgumentException("matmul: shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " cannot be multiplied (" + a[a.length - 1] + " != " + b[b.length - 2] + ")");
            }
            DType dt = Specs.resultType(in[0], in[1]);
            if (dt == DType.BOOL) {
                throw new IllegalArgumentException("matmul: not defined for bool tensors; convert with to(DType."
                        + Tensor.defaultDType() + ")");
            }
            long[] batch = Specs.broadcast("matmul", Arrays.copyOf(a, a.length - 2), Arrays.copyOf(b, b.length - 2));
            long[] out = Arrays.copyOf(batch, batch.length + 2);
            out[batch.length] = a[a.length - 2];
            out[batch.length + 1] = b[b.length - 1];
            return Specs.one(out, dt);
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            if (in[0].dim() < 2 || in[1].dim() < 2 || in[0].size(-1) != in[1].size(-2)) {
                infer(attrs, TensorSpec.of(in[0]), TensorSpec.of(in[1])); // throws the shape error
            }
            // The kernel checks the batch dims and the dtype itself: no spec allocation per product.
            return Specs.one(K.matmul(in[0], in[1]));
        }

        @Override
        public boolean hasOutKernel(NoAttrs attrs) {
            return true;
        }

        @Override
        public void computeInto(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            if (in[0].dim() < 2 || in[1].dim() < 2 || in[0].size(-1) != in[1].size(-2)) {
                infer(attrs, TensorSpec.of(in[0]), TensorSpec.of(in[1])); // throws the shape error
            }
            K.matmulInto(in[0], in[1], out[0]);
        }

        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return in;
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node nd, Tensor[] g) {
            Tensor x = nd.saved(0);
            Tensor y = nd.saved(1);
            boolean plain = x.dim() == 2 && y.dim() == 2;
            Tensor gx = null;
            Tensor gy = null;
            if (nd.needsInputGrad(0)) {
                if (plain && columnMajor(x)) {
                    gx = y.matmul(g[0].t()).t();
                } else if (x.dim() == 2 && y.dim() == 3 && !Autograd.isGradEnabled() && summable(g[0], y)
                        && !Dispatcher.isInterpreting()) { // the kernel call would bypass a transform
                    gx = K.batchSumOfProducts(g[0], y);
                } else {
                    gx = g[0].matmul(y.transpose(-1, -2));
                }
            }
            if (nd.needsInputGrad(1)) {
                if (plain && columnMajor(y)) {
                    gy = g[0].t().matmul(x).t();
                } else if (y.dim() == 2 && x.dim() > 2) {
                    // A matrix applied to a batch (Linear on [B, T, in]): fold the batch into the
                    // rows, one GEMM instead of a product per batch item and a reduction.
                    Tensor x2 = x.reshape(-1, x.size(-1));
                    Tensor g2 = g[0].reshape(-1, g[0].size(-1));
                    gy = columnMajor(y) ? g2.t().matmul(x2).t() : x2.t().matmul(g2);
                } else {
                    gy = x.transpose(-1, -2).matmul(g[0]);
                }
            }
            return new Tensor[] {gx, gy};
        }

        private boolean summable(Tensor g, Tensor y) {
            return g.dtype() == y.dtype() && (g.dtype() == DType.F32 || g.dtype() == DType.F64) && g.dim() == 3;
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(Specs.sum(out[0], t[0] == null ? null : t[0].matmul(in[1]), t[1] == null ? null : in[0].matmul(t[1])));
        }

        /**
         * A tangent on the rows only, times a shared matrix without one (a linear layer's
         * activations, jvp w.r.t. the input): {@code [x; dx] W} in one GEMM of twice the rows.
         * The matrix is packed once instead of twice, and the taller product runs at a higher
         * rate (784x512 on two threads: about 120 GFLOP/s at 128 rows, 90 at 64), for
         * the price of copying the rows together. Past {@code STACKED_ROWS} rows a product
         * already runs near its peak and the copy would not pay.
         */
        @Override
        public Tensor[][] computeWithJvp(NoAttrs attrs, Tensor[] in, Tensor[] t) {
            Tensor a = in[0];
            Tensor b = in[1];
            if (t[0] == null || t[1] != null || b.dim() != 2 || a.dim() < 2 || a.size(-1) != b.size(0)
                    || !a.dtype().isFloatingPoint() || a.dtype() != b.dtype() || t[0].dtype() != a.dtype()) {
                return null;
            }
            long k = a.size(-1);
            long rows = a.numel() / Math.max(1, k);
            if (rows == 0 || rows > STACKED_ROWS) {
                return null;
            }
            Tensor y = Tensor.cat(new Tensor[] {a.reshape(rows, k), t[0].reshape(rows, k)}, 0).matmul(b);
            long[] shape = a.shape();
            shape[shape.length - 1] = b.size(1);
            return new Tensor[][] {{y.narrow(0, 0, rows).reshape(shape)}, {y.narrow(0, rows, rows).reshape(shape)}};
        }
    };

    /** Every definition of this family. */
    static final List<OpDef<?>> ALL = List.of(MATMUL);
}
