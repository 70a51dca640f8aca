/**
 * Parameter initialisers, after {@code torch.nn.init}; each fills a tensor in place without
 * recording gradients.
 *
 * <pre>{@code
 * Init.kaimingUniform(linear.weight());
 * }</pre>
 */
package dev.walnut.nn.init;
