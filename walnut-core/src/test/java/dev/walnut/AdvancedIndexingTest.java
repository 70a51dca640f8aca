package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradCheck;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PyTorch's advanced indexing and index writes ({@code x[idx]}, {@code x[mask]},
 * {@code x[rows, cols] = v}), written as the Python line in the comment; the expected values and
 * shapes are what PyTorch gives for it.
 */
class AdvancedIndexingTest {
    private static final Tensor X = Tensor.arange(12L).reshape(3, 4);
    private static final Tensor Y = Tensor.arange(24L).reshape(2, 3, 4);

    private static Tensor longs(long... v) {
        return Tensor.fromArray(v, v.length);
    }

    private static Tensor param(long... shape) {
        return Tensor.randn(shape, DType.F64).setRequiresGrad(true);
    }

    @Test
    void integerListsPickRows() {
        assertEquals(List.of(List.of(0L, 1L, 2L, 3L), List.of(8L, 9L, 10L, 11L)), X.index(Slice.of(0, 2)).toList()); // x[[0, 2]]
        assertEquals(List.of(List.of(8L, 9L, 10L, 11L)), X.index(Slice.of(-1)).toList());                           // x[[-1]]
        assertEquals(List.of(List.of(3L, 0L), List.of(7L, 4L), List.of(11L, 8L)),
                X.index(Slice.all(), Slice.of(3, 0)).toList());                                                   // x[:, [3, 0]]
        assertEquals(List.of(1L, 11L), X.index(Slice.of(0, 2), Slice.of(1, 3)).toList());                        // x[[0, 2], [1, 3]]
        assertEquals(List.of(4L, 6L), X.index(Slice.at(1), Slice.of(0, 2)).toList());                            // x[1, [0, 2]]
    }

    @Test
    void anIndexTensorOfAnyShapeReplacesItsDim() {
        Tensor idx = Tensor.fromArray(new long[] {0, 1, 2, 0}, 2, 2);
        assertArrayEquals(new long[] {2, 2, 4}, X.index(Slice.of(idx)).shape());                      // x[idx]
        assertArrayEquals(new long[] {3, 2, 2}, X.index(Slice.all(), Slice.of(idx)).shape());         // x[:, idx]
        assertEquals(List.of(List.of(0L, 5L), List.of(10L, 0L)), X.index(Slice.of(idx), Slice.of(idx)).toList()); // x[idx, idx]
        // x[[[0], [2]], [1, 3]]: the index tensors broadcast to [2, 2]
        assertEquals(List.of(List.of(1L, 3L), List.of(9L, 11L)),
                X.index(Slice.of(Tensor.fromArray(new long[] {0, 2}, 2, 1)), Slice.of(1, 3)).toList());
        assertEquals(List.of(8L, 9L, 10L, 11L), X.index(Slice.of(Tensor.scalar(2, DType.I64))).toList(), "a 0-d index removes the dim");
        assertEquals(List.of(List.of(4L, 5L, 6L, 7L)), X.index(Slice.of(Tensor.of(1L).to(DType.I32))).toList(),
                "I32 indices are accepted");
    }

    @Test
    void boolMasksSelectWhereTrue() {
        assertEquals(List.of(9L, 10L, 11L), X.index(Slice.of(X.gt(8L))).toList());                               // x[x > 8]
        assertEquals(List.of(List.of(4L, 5L, 6L, 7L)), X.index(Slice.of(false, true, false)).toList());         // x[[False, True, False]]
        Tensor rows = Tensor.fromArray(new boolean[] {true, false, true}, 3);
        assertEquals(List.of(List.of(0L, 1L, 2L, 3L), List.of(8L, 9L, 10L, 11L)), X.index(Slice.of(rows)).toList()); // x[rows]
        Tensor cols = Tensor.fromArray(new boolean[] {false, true, false, true}, 4);
        assertEquals(List.of(List.of(1L, 3L), List.of(5L, 7L), List.of(9L, 11L)),
                X.index(Slice.all(), Slice.of(cols)).toList());                                                   // x[:, cols]
        assertArrayEquals(new long[] {3, 4}, Y.index(Slice.of(Y.index(Slice.all(), Slice.all(), Slice.at(0)).lt(10L))).shape(),
                "y[y[:, :, 0] < 10]: the rows starting with 0, 4 and 8, with the last dim kept");
        assertArrayEquals(new long[] {1, 3, 4}, X.index(Slice.of(Tensor.scalar(1.0, DType.BOOL))).shape());        // x[True]
        assertArrayEquals(new long[] {0, 3, 4}, X.index(Slice.of(Tensor.scalar(0.0, DType.BOOL))).shape());       // x[False]
    }

