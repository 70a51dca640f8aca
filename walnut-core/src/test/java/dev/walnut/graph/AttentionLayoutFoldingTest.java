package dev.walnut.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Golden graphs of {@link AttentionLayoutFolding} on an imported MultiheadAttention's block, and its values. */
class AttentionLayoutFoldingTest {
    private static final List<Pass> FUSIONS = List.of(new LinearFusion(), new AttentionFusion());

    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    /**
     * What PyTorch exports for a batch-first MultiheadAttention of 4 heads of 8 (E = 32): the
     * input to [L, B, E], one input projection sliced into q, k and v, heads split and merged
     * through reshape and permute, the out-projection, back to [B, L, E].
     */
    private static Tensor block(Tensor[] in) {
        Tensor x = in[0];
        long b = x.size(0);
        long l = x.size(1);
        Tensor qkv = x.permute(1, 0, 2).matmul(in[1].t()).add(in[2]);
        Tensor q = qkv.narrow(2, 0, 32).reshape(l, b * 4, 8).permute(1, 0, 2).div(Tensor.scalar(Math.sqrt(8.0)));
        Tensor kt = qkv.narrow(2, 32, 32).reshape(l, b * 4, 8).permute(1, 2, 0);
        Tensor v = qkv.narrow(2, 64, 32).reshape(l, b * 4, 8).permute(1, 0, 2);
        Tensor o = q.matmul(kt).softmax(2).matmul(v).permute(1, 0, 2).reshape(l * b, 32);
        return o.matmul(in[3].t()).add(in[4]).reshape(l, b, 32).permute(1, 0, 2);
    }

    private static Tensor[] inputs(long seed, long batch, long tokens) {
        return new Tensor[] {randn(seed, batch, tokens, 32), randn(seed + 1, 96, 32).mul(0.2), randn(seed + 2, 96),
            randn(seed + 3, 32, 32).mul(0.2), randn(seed + 4, 32)};
    }

    @Test
    void anImportedAttentionBlockRunsOnBatchFirstRowsWithoutPermutes() {
        Graph fused = Pass.run(Graph.trace(AttentionLayoutFoldingTest::block, inputs(1, 2, 6)), FUSIONS);
        Graph after = Pass.run(fused, List.of(new AttentionLayoutFolding(), new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[2,6,32], %x1: f32[96,32], %x2: f32[96], %x3: f32[32,32], %x4: f32[32]):
                  %0 = fusedLinear(%x0, %x1, %x2) {activation=none, weightKN=false} : f32[2,6,96]
                  %1 = slice(%0) {dim=2, start=0, length=32, step=1} : f32[2,6,32]
                  %2 = reshape(%1) {shape=[2, 6, 4, 8]} : f32[2,6,4,8]
                  %3 = slice(%0) {dim=2, start=32, length=32, step=1} : f32[2,6,32]
                  %4 = reshape(%3) {shape=[2, 6, 4, 8]} : f32[2,6,4,8]
                  %5 = slice(%0) {dim=2, start=64, length=32, step=1} : f32[2,6,32]
                  %6 = reshape(%5) {shape=[2, 6, 4, 8]} : f32[2,6,4,8]
                  %7 = fusedAttention(%2, %4, %6) {scale=0.3535533966440824, headsLast=true} : f32[2,6,4,8]
                  %8 = reshape(%7) {shape=[2, 6, 32]} : f32[2,6,32]
                  %9 = fusedLinear(%8, %x3, %x4) {activation=none, weightKN=false} : f32[2,6,32]
                  return (%9)
                """, after.toString());
        Tensor[] x = inputs(7, 2, 6);
        assertTrue(AttentionFusionTest.relativeError(fused.run(x)[0], after.run(x)[0]) <= 1e-6);
    }

    @Test
    void aProjectionReadElsewhereStaysAndTheHeadsReadItsSequenceFirstRows() {
        Graph fused = Pass.run(Graph.tracerAll(in -> {
            Tensor x = in[0];
            long b = x.size(0);
            long l = x.size(1);
            Tensor qkv = x.permute(1, 0, 2).matmul(in[1].t()).add(in[2]);
            Tensor q = qkv.narrow(2, 0, 32).reshape(l, b * 4, 8).permute(1, 0, 2);
            Tensor kt = qkv.narrow(2, 32, 32).reshape(l, b * 4, 8).permute(1, 2, 0);
            Tensor v = qkv.narrow(2, 64, 32).reshape(l, b * 4, 8).permute(1, 0, 2);
            Tensor o = q.matmul(kt).softmax(2).matmul(v).permute(1, 0, 2).reshape(l * b, 32);
            return new Tensor[] {o.matmul(in[3].t()).add(in[4]).reshape(l, b, 32).permute(1, 0, 2), qkv};
        }).trace(inputs(1, 3, 5)), FUSIONS);
        Graph after = Pass.run(fused, List.of(new AttentionLayoutFolding(), new DeadCodeElimination()));
        String text = after.toString();
        assertTrue(text.contains("headsLast=true") && text.contains("permute(%x0) {dims=[1, 0, 2]}")
                && text.contains("{dims=[1, 0, 2, 3]}"), text);
        Tensor[] x = inputs(9, 3, 5);
        Tensor[] want = fused.run(x);
        Tensor[] got = after.run(x);
        assertTrue(AttentionFusionTest.relativeError(want[0], got[0]) <= 1e-6);
        assertTrue(AttentionFusionTest.relativeError(want[1], got[1]) <= 1e-6);
    }

    @Test
    void anAttentionOutputReadOutsideTheBlockIsLeftAsItIs() {
        Graph fused = Pass.run(Graph.tracerAll(in -> {
            long l = in[0].size(0);
            Tensor q = in[0].reshape(l, 8, 8).permute(1, 0, 2);
            Tensor kt = in[1].reshape(l, 8, 8).permute(1, 2, 0);
            Tensor v = in[2].reshape(l, 8, 8).permute(1, 0, 2);
            Tensor o = q.matmul(kt).softmax(2).matmul(v);
            return new Tensor[] {o.permute(1, 0, 2).reshape(l * 2, 32).matmul(in[3].t()), o};
        }).trace(randn(1, 6, 2, 32), randn(2, 6, 2, 32), randn(3, 6, 2, 32), randn(4, 32, 32)), FUSIONS);
        assertEquals(fused.toString(), new AttentionLayoutFolding().apply(fused).toString());
    }

    @Test
    void aCompiledBlockMatchesEagerAtBatchOneAndEight() {
        Function<Tensor[], Tensor> f = AttentionLayoutFoldingTest::block;
        CompiledFunction compiled = Compiler.compile(f);
        for (long batch : new long[] {1, 8}) {
            // 100 tokens: more than one block of query rows, and not a multiple of it.
            Tensor[] x = inputs(batch, batch, 100);
            Tensor eager;
            try (var off = Autograd.noGrad()) {
                eager = f.apply(x);
            }
            assertTrue(AttentionFusionTest.relativeError(eager, compiled.apply(x)) <= 1e-5, "batch " + batch);
            String text = compiled.graphFor(x).toString();
            assertTrue(text.contains("headsLast=true"), text);
            assertFalse(text.contains("permute"), text);
        }
    }
}
