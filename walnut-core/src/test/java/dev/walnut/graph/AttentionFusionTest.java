package dev.walnut.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.FusedOps;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Golden graphs of {@link AttentionFusion} and {@link FusedOps#ATTENTION} against the traced composition. */
class AttentionFusionTest {
    private static Tensor randn(long seed, DType dt, long... shape) {
        return Tensor.randn(shape, dt, new Generator(seed));
    }

    /** Max |a - e| over max |e|. */
    static double relativeError(Tensor expected, Tensor actual) {
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()));
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

    /** An imported MultiheadAttention's core: heads split from [L, B, h*d] rows, q scaled, k permuted straight to k^T. */
    private static Tensor heads(Tensor[] in) {
        long l = in[0].size(0);
        long b = in[0].size(1);
        Tensor q = in[0].reshape(l, b * 4, 8).permute(1, 0, 2).div(Tensor.scalar(Math.sqrt(8.0)));
        Tensor kt = in[1].reshape(l, b * 4, 8).permute(1, 2, 0);
        Tensor v = in[2].reshape(l, b * 4, 8).permute(1, 0, 2);
        return q.matmul(kt).softmax(2).matmul(v);
    }

    @Test
    void anImportedAttentionCoreBecomesOneNodeWithKPermutedOnce() {
        Graph g = Graph.trace(AttentionFusionTest::heads, randn(1, DType.F32, 6, 2, 32), randn(2, DType.F32, 6, 2, 32),
                randn(3, DType.F32, 6, 2, 32));
        Graph after = Pass.run(g, List.of(new AttentionFusion(), new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[6,2,32], %x1: f32[6,2,32], %x2: f32[6,2,32]):
                  %0 = reshape(%x0) {shape=[6, 8, 8]} : f32[6,8,8]
                  %1 = permute(%0) {dims=[1, 0, 2]} : f32[8,6,8]
                  %2 = reshape(%x1) {shape=[6, 8, 8]} : f32[6,8,8]
                  %3 = reshape(%x2) {shape=[6, 8, 8]} : f32[6,8,8]
                  %4 = permute(%3) {dims=[1, 0, 2]} : f32[8,6,8]
                  %5 = permute(%2) {dims=[1, 0, 2]} : f32[8,6,8]
                  %6 = fusedAttention(%1, %5, %4) {scale=0.3535533966440824, headsLast=false} : f32[8,6,8]
                  return (%6)
                """, after.toString());
        Tensor[] x = {randn(4, DType.F32, 6, 2, 32), randn(5, DType.F32, 6, 2, 32), randn(6, DType.F32, 6, 2, 32)};
        assertTrue(relativeError(g.run(x)[0], after.run(x)[0]) <= 1e-6);
    }

    @Test
    void scoresReadElsewhereAreNotFused() {
        Graph g = Graph.tracerAll(in -> {
            Tensor s = in[0].matmul(in[1].transpose(1, 2));
            return new Tensor[] {s.softmax(2).matmul(in[2]), s};
        }).trace(randn(1, DType.F32, 2, 5, 4), randn(2, DType.F32, 2, 7, 4), randn(3, DType.F32, 2, 7, 3));
        assertEquals(g.toString(), new AttentionFusion().apply(g).toString());
    }

    @Test
    void aCompiledAttentionMatchesEagerAtBatchOneAndEight() {
        Function<Tensor[], Tensor> f = AttentionFusionTest::heads;
        CompiledFunction compiled = Compiler.compile(f);
        for (long batch : new long[] {1, 8}) {
            // 100 tokens: more than one block of query rows, and not a multiple of it.
            Tensor[] x = {randn(batch, DType.F32, 100, batch, 32), randn(batch + 1, DType.F32, 100, batch, 32),
                randn(batch + 2, DType.F32, 100, batch, 32)};
            Tensor eager;
            try (var off = Autograd.noGrad()) {
                eager = f.apply(x);
            }
            assertTrue(relativeError(eager, compiled.apply(x)) <= 1e-6, "batch " + batch);
            assertTrue(compiled.graphFor(x).toString().contains("fusedAttention"), compiled.graphFor(x).toString());
        }
    }

    @Test
    void theF32KernelMatchesTheF64Composition() {
        Tensor q = randn(1, DType.F64, 3, 70, 16);
        Tensor k = randn(2, DType.F64, 3, 9, 16);
        Tensor v = randn(3, DType.F64, 3, 9, 5);
        FusedOps.Attention attrs = new FusedOps.Attention(0.25);
        Tensor expected = Dispatcher.call(FusedOps.ATTENTION, attrs, q, k, v);
        Tensor reference = q.matmul(k.transpose(1, 2)).mul(0.25).softmax(2).matmul(v);
        assertTrue(relativeError(reference, expected) <= 1e-12);
        // Strided (transposed) F32 operands are read in place.
        Tensor actual = Dispatcher.call(FusedOps.ATTENTION, attrs, q.to(DType.F32), k.to(DType.F32).transpose(1, 2)
                .contiguous().transpose(1, 2), v.to(DType.F32));
        assertTrue(relativeError(expected, actual) <= 1e-6, "" + relativeError(expected, actual));
    }

    @Test
    void longSequencesRunInSeveralRowBlocksAndMatchTheF64Composition() {
        // 300 query rows: three row blocks per item, split across threads for one item and
        // within each task for five items; 200 keys, value width 7 (a partial GEMM panel).
        for (long items : new long[] {1, 5}) {
            Tensor q = randn(5, DType.F64, items, 300, 16);
            Tensor k = randn(6, DType.F64, items, 200, 16);
            Tensor v = randn(7, DType.F64, items, 200, 7).mul(3.0);
            FusedOps.Attention attrs = new FusedOps.Attention(0.5);
            Tensor expected = q.matmul(k.transpose(1, 2)).mul(0.5).softmax(2).matmul(v);
            Tensor actual = Dispatcher.call(FusedOps.ATTENTION, attrs, q.to(DType.F32), k.to(DType.F32), v.to(DType.F32));
            assertTrue(relativeError(expected, actual) <= 1e-6, items + " items: " + relativeError(expected, actual));
        }
    }

    @Test
    void theHeadsLastF32KernelReadsStridedHeadsAndMatchesTheF64Composition() {
        // q, k, v as slices of one [B, L, 3 * H * d] projection, split into [B, L, H, d] views.
        Tensor qkv = randn(4, DType.F64, 2, 70, 3 * 3 * 16);
        FusedOps.Attention attrs = new FusedOps.Attention(0.25, true);
        Tensor[] in = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            in[i] = qkv.narrow(2, i * 48, 48).reshape(2, 70, 3, 16);
        }
        Tensor expected = Dispatcher.call(FusedOps.ATTENTION, attrs, in);
        Tensor reference = in[0].transpose(1, 2).matmul(in[1].transpose(1, 2).transpose(2, 3)).mul(0.25).softmax(3)
                .matmul(in[2].transpose(1, 2)).transpose(1, 2);
        assertTrue(relativeError(reference, expected) <= 1e-12);
        Tensor rows = qkv.to(DType.F32);
        Tensor actual = Dispatcher.call(FusedOps.ATTENTION, attrs, rows.narrow(2, 0, 48).reshape(2, 70, 3, 16),
                rows.narrow(2, 48, 48).reshape(2, 70, 3, 16), rows.narrow(2, 96, 48).reshape(2, 70, 3, 16));
        assertTrue(relativeError(expected, actual) <= 1e-6, "" + relativeError(expected, actual));
    }

    @Test
    void mismatchedOperandsAreRejectedNamingTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dispatcher.call(FusedOps.ATTENTION,
                new FusedOps.Attention(1), randn(1, DType.F32, 2, 5, 4), randn(2, DType.F32, 2, 7, 3),
                randn(3, DType.F32, 2, 7, 3)));
        assertTrue(e.getMessage().contains("[2, 5, 4]") && e.getMessage().contains("[2, 7, 3]"), e.getMessage());
    }
}
