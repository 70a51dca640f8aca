package dev.walnut;

import static dev.walnut.OpGradCheckTest.gradOfSquaredSum;
import static dev.walnut.OpGradCheckTest.row;
import static dev.walnut.PrimitiveOp.*;

import dev.walnut.OpGradCheckTest.Case;
import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.nn.functional.Pooling;
import java.util.ArrayList;
import java.util.List;

/**
 * Float64 gradient-check rows for the pooling primitives, added to {@link OpGradCheckTest}'s
 * table: max/avg pooling with padding, stride, dilation, ceilMode, 1-d and unbatched inputs,
 * non-contiguous inputs, adaptive pooling with non-divisible sizes, max unpooling, and the
 * average-pooling adjoints (the gradient of avg pooling, differentiated). Max-pooling inputs are
 * standard normal, so windows have no ties.
 */
final class PoolingOpCases {
    private PoolingOpCases() {
    }

    private static int[] ints(int... v) {
        return v;
    }

    /** Distinct in-plane positions of a 4x4 output, one per element of a [1,2,2,2] input. */
    private static final Tensor UNPOOL_INDICES = Tensor.fromArray(new long[] {0, 3, 9, 14, 5, 2, 12, 15}, 1, 2, 2, 2);

    static List<Case> rows() {
        var rows = new ArrayList<Case>();
        rows.add(row(MAX_POOL2D, "maxPool2d k2 of [2,3,4,6]", in -> Pooling.maxPool2d(in[0], 2),
                g -> g.of(Domain.REAL, 2, 3, 4, 6)));
        rows.add(row(MAX_POOL2D, "maxPool2d k3 stride 2 padding 1 ceilMode (overlapping)",
                in -> Pooling.maxPool2d(in[0], 3, 2, 1, 1, true), g -> g.of(Domain.REAL, 1, 2, 6, 5)));
        rows.add(row(MAX_POOL2D, "maxPool2d k[2,3] dilation 2 of unbatched [2,6,7]",
                in -> Pooling.maxPool2d(in[0], ints(2, 3), ints(1), ints(0), ints(2), false), g -> g.of(Domain.REAL, 2, 6, 7)));
        rows.add(row(MAX_POOL2D, "maxPool2d of a transposed (non-contiguous) [4,6] plane",
                in -> Pooling.maxPool2d(in[0].reshape(1, 1, 4, 6), 2), g -> g.transposed(Domain.REAL, 4, 6)));
        rows.add(row(MAX_POOL2D, "maxPool1d k3 stride 2 padding 1 of [2,2,7]",
                in -> Pooling.maxPool1d(in[0], 3, 2, 1, 1, false), g -> g.of(Domain.REAL, 2, 2, 7)));
        rows.add(row(MAX_POOL2D, "maxPool1d of a step slice", in -> Pooling.maxPool1d(in[0], 2),
                g -> g.stepSliced(Domain.REAL, 2, 6)));
        rows.add(row(AVG_POOL2D, "avgPool2d k3 stride 2 padding 1 countIncludePad",
                in -> Pooling.avgPool2d(in[0], 3, 2, 1, false, true), g -> g.of(Domain.REAL, 2, 2, 5, 6)));
        rows.add(row(AVG_POOL2D, "avgPool2d k3 stride 2 padding 1 ceilMode, excluding padding",
                in -> Pooling.avgPool2d(in[0], 3, 2, 1, true, false), g -> g.of(Domain.REAL, 1, 2, 6, 5)));
        rows.add(row(AVG_POOL2D, "avgPool2d k[2,3] divisorOverride 4 of unbatched [2,4,6]",
                in -> Pooling.avgPool2d(in[0], ints(2, 3), null, ints(0), false, true, 4), g -> g.of(Domain.REAL, 2, 4, 6)));
        rows.add(row(AVG_POOL2D, "avgPool2d of a transposed (non-contiguous) [4,5] plane",
                in -> Pooling.avgPool2d(in[0].reshape(1, 1, 4, 5), 2, 1, 0, false, true), g -> g.transposed(Domain.REAL, 4, 5)));
        rows.add(row(AVG_POOL2D, "avgPool1d k3 stride 2 padding 1 excluding padding",
                in -> Pooling.avgPool1d(in[0], 3, 2, 1, true, false), g -> g.of(Domain.REAL, 2, 2, 8)));
        rows.add(row(AVG_POOL2D_BACKWARD, "gradient of avgPool2d (its adjoint), differentiated",
                in -> gradOfSquaredSum(in[0], x -> Pooling.avgPool2d(x, 3, 2, 1, true, false)), g -> g.of(Domain.REAL, 1, 2, 5, 5)));
        rows.add(row(ADAPTIVE_AVG_POOL2D, "adaptiveAvgPool2d [5,7] -> [3,4] (non-divisible)",
                in -> Pooling.adaptiveAvgPool2d(in[0], 3, 4), g -> g.of(Domain.REAL, 2, 2, 5, 7)));
        rows.add(row(ADAPTIVE_AVG_POOL2D, "adaptiveAvgPool2d upsampling [2,3] -> 4 of unbatched",
                in -> Pooling.adaptiveAvgPool2d(in[0], 4), g -> g.of(Domain.REAL, 2, 2, 3)));
        rows.add(row(ADAPTIVE_AVG_POOL2D, "adaptiveAvgPool1d 5 -> 3 of a step slice",
                in -> Pooling.adaptiveAvgPool1d(in[0], 3), g -> g.stepSliced(Domain.REAL, 2, 5)));
        rows.add(row(ADAPTIVE_AVG_POOL2D_BACKWARD, "gradient of adaptiveAvgPool2d, differentiated",
                in -> gradOfSquaredSum(in[0], x -> Pooling.adaptiveAvgPool2d(x, 2, 3)), g -> g.of(Domain.REAL, 1, 2, 5, 5)));
        rows.add(row(ADAPTIVE_MAX_POOL2D, "adaptiveMaxPool2d [5,7] -> [3,4]",
                in -> Pooling.adaptiveMaxPool2d(in[0], 3, 4), g -> g.of(Domain.REAL, 2, 2, 5, 7)));
        rows.add(row(ADAPTIVE_MAX_POOL2D, "adaptiveMaxPool2d of a transposed [5,4] plane",
                in -> Pooling.adaptiveMaxPool2d(in[0].reshape(1, 5, 4), 2), g -> g.transposed(Domain.REAL, 5, 4)));
        rows.add(row(MAX_UNPOOL2D, "maxUnpool2d k2 of [1,2,2,2] to [4,4]",
                in -> Pooling.maxUnpool2d(in[0], UNPOOL_INDICES, 2, 2, 0), g -> g.of(Domain.REAL, 1, 2, 2, 2)));
        rows.add(row(MAX_UNPOOL2D, "maxUnpool2d of a transposed unbatched [1,2,4] input",
                in -> Pooling.maxUnpool2d(in[0].reshape(1, 2, 4), Tensor.fromArray(new long[] {0, 3, 9, 14, 5, 2, 12, 15}, 1, 2, 4),
                        ints(2), ints(2), ints(0), ints(4, 8)), g -> g.transposed(Domain.REAL, 2, 4)));
        return rows;
    }
}
