package dev.walnut.nn.functional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/** F.embedding and F.one_hot as a PyTorch program writes them; values are PyTorch's. */
class SparseTest {

    @Test
    void embeddingLooksUpRowsAndSumsRepeatedGradients() {
        Tensor w = Tensor.arange(0.0, 8.0, 1.0, DType.F64).reshape(4, 2).setRequiresGrad(true);
        Tensor ids = Tensor.fromArray(new long[] {3, 0, 3}, 3);
        Tensor e = Sparse.embedding(ids, w);                                   // F.embedding(ids, w)
        assertEquals(List.of(List.of(6.0, 7.0), List.of(0.0, 1.0), List.of(6.0, 7.0)), e.toList());
        e.sum().backward();
        assertEquals(List.of(List.of(1.0, 1.0), List.of(0.0, 0.0), List.of(0.0, 0.0), List.of(2.0, 2.0)), w.grad().toList());
        assertEquals("EmbeddingBackward0", e.gradFn().name(), "records the embedding primitive");
    }

    @Test
    void paddingIdxRowGetsNoGradient() {
        Tensor w = Tensor.randn(new long[] {4, 3}, DType.F64).setRequiresGrad(true);
        Sparse.embedding(Tensor.of(0L, 2L, 2L), w, 2).sum().backward();       // F.embedding(ids, w, padding_idx=2)
        assertEquals(List.of(0.0, 0.0, 0.0), w.grad().index(dev.walnut.Slice.at(2)).toList());
        GradCheck.check(in -> Sparse.embedding(Tensor.of(1L, 3L, 1L), in[0]),
                Tensor.randn(new long[] {4, 2}, DType.F64).setRequiresGrad(true));
    }

    @Test
    void oneHotInfersOrTakesTheClassCount() {
        assertEquals(List.of(List.of(1L, 0L, 0L), List.of(0L, 0L, 1L)), Sparse.oneHot(Tensor.of(0L, 2L)).toList()); // F.one_hot(t)
        assertArrayEquals(new long[] {2, 5}, Sparse.oneHot(Tensor.of(0L, 2L), 5).shape());                       // num_classes=5
        assertEquals(DType.I64, Sparse.oneHot(Tensor.of(1L)).dtype());
    }
}
