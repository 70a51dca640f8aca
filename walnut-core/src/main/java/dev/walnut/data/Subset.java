package dev.walnut.data;

import java.util.Objects;

/**
 * The samples of a dataset at the given indices, in that order (like PyTorch's {@code Subset}).
 *
 * <pre>{@code
 * Subset<Tensor[]> firstHundred = new Subset<>(dataset, java.util.stream.IntStream.range(0, 100).toArray());
 * List<Subset<Tensor[]>> parts = Datasets.randomSplit(dataset, 42, 0.8, 0.2);
 * }</pre>
 *
 * @param <T> the sample type
 */
public final class Subset<T> implements Dataset<T> {
    private final Dataset<T> dataset;
    private final int[] indices;

    /**
     * @throws IndexOutOfBoundsException when an index is not in {@code [0, dataset.size())}
     */
    public Subset(Dataset<T> dataset, int[] indices) {
        this.dataset = Objects.requireNonNull(dataset, "Subset: dataset");
        this.indices = Objects.requireNonNull(indices, "Subset: indices").clone();
        int n = dataset.size();
        for (int k = 0; k < this.indices.length; k++) {
            if (this.indices[k] < 0 || this.indices[k] >= n) {
                throw new IndexOutOfBoundsException("Subset: indices[" + k + "] = " + this.indices[k]
                        + " is out of range for a dataset of size " + n);
            }
        }
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public T get(int index) {
        return dataset.get(indices[Objects.checkIndex(index, indices.length)]);
    }

    /** The underlying dataset. */
    public Dataset<T> dataset() {
        return dataset;
    }

    /** A copy of the indices into {@link #dataset()}. */
    public int[] indices() {
        return indices.clone();
    }
}
