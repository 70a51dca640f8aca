package dev.walnut.nn;

import dev.walnut.Tensor;

/**
 * What {@link LSTM#forward(Tensor, Tensor, Tensor)} returns.
 *
 * <p>Example: {@code LstmOutput out = lstm.forward(x, h0, c0); Tensor last = out.hN();}
 *
 * @param output the last layer's hidden state at every step: {@code [L, N, D*H]}
 *     ({@code [N, L, D*H]} with batchFirst, {@code [L, D*H]} unbatched)
 * @param hN final hidden states {@code [D*numLayers, N, H]} ({@code [D*numLayers, H]} unbatched)
 * @param cN final cell states, shaped like {@code hN}
 */
public record LstmOutput(Tensor output, Tensor hN, Tensor cN) {
}
