package dev.walnut.data;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * A map-style dataset: {@link #size()} samples addressed by an index in {@code [0, size())},
 * like PyTorch's {@code torch.utils.data.Dataset}.
 *
 * <pre>{@code
 * Dataset<Tensor[]> ds = new TensorDataset(images, labels);   // images [N, 1, 28, 28], labels [N]
 * Tensor[] first = ds.get(0);                                  // {image [1, 28, 28], label 0-d}
 * Dataset<Integer> squares = Dataset.of(10, i -> i * i);       // a dataset from a function
 * }</pre>
 *
 * <p>A {@link DataLoader} with workers calls {@link #get} from several threads at once, so
 * implementations must be safe for concurrent reads (immutable data, as usual, is enough).
 *
 * @param <T> the type of one sample
 */
public interface Dataset<T> {
    /** The number of samples. */
    int size();

    /**
     * The sample at {@code index}.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not in {@code [0, size())}
     */
    T get(int index);

    /**
     * A dataset of {@code size} samples computed by {@code sample} on demand.
     *
     * <pre>{@code
     * Dataset<Tensor[]> ds = Dataset.of(100, i -> new Tensor[] {Tensor.scalar(i), Tensor.scalar(i % 2, DType.I64)});
     * }</pre>
     */
    static <T> Dataset<T> of(int size, IntFunction<? extends T> sample) {
        if (size < 0) {
            throw new IllegalArgumentException("Dataset.of: size must be non-negative, got " + size);
        }
        Objects.requireNonNull(sample, "Dataset.of: sample function");
        return new Dataset<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public T get(int index) {
                Objects.checkIndex(index, size);
                return sample.apply(index);
            }
        };
    }

    /**
     * A lazy view whose samples are {@code fn} applied to this dataset's samples.
     *
     * <pre>{@code
     * Dataset<Tensor> images = pairs.map(p -> p[0]);
     * }</pre>
     */
    default <R> Dataset<R> map(Function<? super T, ? extends R> fn) {
        Objects.requireNonNull(fn, "Dataset.map: function");
        Dataset<T> self = this;
        return of(size(), i -> fn.apply(self.get(i)));
    }
}
