package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.Embedding;
import dev.walnut.nn.functional.Sparse;
import org.junit.jupiter.api.Test;

/**
 * Index ops whose tensor methods prepare the indices outside the dispatcher: traced indices
 * work when they need no preparation (contiguous I64, non-negative) and fail clearly otherwise,
 * rather than being kept as constants; a data-dependent size (maskedSelect, nonzero) fails.
 */
class IndexCaptureTest {
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    @Test
    void anEmbeddingOfTracedTokenIdsRunsOnNewIds() {
        Tensor.manualSeed(2);
        Embedding emb = new Embedding(10, 4);
        Graph g = Graph.tracer(emb).markDynamic(0, 0).trace(Tensor.fromArray(new long[] {1, 2, 3, 4, 5, 6}, 3, 2));
        Tensor ids = Tensor.fromArray(new long[] {9, 0, 7, 7}, 2, 2);
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = emb.forward(ids);
        }
        assertBitIdentical(expected, g.run(ids)[0]);
    }

    @Test
    void indicesThatNeedConversionFail() {
        Tensor table = randn(1, 10, 4);
        var e = assertThrows(GraphCaptureException.class,
                () -> Graph.trace(in -> Sparse.embedding(in[0], table), Tensor.fromArray(new int[] {1, 2}, 2)));
        assertTrue(e.getMessage().startsWith("embedding (indices converted to contiguous I64"), e.getMessage());
        Graph ok = Graph.trace(in -> Sparse.embedding(in[0].to(DType.I64), table), Tensor.fromArray(new int[] {1, 2}, 2));
        Tensor ids = Tensor.fromArray(new int[] {7, 3}, 2);
        assertBitIdentical(Sparse.embedding(ids.to(DType.I64), table), ok.run(ids)[0]);
    }

    @Test
    void negativeTracedIndicesFail() {
        var e = assertThrows(GraphCaptureException.class,
                () -> Graph.trace(in -> in[0].take(in[1]), randn(1, 5), Tensor.fromArray(new long[] {-1, 2}, 2)));
        assertTrue(e.getMessage().startsWith("negative indices"), e.getMessage());
    }

    @Test
    void dataDependentSizesFail() {
        var e = assertThrows(GraphCaptureException.class, () -> Graph.trace(in -> in[0].maskedSelect(in[0].gt(0.0)), randn(1, 5)));
        assertTrue(e.getMessage().startsWith("maskedSelect (its size depends on the mask's values) reads the output of gt"),
                e.getMessage());
        e = assertThrows(GraphCaptureException.class, () -> Graph.trace(in -> in[0].nonzero(), randn(1, 5)));
        assertTrue(e.getMessage().startsWith("nonzero() reads input x0"), e.getMessage());
    }

    @Test
    void aConstantMaskIsFine() {
        Tensor mask = Tensor.fromArray(new boolean[] {true, false, true}, 3);
        Graph g = Graph.trace(in -> in[0].maskedSelect(mask), randn(1, 3));
        Tensor x = randn(2, 3);
        assertBitIdentical(x.maskedSelect(mask), g.run(x)[0]);
    }

    @Test
    void advancedIndexingWithTracedIndicesRunsOnNewIndices() {
        Tensor x = randn(3, 3, 4);
        Graph g = Graph.trace(in -> in[0].index(dev.walnut.Slice.all(), dev.walnut.Slice.of(in[1])), x,
                Tensor.fromArray(new long[] {2, 0}, 2));                                  // x[:, idx]
        Tensor idx = Tensor.fromArray(new long[] {1, 3}, 2);
        assertBitIdentical(x.index(dev.walnut.Slice.all(), dev.walnut.Slice.of(idx)), g.run(x, idx)[0]);
        Graph pairs = Graph.trace(in -> in[0].index(dev.walnut.Slice.of(in[1]), dev.walnut.Slice.of(in[2])), x,
                Tensor.fromArray(new long[] {0, 2}, 2), Tensor.fromArray(new long[] {1, 3}, 2)); // x[rows, cols]
        Tensor rows = Tensor.fromArray(new long[] {2, 1}, 2);
        Tensor cols = Tensor.fromArray(new long[] {0, 0}, 2);
        assertBitIdentical(x.index(dev.walnut.Slice.of(rows), dev.walnut.Slice.of(cols)), pairs.run(x, rows, cols)[0]);
    }
}
