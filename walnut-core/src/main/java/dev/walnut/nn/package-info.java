/**
 * Layers as objects, after {@code torch.nn}: {@link dev.walnut.nn.Module} holds parameters,
 * buffers and submodules, and every layer takes PyTorch's arguments and defaults.
 *
 * <pre>{@code
 * Module model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * }</pre>
 *
 * <p>Under wildcard imports {@code dev.walnut.nn.Module} clashes with {@code java.lang.Module};
 * import it by name.
 */
package dev.walnut.nn;
