package dev.walnut.graph;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.ops.OpDef;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Evaluates nodes whose inputs are all constants once, at compile time, and makes their
 * outputs constants (constants that only folded nodes read disappear). Weights are inputs, not
 * constants, so a module's parameters are never folded (they may change between runs). Nodes
 * whose attributes follow a dynamic dim are left alone, as their outputs are not fixed.
 *
 * <pre>{@code
 * // %c0 = constant(2.0) : f64[]   %0 = exp(%c0) : f64[]   %1 = mul(%x0, %0)
 * new ConstantFolding().apply(g);   // %c0 = constant(7.38905609893065) : f64[]   %0 = mul(%x0, %c0)
 * }</pre>
 */
public final class ConstantFolding implements Pass {
    @Override
    public Graph apply(Graph g) {
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        Map<Value, Tensor> known = new IdentityHashMap<>();
        for (Value c : g.constants()) {
            known.put(c, g.constant(c));
        }
        for (Node n : g.nodes()) {
            Tensor[] args = new Tensor[n.inputs().size()];
            boolean foldable = n.template() == null && args.length > 0;
            for (int i = 0; foldable && i < args.length; i++) {
                args[i] = known.get(n.inputs().get(i));
                foldable = args[i] != null;
            }
            if (!foldable) {
                r.copy(n);
                continue;
            }
            Tensor[] out;
            try (var off = Autograd.noGrad()) {
                out = compute(n.op(), n.attrs(), args);
            }
            for (int i = 0; i < out.length; i++) {
                known.put(n.outputs().get(i), out[i]);
                r.replaceWithConstant(n.outputs().get(i), out[i]);
            }
        }
        return r.finish();
    }

    @SuppressWarnings("unchecked")
    private static <A> Tensor[] compute(OpDef<A> op, Object attrs, Tensor[] args) {
        return op.compute((A) attrs, args);
    }
}
