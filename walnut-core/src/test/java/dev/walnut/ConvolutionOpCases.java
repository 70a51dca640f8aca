package dev.walnut;

import static dev.walnut.OpGradCheckTest.gradOfSquaredSum;
import static dev.walnut.OpGradCheckTest.row;
import static dev.walnut.PrimitiveOp.*;

import dev.walnut.OpGradCheckTest.Case;
import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.functional.Convolution;
import dev.walnut.nn.functional.Pooling;
import dev.walnut.ops.NoAttrs;
import dev.walnut.ops.WindowOps;
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
        // The strided primitive (the caller pads): strides equal and not, 1x1, second order.
        rows.add(row(STRIDED_CONVOLUTION, "strided convolution, 3 -> 4 channels, k3, stride 2, bias",
                in -> Dispatcher.call(WindowOps.STRIDED_CONVOLUTION, new WindowOps.Stride(2, 2), in),
                g -> g.of(Domain.REAL, 2, 3, 7, 6), g -> g.of(Domain.REAL, 4, 3, 3, 3), g -> g.of(Domain.REAL, 4)));
        rows.add(row(STRIDED_CONVOLUTION, "strided 1x1 convolution, stride [2,3], of a transposed input, no bias",
                in -> Dispatcher.call(WindowOps.STRIDED_CONVOLUTION, new WindowOps.Stride(2, 3), in[0].reshape(1, 2, 5, 7),
                        in[1]), g -> g.transposed(Domain.REAL, 7, 10), g -> g.of(Domain.REAL, 3, 2, 1, 1)));
        rows.add(row(STRIDED_CONVOLUTION, "gradient of a strided convolution w.r.t. input and weight, differentiated",
                in -> gradOfSquaredSum(in[0], x -> Dispatcher.call(WindowOps.STRIDED_CONVOLUTION, new WindowOps.Stride(2, 1),
                        x, in[1])), g -> g.of(Domain.REAL, 1, 2, 5, 4), g -> g.of(Domain.REAL, 3, 2, 2, 2)));
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
        // The convolution's adjoints, each differentiated w.r.t. both of its inputs, called
        // directly and reached through create-graph.
        rows.add(row(CONVOLUTION_INPUT_GRAD, "convolution input gradient, shifted GEMMs, 3 -> 2 channels, k[2,3]",
                in -> Dispatcher.call(WindowOps.CONVOLUTION_INPUT_GRAD, new WindowOps.Plane(5, 6), in[0], in[1]),
                g -> g.of(Domain.REAL, 2, 2, 4, 4), g -> g.of(Domain.REAL, 2, 3, 2, 3)));
        rows.add(row(CONVOLUTION_INPUT_GRAD, "convolution input gradient, 1 -> 6 channels, of a transposed gradient",
                in -> Dispatcher.call(WindowOps.CONVOLUTION_INPUT_GRAD, new WindowOps.Plane(5, 4), in[0].reshape(1, 6, 4, 3),
                        in[1]), g -> g.transposed(Domain.REAL, 12, 6), g -> g.of(Domain.REAL, 6, 1, 2, 2)));
        rows.add(row(CONVOLUTION_WEIGHT_GRAD, "convolution weight gradient, shifted GEMMs, 3 -> 2 channels, k2",
                in -> Dispatcher.call(WindowOps.CONVOLUTION_WEIGHT_GRAD, new WindowOps.Plane(2, 2), in[0], in[1]),
                g -> g.of(Domain.REAL, 2, 3, 4, 5), g -> g.of(Domain.REAL, 2, 2, 3, 4)));
        rows.add(row(CONVOLUTION_WEIGHT_GRAD, "convolution weight gradient, direct, 1 -> 7 channels, k[2,3]",
                in -> Dispatcher.call(WindowOps.CONVOLUTION_WEIGHT_GRAD, new WindowOps.Plane(2, 3), in[0], in[1]),
                g -> g.of(Domain.REAL, 2, 1, 4, 5), g -> g.of(Domain.REAL, 2, 7, 3, 3)));
        rows.add(row(CONVOLUTION_WEIGHT_GRAD, "gradient of conv2d w.r.t. its weight, differentiated",
                in -> gradOfSquaredSum(in[0], w -> Convolution.conv2d(DIRECT_WEIGHT.reshape(1, 1, 5, 4), w, null)),
                g -> g.of(Domain.REAL, 3, 1, 2, 2)));
        rows.add(row(CONVOLUTION_BIAS_GRAD, "convolution bias gradient of [2,3,4,5]",
                in -> Dispatcher.call(WindowOps.CONVOLUTION_BIAS_GRAD, NoAttrs.NONE, in[0]), g -> g.of(Domain.REAL, 2, 3, 4, 5)));
        rows.add(row(CONVOLUTION_BIAS_GRAD, "gradient of conv2d w.r.t. its bias, differentiated",
                in -> gradOfSquaredSum(in[0], b -> Convolution.conv2d(DIRECT_WEIGHT.reshape(1, 1, 5, 4), DIRECT_WEIGHT, b)),
                g -> g.of(Domain.REAL, 5)));
        rows.add(row(MAX_POOL2D_BACKWARD, "max pooling's adjoint at fixed indices",
                in -> Dispatcher.call(WindowOps.MAX_POOL2D_BACKWARD, new WindowOps.Plane(4, 4), in[0], POOL_INDICES),
                g -> g.of(Domain.REAL, 1, 2, 2, 2)));
        rows.add(row(MAX_POOL2D_BACKWARD, "gradient of maxPool2d k2, differentiated",
                in -> gradOfSquaredSum(in[0], x -> Pooling.maxPool2d(x, 2)), g -> g.of(Domain.REAL, 2, 2, 4, 6)));
        return rows;
    }

    /** Argmax indices of 2x2 windows over a 4x4 plane, two channels (each in its own window). */
    private static final Tensor POOL_INDICES = Tensor.fromArray(new long[] {5, 2, 12, 15, 0, 7, 9, 10}, 1, 2, 2, 2);

    private static final Tensor DIRECT_WEIGHT = Tensor.fromArray(
            new double[] {0.5, -1, 0.25, 2, -0.75, 1.5, 1, 0.5, -0.5, 0.25, -2, 1, 1.25, 0.75, -1.5, 0.5, 2, -0.25, 1, -1},
            5, 1, 2, 2);
}
