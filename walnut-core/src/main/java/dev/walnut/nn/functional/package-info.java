/**
 * The stateless forms of the layers, after {@code torch.nn.functional}: activations, losses,
 * convolution, pooling, normalization, attention and dropout as static methods on tensors.
 *
 * <pre>{@code
 * Tensor loss = Losses.crossEntropy(Activations.relu(logits), labels);
 * }</pre>
 */
package dev.walnut.nn.functional;
