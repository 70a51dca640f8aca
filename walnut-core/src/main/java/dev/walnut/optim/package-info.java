/**
 * Optimizers, after {@code torch.optim}: each updates the parameters it was given from their
 * gradients on {@link dev.walnut.optim.Optimizer#step()}.
 *
 * <pre>{@code
 * Optimizer opt = new Adam(model.parameters(), 1e-3);
 * }</pre>
 */
package dev.walnut.optim;
