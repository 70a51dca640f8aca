package dev.walnut;

import static dev.walnut.OpGradCheckTest.row;
import static dev.walnut.PrimitiveOp.*;

import dev.walnut.OpGradCheckTest.Case;
import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.nn.functional.Sparse;
import java.util.ArrayList;
import java.util.List;

/**
 * Float64 gradient-check rows for the indexing primitives, added to {@link OpGradCheckTest}'s
 * table. Index constants are fixed so each row is reproducible; duplicate indices appear where
 * the op accumulates (gather's, indexSelect's, take's and embedding's backward, scatterAdd,
 * indexAdd). Plain scatter gets unique indices only: with duplicates its result depends on which
 * write wins, so it is not differentiable in src there (PyTorch warns likewise).
 */
final class IndexingOpCases {
    private IndexingOpCases() {
    }

    private static Tensor longs(long[] values, long... shape) {
        return Tensor.fromArray(values, shape);
    }

    /** {@code k % mod} for the row-major position k, as an I64 tensor of {@code shape}. */
    private static Tensor cyclic(long mod, long... shape) {
        long[] v = new long[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int k = 0; k < v.length; k++) {
            v[k] = k % mod;
        }
        return Tensor.fromArray(v, shape);
    }

    static List<Case> rows() {
        var rows = new ArrayList<Case>();

        // indexSelect: duplicates, negative dim, 0-d index, I32 index, non-contiguous input, 0-d input.
        rows.add(row(INDEX_SELECT, "indexSelect(0, [2, 0, 2]) (duplicates)", in -> in[0].indexSelect(0, Tensor.of(2L, 0L, 2L)),
                g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(INDEX_SELECT, "indexSelect(-1, [3, 1]) of transposed", in -> in[0].indexSelect(-1, Tensor.of(3L, 1L)),
                g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(INDEX_SELECT, "indexSelect(1, 0-d index)", in -> in[0].indexSelect(1, Tensor.scalar(2, DType.I64)),
                g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(INDEX_SELECT, "indexSelect(-2, I32 [1, 1, 0]) of step slice",
                in -> in[0].indexSelect(-2, Tensor.fromArray(new int[] {1, 1, 0}, 3)), g -> g.stepSliced(Domain.REAL, 2, 3)));
        rows.add(row(INDEX_SELECT, "indexSelect(0, [0]) of 0-d", in -> in[0].indexSelect(0, Tensor.of(0L)), g -> g.of(Domain.REAL)));

        // gather: same-size index, index smaller than self, duplicates, negative dim, non-contiguous.
        rows.add(row(GATHER, "gather(1, [3,2]) with duplicates",
                in -> in[0].gather(1, longs(new long[] {0, 0, 3, 1, 2, 2}, 3, 2)), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(GATHER, "gather(0, [2,3]) index smaller than self",
                in -> in[0].gather(0, longs(new long[] {2, 0, 1, 1, 1, 0}, 2, 3)), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(GATHER, "gather(-1, [2,3,5]) of [2,3,4] (index longer along dim)",
                in -> in[0].gather(-1, cyclic(4, 2, 3, 5)), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(GATHER, "gather(0) of transposed", in -> in[0].gather(0, longs(new long[] {2, 1, 0, 0, 1, 2, 2, 2}, 2, 4)),
                g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(GATHER, "gather(0) of 0-d with 0-d index", in -> in[0].gather(0, Tensor.scalar(0, DType.I64)),
                g -> g.of(Domain.REAL)));

        // scatter: src and self both get gradients; src larger than index; value form.
        rows.add(row(SCATTER, "scatter(0, [2,4], src [2,4]) (unique per column)",
                in -> in[0].scatter(0, longs(new long[] {0, 2, 1, 0, 2, 1, 0, 1}, 2, 4), in[1]),
                g -> g.of(Domain.REAL, 3, 4), g -> g.of(Domain.REAL, 2, 4)));
        rows.add(row(SCATTER, "scatter(-1) with src [3,5] larger than index [2,2]",
                in -> in[0].scatter(-1, longs(new long[] {3, 0, 1, 2}, 2, 2), in[1]),
                g -> g.of(Domain.REAL, 3, 4), g -> g.of(Domain.REAL, 3, 5)));
        rows.add(row(SCATTER, "scatter(1) of transposed self, step-sliced src",
                in -> in[0].scatter(1, longs(new long[] {1, 3, 0, 2, 2, 1}, 3, 2), in[1]),
                g -> g.transposed(Domain.REAL, 3, 4), g -> g.stepSliced(Domain.REAL, 3, 2)));
        rows.add(row(SCATTER, "scatter(0, index, 1.5) (value form)",
                in -> in[0].scatter(0, longs(new long[] {1, 0, 2, 1}, 1, 4), 1.5), g -> g.of(Domain.REAL, 3, 4)));

        // scatterAdd: duplicates accumulate.
        rows.add(row(SCATTER_ADD, "scatterAdd(0) with duplicates",
                in -> in[0].scatterAdd(0, longs(new long[] {0, 1, 0, 0, 0, 2}, 2, 3), in[1]),
                g -> g.of(Domain.REAL, 3, 3), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row(SCATTER_ADD, "scatterAdd(-1) with src [2,5] larger than index [2,3]",
                in -> in[0].scatterAdd(-1, longs(new long[] {1, 1, 1, 0, 3, 0}, 2, 3), in[1]),
                g -> g.of(Domain.REAL, 2, 4), g -> g.of(Domain.REAL, 2, 5)));
        rows.add(row(SCATTER_ADD, "scatterAdd(1) of [2,3,4], transposed-last src",
                in -> in[0].scatterAdd(1, cyclic(3, 2, 3, 4), in[1].transpose(1, 2)),
                g -> g.of(Domain.REAL, 2, 3, 4), g -> g.of(Domain.REAL, 2, 4, 3)));

        // indexAdd: duplicates, alpha, negative dim, non-contiguous source.
        rows.add(row(INDEX_ADD, "indexAdd(0, [0, 2, 0]) (duplicates)", in -> in[0].indexAdd(0, Tensor.of(0L, 2L, 0L), in[1]),
                g -> g.of(Domain.REAL, 3, 4), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(INDEX_ADD, "indexAdd(-1, [3, 1], alpha -2.5)", in -> in[0].indexAdd(-1, Tensor.of(3L, 1L), in[1], -2.5),
                g -> g.of(Domain.REAL, 2, 3, 4), g -> g.of(Domain.REAL, 2, 3, 2)));
        rows.add(row(INDEX_ADD, "indexAdd(1) of transposed self and source",
                in -> in[0].indexAdd(1, Tensor.of(1L, 1L, 0L), in[1]),
                g -> g.transposed(Domain.REAL, 4, 2), g -> g.transposed(Domain.REAL, 4, 3)));

        // maskedFill: the mask broadcasts with self (both ways), tensor value form.
        rows.add(row(MASKED_FILL, "maskedFill(mask [3,1], 2.0) of [1,4] (result [3,4])",
                in -> in[0].maskedFill(Tensor.of(true, false, true).reshape(3, 1), 2.0), g -> g.of(Domain.REAL, 1, 4)));
        rows.add(row(MASKED_FILL, "maskedFill(mask [3,4], -1.0) of transposed", in -> in[0].maskedFill(MASK_3x4, -1.0),
                g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(MASKED_FILL, "maskedFill(mask [3,4], 0-d tensor value) of [4]",
                in -> in[0].maskedFill(MASK_3x4, in[1]), g -> g.of(Domain.REAL, 4), g -> g.of(Domain.REAL)));

        // maskedSelect: broadcast self, non-contiguous self.
        rows.add(row(MASKED_SELECT, "maskedSelect(mask [3,4]) of [4] (self broadcast)", in -> in[0].maskedSelect(MASK_3x4),
                g -> g.of(Domain.REAL, 4)));
        rows.add(row(MASKED_SELECT, "maskedSelect(mask [4]) of transposed [3,4]",
                in -> in[0].maskedSelect(Tensor.of(true, false, true, true)), g -> g.transposed(Domain.REAL, 3, 4)));

        // take: negatives, duplicates, any index shape.
        rows.add(row(TAKE, "take([2,2] with negatives and duplicates) of transposed",
                in -> in[0].take(longs(new long[] {0, -1, 5, 5}, 2, 2)), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(TAKE, "take(0-d index)", in -> in[0].take(Tensor.scalar(-3, DType.I64)), g -> g.of(Domain.REAL, 2, 3)));

        // Integer-tensor indexing of one dim.
        rows.add(row(INDEX, "index(1, [2,2] with negatives and duplicates)",
                in -> in[0].index(1, longs(new long[] {0, -1, 2, 2}, 2, 2)), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(INDEX, "index(0, 0-d index) drops the dim", in -> in[0].index(0, Tensor.scalar(-2, DType.I64)),
                g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(INDEX, "index(-1, [3]) of step slice", in -> in[0].index(-1, Tensor.of(2L, 0L, 2L)),
                g -> g.stepSliced(Domain.REAL, 2, 3)));

        // embedding: duplicates, padding (masked out of the output so that finite differences
        // agree with the rule's zero gradient for that row), non-contiguous weight.
        Tensor ids = longs(new long[] {1, 4, 1, 0, 3, 1}, 2, 3);
        rows.add(row(EMBEDDING, "embedding([2,3] with duplicates, weight [5,3])", in -> Sparse.embedding(ids, in[0]),
                g -> g.of(Domain.REAL, 5, 3)));
        Tensor notPad = ids.ne(1.0).unsqueeze(-1).to(DType.F64);
        rows.add(row(EMBEDDING, "embedding with paddingIdx 1, padded lookups masked out",
                in -> Sparse.embedding(ids, in[0], 1).mul(notPad), g -> g.of(Domain.REAL, 5, 3)));
        rows.add(row(EMBEDDING, "embedding of transposed weight with paddingIdx -1 (row 4)",
                in -> Sparse.embedding(ids, in[0], -1).mul(ids.ne(4.0).unsqueeze(-1).to(DType.F64)),
                g -> g.transposed(Domain.REAL, 5, 3)));
        rows.add(row(EMBEDDING, "embedding of a 0-d index", in -> Sparse.embedding(Tensor.scalar(2, DType.I64), in[0]),
                g -> g.of(Domain.REAL, 4, 2)));
        return rows;
    }

    private static final Tensor MASK_3x4 = Tensor.fromArray(
            new boolean[] {true, false, false, true, false, true, true, false, false, false, true, true}, 3, 4);
}
