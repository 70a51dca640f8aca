package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.OpDef;
import dev.walnut.ops.ViewOps;
import java.util.Arrays;

/**
 * Local identities that remove work: {@code x * 1}, {@code x / 1}, {@code x + 0}, {@code x - 0}
 * (scalar forms, and constant operands of ones or zeros) become {@code x} when that changes
 * neither the shape nor the dtype; {@code transpose(transpose(x))} over the same dims and a
 * permute back to the original order become {@code x}; two permutes become one; a reshape of
 * a reshape (or a view of a view) reshapes the original once; a reshape, view or expand to the
 * shape it already has becomes {@code x}. The replaced nodes are left for
 * {@link DeadCodeElimination}.
 *
 * <p>Every rewrite gives the same bits as the original except one: {@code -0.0 + 0} is
 * {@code +0.0} in IEEE arithmetic, so with {@code x + 0} removed a negative zero stays negative
 * (equal under {@code ==}, different under a bit comparison).
 *
 * <pre>{@code
 * // %0 = mulScalar(%x0) {value=1.0, integral=false}   %1 = exp(%0)
 * new AlgebraicSimplification().apply(g);   // %1 = exp(%x0)
 * }</pre>
 */
public final class AlgebraicSimplification implements Pass {
    // Per run of apply: where chains of reshapes / of views start (old graph values).
    private final java.util.Map<Value, Value> reshapeRoots = new java.util.IdentityHashMap<>();
    private final java.util.Map<Value, Value> viewRoots = new java.util.IdentityHashMap<>();

    @Override
    public synchronized Graph apply(Graph g) {
        reshapeRoots.clear();
        viewRoots.clear();
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (Node n : g.nodes()) {
            if (!simplify(g, r, n)) {
                r.copy(n);
            }
        }
        return r.finish();
    }

    private boolean simplify(Graph g, GraphBuilder.Rebuild r, Node n) {
        OpDef<?> op = n.op();
        Value out = n.outputs().get(0);
        // A scalar with a template follows a dynamic dim (a count): 1 or 0 at the traced size only.
        boolean fixed = n.template() == null;
        if (op == ElementwiseOps.MUL_SCALAR || op == ElementwiseOps.DIV_SCALAR) {
            return fixed && ((ElementwiseOps.Scalar) n.attrs()).value() == 1.0 && forward(r, n, n.inputs().get(0));
        }
        if (op == ElementwiseOps.ADD_SCALAR) {
            return fixed && ((ElementwiseOps.Scalar) n.attrs()).value() == 0.0 && forward(r, n, n.inputs().get(0));
        }
        if (op == ElementwiseOps.MUL) {
            return isConstant(g, n.inputs().get(1), 1.0) && forward(r, n, n.inputs().get(0))
                    || isConstant(g, n.inputs().get(0), 1.0) && forward(r, n, n.inputs().get(1));
        }
        if (op == ElementwiseOps.DIV) {
            return isConstant(g, n.inputs().get(1), 1.0) && forward(r, n, n.inputs().get(0));
        }
        if (op == ElementwiseOps.ADD) {
            return isConstant(g, n.inputs().get(1), 0.0) && forward(r, n, n.inputs().get(0))
                    || isConstant(g, n.inputs().get(0), 0.0) && forward(r, n, n.inputs().get(1));
        }
        if (op == ElementwiseOps.SUB) {
            return isConstant(g, n.inputs().get(1), 0.0) && forward(r, n, n.inputs().get(0));
        }
        Value x = n.inputs().isEmpty() ? null : n.inputs().get(0);
        Node inner = x == null ? null : x.producer();
        if (op == ViewOps.TRANSPOSE && inner != null && inner.op() == ViewOps.TRANSPOSE) {
            var a = (ViewOps.Transpose) n.attrs();
            var b = (ViewOps.Transpose) inner.attrs();
            boolean same = a.dim0() == b.dim0() && a.dim1() == b.dim1() || a.dim0() == b.dim1() && a.dim1() == b.dim0();
            return same && forward(r, n, inner.inputs().get(0));
        }
        if (op == ViewOps.PERMUTE && inner != null && inner.op() == ViewOps.PERMUTE) {
            int[] p = ((ViewOps.Permute) inner.attrs()).dims();
            int[] q = ((ViewOps.Permute) n.attrs()).dims();
            int[] composed = new int[q.length];
            boolean identity = true;
            for (int i = 0; i < q.length; i++) {
                composed[i] = p[q[i]];
                identity &= composed[i] == i;
            }
            if (identity) {
                return forward(r, n, inner.inputs().get(0));
            }
            r.emit(n, op, new ViewOps.Permute(composed), null, new Value[] {r.get(inner.inputs().get(0))});
            return true;
        }
        if (op == ViewOps.EXPAND) {
            return forward(r, n, x);
        }
        if (op == ViewOps.RESHAPE || op == ViewOps.VIEW) {
            // The value a chain of reshapes (or of views, for a view) starts from.
            boolean chained = inner != null && (inner.op() == ViewOps.VIEW || op == ViewOps.RESHAPE && inner.op() == ViewOps.RESHAPE);
            Value source = chained ? (op == ViewOps.VIEW ? viewRoots : reshapeRoots).getOrDefault(x, inner.inputs().get(0)) : x;
            reshapeRoots.put(out, reshapeRoots.getOrDefault(x, x));
            if (op == ViewOps.VIEW) {
                viewRoots.put(out, source);
            }
            if (forward(r, n, source)) {
                return true;
            }
            if (source != x) {
                r.emit(n, op, n.attrs(), n.template(), new Value[] {r.get(source)});
                return true;
            }
        }
        return false;
    }

    /** Makes {@code n}'s output read {@code x} when they have the same dtype and shape. */
    private static boolean forward(GraphBuilder.Rebuild r, Node n, Value x) {
        Value out = n.outputs().get(0);
        if (out.dtype() != x.dtype() || !Arrays.equals(out.dims(), x.dims())) {
            return false;
        }
        r.replace(out, r.get(x));
        return true;
    }

    /** True for a constant whose every element is {@code value}. */
    private static boolean isConstant(Graph g, Value v, double value) {
        if (v.kind() != Value.Kind.CONSTANT) {
            return false;
        }
        Tensor t = g.constant(v);
        if (t.numel() > 4096 || t.dtype() == DType.BOOL) {
            return false;
        }
        for (double d : t.toDoubleArray()) {
            if (d != value) {
                return false;
            }
        }
        return true;
    }
}
