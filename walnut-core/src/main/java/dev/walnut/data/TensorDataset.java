package dev.walnut.data;

import dev.walnut.Tensor;
import java.util.Arrays;

/**
 * A dataset over tensors that share their first dimension: sample {@code i} is
 * {@code {t0[i], t1[i], ...}} (views, no copy), like PyTorch's {@code TensorDataset}.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(100, 3);
 * Tensor y = Tensor.randint(0, 2, 100);
 * var ds = new TensorDataset(x, y);
 * Tensor[] s = ds.get(5);                 // {x[5] of shape [3], y[5] 0-d}
 * var loader = DataLoader.builder(ds).batchSize(10).shuffle(true).seed(1).build();
 * }</pre>
 */
public final class TensorDataset implements Dataset<Tensor[]> {
    private final Tensor[] tensors;
    private final int size;

    /**
     * @throws IllegalArgumentException when no tensor is given, a tensor is 0-d, or the first
     *     dimensions differ
     */
    public TensorDataset(Tensor... tensors) {
        if (tensors == null || tensors.length == 0) {
            throw new IllegalArgumentException("TensorDataset: give at least one tensor");
        }
        this.tensors = tensors.clone();
        long first = -1;
        for (int k = 0; k < this.tensors.length; k++) {
            Tensor t = this.tensors[k];
            if (t == null) {
                throw new IllegalArgumentException("TensorDataset: tensor " + k + " is null");
            }
            if (t.dim() == 0) {
                throw new IllegalArgumentException("TensorDataset: tensor " + k
                        + " is 0-d; every tensor needs a first dimension that indexes the samples");
            }
            if (k == 0) {
                first = t.size(0);
            } else if (t.size(0) != first) {
                throw new IllegalArgumentException("TensorDataset: size mismatch between tensors: tensor 0 has shape "
                        + Arrays.toString(this.tensors[0].shape()) + " but tensor " + k + " has shape "
                        + Arrays.toString(t.shape()) + "; all first dimensions must be equal");
            }
        }
        this.size = (int) first;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Tensor[] get(int index) {
        java.util.Objects.checkIndex(index, size);
        Tensor[] out = new Tensor[tensors.length];
        for (int k = 0; k < tensors.length; k++) {
            out[k] = tensors[k].select(0, index);
        }
        return out;
    }

    /** The tensor at position {@code k} (the constructor's argument order). */
    public Tensor tensor(int k) {
        return tensors[k];
    }

    /** How many tensors each sample holds. */
    public int width() {
        return tensors.length;
    }
}
