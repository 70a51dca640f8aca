/**
 * Reading and writing tensors and training state: safetensors, NumPy {@code .npy}/{@code .npz}
 * and checkpoints of a model with its optimizer.
 *
 * <pre>{@code
 * SafeTensors.save(Path.of("model.safetensors"), model.stateDict());
 * }</pre>
 */
package dev.walnut.io;
