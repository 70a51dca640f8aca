package dev.walnut.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradCheck;
import dev.walnut.nn.functional.Attention;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultiheadAttentionTest {
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F64, new Generator(seed));
    }

    private static Tensor eye(long n) {
        double[] v = new double[(int) (n * n)];
        for (int i = 0; i < n; i++) {
            v[(int) (i * n + i)] = 1;
        }
        return Tensor.fromArray(v, n, n);
    }

    private static MultiheadAttention identity(long e, long heads, boolean batchFirst) {
        var mha = new MultiheadAttention(e, heads, 0.0, true, e, e, batchFirst);
        mha.to(DType.F64);
        Autograd.noGrad(() -> {
            mha.inProjWeight().copyInPlace(Tensor.cat(new Tensor[] {eye(e), eye(e), eye(e)}, 0));
            mha.outProj().weight().copyInPlace(eye(e));
            mha.outProj().bias().fillInPlace(0.0);
        });
        return mha;
    }

    @Test
    void parametersHavePyTorchNamesAndDefaultInit() {
        var mha = new MultiheadAttention(8, 2);
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                new ArrayList<>(mha.stateDict().keySet()));
        assertArrayEquals(new long[] {24, 8}, mha.inProjWeight().shape());
        double bound = Math.sqrt(6.0 / (24 + 8));   // Xavier-uniform over [3E, E]
        for (double w : mha.inProjWeight().toDoubleArray()) {
            assertTrue(Math.abs(w) <= bound);
        }
        assertArrayEquals(new double[24], mha.inProjBias().toDoubleArray(), 0.0);
        assertArrayEquals(new double[8], mha.outProj().bias().toDoubleArray(), 0.0);
        var separate = new MultiheadAttention(8, 2, 0.0, true, 3, 5, false);
        assertEquals(List.of("q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight",
                "out_proj.bias"), new ArrayList<>(separate.stateDict().keySet()));
    }

    @Test
    void identityProjectionsWithOneHeadEqualScaledDotProductAttention() {
        var mha = identity(4, 1, true);
        Tensor q = randn(1, 2, 3, 4);
        Tensor k = randn(2, 2, 5, 4);
        Tensor v = randn(3, 2, 5, 4);
        var out = mha.forward(q, k, v, null, true, null);
        Tensor expected = Attention.scaledDotProductAttention(q, k, v);
        assertTrue(out.output().allClose(expected, 1e-12, 1e-12));
        Tensor weights = q.matmul(k.transpose(1, 2)).mul(0.5).softmax(2);
        assertTrue(out.attentionWeights().allClose(weights, 1e-12, 1e-12));
    }

    @Test
    void identityProjectionsWithTwoHeadsAttendPerHeadAndSequenceFirstLayout() {
        var mha = identity(4, 2, false);
        Tensor q = randn(4, 3, 2, 4);   // [L, N, E]
        Tensor k = randn(5, 5, 2, 4);
        Tensor v = randn(6, 5, 2, 4);
        Tensor out = mha.forward(q, k, v);
        // [L, N, E] -> [N, H, L, D]
        java.util.function.Function<Tensor, Tensor> split = t -> t.transpose(0, 1)
                .reshape(2, t.size(0), 2, 2).permute(0, 2, 1, 3);
        Tensor heads = Attention.scaledDotProductAttention(split.apply(q), split.apply(k), split.apply(v));
        Tensor expected = heads.permute(2, 0, 1, 3).reshape(3, 2, 4);
        assertArrayEquals(new long[] {3, 2, 4}, out.shape());
        assertTrue(out.allClose(expected, 1e-12, 1e-12));
    }

    @Test
    void keyPaddingMaskGivesMaskedKeysZeroWeight() {
        var mha = identity(2, 1, true);
        Tensor x = randn(7, 1, 3, 2);
        Tensor pad = Tensor.of(false, false, true).reshape(1, 3);
        Tensor w = mha.forward(x, x, x, pad, true, null).attentionWeights();
        double[] values = w.toDoubleArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(0.0, values[i * 3 + 2], 0.0);
            assertEquals(1.0, values[i * 3] + values[i * 3 + 1], 1e-12);
        }
        // A boolean attnMask uses the same convention: true = not allowed.
        Tensor causal = Tensor.of(false, true, true, false, false, true, false, false, false).reshape(3, 3);
        double[] c = mha.forward(x, x, x, null, true, causal).attentionWeights().toDoubleArray();
        assertEquals(1.0, c[0], 1e-12);
        assertEquals(0.0, c[1], 0.0);
    }

    @Test
    void unbatchedInputGivesUnbatchedOutput() {
        var mha = new MultiheadAttention(4, 2);
        Tensor x = Tensor.randn(3, 4);
        var out = mha.forward(x, x, x, null, true, null);
        assertArrayEquals(new long[] {3, 4}, out.output().shape());
        assertArrayEquals(new long[] {3, 3}, out.attentionWeights().shape());
    }

    @Test
    void gradCheckOverInputsAndParameters() {
        Tensor.manualSeed(3);
        var mha = new MultiheadAttention(4, 2, 0.0, true, 3, 2, true);
        mha.to(DType.F64);
        Tensor q = randn(8, 2, 2, 4).setRequiresGrad(true);
        Tensor k = randn(9, 2, 3, 3).setRequiresGrad(true);
        Tensor v = randn(10, 2, 3, 2).setRequiresGrad(true);
        List<Tensor> inputs = new ArrayList<>(List.of(q, k, v));
        inputs.addAll(mha.parameters());
        GradCheck.check(in -> mha.forward(in[0], in[1], in[2], null, true, null).output(),
                inputs.toArray(new Tensor[0]));
    }
}
