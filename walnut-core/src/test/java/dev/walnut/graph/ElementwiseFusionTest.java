package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.ops.FusedOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Golden graphs of {@link ElementwiseFusion}, and the fused graphs' numbers against eager mode. */
class ElementwiseFusionTest {
    private static Tensor randn(long seed, DType dt, long... shape) {
        return Tensor.randn(shape, dt, new Generator(seed));
    }

    private static final Function<Tensor[], Tensor> CHAIN = in -> in[0].mul(in[1]).exp().add(1.0).tanh().mul(0.5)
            .sub(in[1]).sigmoid().square().add(in[0]).relu();

    private static Graph fused(Graph g) {
        return new ElementwiseFusion().apply(g);
    }

    @Test
    void aChainOfElementwiseOpsBecomesOneFusedNode() {
        Graph g = Graph.trace(in -> in[0].mul(in[1]).exp().add(1.0).tanh(), randn(1, DType.F32, 3), randn(2, DType.F32, 3));
        assertEquals("""
                graph(%x0: f32[3], %x1: f32[3]):
                  %0 = mul(%x0, %x1) : f32[3]
                  %1 = exp(%0) : f32[3]
                  %2 = addScalar(%1) {value=1.0, integral=false} : f32[3]
                  %3 = tanh(%2) : f32[3]
                  return (%3)
                """, g.toString());
        assertEquals("""
                graph(%x0: f32[3], %x1: f32[3]):
                  %0 = fusedElementwise(%x0, %x1) {program=mul(x0, x1); exp(t0); addScalar(t1, 1.0); tanh(t2)} : f32[3]
                  return (%0)
                """, fused(g).toString());
    }

    @Test
    void aValueWithSeveralReadersEndsItsGroup() {
        Graph g = Graph.trace(in -> {
            Tensor a = in[0].exp().mul(2.0);
            return a.add(1.0).mul(a.sin());
        }, randn(1, DType.F32, 4));
        assertEquals("""
                graph(%x0: f32[4]):
                  %0 = fusedElementwise(%x0) {program=exp(x0); mulScalar(t0, 2.0)} : f32[4]
                  %1 = fusedElementwise(%0) {program=addScalar(x0, 1.0); sin(x0); mul(t0, t1)} : f32[4]
                  return (%1)
                """, fused(g).toString());
        Tensor x = randn(5, DType.F32, 4);
        assertBitIdentical(g.run(x), fused(g).run(x));
    }

    @Test
    void graphOutputsComparisonsAndSingleNodesStayAsTheyAre() {
        Graph g = Graph.tracerAll(in -> {
            Tensor a = in[0].exp().neg();
            Tensor mask = a.gt(0.0);
            return new Tensor[] {a, Tensor.where(mask, a.abs().sqrt(), in[0]), in[0].cos()};
        }).trace(randn(1, DType.F64, 2));
        assertEquals("""
                graph(%x0: f64[2]):
                  %c0 = constant(0.0) : f64[]
                  %0 = fusedElementwise(%x0) {program=exp(x0); neg(t0)} : f64[2]
                  %1 = gt(%0, %c0) : bool[2]
                  %2 = fusedElementwise(%0) {program=abs(x0); sqrt(t0)} : f64[2]
                  %3 = where(%1, %2, %x0) : f64[2]
                  %4 = cos(%x0) : f64[2]
                  return (%0, %3, %4)
                """, fused(g).toString());
        Tensor x = randn(2, DType.F64, 2);
        assertBitIdentical(g.run(x), fused(g).run(x));
    }

    @Test
    void fusedChainGivesTheSameBitsAsEagerInFloatAndDouble() {
        for (DType dt : List.of(DType.F32, DType.F64)) {
            // 300_001 elements: many blocks, a split across threads, and a partial last block.
            Tensor x = randn(3, dt, 300_001);
            Tensor y = randn(4, dt, 300_001);
            Graph g = fused(Graph.trace(CHAIN, x, y));
            assertEquals(1, g.nodes().size(), g.toString());
            assertBitIdentical(CHAIN.apply(new Tensor[] {x, y}), g.run(x, y)[0]);
        }
    }

