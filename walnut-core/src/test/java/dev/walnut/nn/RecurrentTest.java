package dev.walnut.nn;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradCheck;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RecurrentTest {
    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static void assertClose(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        assertArrayEquals(expected.contiguous().toDoubleArray(), actual.contiguous().toDoubleArray(), tol);
    }

    private static Tensor column(double... values) {
        return Tensor.fromArray(values, values.length, 1);
    }

    /** The parameters of {@code source} whose name ends with {@code suffix}, renamed to layer 0 forward. */
    private static Map<String, Tensor> renamed(Module source, String suffix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        source.stateDict().forEach((k, v) -> {
            if (k.endsWith(suffix)) {
                out.put(k.substring(0, k.length() - suffix.length()) + "_l0", v);
            }
        });
        return out;
    }

    @Test
    void parameterNamesAndShapesMatchPyTorch() {
        var lstm = new LSTM(3, 5, 2, true, false, 0.0, true);
        Map<String, Tensor> p = lstm.namedParameters();
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"),
                List.copyOf(p.keySet()));
        assertArrayEquals(new long[] {20, 3}, p.get("weight_ih_l0").shape());
        assertArrayEquals(new long[] {20, 5}, p.get("weight_hh_l0").shape());
        assertArrayEquals(new long[] {20}, p.get("bias_hh_l0_reverse").shape());
        assertArrayEquals(new long[] {20, 10}, p.get("weight_ih_l1").shape());

        Map<String, Tensor> g = new GRU(3, 5).namedParameters();
        assertArrayEquals(new long[] {15, 3}, g.get("weight_ih_l0").shape());
        assertArrayEquals(new long[] {15}, g.get("bias_ih_l0").shape());
        Map<String, Tensor> r = new RNN(3, 5, 1, RNN.Nonlinearity.RELU, false, false, 0.0, false).namedParameters();
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), List.copyOf(r.keySet()));
        assertArrayEquals(new long[] {5, 5}, r.get("weight_hh_l0").shape());
    }

    @Test
    void everyParameterStartsInsideOneOverSqrtHidden() {
        for (Tensor t : new GRU(4, 16, 2).parameters()) {
            for (double v : t.toDoubleArray()) {
                assertTrue(Math.abs(v) <= 0.25, "|" + v + "| > 1/sqrt(16)");
            }
        }
    }

    @Test
    void toStringPrintsLikePyTorch() {
        assertEquals("LSTM(10, 20, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)",
                new LSTM(10, 20, 2, true, true, 0.5, true).toString());
        assertEquals("GRU(3, 4, bias=False)", new GRU(3, 4, 1, false, false, 0.0, false).toString());
        assertEquals("RNN(3, 4)", new RNN(3, 4).toString());
    }

    @Test
    void rnnOneStepIsTanhOfBothProjections() {
        var rnn = new RNN(1, 1);
        rnn.loadStateDict(Map.of("weight_ih_l0", column(0.5), "weight_hh_l0", column(-1.0),
                "bias_ih_l0", Tensor.of(0.1), "bias_hh_l0", Tensor.of(0.2)));
        RnnOutput out = rnn.forward(column(2.0), column(0.3));
        double h = Math.tanh(0.5 * 2 + 0.1 - 0.3 + 0.2);   // tanh(1.0) = 0.76159...
        assertClose(column(h), out.output(), 1e-6);
        assertClose(column(h), out.hN(), 1e-6);
    }

    @Test
    void reluRnnClampsNegativeStates() {
        var rnn = new RNN(1, 1, 1, RNN.Nonlinearity.RELU, true, false, 0.0, false);
        rnn.loadStateDict(Map.of("weight_ih_l0", column(1.0), "weight_hh_l0", column(1.0),
                "bias_ih_l0", Tensor.of(0.0), "bias_hh_l0", Tensor.of(0.0)));
        // h1 = relu(-2) = 0, h2 = relu(3 + 0) = 3
        assertClose(column(0.0, 3.0), rnn.forward(column(-2.0, 3.0)), 1e-6);
    }

    @Test
    void lstmOneStepFollowsTheGateEquationsInOrderIfgo() {
        var lstm = new LSTM(1, 1);
        lstm.loadStateDict(Map.of("weight_ih_l0", column(0.1, 0.2, 0.3, 0.4), "weight_hh_l0", column(1, 1, 1, 1),
                "bias_ih_l0", Tensor.of(0.0, 0.0, 0.0, 0.0), "bias_hh_l0", Tensor.of(0.5, 0.0, 0.0, 0.0)));
        LstmOutput out = lstm.forward(column(1.0), column(-0.2), column(0.5));
        double i = sigmoid(0.1 - 0.2 + 0.5);
        double f = sigmoid(0.2 - 0.2);
        double g = Math.tanh(0.3 - 0.2);
        double o = sigmoid(0.4 - 0.2);
        double c = f * 0.5 + i * g;
        double h = o * Math.tanh(c);
        assertClose(column(h), out.output(), 1e-6);
        assertClose(column(h), out.hN(), 1e-6);
        assertClose(column(c), out.cN(), 1e-6);
    }

    @Test
    void gruOneStepAppliesResetGateToTheBiasedHiddenProjection() {
        var gru = new GRU(1, 1);
        gru.loadStateDict(Map.of("weight_ih_l0", column(0.1, 0.2, 0.3), "weight_hh_l0", column(0.4, 0.5, 0.6),
                "bias_ih_l0", Tensor.of(0.0, 0.0, 0.0), "bias_hh_l0", Tensor.of(0.0, 0.0, 0.7)));
        RnnOutput out = gru.forward(column(1.0), column(0.5));
        double r = sigmoid(0.1 + 0.4 * 0.5);
        double z = sigmoid(0.2 + 0.5 * 0.5);
        double n = Math.tanh(0.3 + r * (0.6 * 0.5 + 0.7));
        double h = (1 - z) * n + z * 0.5;
        assertClose(column(h), out.output(), 1e-6);
        assertClose(column(h), out.hN(), 1e-6);
    }

    @Test
    void missingInitialStatesAreZeros() {
        var lstm = new LSTM(2, 3, 2);
        Tensor x = Tensor.randn(4, 2, 2);
        Tensor zeros = Tensor.zeros(2, 2, 3);
        LstmOutput implicit = lstm.forward(x, null, null);
        LstmOutput explicit = lstm.forward(x, zeros, zeros);
        assertClose(explicit.output(), implicit.output(), 0);
        assertClose(explicit.cN(), implicit.cN(), 0);
        assertClose(explicit.output(), lstm.forward(x), 0);
    }

    @Test
    void finalStateOfTheLastLayerIsTheLastOutputAndStatesCarryAcrossCalls() {
        var gru = new GRU(2, 3, 2);
        Tensor x = Tensor.randn(5, 4, 2);
        RnnOutput whole = gru.forward(x, null);
        assertArrayEquals(new long[] {5, 4, 3}, whole.output().shape());
        assertArrayEquals(new long[] {2, 4, 3}, whole.hN().shape());
        assertClose(whole.output().select(0, 4), whole.hN().select(0, 1), 0);
        // Running the first 2 steps, then the last 3 from the returned state, is the same run.
        RnnOutput first = gru.forward(x.narrow(0, 0, 2), null);
        RnnOutput second = gru.forward(x.narrow(0, 2, 3), first.hN());
        assertClose(whole.output().narrow(0, 2, 3), second.output(), 1e-6);
        assertClose(whole.hN(), second.hN(), 1e-6);
    }

    @Test
    void lstmNeedsBothInitialStatesOrNeither() {
        var lstm = new LSTM(2, 3);
        assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.randn(4, 1, 2), Tensor.zeros(1, 1, 3), null));
    }

    @Test
    void wrongShapesAreReported() {
        var rnn = new RNN(2, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> rnn.forward(Tensor.randn(4, 1, 5)));
        assertTrue(e.getMessage().contains("inputSize"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> rnn.forward(Tensor.randn(4, 1, 2), Tensor.zeros(2, 1, 3)));
        assertThrows(IllegalArgumentException.class, () -> rnn.forward(Tensor.randn(2)));
    }

    @Test
    void batchFirstIsTheTransposedLayout() {
        var seqFirst = new LSTM(3, 4, 2);
        var batchFirst = new LSTM(3, 4, 2, true, true, 0.0, false);
        batchFirst.loadStateDict(seqFirst.stateDict());
        Tensor x = Tensor.randn(5, 2, 3);
        LstmOutput a = seqFirst.forward(x, null, null);
        LstmOutput b = batchFirst.forward(x.transpose(0, 1), null, null);
        assertClose(a.output().transpose(0, 1), b.output(), 1e-6);
        assertClose(a.hN(), b.hN(), 1e-6);   // states stay [layers, N, H], as in PyTorch
        assertClose(a.cN(), b.cN(), 1e-6);
    }

    @Test
    void unbatchedInputIsABatchOfOne() {
        var gru = new GRU(3, 4);
        Tensor x = Tensor.randn(5, 3);
        Tensor h0 = Tensor.randn(1, 4);
        RnnOutput single = gru.forward(x, h0);
        RnnOutput batched = gru.forward(x.unsqueeze(1), h0.unsqueeze(1));
        assertArrayEquals(new long[] {5, 4}, single.output().shape());
        assertArrayEquals(new long[] {1, 4}, single.hN().shape());
        assertClose(batched.output().squeeze(1), single.output(), 1e-6);
        assertClose(batched.hN().squeeze(1), single.hN(), 1e-6);
    }

    @Test
    void bidirectionalConcatenatesTheForwardRunAndTheReversedBackwardRun() {
        var bi = new LSTM(2, 3, 1, true, false, 0.0, true);
        var fwd = new LSTM(2, 3);
        var bwd = new LSTM(2, 3);
        fwd.loadStateDict(renamed(bi, "_l0"));
        bwd.loadStateDict(renamed(bi, "_l0_reverse"));
        Tensor x = Tensor.randn(4, 2, 2);
        LstmOutput out = bi.forward(x, null, null);
        LstmOutput f = fwd.forward(x, null, null);
        LstmOutput b = bwd.forward(x.flip(0), null, null);
        assertClose(Tensor.cat(List.of(f.output(), b.output().flip(0)), 2), out.output(), 1e-6);
        assertClose(Tensor.cat(List.of(f.hN(), b.hN()), 0), out.hN(), 1e-6);
        assertClose(Tensor.cat(List.of(f.cN(), b.cN()), 0), out.cN(), 1e-6);
    }

    @Test
    void stackedLayersFeedEachOther() {
        var two = new RNN(2, 3, 2);
        var first = new RNN(2, 3);
        var second = new RNN(3, 3);
        first.loadStateDict(renamed(two, "_l0"));
        second.loadStateDict(renamed(two, "_l1"));
        Tensor x = Tensor.randn(4, 2, 2);
        RnnOutput out = two.forward(x, null);
        RnnOutput a = first.forward(x, null);
        RnnOutput b = second.forward(a.output(), null);
        assertClose(b.output(), out.output(), 1e-6);
        assertClose(Tensor.cat(List.of(a.hN(), b.hN()), 0), out.hN(), 1e-6);
    }

    @Test
    void dropoutActsBetweenLayersOnlyWhileTraining() {
        var plain = new GRU(2, 8, 2);
        var dropped = new GRU(2, 8, 2, true, false, 0.5, false);
        dropped.loadStateDict(plain.stateDict());
        Tensor x = Tensor.randn(3, 4, 2);
        dropped.eval();
        assertClose(plain.forward(x), dropped.forward(x), 0);
        dropped.train();
        assertFalse(plain.forward(x).equal(dropped.forward(x)));
        // A single layer has nothing between layers to drop.
        var one = new GRU(2, 8, 1, true, false, 0.5, false);
        var oneRef = new GRU(2, 8);
        oneRef.loadStateDict(one.stateDict());
        assertClose(oneRef.forward(x), one.forward(x), 0);
    }

    @Test
    void gradientsOfInputAndParametersMatchFiniteDifferences() {
        Tensor.manualSeed(7);
        List<RecurrentBase> models = List.of(new RNN(2, 3, 2, RNN.Nonlinearity.TANH, true, false, 0.0, true),
                new LSTM(2, 3, 2, true, false, 0.0, true), new GRU(2, 3, 2, true, true, 0.0, true));
        for (RecurrentBase m : models) {
            m.to(DType.F64);
            Map<String, Tensor> p = m.namedParameters();
            Tensor x = Tensor.randn(new long[] {3, 2, 2}, DType.F64).setRequiresGrad(true);
            GradCheck.check(in -> m.forward(in[0]), x, p.get("weight_hh_l0"), p.get("bias_ih_l1_reverse"),
                    p.get("weight_ih_l1"));
        }
    }

    @Test
    void finalStatesAndInitialStatesAreDifferentiable() {
        var lstm = new LSTM(2, 2).to(DType.F64);
        Tensor x = Tensor.randn(new long[] {3, 1, 2}, DType.F64).setRequiresGrad(true);
        Tensor h0 = Tensor.randn(new long[] {1, 1, 2}, DType.F64).setRequiresGrad(true);
        Tensor c0 = Tensor.randn(new long[] {1, 1, 2}, DType.F64).setRequiresGrad(true);
        GradCheck.check(in -> {
            LstmOutput o = ((LSTM) lstm).forward(in[0], in[1], in[2]);
            return o.hN().add(o.cN().mul(2.0));
        }, x, h0, c0);
    }

    @Test
    void secondOrderGradientsMatchFiniteDifferences() {
        var gru = new GRU(2, 2).to(DType.F64);
        var lstm = new LSTM(2, 2).to(DType.F64);
        Tensor x = Tensor.randn(new long[] {2, 1, 2}, DType.F64).setRequiresGrad(true);
        GradCheck.checkSecondOrder(in -> gru.forward(in[0]), x, gru.namedParameters().get("weight_hh_l0"));
        GradCheck.checkSecondOrder(in -> lstm.forward(in[0]), x, lstm.namedParameters().get("weight_hh_l0"));
    }

    /** The end-to-end check: an LSTM learns to sum a short sequence. */
    @Test
    void lstmLearnsToSumAShortSequence() {
        Tensor.manualSeed(0);
        var lstm = new LSTM(1, 16);
        var head = new Linear(16, 1);
        List<Tensor> params = new java.util.ArrayList<>(lstm.parameters());
        params.addAll(head.parameters());
        var optimizer = new Adam(params, 0.01);
        var data = new Generator(42);
        java.util.function.Function<Tensor, Tensor> model = x -> head.forward(lstm.forward(x).select(0, 4));
        for (int step = 0; step < 400; step++) {
            Tensor x = Tensor.rand(new long[] {5, 32, 1}, DType.F32, data);
            Tensor target = x.sum(0);
            optimizer.zeroGrad();
            Tensor loss = Losses.mseLoss(model.apply(x), target);
            loss.backward();
            optimizer.step();
        }
        Tensor x = Tensor.rand(new long[] {5, 256, 1}, DType.F32, new Generator(2024));
        double mse = Autograd.noGrad((java.util.function.Supplier<Tensor>) () -> Losses.mseLoss(model.apply(x), x.sum(0))).item();
        assertTrue(mse < 0.01, "held-out MSE " + mse);
    }
}
