package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.functional.Losses;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dynamic dims beyond the single batch: shared symbols, several symbols, and what cannot follow them. */
class DynamicDimsTest {
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    @Test
    void dimsOfEqualTracedSizeShareOneSymbol() {
        Graph g = Graph.tracer(in -> in[0].mul(in[1]).sum(1)).markDynamic(0, 0).markDynamic(1, 0)
                .trace(randn(1, 5, 4), randn(2, 5, 1));
        assertEquals(1, g.symbols().size());
        assertEquals("f32[?,1]", g.inputs().get(1).typeString());
        Tensor x = randn(3, 8, 4);
        Tensor y = randn(4, 8, 1);
        assertBitIdentical(x.mul(y).sum(1), g.run(x, y)[0]);
        var e = assertThrows(IllegalArgumentException.class, () -> g.run(randn(3, 8, 4), randn(4, 7, 1)));
        assertTrue(e.getMessage().contains("input 1"), e.getMessage());
    }

    /** A mean over (or across) the dynamic batch divides by a count that follows it: one graph per function. */
    @Test
    void meansAndAMeanSquaredErrorOverADynamicBatchMatchEager() {
        Tensor.manualSeed(3);
        Module model = new Linear(8, 4);
        List<java.util.function.Function<Tensor[], Tensor>> fns = List.of(in -> in[0].mean(), in -> in[0].mean(0),
                in -> in[0].mean(new int[] {0}, true), in -> Losses.mseLoss(model.forward(in[0]), in[1]));
        for (var fn : fns) {
            CompiledFunction f = Compiler.compile(fn).markDynamic(0, 0).markDynamic(1, 0);
            for (int batch : new int[] {6, 3, 9}) {
                Tensor x = randn(10 + batch, batch, 8);
                Tensor y = randn(20 + batch, batch, 4);
                Tensor expected;
                try (var off = dev.walnut.autograd.Autograd.noGrad()) {
                    expected = fn.apply(new Tensor[] {x, y});
                }
                assertBitIdentical(expected, f.apply(x, y));
            }
            assertEquals(1, f.cachedGraphs());
        }
    }

    /**
     * A whole-number scalar derived from a dynamic size (here in user code, as in mean's
     * gradient) becomes {@code constant + k * s0}; it survives save and load, and the default
     * passes do not drop it where it is 1 at the traced size.
     */
    @Test
    void aScalarThatCountsADynamicDimFollowsItAndSurvivesSaveAndLoad(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.util.function.Function<Tensor[], Tensor> fn = in -> in[0].sum(0).div((double) (in[0].size(0) - 2))
                .add(in[0].size(0) * 3.0);
        Graph g = Graph.tracer(fn).markDynamic(0, 0).trace(randn(1, 3, 5));
        assertTrue(g.toString().contains("divScalar(%0) {value=?-2, integral=false}"), g.toString());
        Graph optimized = Pass.run(g, Pass.defaults());
        java.nio.file.Path file = dir.resolve("count.walnut");
        g.save(file);
        Graph back = Graph.load(file);
        assertEquals(g.toString(), back.toString());
        for (int batch : new int[] {3, 6, 11}) {
            Tensor x = randn(30 + batch, batch, 5);
            Tensor expected = fn.apply(new Tensor[] {x});
            assertBitIdentical(expected, g.run(x)[0]);
            assertBitIdentical(expected, back.run(x)[0]);
            assertBitIdentical(expected, optimized.run(x)[0]);
        }
    }

    @Test
    void aScalarThatIsNotAWholeNumberOfADynamicSizeStillFailsAtCapture() {
        var e = assertThrows(GraphCaptureException.class, () -> Graph.tracer(in -> in[0].mul(1.0 / in[0].size(0)))
                .markDynamic(0, 0).trace(randn(1, 4, 2)));
        assertTrue(e.getMessage().contains("mulScalar"), e.getMessage());
    }

