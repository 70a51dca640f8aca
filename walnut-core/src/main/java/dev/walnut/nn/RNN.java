package dev.walnut.nn;

import dev.walnut.Tensor;

/**
 * Elman recurrent network, PyTorch's {@code nn.RNN}: per step
 * {@code h' = act(W_ih x + b_ih + W_hh h + b_hh)} with {@code act} tanh (the default) or relu.
 * Input layouts, layers, dropout and bidirectional as in {@link LSTM}.
 *
 * <pre>{@code
 * var rnn = new RNN(10, 20, 2, RNN.Nonlinearity.RELU, true, false, 0.0, false);
 * RnnOutput out = rnn.forward(Tensor.randn(5, 3, 10), null);
 * out.output().shape();   // [5, 3, 20]
 * }</pre>
 */
public class RNN extends RecurrentBase {
    /** The step non-linearity. */
    public enum Nonlinearity {
        /** {@code h' = tanh(W x + U h + b)}, PyTorch's default. */
        TANH,
        /** {@code h' = relu(W x + U h + b)}. */
        RELU
    }

    private final Nonlinearity nonlinearity;

    /** One tanh layer with biases. */
    public RNN(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /** A stack of {@code numLayers} tanh layers. */
    public RNN(long inputSize, long hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, Nonlinearity.TANH, true, false, 0.0, false);
    }

    /**
     * @param dropout probability of zeroing each output element of every layer but the last, while training
     * @param bidirectional also run the sequence back to front; outputs then have {@code 2*hiddenSize} features
     */
    public RNN(long inputSize, long hiddenSize, int numLayers, Nonlinearity nonlinearity, boolean bias,
               boolean batchFirst, double dropout, boolean bidirectional) {
        super("RNN", 1, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
        if (nonlinearity == null) {
            throw new IllegalArgumentException("RNN: nonlinearity must be TANH or RELU, got null");
        }
        this.nonlinearity = nonlinearity;
    }

    /** The step non-linearity. */
    public Nonlinearity nonlinearity() {
        return nonlinearity;
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
        Tensor[] r = run("RNN", input, new Tensor[] {h0});
        return new RnnOutput(r[0], r[1]);
    }

    @Override
    int stateCount() {
        return 1;
    }

    @Override
    Tensor[] cell(Tensor gx, Tensor[] state, Tensor weightHh, Tensor biasHh) {
        Tensor pre = gx.add(hiddenProjection(state[0], weightHh, biasHh));
        return new Tensor[] {nonlinearity == Nonlinearity.TANH ? pre.tanh() : pre.relu()};
    }

    @Override
    protected String extraRepr() {
        // PyTorch's RNN prints no nonlinearity; we show it when it is not the default, since it changes the model.
        return nonlinearity == Nonlinearity.RELU ? super.extraRepr() + ", nonlinearity='relu'" : super.extraRepr();
    }
}
