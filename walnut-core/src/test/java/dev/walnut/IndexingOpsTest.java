package dev.walnut;

import static dev.walnut.TensorAssertions.assertContains;
import static dev.walnut.TensorAssertions.assertValues;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.OpGradCheckTest.Inputs;
import dev.walnut.autograd.GradCheck;
import dev.walnut.nn.functional.Sparse;
import dev.walnut.ops.IndexingOps;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Indexing ops against PyTorch: the documented examples (values written out), output shapes
 * and dtypes, gradients in closed form, error messages for bad indices and shapes, and second
 * order through gather, indexSelect and embedding.
 */
class IndexingOpsTest {

    private static Tensor longs(long[] values, long... shape) {
        return Tensor.fromArray(values, shape);
    }

    /** [[1, 2, 3], [4, 5, 6]] as F32. */
    private static Tensor m23() {
        return Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
    }

    /**
     * Runs {@code body}, which must fail with exactly {@link IndexOutOfBoundsException} (never its
     * subclass {@link ArrayIndexOutOfBoundsException}, which would come from inside a kernel), and
     * checks that the message contains {@code phrases}.
     */
    private static void assertIndexError(Executable body, String... phrases) {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, body);
        assertEquals(IndexOutOfBoundsException.class, e.getClass(), "exception class");
        assertContains(e.getMessage(), phrases);
    }

    private static void assertArgumentError(Executable body, String... phrases) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, body);
        assertContains(e.getMessage(), phrases);
    }

    // ------------------------------------------------------------------ indexSelect

    @Test
    void indexSelectPicksColumnsInIndexOrder() {
        Tensor r = m23().indexSelect(1, Tensor.of(2L, 0L, 2L));
        assertValues(r, DType.F32, shape(2, 3), 3, 1, 3, 6, 4, 6);
    }

    @Test
    void indexSelectOfATransposedViewAndAnI32Index() {
        Tensor r = m23().t().indexSelect(0, Tensor.fromArray(new int[] {1}, 1));
        assertValues(r, DType.F32, shape(1, 2), 2, 5);
    }

    @Test
    void indexSelectWithA0dIndexKeepsTheDim() {
        assertValues(m23().indexSelect(-1, Tensor.scalar(1, DType.I64)), DType.F32, shape(2, 1), 2, 5);
    }

    @Test
    void indexSelectWithAnEmptyIndexGivesAnEmptyDim() {
        assertValues(m23().indexSelect(0, Tensor.fromArray(new long[0], 0)), DType.F32, shape(0, 3));
    }

    @Test
    void indexSelectKeepsIntegerAndBoolDtypes() {
        assertValues(Tensor.of(7L, 8L, 9L).indexSelect(0, Tensor.of(2L)), DType.I64, shape(1), 9);
        assertValues(Tensor.of(true, false).indexSelect(0, Tensor.of(1L, 0L)), DType.BOOL, shape(2), 0, 1);
    }

    @Test
    void indexSelectOfWideRowsUsesWholeRowCopies() {
        Tensor x = Tensor.arange(0.0, 64.0, 1.0).reshape(2, 32);
        Tensor r = x.indexSelect(0, Tensor.of(1L, 1L));
        assertEquals(32.0, r.getDouble(0, 0));
        assertEquals(63.0, r.getDouble(1, 31));
    }

    @Test
    void indexSelectGradientAccumulatesDuplicates() {
        Tensor x = Tensor.zeros(3).setRequiresGrad(true);
        x.indexSelect(0, Tensor.of(2L, 0L, 2L)).sum().backward();
        assertValues(x.grad(), DType.F32, shape(3), 1, 0, 2);
        assertEquals("IndexSelectBackward0", x.indexSelect(0, Tensor.of(0L)).gradFn().name());
    }

    @Test
    void indexSelectDoesNotWrapNegativeIndices() {
        assertIndexError(() -> m23().indexSelect(1, Tensor.of(0L, -1L)), "indexSelect", "index -1", "dim 1", "size 3");
        assertIndexError(() -> m23().indexSelect(0, Tensor.of(2L)), "indexSelect", "index 2", "dim 0", "size 2");
    }

    @Test
    void indexSelectRejectsBadIndexTensors() {
        assertArgumentError(() -> m23().indexSelect(0, Tensor.of(0.0)), "indexSelect", "I64", "F32");
        assertArgumentError(() -> m23().indexSelect(0, longs(new long[] {0, 1}, 1, 2)), "indexSelect", "0-d or 1-d", "[1, 2]");
        assertIndexError(() -> m23().indexSelect(2, Tensor.of(0L)), "indexSelect", "dim 2");
    }

    // ------------------------------------------------------------------ gather

    @Test
    void gatherFollowsPyTorchsExample() {
        // torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]]))
        Tensor t = Tensor.fromArray(new long[] {1, 2, 3, 4}, 2, 2);
        assertValues(t.gather(1, longs(new long[] {0, 0, 1, 0}, 2, 2)), DType.I64, shape(2, 2), 1, 1, 4, 3);
    }

    @Test
    void gatherWithAnIndexSmallerThanSelf() {
        Tensor r = m23().gather(0, longs(new long[] {1, 0}, 1, 2));
        assertValues(r, DType.F32, shape(1, 2), 4, 2);
    }

    @Test
    void gatherOfATransposedView() {
        // m23().t() = [[1, 4], [2, 5], [3, 6]]
        Tensor r = m23().t().gather(1, longs(new long[] {1, 0, 1}, 3, 1));
        assertValues(r, DType.F32, shape(3, 1), 4, 2, 6);
    }

    @Test
    void gatherGradientIsAScatterAddOfTheIncomingGradient() {
        Tensor x = Tensor.zeros(2, 3).setRequiresGrad(true);
        Tensor y = x.gather(1, longs(new long[] {0, 0, 2, 1}, 2, 2));
        assertEquals("GatherBackward0", y.gradFn().name());
        y.backward(Tensor.of(new double[][] {{1, 2}, {3, 4}}));
        assertValues(x.grad(), DType.F32, shape(2, 3), 3, 0, 0, 0, 4, 3);
    }

    @Test
    void gatherChecksIndicesShapesAndRanks() {
        assertIndexError(() -> m23().gather(1, longs(new long[] {0, 3}, 1, 2)), "gather", "index 3", "dim 1", "size 3");
        assertIndexError(() -> m23().gather(0, longs(new long[] {-1}, 1, 1)), "gather", "index -1", "dim 0", "size 2");
        assertArgumentError(() -> m23().gather(1, Tensor.of(0L)), "gather", "same number of dims", "[1]", "[2, 3]");
        assertArgumentError(() -> m23().gather(1, longs(new long[] {0, 0, 0}, 3, 1)), "gather", "must not exceed",
                "[3, 1]", "[2, 3]");
    }

    // ------------------------------------------------------------------ scatter

    @Test
    void scatterFollowsPyTorchsExample() {
        // src = arange(1, 11).reshape(2, 5); zeros(3, 5).scatter_(0, [[0, 1, 2, 0]], src)
        Tensor src = Tensor.arange(1.0, 11.0, 1.0).reshape(2, 5);
        Tensor r = Tensor.zeros(3, 5).scatter(0, longs(new long[] {0, 1, 2, 0}, 1, 4), src);
        assertValues(r, DType.F32, shape(3, 5), 1, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0);
    }

    @Test
    void scatterIsOutOfPlace() {
        Tensor x = Tensor.zeros(3);
        x.scatter(0, Tensor.of(1L), Tensor.of(5.0));
        assertValues(x, DType.F32, shape(3), 0, 0, 0);
    }

    @Test
    void scatterOfAValueFollowsPyTorchsExample() {
        // torch.full((2, 4), 2.).scatter_(1, torch.tensor([[2], [3]]), 1.23)
        Tensor r = Tensor.full(shape(2, 4), 2.0).scatter(1, longs(new long[] {2, 3}, 2, 1), 1.23);
        assertValues(r, DType.F32, shape(2, 4), 2, 2, 1.23, 2, 2, 2, 2, 1.23);
    }

    @Test
    void scatterWithDuplicateIndicesKeepsTheLastWrite() {
        Tensor r = Tensor.zeros(2).scatter(0, Tensor.of(1L, 1L, 1L), Tensor.of(1.0, 2.0, 3.0));
        assertValues(r, DType.F32, shape(2), 0, 3);
    }

    @Test
    void scatterGradientZeroesOverwrittenPositionsOfSelf() {
        Tensor x = Tensor.zeros(3).setRequiresGrad(true);
        Tensor src = Tensor.zeros(3).setRequiresGrad(true);
        Tensor y = x.scatter(0, Tensor.of(2L, 0L), src);
        assertEquals("ScatterBackward0", y.gradFn().name());
        y.backward(Tensor.of(1.0, 2.0, 3.0));
        assertValues(x.grad(), DType.F32, shape(3), 0, 2, 0);
        // src is larger than the index: its unused tail gets zero.
        assertValues(src.grad(), DType.F32, shape(3), 3, 1, 0);
        assertEquals("ScatterBackward1", x.scatter(0, Tensor.of(1L), 0.0).gradFn().name());
    }

    @Test
    void scatterChecksDtypesShapesAndIndices() {
        assertArgumentError(() -> Tensor.zeros(3).scatter(0, Tensor.of(0L), Tensor.of(1L)), "scatter", "F32", "I64",
                "same dtype");
        assertArgumentError(() -> Tensor.zeros(3).scatter(0, Tensor.of(0L, 1L), Tensor.of(1.0)), "scatter",
                "must not exceed", "src shape [1]");
        assertIndexError(() -> Tensor.zeros(3).scatter(0, Tensor.of(3L), 1.0), "scatter", "index 3", "dim 0", "size 3");
        assertIndexError(() -> Tensor.zeros(2, 2).scatter(-1, longs(new long[] {-3}, 1, 1), 1.0), "scatter", "index -3",
                "dim 1", "size 2");
    }

    // ------------------------------------------------------------------ scatterAdd

    @Test
    void scatterAddFollowsPyTorchsExample() {
        // zeros(3, 5).scatter_add_(0, [[0, 1, 2, 0, 0], [0, 1, 2, 2, 2]], ones(2, 5))
        Tensor index = longs(new long[] {0, 1, 2, 0, 0, 0, 1, 2, 2, 2}, 2, 5);
        Tensor r = Tensor.zeros(3, 5).scatterAdd(0, index, Tensor.ones(2, 5));
        assertValues(r, DType.F32, shape(3, 5), 2, 0, 0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1);
    }

    @Test
    void scatterAddOfIntegers() {
        Tensor r = Tensor.of(1L, 1L).scatterAdd(0, Tensor.of(0L, 0L, 1L), Tensor.of(10L, 20L, 30L));
        assertValues(r, DType.I64, shape(2), 31, 31);
    }

    @Test
    void scatterAddGradientsArePassThroughAndGather() {
        Tensor x = Tensor.zeros(2).setRequiresGrad(true);
        Tensor src = Tensor.zeros(3).setRequiresGrad(true);
        Tensor y = x.scatterAdd(0, Tensor.of(1L, 1L, 0L), src);
        assertEquals("ScatterAddBackward0", y.gradFn().name());
        y.backward(Tensor.of(5.0, 7.0));
        assertValues(x.grad(), DType.F32, shape(2), 5, 7);
        assertValues(src.grad(), DType.F32, shape(3), 7, 7, 5);
    }

    @Test
    void scatterAddRejectsBoolTensors() {
        assertArgumentError(() -> Tensor.of(true).scatterAdd(0, Tensor.of(0L), Tensor.of(true)), "scatterAdd", "bool");
    }

    // ------------------------------------------------------------------ indexAdd

    @Test
    void indexAddFollowsPyTorchsExample() {
        // ones(5, 3).index_add_(0, [0, 4, 2], [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
        Tensor t = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
        Tensor r = Tensor.ones(5, 3).indexAdd(0, Tensor.of(0L, 4L, 2L), t);
        assertValues(r, DType.F32, shape(5, 3), 2, 3, 4, 1, 1, 1, 8, 9, 10, 1, 1, 1, 5, 6, 7);
        Tensor s = Tensor.ones(5, 3).indexAdd(0, Tensor.of(0L, 4L, 2L), t, -1.0);
        assertValues(s, DType.F32, shape(5, 3), 0, -1, -2, 1, 1, 1, -6, -7, -8, 1, 1, 1, -3, -4, -5);
    }

    @Test
    void indexAddAccumulatesDuplicatesAlongAnInnerDim() {
        Tensor r = Tensor.zeros(2, 2).indexAdd(-1, Tensor.of(1L, 1L), Tensor.ones(2, 2), 2.0);
        assertValues(r, DType.F32, shape(2, 2), 0, 4, 0, 4);
    }

    @Test
    void indexAddGradientOfSourceIsIndexSelectTimesAlpha() {
        Tensor x = Tensor.zeros(3).setRequiresGrad(true);
        Tensor source = Tensor.zeros(2).setRequiresGrad(true);
        Tensor y = x.indexAdd(0, Tensor.of(2L, 0L), source, 3.0);
        assertEquals("IndexAddBackward0", y.gradFn().name());
        y.backward(Tensor.of(1.0, 2.0, 4.0));
        assertValues(x.grad(), DType.F32, shape(3), 1, 2, 4);
        assertValues(source.grad(), DType.F32, shape(2), 12, 3);
    }

    @Test
    void indexAddChecksShapesDtypesAndIndices() {
        assertArgumentError(() -> Tensor.zeros(3, 2).indexAdd(0, Tensor.of(0L), Tensor.ones(1, 3)), "indexAdd",
                "source of shape [1, 3]", "self of shape [3, 2]");
        assertArgumentError(() -> Tensor.zeros(3, 2).indexAdd(0, Tensor.of(0L, 1L), Tensor.ones(1, 2)), "indexAdd",
                "2 indices");
        assertArgumentError(() -> Tensor.zeros(3).indexAdd(0, Tensor.of(0L), Tensor.ones(shape(1), DType.F64)),
                "indexAdd", "same dtype");
        assertArgumentError(() -> Tensor.of(1L, 2L).indexAdd(0, Tensor.of(0L), Tensor.of(1L), 0.5), "indexAdd", "alpha");
        assertIndexError(() -> Tensor.zeros(3).indexAdd(0, Tensor.of(-1L), Tensor.ones(1)), "indexAdd", "index -1",
                "dim 0", "size 3");
    }

    // ------------------------------------------------------------------ masks

    @Test
    void maskedFillBroadcastsTheMaskAndKeepsTheDtype() {
        Tensor x = Tensor.fromArray(new long[] {1, 2, 3}, 1, 3);
        Tensor r = x.maskedFill(Tensor.of(true, false).reshape(2, 1), 9.0);
        assertValues(r, DType.I64, shape(2, 3), 9, 9, 9, 1, 2, 3);
    }

    @Test
    void maskedFillWithMinusInfinityForAttentionMasks() {
        Tensor s = Tensor.of(1.0, 2.0, 3.0);
        Tensor r = s.maskedFill(s.gt(1.5), Double.NEGATIVE_INFINITY).softmax(0);
        assertValues(r, DType.F32, shape(3), 1, 0, 0);
    }

    @Test
    void maskedFillGradientsGoToSelfOutsideAndValueInsideTheMask() {
        Tensor x = Tensor.zeros(3).setRequiresGrad(true);
        Tensor v = Tensor.scalar(0.0).setRequiresGrad(true);
        Tensor mask = Tensor.of(true, false, true);
        Tensor y = x.maskedFill(mask, v);
        assertEquals("MaskedFillBackward1", y.gradFn().name());
        y.backward(Tensor.of(1.0, 2.0, 4.0));
        assertValues(x.grad(), DType.F32, shape(3), 0, 2, 0);
        assertValues(v.grad(), DType.F32, shape(), 5);
        assertEquals("MaskedFillBackward0", x.maskedFill(mask, 1.0).gradFn().name());
    }

    @Test
    void maskedFillChecksTheMaskAndValue() {
        assertArgumentError(() -> Tensor.zeros(3).maskedFill(Tensor.of(1L, 0L, 1L), 0.0), "maskedFill", "BOOL", "I64");
        assertArgumentError(() -> Tensor.zeros(3).maskedFill(Tensor.of(true, false), 0.0), "maskedFill", "[3]", "[2]");
        assertArgumentError(() -> Tensor.zeros(3).maskedFill(Tensor.of(true, false, true), Tensor.of(1.0)), "maskedFill",
                "0-d");
    }

    @Test
    void maskedSelectReturnsSelectedElementsInRowMajorOrder() {
        Tensor x = Tensor.of(new double[][] {{1, -2, 3}, {-4, 5, -6}});
        assertValues(x.maskedSelect(x.gt(0)), DType.F32, shape(3), 1, 3, 5);
        // The mask broadcasts: a row mask selects from every row.
        assertValues(x.maskedSelect(Tensor.of(false, true, true)), DType.F32, shape(4), -2, 3, 5, -6);
        assertValues(x.maskedSelect(x.gt(100)), DType.F32, shape(0));
    }

    @Test
    void maskedSelectGradientScattersBackAndSumsBroadcastSelf() {
        Tensor x = Tensor.zeros(3).setRequiresGrad(true);
        Tensor mask = Tensor.fromArray(new boolean[] {true, false, true, true, true, false}, 2, 3);
        Tensor y = x.maskedSelect(mask);
        assertEquals("MaskedSelectBackward0", y.gradFn().name());
        y.backward(Tensor.of(1.0, 2.0, 3.0, 4.0));
        assertValues(x.grad(), DType.F32, shape(3), 4, 4, 2);
    }

    // ------------------------------------------------------------------ take / index

    @Test
    void takeFollowsPyTorchsExampleAndWrapsNegatives() {
        // torch.take(torch.tensor([[4, 3, 5], [6, 7, 8]]), torch.tensor([0, 2, 5]))
        Tensor src = Tensor.fromArray(new long[] {4, 3, 5, 6, 7, 8}, 2, 3);
        assertValues(src.take(Tensor.of(0L, 2L, 5L)), DType.I64, shape(3), 4, 5, 8);
        assertValues(src.t().take(longs(new long[] {-1, 1}, 2, 1)), DType.I64, shape(2, 1), 8, 6);
        assertIndexError(() -> src.take(Tensor.of(6L)), "take", "index 6", "size 6");
        assertIndexError(() -> src.take(Tensor.of(-7L)), "take", "index -7", "size 6");
    }

    @Test
    void takeGradientAccumulatesIntoTheFlatPositions() {
        Tensor x = Tensor.zeros(2, 2).setRequiresGrad(true);
        Tensor y = x.take(Tensor.of(3L, -1L, 0L));
        assertEquals("TakeBackward0", y.gradFn().name());
        y.sum().backward();
        assertValues(x.grad(), DType.F32, shape(2, 2), 1, 0, 0, 2);
    }

    @Test
    void indexByAnIntegerTensorLikePyTorchsAdvancedIndexing() {
        Tensor x = Tensor.arange(12).reshape(3, 4);
        // x[:, [[0, -1], [1, 1]]]
        Tensor r = x.index(1, longs(new long[] {0, -1, 1, 1}, 2, 2));
        assertValues(r, DType.I64, shape(3, 2, 2), 0, 3, 1, 1, 4, 7, 5, 5, 8, 11, 9, 9);
        // x[torch.tensor(1)] drops the dim; x[[2, 0]] keeps it.
        assertValues(x.index(0, Tensor.scalar(1, DType.I64)), DType.I64, shape(4), 4, 5, 6, 7);
        assertValues(x.index(-2, Tensor.of(2L, 0L)), DType.I64, shape(2, 4), 8, 9, 10, 11, 0, 1, 2, 3);
    }

    @Test
    void indexGradientAccumulatesDuplicates() {
        Tensor x = Tensor.zeros(2, 3).setRequiresGrad(true);
        Tensor y = x.index(1, longs(new long[] {2, -1, 0, 2}, 2, 2));
        assertEquals("IndexBackward0", y.gradFn().name());
        y.sum().backward();
        assertValues(x.grad(), DType.F32, shape(2, 3), 1, 0, 3, 1, 0, 3);
    }

    @Test
    void indexChecksIndicesAndRank() {
        Tensor x = Tensor.zeros(3, 4);
        assertIndexError(() -> x.index(1, Tensor.of(4L)), "index", "index 4", "dim 1", "size 4");
        assertIndexError(() -> x.index(1, Tensor.of(-5L)), "index", "index -5", "dim 1", "size 4");
        assertArgumentError(() -> Tensor.scalar(1.0).index(0, Tensor.of(0L)), "index", "0-d");
        assertArgumentError(() -> x.index(0, Tensor.of(true)), "index", "I64", "BOOL");
    }

    // ------------------------------------------------------------------ nonzero / oneHot

    @Test
    void nonzeroFollowsPyTorchsExamples() {
        assertValues(Tensor.of(1L, 1L, 1L, 0L, 1L).nonzero(), DType.I64, shape(4, 1), 0, 1, 2, 4);
        Tensor d = Tensor.of(new double[][] {{0.6, 0, 0, 0}, {0, 0.4, 0, 0}, {0, 0, 1.2, 0}, {0, 0, 0, -0.4}});
        assertValues(d.nonzero(), DType.I64, shape(4, 2), 0, 0, 1, 1, 2, 2, 3, 3);
    }

    @Test
    void nonzeroOfEdgeCases() {
        assertValues(Tensor.zeros(2, 3).nonzero(), DType.I64, shape(0, 2));
        assertValues(Tensor.scalar(2.0).nonzero(), DType.I64, shape(1, 0));
        assertValues(Tensor.of(Double.NaN, 0.0).nonzero(), DType.I64, shape(1, 1), 0);
        assertValues(Tensor.of(false, true).t().nonzero(), DType.I64, shape(1, 1), 1);
        Tensor x = Tensor.of(1.0, 0.0).setRequiresGrad(true);
        assertNull(x.nonzero().gradFn());
        assertFalse(x.nonzero().requiresGrad());
    }

    @Test
    void oneHotFollowsPyTorchsExamples() {
        Tensor labels = Tensor.of(0L, 1L, 2L, 0L, 1L);
        assertValues(Sparse.oneHot(labels), DType.I64, shape(5, 3), 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0);
        Tensor five = Sparse.oneHot(labels, 5);
        assertValues(five.select(0, 2), DType.I64, shape(5), 0, 0, 1, 0, 0);
        assertValues(Sparse.oneHot(Tensor.fromArray(new int[] {0, 1, 2, 0, 1, 2}, 3, 2)).select(1, 1), DType.I64,
                shape(3, 3), 0, 1, 0, 1, 0, 0, 0, 0, 1);
        assertValues(Sparse.oneHot(Tensor.fromArray(new long[0], 0), 4), DType.I64, shape(0, 4));
    }

    @Test
    void oneHotRejectsOutOfRangeClassValues() {
        assertIndexError(() -> Sparse.oneHot(Tensor.of(0L, 3L), 3), "oneHot", "class value 3", "size 3");
        assertIndexError(() -> Sparse.oneHot(Tensor.of(0L, -1L)), "oneHot", "class value -1");
        assertArgumentError(() -> Sparse.oneHot(Tensor.fromArray(new long[0], 0)), "oneHot", "empty");
        assertArgumentError(() -> Sparse.oneHot(Tensor.of(1L), -2), "oneHot", "numClasses");
        assertArgumentError(() -> Sparse.oneHot(Tensor.of(1.0)), "oneHot", "I64", "F32");
    }

    // ------------------------------------------------------------------ embedding

    @Test
    void embeddingLooksUpRowsForIndicesOfAnyShape() {
        Tensor w = Tensor.arange(0.0, 10.0, 1.0).reshape(5, 2);
        Tensor e = Sparse.embedding(longs(new long[] {4, 0, 1, 4}, 2, 2), w);
        assertValues(e, DType.F32, shape(2, 2, 2), 8, 9, 0, 1, 2, 3, 8, 9);
        assertValues(Sparse.embedding(Tensor.scalar(3, DType.I64), w), DType.F32, shape(2), 6, 7);
    }

    @Test
    void embeddingGradientAccumulatesRepeatsAndSkipsThePaddingRow() {
        // F.embedding(torch.tensor([[0, 2, 0, 5]]), weight, padding_idx=0): row 0 gets no gradient.
        Tensor w = Tensor.randn(10, 3).setRequiresGrad(true);
        Tensor e = Sparse.embedding(longs(new long[] {0, 2, 0, 5, 2}, 1, 5), w, 0);
        assertEquals("EmbeddingBackward0", e.gradFn().name());
        assertValues(e.select(1, 0), DType.F32, shape(1, 3), w.select(0, 0).toDoubleArray()); // still looked up
        e.sum().backward();
        double[] g = w.grad().toDoubleArray();
        for (int row = 0; row < 10; row++) {
            double expected = row == 2 ? 2 : row == 5 ? 1 : 0;
            for (int c = 0; c < 3; c++) {
                assertEquals(expected, g[row * 3 + c], "grad of weight[" + row + ", " + c + "]");
            }
        }
    }

    @Test
    void embeddingNegativePaddingIdxCountsFromTheEnd() {
        Tensor w = Tensor.zeros(4, 2).setRequiresGrad(true);
        Sparse.embedding(Tensor.of(3L, 1L), w, -1).sum().backward();
        assertValues(w.grad(), DType.F32, shape(4, 2), 0, 0, 1, 1, 0, 0, 0, 0);
    }

    @Test
    void embeddingChecksWeightIndicesAndPaddingIdx() {
        Tensor w = Tensor.zeros(10, 3);
        assertIndexError(() -> Sparse.embedding(Tensor.of(1L, 10L), w), "embedding", "index 10", "dim 0", "size 10");
        assertIndexError(() -> Sparse.embedding(Tensor.of(-1L), w), "embedding", "index -1", "size 10");
        assertArgumentError(() -> Sparse.embedding(Tensor.of(1L), Tensor.zeros(10)), "embedding", "2-d", "[10]");
        assertArgumentError(() -> Sparse.embedding(Tensor.of(1L), w, 10), "embedding", "paddingIdx 10", "[-10, 10)");
        assertArgumentError(() -> Sparse.embedding(Tensor.of(1.0), w), "embedding", "I64", "F32");
    }

    // ------------------------------------------------------------------ second order

    private static void secondOrder(String what, Function<Tensor[], Tensor> fn, Tensor... inputs) {
        try {
            GradCheck.checkSecondOrder(fn, inputs);
        } catch (AssertionError e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
    }

    @Test
    void gatherIsTwiceDifferentiable() {
        Inputs g = new Inputs(11);
        Tensor index = longs(new long[] {0, 0, 3, 1, 2, 2}, 3, 2);
        secondOrder("gather(1), squared", in -> in[0].gather(1, index).square(), g.of(Domain.REAL, 3, 4));
        secondOrder("gather(0) of transposed, times y", in -> in[0].gather(0, longs(new long[] {2, 0, 1, 1}, 1, 4))
                .mul(in[1]).exp(), g.transposed(Domain.REAL, 3, 4), g.of(Domain.REAL, 1, 4));
    }

    @Test
    void indexSelectIsTwiceDifferentiable() {
        Inputs g = new Inputs(12);
        secondOrder("indexSelect(0, [2, 0, 2]), exp", in -> in[0].indexSelect(0, Tensor.of(2L, 0L, 2L)).exp(),
                g.of(Domain.REAL, 3, 4));
        secondOrder("indexSelect(-1) of step slice, squared", in -> in[0].indexSelect(-1, Tensor.of(1L, 1L)).square(),
                g.stepSliced(Domain.REAL, 2, 3));
    }

    @Test
    void embeddingIsTwiceDifferentiable() {
        Inputs g = new Inputs(13);
        Tensor ids = longs(new long[] {1, 4, 1, 0, 3, 1}, 2, 3);
        secondOrder("embedding, squared", in -> Sparse.embedding(ids, in[0]).square(), g.of(Domain.REAL, 5, 3));
        Tensor notPad = ids.ne(1.0).unsqueeze(-1).to(DType.F64);
        secondOrder("embedding with paddingIdx 1, times a vector, tanh",
                in -> Sparse.embedding(ids, in[0], 1).mul(notPad).mul(in[1]).tanh(),
                g.of(Domain.REAL, 5, 3), g.of(Domain.REAL, 3));
    }

    @Test
    void scatterFamilyAndIndexingAreTwiceDifferentiable() {
        Inputs g = new Inputs(14);
        Tensor index = longs(new long[] {0, 1, 0, 0, 0, 2}, 2, 3);
        secondOrder("scatterAdd, squared", in -> in[0].scatterAdd(0, index, in[1]).square(),
                g.of(Domain.REAL, 3, 3), g.of(Domain.REAL, 2, 3));
        secondOrder("scatter, squared", in -> in[0].scatter(0, longs(new long[] {2, 0, 1}, 1, 3), in[1]).square(),
                g.of(Domain.REAL, 3, 3), g.of(Domain.REAL, 2, 3));
        secondOrder("indexAdd(alpha 2), exp", in -> in[0].indexAdd(1, Tensor.of(0L, 0L), in[1], 2.0).exp(),
                g.of(Domain.REAL, 2, 3), g.of(Domain.REAL, 2, 2));
        secondOrder("take, squared", in -> in[0].take(Tensor.of(-1L, 0L, 0L)).square(), g.of(Domain.REAL, 2, 2));
        secondOrder("index(1), sin", in -> in[0].index(1, longs(new long[] {0, -1, 2, 2}, 2, 2)).sin(),
                g.of(Domain.REAL, 2, 3));
        secondOrder("maskedSelect, squared", in -> in[0].maskedSelect(Tensor.of(true, false, true)).square(),
                g.of(Domain.REAL, 2, 3));
        secondOrder("maskedFill(tensor value), times x", in -> in[0].maskedFill(Tensor.of(true, false, true), in[1])
                .mul(in[0]), g.of(Domain.REAL, 3), g.of(Domain.REAL));
    }

    @Test
    void indexTensorsSavedForBackwardAreVersionChecked() {
        Tensor index = Tensor.of(1L, 0L);
        Tensor x = Tensor.zeros(2).setRequiresGrad(true);
        Tensor y = x.gather(0, index);
        index.setDouble(0, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertContains(e.getMessage(), "GatherBackward0", "in-place");
        assertTrue(x.grad() == null);
    }

    // ------------------------------------------------------------------ ops as data

    @Test
    void tensorMethodsRecordTheirPrimitiveWithNormalizedAttributes() {
        Tensor x = Tensor.zeros(3, 4).setRequiresGrad(true);
        Tensor i32 = Tensor.fromArray(new int[] {2, 0}, 2);
        Tensor y = x.indexSelect(-1, i32);
        assertEquals(IndexingOps.INDEX_SELECT, y.gradFn().op());
        assertEquals(new IndexingOps.Dim(1), y.gradFn().attrs(), "dim -1 wrapped");
        assertEquals(DType.I64, y.gradFn().inputDType(1), "the index reaches the primitive as I64");
        assertNull(y.gradFn().nextFunctions().get(1), "the index is a constant input");
        assertEquals(new IndexingOps.IndexAdd(0, -2.0), x.indexAdd(-2, i32, Tensor.ones(2, 4), -2.0).gradFn().attrs());
        assertEquals(new IndexingOps.ScatterValue(1, 1.5), x.scatter(-1, longs(new long[] {0, 1, 2}, 3, 1), 1.5).gradFn().attrs());
        assertEquals(new IndexingOps.Fill(-3.0), x.maskedFill(x.gt(1.0), -3.0).gradFn().attrs());
        assertEquals(IndexingOps.TAKE, x.take(Tensor.of(-1L)).gradFn().op());
        assertEquals(new IndexingOps.Dim(0), x.index(-2, Tensor.of(-1L)).gradFn().attrs());
        Tensor w = Tensor.zeros(5, 2).setRequiresGrad(true);
        assertEquals(new IndexingOps.Embedding(4), Sparse.embedding(Tensor.of(1L), w, -1).gradFn().attrs(),
                "paddingIdx -1 counts from the end");
        assertEquals(new IndexingOps.Embedding(-1), Sparse.embedding(Tensor.of(1L), w).gradFn().attrs(), "no padding");
    }

    @Test
    void negativeIndicesReachTakeAndIndexWrapped() {
        Tensor x = Tensor.arange(0.0, 6.0, 1.0).reshape(2, 3).setRequiresGrad(true);
        Tensor taken = x.take(Tensor.of(-1L, 0L));
        assertValues(taken.gradFn().saved(0), DType.I64, shape(2), 5, 0);
        Tensor indexed = x.index(1, Tensor.of(-3L));
        assertValues(indexed.gradFn().saved(0), DType.I64, shape(1), 0);
    }
}
