package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.allocatedPerCall;
import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static dev.walnut.graph.GraphTestSupport.fewestBytesPerRound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import dev.walnut.optim.Optimizer;
import dev.walnut.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A compiled training step runs on the arena executor: every node of an MLP's step (forward,
 * cross-entropy, backward, fused update) writes into planned buffers or in place, so a step
 * after warm-up allocates little beyond the loss it returns, with the bits of the eager step.
 */
class CompiledTrainStepArenaTest {
    private static Module mlp(long seed, int in, int hidden, int out) {
        Tensor.manualSeed(seed);
        return new Sequential(new Linear(in, hidden), new ReLU(), new Linear(hidden, hidden), new ReLU(),
                new Linear(hidden, out));
    }

    private static Optimizer optimizer(String name, Module m) {
        return name.equals("sgd") ? new SGD(m.parameters(), 0.05) : new Adam(m.parameters(), 1e-2);
    }

    private static Tensor labels(long seed, int n, int classes) {
        return Tensor.randint(0, classes, new long[] {n}, new Generator(seed));
    }

    private static Tensor eagerStep(Module m, Optimizer opt, Tensor x, Tensor y) {
        return CompiledTrainStepTest.eagerStep(m, opt, Losses::crossEntropy, x, y);
    }

    private static void assertSameParameters(Module expected, Module actual) {
        Map<String, Tensor> e = expected.stateDict();
        Map<String, Tensor> a = actual.stateDict();
        assertEquals(e.keySet(), a.keySet());
        for (String k : e.keySet()) {
            assertBitIdentical(e.get(k), a.get(k));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void everyNodeOfAnMlpStepWritesIntoTheArenaOrInPlace(String name) {
        Module model = mlp(3, 20, 16, 5);
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::crossEntropy,
                optimizer(name, model)).markDynamic(0, 0).markDynamic(1, 0);
        Tensor x = Tensor.randn(new long[] {8, 20}, DType.F32, new Generator(1));
        Tensor y = labels(2, 8, 5);
        step.step(x, y);
        ArenaExecutor first = step.lastExecutor();
        step.step(x, y);
        assertSame(first, step.lastExecutor(), "the second step reuses the executor planned by the first");
        assertEquals(List.of(), first.allocatingNodes(), step.graphFor(x, y).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void stepsOnTheArenaEqualTheEagerStepsBitForBitAcrossBatchSizes(String name) {
        Module eager = mlp(5, 12, 10, 4);
        Module compiled = mlp(5, 12, 10, 4);
        Optimizer eagerOpt = optimizer(name, eager);
        CompiledTrainStep step = Compiler.compileTrainStep(compiled, Losses::crossEntropy, optimizer(name, compiled))
                .passes(List.of()).markDynamic(0, 0).markDynamic(1, 0);
        int[] batches = {6, 6, 3, 6, 9, 3};
        for (int i = 0; i < batches.length; i++) {
            Tensor x = Tensor.randn(new long[] {batches[i], 12}, DType.F32, new Generator(10 + i));
            Tensor y = labels(20 + i, batches[i], 4);
            assertBitIdentical(eagerStep(eager, eagerOpt, x, y), step.step(x, y));
            assertSameParameters(eager, compiled);
        }
        assertEquals(1, step.cachedGraphs());
    }

    @Test
    void theReturnedLossIsNotOverwrittenByTheNextStep() {
        Module model = mlp(9, 6, 8, 3);
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::crossEntropy,
                optimizer("sgd", model));
        Tensor x = Tensor.randn(new long[] {4, 6}, DType.F32, new Generator(3));
        Tensor y = labels(4, 4, 3);
        List<Tensor> losses = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Tensor loss = step.step(x, y);
            losses.add(loss);
            values.add(loss.item());
        }
        for (int i = 0; i < losses.size(); i++) {
            assertEquals(values.get(i), losses.get(i).item(), "loss of step " + i);
        }
        assertTrue(values.get(3) < values.get(0), "training on one batch lowers its loss: " + values);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void stepLossReturnsTheLossOfStepAndTrainsTheSame(String name) {
        Module viaStep = mlp(11, 7, 9, 3);
        Module viaLoss = mlp(11, 7, 9, 3);
        CompiledTrainStep a = Compiler.compileTrainStep(viaStep, Losses::crossEntropy, optimizer(name, viaStep));
        CompiledTrainStep b = Compiler.compileTrainStep(viaLoss, Losses::crossEntropy, optimizer(name, viaLoss));
        for (int i = 0; i < 4; i++) {
            Tensor x = Tensor.randn(new long[] {5, 7}, DType.F32, new Generator(30 + i));
            Tensor y = labels(40 + i, 5, 3);
            double expected = a.step(x, y).item();
            // The two-argument form and the varargs form run the same step.
            double actual = i % 2 == 0 ? b.stepLoss(x, y) : b.stepLoss(new Tensor[] {x, y});
            assertEquals(expected, actual, "loss of step " + i);
            assertSameParameters(viaStep, viaLoss);
        }
    }

    @Test
    void fourThreadsTrainingTheirOwnModelsGiveTheSequentialResults() throws Exception {
        int threads = 4;
        int steps = 6;
        Tensor[][] xs = new Tensor[threads][steps];
        Tensor[][] ys = new Tensor[threads][steps];
        Tensor[][] expected = new Tensor[threads][steps];
        List<Map<String, Tensor>> expectedParams = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Module m = mlp(40 + t, 16, 12, 4);
            Optimizer opt = optimizer(t % 2 == 0 ? "sgd" : "adam", m);
            for (int i = 0; i < steps; i++) {
                xs[t][i] = Tensor.randn(new long[] {i % 3 == 0 ? 5 : 8, 16}, DType.F32, new Generator(100 * t + i));
                ys[t][i] = labels(200 * t + i, (int) xs[t][i].size(0), 4);
                expected[t][i] = eagerStep(m, opt, xs[t][i], ys[t][i]);
            }
            expectedParams.add(m.stateDict());
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Module>> futures = new ArrayList<>();
            List<Tensor[]> losses = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Tensor[] out = new Tensor[steps];
                losses.add(out);
                // Built here: the models' initialisation draws from the shared default generator.
                Module m = mlp(40 + t, 16, 12, 4);
                Function<Tensor[], Tensor> loss = in -> Losses.crossEntropy(m.forward(in[0]), in[1]);
                CompiledTrainStep step = Compiler.compileTrainStepOf(m, loss, optimizer(t % 2 == 0 ? "sgd" : "adam", m))
                        .passes(List.of()).markDynamic(0, 0).markDynamic(1, 0);
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < steps; i++) {
                        out[i] = step.step(xs[thread][i], ys[thread][i]);
                    }
                    return m;
                }));
            }
            for (int t = 0; t < threads; t++) {
                Map<String, Tensor> params = futures.get(t).get().stateDict();
                for (int i = 0; i < steps; i++) {
                    assertBitIdentical(expected[t][i], losses.get(t)[i]);
                }
                for (String k : params.keySet()) {
                    assertBitIdentical(expectedParams.get(t).get(k), params.get(k));
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * What the arena saves, measured on the same graph: the default executor ({@link Graph#run})
     * allocates every activation and gradient, and a functional update a new parameter; the
     * arena allocates none of those. Measured as a difference (the GEMM's own allocations while
     * the JIT warms the Vector API kernels are the same in both and vary), not as a total.
     */
    @Test
    void afterWarmUpAStepAllocatesFarLessThanTheDefaultExecutor() {
        Module model = mlp(13, 196, 128, 10);
        Optimizer opt = optimizer("sgd", model);
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::crossEntropy,
                opt);
        Tensor x = Tensor.randn(new long[] {64, 196}, DType.F32, new Generator(5));
        Tensor y = labels(6, 64, 10);
        Graph g = step.graphFor(x, y);
        Tensor[] plainInputs = new Tensor[g.inputs().size()];
        plainInputs[0] = x;
        plainInputs[1] = y;
        for (int i = 2; i < plainInputs.length; i++) {
            plainInputs[i] = Tensor.fromArray(new double[] {0.0, 0.0}, 2); // lr 0, functional: the model stays as it is
        }
        long plainBytes = allocatedPerCall(() -> g.run(plainInputs));
        long stepBytes = allocatedPerCall(() -> step.step(x, y));
        long parameterBytes = 4L * (196 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10);
        long activationBytes = 4L * 64 * 128;
        // The default executor allocates each parameter's gradient and updated copy, and the
        // activations and their gradients: at least twice the parameters and four activations.
        assertTrue(plainBytes > 2 * parameterBytes + 4 * activationBytes, "default: " + plainBytes + " B per step");
        assertTrue(plainBytes - stepBytes > 2 * parameterBytes + 3 * activationBytes,
                "default: " + plainBytes + " B per step, arena: " + stepBytes + " B per step");
    }


    /**
     * {@code stepLoss} allocates nothing once compiled, Adam's state and the loss's reductions
     * included: a round of 100 steps must reach zero bytes on the calling thread (the workers of
     * the parallel kernels reuse their task objects). The bound is generous because C2's
     * compilation time varies with the machine's load; a step that allocates on every call never
     * reaches zero and fails with the fewest bytes seen.
     *
     * <p>Tagged {@code allocation}: it runs in a JVM of its own (walnut-core's surefire
     * configuration). After the thousands of tests before it in one JVM, C2 compiled some Vector
     * API kernel of this step with its vectors boxed (15 KB per step in a CI run, for the whole
     * 120 s); in a fresh JVM the step reaches zero bytes after about 3,000 steps (3 s).
     */
    @Tag("allocation")
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void stepLossAllocatesNothingOnceCompiled(String name) {
        Module model = mlp(41, 196, 128, 10);
        CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::crossEntropy, optimizer(name, model));
        Tensor x = Tensor.randn(new long[] {64, 196}, DType.F32, new Generator(42));
        Tensor y = labels(43, 64, 10);
        long bytes = fewestBytesPerRound(() -> step.stepLoss(x, y), 100, 120);
        assertEquals(0, bytes, "fewest bytes allocated by 100 steps of " + name + " (" + bytes / 100.0 + " per step)");
    }
}
