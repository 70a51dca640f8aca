package dev.walnut;

import static dev.walnut.TensorAssertions.assertValuesWithin;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Views, reshaping, slicing, concatenation and splitting: shapes, values and storage sharing. */
class ShapeOpsTest {

    /** Checks shape and values, whatever the dtype, to within 1e-6 (absolute; NaN matches NaN). */
    private static void assertValues(Tensor actual, long[] shape, double... expected) {
        assertValuesWithin(1e-6, actual, shape, expected);
    }

    /** 0..11 as F32 of shape [3, 4] over a wrapped array. */
    private static float[] data12() {
        float[] d = new float[12];
        for (int i = 0; i < 12; i++) {
            d[i] = i;
        }
        return d;
    }

    // ------------------------------------------------------------------ storage sharing

    @Test
    void writesToAWrappedArrayShowThroughEveryView() {
        float[] data = data12();
        Tensor x = Tensor.wrap(data, 3, 4);
        Tensor t = x.t();
        Tensor row = x.select(0, 1);
        Tensor cols = x.slice(1, 0, 4, 2);
        Tensor flat = x.view(12);
        data[5] = 100f; // x[1, 1]
        assertEquals(100.0, t.getDouble(1, 1));
        assertEquals(100.0, row.getDouble(1));
        assertEquals(6.0, cols.getDouble(1, 1)); // x[1, 2] is untouched
        assertEquals(100.0, flat.getDouble(5));
        data[6] = -1f; // x[1, 2]
        assertEquals(-1.0, cols.getDouble(1, 1));
    }

    @Test
    void writesThroughAViewReachTheWrappedArray() {
        float[] data = data12();
        Tensor x = Tensor.wrap(data, 3, 4);
        x.t().setDouble(42, 3, 2); // x[2, 3]
        assertEquals(42f, data[11]);
        x.narrow(1, 1, 2).fillInPlace(-5);
        assertArrayEquals(new float[] {0, -5, -5, 3, 4, -5, -5, 7, 8, -5, -5, 42}, data);
    }

    @Test
    void viewsShareTheVersionCounter() {
        Tensor x = Tensor.zeros(3, 4);
        Tensor v = x.transpose(0, 1).slice(0, 0, 4, 2);
        int before = x.version();
        assertEquals(before, v.version());
        v.addInPlace(1.0);
        assertTrue(x.version() > before, "in-place write through a view bumps the base's version");
        assertEquals(x.version(), v.version());
        x.mulInPlace(2.0);
        assertEquals(x.version(), v.version());
        assertEquals(x.version(), x.detach().version(), "detach shares storage and version");
    }

    @Test
    void aFreshTensorHasItsOwnVersionCounter() {
        Tensor x = Tensor.zeros(2);
        Tensor y = x.clone();
        x.addInPlace(1.0);
        assertNotEquals(x.version(), y.version());
        assertValues(y, shape(2), 0, 0);
    }

    // ------------------------------------------------------------------ reshape and view

    @Test
    void reshapeOfAContiguousTensorIsAView() {
        float[] data = data12();
        Tensor r = Tensor.wrap(data, 3, 4).reshape(2, 6);
        data[7] = 70f;
        assertEquals(70.0, r.getDouble(1, 1));
        assertValues(r, shape(2, 6), 0, 1, 2, 3, 4, 5, 6, 70, 8, 9, 10, 11);
    }

    @Test
    void reshapeInfersOneMinusOneDim() {
        assertArrayEquals(shape(3, 2, 2), Tensor.zeros(12).reshape(3, -1, 2).shape());
        assertArrayEquals(shape(12), Tensor.zeros(3, 4).reshape(-1).shape());
        assertArrayEquals(shape(), Tensor.zeros(1, 1).reshape().shape());
    }

