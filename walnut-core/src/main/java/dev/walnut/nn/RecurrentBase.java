package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Regularization;
import dev.walnut.nn.init.Init;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What {@link RNN}, {@link LSTM} and {@link GRU} share (PyTorch's {@code RNNBase}): the stacked,
 * optionally bidirectional unrolling, the parameters and their initialisation. A subclass only
 * says how many gates it has, how many state tensors it carries and how one cell step updates
 * them.
 *
 * <p>Parameters per layer {@code k} and direction, in PyTorch's order and names:
 * {@code weight_ih_lk [G*H, in]}, {@code weight_hh_lk [G*H, H]}, {@code bias_ih_lk [G*H]},
 * {@code bias_hh_lk [G*H]}, then the same with the suffix {@code _reverse} when bidirectional
 * ({@code G} gates, {@code in} = inputSize for layer 0, else {@code D*H}). All start from
 * U(-1/sqrt(H), 1/sqrt(H)).
 *
 * <p>The unrolling is plain tensor ops (select, matmul, add, stack), so gradients of any order
 * flow through it. The input projection {@code x W_ih^T + b_ih} is computed for all time steps
 * with one matmul per layer and direction; only {@code h W_hh^T} is inside the time loop.
 */
abstract class RecurrentBase extends Module {
    private final long inputSize;
    private final long hiddenSize;
    private final int numLayers;
    private final boolean bias;
    private final boolean batchFirst;
    private final double dropout;
    private final boolean bidirectional;
    private final int gates;

    RecurrentBase(String name, int gates, long inputSize, long hiddenSize, int numLayers, boolean bias,
                  boolean batchFirst, double dropout, boolean bidirectional) {
        if (inputSize <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException(name + ": inputSize and hiddenSize must be positive, got inputSize="
                    + inputSize + ", hiddenSize=" + hiddenSize);
        }
        if (numLayers < 1) {
            throw new IllegalArgumentException(name + ": numLayers must be at least 1, got " + numLayers);
        }
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new IllegalArgumentException(name + ": dropout must be in [0, 1], got " + dropout);
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.bidirectional = bidirectional;
        this.gates = gates;
        for (int layer = 0; layer < numLayers; layer++) {
            long in = layer == 0 ? inputSize : hiddenSize * directions();
            for (int d = 0; d < directions(); d++) {
                String suffix = suffix(layer, d);
                registerParameter("weight_ih" + suffix, Tensor.zeros(gates * hiddenSize, in));
                registerParameter("weight_hh" + suffix, Tensor.zeros(gates * hiddenSize, hiddenSize));
                if (bias) {
                    registerParameter("bias_ih" + suffix, Tensor.zeros(gates * hiddenSize));
                    registerParameter("bias_hh" + suffix, Tensor.zeros(gates * hiddenSize));
                }
            }
        }
        resetParameters();
    }

    private static String suffix(int layer, int direction) {
        return "_l" + layer + (direction == 1 ? "_reverse" : "");
    }

    /** PyTorch's {@code reset_parameters}: every weight and bias from U(-1/sqrt(H), 1/sqrt(H)). */
    public void resetParameters() {
        double bound = 1.0 / Math.sqrt(hiddenSize);
        for (Tensor p : parameters()) {
            Init.uniform(p, -bound, bound);
        }
    }

    /** One time step: the new state tensors from the input projection {@code gx = x W_ih^T + b_ih}. */
    abstract Tensor[] cell(Tensor gx, Tensor[] state, Tensor weightHh, Tensor biasHh);

    /** Number of state tensors: 1 (h) or 2 (h, c). */
    abstract int stateCount();

    /**
     * Runs the whole stack.
     *
     * @param initial per state kind, a {@code [D*numLayers, N, H]} (or unbatched {@code [D*numLayers, H]})
     *     tensor, or null for zeros
     * @return {output, final state 0, final state 1...} in the caller's layout
     */
    Tensor[] run(String name, Tensor input, Tensor[] initial) {
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException(name + ": expected a 2-d (unbatched) or 3-d (batched) input, got shape "
                    + Arrays.toString(input.shape()));
        }
        boolean batched = input.dim() == 3;
        Tensor x = batched ? (batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
        if (x.size(2) != inputSize) {
            throw new IllegalArgumentException(name + ": input.size(-1) must be equal to inputSize. Expected "
                    + inputSize + ", got " + x.size(2) + " (input shape " + Arrays.toString(input.shape()) + ")");
        }
        long steps = x.size(0);
        long batch = x.size(1);
        int dirs = directions();
        long[] stateShape = {(long) dirs * numLayers, batch, hiddenSize};
        Tensor[] init = new Tensor[stateCount()];
        for (int s = 0; s < init.length; s++) {
            Tensor given = initial[s];
            if (given == null) {
                init[s] = Tensor.zeros(stateShape, x.dtype());
                continue;
            }
            long[] expected = batched ? stateShape : new long[] {stateShape[0], hiddenSize};
            if (!Arrays.equals(given.shape(), expected)) {
                throw new IllegalArgumentException(name + ": expected initial state of shape " + Arrays.toString(expected)
                        + ", got " + Arrays.toString(given.shape()));
            }
            init[s] = batched ? given : given.unsqueeze(1);
        }
        Map<String, Tensor> params = namedParameters();
        List<List<Tensor>> finals = new ArrayList<>();
        for (int s = 0; s < init.length; s++) {
            finals.add(new ArrayList<>());
        }
        Tensor layerInput = x;
        for (int layer = 0; layer < numLayers; layer++) {
            if (layer > 0) {
                layerInput = Regularization.dropout(layerInput, dropout, isTraining());
            }
            Tensor[] dirOutputs = new Tensor[dirs];
            for (int d = 0; d < dirs; d++) {
                String suffix = suffix(layer, d);
                Tensor gxAll = layerInput.matmul(params.get("weight_ih" + suffix).t());
                if (bias) {
                    gxAll = gxAll.add(params.get("bias_ih" + suffix));
                }
                Tensor weightHh = params.get("weight_hh" + suffix);
                Tensor biasHh = bias ? params.get("bias_hh" + suffix) : null;
                Tensor[] state = new Tensor[init.length];
                for (int s = 0; s < state.length; s++) {
                    state[s] = init[s].select(0, (long) layer * dirs + d);
                }
                Tensor[] outs = new Tensor[Math.toIntExact(steps)];
                for (long i = 0; i < steps; i++) {
                    // The reverse direction reads the sequence back to front; its output at step t
                    // still lands at position t, as in PyTorch.
                    long t = d == 0 ? i : steps - 1 - i;
                    state = cell(gxAll.select(0, t), state, weightHh, biasHh);
                    outs[(int) t] = state[0];
                }
                dirOutputs[d] = steps == 0 ? Tensor.zeros(new long[] {0, batch, hiddenSize}, x.dtype())
                        : Tensor.stack(outs, 0);
                for (int s = 0; s < state.length; s++) {
                    finals.get(s).add(state[s]);
                }
            }
            layerInput = dirs == 1 ? dirOutputs[0] : Tensor.cat(dirOutputs, 2);
        }
        Tensor output = layerInput;
        if (!batched) {
            output = output.squeeze(1);
        } else if (batchFirst) {
            output = output.transpose(0, 1);
        }
        Tensor[] result = new Tensor[1 + init.length];
        result[0] = output;
        for (int s = 0; s < init.length; s++) {
            Tensor hN = Tensor.stack(finals.get(s), 0);
            result[1 + s] = batched ? hN : hN.squeeze(1);
        }
        return result;
    }

    /** Splits {@code [N, G*H]} gate pre-activations into G pieces of {@code [N, H]}. */
    static List<Tensor> gateChunks(Tensor t, int gates) {
        return t.chunk(gates, t.dim() - 1);
    }

    /** {@code h W_hh^T + b_hh}. */
    static Tensor hiddenProjection(Tensor h, Tensor weightHh, Tensor biasHh) {
        Tensor gh = h.matmul(weightHh.t());
        return biasHh == null ? gh : gh.add(biasHh);
    }

    /** Features per input step. */
    public long inputSize() {
        return inputSize;
    }

    /** Features of the hidden state. */
    public long hiddenSize() {
        return hiddenSize;
    }

    /** Number of stacked layers. */
    public int numLayers() {
        return numLayers;
    }

    /** Whether inputs and outputs are {@code [batch, seq, feature]} rather than {@code [seq, batch, feature]}. */
    public boolean batchFirst() {
        return batchFirst;
    }

    /** Whether each layer also runs backwards over the sequence. */
    public boolean bidirectional() {
        return bidirectional;
    }

    /** Dropout applied between layers in training mode. */
    public double dropout() {
        return dropout;
    }

    /** Whether the layers carry {@code bias_ih}/{@code bias_hh}. */
    public boolean hasBias() {
        return bias;
    }

    int directions() {
        return bidirectional ? 2 : 1;
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inputSize).append(", ").append(hiddenSize);
        if (numLayers != 1) {
            s.append(", num_layers=").append(numLayers);
        }
        if (!bias) {
            s.append(", bias=False");
        }
        if (batchFirst) {
            s.append(", batch_first=True");
        }
        if (dropout != 0) {
            s.append(", dropout=").append(dropout);
        }
        if (bidirectional) {
            s.append(", bidirectional=True");
        }
        return s.toString();
    }
}
