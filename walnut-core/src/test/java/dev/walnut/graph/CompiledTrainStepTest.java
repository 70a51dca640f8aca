package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradientContext;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import dev.walnut.optim.AdamW;
import dev.walnut.optim.Optimizer;
import dev.walnut.optim.RMSprop;
import dev.walnut.optim.SGD;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CompiledTrainStepTest {
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    private static Tensor labels(long seed, int n, int classes) {
        Generator g = new Generator(seed);
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = (long) Math.floor(Tensor.rand(new long[] {1}, DType.F64, g).item() * classes);
        }
        return Tensor.of(y);
    }

    private static Module mlp() {
        Tensor.manualSeed(7);
        return new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 4));
    }

    private static Module cnn() {
        Tensor.manualSeed(11);
        return new Sequential(new Conv2d(1, 3, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(3 * 3 * 3, 4));
    }

    /** The eager step a compiled step must equal: PyTorch's loop with zero_grad(set_to_none). */
    private static Tensor eagerStep(Module m, Optimizer opt, BiFunction<Tensor, Tensor, Tensor> lossFn, Tensor x, Tensor y) {
        opt.zeroGrad(true);
        Tensor loss = lossFn.apply(m.forward(x), y);
        loss.backward();
        opt.step();
        return loss.detach();
    }

    private static void assertSameParameters(Module expected, Module actual) {
        assertSameParameters(expected, actual, true);
    }

    private static void assertSameParameters(Module expected, Module actual, boolean exact) {
        var e = expected.namedParameters();
        var a = actual.namedParameters();
        assertEquals(e.keySet(), a.keySet());
        for (String k : e.keySet()) {
            if (exact) {
                assertBitIdentical(e.get(k).detach(), a.get(k).detach());
            } else {
                assertClose(e.get(k).detach(), a.get(k).detach());
            }
        }
    }

    /** Runs {@code steps} eager and compiled steps side by side, asserting bit-identical losses and parameters after each. */
    private static void assertMatchesEager(Function<Module, Optimizer> optimizer, Module eagerModel, Module compiledModel,
                                           BiFunction<Tensor, Tensor, Tensor> lossFn, int steps, boolean classes,
                                           long... inputShape) {
        assertMatchesEager(optimizer, eagerModel, compiledModel, lossFn, steps, classes, List.of(), inputShape);
    }

    /**
     * As above, the compiled step running {@code passes}: bit-identical without any, else within
     * 1e-5 relative (elementwise fusion may evaluate in another order).
     */
    private static void assertMatchesEager(Function<Module, Optimizer> optimizer, Module eagerModel, Module compiledModel,
                                           BiFunction<Tensor, Tensor, Tensor> lossFn, int steps, boolean classes,
                                           List<Pass> passes, long... inputShape) {
        boolean exact = passes.isEmpty();
        Optimizer eagerOpt = optimizer.apply(eagerModel);
        Optimizer compiledOpt = optimizer.apply(compiledModel);
        CompiledTrainStep step = Compiler.compileTrainStep(compiledModel, lossFn, compiledOpt).passes(passes);
        for (int s = 0; s < steps; s++) {
            Tensor x = randn(100 + s, inputShape);
            Tensor y = classes ? labels(200 + s, (int) inputShape[0], 4) : randn(200 + s, inputShape[0], 4);
            Tensor expected = eagerStep(eagerModel, eagerOpt, lossFn, x, y);
            Tensor actual = step.step(x, y);
            if (exact) {
                assertBitIdentical(expected, actual);
            } else {
                assertClose(expected, actual);
            }
            assertSameParameters(eagerModel, compiledModel, exact);
        }
        assertEquals(1, step.cachedGraphs());
        if (exact) {
            assertSameState(eagerOpt, compiledOpt);
        }
    }

    @SuppressWarnings("unchecked")
    private static void assertSameState(Optimizer expected, Optimizer actual) {
        var e = (Map<Integer, Map<String, Object>>) expected.stateDict().get("state");
        var a = (Map<Integer, Map<String, Object>>) actual.stateDict().get("state");
        assertEquals(e.keySet(), a.keySet());
        for (Integer i : e.keySet()) {
            assertEquals(e.get(i).keySet(), a.get(i).keySet(), "state of parameter " + i);
            for (String k : e.get(i).keySet()) {
                Object ev = e.get(i).get(k);
                if (ev instanceof Tensor t) {
                    assertBitIdentical(t, (Tensor) a.get(i).get(k));
                } else {
                    assertEquals(ev, a.get(i).get(k), k);
                }
            }
        }
    }

    @Test
    void sgdOnAnMlpEqualsTheEagerStepBitForBit() {
        assertMatchesEager(m -> new SGD(m.parameters(), 0.1), mlp(), mlp(), Losses::mseLoss, 4, false, 6, 8);
    }

    @Test
    void sgdWithNesterovMomentumAndWeightDecayEqualsTheEagerStep() {
        assertMatchesEager(m -> SGD.builder().optLr(0.05).optMomentum(0.9).optNesterov(true).optWeightDecay(1e-2)
                .build(m.parameters()), mlp(), mlp(), Losses::crossEntropy, 4, true, 6, 8);
    }

    @Test
    void adamWithL2OnAnMlpEqualsTheEagerStep() {
        assertMatchesEager(m -> new Adam(m.parameters(), 1e-2, 0.9, 0.99, 1e-8, 1e-3), mlp(), mlp(), Losses::crossEntropy,
                5, true, 6, 8);
    }

    @Test
    void adamWOnAnMlpEqualsTheEagerStep() {
        assertMatchesEager(m -> AdamW.builder().optLr(1e-2).optWeightDecay(0.1).build(m.parameters()), mlp(), mlp(),
                Losses::mseLoss, 5, false, 6, 8);
    }

    @Test
    void sgdOnACnnEqualsTheEagerStepBitForBit() {
        assertMatchesEager(m -> SGD.builder().optLr(0.05).optMomentum(0.9).build(m.parameters()), cnn(), cnn(),
                Losses::crossEntropy, 3, true, 4, 1, 8, 8);
    }

    @Test
    void sgdOnACnnWithTheDefaultPassesMatchesTheEagerStep() {
        assertMatchesEager(m -> SGD.builder().optLr(0.05).optMomentum(0.9).build(m.parameters()), cnn(), cnn(),
                Losses::crossEntropy, 3, true, CompiledTrainStep.defaultPasses(), 4, 1, 8, 8);
    }

    @Test
    void adamOnACnnEqualsTheEagerStepBitForBit() {
        assertMatchesEager(m -> new Adam(m.parameters(), 1e-2), cnn(), cnn(), Losses::crossEntropy, 3, true, 4, 1, 8, 8);
    }

    @Test
    void adamWOnACnnEqualsTheEagerStepBitForBit() {
        assertMatchesEager(m -> AdamW.builder().optLr(1e-2).build(m.parameters()), cnn(), cnn(), Losses::mseLoss, 3, false,
                4, 1, 8, 8);
    }

    @Test
    void compiledThenEagerStepsEqualOnlyEagerSteps() {
        Module eager = mlp();
        Module mixed = mlp();
        Optimizer eagerOpt = new Adam(eager.parameters(), 1e-2);
        Optimizer mixedOpt = new Adam(mixed.parameters(), 1e-2);
        CompiledTrainStep step = Compiler.compileTrainStep(mixed, Losses::mseLoss, mixedOpt).passes(List.of());
        int k = 3;
        for (int s = 0; s < 2 * k; s++) {
            Tensor x = randn(300 + s, 5, 8);
            Tensor y = randn(400 + s, 5, 4);
            eagerStep(eager, eagerOpt, Losses::mseLoss, x, y);
            if (s < k) {
                step.step(x, y);
            } else {
                eagerStep(mixed, mixedOpt, Losses::mseLoss, x, y);
            }
        }
        assertSameParameters(eager, mixed);
        assertSameState(eagerOpt, mixedOpt);
        // and back again: eager state feeds the compiled step
        Tensor x = randn(500, 5, 8);
        Tensor y = randn(501, 5, 4);
        eagerStep(eager, eagerOpt, Losses::mseLoss, x, y);
        step.step(x, y);
        assertSameParameters(eager, mixed);
        assertSameState(eagerOpt, mixedOpt);
    }

    @Test
    void aCompiledStepRecordsNothingAndLeavesGradsAlone() {
        Module model = mlp();
        Optimizer opt = new SGD(model.parameters(), 0.1);
        List<Tensor> params = model.parameters();
        Tensor oldGrad = Tensor.ones(16, 8);
        params.get(0).setGrad(oldGrad);
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::mseLoss, opt);
        GradientContext ctx = GradientContext.current();
        int before = ctx.tapeSize();
        for (int s = 0; s < 3; s++) { // the first step traces, the later ones run the graph
            Tensor loss = step.step(randn(s, 6, 8), randn(50 + s, 6, 4));
            assertTrue(!loss.requiresGrad());
            assertEquals(before, ctx.tapeSize(), "tape size after step " + s);
        }
        assertSame(oldGrad, params.get(0).grad());
        assertBitIdentical(Tensor.ones(16, 8), oldGrad);
        for (int i = 1; i < params.size(); i++) {
            assertNull(params.get(i).grad());
        }
        assertSame(ctx, GradientContext.current());
    }

    @Test
    void theDefaultPassesKeepTheStepWithinRoundingOfEager() {
        Module eager = mlp();
        Module compiled = mlp();
        Optimizer eagerOpt = new Adam(eager.parameters(), 1e-2);
        CompiledTrainStep step = Compiler.compileTrainStep(compiled, Losses::crossEntropy, new Adam(compiled.parameters(), 1e-2));
        for (int s = 0; s < 4; s++) {
            Tensor x = randn(600 + s, 6, 8);
            Tensor y = labels(700 + s, 6, 4);
            Tensor expected = eagerStep(eager, eagerOpt, Losses::crossEntropy, x, y);
            assertClose(expected, step.step(x, y));
        }
        var e = eager.namedParameters();
        compiled.namedParameters().forEach((k, v) -> assertClose(e.get(k), v));
    }

    private static void assertClose(Tensor expected, Tensor actual) {
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-5 * Math.max(1, Math.abs(e[i])), "element " + i);
        }
    }

    @Test
    void theLearningRateIsReadAtEveryStep() {
        Module eager = mlp();
        Module compiled = mlp();
        Optimizer eagerOpt = new SGD(eager.parameters(), 0.1);
        Optimizer compiledOpt = new SGD(compiled.parameters(), 0.1);
        CompiledTrainStep step = Compiler.compileTrainStep(compiled, Losses::mseLoss, compiledOpt).passes(List.of());
        for (int s = 0; s < 3; s++) {
            eagerOpt.setLr(0.1 / (s + 1));
            compiledOpt.setLr(0.1 / (s + 1));
            Tensor x = randn(800 + s, 6, 8);
            Tensor y = randn(900 + s, 6, 4);
            eagerStep(eager, eagerOpt, Losses::mseLoss, x, y);
            step.step(x, y);
        }
        assertSameParameters(eager, compiled);
        assertEquals(1, step.cachedGraphs());
    }

    @Test
    void changingAFixedOptionCompilesANewGraph() {
        Module model = mlp();
        Optimizer opt = SGD.builder().optLr(0.1).optMomentum(0.5).build(model.parameters());
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::mseLoss, opt);
        step.step(randn(1, 6, 8), randn(2, 6, 4));
        opt.paramGroups().get(0).options().put("momentum", 0.9);
        step.step(randn(1, 6, 8), randn(2, 6, 4));
        assertEquals(2, step.cachedGraphs());
    }

    @Test
    void anOptimizerWithoutACompiledUpdateFailsNamingIt() {
        Module model = mlp();
        var e = assertThrows(UnsupportedOperationException.class,
                () -> Compiler.compileTrainStep(model, Losses::mseLoss, new RMSprop(model.parameters(), 0.01)));
        assertTrue(e.getMessage().contains("RMSprop"), e.getMessage());
    }

    @Test
    void exampleInputsCompileAtOnceAndTheGraphHoldsOneUpdatePerParameter() {
        Module model = mlp();
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::mseLoss, new Adam(model.parameters(), 1e-3),
                randn(1, 6, 8), randn(2, 6, 4));
        assertEquals(1, step.cachedGraphs());
        Graph g = step.graphFor(randn(1, 6, 8), randn(2, 6, 4));
        long updates = g.nodes().stream().filter(n -> n.op() == OptimizerUpdateOps.ADAM).count();
        assertEquals(4, updates, g.toString());
        assertEquals(1 + 4 * 3, g.outputs().size());
        assertTrue(g.nodes().stream().noneMatch(n -> n.op() == dev.walnut.ops.FusedOps.LINEAR), "no fusedLinear by default");
        assertTrue(g.nodes().stream().anyMatch(n -> n.op() == dev.walnut.ops.FusedOps.ELEMENTWISE), g.toString());
    }

    @Test
    void aDynamicBatchServesEveryBatchSizeWithOneGraph() {
        Module eager = mlp();
        Module compiled = mlp();
        Optimizer eagerOpt = new Adam(eager.parameters(), 1e-2);
        CompiledTrainStep step = Compiler.compileTrainStep(compiled, Losses::crossEntropy, new Adam(compiled.parameters(), 1e-2))
                .markDynamic(0, 0).markDynamic(1, 0).passes(List.of());
        int[] batches = {6, 3, 9, 2};
        for (int s = 0; s < batches.length; s++) {
            Tensor x = randn(1000 + s, batches[s], 8);
            Tensor y = labels(1100 + s, batches[s], 4);
            Tensor expected = eagerStep(eager, eagerOpt, Losses::crossEntropy, x, y);
            assertBitIdentical(expected, step.step(x, y));
            assertSameParameters(eager, compiled);
        }
        assertEquals(1, step.cachedGraphs());
    }

    /**
     * mean()'s gradient divides by the element count (a divScalar whose value follows the
     * dynamic batch): the count is re-derived per batch size like a reshape target, so one graph
     * serves every batch, bit-identical to the eager step, also with the default passes.
     */
    @Test
    void aDynamicBatchUnderAMeanSquaredErrorServesEveryBatchSizeWithOneGraph() {
        for (boolean passes : new boolean[] {false, true}) {
            Module eager = mlp();
            Module compiled = mlp();
            Optimizer eagerOpt = new Adam(eager.parameters(), 1e-2);
            CompiledTrainStep step = Compiler.compileTrainStep(compiled, Losses::mseLoss,
                    new Adam(compiled.parameters(), 1e-2)).markDynamic(0, 0).markDynamic(1, 0);
            if (!passes) {
                step.passes(List.of());
            }
            int[] batches = {6, 3, 9, 2};
            for (int s = 0; s < batches.length; s++) {
                Tensor x = randn(1000 + s, batches[s], 8);
                Tensor y = randn(1100 + s, batches[s], 4);
                Tensor expected = eagerStep(eager, eagerOpt, Losses::mseLoss, x, y);
                assertBitIdentical(expected, step.step(x, y));
                assertSameParameters(eager, compiled);
            }
            assertEquals(1, step.cachedGraphs());
        }
    }

    /** The update nodes end the graph, so they write into the parameters and Adam's moments: no copies per step. */
    @Test
    void laterStepsUpdateTheStateBuffersInPlace() {
        Module model = mlp();
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::mseLoss, opt);
        Tensor w = model.parameters().get(0);
        var state = dev.walnut.internal.OptimizerInternals.get();
        step.step(randn(1, 6, 8), randn(2, 6, 4));
        Tensor m = state.buffers(opt, w).get("exp_avg");
        double[] before = m.toDoubleArray();
        step.step(randn(3, 6, 8), randn(4, 6, 4));
        assertSame(m, state.buffers(opt, w).get("exp_avg"));
        assertTrue(!java.util.Arrays.equals(before, m.toDoubleArray()), "exp_avg was updated");
        assertSame(w, model.parameters().get(0));
        assertEquals(2, state.step(opt, w));
    }

    @Test
    void aSeedStyleOptimizerUpdatesTheModelsParameters() {
        Module eager = mlp();
        Module compiled = mlp();
        SGD eagerOpt = new SGD(0.1);
        CompiledTrainStep step = Compiler.compileTrainStep(compiled, Losses::mseLoss, new SGD(0.1)).passes(List.of());
        for (int s = 0; s < 2; s++) {
            Tensor x = randn(1400 + s, 6, 8);
            Tensor y = randn(1500 + s, 6, 4);
            Losses.mseLoss(eager.forward(x), y).backward();
            eagerOpt.step(eager.parameters());
            eagerOpt.zeroGrad(eager.parameters(), true);
            step.step(x, y);
        }
        assertSameParameters(eager, compiled);
    }

    @Test
    void trainingModeBatchNormFailsAtCaptureNamingTheInPlaceWrite() {
        Tensor.manualSeed(5);
        Module model = new Sequential(new Linear(8, 16), new dev.walnut.nn.BatchNorm1d(16), new ReLU(), new Linear(16, 4));
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::mseLoss, new SGD(model.parameters(), 0.1));
        var e = assertThrows(GraphCaptureException.class, () -> step.step(randn(1, 6, 8), randn(2, 6, 4)));
        assertTrue(e.getMessage().contains("in place"), e.getMessage());
    }

    @Test
    void aFloat64ModelWithMaximizingAdamWEqualsTheEagerStep() {
        Module eager = mlp().to(DType.F64);
        Module compiled = mlp().to(DType.F64);
        Optimizer eagerOpt = AdamW.builder().optLr(1e-2).optMaximize(true).build(eager.parameters());
        Optimizer compiledOpt = AdamW.builder().optLr(1e-2).optMaximize(true).build(compiled.parameters());
        CompiledTrainStep step = Compiler.compileTrainStep(compiled, Losses::mseLoss, compiledOpt).passes(List.of());
        for (int s = 0; s < 3; s++) {
            Tensor x = randn(1600 + s, 6, 8).to(DType.F64);
            Tensor y = randn(1700 + s, 6, 4).to(DType.F64);
            assertBitIdentical(eagerStep(eager, eagerOpt, Losses::mseLoss, x, y), step.step(x, y));
        }
        assertSameParameters(eager, compiled);
        assertSameState(eagerOpt, compiledOpt);
    }
}