    @Test
    void separatedAdvancedIndicesPutTheirDimsFirst() {
        // y[[0, 1], :, [1, 2]]: separated by a slice, the broadcast dim comes first -> shape [2, 3]
        assertEquals(List.of(List.of(1L, 5L, 9L), List.of(14L, 18L, 22L)), Y.index(Slice.of(0, 1), Slice.all(), Slice.of(1, 2)).toList());
        // y[:, [0, 1], [1, 2]]: adjacent, the broadcast dim stays in place -> shape [2, 2]
        assertEquals(List.of(List.of(1L, 6L), List.of(13L, 18L)), Y.index(Slice.all(), Slice.of(0, 1), Slice.of(1, 2)).toList());
        // y[0, :, [0, 1]]: PyTorch selects first (unlike NumPy), so the list stays last -> shape [3, 2]
        assertEquals(List.of(List.of(0L, 1L), List.of(4L, 5L), List.of(8L, 9L)), Y.index(Slice.at(0), Slice.all(), Slice.of(0, 1)).toList());
        // y[None, [0, 1], None, [1, 2]] -> shape [2, 1, 1, 4]
        assertArrayEquals(new long[] {2, 1, 1, 4}, Y.index(Slice.newAxis(), Slice.of(0, 1), Slice.newAxis(), Slice.of(1, 2)).shape());
        // y[..., [0, 3]] -> shape [2, 3, 2]
        assertEquals(List.of(20L, 23L), Y.index(Slice.ellipsis(), Slice.of(0, 3)).index(Slice.at(1), Slice.at(2)).toList());
    }

    @Test
    void badIndicesNameTheValueTheDimAndItsSize() {
        var e = assertThrows(IndexOutOfBoundsException.class, () -> X.index(Slice.all(), Slice.of(4)));
        TensorAssertions.assertContains(e.getMessage(), "index 4 is out of bounds for dim 1 with size 4");
        var m = assertThrows(IndexOutOfBoundsException.class, () -> X.index(Slice.of(Tensor.fromArray(new boolean[] {true, false}, 2))));
        TensorAssertions.assertContains(m.getMessage(), "shape of the mask [2] at index 0 does not match", "[3, 4]");
        var b = assertThrows(IllegalArgumentException.class, () -> X.index(Slice.of(0, 1), Slice.of(0, 1, 2)));
        TensorAssertions.assertContains(b.getMessage(), "indexing tensors could not be broadcast together");
        var f = assertThrows(IllegalArgumentException.class, () -> Slice.of(Tensor.of(1.0)));
        TensorAssertions.assertContains(f.getMessage(), "I64, I32 or BOOL", "F32");
    }

    @Test
    void advancedReadsAreCopiesAndBasicReadsViews() {
        Tensor x = Tensor.zeros(3, 4);
        x.index(Slice.at(0)).fillInPlace(1.0);
        x.index(Slice.of(1)).fillInPlace(2.0);
        assertEquals(4.0, x.sum().item(), 0.0, "x[0] is a view, x[[1]] a copy");
    }

