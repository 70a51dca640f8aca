package dev.walnut.graph;

import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.ShapeContentOps;
import dev.walnut.ops.WindowOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Convolution fusion: a {@code convolution} (the valid stride-1 primitive, bias included), a
 * {@code stridedConvolution} or a {@code depthwiseConv2d}, with what surrounds it in an imported CNN, becomes one
 * {@code fusedConv2d} node ({@link FusedOps#CONV2D}) whose kernel does that work while the data
 * is in cache:
 * <ul>
 *   <li>a zero {@code constantPad} of the last two dims before a dense convolution (how a
 *       padded one is traced: ResNet's 3x3 layers) becomes the fused node's
 *       {@code pad}, laid out by the kernel in the copy it makes of its input anyway;</li>
 *   <li>an {@code add} of the convolution's output and another value of its shape and dtype
 *       (the residual of a ResNet basic block or a MobileNet v2 block) becomes its residual
 *       input, added as each output plane is stored;</li>
 *   <li>a chain of {@code relu} and {@code clamp} nodes after it (after the residual add, if
 *       any) becomes its activation: MobileNet's ReLU6 (ONNX {@code Clip(0, 6)}, imported as two
 *       clamps) and ResNet's ReLUs stop being passes over the whole activation. A chain of clamps
 *       is one clamp to the intersection of their ranges (ReLU is {@code clamp(0, inf)}).</li>
 * </ul>
 * An add or a link of the chain joins only when the value before it has no other reader and is
 * not a graph output, and a link only when the ranges meet (else the chain ends there); a pad
 * (or a row of pads, which add up) is folded whatever else reads it (it stays for them). The fused node gives the same bits: the
 * padding is the same zeros, the residual sum is the one {@code add} rounds, and the kernels
 * apply {@code min(max(v, lo), hi)} as the clamp and ReLU kernels do.
 *
 * <p>The batch norm of an exported model is already folded into the convolution's weight and
 * bias by PyTorch's ONNX export (eval mode), so the bias is the convolution's own input here.
 *
 * <pre>{@code
 * // %1 = depthwiseConv2d(%x, %w, %b)  %2 = clamp(%1) {min=0, max=Infinity}  %3 = clamp(%2) {min=-Infinity, max=6}
 * // %4 = constantPad(%y) {pad=[1, 1, 1, 1]}  %5 = convolution(%4, %v, %c)  %6 = add(%5, %r)  %7 = relu(%6)
 * new ConvolutionFusion().apply(g);
 * // %3 = fusedConv2d(%x, %w, %b) {depthwise={...}, min=0.0, max=6.0, pad=null, residual=false}
 * // %7 = fusedConv2d(%y, %v, %c, %r) {depthwise=null, min=0.0, max=Infinity, pad=[1, 1, 1, 1], residual=true}
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
            if (conv.op() != WindowOps.CONVOLUTION && conv.op() != WindowOps.STRIDED_CONVOLUTION
                    && conv.op() != WindowOps.DEPTHWISE_CONV2D
                    || conv.template() != null || !conv.outputs().get(0).dtype().isFloatingPoint()) {
                continue;
            }
            boolean dense = conv.op() != WindowOps.DEPTHWISE_CONV2D;
            Value out = conv.outputs().get(0);
            List<Value> inputs = new ArrayList<>(conv.inputs());
            // Pads in a row (an asymmetric "same" padding, then the symmetric one) add up.
            long[] planePad = null;
            List<Node> pads = new ArrayList<>();
            for (Node pad = dense ? zeroPlanePad(inputs.get(0).producer()) : null; pad != null;
                 pad = zeroPlanePad(inputs.get(0).producer())) {
                long[] p = Arrays.copyOf(((ShapeContentOps.Pad) pad.attrs()).pad(), 4);
                for (int i = 0; i < 4; i++) {
                    p[i] += planePad == null ? 0 : planePad[i];
                }
                planePad = p;
                pads.add(pad);
                inputs.set(0, pad.inputs().get(0));
            }
            Node end = conv;
            Node add = dense ? Graph.soleReader(out, readers, outputs) : null;
            if (add != null && (absorbed.containsKey(add) || ends.containsKey(add))) {
                // The add of two convolutions' outputs (ResNet's conv2 and its strided downsample)
                // is the residual of the first one seen; the other stays as it is.
                add = null;
            }
            Value residual = add == null ? null : residual(add, out);
            if (residual != null) {
                inputs.add(residual);
                absorbed.put(conv, true);
                end = add;
            }
            double lo = Double.NEGATIVE_INFINITY;
            double hi = Double.POSITIVE_INFINITY;
            for (Node act = Graph.soleReader(end.outputs().get(0), readers, outputs); act != null;
                 act = Graph.soleReader(end.outputs().get(0), readers, outputs)) {
                double[] range = range(act);
                if (range == null || Math.max(lo, range[0]) > Math.min(hi, range[1])
                        || act.outputs().get(0).dtype() != out.dtype()) {
                    break;
                }
                lo = Math.max(lo, range[0]);
                hi = Math.min(hi, range[1]);
                absorbed.put(end, true);
                end = act;
            }
            if (end != conv || planePad != null) {
                // A pad read only by the next node of the row goes; one read elsewhere stays for
                // its readers, and so do the pads before it.
                Node reader = conv;
                for (Node pad : pads) {
                    if (Graph.soleReader(pad.outputs().get(0), readers, outputs) != reader) {
                        break;
                    }
                    absorbed.put(pad, true);
                    reader = pad;
                }
                var window = dense ? null : (WindowOps.DepthwiseWindow) conv.attrs();
                int[] stride = conv.op() == WindowOps.STRIDED_CONVOLUTION
                        ? new int[] {((WindowOps.Stride) conv.attrs()).height(), ((WindowOps.Stride) conv.attrs()).width()}
                        : null;
                ends.put(end, new Object[] {new FusedOps.Conv2d(window, lo, hi, planePad, residual != null, stride),
                        inputs.toArray(new Value[0])});
            }
        }
        if (ends.isEmpty()) {
            return g;
        }
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        for (Node n : g.nodes()) {
            Object[] fused = ends.get(n);
            if (fused != null) {
                r.emit(n, FusedOps.CONV2D, fused[0], null, r.get((Value[]) fused[1]));
            } else if (!absorbed.containsKey(n)) {
                r.copy(n);
            }
        }
        return r.finish();
    }

    /**
     * {@code n} when it is a {@code constantPad} with the value +0.0 of the last two dims of a
     * 4-d float tensor, by non-negative amounts (a crop is not a padding), else null.
     */
    private static Node zeroPlanePad(Node n) {
        if (n == null || n.op() != ShapeContentOps.PAD || n.template() != null
                || n.inputs().get(0).shape().size() != 4) {
            return null;
        }
        var a = (ShapeContentOps.Pad) n.attrs();
        long[] pad = a.pad();
        // +0.0 only: a -0.0 fill can change the sign of a zero output.
        if (Double.doubleToRawLongBits(a.value()) != 0 || pad.length > 8) {
            return null;
        }
        for (int i = 0; i < pad.length; i++) {
            if (pad[i] < 0 || i >= 4 && pad[i] != 0) {
                return null;
            }
        }
        return n;
    }

    /** The other operand of {@code add} when it is a residual of {@code out}: same shape and dtype, not {@code out}. */
    private static Value residual(Node add, Value out) {
        if (add.op() != ElementwiseOps.ADD || add.template() != null || add.inputs().size() != 2) {
            return null;
        }
        Value other = add.inputs().get(0) == out ? add.inputs().get(1) : add.inputs().get(0);
        boolean same = other != out && other.dtype() == out.dtype() && other.shape().equals(out.shape())
                && add.outputs().get(0).dtype() == out.dtype();
        return same ? other : null;
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