    @Test
    void independentDynamicDimsAreSeveralSymbols() {
        // batch and sequence length: [B, T, 4] -> mean over T, then a linear layer.
        Tensor w = randn(1, 4, 3);
        Graph g = Graph.tracer(in -> in[0].mean(1).matmul(w).unsqueeze(1).expand(in[0].size(0), in[0].size(1), 3))
                .markDynamic(0, 0).markDynamic(0, 1).trace(randn(2, 5, 7, 4));
        assertEquals(2, g.symbols().size());
        assertTrue(g.toString().contains("f32[s0,s1,3]"), g.toString());
        Tensor x = randn(3, 2, 11, 4);
        assertBitIdentical(x.mean(1).matmul(w).unsqueeze(1).expand(2, 11, 3), g.run(x)[0]);
    }

    @Test
    void flatteningTwoDynamicDimsTogetherFailsAtCapture() {
        var e = assertThrows(GraphCaptureException.class, () -> Graph.tracer(in -> in[0].reshape(-1, 4).exp())
                .markDynamic(0, 0).markDynamic(0, 1).trace(randn(2, 5, 7, 4)));
        assertTrue(e.getMessage().contains("multiplies dynamic dims"), e.getMessage());
    }

    @Test
    void aSizeThatIsNotLinearInTheDynamicDimFailsAtCapture() {
        // A strided slice of the dynamic dim has ceil(n / 2) elements.
        var e = assertThrows(GraphCaptureException.class, () -> Graph.tracer(in -> in[0].slice(0, 0, in[0].size(0), 2))
                .markDynamic(0, 0).trace(randn(2, 6, 3)));
        assertTrue(e.getMessage().contains("not a linear function"), e.getMessage());
    }

    @Test
    void aDynamicDimNeedsAnExampleOfSizeTwoOrMore() {
        var e = assertThrows(IllegalArgumentException.class, () -> Graph.tracer(in -> in[0].exp()).markDynamic(0, 0)
                .trace(randn(2, 1, 3)));
        assertTrue(e.getMessage().contains("size 2 or more"), e.getMessage());
    }

    @Test
    void checkInputsCatchesDataTheTracerCannotSee() {
        // Java state the tracer cannot see: each call multiplies by the next count.
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.Function<Tensor[], Tensor> sneaky = in -> in[0].mul(Tensor.scalar(calls.incrementAndGet()));
        Graph unchecked = Graph.trace(sneaky, randn(1, 3));
        assertEquals(Value.Kind.CONSTANT, unchecked.nodes().get(0).inputs().get(1).kind(), "baked in as a constant");
        var e = assertThrows(GraphCaptureException.class, () -> Graph.tracer(sneaky).checkInputs(randn(2, 3)).trace(randn(1, 3)));
        assertTrue(e.getMessage().startsWith("checkInputs: output 0"), e.getMessage());
        Graph ok = Graph.tracer(in -> in[0].exp()).checkInputs(randn(2, 3)).trace(randn(1, 3));
        assertEquals(1, ok.nodes().size());
    }

    @Test
    void withWeightsRunsTheGraphOnAnotherModelsState() {
        Tensor.manualSeed(1);
        Module a = new Linear(3, 2);
        Module b = new Linear(3, 2);
        Graph g = Graph.tracer(a).markDynamic(0, 0).trace(randn(1, 4, 3));
        Map<String, Tensor> state = b.stateDict();
        Tensor x = randn(2, 6, 3);
        Tensor expected;
        try (var off = dev.walnut.autograd.Autograd.noGrad()) {
            expected = b.forward(x);
        }
        assertBitIdentical(expected, g.withWeights(state).run(x)[0]);
        assertBitIdentical(expected, g.run(state, x)[0]);
        assertEquals(List.of("weight", "bias"), g.weights().stream().map(Value::name).toList());
    }

    @Test
    void aFilledTensorOfTheBatchSizeFollowsIt() {
        Graph g = Graph.tracer(in -> in[0].add(Tensor.full(new long[] {in[0].size(0), 4}, 0.5)))
                .markDynamic(0, 0).trace(randn(1, 5, 4));
        assertEquals("""
                graph(%x0: f32[?,4]):
                  %c0 = constant([[0.5]]) : f32[1,1]
                  %0 = expand(%c0) {shape=[?, 4]} : f32[?,4]
                  %1 = clone(%0) : f32[?,4]
                  %2 = add(%x0, %1) : f32[?,4]
                  return (%2)
                """, g.toString());
        Tensor x = randn(2, 9, 4);
        assertBitIdentical(x.add(Tensor.full(new long[] {9, 4}, 0.5)), g.run(x)[0]);
    }
}
