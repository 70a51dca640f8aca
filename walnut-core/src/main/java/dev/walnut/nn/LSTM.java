package dev.walnut.nn;

import dev.walnut.Tensor;

import java.util.List;

/**
 * Long short-term memory over a sequence, PyTorch's {@code nn.LSTM} (without {@code proj_size}).
 * Per step, with gates in PyTorch's order i, f, g, o stacked in the weights:
 * <pre>
 * i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)     f = sigmoid(W_if x + b_if + W_hf h + b_hf)
 * g = tanh(W_ig x + b_ig + W_hg h + b_hg)        o = sigmoid(W_io x + b_io + W_ho h + b_ho)
 * c' = f * c + i * g                             h' = o * tanh(c')
 * </pre>
 * Input {@code [L, N, inputSize]} ({@code [N, L, inputSize]} with batchFirst) or unbatched
 * {@code [L, inputSize]}. Stacked layers feed each other, with dropout between them while
 * training; bidirectional runs a second pass back to front and concatenates the two outputs.
 * Parameters and initialisation as described in {@link RecurrentBase}.
 *
 * <pre>{@code
 * var lstm = new LSTM(10, 20, 2);
 * LstmOutput out = lstm.forward(Tensor.randn(5, 3, 10), null, null);
 * out.output().shape();   // [5, 3, 20]
 * out.hN().shape();       // [2, 3, 20]
 * }</pre>
 */
public class LSTM extends RecurrentBase {
    /** One layer with biases. */
    public LSTM(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /** A stack of {@code numLayers} LSTM layers. */
    public LSTM(long inputSize, long hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, true, false, 0.0, false);
    }

    /**
     * @param dropout probability of zeroing each output element of every layer but the last, while training
     * @param bidirectional also run the sequence back to front; outputs then have {@code 2*hiddenSize} features
     */
    public LSTM(long inputSize, long hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
                boolean bidirectional) {
        super("LSTM", 4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
    }

    /** The output sequence only, starting from zero states. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null, null).output();
    }

    /**
     * Runs the sequence from the given initial states.
     *
     * @param h0 initial hidden states {@code [D*numLayers, N, H]} ({@code [D*numLayers, H]} unbatched), or null
     * @param c0 initial cell states shaped like {@code h0}; null exactly when {@code h0} is
     * @throws IllegalArgumentException on wrong shapes or when only one of {@code h0}, {@code c0} is given
     */
    public LstmOutput forward(Tensor input, Tensor h0, Tensor c0) {
        if ((h0 == null) != (c0 == null)) {
            throw new IllegalArgumentException("LSTM: pass both h0 and c0, or neither (zeros)");
        }
        Tensor[] r = run("LSTM", input, new Tensor[] {h0, c0});
        return new LstmOutput(r[0], r[1], r[2]);
    }

    @Override
    int stateCount() {
        return 2;
    }

    @Override
    Tensor[] cell(Tensor gx, Tensor[] state, Tensor weightHh, Tensor biasHh) {
        List<Tensor> g = gateChunks(gx.add(hiddenProjection(state[0], weightHh, biasHh)), 4);
        Tensor c = g.get(1).sigmoid().mul(state[1]).add(g.get(0).sigmoid().mul(g.get(2).tanh()));
        Tensor h = g.get(3).sigmoid().mul(c.tanh());
        return new Tensor[] {h, c};
    }
}
