package dev.walnut.nn;

import dev.walnut.Tensor;

import java.util.List;

/**
 * Gated recurrent unit over a sequence, PyTorch's {@code nn.GRU}. Per step, with gates in
 * PyTorch's order r, z, n stacked in the weights:
 * <pre>
 * r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)     z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn))  h' = (1 - z) * n + z * h
 * </pre>
 * Note that r multiplies the whole hidden projection of n, bias included, as in PyTorch (and
 * cuDNN), not {@code W_hn (r * h)} as in the original paper. Input layouts, layers, dropout and
 * bidirectional as in {@link LSTM}.
 *
 * <pre>{@code
 * var gru = new GRU(10, 20, 2);
 * RnnOutput out = gru.forward(Tensor.randn(5, 3, 10), null);
 * out.output().shape();   // [5, 3, 20]
 * out.hN().shape();       // [2, 3, 20]
 * }</pre>
 */
public class GRU extends RecurrentBase {
    /** One layer with biases. */
    public GRU(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /** A stack of {@code numLayers} GRU layers. */
    public GRU(long inputSize, long hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, true, false, 0.0, false);
    }

    /**
     * @param dropout probability of zeroing each output element of every layer but the last, while training
     * @param bidirectional also run the sequence back to front; outputs then have {@code 2*hiddenSize} features
     */
    public GRU(long inputSize, long hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
               boolean bidirectional) {
        super("GRU", 3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
    }

    /** The output sequence only, starting from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).output();
    }

    /**
     * Runs the sequence from {@code h0}: {@code [D*numLayers, N, H]} ({@code [D*numLayers, H]}
     * unbatched), or null for zeros.
     */
    public RnnOutput forward(Tensor input, Tensor h0) {
        Tensor[] r = run("GRU", input, new Tensor[] {h0});
        return new RnnOutput(r[0], r[1]);
    }

    @Override
    int stateCount() {
        return 1;
    }

    @Override
    Tensor[] cell(Tensor gx, Tensor[] state, Tensor weightHh, Tensor biasHh) {
        Tensor h = state[0];
        List<Tensor> x = gateChunks(gx, 3);
        List<Tensor> hp = gateChunks(hiddenProjection(h, weightHh, biasHh), 3);
        Tensor r = x.get(0).add(hp.get(0)).sigmoid();
        Tensor z = x.get(1).add(hp.get(1)).sigmoid();
        Tensor n = x.get(2).add(r.mul(hp.get(2))).tanh();
        // (1 - z) * n + z * h, written with one product fewer
        return new Tensor[] {n.add(z.mul(h.sub(n)))};
    }
}
