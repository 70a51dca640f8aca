package dev.walnut;

import static dev.walnut.OpGradCheckTest.gradOfSquaredSum;
import static dev.walnut.OpGradCheckTest.row;
import static dev.walnut.PrimitiveOp.*;

import dev.walnut.OpGradCheckTest.Case;
import dev.walnut.OpGradCheckTest.Domain;
import java.util.ArrayList;
import java.util.List;

/**
 * Float64 gradient-check rows for the shape and content primitives (constant pad, flip,
 * diagonal and its dual diagEmbed, cumsum, cumprod, sort, topk, and the permutation gather
 * behind sort/topk gradients), added to {@link OpGradCheckTest}'s table. Sort and topk inputs
 * are random normals (no ties, where sorting is not differentiable); cumprod has rows with one
 * and with several zeros. The composites (reflect/replicate pad, roll, repeat, tile, tril/triu,
 * einsum) are checked in {@link ShapeContentOpsTest}.
 */
final class ShapeContentOpCases {
    private ShapeContentOpCases() {
    }

    static List<Case> rows() {
        var rows = new ArrayList<Case>();

        // Constant pad: positive, cropping, several dims, non-contiguous, a fill value, 0-d.
        rows.add(row(CONSTANT_PAD, "pad(1, 2) of [3,4]", in -> in[0].pad(1, 2), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(CONSTANT_PAD, "pad(-1, 2, 0, 1) crops and pads", in -> in[0].pad(-1, 2, 0, 1), g -> g.of(Domain.REAL, 3, 5)));
        rows.add(row(CONSTANT_PAD, "pad({1, 0, 2, 1, 1, 1}, 2.5) of [2,3,4]",
                in -> in[0].pad(new long[] {1, 0, 2, 1, 1, 1}, PadMode.CONSTANT, 2.5), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(CONSTANT_PAD, "pad(2, -1) of transposed", in -> in[0].pad(2, -1), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(CONSTANT_PAD, "pad() of 0-d (no pairs)", in -> in[0].pad(), g -> g.of(Domain.REAL)));

        // flip.
        rows.add(row(FLIP, "flip(0) of [3,4]", in -> in[0].flip(0), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(FLIP, "flip(-1, 0) of [2,3,4]", in -> in[0].flip(-1, 0), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(FLIP, "flip(1) of step slice", in -> in[0].flip(1), g -> g.stepSliced(Domain.REAL, 3, 4)));
        rows.add(row(FLIP, "flip(0) of 0-d", in -> in[0].flip(0), g -> g.of(Domain.REAL)));

        // diagonal (a view) and diagEmbed (diag of a vector, and diagonal's backward).
        rows.add(row(DIAGONAL, "diagonal() of [3,4]", in -> in[0].diagonal(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(DIAGONAL, "diagonal(1, -1, -2) of [2,3,4]", in -> in[0].diagonal(1, -1, -2), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(DIAGONAL, "diagonal(-1, 0, 2) of step slice [3,2,4]", in -> in[0].diagonal(-1, 0, 2),
                g -> g.stepSliced(Domain.REAL, 3, 2, 4)));
        rows.add(row(DIAGONAL, "diagonal(2) of transposed", in -> in[0].diagonal(2, 0, 1), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(DIAGONAL, "diag(-1) of [3,3] (2-d)", in -> in[0].diag(-1), g -> g.of(Domain.REAL, 3, 3)));
        rows.add(row(DIAG_EMBED, "diag() of [3]", in -> in[0].diag(), g -> g.of(Domain.REAL, 3)));
        rows.add(row(DIAG_EMBED, "diag(2) of [2]", in -> in[0].diag(2), g -> g.of(Domain.REAL, 2)));
        rows.add(row(DIAG_EMBED, "diag(-1) of step slice [3]", in -> in[0].diag(-1), g -> g.stepSliced(Domain.REAL, 3)));
        rows.add(row(DIAG_EMBED, "gradient of diagonal(1, 0, 1), differentiated",
                in -> gradOfSquaredSum(in[0], x -> x.diagonal(1, 0, 1)), g -> g.of(Domain.REAL, 3, 4)));

        // Scans.
        rows.add(row(CUMSUM, "cumsum(-1) of [3,4]", in -> in[0].cumsum(-1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(CUMSUM, "cumsum(1) of [2,3,4]", in -> in[0].cumsum(1), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(CUMSUM, "cumsum(0) of transposed", in -> in[0].cumsum(0), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(CUMSUM, "cumsum(0) of 0-d", in -> in[0].cumsum(0), g -> g.of(Domain.REAL)));
        rows.add(row(CUMPROD, "cumprod(-1) of [3,4]", in -> in[0].cumprod(-1), g -> g.of(Domain.NONZERO, 3, 4)));
        rows.add(row(CUMPROD, "cumprod(0) of step slice", in -> in[0].cumprod(0), g -> g.stepSliced(Domain.NONZERO, 3, 4)));
        rows.add(row(CUMPROD, "cumprod(-1) with one zero", in -> in[0].cumprod(-1),
                g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.5}, 4)));
        rows.add(row(CUMPROD, "cumprod(-1) with a leading zero", in -> in[0].cumprod(-1),
                g -> g.exact(new double[] {0.0, 1.5, -2.0, 0.5}, 4)));
        rows.add(row(CUMPROD, "cumprod(1) with two zeros in a row and none in another", in -> in[0].cumprod(1),
                g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.0, 0.5, 0.7, -1.25, 2.0, 0.8, 1.1}, 2, 5)));
        rows.add(row(CUMPROD, "cumprod(0) of 0-d", in -> in[0].cumprod(0), g -> g.of(Domain.NONZERO)));

        // Sorting.
        rows.add(row(SORT, "sort(-1).values of [3,5]", in -> in[0].sort(-1, false).values(), g -> g.of(Domain.REAL, 3, 5)));
        rows.add(row(SORT, "sort(0, descending).values of transposed", in -> in[0].sort(0, true).values(),
                g -> g.transposed(Domain.REAL, 4, 3)));
        rows.add(row(SORT, "sort(1).values of [2,4,3]", in -> in[0].sort(1, false).values(), g -> g.of(Domain.REAL, 2, 4, 3)));
        rows.add(row(SORT, "sort().values of 0-d", in -> in[0].sort().values(), g -> g.of(Domain.REAL)));
        rows.add(row(TOPK, "topk(2).values of [3,5]", in -> in[0].topk(2).values(), g -> g.of(Domain.REAL, 3, 5)));
        rows.add(row(TOPK, "topk(3, 0, smallest).values of transposed", in -> in[0].topk(3, 0, false, true).values(),
                g -> g.transposed(Domain.REAL, 4, 3)));
        rows.add(row(TOPK, "topk(4, -2) (k = size) of [2,4,3]", in -> in[0].topk(4, -2, true, false).values(),
                g -> g.of(Domain.REAL, 2, 4, 3)));
        rows.add(row(TOPK, "topk(1).values of step slice", in -> in[0].topk(1, 1, true, true).values(),
                g -> g.stepSliced(Domain.REAL, 3, 4)));
        rows.add(row(PERMUTE_ALONG_DIM, "gradient of sort(-1).values, differentiated",
                in -> gradOfSquaredSum(in[0], x -> x.sort(-1, false).values()), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(TOPK, "gradient of topk(2, 0).values (a scatter), differentiated",
                in -> gradOfSquaredSum(in[0], x -> x.topk(2, 0, true, true).values()), g -> g.transposed(Domain.REAL, 4, 3)));
        return rows;
    }
}
