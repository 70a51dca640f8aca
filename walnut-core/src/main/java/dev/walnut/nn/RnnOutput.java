package dev.walnut.nn;

import dev.walnut.Tensor;

/**
 * What {@link RNN#forward(Tensor, Tensor)} and {@link GRU#forward(Tensor, Tensor)} return.
 *
 * <p>Example: {@code RnnOutput out = rnn.forward(x, h0); Tensor last = out.hN();}
 *
 * @param output the last layer's hidden state at every step: {@code [L, N, D*H]}
 *     ({@code [N, L, D*H]} with batchFirst, {@code [L, D*H]} unbatched)
 * @param hN every layer's and direction's final hidden state: {@code [D*numLayers, N, H]}
 *     ({@code [D*numLayers, H]} unbatched), ordered layer by layer, forward before reverse
 */
public record RnnOutput(Tensor output, Tensor hN) {
}
