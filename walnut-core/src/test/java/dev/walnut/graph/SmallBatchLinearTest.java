package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.Linear;
import dev.walnut.ops.FusedOps;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link FusedOps#LINEAR} and {@code nn.Linear} at batch 1 to 9, where the packed weight is read
 * by matrix-vector products (fewer rows than the register tile) or by the tile: every result
 * must keep the bits of the path the shape took before. A single row was {@code matmul + add}
 * unpacked; two rows and more were the packed GEMM, whose bits for a row do not depend on how
 * many rows there are, so rows 2 to 9 must equal the same rows computed in a batch of 16.
 * Shapes: the mobilenet_v2 classifier (1280 -> 1000, large enough to split across threads)
 * and ragged ones (n not a multiple of a panel, k over one k block).
 */
class SmallBatchLinearTest {
    private static final int[][] SHAPES = {{1280, 1000}, {300, 37}, {257, 16}, {64, 100}};

    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    /** The weight in the layout the attributes say: [n, k], or [k, n] for an ONNX-style weight. */
    private static Tensor weight(long seed, int k, int n, boolean kn) {
        return kn ? randn(seed, k, n) : randn(seed, n, k);
    }

    private static Tensor composed(Tensor x, Tensor w, Tensor b, boolean kn, boolean relu) {
        Tensor y = x.matmul(kn ? w : w.t());
        y = b == null ? y : y.add(b);
        return relu ? y.relu() : y;
    }

    /** LINEAR by compute (eager) and by computeInto (the compiled arena's path), both checked against {@code expected}. */
    private static void assertLinear(Tensor expected, FusedOps.Linear attrs, Tensor... in) {
        assertBitIdentical(expected, Dispatcher.call(FusedOps.LINEAR, attrs, in));
        Tensor out = Tensor.full(expected.shape(), Float.NaN, DType.F32);
        FusedOps.LINEAR.computeInto(attrs, in, new Tensor[] {out});
        assertBitIdentical(expected, out);
    }

    @Test
    void aSingleRowKeepsTheBitsOfMatmulThenBiasThenRelu() {
        for (int[] s : SHAPES) {
            int k = s[0];
            int n = s[1];
            for (boolean kn : new boolean[] {false, true}) {
                Tensor w = weight(k + n, k, n, kn);
                Tensor b = randn(n, n);
                for (boolean relu : new boolean[] {false, true}) {
                    FusedOps.Linear attrs = new FusedOps.Linear(relu ? "relu" : "none", kn);
                    for (Tensor x : List.of(randn(1, 1, k), randn(2, 1, 1, k), randn(3, 4, k).narrow(0, 2, 1))) {
                        assertLinear(composed(x, w, b, kn, relu), attrs, x, w, b);
                        assertLinear(composed(x, w, null, kn, relu), attrs, x, w);
                    }
                }
            }
        }
    }

    @Test
    void twoToNineRowsGetTheBitsOfTheSameRowsInABatchOfSixteen() {
        for (int[] s : SHAPES) {
            int k = s[0];
            int n = s[1];
            for (boolean kn : new boolean[] {false, true}) {
                Tensor w = weight(k + n, k, n, kn);
                Tensor b = randn(n, n);
                Tensor x16 = randn(k, 16, k);
                for (String act : List.of("none", "relu")) {
                    FusedOps.Linear attrs = new FusedOps.Linear(act, kn);
                    Tensor y16 = Dispatcher.call(FusedOps.LINEAR, attrs, x16, w, b);
                    Tensor y16NoBias = Dispatcher.call(FusedOps.LINEAR, attrs, x16, w);
                    Tensor reference = composed(x16, w, b, kn, act.equals("relu"));
                    assertTrue(y16.sub(reference).abs().max().item() <= 1e-4 * k / 256.0, "batch 16 near matmul + add");
                    for (int m = 2; m <= 9; m++) {
                        Tensor x = x16.narrow(0, 0, m).contiguous();
                        assertLinear(y16.narrow(0, 0, m).contiguous(), attrs, x, w, b);
                        assertLinear(y16NoBias.narrow(0, 0, m).contiguous(), attrs, x, w);
                    }
                }
            }
        }
    }

    @Test
    void nnLinearAtBatchOneKeepsTheBitsOfItsUnpackedForward() {
        Tensor.manualSeed(8);
        Linear layer = new Linear(1280, 1000);
        for (Tensor x : List.of(randn(4, 1, 1280), randn(5, 1280), randn(6, 1, 1, 1280))) {
            Tensor expected;
            Tensor actual;
            try (var off = Autograd.noGrad()) {
                expected = x.matmul(layer.weight().t()).add(layer.bias());
                actual = layer.forward(x);
                // Twice: the second call reuses the packed weight the first one kept.
                assertBitIdentical(expected, layer.forward(x));
            }
            assertBitIdentical(expected, actual);
        }
    }
}
