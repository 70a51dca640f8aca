package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphCaptureTest {
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    @Test
    void aTracedFunctionPrintsOneNodePerLine() {
        Tensor w = randn(1, 4, 3);
        Graph g = Graph.trace(in -> in[0].matmul(w).relu().mul(2.0), randn(2, 8, 4));
        assertEquals("""
                graph(%x0: f32[8,4]):
                  %c0 = constant : f32[4,3]
                  %0 = matmul(%x0, %c0) : f32[8,3]
                  %1 = relu(%0) : f32[8,3]
                  %2 = mulScalar(%1) {value=2.0, integral=false} : f32[8,3]
                  return (%2)
                """, g.toString());
    }

    @Test
    void runningAGraphGivesTheEagerBitsOnNewInputs() {
        Tensor w = randn(1, 4, 3);
        Graph g = Graph.trace(in -> in[0].matmul(w).tanh().add(in[1]).softmax(-1), randn(2, 8, 4), randn(3, 8, 3));
        Tensor x = randn(4, 8, 4);
        Tensor b = randn(5, 8, 3);
        assertBitIdentical(x.matmul(w).tanh().add(b).softmax(-1), g.run(x, b)[0]);
    }

    @Test
    void tracingRecordsNothingAndLeavesTheDispatcherStackEmpty() {
        Tensor w = randn(1, 4, 3).setRequiresGrad(true);
        Tensor x = randn(2, 8, 4);
        Graph g = Graph.trace(in -> in[0].matmul(w), x);
        assertEquals(List.of(), Dispatcher.stack());
        assertNull(g.run(x)[0].gradFn(), "the executor records nothing");
        assertTrue(x.matmul(w).requiresGrad(), "eager code keeps recording after a trace");
    }

    /** 784-512-10 like the benchmark's MLP, smaller. */
    private static Module mlp() {
        Tensor.manualSeed(11);
        return new Sequential(new Flatten(), new Linear(16, 32), new ReLU(), new Linear(32, 10)).eval();
    }

    @Test
    void aModulesParametersAreNamedWeights() {
        Module model = mlp();
        Graph g = Graph.trace(model, randn(1, 4, 4, 4));
        assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias"), g.weights().stream().map(Value::name).toList());
        assertEquals(List.of(), g.constants());
        assertEquals("""
                graph(%x0: f32[4,4,4], %1.weight: f32[32,16], %1.bias: f32[32], %3.weight: f32[10,32], %3.bias: f32[10]):
                  %0 = reshape(%x0) {shape=[4, 16]} : f32[4,16]
                  %1 = transpose(%1.weight) {dim0=0, dim1=1} : f32[16,32]
                  %2 = matmul(%0, %1) : f32[4,32]
                  %3 = add(%2, %1.bias) : f32[4,32]
                  %4 = relu(%3) : f32[4,32]
                  %5 = transpose(%3.weight) {dim0=0, dim1=1} : f32[32,10]
                  %6 = matmul(%4, %5) : f32[4,10]
                  %7 = add(%6, %3.bias) : f32[4,10]
                  return (%7)
                """, g.toString());
    }

    @Test
    void aGraphReadsTheModulesCurrentWeights() {
        Module model = mlp();
        Tensor x = randn(1, 4, 4, 4);
        Graph g = Graph.trace(model, x);
        Tensor w = model.namedParameters().get("1.weight");
        try (var off = dev.walnut.autograd.Autograd.noGrad()) {
            w.mulInPlace(0.5);
        }
        assertBitIdentical(model.forward(x).detach(), g.run(x)[0]);
    }

    @Test
    void aDynamicBatchServesEveryBatchSize() {
        Module model = mlp();
        Graph g = Graph.tracer(model).markDynamic(0, 0).trace(randn(1, 8, 4, 4));
        assertTrue(g.toString().contains("%0 = reshape(%x0) {shape=[?, 16]} : f32[?,16]"), g.toString());
        assertTrue(g.toString().startsWith("graph(%x0: f32[?,4,4]"), g.toString());
        for (long batch : new long[] {2, 3, 8, 17, 64}) {
            Tensor x = randn(batch, batch, 4, 4);
            Tensor expected;
            try (var off = dev.walnut.autograd.Autograd.noGrad()) {
                expected = model.forward(x);
            }
            assertBitIdentical(expected, g.run(x)[0]);
        }
    }

    @Test
    void reshapeTargetsThatMixTheBatchWithOtherDimsFollowIt() {
        // [B, 6, 4] -> [B*6, 4] -> [B, 24]: the first reshape's attribute is 6 * batch.
        Graph g = Graph.tracer(in -> in[0].reshape(-1, 4).exp().reshape(in[0].size(0), -1).sum(1))
                .markDynamic(0, 0).trace(randn(1, 5, 6, 4));
        assertTrue(g.toString().contains("{shape=[6*?, 4]} : f32[6*?,4]"), g.toString());
        for (long batch : new long[] {2, 7, 30}) {
            Tensor x = randn(batch, batch, 6, 4);
            assertBitIdentical(x.reshape(-1, 4).exp().reshape(batch, -1).sum(1), g.run(x)[0]);
        }
    }

    @Test
    void expandToTheBatchFollowsIt() {
        Tensor bias = randn(3, 1, 4);
        Graph g = Graph.tracer(in -> bias.expand(in[0].size(0), 4).add(in[0]))
                .markDynamic(0, 0).trace(randn(1, 5, 4));
        Tensor x = randn(2, 9, 4);
        assertBitIdentical(bias.expand(9, 4).add(x), g.run(x)[0]);
    }

    @Test
    void withoutDynamicDimsAnotherShapeIsAClearError() {
        Graph g = Graph.trace(in -> in[0].exp(), randn(1, 5, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> g.run(randn(2, 6, 4)));
        assertTrue(e.getMessage().contains("markDynamic"), e.getMessage());
    }

    @Test
    void aShapeDependentBranchCannotBeDynamic() {
        var e = assertThrows(GraphCaptureException.class, () -> Graph.tracer(in -> in[0].size(0) > 5 ? in[0].exp() : in[0].exp().neg())
                .markDynamic(0, 0).trace(randn(1, 5, 4)));
        assertTrue(e.getMessage().contains("runs different ops"), e.getMessage());
    }

    @Test
    void aRandomTensorCreatedWithTheBatchSizeCannotBeDynamic() {
        var e = assertThrows(GraphCaptureException.class, () -> Graph.tracer(in -> in[0].add(Tensor.randn(in[0].size(0), 4)))
                .markDynamic(0, 0).trace(randn(1, 5, 4)));
        assertTrue(e.getMessage().contains("constant %c0") && e.getMessage().contains("expand"), e.getMessage());
    }

    @Test
    void dataDependentControlFlowTakesTheBranchSeenWhenTheValueIsNotTraced() {
        Tensor flag = Tensor.scalar(1.0);
        Graph g = Graph.trace(in -> flag.item() > 0 ? in[0].exp() : in[0].neg(), randn(1, 3));
        assertEquals("exp", g.nodes().get(0).op().name());
    }

    @Test
    void itemOnATracedValueFailsNamingTheOpAndThePlace() {
        var e = assertThrows(GraphCaptureException.class,
                () -> Graph.trace(in -> in[0].sum().item() > 0 ? in[0] : in[0].neg(), randn(1, 3)));
        assertTrue(e.getMessage().startsWith("item() reads the output of sum"), e.getMessage());
        assertTrue(e.getMessage().contains("GraphCaptureTest"), e.getMessage());
        assertEquals(List.of(), Dispatcher.stack(), "a failed trace pops its interpreter");
    }

    @Test
    void readingAnInputIntoJavaFails() {
        var e = assertThrows(GraphCaptureException.class, () -> Graph.trace(in -> Tensor.fromArray(in[0].toFloatArray(), 3), randn(1, 3)));
        assertTrue(e.getMessage().startsWith("toFloatArray() reads input x0"), e.getMessage());
    }

    @Test
    void anInPlaceWriteToAnInputFails() {
        var e = assertThrows(GraphCaptureException.class, () -> Graph.trace(in -> in[0].addInPlace(1.0), randn(1, 3)));
        assertTrue(e.getMessage().startsWith("addInPlace writes in place into input x0"), e.getMessage());
        assertTrue(e.getMessage().contains("GraphCaptureTest"), e.getMessage());
    }

    @Test
    void anInPlaceWriteToAWeightFails() {
        Module m = new Linear(3, 2);
        Module bad = new Module() {
            private final Module inner = m;

            @Override
            public Tensor forward(Tensor x) {
                ((Linear) inner).bias().fillInPlace(0.0);
                return inner.forward(x);
            }
        };
        var e = assertThrows(GraphCaptureException.class, () -> Graph.trace(bad, randn(1, 2, 3)));
        assertTrue(e.getMessage().contains("fillInPlace writes in place into weight 'inner.bias'"), e.getMessage());
    }

    @Test
    void anInPlaceWriteToAnIntermediateIsFollowed() {
        Graph g = Graph.trace(in -> in[0].exp().addInPlace(1.0).mul(in[0]), randn(1, 3));
        Tensor x = randn(2, 3);
        assertBitIdentical(x.exp().add(1.0).mul(x), g.run(x)[0]);
    }

    @Test
    void detachOfATracedValueIsTheSameValue() {
        Graph g = Graph.trace(in -> in[0].exp().detach().mul(in[0]), randn(1, 3));
        assertEquals(List.of(), g.constants());
        Tensor x = randn(2, 3);
        assertBitIdentical(x.exp().mul(x), g.run(x)[0]);
    }

    @Test
    void severalOutputsAndMultiOutputOps() {
        Graph g = Graph.tracerAll(in -> {
            var mx = in[0].max(1, false);
            return new Tensor[] {mx.values(), mx.indices(), in[0].sum()};
        }).trace(randn(1, 4, 5));
        Tensor x = randn(2, 4, 5);
        var mx = x.max(1, false);
        assertBitIdentical(new Tensor[] {mx.values(), mx.indices(), x.sum()}, g.run(x));
    }

    @Test
    void toDotWritesGraphviz() {
        Graph g = Graph.trace(in -> in[0].exp().add(in[0]), randn(1, 3));
        String dot = g.toDot();
        assertTrue(dot.startsWith("digraph walnut {"), dot);
        assertTrue(dot.contains("n0 [shape=box, label=\"%0 = exp\\nf32[3]\"];"), dot);
        assertTrue(dot.contains("v0 -> n1;") && dot.contains("n0 -> n1;") && dot.contains("n1 -> out;"), dot);
    }
}
