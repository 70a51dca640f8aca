package dev.walnut.ops;

import static dev.walnut.ops.OpRegistryTest.ex;
import static dev.walnut.ops.OpRegistryTest.f64;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.ops.OpRegistryTest.Domain;
import dev.walnut.ops.OpRegistryTest.Example;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link OpRegistryTest}'s example calls of the indexing primitives, with the normalized inputs
 * the tensor methods pass: I64 indices in range (negatives already wrapped), non-negative dims,
 * and for maskedSelect the true positions of the mask. Duplicate indices appear only where the op
 * accumulates (or only reads); scatter writes each position at most once, since with duplicates
 * its result depends on which write wins.
 */
final class IndexingOpExamples {
    private IndexingOpExamples() {
    }

    private static Tensor longs(long[] values, long... shape) {
        return Tensor.fromArray(values, shape);
    }

    /** The flat positions of the true elements of {@code mask} broadcast to {@code shape}. */
    private static Tensor truePositions(Tensor mask, long... shape) {
        return mask.expand(shape).reshape(-1).nonzero().reshape(-1);
    }

    private static final Tensor MASK_3x4 = Tensor.fromArray(
            new boolean[] {true, false, false, true, false, true, true, false, false, false, true, true}, 3, 4);

    static List<Example> rows() {
        var rows = new ArrayList<Example>();
        Domain real = Domain.REAL;

        rows.add(ex(IndexingOps.INDEX_SELECT, new IndexingOps.Dim(1), "duplicates", g -> new Tensor[] {
                f64(g, real, 2, 4), Tensor.of(3L, 0L, 3L)}));
        rows.add(ex(IndexingOps.INDEX_SELECT, new IndexingOps.Dim(0), "of a transpose", g -> new Tensor[] {
                f64(g, real, 3, 2).t(), Tensor.of(1L)}));
        rows.add(ex(IndexingOps.INDEX_SELECT, new IndexingOps.Dim(0), "0-d input", g -> new Tensor[] {
                f64(g, real), Tensor.of(0L)}));

        rows.add(ex(IndexingOps.INDEX_ADD, new IndexingOps.IndexAdd(0, 1.0), "duplicates", g -> new Tensor[] {
                f64(g, real, 3, 2), Tensor.of(2L, 0L, 2L), f64(g, real, 3, 2)}));
        rows.add(ex(IndexingOps.INDEX_ADD, new IndexingOps.IndexAdd(1, -2.5), "alpha, transposed self", g -> new Tensor[] {
                f64(g, real, 4, 2).t(), Tensor.of(3L, 1L), f64(g, real, 2, 2)}));

        rows.add(ex(IndexingOps.GATHER, new IndexingOps.Dim(1), "duplicates", g -> new Tensor[] {
                f64(g, real, 3, 4), longs(new long[] {0, 0, 3, 1, 2, 2}, 3, 2)}));
        rows.add(ex(IndexingOps.GATHER, new IndexingOps.Dim(0), "of a transpose", g -> new Tensor[] {
                f64(g, real, 4, 3).t(), longs(new long[] {2, 1, 0, 0, 1, 2, 2, 2}, 2, 4)}));

        rows.add(ex(IndexingOps.SCATTER, new IndexingOps.Dim(0), "unique per column", g -> new Tensor[] {
                f64(g, real, 3, 4), longs(new long[] {0, 2, 1, 0, 2, 1, 0, 1}, 2, 4), f64(g, real, 2, 4)}));
        rows.add(ex(IndexingOps.SCATTER, new IndexingOps.Dim(1), "src larger than the index", g -> new Tensor[] {
                f64(g, real, 3, 4), longs(new long[] {3, 0, 1, 2}, 2, 2), f64(g, real, 3, 5)}));
        rows.add(ex(IndexingOps.SCATTER_ADD, new IndexingOps.Dim(0), "duplicates accumulate", g -> new Tensor[] {
                f64(g, real, 3, 3), longs(new long[] {0, 1, 0, 0, 0, 2}, 2, 3), f64(g, real, 2, 3)}));
        rows.add(ex(IndexingOps.SCATTER_ADD, new IndexingOps.Dim(1), "transposed src larger than the index",
                g -> new Tensor[] {f64(g, real, 2, 4), longs(new long[] {1, 1, 3, 0}, 2, 2), f64(g, real, 5, 2).t()}));
        rows.add(ex(IndexingOps.SCATTER_VALUE, new IndexingOps.ScatterValue(0, 1.5), "", g -> new Tensor[] {
                f64(g, real, 3, 4), longs(new long[] {1, 0, 2, 1}, 1, 4)}));

        rows.add(ex(IndexingOps.MASKED_FILL, NoAttrs.NONE, "mask broadcasts self", g -> new Tensor[] {
                f64(g, real, 1, 4), Tensor.of(true, false, true).reshape(3, 1), f64(g, real)}));
        rows.add(ex(IndexingOps.MASKED_FILL, NoAttrs.NONE, "of a transpose", g -> new Tensor[] {
                f64(g, real, 4, 3).t(), MASK_3x4, f64(g, real)}));
        rows.add(ex(IndexingOps.MASKED_FILL_SCALAR, new IndexingOps.Fill(-1.0), "of a transpose", g -> new Tensor[] {
                f64(g, real, 4, 3).t(), MASK_3x4}));
        rows.add(ex(IndexingOps.MASKED_FILL_SCALAR, new IndexingOps.Fill(2.0), "mask broadcasts self", g -> new Tensor[] {
                f64(g, real, 4), MASK_3x4}));
        rows.add(ex(IndexingOps.MASKED_SELECT, NoAttrs.NONE, "self broadcast", g -> new Tensor[] {
                f64(g, real, 4), MASK_3x4, truePositions(MASK_3x4, 3, 4)}));
        Tensor row = Tensor.of(true, false, true, true);
        rows.add(ex(IndexingOps.MASKED_SELECT, NoAttrs.NONE, "mask broadcast, transposed self", g -> new Tensor[] {
                f64(g, real, 4, 3).t(), row, truePositions(row, 3, 4)}));

        rows.add(ex(IndexingOps.TAKE, NoAttrs.NONE, "duplicates, of a transpose", g -> new Tensor[] {
                f64(g, real, 4, 3).t(), longs(new long[] {0, 11, 5, 5}, 2, 2)}));
        rows.add(ex(IndexingOps.TAKE, NoAttrs.NONE, "0-d index", g -> new Tensor[] {
                f64(g, real, 2, 3), Tensor.scalar(3, DType.I64)}));
        rows.add(ex(IndexingOps.INDEX, new IndexingOps.Dim(1), "2-d index with duplicates", g -> new Tensor[] {
                f64(g, real, 3, 4), longs(new long[] {0, 3, 2, 2}, 2, 2)}));
        rows.add(ex(IndexingOps.INDEX, new IndexingOps.Dim(0), "0-d index drops the dim", g -> new Tensor[] {
                f64(g, real, 3, 4), Tensor.scalar(1, DType.I64)}));

        Tensor ids = longs(new long[] {1, 3, 1, 0, 3, 1}, 2, 3);
        rows.add(ex(IndexingOps.EMBEDDING, new IndexingOps.Embedding(-1), "duplicates", g -> new Tensor[] {
                f64(g, real, 5, 3), ids}));
        // The padding rule zeroes that row's gradient on purpose (PyTorch's), so it is not the
        // transpose of the forward rule where the padding row is looked up; here it is not.
        rows.add(ex(IndexingOps.EMBEDDING, new IndexingOps.Embedding(4), "paddingIdx not looked up, transposed weight",
                g -> new Tensor[] {f64(g, real, 3, 5).t(), ids}));
        rows.add(ex(IndexingOps.EMBEDDING, new IndexingOps.Embedding(-1), "0-d index", g -> new Tensor[] {
                f64(g, real, 4, 2), Tensor.scalar(2, DType.I64)}));
        return rows;
    }
}
