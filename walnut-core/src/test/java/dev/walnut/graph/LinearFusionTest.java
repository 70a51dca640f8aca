package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradCheck;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.ops.FusedOps;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Golden graphs of {@link LinearFusion} and {@link FusedOps#LINEAR} against {@code nn.Linear}. */
class LinearFusionTest {
    private static Tensor randn(long seed, DType dt, long... shape) {
        return Tensor.randn(shape, dt, new Generator(seed));
    }

    private static Module mlp(int in, int hidden, int out) {
        Tensor.manualSeed(5);
        return new Sequential(new Flatten(), new Linear(in, hidden), new ReLU(), new Linear(hidden, out));
    }

    @Test
    void linearBiasAndReluBecomeOneNode() {
        Graph g = Graph.tracer(mlp(16, 8, 4)).markDynamic(0, 0).trace(randn(1, DType.F32, 3, 4, 4));
        assertEquals("""
                graph(%x0: f32[?,4,4], %1.weight: f32[8,16], %1.bias: f32[8], %3.weight: f32[4,8], %3.bias: f32[4]):
                  %0 = reshape(%x0) {shape=[?, 16]} : f32[?,16]
                  %1 = fusedLinear(%0, %1.weight, %1.bias) {activation=relu, weightKN=false} : f32[?,8]
                  %2 = fusedLinear(%1, %3.weight, %3.bias) {activation=none, weightKN=false} : f32[?,4]
                  return (%2)
                """, Pass.run(g, List.of(new LinearFusion(), new DeadCodeElimination())).toString());
    }

    @Test
    void aMatmulWhoseOutputIsAlsoReadElsewhereKeepsItsAdd() {
        Tensor w = randn(1, DType.F32, 3, 5);
        Tensor b = randn(2, DType.F32, 3);
        Graph g = Graph.trace(in -> {
            Tensor y = in[0].matmul(w.t());
            return y.add(b).relu().add(y);
        }, randn(3, DType.F32, 2, 5));
        Graph after = Pass.run(g, List.of(new LinearFusion(), new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[2,5]):
                  %c0 = constant : f32[3,5]
                  %c1 = constant([0.1726880818605423, -0.4838888645172119, -1.006845474243164]) : f32[3]
                  %0 = fusedLinear(%x0, %c0) {activation=none, weightKN=false} : f32[2,3]
                  %1 = add(%0, %c1) : f32[2,3]
                  %2 = relu(%1) : f32[2,3]
                  %3 = add(%2, %0) : f32[2,3]
                  return (%3)
                """.replace("[0.1726880818605423, -0.4838888645172119, -1.006845474243164]", values(b)), after.toString());
        Tensor x = randn(4, DType.F32, 2, 5);
        assertBitIdentical(g.run(x), after.run(x));
    }

    private static String values(Tensor t) {
        return t.toList().toString();
    }

    @Test
    void aCompiledMlpGivesTheEagerModulesBits() {
        // Large enough for the packed GEMM, which nn.Linear's inference path and fusedLinear share.
        Module model = mlp(784, 512, 10);
        CompiledFunction f = Compiler.compile(model).markDynamic(0, 0);
        for (long batch : new long[] {64, 7}) {
            Tensor x = randn(batch, DType.F32, batch, 28, 28);
            Tensor eager;
            try (var off = Autograd.noGrad()) {
                eager = model.forward(x);
            }
            assertBitIdentical(eager, f.apply(x));
        }
        assertTrue(f.graphFor(randn(1, DType.F32, 64, 28, 28)).toString().contains("fusedLinear"));
    }

    @Test
    void fourThreadsShareTheCompiledMlpAndItsPackedWeights() throws Exception {
        Module model = mlp(784, 512, 10);
        CompiledFunction f = Compiler.compile(model).markDynamic(0, 0);
        Tensor[] in = new Tensor[8];
        Tensor[] expected = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = randn(30 + i, DType.F32, 32 + 8 * i, 784);
            try (var off = Autograd.noGrad()) {
                expected[i] = model.forward(in[i]);
            }
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Tensor>> results = new java.util.ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (Tensor x : in) {
                    results.add(pool.submit(() -> f.apply(x)));
                }
            }
            for (int k = 0; k < results.size(); k++) {
                assertBitIdentical(expected[k % in.length], results.get(k).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFusedMlpSavesAndLoads(@TempDir Path dir) throws Exception {
        Module model = mlp(16, 8, 4);
        Graph g = Pass.run(Graph.tracer(model).markDynamic(0, 0).trace(randn(1, DType.F32, 3, 4, 4)), Pass.defaults());
        Path file = dir.resolve("mlp.walnut");
        g.save(file);
        Graph loaded = Graph.load(file);
        assertEquals(g.toString(), loaded.toString());
        Tensor x = randn(2, DType.F32, 5, 4, 4);
        assertBitIdentical(g.run(x), loaded.run(x));
    }

    @Test
    void fusedLinearMatchesItsCompositionAndPassesGradcheck() {
        Tensor x = randn(1, DType.F64, 4, 3).setRequiresGrad(true);
        Tensor w = randn(2, DType.F64, 5, 3).setRequiresGrad(true);
        Tensor b = randn(3, DType.F64, 5).setRequiresGrad(true);
        for (String act : List.of("none", "relu")) {
            FusedOps.Linear attrs = new FusedOps.Linear(act);
            Tensor composed = x.matmul(w.t()).add(b);
            composed = act.equals("relu") ? composed.relu() : composed;
            assertBitIdentical(composed, Dispatcher.call(FusedOps.LINEAR, attrs, x, w, b));
            GradCheck.check(in -> Dispatcher.call(FusedOps.LINEAR, attrs, in), x, w, b);
            GradCheck.check(in -> Dispatcher.call(FusedOps.LINEAR, attrs, in), x, w);
            GradCheck.checkSecondOrder(in -> Dispatcher.call(FusedOps.LINEAR, attrs, in), x, w, b);
        }
    }

    @Test
    void fusedLinearForwardRuleMatchesCentralDifferences() {
        Tensor x = randn(1, DType.F64, 4, 3);
        Tensor w = randn(2, DType.F64, 5, 3);
        Tensor b = randn(3, DType.F64, 5);
        Tensor[] t = {randn(4, DType.F64, 4, 3), randn(5, DType.F64, 5, 3), randn(6, DType.F64, 5)};
        FusedOps.Linear attrs = new FusedOps.Linear("relu");
        Tensor y = Dispatcher.call(FusedOps.LINEAR, attrs, x, w, b);
        Tensor jvp = FusedOps.LINEAR.jvp(attrs, new Tensor[] {x, w, b}, new Tensor[] {y}, t)[0];
        double eps = 1e-6;
        Tensor plus = Dispatcher.call(FusedOps.LINEAR, attrs, x.add(t[0].mul(eps)), w.add(t[1].mul(eps)), b.add(t[2].mul(eps)));
        Tensor minus = Dispatcher.call(FusedOps.LINEAR, attrs, x.sub(t[0].mul(eps)), w.sub(t[1].mul(eps)), b.sub(t[2].mul(eps)));
        double[] fd = plus.sub(minus).div(2 * eps).toDoubleArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(fd, jvp.toDoubleArray(), 1e-6);
    }

    /** Max |a - e| over max |e|: the relative error the compiled-vs-eager checks bound. */
    private static double relativeError(Tensor expected, Tensor actual) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()));
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double diff = 0;
        double scale = 1e-30;
        for (int i = 0; i < e.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return diff / scale;
    }

    @Test
    void anOnnxStyleMatmulOfAStoredKnWeightWithBiasAndReluOn3dInputBecomesOneNode() {
        // ONNX's MatMul reads its initializer as [k, n], with no transpose in front.
        Tensor w = randn(1, DType.F32, 5, 4);
        Tensor b = randn(2, DType.F32, 4);
        Graph g = Graph.trace(in -> b.add(in[0].matmul(w)).relu(), randn(3, DType.F32, 2, 3, 5));
        Graph after = Pass.run(g, List.of(new LinearFusion(), new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[2,3,5]):
                  %c0 = constant : f32[5,4]
                  %c1 = constant : f32[4]
                  %0 = fusedLinear(%x0, %c0, %c1) {activation=relu, weightKN=true} : f32[2,3,4]
                  return (%0)
                """, after.toString().replaceAll("constant\\(\\[[^]]*\\]\\)", "constant"));
        Tensor x = randn(4, DType.F32, 2, 3, 5);
        assertTrue(relativeError(g.run(x)[0], after.run(x)[0]) <= 1e-6);
    }

    @Test
    void aMatmulOfAComputedRightOperandIsNotFused() {
        // Only weights and constants are packed and kept; an activation on the right stays a matmul.
        Graph g = Graph.trace(in -> in[0].matmul(in[1]), randn(1, DType.F32, 3, 5), randn(2, DType.F32, 5, 4));
        assertEquals(g.toString(), Pass.run(g, List.of(new LinearFusion(), new DeadCodeElimination())).toString());
    }

    @Test
    void aCompiledTransformerStyleProjectionMatchesEagerOnPermutedAndBatchedInput() {
        // Large enough for the packed GEMM; the permuted input cannot fold its leading dims into
        // evenly spaced rows, so fusedLinear gathers them first, as matmul does.
        Tensor w = randn(1, DType.F32, 64, 96);
        Tensor b = randn(2, DType.F32, 96);
        java.util.function.Function<Tensor[], Tensor> f = in -> in[0].permute(1, 0, 2).matmul(w).add(b);
        CompiledFunction compiled = Compiler.compile(f);
        for (long batch : new long[] {1, 8}) {
            Tensor x = randn(batch, DType.F32, batch, 48, 64);
            Tensor eager;
            try (var off = Autograd.noGrad()) {
                eager = f.apply(new Tensor[] {x});
            }
            Tensor actual = compiled.apply(x);
            assertTrue(relativeError(eager, actual) <= 1e-6, "batch " + batch + ": " + relativeError(eager, actual));
            assertTrue(compiled.graphFor(x).toString().contains("weightKN=true"), compiled.graphFor(x).toString());
        }
    }

    @Test
    void thePackedLinearAppliesItsReluBlockByBlockWithTheBitsOfAReluAfterIt() {
        // Large enough for the packed GEMM split across threads (each thread's row blocks get the
        // ReLU as they are stored), with and without a bias, allocating (compute) and into a
        // preallocated output (computeInto, the arena's path): ReLU is exact, so the fused result
        // must equal the activation-free product with a ReLU after it, bit for bit.
        Tensor x = randn(11, DType.F32, 2, 160, 96);
        Tensor w = randn(12, DType.F32, 96, 300);
        Tensor b = randn(13, DType.F32, 300);
        FusedOps.Linear relu = new FusedOps.Linear("relu", true);
        FusedOps.Linear none = new FusedOps.Linear("none", true);
        for (Tensor[] in : List.of(new Tensor[] {x, w, b}, new Tensor[] {x, w})) {
            Tensor linear = Dispatcher.call(FusedOps.LINEAR, none, in);
            Tensor composed = in.length == 3 ? x.matmul(w).add(b) : x.matmul(w);
            assertTrue(relativeError(composed, linear) <= 1e-6, "inputs " + in.length);
            Tensor expected = linear.relu();
            assertTrue(expected.lt(0.0).sum().item() == 0 && expected.eq(0.0).sum().item() > 0, "inputs " + in.length);
            assertBitIdentical(expected, Dispatcher.call(FusedOps.LINEAR, relu, in));
            Tensor out = Tensor.full(expected.shape(), -1.0, DType.F32);
            FusedOps.LINEAR.computeInto(relu, in, new Tensor[] {out});
            assertBitIdentical(expected, out);
        }
    }

    @Test
    void aCompiledLinearOn3dInputGivesTheEagerModulesBits() {
        Tensor.manualSeed(6);
        Module model = new Sequential(new Linear(64, 96), new ReLU(), new Linear(96, 32));
        CompiledFunction f = Compiler.compile(model);
        Tensor x = randn(7, DType.F32, 4, 50, 64);
        Tensor eager;
        try (var off = Autograd.noGrad()) {
            eager = model.forward(x);
        }
        assertBitIdentical(eager, f.apply(x));
        String graph = f.graphFor(x).toString();
        assertTrue(graph.contains("fusedLinear") && !graph.contains("matmul"), graph);
    }

    @Test
    void fusedLinearOfAKnWeightOn3dInputMatchesItsCompositionAndPassesGradcheck() {
        Tensor x = randn(1, DType.F64, 2, 4, 3).setRequiresGrad(true);
        Tensor w = randn(2, DType.F64, 3, 5).setRequiresGrad(true);
        Tensor b = randn(3, DType.F64, 5).setRequiresGrad(true);
        Tensor wt = randn(4, DType.F64, 5, 3).setRequiresGrad(true);
        for (String act : List.of("none", "relu")) {
            FusedOps.Linear kn = new FusedOps.Linear(act, true);
            FusedOps.Linear nk = new FusedOps.Linear(act, false);
            Tensor composed = x.matmul(w).add(b);
            assertBitIdentical(act.equals("relu") ? composed.relu() : composed, Dispatcher.call(FusedOps.LINEAR, kn, x, w, b));
            Tensor composedNk = x.matmul(wt.t()).add(b);
            assertBitIdentical(act.equals("relu") ? composedNk.relu() : composedNk,
                    Dispatcher.call(FusedOps.LINEAR, nk, x, wt, b));
            GradCheck.check(in -> Dispatcher.call(FusedOps.LINEAR, kn, in), x, w, b);
            GradCheck.check(in -> Dispatcher.call(FusedOps.LINEAR, kn, in), x, w);
            GradCheck.check(in -> Dispatcher.call(FusedOps.LINEAR, nk, in), x, wt, b);
            GradCheck.checkSecondOrder(in -> Dispatcher.call(FusedOps.LINEAR, kn, in), x, w, b);
        }
    }

    @Test
    void fusedLinearRejectsAWeightOfTheWrongLayoutNamingBoth() {
        Tensor x = randn(1, DType.F32, 2, 4, 3);
        Tensor w = randn(2, DType.F32, 5, 3);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Dispatcher.call(FusedOps.LINEAR, new FusedOps.Linear("none", true), x, w));
        assertTrue(e.getMessage().contains("[k, n]") && e.getMessage().contains("[5, 3]"), e.getMessage());
    }

    @Test
    void fusedLinearKnForwardRuleMatchesCentralDifferences() {
        Tensor x = randn(1, DType.F64, 2, 4, 3);
        Tensor w = randn(2, DType.F64, 3, 5);
        Tensor b = randn(3, DType.F64, 5);
        Tensor[] t = {randn(4, DType.F64, 2, 4, 3), randn(5, DType.F64, 3, 5), randn(6, DType.F64, 5)};
        FusedOps.Linear attrs = new FusedOps.Linear("relu", true);
        Tensor y = Dispatcher.call(FusedOps.LINEAR, attrs, x, w, b);
        Tensor jvp = FusedOps.LINEAR.jvp(attrs, new Tensor[] {x, w, b}, new Tensor[] {y}, t)[0];
        double eps = 1e-6;
        Tensor plus = Dispatcher.call(FusedOps.LINEAR, attrs, x.add(t[0].mul(eps)), w.add(t[1].mul(eps)), b.add(t[2].mul(eps)));
        Tensor minus = Dispatcher.call(FusedOps.LINEAR, attrs, x.sub(t[0].mul(eps)), w.sub(t[1].mul(eps)), b.sub(t[2].mul(eps)));
        double[] fd = plus.sub(minus).div(2 * eps).toDoubleArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(fd, jvp.toDoubleArray(), 1e-6);
    }
}
