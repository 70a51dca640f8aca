package dev.walnut.graph;

import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.LinalgOps;
import dev.walnut.ops.ViewOps;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GEMM epilogue fusion for linear layers: {@code matmul(x, transpose(W))} of an {@code x} of 2 or
 * more dims and a 2-d weight (nn.Linear's {@code [n, k]}), or {@code matmul(x, W)} of a weight or
 * constant {@code W} stored {@code [k, n]} (what ONNX's {@code MatMul} of an initializer
 * imports as), with the bias add that reads it ({@code add} of a 1-d {@code [n]} value) and
 * then a {@code relu}, becomes one {@code fusedLinear} node ({@link FusedOps#LINEAR}) reading
 * {@code (x, W, b)}: x's leading dims are folded into the GEMM's rows, the bias is where the
 * packed GEMM's store starts and the weight is packed once, as {@code nn.Linear}'s inference
 * path does. The add and the relu join only when the value
 * before them has no other reader and is not a graph output. The transpose is left for
 * {@link DeadCodeElimination}.
 *
 * <pre>{@code
 * // %1 = transpose(%fc.weight)  %2 = matmul(%x0, %1)  %3 = add(%2, %fc.bias)  %4 = relu(%3)
 * new LinearFusion().apply(g);
 * // %2 = fusedLinear(%x0, %fc.weight, %fc.bias) {activation=relu, weightKN=false}
 * // ONNX: %1 = matmul(%x0, %w_kn)  %2 = add(%b, %1)  becomes  fusedLinear(%x0, %w_kn, %b) {weightKN=true}
 * }</pre>
 */
public final class LinearFusion implements Pass {
    @Override
    public Graph apply(Graph g) {
        Map<Value, List<Node>> readers = g.readers();
        Set<Value> outputs = g.outputSet();
        // The node each fused pattern ends at, with the fused node's attributes and inputs.
        Map<Node, Object[]> ends = new IdentityHashMap<>();
        Map<Node, Boolean> absorbed = new IdentityHashMap<>();
        for (Node m : g.nodes()) {
            if (m.op() != LinalgOps.MATMUL) {
                continue;
            }
            Value x = m.inputs().get(0);
            Value t = m.inputs().get(1);
            if (x.dims().length < 2 || t.dims().length != 2 || !x.dtype().isFloatingPoint() || x.dtype() != t.dtype()) {
                continue;
            }
            Node tr = t.producer();
            Value w;
            boolean kn;
            if (tr != null && tr.op() == ViewOps.TRANSPOSE && tr.template() == null
                    && ((ViewOps.Transpose) tr.attrs()).dim0() != ((ViewOps.Transpose) tr.attrs()).dim1()) {
                w = tr.inputs().get(0); // nn.Linear: x W^T of a weight [n, k]
                kn = false;
            } else if (t.kind() == Value.Kind.WEIGHT || t.kind() == Value.Kind.CONSTANT) {
                w = t; // ONNX's MatMul: x W of a weight stored [k, n], packed as it is
                kn = true;
            } else {
                continue;
            }
            Dim n = m.outputs().get(0).dims()[x.dims().length - 1];
            Node end = m;
            Value bias = null;
            Node add = Graph.soleReader(end.outputs().get(0), readers, outputs);
            if (add != null && add.op() == ElementwiseOps.ADD) {
                Value other = add.inputs().get(0) == end.outputs().get(0) ? add.inputs().get(1) : add.inputs().get(0);
                Dim[] od = other.dims();
                if (other != end.outputs().get(0) && od.length == 1 && od[0].equals(n)
                        && other.dtype() == x.dtype()) {
                    bias = other;
                    absorbed.put(end, true);
                    end = add;
                }
            }
            boolean relu = false;
            Node act = Graph.soleReader(end.outputs().get(0), readers, outputs);
            if (act != null && act.op() == ElementwiseOps.RELU) {
                relu = true;
                absorbed.put(end, true);
                end = act;
            }
            ends.put(end, new Object[] {new FusedOps.Linear(relu ? "relu" : "none", kn),
                    bias == null ? new Value[] {x, w} : new Value[] {x, w, bias}});
        }
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (Node n : g.nodes()) {
            Object[] fused = ends.get(n);
            if (fused != null) {
                r.emit(n, FusedOps.LINEAR, fused[0], null, r.get((Value[]) fused[1]));
            } else if (!absorbed.containsKey(n)) {
                r.copy(n);
            }
        }
        return r.finish();
    }

}
