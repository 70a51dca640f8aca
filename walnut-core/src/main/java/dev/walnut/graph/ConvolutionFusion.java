package dev.walnut.graph;

import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.WindowOps;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Convolution epilogue fusion: a {@code convolution} (the valid stride-1 primitive, bias
 * included) or a {@code depthwiseConv2d} followed by a chain of {@code relu} and {@code clamp}
 * nodes becomes one {@code fusedConv2d} node ({@link FusedOps#CONV2D}) whose kernel clamps each
 * output plane as it stores it, while it is in cache: MobileNet's ReLU6 (ONNX {@code Clip(0, 6)},
 * imported as two clamps) and ResNet's ReLUs stop being passes over the whole activation. A chain
 * of clamps is one clamp to the intersection of their ranges (ReLU is {@code clamp(0, inf)});
 * a link joins only when the value before it has no other reader and is not a graph output, and
 * when the ranges meet (else the chain ends there). The fused node gives the same bits: the
 * kernels apply {@code min(max(v, lo), hi)}, as the clamp and ReLU kernels do.
 *
 * <p>The batch norm of an exported model is already folded into the convolution's weight and
 * bias by PyTorch's ONNX export (eval mode), so the bias is the convolution's own input here.
 *
 * <pre>{@code
 * // %1 = depthwiseConv2d(%x, %w, %b)  %2 = clamp(%1) {min=0, max=Infinity}  %3 = clamp(%2) {min=-Infinity, max=6}
 * new ConvolutionFusion().apply(g);
 * // %3 = fusedConv2d(%x, %w, %b) {depthwise={...}, min=0.0, max=6.0}
 * }</pre>
 */
public final class ConvolutionFusion implements Pass {
    @Override
    public Graph apply(Graph g) {
        Map<Value, List<Node>> readers = g.readers();
        Set<Value> outputs = g.outputSet();
        // The node each fused chain ends at, with the fused node's attributes and inputs.
        Map<Node, Object[]> ends = new IdentityHashMap<>();
        Map<Node, Boolean> absorbed = new IdentityHashMap<>();
        for (Node conv : g.nodes()) {
            if (conv.op() != WindowOps.CONVOLUTION && conv.op() != WindowOps.DEPTHWISE_CONV2D
                    || conv.template() != null || !conv.outputs().get(0).dtype().isFloatingPoint()) {
                continue;
            }
            double lo = Double.NEGATIVE_INFINITY;
            double hi = Double.POSITIVE_INFINITY;
            Node end = conv;
            for (Node act = Graph.soleReader(conv.outputs().get(0), readers, outputs); act != null;
                 act = Graph.soleReader(end.outputs().get(0), readers, outputs)) {
                double[] range = range(act);
                if (range == null || Math.max(lo, range[0]) > Math.min(hi, range[1])
                        || act.outputs().get(0).dtype() != conv.outputs().get(0).dtype()) {
                    break;
                }
                lo = Math.max(lo, range[0]);
                hi = Math.min(hi, range[1]);
                absorbed.put(end, true);
                end = act;
            }
            if (end != conv) {
                var window = conv.op() == WindowOps.DEPTHWISE_CONV2D ? (WindowOps.DepthwiseWindow) conv.attrs() : null;
                ends.put(end, new Object[] {new FusedOps.Conv2d(window, lo, hi), conv.inputs().toArray(new Value[0])});
            }
        }
        if (ends.isEmpty()) {
            return g;
        }
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (Node n : g.nodes()) {
            Object[] fused = ends.get(n);
            if (fused != null) {
                Value[] in = (Value[]) fused[1];
                Value[] mapped = new Value[in.length];
                for (int i = 0; i < in.length; i++) {
                    mapped[i] = r.get(in[i]);
                }
                r.emit(n, FusedOps.CONV2D, fused[0], null, mapped);
            } else if (!absorbed.containsKey(n)) {
                r.copy(n);
            }
        }
        return r.finish();
    }

    /** The {@code [min, max]} of a ReLU or a static float clamp, else null. */
    private static double[] range(Node n) {
        if (n.template() != null) {
            return null;
        }
        if (n.op() == ElementwiseOps.RELU) {
            return new double[] {0, Double.POSITIVE_INFINITY};
        }
        if (n.op() == ElementwiseOps.CLAMP) {
            var c = (ElementwiseOps.Clamp) n.attrs();
            return new double[] {c.min(), c.max()};
        }
        return null;
    }
}
