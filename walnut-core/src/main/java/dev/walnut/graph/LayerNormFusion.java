package dev.walnut.graph;

import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.OpDef;
import dev.walnut.ops.ReductionOps;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Layer norm over the last dim, as {@code LayerNorm} traces and ONNX's
 * {@code LayerNormalization} imports (its decomposition), becomes one {@code fusedLayerNorm}
 * node ({@link FusedOps#LAYER_NORM}): {@code d = z - mean(z)},
 * {@code d * rsqrt(sum(square(d)) / n + eps)} (or {@code mean(square(d))}), then an optional
 * multiply by a 1-d weight and add of a 1-d bias; a residual add {@code z = a + b} of two
 * values of z's shape in front of it joins too (a transformer's {@code x + sublayer(x)}). Each
 * intermediate must be read only inside the pattern and not be a graph output; the one-pass row
 * kernel then replaces about ten passes over the activation.
 *
 * <pre>{@code
 * // %2 = add(%x, %y)  %3 = mean(%2) {dims=[1]}  %4 = sub(%2, %3)  %5 = square(%4)  %6 = sum(%5) {dims=[1]}
 * // %7 = divScalar(%6) {256.0}  %8 = addScalar(%7) {1e-5}  %9 = rsqrt(%8)  %10 = mul(%4, %9)
 * // %11 = mul(%10, %norm.weight)  %12 = add(%11, %norm.bias)
 * new LayerNormFusion().apply(g);
 * // %12 = fusedLayerNorm(%x, %y, %norm.weight, %norm.bias) {eps=1e-5, residual=true, weight=true, bias=true}
 * }</pre>
 */
public final class LayerNormFusion implements Pass {
    /** One match: the nodes it replaces, the node it ends at, the fused node's attributes and inputs. */
    private record Match(List<Node> absorbed, Node end, FusedOps.LayerNorm attrs, Value[] inputs) {
    }

    @Override
    public Graph apply(Graph g) {
        Map<Value, List<Node>> readers = g.readers();
        Set<Value> outputs = g.outputSet();
        Map<Node, Match> ends = new IdentityHashMap<>();
        Map<Node, Boolean> absorbed = new IdentityHashMap<>();
        for (Node mean : g.nodes()) {
            Match m = match(mean, readers, outputs);
            if (m != null && m.absorbed().stream().noneMatch(absorbed::containsKey)) {
                ends.put(m.end(), m);
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
                r.emit(n, FusedOps.LAYER_NORM, m.attrs(), null, r.get(m.inputs()));
            } else if (!absorbed.containsKey(n)) {
                r.copy(n);
            }
        }
        return r.finish();
    }

    /** The layer norm whose mean is {@code mean}, or null. */
    private static Match match(Node mean, Map<Value, List<Node>> readers, Set<Value> outputs) {
        if (mean.op() != ReductionOps.MEAN || !lastDimKeep(mean)) {
            return null;
        }
        Value z = mean.inputs().get(0);
        Dim[] zd = z.dims();
        if (!z.dtype().isFloatingPoint() || zd.length == 0 || !zd[zd.length - 1].isStatic()) {
            return null;
        }
        long n = zd[zd.length - 1].example();
        List<Node> nodes = new ArrayList<>(List.of(mean));
        // d = z - mean, read by square and the normalizing mul only.
        Node sub = only(readers, mean, outputs);
        if (sub == null || sub.op() != ElementwiseOps.SUB || sub.inputs().get(0) != z || sub.inputs().get(1) != out(mean)) {
            return null;
        }
        nodes.add(sub);
        List<Node> dReaders = readers.getOrDefault(out(sub), List.of());
        if (dReaders.size() != 2 || outputs.contains(out(sub))) {
            return null;
        }
        Node square = dReaders.get(0).op() == ElementwiseOps.SQUARE ? dReaders.get(0) : dReaders.get(1);
        Node norm = square == dReaders.get(0) ? dReaders.get(1) : dReaders.get(0);
        if (square.op() != ElementwiseOps.SQUARE || norm.op() != ElementwiseOps.MUL) {
            return null;
        }
        nodes.add(square);
        // var = sum(square) / n, or mean(square).
        Node red = only(readers, square, outputs);
        Node var;
        if (red != null && red.op() == ReductionOps.MEAN && lastDimKeep(red)) {
            var = red;
        } else if (red != null && red.op() == ReductionOps.SUM && lastDimKeep(red)) {
            var = only(readers, red, outputs);
            if (var == null || !scalar(var, ElementwiseOps.DIV_SCALAR) || ((ElementwiseOps.Scalar) var.attrs()).value() != n) {
                return null;
            }
            nodes.add(red);
        } else {
            return null;
        }
        nodes.add(var);
        Node addEps = only(readers, var, outputs);
        if (addEps == null || !scalar(addEps, ElementwiseOps.ADD_SCALAR)) {
            return null;
        }
        double eps = ((ElementwiseOps.Scalar) addEps.attrs()).value();
        nodes.add(addEps);
        Node rsqrt = only(readers, addEps, outputs);
        if (rsqrt == null || rsqrt.op() != ElementwiseOps.RSQRT || only(readers, rsqrt, outputs) != norm
                || other(norm, out(rsqrt)) != out(sub) || !(eps >= 0) || Double.isInfinite(eps)) {
            return null;
        }
        nodes.add(rsqrt);
        nodes.add(norm);
        if (nodes.stream().anyMatch(x -> x.template() != null)) {
            return null;
        }
        Node end = norm;
        Value weight = affine(end, ElementwiseOps.MUL, readers, outputs, zd);
        if (weight != null) {
            end = only(readers, end, outputs);
            nodes.add(end);
        }
        Value bias = affine(end, ElementwiseOps.ADD, readers, outputs, zd);
        if (bias != null) {
            end = only(readers, end, outputs);
            nodes.add(end);
        }
        nodes.remove(end);
        // The residual add in front joins when its sum is read only by this pattern's mean and sub.
        List<Value> in = new ArrayList<>();
        Node res = z.producer();
        List<Node> zReaders = readers.getOrDefault(z, List.of());
        boolean residual = res != null && res.op() == ElementwiseOps.ADD && res.template() == null && !outputs.contains(z)
                && zReaders.size() == 2 && zReaders.contains(mean) && zReaders.contains(sub)
                && sameShape(res.inputs().get(0), zd) && sameShape(res.inputs().get(1), zd)
                && res.inputs().get(0).dtype() == z.dtype() && res.inputs().get(1).dtype() == z.dtype();
        if (residual) {
            nodes.add(res);
            in.addAll(res.inputs());
        } else {
            in.add(z);
        }
        if (weight != null) {
            in.add(weight);
        }
        if (bias != null) {
            in.add(bias);
        }
        return new Match(nodes, end, new FusedOps.LayerNorm(eps, residual, weight != null, bias != null),
                in.toArray(new Value[0]));
    }

    /** The 1-d {@code [n]} operand of {@code end}'s sole reader when that reader is {@code op} of end's output and it. */
    private static Value affine(Node end, OpDef<?> op, Map<Value, List<Node>> readers, Set<Value> outputs, Dim[] zd) {
        Node next = only(readers, end, outputs);
        if (next == null || next.op() != op || next.template() != null) {
            return null;
        }
        Value v = other(next, out(end));
        return v != null && v.dims().length == 1 && v.dims()[0].equals(zd[zd.length - 1]) && v.dtype() == out(end).dtype()
                ? v : null;
    }

    private static boolean sameShape(Value v, Dim[] dims) {
        return java.util.Arrays.equals(v.dims(), dims);
    }

    private static boolean lastDimKeep(Node reduce) {
        ReductionOps.Reduce a = (ReductionOps.Reduce) reduce.attrs();
        int rank = reduce.inputs().get(0).dims().length;
        return a.keepDim() && a.dims().length == 1 && (a.dims()[0] == rank - 1 || a.dims()[0] == -1);
    }

    private static boolean scalar(Node n, OpDef<?> op) {
        return n.op() == op && n.attrs() instanceof ElementwiseOps.Scalar;
    }

    private static Value out(Node n) {
        return n.outputs().get(0);
    }

    /** The operand of a binary node that is not {@code v}, or null when v is not exactly one of them. */
    private static Value other(Node binary, Value v) {
        Value a = binary.inputs().get(0);
        Value b = binary.inputs().get(1);
        return a == v && b != v ? b : b == v && a != v ? a : null;
    }

    /** The one node reading {@code n}'s output, or null when it has several readers or is a graph output. */
    private static Node only(Map<Value, List<Node>> readers, Node n, Set<Value> outputs) {
        return Graph.soleReader(out(n), readers, outputs);
    }
}