    @Test
    void indexingGradientsScatterBackIncludingRepeats() {
        Tensor x = param(3, 4);
        GradCheck.check(in -> in[0].index(Slice.of(0, 2, 0), Slice.all()), x);                  // repeated row 0
        GradCheck.check(in -> in[0].index(Slice.of(0, 2), Slice.of(-1, 1)), x);
        GradCheck.check(in -> in[0].index(Slice.of(in[0].detach().gt(0.0))), x);
        GradCheck.check(in -> in[0].index(Slice.of(1, 0), Slice.range(1, 3)).mul(in[0].index(Slice.at(2), Slice.of(3, 3))), x);
        // d/dx sum(x[[0, 0, 2]]) counts row 0 twice
        Tensor w = Tensor.ones(new long[] {3, 2}, DType.F64).setRequiresGrad(true);
        w.index(Slice.of(0, 0, 2)).sum().backward();
        assertEquals(List.of(List.of(2.0, 2.0), List.of(0.0, 0.0), List.of(1.0, 1.0)), w.grad().toList());
    }

    @Test
    void writesWithIndexTensorsAndMasks() {
        Tensor x = Tensor.zeros(3, 2);
        x.indexPut(Tensor.of(1.0, 2.0), Slice.of(0, 2), Slice.at(1));                         // x[[0, 2], 1] = [1, 2]
        x.indexPut(-1.0, Slice.of(x.eq(0.0)));                                               // x[x == 0] = -1
        assertEquals(List.of(List.of(-1.0, 1.0), List.of(-1.0, -1.0), List.of(-1.0, 2.0)), x.toList());
        x.indexPut(Tensor.of(5.0, 6.0), Slice.of(Tensor.fromArray(new boolean[] {false, true, false}, 3)), Slice.all()); // x[m] = [5, 6]
        assertEquals(List.of(5.0, 6.0), x.index(Slice.at(1)).toList());
        // index_put_ with accumulate=True sums repeats; plain assignment keeps one of them
        assertEquals(List.of(5.0, 0.0, 2.0), Tensor.zeros(3).indexPut(Tensor.of(1.0, 2.0, 4.0), true, Slice.of(0, 2, 0)).toList());
        Tensor ints = Tensor.arange(4L);
        ints.indexPut(9.0, Slice.of(ints.ge(2L)));                                          // i[i >= 2] = 9
        assertEquals(List.of(0L, 1L, 9L, 9L), ints.toList());
    }

    @Test
    void writesBumpTheVersionAndValuesMustBroadcast() {
        Tensor x = Tensor.zeros(2, 3);
        int v0 = x.version();
        x.indexPut(1.0, Slice.of(1));
        assertEquals(v0 + 1, x.version());
        x.indexPut(Tensor.ones(1, 3), Slice.at(0));                                          // leading 1s dropped
        assertEquals(6.0, x.sum().item(), 0.0);
        var e = assertThrows(IllegalArgumentException.class, () -> x.indexPut(Tensor.ones(2), Slice.of(0, 1), Slice.of(0, 1, 2)));
        TensorAssertions.assertContains(e.getMessage(), "indexing tensors could not be broadcast");
        var f = assertThrows(IllegalArgumentException.class, () -> x.indexPut(Tensor.ones(4), Slice.at(0)));
        TensorAssertions.assertContains(f.getMessage(), "value tensor of shape [4] cannot be broadcast to indexing result of shape [3]");
    }

    @Test
    void writesAreRecordedForAutograd() {
        // y = x * 2; y[[0, 2]] = v; loss = (y * c).sum(): x gets c*2 outside the written rows, v gets c
        GradCheck.check(in -> {
            Tensor y = in[0].mul(2.0);
            y.indexPut(in[1], Slice.of(0, 2));
            return y.mul(y);
        }, param(3, 2), param(2));
        GradCheck.check(in -> {
            Tensor y = in[0].sin();                                                      // sin saves its input, not y
            y.indexPut(in[1].sum(), Slice.all(), Slice.range(1, 2));                          // y[:, 1:2] = v.sum()
            y.indexPut(0.0, Slice.of(in[0].detach().lt(0.0)));                               // y[x < 0] = 0
            return y;
        }, param(3, 2), param(2));
        GradCheck.check(in -> {
            Tensor out = Tensor.zeros(new long[] {4}, DType.F64);                             // a buffer without history
            out.indexPut(in[0].sin(), true, Slice.of(1, 3, 1));
            return out;
        }, param(3));
        Tensor w = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        Tensor y = Tensor.zeros(3);
        y.indexPut(w, Slice.of(2, 0));
        assertTrue(y.requiresGrad(), "y took the history of the written value");
        y.mul(Tensor.of(10.0, 20.0, 30.0)).sum().backward();
        assertEquals(List.of(30.0, 10.0), w.grad().toList());
    }

