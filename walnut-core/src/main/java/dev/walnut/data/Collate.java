package dev.walnut.data;

import dev.walnut.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Merges the samples of one batch into the batch value a {@link DataLoader} yields (PyTorch's
 * {@code collate_fn}).
 *
 * <pre>{@code
 * Collate<Tensor[], Tensor[]> stack = Collate.stack();          // the default for Dataset<Tensor[]>
 * Collate<String, List<String>> asList = samples -> samples;    // keep samples as they are
 * var loader = DataLoader.builder(sentences, asList).batchSize(8).build();
 * }</pre>
 *
 * <p>Runs on a worker thread when the loader has workers; the list it receives is in batch order.
 *
 * @param <T> the sample type
 * @param <B> the batch type
 */
@FunctionalInterface
public interface Collate<T, B> {
    /** The batch made of {@code samples} (in batch order, never empty). */
    B collate(List<T> samples);

    /**
     * Stacks position {@code k} of every sample into a tensor with a new leading batch
     * dimension: {@code {image [1,28,28], label 0-d}} samples give {@code {images [B,1,28,28],
     * labels [B]}}. Every sample must have the same number of tensors, and position
     * {@code k} the same shape and dtype in every sample.
     */
    static Collate<Tensor[], Tensor[]> stack() {
        return Collate::stackSamples;
    }

    /**
     * Stacks single-tensor samples into one tensor with a leading batch dimension.
     *
     * <pre>{@code
     * DataLoader<Tensor> loader = DataLoader.builder(images, Collate.stackTensors()).batchSize(4).build();
     * }</pre>
     */
    static Collate<Tensor, Tensor> stackTensors() {
        return samples -> stackSamples(samples.stream().map(t -> new Tensor[] {t}).toList())[0];
    }

    private static Tensor[] stackSamples(List<Tensor[]> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("Collate.stack: empty batch");
        }
        Tensor[] first = samples.get(0);
        if (first == null) {
            throw new IllegalArgumentException("Collate.stack: sample 0 of the batch is null");
        }
        int width = first.length;
        Tensor[] out = new Tensor[width];
        for (int k = 0; k < width; k++) {
            List<Tensor> column = new ArrayList<>(samples.size());
            for (int s = 0; s < samples.size(); s++) {
                Tensor[] sample = samples.get(s);
                if (sample == null || sample.length != width) {
                    throw new IllegalArgumentException("Collate.stack: sample " + s + " of the batch has "
                            + (sample == null ? "no tensors (null)" : sample.length + " tensors")
                            + " but sample 0 has " + width + "; every sample must have the same number");
                }
                Tensor t = sample[k];
                if (t == null) {
                    throw new IllegalArgumentException("Collate.stack: tensor " + k + " of sample " + s + " is null");
                }
                Tensor ref = first[k];
                if (!Arrays.equals(t.shape(), ref.shape()) || t.dtype() != ref.dtype()) {
                    throw new IllegalArgumentException("Collate.stack: tensor " + k + " of sample " + s + " has shape "
                            + Arrays.toString(t.shape()) + " " + t.dtype() + " but in sample 0 it has shape "
                            + Arrays.toString(ref.shape()) + " " + ref.dtype()
                            + "; resize/convert samples to one shape and dtype or pass a custom Collate");
                }
                column.add(t);
            }
            out[k] = Tensor.stack(column, 0);
        }
        return out;
    }
}