    /**
     * The benchmark's ten-op chain (issue 15's target) compiled, against eager, bit for bit: sizes
     * below, at and just past one vector, block and thread split (the transcendentals' whole-vector
     * and padded-tail paths), NaN, infinities and zeros among the inputs, and a broadcast row.
     */
    @Test
    void theBenchmarkChainMatchesEagerOnTailsSpecialValuesAndBroadcasts() {
        Function<Tensor[], Tensor> chain = in -> in[0].mul(in[1]).add(1.0).exp().mul(0.5).tanh().mul(in[0]).sub(in[1])
                .mul(2.0).add(in[0]).relu();
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1e-40f, 60f, -60f};
        for (int n : new int[] {1, 15, 16, 17, 1023, 1025, 4097, 65_537}) {
            Tensor x = randn(n, DType.F32, n);
            Tensor y = randn(n + 1, DType.F32, n);
            float[] xs = x.toFloatArray();
            for (int i = 0; i < n; i += 7) {
                xs[i] = specials[i % specials.length];
            }
            x = Tensor.fromArray(xs, n);
            CompiledFunction f = Compiler.compile(chain);
            assertBitIdentical(chain.apply(new Tensor[] {x, y}), f.apply(x, y));
            assertEquals(FusedOps.ELEMENTWISE, f.graphFor(x, y).nodes().get(0).op());
        }
        Tensor m = randn(5, DType.F32, 33, 47);
        Tensor row = randn(6, DType.F32, 47);
        CompiledFunction f = Compiler.compile(chain);
        assertBitIdentical(chain.apply(new Tensor[] {m, row}), f.apply(m, row));
    }

    /**
     * The benchmark's data (uniform in [0, 1)) sends every fused block's exp and tanh to their
     * per-call fast loops (x in [-86, 88], |x| in [0.625, 43]); one block per function here holds
     * a value outside, so that block, and eager's whole-tensor calls, take the general loops. The
     * bits must not depend on which loop a block ran.
     */
    @Test
    void theBenchmarkChainGivesEagerBitsWhicheverExpAndTanhLoopEachBlockTakes() {
        Function<Tensor[], Tensor> chain = in -> in[0].mul(in[1]).add(1.0).exp().mul(0.5).tanh().mul(in[0]).sub(in[1])
                .mul(2.0).add(in[0]).relu();
        int n = 9 * 1024 + 5;
        Tensor.manualSeed(7);
        float[] xs = Tensor.rand(n).toFloatArray();
        float[] ys = Tensor.rand(n).toFloatArray();
        CompiledFunction f = Compiler.compile(chain);
        Tensor x = Tensor.fromArray(xs, n);
        Tensor y = Tensor.fromArray(ys, n);
        assertBitIdentical(chain.apply(new Tensor[] {x, y}), f.apply(x, y));
        xs[2 * 1024 + 3] = 100f; // exp(101): outside exp's fast range, and tanh(inf) outside tanh's
        ys[2 * 1024 + 3] = 1f;
        xs[5 * 1024 + 9] = -2f; // tanh(0.5 e^-1): below tanh's large-only range
        ys[5 * 1024 + 9] = 1f;
        x = Tensor.fromArray(xs, n);
        y = Tensor.fromArray(ys, n);
        assertBitIdentical(chain.apply(new Tensor[] {x, y}), f.apply(x, y));
    }

    @Test
    void broadcastInputsScalarsAndStridedViewsGiveTheSameBitsAsEager() {
        Tensor x = randn(1, DType.F32, 37, 129);
        Tensor bias = randn(2, DType.F32, 129);
        Tensor column = randn(3, DType.F32, 37, 1);
        Tensor scale = Tensor.scalar(1.5f);
        Tensor t = randn(4, DType.F32, 129, 37).t();
        Function<Tensor[], Tensor> fn = in -> in[0].add(in[1]).mul(in[2]).div(in[3]).relu().sub(in[4]).pow(scale).exp();
        Tensor[] args = {x, bias, column, scale, t};
        Graph g = fused(Graph.trace(fn, args));
        assertEquals(1, g.nodes().size(), g.toString());
        assertBitIdentical(fn.apply(args), g.run(args)[0]);
    }

    @Test
    void aSumOverEveryElementEndsTheGroup() {
        Graph g = fused(Graph.trace(in -> in[0].sub(in[1]).square().sum().mul(0.5), randn(1, DType.F32, 4, 3),
                randn(2, DType.F32, 3)));
        assertEquals("""
                graph(%x0: f32[4,3], %x1: f32[3]):
                  %0 = fusedElementwise(%x0, %x1) {program=sub(x0, x1); square(t0); sum(t1)} : f32[]
                  %1 = mulScalar(%0) {value=0.5, integral=false} : f32[]
                  return (%1)
                """, g.toString());
        // A sum along a dim, a sum of a value read twice, and a sum of a sum stay as they are.
        Graph h = fused(Graph.trace(in -> {
            Tensor e = in[0].exp().neg();
            return e.sum(0).sum().add(e.sum()).add(e.mean());
        }, randn(1, DType.F32, 4, 3)));
        assertTrue(h.toString().contains("program=exp(x0); neg(t0)}"), h.toString());
        assertTrue(!h.toString().contains("sum(t"), h.toString());
        assertEquals(3, h.nodes().stream().filter(n -> n.op().name().equals("sum")).count(), h.toString());
    }

    @Test
    void aFusedSumMatchesEagerWithinAFewUlp() {
        for (DType dt : List.of(DType.F32, DType.F64)) {
            Function<Tensor[], Tensor> loss = in -> in[0].sub(in[1]).square().mul(0.5).sum();
            Tensor[] args = {randn(11, dt, 300_001), randn(12, dt, 300_001)};
            Graph g = fused(Graph.trace(loss, args));
            assertEquals(1, g.nodes().size(), g.toString());
            double expected = loss.apply(args).item();
            double actual = g.run(args)[0].item();
            assertEquals(expected, actual, Math.abs(expected) * (dt == DType.F32 ? 1e-6 : 1e-12));
            Tensor[] empty = {Tensor.zeros(new long[] {0}, dt), Tensor.zeros(new long[] {0}, dt)};
            assertEquals(0, fused(Graph.trace(loss, empty)).run(empty)[0].item(), 0.0);
        }
    }

    @Test
    void powOfABroadcastTensorIsNotFused() {
        Graph g = fused(Graph.trace(in -> in[0].exp().pow(in[1]), randn(1, DType.F32, 2, 3), randn(2, DType.F32, 3)));
        assertEquals(2, g.nodes().size(), g.toString());
    }

    @Test
    void aDynamicBatchRunsOneFusedGraphForEverySize() {
        Function<Tensor[], Tensor> fn = in -> in[0].mul(2.0).add(in[1]).tanh().mul(in[0]);
        Graph g = fused(Graph.tracer(fn).markDynamic(0, 0).trace(randn(1, DType.F32, 8, 5), randn(2, DType.F32, 5)));
        assertTrue(g.toString().contains("fusedElementwise(%x0, %x1) {program=mulScalar(x0, 2.0); add(t0, x1); tanh(t1); "
                + "mul(t2, x0)} : f32[?,5]"), g.toString());
        for (long batch : new long[] {1, 3, 2000}) {
            Tensor[] args = {randn(batch, DType.F32, batch, 5), randn(7, DType.F32, 5)};
            assertBitIdentical(fn.apply(args), g.run(args)[0]);
        }
    }

    @Test
    void theDefaultPipelineFusesAndTheCompiledFunctionMatchesEager() {
        CompiledFunction f = Compiler.compile(CHAIN);
        Tensor x = randn(8, DType.F32, 1000);
        Tensor y = randn(9, DType.F32, 1000);
        assertBitIdentical(CHAIN.apply(new Tensor[] {x, y}), f.apply(x, y));
        assertEquals(FusedOps.ELEMENTWISE, f.graphFor(x, y).nodes().get(0).op());
    }

    @Test
    void fourThreadsRunningOneFusedGraphGetTheSequentialBits() throws Exception {
        CompiledFunction f = Compiler.compile(CHAIN).markDynamic(0, 0).markDynamic(1, 0);
        int threads = 4;
        Tensor[][] in = new Tensor[threads * 3][];
        Tensor[] expected = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            long n = 1000 + 70_000L * i;   // one block up to many, split across the kernel threads
            in[i] = new Tensor[] {randn(i, DType.F32, n), randn(100 + i, DType.F32, n)};
            expected[i] = CHAIN.apply(in[i]);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<Tensor>> results = new java.util.ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < in.length; i++) {
                    Tensor[] args = in[i];
                    results.add(pool.submit(() -> f.apply(args)));
                }
            }
            for (int k = 0; k < results.size(); k++) {
                assertBitIdentical(expected[k % in.length], results.get(k).get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, f.cachedGraphs());
    }

    @Test
    void aFusedGraphSavesAndLoads(@TempDir Path dir) throws IOException {
        Tensor x = randn(1, DType.F32, 64);
        Tensor y = randn(2, DType.F32, 64);
        Graph g = fused(Graph.trace(CHAIN, x, y));
        Path file = dir.resolve("chain.walnut");
        g.save(file);
        Graph loaded = Graph.load(file);
        assertEquals(g.toString(), loaded.toString());
        assertBitIdentical(g.run(x, y), loaded.run(x, y));
    }

    @Test
    void aTamperedProgramFailsToLoadWithTheStepNamed(@TempDir Path dir) throws IOException {
        Graph g = fused(Graph.trace(in -> in[0].exp().neg(), randn(1, DType.F32, 4)));
        Path file = dir.resolve("g.walnut");
        g.save(file);
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).replace("neg(t0)", "nop(t0)");
        Files.write(file, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        IOException e = assertThrows(IOException.class, () -> Graph.load(file));
        assertTrue(e.getMessage().contains("'nop' is not a fusable op"), e.getMessage());
    }
}