    @Test
    void writesFollowTheInPlaceRules() {
        Tensor leaf = Tensor.zeros(3).setRequiresGrad(true);
        var e = assertThrows(IllegalStateException.class, () -> leaf.indexPut(1.0, Slice.of(0)));
        TensorAssertions.assertContains(e.getMessage(), "leaf tensor that requires grad", "noGrad");
        try (var off = Autograd.noGrad()) {
            leaf.indexPut(1.0, Slice.of(0));
        }
        assertEquals(1.0, leaf.sum().item(), 0.0);
        // A tensor saved for backward and then overwritten: backward names the in-place write.
        Tensor x = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        Tensor y = x.mul(1.0);
        Tensor z = y.mul(y);
        y.indexPut(0.0, Slice.of(0));
        var b = assertThrows(RuntimeException.class, () -> z.sum().backward());
        TensorAssertions.assertContains(b.getMessage(), "in-place operation");
    }

    @Test
    void writesThroughViewsAreRecordedLikeTorch() {
        // y = x * 2; y[:, 0] += 1   (Python runs the += on the view y[:, 0])
        Tensor x = Tensor.ones(2, 3).setRequiresGrad(true);
        Tensor y = x.mul(2.0);
        Tensor col = y.index(Slice.all(), Slice.at(0));
        col.addInPlace(1.0);
        assertEquals(List.of(List.of(3.0, 2.0, 2.0), List.of(3.0, 2.0, 2.0)), y.toList());
        y.sum().backward();
        assertEquals(List.of(List.of(2.0, 2.0, 2.0), List.of(2.0, 2.0, 2.0)), x.grad().toList());
        // y[:, 0] *= v, checked against finite differences, for y and for the written view itself
        GradCheck.check(in -> {
            Tensor t = in[0].mul(1.0);
            t.index(Slice.all(), Slice.at(0)).mulInPlace(in[1]);
            return t;
        }, param(2, 3), param(2));
        GradCheck.check(in -> {
            Tensor t = in[0].sin();
            Tensor c = t.index(Slice.at(1));
            c.addInPlace(in[1]);                                                               // t[1] += v
            return c.mul(t.index(Slice.at(0)));                                                // the view keeps being used
        }, param(2, 3), param(3));
        GradCheck.check(in -> {
            Tensor t = in[0].exp().clone();
            t.t().diagonal(0, 0, 1).fillInPlace(0.0);                                          // a strided view of a view
            t.index(Slice.at(1), Slice.range(0, 3, 2)).copyInPlace(in[1]);                    // t[1, ::2] = v
            return t;
        }, param(3, 3), param(2));
        GradCheck.check(in -> {
            Tensor out = Tensor.zeros(new long[] {2, 3}, DType.F64);                            // a buffer without history
            out.index(Slice.at(1)).copyInPlace(in[0].tanh());                                  // out[1] = tanh(v)
            return out;
        }, param(3));
    }

    @Test
    void aViewOfALeafThatRequiresGradStillCannotBeWritten() {
        Tensor leaf = Tensor.ones(2, 3).setRequiresGrad(true);
        var e = assertThrows(IllegalStateException.class, () -> leaf.index(Slice.at(0)).fillInPlace(0.0));
        TensorAssertions.assertContains(e.getMessage(), "a view (shape [3]) of a leaf tensor that requires grad (shape [2, 3])");
    }