    @Test
    void reshapeWithTwoInferredDimsOrAWrongSizeThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(12).reshape(-1, -1));
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(12).reshape(5, -1));
        assertTrue(e.getMessage().contains("12"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(12).reshape(5, 2));
    }

    @Test
    void reshapeOfANonContiguousTensorCopies() {
        float[] data = data12();
        Tensor t = Tensor.wrap(data, 3, 4).t(); // [4, 3]
        Tensor r = t.reshape(12);
        assertValues(r, shape(12), 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        data[0] = 99f;
        assertEquals(0.0, r.getDouble(0), "a copy does not see later writes");
    }

    @Test
    void viewOfANonContiguousTensorThrowsSuggestingReshape() {
        Tensor t = Tensor.zeros(3, 4).t();
        var e = assertThrows(RuntimeException.class, () -> t.view(12));
        assertTrue(e.getMessage().contains("reshape"), e.getMessage());
    }

    @Test
    void viewThatOnlySplitsOrMergesCompatibleDimsWorksOnNonContiguous() {
        Tensor t = Tensor.wrap(data12(), 3, 4).t(); // [4, 3] strides [1, 4]
        Tensor v = t.view(2, 2, 3);
        assertArrayEquals(shape(2, 2, 3), v.shape());
        assertValues(v, shape(2, 2, 3), 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    }

    @Test
    void viewOfANarrowedTensorSplitsItsRowsButCannotMergeThem() {
        Tensor x = Tensor.arange(24).reshape(4, 6).narrow(1, 1, 4); // rows of 4 with stride 6
        assertValues(x.view(4, 2, 2).select(0, 1), shape(2, 2), 7, 8, 9, 10);
        assertValues(x.view(2, 2, 4).select(0, 1).select(0, 0), shape(4), 13, 14, 15, 16);
        assertThrows(IllegalStateException.class, () -> x.view(16));
        assertValues(x.reshape(16), shape(16), 1, 2, 3, 4, 7, 8, 9, 10, 13, 14, 15, 16, 19, 20, 21, 22);
    }

    @Test
    void reshapeOfAnExpandedTensorMaterialisesTheRepeats() {
        Tensor e = Tensor.of(1L, 2L, 3L).reshape(3, 1).expand(3, 2);
        assertValues(e.reshape(6), shape(6), 1, 1, 2, 2, 3, 3);
        assertValues(e.contiguous(), shape(3, 2), 1, 1, 2, 2, 3, 3);
        assertValues(e.sum(0), shape(2), 6, 6);
    }

    @Test
    void flattenMergesARangeOfDims() {
        Tensor x = Tensor.zeros(2, 3, 4, 5);
        assertArrayEquals(shape(2, 12, 5), x.flatten(1, 2).shape());
        assertArrayEquals(shape(2, 60), x.flatten(1, -1).shape());
        assertArrayEquals(shape(120), x.flatten().shape());
        assertArrayEquals(shape(1), Tensor.scalar(3).flatten().shape());
    }

    // ------------------------------------------------------------------ squeeze, unsqueeze, permute

    @Test
    void squeezeRemovesSizeOneDims() {
        Tensor x = Tensor.zeros(1, 3, 1, 2);
        assertArrayEquals(shape(3, 2), x.squeeze().shape());
        assertArrayEquals(shape(1, 3, 2), x.squeeze(2).shape());
        assertArrayEquals(shape(1, 3, 1, 2), x.squeeze(1).shape(), "squeezing a dim of size 3 is a no-op");
        assertArrayEquals(shape(1, 3, 2), x.squeeze(-2).shape());
    }

    @Test
    void unsqueezeInsertsASizeOneDim() {
        Tensor x = Tensor.zeros(2, 3);
        assertArrayEquals(shape(1, 2, 3), x.unsqueeze(0).shape());
        assertArrayEquals(shape(2, 1, 3), x.unsqueeze(1).shape());
        assertArrayEquals(shape(2, 3, 1), x.unsqueeze(-1).shape());
        assertArrayEquals(shape(2, 1, 3), x.unsqueeze(-2).shape());
        assertArrayEquals(shape(1), Tensor.scalar(1).unsqueeze(0).shape());
        assertThrows(IndexOutOfBoundsException.class, () -> x.unsqueeze(3));
    }

    @Test
    void unsqueezeOfATransposedTensorIsAView() {
        float[] data = data12();
        Tensor u = Tensor.wrap(data, 3, 4).t().unsqueeze(1); // [4, 1, 3]
        data[4] = -4f; // x[1, 0] == u[0, 0, 1]
        assertEquals(-4.0, u.getDouble(0, 0, 1));
    }

    @Test
    void transposeAndPermuteReorderDims() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        Tensor p = x.permute(2, 0, 1);
        assertArrayEquals(shape(4, 2, 3), p.shape());
        assertArrayEquals(shape(1, 12, 4), p.stride());
        assertEquals(x.getLong(1, 2, 3), p.getLong(3, 1, 2));
        assertArrayEquals(shape(2, 4, 3), x.permute(0, -1, -2).shape());
        Tensor t = x.transpose(-1, 0);
        assertArrayEquals(shape(4, 3, 2), t.shape());
        assertEquals(x.getLong(1, 0, 2), t.getLong(2, 0, 1));
        assertFalse(t.isContiguous());
    }

    @Test
    void permuteRejectsRepeatedOrMissingDims() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).permute(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).permute(0));
    }

    @Test
    void tOfAVectorIsTheVectorAndOfA3dTensorThrows() {
        Tensor v = Tensor.of(1.0, 2.0);
        assertSame(v, v.t());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 2, 2).t());
    }

    // ------------------------------------------------------------------ expand

    @Test
    void expandBroadcastsWithoutCopying() {
        float[] data = {1, 2, 3};
        Tensor e = Tensor.wrap(data, 3, 1).expand(3, 4);
        assertArrayEquals(shape(3, 4), e.shape());
        assertArrayEquals(shape(1, 0), e.stride());
        assertValues(e, shape(3, 4), 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
        data[1] = 20f;
        assertEquals(20.0, e.getDouble(1, 3));
    }

    @Test
    void expandWithMinusOneKeepsASizeAndAddsLeadingDims() {
        Tensor x = Tensor.zeros(3, 1);
        assertArrayEquals(shape(2, 3, 5), x.expand(2, -1, 5).shape());
        assertArrayEquals(shape(3, 1), x.expand(-1, -1).shape());
        assertArrayEquals(shape(2, 3), Tensor.scalar(7).expand(2, 3).shape());
        assertArrayEquals(shape(2, 3, 1), x.expandAs(Tensor.zeros(2, 3, 1)).shape());
    }

    @Test
    void expandOfANonSingletonDimThrows() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 2).expand(3, 4));
        assertTrue(e.getMessage().contains("expand"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).expand(-1, 3));
    }

    // ------------------------------------------------------------------ narrow, select, slice

    @Test
    void narrowTakesALengthFromAStart() {
        Tensor x = Tensor.arange(10);
        assertValues(x.narrow(0, 2, 3), shape(3), 2, 3, 4);
        assertValues(x.narrow(-1, 7, 3), shape(3), 7, 8, 9);
    }

    @Test
    void narrowAcceptsANegativeStart() {
        assertValues(Tensor.arange(10).narrow(0, -3, 2), shape(2), 7, 8);
    }

    @Test
    void narrowPastTheEndThrows() {
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.arange(10).narrow(0, 8, 3));
    }

    @Test
    void sliceWithAStep() {
        Tensor x = Tensor.arange(10);
        assertValues(x.slice(0, 1, 8, 3), shape(3), 1, 4, 7);
        assertValues(x.slice(0, 0, 10, 4), shape(3), 0, 4, 8);
        assertArrayEquals(shape(3), x.slice(0, 1, 8, 3).stride());
    }

    @Test
    void sliceWithNegativeIndicesCountsFromTheEnd() {
        Tensor x = Tensor.arange(10);
        assertValues(x.slice(0, -7, -1, 2), shape(3), 3, 5, 7);
        assertValues(x.slice(0, -3, 10, 1), shape(3), 7, 8, 9);
    }

    @Test
    void sliceClampsOutOfRangeBoundsLikePython() {
        Tensor x = Tensor.arange(10);
        assertValues(x.slice(0, 5, 100, 1), shape(5), 5, 6, 7, 8, 9);
        assertValues(x.slice(0, -100, 2, 1), shape(2), 0, 1);
        assertArrayEquals(shape(0), x.slice(0, 7, 3, 1).shape());
    }

    @Test
    void sliceWithANonPositiveStepThrows() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(10).slice(0, 0, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(10).slice(0, 9, 0, -1));
    }

    @Test
    void sliceOfAMatrixAlongTheLastDim() {
        Tensor x = Tensor.arange(12).reshape(3, 4);
        assertValues(x.slice(-1, 1, 4, 2), shape(3, 2), 1, 3, 5, 7, 9, 11);
        assertFalse(x.slice(-1, 1, 4, 2).isContiguous());
    }

    @Test
    void selectRemovesTheDim() {
        Tensor x = Tensor.arange(12).reshape(3, 4);
        assertValues(x.select(0, 1), shape(4), 4, 5, 6, 7);
        assertValues(x.select(1, -1), shape(3), 3, 7, 11);
        assertValues(x.select(-1, 0), shape(3), 0, 4, 8);
        assertValues(x.select(0, 2).select(0, 3), shape(), 11);
    }

    @Test
    void selectOutOfRangeThrowsNamingTheIndex() {
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(3, 4).select(1, 4));
        assertTrue(e.getMessage().contains("4"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(3, 4).select(0, -4));
    }

    @Test
    void badDimsThrowIndexOutOfBoundsNamingTheDim() {
        Tensor x = Tensor.zeros(3, 4);
        for (Runnable r : List.<Runnable>of(() -> x.select(2, 0), () -> x.transpose(0, 2), () -> x.narrow(-3, 0, 1),
                () -> x.squeeze(5), () -> x.size(2), () -> x.softmax(2), () -> x.max(-3, false))) {
            var e = assertThrows(IndexOutOfBoundsException.class, r::run);
            assertTrue(e.getMessage().matches("(?s).*dim -?[235].*"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ cat, stack, split, chunk

    @Test
    void catConcatenatesAlongADim() {
        Tensor a = Tensor.arange(4).reshape(2, 2);
        Tensor b = Tensor.arange(4, 10, 1).reshape(2, 3);
        assertValues(Tensor.cat(new Tensor[] {a, b}, 1), shape(2, 5), 0, 1, 4, 5, 6, 2, 3, 7, 8, 9);
        assertValues(Tensor.cat(List.of(a, b.narrow(1, 0, 2)), -2), shape(4, 2), 0, 1, 2, 3, 4, 5, 7, 8);
    }

    @Test
    void catOfNonContiguousInputs() {
        Tensor a = Tensor.arange(6).reshape(2, 3).t(); // [[0,3],[1,4],[2,5]]
        assertValues(Tensor.cat(new Tensor[] {a, a.slice(1, 1, 2, 1)}, 1), shape(3, 3), 0, 3, 3, 1, 4, 4, 2, 5, 5);
    }

    @Test
    void catPromotesDtypes() {
        Tensor out = Tensor.cat(new Tensor[] {Tensor.of(1L), Tensor.of(0.5)}, 0);
        assertEquals(DType.F32, out.dtype());
        assertValues(out, shape(2), 1, 0.5);
    }

    @Test
    void catWithMismatchedSizesThrowsNamingTheShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.cat(new Tensor[] {Tensor.zeros(2, 3), Tensor.zeros(3, 3)}, 1));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.cat(new Tensor[] {Tensor.scalar(1)}, 0));
    }

    @Test
    void catCopiesInsteadOfSharing() {
        float[] data = {1, 2};
        Tensor c = Tensor.cat(new Tensor[] {Tensor.wrap(data, 2)}, 0);
        data[0] = 10f;
        assertEquals(1.0, c.getDouble(0));
    }

    @Test
    void stackAddsANewDim() {
        Tensor a = Tensor.of(1.0, 2.0, 3.0);
        Tensor b = Tensor.of(4.0, 5.0, 6.0);
        assertValues(Tensor.stack(new Tensor[] {a, b}, 0), shape(2, 3), 1, 2, 3, 4, 5, 6);
        assertValues(Tensor.stack(List.of(a, b), -1), shape(3, 2), 1, 4, 2, 5, 3, 6);
        assertValues(Tensor.stack(new Tensor[] {Tensor.scalar(1), Tensor.scalar(2)}, 0), shape(2), 1, 2);
        assertThrows(IllegalArgumentException.class, () -> Tensor.stack(new Tensor[] {a, Tensor.zeros(2)}, 0));
    }

    @Test
    void splitBySizeLeavesASmallerLastPiece() {
        List<Tensor> parts = Tensor.arange(7).split(3, 0);
        assertEquals(3, parts.size());
        assertValues(parts.get(0), shape(3), 0, 1, 2);
        assertValues(parts.get(1), shape(3), 3, 4, 5);
        assertValues(parts.get(2), shape(1), 6);
    }

    @Test
    void splitBySizesAlongTheLastDim() {
        List<Tensor> parts = Tensor.arange(12).reshape(2, 6).split(new long[] {1, 2, 3}, -1);
        assertArrayEquals(shape(2, 1), parts.get(0).shape());
        assertValues(parts.get(1), shape(2, 2), 1, 2, 7, 8);
        assertValues(parts.get(2), shape(2, 3), 3, 4, 5, 9, 10, 11);
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(6).split(new long[] {1, 2}, 0));
    }

    @Test
    void splitPiecesAreViews() {
        float[] data = {0, 1, 2, 3};
        List<Tensor> parts = Tensor.wrap(data, 4).split(2, 0);
        data[3] = 30f;
        assertEquals(30.0, parts.get(1).getDouble(1));
    }

    @Test
    void chunkSplitsIntoNearlyEqualPieces() {
        // PyTorch: torch.arange(6).chunk(4) gives 3 chunks of 2; arange(5).chunk(2) gives sizes 3 and 2.
        assertEquals(List.of(2L, 2L, 2L), Tensor.arange(6).chunk(4, 0).stream().map(t -> t.size(0)).toList());
        assertEquals(List.of(3L, 2L), Tensor.arange(5).chunk(2, 0).stream().map(t -> t.size(0)).toList());
        List<Tensor> byCols = Tensor.arange(6).reshape(2, 3).chunk(3, -1);
        assertEquals(3, byCols.size());
        assertValues(byCols.get(2), shape(2, 1), 2, 5);
    }

    // ------------------------------------------------------------------ copies and contiguity

    @Test
    void contiguousOfAContiguousTensorIsTheSameTensor() {
        Tensor x = Tensor.zeros(2, 3);
        assertSame(x, x.contiguous());
    }

    @Test
    void contiguousOfATransposeCopiesIntoRowMajorOrder() {
        Tensor t = Tensor.arange(6).reshape(2, 3).t();
        assertFalse(t.isContiguous());
        Tensor c = t.contiguous();
        assertTrue(c.isContiguous());
        assertArrayEquals(shape(2, 1), c.stride());
        assertValues(c, shape(3, 2), 0, 3, 1, 4, 2, 5);
    }

    @Test
    void cloneHasItsOwnStorage() {
        float[] data = {1, 2};
        Tensor c = Tensor.wrap(data, 2).clone();
        data[0] = 10f;
        assertEquals(1.0, c.getDouble(0));
    }

    @Test
    void stridesOfAContiguousTensorAreRowMajor() {
        assertArrayEquals(shape(12, 4, 1), Tensor.zeros(2, 3, 4).stride());
        assertEquals(3, Tensor.zeros(2, 3, 4).dim());
        assertEquals(24, Tensor.zeros(2, 3, 4).numel());
        assertEquals(4, Tensor.zeros(2, 3, 4).size(-1));
    }
}
