package dev.walnut.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Several datasets one after another (like PyTorch's {@code ConcatDataset}).
 *
 * <pre>{@code
 * var all = new ConcatDataset<Tensor[]>(List.of(trainSet, extraSet));
 * all.size();                                   // trainSet.size() + extraSet.size()
 * all.get(trainSet.size());                     // extraSet.get(0)
 * }</pre>
 *
 * @param <T> the sample type
 */
public final class ConcatDataset<T> implements Dataset<T> {
    private final List<Dataset<? extends T>> datasets;
    /** cumulative[k] = total size of datasets 0..k. */
    private final int[] cumulative;

    /**
     * @throws IllegalArgumentException when the list is empty or the total size exceeds
     *     {@code Integer.MAX_VALUE}
     */
    public ConcatDataset(List<? extends Dataset<? extends T>> datasets) {
        Objects.requireNonNull(datasets, "ConcatDataset: datasets");
        if (datasets.isEmpty()) {
            throw new IllegalArgumentException("ConcatDataset: give at least one dataset");
        }
        this.datasets = List.copyOf(new ArrayList<>(datasets));
        this.cumulative = new int[datasets.size()];
        long total = 0;
        for (int k = 0; k < datasets.size(); k++) {
            total += datasets.get(k).size();
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ConcatDataset: total size " + total + " exceeds Integer.MAX_VALUE");
            }
            cumulative[k] = (int) total;
        }
    }

    /** {@code new ConcatDataset<>(List.of(datasets))}, e.g. {@code ConcatDataset.<Tensor[]>of(a, b)}. */
    @SafeVarargs
    public static <T> ConcatDataset<T> of(Dataset<? extends T>... datasets) {
        List<Dataset<? extends T>> list = new ArrayList<>(datasets.length);
        for (Dataset<? extends T> d : datasets) {
            list.add(d);
        }
        return new ConcatDataset<>(list);
    }

    @Override
    public int size() {
        return cumulative[cumulative.length - 1];
    }

    @Override
    public T get(int index) {
        Objects.checkIndex(index, size());
        // The first dataset whose cumulative size exceeds index (skips empty datasets).
        int pos = Arrays.binarySearch(cumulative, index);
        int k = pos >= 0 ? pos + 1 : -pos - 1;
        while (cumulative[k] <= index) {
            k++;
        }
        int start = k == 0 ? 0 : cumulative[k - 1];
        return datasets.get(k).get(index - start);
    }

    /** The concatenated datasets, in order. */
    public List<Dataset<? extends T>> datasets() {
        return datasets;
    }
}
