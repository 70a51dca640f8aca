package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.functional.Pooling;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.WindowOps;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Golden graphs of {@link MaxPoolIndicesElimination}, and {@link FusedOps#MAX_POOL2D_VALUES} against {@code maxPool2d}. */
class MaxPoolIndicesEliminationTest {
    private static Tensor randn(long seed, DType dt, long... shape) {
        return Tensor.randn(shape, dt, new Generator(seed));
    }

    @Test
    void unreadIndicesAreDropped() {
        Function<Tensor[], Tensor> fn = in -> Pooling.maxPool2d(in[0], 3, 2, 1, 1, false).add(1.0);
        Tensor x = randn(1, DType.F32, 2, 3, 9, 8);
        Graph g = Graph.trace(fn, x);
        assertEquals("""
                graph(%x0: f32[2,3,9,8]):
                  %0, %1 = maxPool2d(%x0) {geometry=[3, 3, 2, 2, 1, 1, 1, 1], outH=5, outW=4, divisor=null} : f32[2,3,5,4], i64[2,3,5,4]
                  %2 = addScalar(%0) {value=1.0, integral=false} : f32[2,3,5,4]
                  return (%2)
                """, g.toString());
        Graph after = new MaxPoolIndicesElimination().apply(g);
        assertEquals("""
                graph(%x0: f32[2,3,9,8]):
                  %0 = maxPool2dValues(%x0) {geometry=[3, 3, 2, 2, 1, 1, 1, 1], outH=5, outW=4, divisor=null} : f32[2,3,5,4]
                  %1 = addScalar(%0) {value=1.0, integral=false} : f32[2,3,5,4]
                  return (%1)
                """, after.toString());
        assertBitIdentical(g.run(x), after.run(x));
    }

    @Test
    void readIndicesAreKept() {
        Function<Tensor[], Tensor[]> fn = in -> {
            var m = Pooling.maxPool2dWithIndices(in[0], new int[] {2}, null, new int[] {0}, new int[] {1}, false);
            return new Tensor[] {m.values(), m.indices()};
        };
        Graph g = Graph.tracerAll(fn).trace(randn(1, DType.F32, 1, 2, 4, 4));
        assertEquals(g.toString(), new MaxPoolIndicesElimination().apply(g).toString());
    }

    @Test
    void valuesEqualMaxPool2dForEveryWindowShape() {
        // {kernel, stride, padding, dilation, ceilMode}: ResNet's stem, 2x2, padded, dilated, ceil mode,
        // and 2-tap windows that are not the 2x2 blocks (overlapping, padded).
        int[][] cases = {{3, 2, 1, 1, 0}, {2, 2, 0, 1, 0}, {3, 1, 1, 1, 0}, {3, 2, 1, 2, 0}, {3, 2, 0, 1, 1}, {5, 3, 2, 1, 1},
                {2, 1, 0, 1, 0}, {2, 2, 1, 1, 0}, {2, 1, 1, 2, 1}};
        for (int[] c : cases) {
            for (DType dt : List.of(DType.F32, DType.F64)) {
                Tensor x = randn(c[0] * 7L + c[1], dt, 2, 3, 11, 14);
                // NaN wins a window in both.
                x.narrow(2, 4, 1).narrow(3, 5, 1).fillInPlace(Double.NaN);
                Tensor want = Pooling.maxPool2d(x, c[0], c[1], c[2], c[3], c[4] == 1);
                long[] s = want.shape();
                var attrs = new WindowOps.Pool(new int[] {c[0], c[0], c[1], c[1], c[2], c[2], c[3], c[3]}, (int) s[2],
                        (int) s[3], null);
                assertBitIdentical(want, Dispatcher.call(FusedOps.MAX_POOL2D_VALUES, attrs, x));
            }
        }
    }

    @Test
    void adaptiveWindowsToo() {
        Tensor x = randn(3, DType.F32, 2, 3, 7, 10);
        Tensor want = Pooling.adaptiveMaxPool2d(x, 3, 4);
        assertBitIdentical(want, Dispatcher.call(FusedOps.MAX_POOL2D_VALUES, new WindowOps.Pool(null, 3, 4, null), x));
    }

    @Test
    void aCompiledPoolingMatchesEagerAndItsGradientIsMaxPoolings() {
        Function<Tensor[], Tensor> fn = in -> Pooling.maxPool2d(in[0], 3, 2, 1, 1, false).relu();
        Tensor x = randn(4, DType.F32, 2, 4, 12, 12);
        Tensor eager;
        try (var off = Autograd.noGrad()) {
            eager = fn.apply(new Tensor[] {x});
        }
        CompiledFunction f = Compiler.compile(fn);
        assertBitIdentical(eager, f.apply(x));
        assertEquals(true, f.graphFor(x).toString().contains("maxPool2dValues"));
        var attrs = new WindowOps.Pool(new int[] {3, 3, 2, 2, 1, 1, 1, 1}, 6, 6, null);
        Tensor xg = x.detach().setRequiresGrad(true);
        Tensor g = randn(5, DType.F32, 2, 4, 6, 6);
        Pooling.maxPool2d(xg, 3, 2, 1, 1, false).backward(g);
        Tensor want = xg.grad();
        Tensor xv = x.detach().setRequiresGrad(true);
        Dispatcher.call(FusedOps.MAX_POOL2D_VALUES, attrs, xv).backward(g);
        assertBitIdentical(want, xv.grad());
    }
}
