package dev.walnut;

import static dev.walnut.OpGradCheckTest.row;
import static dev.walnut.PrimitiveOp.FUSED_ATTENTION;
import static dev.walnut.PrimitiveOp.FUSED_CONV2D;
import static dev.walnut.PrimitiveOp.FUSED_ELEMENTWISE;
import static dev.walnut.PrimitiveOp.FUSED_LAYER_NORM;
import static dev.walnut.PrimitiveOp.FUSED_LINEAR;
import static dev.walnut.PrimitiveOp.FUSED_MAX_POOL2D_VALUES;

import dev.walnut.OpGradCheckTest.Case;
import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.WindowOps;
import java.util.ArrayList;
import java.util.List;

/**
 * Float64 gradient-check rows for the graph compiler's fused ops ({@link FusedOps}), added to
 * {@link OpGradCheckTest}'s table: a fused elementwise tree with a broadcast row and a 0-d
 * input, the fused linear layer with and without bias and ReLU (and of an ONNX [k, n] weight on
 * a 3-d input), the fused layer norm (residual and affine, or neither), fused attention, the
 * fused convolution (dense
 * with bias and ReLU, depthwise strided with a two-sided clamp, a 1x1 with ReLU6), and max
 * pooling without indices (overlapping padded windows).
 */
final class FusedOpCases {
    private FusedOpCases() {
    }

    private static final FusedOps.Elementwise TREE = new FusedOps.Elementwise(
            "mul(x0, x1); tanh(t0); sub(t1, x2); mulScalar(t2, 0.5); add(t3, x0); sigmoid(t4)");

    static List<Case> rows() {
        var rows = new ArrayList<Case>();
        rows.add(row(FUSED_ELEMENTWISE, "fused elementwise tree (broadcast row, 0-d input)",
                in -> Dispatcher.call(FusedOps.ELEMENTWISE, TREE, in), g -> g.of(Domain.REAL, 2, 3),
                g -> g.of(Domain.REAL, 3), g -> g.of(Domain.REAL)));
        rows.add(row(FUSED_LINEAR, "fused linear + bias + relu",
                in -> Dispatcher.call(FusedOps.LINEAR, new FusedOps.Linear("relu"), in), g -> g.of(Domain.NONZERO, 4, 3),
                g -> g.of(Domain.REAL, 5, 3), g -> g.of(Domain.REAL, 5)));
        rows.add(row(FUSED_LINEAR, "fused linear without bias",
                in -> Dispatcher.call(FusedOps.LINEAR, new FusedOps.Linear("none"), in), g -> g.of(Domain.REAL, 2, 3),
                g -> g.of(Domain.REAL, 4, 3)));
        rows.add(row(FUSED_CONV2D, "fused convolution + bias + relu",
                in -> Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(null, 0, Double.POSITIVE_INFINITY), in),
                g -> g.of(Domain.REAL, 2, 2, 5, 4), g -> g.of(Domain.REAL, 3, 2, 3, 2), g -> g.of(Domain.REAL, 3)));
        rows.add(row(FUSED_CONV2D, "fused 1x1 convolution + relu6, no bias",
                in -> Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(null, 0, 6), in),
                g -> g.of(Domain.REAL, 2, 3, 3, 3), g -> g.of(Domain.REAL, 4, 3, 1, 1)));
        rows.add(row(FUSED_CONV2D, "fused depthwise convolution, stride 2, clamp [-0.5, 0.5]",
                in -> Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(new WindowOps.DepthwiseWindow(2, 2, 1, 1, 1, 1),
                        -0.5, 0.5), in),
                g -> g.of(Domain.REAL, 2, 2, 5, 6), g -> g.of(Domain.REAL, 2, 1, 3, 3), g -> g.of(Domain.REAL, 2)));
        rows.add(row(FUSED_CONV2D, "fused convolution, asymmetric pad, bias, residual + relu",
                in -> Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(null, 0, Double.POSITIVE_INFINITY,
                        new long[] {1, 0, 2, 1}, true), in),
                g -> g.of(Domain.REAL, 2, 2, 5, 4), g -> g.of(Domain.REAL, 3, 2, 3, 2), g -> g.of(Domain.REAL, 3),
                g -> g.of(Domain.REAL, 2, 3, 6, 4)));
        rows.add(row(FUSED_CONV2D, "fused strided convolution, stride 2, asymmetric pad, bias, residual + relu",
                in -> Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(null, 0, Double.POSITIVE_INFINITY,
                        new long[] {1, 0, 2, 1}, true, new int[] {2, 2}), in),
                g -> g.of(Domain.REAL, 2, 2, 5, 4), g -> g.of(Domain.REAL, 3, 2, 3, 2), g -> g.of(Domain.REAL, 3),
                g -> g.of(Domain.REAL, 2, 3, 3, 2)));
        rows.add(row(FUSED_CONV2D, "fused 1x1 convolution + residual, no bias, no activation",
                in -> Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(null, Double.NEGATIVE_INFINITY,
                        Double.POSITIVE_INFINITY, null, true), in),
                g -> g.of(Domain.REAL, 2, 3, 3, 3), g -> g.of(Domain.REAL, 4, 3, 1, 1), g -> g.of(Domain.REAL, 2, 4, 3, 3)));
        rows.add(row(FUSED_MAX_POOL2D_VALUES, "max pooling values, k3 stride 2 padding 1",
                in -> Dispatcher.call(FusedOps.MAX_POOL2D_VALUES, new WindowOps.Pool(new int[] {3, 3, 2, 2, 1, 1, 1, 1}, 3, 3,
                        null), in), g -> g.of(Domain.REAL, 2, 2, 5, 6)));
        rows.add(row(FUSED_LINEAR, "fused linear of a [k, n] weight on 3-d x + bias + relu",
                in -> Dispatcher.call(FusedOps.LINEAR, new FusedOps.Linear("relu", true), in),
                g -> g.of(Domain.NONZERO, 2, 4, 3), g -> g.of(Domain.REAL, 3, 5), g -> g.of(Domain.REAL, 5)));
        rows.add(row(FUSED_LAYER_NORM, "fused layer norm of a residual sum, weight and bias",
                in -> Dispatcher.call(FusedOps.LAYER_NORM, new FusedOps.LayerNorm(1e-5, true, true, true), in),
                g -> g.of(Domain.REAL, 2, 3, 4), g -> g.of(Domain.REAL, 2, 3, 4), g -> g.of(Domain.REAL, 4),
                g -> g.of(Domain.REAL, 4)));
        rows.add(row(FUSED_LAYER_NORM, "fused layer norm without affine",
                in -> Dispatcher.call(FusedOps.LAYER_NORM, new FusedOps.LayerNorm(1e-3, false, false, false), in),
                g -> g.of(Domain.REAL, 3, 5)));
        rows.add(row(FUSED_ATTENTION, "fused scaled dot-product attention",
                in -> Dispatcher.call(FusedOps.ATTENTION, new FusedOps.Attention(0.5), in), g -> g.of(Domain.REAL, 2, 3, 4),
                g -> g.of(Domain.REAL, 2, 5, 4), g -> g.of(Domain.REAL, 2, 5, 3)));
        rows.add(row(FUSED_ATTENTION, "fused attention, heads-last [B, L, H, d]",
                in -> Dispatcher.call(FusedOps.ATTENTION, new FusedOps.Attention(0.5, true), in),
                g -> g.of(Domain.REAL, 2, 3, 2, 4), g -> g.of(Domain.REAL, 2, 5, 2, 4), g -> g.of(Domain.REAL, 2, 5, 2, 3)));
        return rows;
    }
}
