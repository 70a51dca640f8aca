package dev.walnut;

import static dev.walnut.OpGradCheckTest.row;
import static dev.walnut.OpGradCheckTest.unaryRows;
import static dev.walnut.PrimitiveOp.*;

import dev.walnut.OpGradCheckTest.Case;
import dev.walnut.OpGradCheckTest.Domain;
import java.util.ArrayList;
import java.util.List;

/**
 * Float64 gradient-check rows for the elementwise primitives added for the activation functions
 * ({@code erf}, {@code log1p}, {@code expm1}), added to {@link OpGradCheckTest}'s table.
 */
final class ActivationOpCases {
    private ActivationOpCases() {
    }

    static List<Case> rows() {
        var rows = new ArrayList<Case>();
        rows.addAll(unaryRows(ERF, "erf", Domain.REAL, Tensor::erf));
        rows.add(row(ERF, "erf of large |x| (gradient underflows to 0)", in -> in[0].erf(),
                g -> g.exact(new double[] {-7.0, -3.0, 3.5, 30.0}, 4)));
        rows.addAll(unaryRows(LOG1P, "log1p", Domain.POSITIVE, Tensor::log1p));
        rows.add(row(LOG1P, "log1p near -1 and 0", in -> in[0].log1p(), g -> g.exact(new double[] {-0.9, -1e-3, 1e-8, 3.0}, 4)));
        rows.addAll(unaryRows(EXPM1, "expm1", Domain.REAL, Tensor::expm1));
        return rows;
    }
}
