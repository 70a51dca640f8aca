package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.nn.functional.Losses;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's friction, written as the PyTorch program a user translates line by line: the
 * expected values are what PyTorch prints for the same program.
 */
class PyTorchHabitsTest {

    @Test
    void tolistNestsLikePython() {
        // torch.tensor([[1., 2.], [3., 4.]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
        assertEquals(List.of(List.of(1.0, 2.0), List.of(3.0, 4.0)), Tensor.of(new double[][] {{1, 2}, {3, 4}}).toList());
        // torch.arange(6).reshape(1, 2, 3).tolist() == [[[0, 1, 2], [3, 4, 5]]]
        assertEquals(List.of(List.of(List.of(0L, 1L, 2L), List.of(3L, 4L, 5L))), Tensor.arange(6L).reshape(1, 2, 3).toList());
        assertEquals(List.of(true, false), Tensor.of(1.0, -1.0).gt(0.0).toList());
        assertEquals(2.5, Tensor.scalar(2.5, DType.F64).toList(), "a 0-d tensor gives its value");
    }

    @Test
    void matricesConvertToNestedJavaArrays() {
        assertArrayEquals(new double[][] {{1, 0}, {0, 1}}, Tensor.eye(2).toDoubleArray2d());
        double[][][] cube = Tensor.arange(8L).reshape(2, 2, 2).toDoubleArray3d();
        assertArrayEquals(new double[] {6, 7}, cube[1][1], 0.0);
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(1.0).toDoubleArray2d());
        assertTrue(e.getMessage().contains("2-d") && e.getMessage().contains("[1]"), e.getMessage());
    }

    @Test
    void argmaxOverAllElementsCanKeepDims() {
        // torch.tensor([[1, 5], [3, 2]]).argmax(keepdim=True) has shape [1, 1] and value 1
        Tensor m = Tensor.of(new double[][] {{1, 5}, {3, 2}});
        assertArrayEquals(new long[] {1, 1}, m.argmax(true).shape());
        assertEquals(1L, m.argmax(true).itemLong());
        assertEquals(0L, m.argmin(false).itemLong(), "the 1 at [0, 0]");
    }

    @Test
    void varianceAndStdOverAllElementsTakeACorrection() {
        // torch.tensor([1., 2., 3., 4.]).var(correction=0) == 1.25; var() == 5/3
        Tensor x = Tensor.of(1.0, 2.0, 3.0, 4.0);
        assertEquals(1.25, x.var(0).item(), 1e-6);
        assertEquals(5.0 / 3.0, x.var(1).item(), 1e-6);
        assertEquals(Math.sqrt(1.25), x.std(0).item(), 1e-6);
    }

    @Test
    void sizeOfAZeroDimTensorSaysItHasNoDims() {
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.scalar(3).size(0));
        assertTrue(e.getMessage().contains("0-d tensor has no dims"), e.getMessage());
    }

    @Test
    void crossEntropyWithFloatClassIndicesSaysTheyMustBeIntegers() {
        // F.cross_entropy(logits, torch.tensor([0., 1.])) with float targets of the wrong shape
        Tensor logits = Tensor.of(new double[][] {{1, 2}, {3, 4}});
        var e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(logits, Tensor.of(0.0, 1.0)));
        assertTrue(e.getMessage().contains("class-index targets must be integers") && e.getMessage().contains("I64"),
                e.getMessage());
    }

    @Test
    void theDefaultDTypeIsF32UntilSetAndFollowsPyTorchsRulesOnceSet() throws Exception {
        assertEquals(DType.F32, Tensor.defaultDType());
        assertEquals(DType.F32, Tensor.of(1.0).dtype());
        assertEquals(DType.F64, Tensor.fromArray(new double[] {1.0}, 1).dtype(), "a double[] gives F64 whatever the default");
        try {
            // torch.set_default_dtype(torch.float64)
            Tensor.setDefaultDType(DType.F64);
            assertEquals(DType.F64, Tensor.of(0.1).dtype());
            assertEquals(0.1, Tensor.of(0.1).item(), 0.0, "not rounded through a float");
            assertEquals(DType.F64, Tensor.scalar(0.1).dtype());
            assertEquals(DType.F64, Tensor.zeros(2).dtype());
            assertEquals(DType.F64, Tensor.randn(2).dtype());
            assertEquals(DType.F64, Tensor.arange(0.0, 1.0, 0.5).dtype());
            assertEquals(DType.F64, Tensor.of(1L, 2L).exp().dtype(), "float-only ops of integers give the default");
            assertEquals(DType.F64, Tensor.of(1L, 2L).div(Tensor.of(2L)).dtype(), "true division too");
            assertEquals(DType.I64, Tensor.of(1L, 2L).add(1L).dtype(), "integer arithmetic stays integer");
            DType[] elsewhere = new DType[1];
            Thread t = new Thread(() -> elsewhere[0] = Tensor.of(1.0).dtype());
            t.start();
            t.join();
            assertEquals(DType.F32, elsewhere[0], "per thread, like grad mode");
        } finally {
            Tensor.setDefaultDType(DType.F32);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.setDefaultDType(DType.I64));
        assertTrue(e.getMessage().contains("F32 or F64"), e.getMessage());
    }

    @Test
    void anInPlaceWriteThroughAViewOfALeafSaysItIsAView() {
        // w = torch.zeros(3, 4, requires_grad=True); w[0].fill_(1.) -> error about a view of a leaf
        Tensor w = Tensor.zeros(3, 4).setRequiresGrad(true);
        var e = assertThrows(IllegalStateException.class, () -> w.select(0, 0).fillInPlace(1.0));
        assertTrue(e.getMessage().contains("a view (shape [4]) of a leaf tensor that requires grad (shape [3, 4])"),
                e.getMessage());
    }

    @Test
    void basicIndexingReadsLikePython() {
        Tensor x = Tensor.arange(12L).reshape(3, 4);
        assertEquals(List.of(0L, 1L, 2L, 3L), x.index(Slice.at(0)).toList());                    // x[0]
        assertEquals(List.of(List.of(1L, 2L), List.of(5L, 6L), List.of(9L, 10L)),
                x.index(Slice.all(), Slice.range(1, 3)).toList());                             // x[:, 1:3]
        assertEquals(List.of(3L, 7L, 11L), x.index(Slice.ellipsis(), Slice.at(-1)).toList());   // x[..., -1]
        assertEquals(List.of(List.of(0L, 2L)), x.index(Slice.to(1), Slice.range(0, 4, 2)).toList()); // x[:1, ::2]
        assertArrayEquals(new long[] {3, 1, 4}, x.index(Slice.all(), Slice.newAxis()).shape());  // x[:, None]
        assertEquals(7L, x.index(Slice.at(1), Slice.at(3)).itemLong());                         // x[1, 3]
        var e = assertThrows(IndexOutOfBoundsException.class, () -> x.index(Slice.at(0), Slice.at(0), Slice.at(0)));
        assertTrue(e.getMessage().contains("too many indices"), e.getMessage());
    }

    @Test
    void indexPutAndMaskedFillInPlaceWriteLikePythonAssignments() {
        Tensor x = Tensor.zeros(2, 3);
        x.indexPut(5.0, Slice.at(0));                                        // x[0] = 5
        x.indexPut(Tensor.of(7.0, 8.0), Slice.all(), Slice.at(2));           // x[:, 2] = [7, 8]
        assertEquals(List.of(List.of(5.0, 5.0, 7.0), List.of(0.0, 0.0, 8.0)), x.toList());
        x.maskedFillInPlace(x.gt(6.0), -1.0);                                // x[x > 6] = -1
        assertEquals(List.of(List.of(5.0, 5.0, -1.0), List.of(0.0, 0.0, -1.0)), x.toList());
    }

    @Test
    void manualSgdWritesTheWeightsInPlaceUnderNoGrad() {
        // w -= lr * w.grad, inside torch.no_grad()
        Tensor w = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        w.mul(w).sum().backward();
        try (var off = dev.walnut.autograd.Autograd.noGrad()) {
            w.subInPlace(w.grad().mul(0.25));
        }
        assertArrayEquals(new float[] {0.5f, 1.0f}, w.toFloatArray(), 0f);
    }

    @Test
    void allAndAnyReduceToBoolsLikeTorch() {
        Tensor m = Tensor.of(new double[][] {{1, 0}, {2, 3}});
        assertEquals(false, m.all().toList());                                           // m.all()
        assertEquals(true, m.any().toList());                                            // m.any()
        assertEquals(List.of(false, true), m.all(1, false).toList());                    // m.all(dim=1)
        assertEquals(List.of(List.of(true, true)), m.any(0, true).toList());              // m.any(dim=0, keepdim=True)
        assertEquals(DType.BOOL, m.all().dtype());
        assertTrue(Tensor.zeros(0).all().itemBoolean(), "all() of nothing is true");
        assertEquals(false, Tensor.zeros(0).any().itemBoolean(), "any() of nothing is false");
        assertTrue(Tensor.of(Double.NaN).all().itemBoolean(), "NaN is truthy, as in Python");
        assertTrue(Tensor.arange(3L).any().itemBoolean(), "integer tensors too");
    }

    @Test
    void itemBooleanIsPythonsBool() {
        assertTrue(Tensor.of(2.0).gt(1.0).itemBoolean());                                 // bool(x > 1)
        assertEquals(false, Tensor.scalar(0L, DType.I64).itemBoolean());
        var e = assertThrows(IllegalStateException.class, () -> Tensor.of(1.0, 2.0).itemBoolean());
        assertTrue(e.getMessage().contains("any() or all()"), e.getMessage());
    }

    @Test
    void nanAndInfinityTestsMatchTorch() {
        Tensor x = Tensor.of(1.0, Double.NaN, Double.NEGATIVE_INFINITY);
        assertEquals(List.of(false, true, false), x.isnan().toList());                    // torch.isnan(x)
        assertEquals(List.of(false, false, true), x.isinf().toList());                    // torch.isinf(x)
        assertEquals(List.of(true, false, false), x.isfinite().toList());                 // torch.isfinite(x)
        assertEquals(List.of(false, false), Tensor.arange(2L).isnan().toList());
        assertTrue(x.isnan().any().itemBoolean());                                        // if torch.isnan(x).any():
    }

    @Test
    void prodOverAllElementsCanKeepDims() {
        Tensor m = Tensor.of(new double[][] {{1, 2}, {3, 4}});
        assertEquals(List.of(List.of(24.0)), m.prod(true).toList());                     // m.prod().reshape(1, 1)
        assertEquals(24.0, m.prod(false).item(), 0.0);
        Tensor x = Tensor.randn(new long[] {2, 3}, DType.F64).setRequiresGrad(true);
        dev.walnut.autograd.GradCheck.check(in -> in[0].prod(true), x);
    }
}