    @Test
    void aViewTakenBeforeARecordedWriteMustBeTakenAgain() {
        Tensor x = Tensor.ones(2, 3).setRequiresGrad(true);
        Tensor y = x.mul(2.0);
        Tensor row = y.index(Slice.at(0));                                                  // row = y[0]
        Tensor w = Tensor.of(5.0, 6.0, 7.0).setRequiresGrad(true);
        y.indexPut(w, Slice.at(0));                                                         // y[0] = w
        assertEquals(List.of(5.0, 6.0, 7.0), row.toList(), "the view sees the write");
        var e = assertThrows(IllegalStateException.class, () -> row.sum());
        TensorAssertions.assertContains(e.getMessage(), "view (shape [3])", "(shape [2, 3])", "take the view again");
        y.index(Slice.at(0)).sum().backward();                                              // y[0].sum().backward()
        assertEquals(List.of(1.0, 1.0, 1.0), w.grad().toList());
        assertEquals(0.0, x.grad().abs().sum().item(), 0.0, "row 0 of y no longer depends on x");

        Tensor out = Tensor.zeros(2);                                                       // a buffer without history
        Tensor first = out.index(Slice.at(0));
        out.indexPut(w.sum(), Slice.at(0));
        assertThrows(IllegalStateException.class, () -> first.mul(2.0));
        try (var off = Autograd.noGrad()) {
            assertEquals(36.0, first.mul(2.0).item(), 0.0, "reading it without recording is fine");
        }

        Tensor plain = Tensor.zeros(3);                                                     // writes that record nothing
        Tensor head = plain.index(Slice.range(0, 2));
        plain.indexPut(1.0, Slice.at(0));
        assertEquals(1.0, head.mul(Tensor.ones(2).setRequiresGrad(true)).sum().item(), 0.0);
    }

    @Test
    void emptyIndicesSelectAndWriteNothing() {
        assertArrayEquals(new long[] {0, 4}, X.index(Slice.of(new long[0])).shape());                 // x[[]]
        assertArrayEquals(new long[] {0}, X.index(Slice.of(X.lt(0L))).shape());                       // x[x < 0]
        assertArrayEquals(new long[] {3, 0}, X.index(Slice.all(), Slice.of(new long[0])).shape());    // x[:, []]
        Tensor y = Tensor.ones(2, 2);
        y.indexPut(7.0, Slice.of(y.gt(5.0)));                                                   // y[y > 5] = 7
        y.indexPut(Tensor.zeros(0, 2), Slice.of(new long[0]));                                  // y[[]] = empty
        assertEquals(4.0, y.sum().item(), 0.0);
        Tensor e = Tensor.zeros(0, 3);
        assertArrayEquals(new long[] {0, 3}, e.index(Slice.of(e.gt(0.0).any(1, false))).shape());
    }

    /** Index patterns for the write comparison: each is one Python subscript of a [4, 3, 5] tensor. */
    private static List<Slice[]> writePatterns() {
        Tensor mask35 = Tensor.fromArray(new boolean[] {true, false, false, true, true, false, true, false, false, false,
            false, false, true, false, true}, 3, 5);
        return List.of(
                new Slice[] {Slice.of(2, 0, -1)},                                            // x[[2, 0, -1]]
                new Slice[] {Slice.all(), Slice.of(1, 1, 0)},                                 // x[:, [1, 1, 0]]
                new Slice[] {Slice.of(0, 3), Slice.all(), Slice.of(4, 2)},                    // x[[0, 3], :, [4, 2]] (apart)
                new Slice[] {Slice.range(1, 4, 2), Slice.of(2, 0), Slice.of(1, 3)},           // x[1:4:2, [2, 0], [1, 3]]
                new Slice[] {Slice.at(1), Slice.of(Tensor.fromArray(new long[] {0, 2, 1, 0}, 2, 2))}, // x[1, [[0, 2], [1, 0]]]
                new Slice[] {Slice.of(Tensor.fromArray(new long[] {3, 0}, 2, 1)), Slice.of(1, 2)}, // x[[[3], [0]], [1, 2]]
                new Slice[] {Slice.of(true, false, true, true)},                              // x[[True, False, True, True]]
                new Slice[] {Slice.all(), Slice.of(mask35)},                                  // x[:, m]
                new Slice[] {Slice.of(1, 2), Slice.newAxis(), Slice.ellipsis(), Slice.at(-1)}, // x[[1, 2], None, ..., -1]
                new Slice[] {Slice.of(Tensor.scalar(3, DType.I64))},                          // x[tensor(3)]
                new Slice[] {Slice.of(new long[0])});                                         // x[[]]
    }

