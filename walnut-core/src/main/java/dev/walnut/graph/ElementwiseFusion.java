package dev.walnut.graph;

import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.FusedOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fuses chains and trees of float elementwise nodes into one {@code fusedElementwise} node
 * ({@link FusedOps#ELEMENTWISE}), which runs them as one loop over memory: the intermediates
 * stay in cache-sized registers instead of being written out and read back by each op. A node
 * joins the group of an input's producer when that value has no other reader (and is not a graph
 * output), both have the same dtype (F32 or F64) and the same shape, and the node is fusable
 * ({@link FusedOps#isFusable}: arithmetic, math, scalar forms, clamp; not comparisons, casts or
 * {@code where}). Inputs of a group may broadcast; {@code pow} of two tensors joins only when
 * neither operand is broadcast, since the kernel's broadcast-scalar fast paths are what eager
 * mode runs there. A {@code sum} over every element ({@code x.sum()}) of a group's result ends
 * the group: the program sums as it goes, so the summed tensor is never written (the sum is
 * accumulated in double like the eager one, but in another order: equal within a few ulp, not
 * bit for bit). A group of one node is left as it is. Otherwise the fused node gives the same
 * bits as the nodes it replaces.
 *
 * <pre>{@code
 * // %0 = mul(%x0, %x1)  %1 = exp(%0)  %2 = addScalar(%1) {value=1.0}  %3 = tanh(%2)
 * new ElementwiseFusion().apply(g);
 * // %0 = fusedElementwise(%x0, %x1) {program="mul(x0, x1); exp(t0); addScalar(t1, 1.0); tanh(t2)"}
 * }</pre>
 */
public final class ElementwiseFusion implements Pass {
    @Override
    public Graph apply(Graph g) {
        List<Node> nodes = g.nodes();
        Map<Node, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i), i);
        }
        // Who reads each value: a value can join a group only when its one reader is the next member.
        Map<Value, List<Node>> readers = g.readers();
        Set<Value> isOutput = g.outputSet();

        // group[i]: the group node i belongs to (a list of node indices in order), or null.
        List<List<Integer>> group = new ArrayList<>();
        // Groups that end with a sum: nothing joins them after it.
        Map<List<Integer>, Boolean> closed = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (endsGroup(n, readers, isOutput, group, index)
                    && !closed.containsKey(group.get(index.get(n.inputs().get(0).producer())))) {
                List<Integer> members = group.get(index.get(n.inputs().get(0).producer()));
                members.add(i);
                group.add(members);
                closed.put(members, true);
                continue;
            }
            if (!fusable(n)) {
                group.add(null);
                continue;
            }
            List<Integer> members = new ArrayList<>();
            Value out = n.outputs().get(0);
            for (Value v : n.inputs()) {
                Node p = v.producer();
                if (p == null || isOutput.contains(v) || readers.get(v).size() != 1) {
                    continue;
                }
                List<Integer> pg = group.get(index.get(p));
                if (pg == null || pg == members || closed.containsKey(pg) || v.dtype() != out.dtype()
                        || !Arrays.equals(v.dims(), out.dims())) {
                    continue;
                }
                members.addAll(pg);
                for (int j : pg) {
                    group.set(j, members);
                }
            }
            members.add(i);
            members.sort(null);
            group.add(members);
        }

        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (int i = 0; i < nodes.size(); i++) {
            List<Integer> members = group.get(i);
            if (members == null || members.size() == 1) {
                r.copy(nodes.get(i));
            } else if (members.get(members.size() - 1) == i) {
                emit(g, r, members);
            }
            // Other members are inside the fused node emitted at their group's last node.
        }
        return r.finish();
    }

    private static void emit(Graph g, GraphBuilder.Rebuild r, List<Integer> members) {
        Map<Value, String> names = new IdentityHashMap<>();
        List<Value> inputs = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        for (int k = 0; k < members.size(); k++) {
            Node n = g.nodes().get(members.get(k));
            List<String> args = new ArrayList<>();
            for (Value v : n.inputs()) {
                String name = names.get(v);
                if (name == null) {
                    name = "x" + inputs.size();
                    inputs.add(v);
                    names.put(v, name);
                }
                args.add(name);
            }
            steps.add(FusedOps.step(n.op(), n.attrs(), args));
            names.put(n.outputs().get(0), "t" + k);
        }
        Node root = g.nodes().get(members.get(members.size() - 1));
        r.emit(root, FusedOps.ELEMENTWISE, new FusedOps.Elementwise(String.join("; ", steps)), null,
                inputs.stream().map(r::get).toArray(Value[]::new));
    }

    /** Whether {@code n} is a sum over every element of a group's result that no one else reads. */
    private static boolean endsGroup(Node n, Map<Value, List<Node>> readers, Set<Value> isOutput,
                                     List<List<Integer>> group, Map<Node, Integer> index) {
        if (!FusedOps.isFusableReduction(n.op(), n.attrs())) {
            return false;
        }
        Value v = n.inputs().get(0);
        Node p = v.producer();
        return p != null && group.get(index.get(p)) != null && !isOutput.contains(v) && readers.get(v).size() == 1
                && v.dtype().isFloatingPoint() && n.outputs().get(0).dtype() == v.dtype();
    }

    private static boolean fusable(Node n) {
        if (!FusedOps.isFusable(n.op()) || n.template() != null || n.outputs().size() != 1) {
            return false;
        }
        Value out = n.outputs().get(0);
        if (!out.dtype().isFloatingPoint()) {
            return false;
        }
        for (Value v : n.inputs()) {
            if (v.dtype() != out.dtype()) {
                return false;
            }
            if (n.op() == ElementwiseOps.POW && !Arrays.equals(v.dims(), out.dims()) && !isOneElement(v)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isOneElement(Value v) {
        for (Dim d : v.dims()) {
            if (!d.isStatic() || d.example() != 1) {
                return false;
            }
        }
        return true;
    }
}
