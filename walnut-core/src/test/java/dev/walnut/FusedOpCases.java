package dev.walnut;

import static dev.walnut.OpGradCheckTest.row;
import static dev.walnut.PrimitiveOp.FUSED_ELEMENTWISE;
import static dev.walnut.PrimitiveOp.FUSED_ATTENTION;
import static dev.walnut.PrimitiveOp.FUSED_LAYER_NORM;
import static dev.walnut.PrimitiveOp.FUSED_LINEAR;

import dev.walnut.OpGradCheckTest.Case;
import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.FusedOps;
import java.util.ArrayList;
import java.util.List;

/**
 * Float64 gradient-check rows for the graph compiler's fused ops ({@link FusedOps}), added to
 * {@link OpGradCheckTest}'s table: a fused elementwise tree with a broadcast row and a 0-d
 * input, and the fused linear layer with and without bias and ReLU.
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
        return rows;
    }
}
