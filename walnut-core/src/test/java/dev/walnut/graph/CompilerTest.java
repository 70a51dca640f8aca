package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class CompilerTest {
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    private static Module mlp() {
        Tensor.manualSeed(3);
        return new Sequential(new Flatten(), new Linear(16, 32), new ReLU(), new Linear(32, 10)).eval();
    }

    private static Tensor eager(Module m, Tensor x) {
        try (var off = Autograd.noGrad()) {
            return m.forward(x);
        }
    }

    /** Counts the records the compiler logs (System.Logger goes to java.util.logging by default). */
    private static final class Recorder extends Handler {
        final List<String> messages = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord r) {
            messages.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theFirstCallCompilesAndLaterCallsReuseTheGraph() {
        Module model = mlp();
        CompiledFunction f = Compiler.compile(model);
        Tensor x = randn(1, 4, 4, 4);
        assertBitIdentical(eager(model, x), f.apply(x));
        assertBitIdentical(eager(model, randn(2, 4, 4, 4)), f.apply(randn(2, 4, 4, 4)));
        assertEquals(1, f.cachedGraphs());
    }

    @Test
    void aNewShapeRecompilesWithOneLogLine() {
        Logger jul = Logger.getLogger("dev.walnut.graph");
        Recorder rec = new Recorder();
        jul.addHandler(rec);
        try {
            Module model = mlp();
            CompiledFunction f = Compiler.compile(model);
            f.apply(randn(1, 4, 4, 4));
            assertEquals(List.of(), rec.messages, "the first compile is silent");
            Tensor x = randn(2, 7, 4, 4);
            assertBitIdentical(eager(model, x), f.apply(x));
            assertEquals(2, f.cachedGraphs());
            assertEquals(1, rec.messages.size(), rec.messages.toString());
            assertTrue(rec.messages.get(0).contains("recompiling Sequential") && rec.messages.get(0).contains("dynamic"),
                    rec.messages.get(0));
        } finally {
            jul.removeHandler(rec);
        }
    }

    @Test
    void dynamicDimsShareOneGraph() {
        Module model = mlp();
        CompiledFunction f = Compiler.compile(model).markDynamic(0, 0);
        for (long batch : new long[] {4, 2, 9, 33}) {
            Tensor x = randn(batch, batch, 4, 4);
            assertBitIdentical(eager(model, x), f.apply(x));
        }
        assertEquals(1, f.cachedGraphs());
        assertThrows(IllegalStateException.class, () -> f.markDynamic(0, 1), "configuration after the first call fails");
    }

    @Test
    void fourThreadsRunningOneCompiledModelMatchSequentialRuns() throws Exception {
        Module model = mlp();
        CompiledFunction f = Compiler.compile(model).markDynamic(0, 0);
        int threads = 4;
        int calls = 25;
        Tensor[][] inputs = new Tensor[threads][calls];
        Tensor[][] expected = new Tensor[threads][calls];
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < calls; i++) {
                inputs[t][i] = randn(100 * t + i, 2 + (t + i) % 5, 4, 4);
                expected[t][i] = f.apply(inputs[t][i]);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Tensor[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int thread = t;
                results.add(pool.submit(() -> {
                    Tensor[] out = new Tensor[calls];
                    for (int i = 0; i < calls; i++) {
                        out[i] = f.apply(inputs[thread][i]);
                    }
                    return out;
                }));
            }
            for (int t = 0; t < threads; t++) {
                Tensor[] out = results.get(t).get();
                for (int i = 0; i < calls; i++) {
                    assertBitIdentical(expected[t][i], out[i]);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, f.cachedGraphs());
    }

    @Test
    void concurrentFirstCallsCompileOnce() throws Exception {
        AtomicInteger traces = new AtomicInteger();
        CompiledFunction f = Compiler.compile(in -> {
            traces.incrementAndGet();
            return in[0].exp().mul(in[0]);
        });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Tensor>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> f.apply(randn(9, 3, 3))));
            }
            for (Future<Tensor> r : results) {
                assertBitIdentical(randn(9, 3, 3).exp().mul(randn(9, 3, 3)), r.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, traces.get());
    }

    @Test
    void anUncapturableFunctionFailsUnlessEagerFallbackIsOn() {
        java.util.function.Function<Tensor[], Tensor> fn = in -> in[0].sum().item() > 0 ? in[0] : in[0].neg();
        assertThrows(GraphCaptureException.class, () -> Compiler.compile(fn).apply(randn(1, 3)));
        CompiledFunction f = Compiler.compile(fn).eagerFallback(true);
        for (long seed = 0; seed < 4; seed++) {
            Tensor x = randn(seed, 3);
            assertBitIdentical(fn.apply(new Tensor[] {x}), f.apply(x));
        }
        assertEquals(0, f.cachedGraphs());
    }

    @Test
    void compiledCallsRecordNothing() {
        Module model = mlp();
        CompiledFunction f = Compiler.compile(model);
        Tensor y = f.apply(randn(1, 2, 4, 4));
        assertEquals(null, y.gradFn());
        assertTrue(!y.requiresGrad());
    }

    @Test
    void theDebugSwitchLogsTheGraphAfterEachPass() {
        Logger jul = Logger.getLogger("dev.walnut.graph");
        Recorder rec = new Recorder();
        jul.addHandler(rec);
        try {
            Compiler.compile(in -> in[0].mul(1.0).exp()).debug(true).apply(randn(1, 3));
            assertEquals(1 + Pass.defaults().size(), rec.messages.size(), rec.messages.toString());
            assertTrue(rec.messages.get(1).contains("after AlgebraicSimplification"), rec.messages.get(1));
        } finally {
            jul.removeHandler(rec);
        }
    }
}
