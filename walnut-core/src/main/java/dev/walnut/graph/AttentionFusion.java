package dev.walnut.graph;

import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.LinalgOps;
import dev.walnut.ops.ReductionOps;
import dev.walnut.ops.ViewOps;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scaled dot-product attention on 3-d {@code [items, L, d]} operands, as an imported
 * {@code MultiheadAttention} runs it, {@code matmul(softmax(matmul(q * c, kT)), v)} with the
 * softmax over the last dim, {@code kT} a permute or transpose that swaps k's last two dims, and
 * an optional scaling of q (division by or multiplication with a 0-d constant, or
 * {@code divScalar}/{@code mulScalar}), becomes one {@code fusedAttention} node
 * ({@link FusedOps#ATTENTION}) reading {@code (q, k, v)}: the scores then stay in cache instead
 * of going through memory three times. When kT is a permute of some {@code src}, k becomes a
 * new permute of src. The scaling, the scores and the weights must each be read only by the
 * next step and not be graph outputs.
 *
 * <pre>{@code
 * // %7 = div(%6, %c0)  %10 = permute(%8) {dims=[1, 2, 0]}  %12 = matmul(%7, %10)
 * // %13 = softmax(%12) {dim=2}  %14 = matmul(%13, %11)
 * new AttentionFusion().apply(g);
 * // %k = permute(%8) {dims=[1, 0, 2]}  %14 = fusedAttention(%6, %k, %11) {scale=0.125}
 * }</pre>
 */
public final class AttentionFusion implements Pass {
    /** One match: the nodes it replaces, q, the transposed k's source and how to permute it, v, the scale. */
    private record Match(List<Node> absorbed, Value q, Value kSource, int[] kPerm, Value v, double scale) {
    }

    @Override
    public Graph apply(Graph g) {
        Map<Value, List<Node>> readers = g.readers();
        Set<Value> outputs = g.outputSet();
        Map<Node, Match> ends = new IdentityHashMap<>();
        Map<Node, Boolean> absorbed = new IdentityHashMap<>();
        for (Node out : g.nodes()) {
            Match m = match(g, out, readers, outputs);
            if (m != null) {
                ends.put(out, m);
                m.absorbed().forEach(n -> absorbed.put(n, true));
            }
        }
        if (ends.isEmpty()) {
            return g;
        }
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (Node n : g.nodes()) {
            Match m = ends.get(n);
            if (m != null) {
                Value k = r.get(m.kSource());
                if (m.kPerm() != null) {
                    Dim[] src = m.kSource().dims();
                    Dim[] dims = new Dim[3];
                    for (int i = 0; i < 3; i++) {
                        dims[i] = src[m.kPerm()[i]];
                    }
                    k = r.builder.node(ViewOps.PERMUTE, new ViewOps.Permute(m.kPerm()), null, new Value[] {k},
                            new dev.walnut.DType[] {m.kSource().dtype()}, new Dim[][] {dims})[0];
                }
                r.emit(n, FusedOps.ATTENTION, new FusedOps.Attention(m.scale()), null,
                        new Value[] {r.get(m.q()), k, r.get(m.v())});
            } else if (!absorbed.containsKey(n)) {
                r.copy(n);
            }
        }
        return r.finish();
    }

    /** The attention ending at {@code out = matmul(weights, v)}, or null. */
    private static Match match(Graph g, Node out, Map<Value, List<Node>> readers, Set<Value> outputs) {
        if (out.op() != LinalgOps.MATMUL || out.inputs().get(0).dims().length != 3 || out.inputs().get(1).dims().length != 3
                || !out.inputs().get(0).dtype().isFloatingPoint()) {
            return null;
        }
        Node softmax = soleProducer(out.inputs().get(0), readers, outputs);
        if (softmax == null || softmax.op() != ReductionOps.SOFTMAX || softmax.template() != null
                || !lastDim(((ReductionOps.Softmax) softmax.attrs()).dim(), 3)) {
            return null;
        }
        Node scores = soleProducer(softmax.inputs().get(0), readers, outputs);
        if (scores == null || scores.op() != LinalgOps.MATMUL) {
            return null;
        }
        List<Node> nodes = new ArrayList<>(List.of(softmax, scores));
        // k^T: a transpose of the last two dims, or a permute (of a value of any producer).
        Value kt = scores.inputs().get(1);
        Node ktNode = kt.producer();
        Value kSource;
        int[] kPerm;
        if (ktNode != null && ktNode.op() == ViewOps.TRANSPOSE && ktNode.template() == null && swapsLastTwo(ktNode)) {
            kSource = ktNode.inputs().get(0);
            kPerm = null;
        } else if (ktNode != null && ktNode.op() == ViewOps.PERMUTE && ktNode.template() == null) {
            int[] p = ((ViewOps.Permute) ktNode.attrs()).dims();
            if (p.length != 3) {
                return null;
            }
            kSource = ktNode.inputs().get(0);
            kPerm = new int[] {p[0], p[2], p[1]};
        } else {
            return null;
        }
        // q, possibly scaled; the scaling joins only when the scores are its one reader.
        Value q = scores.inputs().get(0);
        double scale = 1;
        Node sc = soleProducer(q, readers, outputs);
        if (sc != null && sc.template() == null) {
            Double factor = factor(g, sc);
            if (factor != null) {
                scale = factor;
                q = sc.inputs().get(0);
                nodes.add(sc);
            }
        }
        Dim[] qd = q.dims();
        Dim[] vd = out.inputs().get(1).dims();
        if (qd.length != 3 || q.dtype() != out.inputs().get(1).dtype() || q.dtype() != kt.dtype() || !Double.isFinite(scale)
                || !qd[0].equals(vd[0]) || !qd[0].equals(kt.dims()[0])) {
            return null;
        }
        return new Match(nodes, q, kSource, kPerm, out.inputs().get(1), scale);
    }

    /** The factor a scaling node multiplies its first input by, or null when it is not one. */
    private static Double factor(Graph g, Node n) {
        if ((n.op() == ElementwiseOps.MUL_SCALAR || n.op() == ElementwiseOps.DIV_SCALAR)
                && n.attrs() instanceof ElementwiseOps.Scalar s) {
            return n.op() == ElementwiseOps.MUL_SCALAR ? s.value() : 1 / s.value();
        }
        if (n.op() == ElementwiseOps.MUL || n.op() == ElementwiseOps.DIV) {
            Value c = n.inputs().get(1);
            if (c.kind() == Value.Kind.CONSTANT && c.dims().length == 0 && n.inputs().get(0).dims().length == 3) {
                double value = g.constant(c).item();
                return n.op() == ElementwiseOps.MUL ? value : 1 / value;
            }
        }
        return null;
    }

    private static boolean swapsLastTwo(Node transpose) {
        ViewOps.Transpose t = (ViewOps.Transpose) transpose.attrs();
        int a = Math.floorMod(t.dim0(), 3);
        int b = Math.floorMod(t.dim1(), 3);
        return Math.min(a, b) == 1 && Math.max(a, b) == 2;
    }

    private static boolean lastDim(int dim, int rank) {
        return dim == rank - 1 || dim == -1;
    }

    /** The producer of {@code v} when v has one reader and is not a graph output, else null. */
    private static Node soleProducer(Value v, Map<Value, List<Node>> readers, Set<Value> outputs) {
        return Graph.soleReader(v, readers, outputs) == null ? null : v.producer();
    }
}