    /** A [4, 3, 5] tensor over {@code base} [5, 4, 6]: a contiguous copy, a permuted view or a strided view. */
    private static Tensor writeTarget(Tensor base, int layout) {
        return switch (layout) {
            case 0 -> base.index(Slice.range(0, 4), Slice.range(0, 3), Slice.range(0, 5)).contiguous();
            case 1 -> base.permute(1, 0, 2).index(Slice.all(), Slice.range(1, 4), Slice.range(1, 6));
            default -> base.index(Slice.range(1, 5), Slice.all(), Slice.range(0, 6, 1)).index(Slice.all(),
                    Slice.range(1, 4), Slice.range(0, 5));
        };
    }

    @Test
    void unrecordedWritesScatterInPlaceAndMatchTheRecordedPath() {
        // The no-grad path writes straight into the storage at the indexed offsets; the recorded
        // path (taken when the value requires grad) rebuilds the tensor with a scatter. Both must
        // give PyTorch's x[idx] = v and x.index_put_(idx, v, accumulate=True), also through views,
        // whose base changes exactly where the view was written.
        for (Slice[] pattern : writePatterns()) {
            for (boolean accumulate : new boolean[] {false, true}) {
                for (int layout = 0; layout < 3; layout++) {
                    String what = Arrays.toString(pattern) + " accumulate=" + accumulate + " layout " + layout;
                    Tensor base = Tensor.randn(new long[] {5, 4, 6}, DType.F64);
                    Tensor expectedBase = base.clone();
                    Tensor fast = writeTarget(base, layout);
                    Tensor slow = fast.clone();
                    Tensor value = Tensor.randn(slow.index(pattern).shape(), DType.F64);
                    int version = fast.version();
                    fast.indexPut(value, accumulate, pattern);
                    slow.indexPut(value.clone().setRequiresGrad(true), accumulate, pattern);
                    assertArrayEquals(slow.detach().toDoubleArray(), fast.toDoubleArray(), 1e-12, what);
                    assertEquals(version + 1, fast.version(), what + ": the write bumps the version");
                    if (layout > 0) {
                        writeTarget(expectedBase, layout).copyInPlace(slow.detach());
                        assertArrayEquals(expectedBase.toDoubleArray(), base.toDoubleArray(), 1e-12, what + ": base");
                    }
                }
            }
        }
    }

    @Test
    void unrecordedScalarAndIntegerWrites() {
        Tensor ints = Tensor.arange(10L);
        ints.indexPut(Tensor.scalar(7, DType.I64), Slice.of(1, 8, 1));                          // i[[1, 8, 1]] = 7
        assertEquals(List.of(0L, 7L, 2L, 3L, 4L, 5L, 6L, 7L, 7L, 9L), ints.toList());
        Tensor counts = Tensor.zeros(new long[] {3}, DType.I64);
        counts.indexPut(Tensor.ones(new long[] {5}, DType.I64), true, Slice.of(0, 2, 2, 0, 2));   // bincount by index_put_
        assertEquals(List.of(2L, 0L, 3L), counts.toList());
        Tensor flags = Tensor.zeros(new long[] {4}, DType.BOOL);
        flags.indexPut(1.0, Slice.of(3, 1));                                                    // b[[3, 1]] = True
        assertEquals(List.of(false, true, false, true), flags.toList());
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(3).indexPut(1.0, Slice.of(0, 3)));
        TensorAssertions.assertContains(e.getMessage(), "index 3", "size 3");
    }
}
