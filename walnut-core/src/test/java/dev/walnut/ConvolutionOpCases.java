package dev.walnut;

import static dev.walnut.OpGradCheckTest.gradOfSquaredSum;
import static dev.walnut.OpGradCheckTest.row;
import static dev.walnut.PrimitiveOp.*;

import dev.walnut.OpGradCheckTest.Case;
import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.nn.functional.Convolution;
import java.util.ArrayList;
import java.util.List;

/**
 * Float64 gradient-check rows for the sliding-window primitives (im2col = {@code unfold}, col2im
 * = {@code fold}), added to {@link OpGradCheckTest}'s table: 1-, 2- and 3-d windows, padding,
 * stride, dilation, non-contiguous and unbatched inputs, and each primitive's gradient rule
 * differentiated again (the other primitive).
 */
final class ConvolutionOpCases {
    private ConvolutionOpCases() {
    }

    private static int[] ints(int... v) {
        return v;
    }

    static List<Case> rows() {
        var rows = new ArrayList<Case>();
        rows.add(row(IM2COL, "unfold 2-d k[2,3] dilation[1,2] padding 1 stride 2 of [2,3,5,6]",
                in -> Convolution.unfold(in[0], ints(2, 3), ints(1, 2), ints(1), ints(2)), g -> g.of(Domain.REAL, 2, 3, 5, 6)));
        rows.add(row(IM2COL, "unfold 2-d k3 padding 1 (overlapping windows)", in -> Convolution.unfold(in[0], 3, 1, 1, 1),
                g -> g.of(Domain.REAL, 1, 2, 4, 4)));
        rows.add(row(IM2COL, "unfold 1-d k3 dilation 2 padding 1 stride 2", in -> Convolution.unfold(in[0], ints(3), ints(2), ints(1), ints(2)),
                g -> g.of(Domain.REAL, 2, 2, 9)));
        rows.add(row(IM2COL, "unfold 3-d k2 padding [0,1,0]", in -> Convolution.unfold(in[0], ints(2, 2, 2), ints(1), ints(0, 1, 0), ints(1)),
                g -> g.of(Domain.REAL, 1, 2, 3, 3, 3)));
        rows.add(row(IM2COL, "unfold of a transposed (non-contiguous) [3,4] plane",
                in -> Convolution.unfold(in[0].reshape(1, 1, 3, 4), ints(2, 2)), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(IM2COL, "unfold of unbatched [2,4,5]", in -> Convolution.unfold(in[0], 2, 1, 0, 1), g -> g.of(Domain.REAL, 2, 4, 5)));
        rows.add(row(COL2IM, "fold 2-d to [4,5] k2 (overlaps add)", in -> Convolution.fold(in[0], ints(4, 5), 2, 1, 0, 1),
                g -> g.of(Domain.REAL, 2, 12, 12)));
        rows.add(row(COL2IM, "fold 1-d to 7 k3 padding 1 stride 2", in -> Convolution.fold(in[0], ints(7), ints(3), ints(1), ints(1), ints(2)),
                g -> g.of(Domain.REAL, 1, 6, 4)));
        rows.add(row(COL2IM, "fold 2-d dilation 2 of a transposed input",
                in -> Convolution.fold(in[0].reshape(1, 4, 10), ints(4, 5), ints(2, 1), ints(2, 1), ints(0), ints(1)),
                g -> g.transposed(Domain.REAL, 4, 10)));
        rows.add(row(COL2IM, "fold 3-d to [3,3,2] k[2,2,1]", in -> Convolution.fold(in[0], ints(3, 3, 2), ints(2, 2, 1), ints(1), ints(0), ints(1)),
                g -> g.of(Domain.REAL, 1, 8, 8)));
        rows.add(row(COL2IM, "gradient of unfold (a fold), differentiated",
                in -> gradOfSquaredSum(in[0], x -> Convolution.unfold(x, 2, 1, 1, 2)), g -> g.of(Domain.REAL, 1, 2, 4, 5)));
        rows.add(row(IM2COL, "gradient of fold (an unfold), differentiated",
                in -> gradOfSquaredSum(in[0], x -> Convolution.fold(x, ints(3, 4), 2, 1, 0, 1)), g -> g.of(Domain.REAL, 1, 8, 6)));
        // The direct convolution primitive (small C_in * kH * kW, below C_out): input, weight and bias.
        rows.add(row(CONVOLUTION, "conv2d direct, 1 -> 7 channels, k[2,3], padding [1,0], bias",
                in -> Convolution.conv2d(in[0], in[1], in[2], ints(1), ints(1, 0), ints(1), 1),
                g -> g.of(Domain.REAL, 2, 1, 4, 5), g -> g.of(Domain.REAL, 7, 1, 2, 3), g -> g.of(Domain.REAL, 7)));
        rows.add(row(CONVOLUTION, "conv2d direct of a transposed plane, 2 -> 9 channels, no bias",
                in -> Convolution.conv2d(in[0].reshape(1, 2, 3, 4), in[1], null),
                g -> g.transposed(Domain.REAL, 4, 6), g -> g.of(Domain.REAL, 9, 2, 2, 2)));
        rows.add(row(CONVOLUTION, "conv2d shifted GEMMs, 3 -> 2 channels, k2, padding 1, bias",
                in -> Convolution.conv2d(in[0], in[1], in[2], 1, 1, 1, 1),
                g -> g.of(Domain.REAL, 2, 3, 3, 4), g -> g.of(Domain.REAL, 2, 3, 2, 2), g -> g.of(Domain.REAL, 2)));
        rows.add(row(CONVOLUTION, "gradient of conv2d direct w.r.t. its input, differentiated",
                in -> gradOfSquaredSum(in[0], x -> Convolution.conv2d(x, DIRECT_WEIGHT, null)),
                g -> g.of(Domain.REAL, 1, 1, 4, 4)));
        // The depthwise primitive (groups == C_in): strides, paddings, dilations, multipliers.
        rows.add(row(CONVOLUTION, "depthwise conv2d, 3 channels, k3, stride 2, padding 1, bias",
                in -> Convolution.conv2d(in[0], in[1], in[2], 2, 1, 1, 3),
                g -> g.of(Domain.REAL, 2, 3, 5, 6), g -> g.of(Domain.REAL, 3, 1, 3, 3), g -> g.of(Domain.REAL, 3)));
        rows.add(row(CONVOLUTION, "depthwise conv2d, multiplier 2, k[2,3], stride [1,2], padding [0,2], dilation [2,1]",
                in -> Convolution.conv2d(in[0], in[1], null, ints(1, 2), ints(0, 2), ints(2, 1), 2),
                g -> g.of(Domain.REAL, 1, 2, 5, 4), g -> g.of(Domain.REAL, 4, 1, 2, 3)));
        rows.add(row(CONVOLUTION, "depthwise conv2d of a transposed (non-contiguous) input",
                in -> Convolution.conv2d(in[0].reshape(1, 2, 3, 4), in[1], null, 1, 1, 1, 2),
                g -> g.transposed(Domain.REAL, 4, 6), g -> g.of(Domain.REAL, 2, 1, 2, 2)));
        rows.add(row(CONVOLUTION, "gradient of depthwise conv2d w.r.t. input and weight, differentiated",
                in -> gradOfSquaredSum(in[0], x -> Convolution.conv2d(x, in[1], null, 2, 1, 1, 2)),
                g -> g.of(Domain.REAL, 1, 2, 4, 5), g -> g.of(Domain.REAL, 2, 1, 3, 2)));
        return rows;
    }

    private static final Tensor DIRECT_WEIGHT = Tensor.fromArray(
            new double[] {0.5, -1, 0.25, 2, -0.75, 1.5, 1, 0.5, -0.5, 0.25, -2, 1, 1.25, 0.75, -1.5, 0.5, 2, -0.25, 1, -1},
            5, 1, 2, 2);
}
