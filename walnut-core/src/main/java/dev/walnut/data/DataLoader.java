package dev.walnut.data;

import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Iterates a {@link Dataset} in batches: sampling order (sequential, seeded shuffle or any
 * {@link Sampler}), batching, collation and background prefetch on worker threads, like
 * PyTorch's {@code DataLoader}.
 *
 * <pre>{@code
 * var train = FashionMnist.load(null, true, Transforms.randomHorizontalFlip(0.5));
 * DataLoader<Tensor[]> loader = DataLoader.builder(train)
 *         .batchSize(64).shuffle(true).seed(42).dropLast(false).workers(2).build();
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     for (Tensor[] batch : loader) {          // each for-each is the next epoch
 *         Tensor images = batch[0];            // F32 [64, 1, 28, 28]
 *         Tensor labels = batch[1];            // I64 [64]
 *     }
 * }
 * loader.size();                               // batches per epoch: ceil(60000 / 64) = 938
 * }</pre>
 *
 * <h2>Epochs and determinism</h2>
 * Every {@link #iterator()} call starts a new epoch: the first is epoch 0, then 1, 2, ...;
 * {@link #setEpoch(long)} sets the epoch the next iterator uses, so a run resumed at epoch 7
 * sees the same order and augmentation as an uninterrupted one. Shuffling is a function of
 * (seed, epoch). Random transforms draw from {@link DataRandom#generator()}, which the loader
 * seeds for each sample from (seed, epoch, position of the sample in the epoch), never from
 * thread identity or a shared generator: the batches, including random augmentation, are
 * bitwise identical for any number of workers. Without {@link Builder#seed(long)} the seed is
 * drawn from {@link Generator#defaultGenerator()} when the loader is built (so
 * {@code Tensor.manualSeed} makes it reproducible).
 *
 * <h2>Workers</h2>
 * With {@code workers(0)} (the default) batches are loaded on the caller's thread inside
 * {@code next()}. With {@code workers(n)}, {@code n} daemon threads named
 * {@code walnut-data-loader-<id>-epoch-<e>-worker-<i>} load whole batches ahead of the
 * consumer; batches are still returned in order. At most {@code prefetch * n} batches are
 * loaded or being loaded and not yet returned (prefetch defaults to 2, as in PyTorch), so
 * memory stays bounded however slow the consumer is. Samples are loaded under
 * {@link Autograd#noGrad()}: nothing is recorded on any tape, and worker threads never touch
 * the caller's autograd state. The dataset, transforms and collate function must therefore be
 * safe to call from several threads at once.
 *
 * <h2>Errors and early exit</h2>
 * An exception thrown while loading (in {@code Dataset.get}, a transform or the collate
 * function, on any thread) is rethrown by {@code next()} as a {@link DataLoaderException}
 * whose cause is the original and whose message names the epoch, batch and sample; the epoch
 * then ends. The workers of an epoch stop when it is exhausted, when it fails, when its
 * iterator is {@linkplain EpochIterator#close() closed}, when the loader starts another epoch,
 * or when the iterator becomes unreachable (a {@link Cleaner} stops them). Breaking out of a
 * for-each therefore leaves at most {@code n} idle daemon threads, blocked on the prefetch
 * bound, until the next epoch starts; use try-with-resources on {@link #iterator()} to stop
 * them at once. One loader runs one epoch at a time: starting an epoch closes the previous
 * epoch's iterator, whose next use throws {@link IllegalStateException}.
 *
 * @param <B> the batch type
 */
public final class DataLoader<B> implements Iterable<B> {
    private static final AtomicLong NEXT_ID = new AtomicLong();
    /** Tag mixed into per-sample seeds, so they never collide with the sampler's streams. */
    private static final long SAMPLE_TAG = 0x5A3D1E0FL;
    private static final long COLLATE_TAG = 0xC011A7EL;

    private final Dataset<?> dataset;
    private final Loader<?, B> loader;
    private final BatchSampler batchSampler;
    private final int workers;
    private final int prefetch;
    private final long seed;
    private final long id = NEXT_ID.getAndIncrement();

    private long nextEpoch;
    /** The running epoch's control; not the iterator itself, which must stay collectable. */
    private Control current;

    private <T> DataLoader(Builder<T, B> b, BatchSampler batchSampler, long seed) {
        this.dataset = b.dataset;
        this.loader = new Loader<>(b.dataset, b.collate, seed);
        this.batchSampler = batchSampler;
        this.workers = b.workers;
        this.prefetch = b.prefetch;
        this.seed = seed;
    }

    /**
     * A builder for a loader over a dataset of tensor tuples, batched with
     * {@link Collate#stack()}: position {@code k} of the samples is stacked along a new dim 0.
     */
    public static Builder<Tensor[], Tensor[]> builder(Dataset<Tensor[]> dataset) {
        return new Builder<>(dataset, Collate.stack());
    }

    /** A builder for a loader that merges each batch's samples with {@code collate}. */
    public static <T, B> Builder<T, B> builder(Dataset<T> dataset, Collate<? super T, ? extends B> collate) {
        Objects.requireNonNull(collate, "DataLoader.builder: collate");
        // Safe: the collate function only reads the list, and a List<T> is a list of ? super T.
        @SuppressWarnings("unchecked")
        Collate<T, B> c = (Collate<T, B>) collate;
        return new Builder<>(dataset, c);
    }

    /**
     * Starts the next epoch (see the class documentation) and returns its batches. Closes the
     * iterator of the previous epoch if it is still open.
     */
    @Override
    public synchronized EpochIterator<B> iterator() {
        if (current != null) {
            current.supersede();
        }
        long epoch = nextEpoch;
        List<int[]> batches = batchSampler.batches(epoch);
        int n = dataset.size();
        int position = 0;
        int[] firstPosition = new int[batches.size()];
        for (int b = 0; b < batches.size(); b++) {
            firstPosition[b] = position;
            for (int index : batches.get(b)) {
                if (index < 0 || index >= n) {
                    throw new IllegalStateException("DataLoader: the sampler returned index " + index + " in batch "
                            + b + " of epoch " + epoch + " for a dataset of size " + n);
                }
            }
            position += batches.get(b).length;
        }
        nextEpoch = epoch + 1;
        Epoch<B> e = new Epoch<>(loader, epoch, batches, firstPosition);
        Prefetcher<B> prefetcher = workers == 0 ? null
                : new Prefetcher<>(e, Math.min(workers, batches.size()), prefetch, "walnut-data-loader-" + id
                        + "-epoch-" + epoch + "-worker-");
        current = new Control(prefetcher);
        return new EpochIterator<>(e, prefetcher, current);
    }

    /** Batches per epoch. */
    public int size() {
        return batchSampler.length();
    }

    /** The epoch the next {@link #iterator()} call will run (0 before the first). */
    public synchronized long epoch() {
        return nextEpoch;
    }

    /** Sets the epoch the next {@link #iterator()} call runs, e.g. when resuming training. */
    public synchronized void setEpoch(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("DataLoader.setEpoch: epoch must be non-negative, got " + epoch);
        }
        nextEpoch = epoch;
    }

    /** The seed of shuffling and of per-sample randomness (given or drawn at build time). */
    public long seed() {
        return seed;
    }

    /** The number of worker threads (0: load on the caller's thread). */
    public int workers() {
        return workers;
    }

    /** The batch sampler that orders and groups the samples. */
    public BatchSampler batchSampler() {
        return batchSampler;
    }

    /** Distinguishes this loader's thread names from other loaders'. */
    long id() {
        return id;
    }

    /** The dataset being loaded. */
    public Dataset<?> dataset() {
        return dataset;
    }

    // ------------------------------------------------------------------ loading

    /** Loads one batch: the dataset and collate function, with per-sample randomness. */
    private static final class Loader<T, B> {
        final Dataset<T> dataset;
        final Collate<T, ? extends B> collate;
        final long seed;

        Loader(Dataset<T> dataset, Collate<T, ? extends B> collate, long seed) {
            this.dataset = dataset;
            this.collate = collate;
            this.seed = seed;
        }

        Outcome<B> load(long epoch, int batch, int[] indices, int firstPosition) {
            try (var off = Autograd.noGrad()) {
                List<T> samples = new ArrayList<>(indices.length);
                for (int j = 0; j < indices.length; j++) {
                    try (var r = DataRandom.scope(seed, SAMPLE_TAG, epoch, firstPosition + j)) {
                        samples.add(dataset.get(indices[j]));
                    } catch (Throwable t) {
                        return Outcome.failed(t, indices[j], j);
                    }
                }
                try (var r = DataRandom.scope(seed, COLLATE_TAG, epoch, batch)) {
                    return Outcome.loaded(collate.collate(samples));
                } catch (Throwable t) {
                    return Outcome.failed(t, -1, -1);
                }
            }
        }
    }

    /** A loaded batch or the failure, with where it happened. */
    private record Outcome<B>(B batch, Throwable failure, int sampleIndex, int position, String thread) {
        static <B> Outcome<B> loaded(B batch) {
            return new Outcome<>(batch, null, -1, -1, null);
        }

        static <B> Outcome<B> failed(Throwable t, int sampleIndex, int position) {
            return new Outcome<>(null, t, sampleIndex, position, Thread.currentThread().getName());
        }
    }

    /** One epoch's plan: the batches and where each starts in the epoch's order. */
    private record Epoch<B>(Loader<?, B> loader, long epoch, List<int[]> batches, int[] firstPosition) {
        Outcome<B> load(int b) {
            return loader.load(epoch, b, batches.get(b), firstPosition[b]);
        }
    }

    /**
     * The worker threads of one epoch. Workers take batch numbers in increasing order, each
     * after acquiring one of {@code prefetch * workers} permits; the consumer returns a permit
     * when it takes a batch. The lowest batch not yet consumed is therefore always loaded or
     * being loaded, so the consumer cannot wait forever, and at most that many batches are held.
     * Holds no reference to its {@link EpochIterator}, so the iterator can be collected and
     * its Cleaner can stop the threads.
     */
    private static final class Prefetcher<B> {
        private static final Cleaner CLEANER = Cleaner.create(r -> {
            Thread t = new Thread(r, "walnut-data-loader-cleaner");
            t.setDaemon(true);
            return t;
        });

        final List<CompletableFuture<Outcome<B>>> slots;
        final Semaphore permits;
        final AtomicInteger nextToLoad = new AtomicInteger();
        final Thread[] threads;
        volatile boolean shutdown;

        Prefetcher(Epoch<B> epoch, int workers, int prefetch, String namePrefix) {
            int n = epoch.batches().size();
            slots = new ArrayList<>(n);
            for (int b = 0; b < n; b++) {
                slots.add(new CompletableFuture<>());
            }
            permits = new Semaphore((int) Math.min(Integer.MAX_VALUE, (long) prefetch * Math.max(workers, 1)));
            threads = new Thread[workers];
            for (int i = 0; i < workers; i++) {
                threads[i] = new Thread(() -> work(epoch), namePrefix + i);
                threads[i].setDaemon(true);
            }
            for (Thread t : threads) {
                t.start();
            }
        }

        void register(Object owner) {
            CLEANER.register(owner, this::shutdown);
        }

        private void work(Epoch<B> epoch) {
            int n = slots.size();
            try {
                while (!shutdown) {
                    permits.acquire();
                    int b = nextToLoad.getAndIncrement();
                    if (b >= n || shutdown) {
                        return;
                    }
                    CompletableFuture<Outcome<B>> slot = slots.get(b);
                    slot.complete(epoch.load(b));
                }
            } catch (InterruptedException e) {
                // shutdown() interrupts workers blocked on the prefetch bound; just exit.
            }
        }

        Outcome<B> take(int b) throws InterruptedException {
            try {
                Outcome<B> out = slots.get(b).get();
                slots.set(b, null);   // let the batch be collected once the caller drops it
                permits.release();
                return out;
            } catch (ExecutionException e) {
                throw new AssertionError("slots are only completed normally", e);
            }
        }

        void shutdown() {
            shutdown = true;
            for (Thread t : threads) {
                t.interrupt();
            }
        }
    }

    /** What the loader needs to stop an epoch when it starts the next one. */
    private static final class Control {
        final Prefetcher<?> prefetcher;
        volatile boolean superseded;

        Control(Prefetcher<?> prefetcher) {
            this.prefetcher = prefetcher;
        }

        void supersede() {
            superseded = true;
            if (prefetcher != null) {
                prefetcher.shutdown();
            }
        }
    }

    // ------------------------------------------------------------------ iteration

    /**
     * The batches of one epoch, in order. Not thread-safe: consume it from one thread. Closing
     * it (or exhausting it) stops its worker threads.
     *
     * <pre>{@code
     * try (var it = loader.iterator()) {
     *     Tensor[] first = it.next();           // e.g. peek at one batch; workers stop on close
     * }
     * }</pre>
     */
    public static final class EpochIterator<B> implements Iterator<B>, AutoCloseable {
        private final Epoch<B> epoch;
        private final Prefetcher<B> prefetcher;
        private final Control control;
        private int consumed;
        private boolean closed;

        private EpochIterator(Epoch<B> epoch, Prefetcher<B> prefetcher, Control control) {
            this.epoch = epoch;
            this.prefetcher = prefetcher;
            this.control = control;
            if (prefetcher != null) {
                prefetcher.register(this);
            }
        }

        /** The epoch this iterator runs. */
        public long epoch() {
            return epoch.epoch();
        }

        /** The number of batches returned so far. */
        public int batchesReturned() {
            return consumed;
        }

        @Override
        public boolean hasNext() {
            if (closed) {
                return false;
            }
            if (control.superseded) {
                closed = true;
                throw new IllegalStateException("DataLoader: the iterator of epoch " + epoch.epoch()
                        + " was closed because the loader started another epoch; a loader runs one epoch at a "
                        + "time (use a second DataLoader to iterate two epochs at once)");
            }
            return consumed < epoch.batches().size();
        }

        @Override
        public B next() {
            if (!hasNext()) {
                throw new NoSuchElementException("DataLoader: epoch " + epoch.epoch() + " has no more batches"
                        + (closed && consumed < epoch.batches().size() ? " (its iterator was closed)" : ""));
            }
            int b = consumed;
            Outcome<B> out;
            if (prefetcher == null) {
                out = epoch.load(b);
            } else {
                try {
                    out = prefetcher.take(b);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new DataLoaderException("DataLoader: interrupted while waiting for batch " + b + " of epoch "
                            + epoch.epoch(), e, epoch.epoch(), b, -1);
                }
            }
            consumed++;
            if (out.failure() != null) {
                close();
                throw failure(out, b);
            }
            if (consumed == epoch.batches().size()) {
                close();
            }
            return out.batch();
        }

        private DataLoaderException failure(Outcome<B> out, int b) {
            Throwable t = out.failure();
            String where = out.sampleIndex() >= 0
                    ? "loading sample " + out.sampleIndex() + " (position " + out.position() + " in batch " + b
                    + " of epoch " + epoch.epoch() + ")"
                    : "collating batch " + b + " of epoch " + epoch.epoch();
            return new DataLoaderException("DataLoader: " + where + " failed on thread " + out.thread() + ": " + t,
                    t, epoch.epoch(), b, out.sampleIndex());
        }

        /** Stops this epoch: its worker threads exit, and {@link #hasNext()} returns false. */
        @Override
        public void close() {
            closed = true;
            if (prefetcher != null) {
                prefetcher.shutdown();
            }
        }
    }

    // ------------------------------------------------------------------ builder

    /**
     * Configures a {@link DataLoader}; see {@link DataLoader#builder(Dataset)}.
     *
     * <pre>{@code
     * var loader = DataLoader.builder(dataset).batchSize(128).shuffle(true).seed(7).workers(4).prefetch(4).build();
     * var weighted = DataLoader.builder(dataset).sampler(new WeightedRandomSampler(w, w.length, true, 7))
     *         .batchSize(64).build();
     * }</pre>
     *
     * @param <T> the sample type
     * @param <B> the batch type
     */
    public static final class Builder<T, B> {
        private final Dataset<T> dataset;
        private final Collate<T, ? extends B> collate;
        private int batchSize = 1;
        private boolean batchSizeSet;
        private boolean shuffle;
        private Long seed;
        private boolean dropLast;
        private int workers;
        private int prefetch = 2;
        private Sampler sampler;
        private BatchSampler batchSampler;

        private Builder(Dataset<T> dataset, Collate<T, ? extends B> collate) {
            this.dataset = Objects.requireNonNull(dataset, "DataLoader.builder: dataset");
            this.collate = collate;
        }

        /** Samples per batch (default 1). */
        public Builder<T, B> batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("DataLoader: batchSize must be positive, got " + batchSize);
            }
            this.batchSize = batchSize;
            this.batchSizeSet = true;
            return this;
        }

        /** Visit the samples in a new random order every epoch (default false). */
        public Builder<T, B> shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** The seed of shuffling and per-sample randomness (default: drawn from the default generator). */
        public Builder<T, B> seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Drop the last batch of an epoch when it is smaller than the batch size (default false). */
        public Builder<T, B> dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Background worker threads (default 0: load on the caller's thread). */
        public Builder<T, B> workers(int workers) {
            if (workers < 0) {
                throw new IllegalArgumentException("DataLoader: workers must be non-negative, got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Batches loaded ahead per worker (default 2); the bound is {@code prefetch * workers}. */
        public Builder<T, B> prefetch(int prefetch) {
            if (prefetch < 1) {
                throw new IllegalArgumentException("DataLoader: prefetch must be positive, got " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /** The order of the samples (instead of {@link #shuffle}); batched by {@link #batchSize}. */
        public Builder<T, B> sampler(Sampler sampler) {
            this.sampler = Objects.requireNonNull(sampler, "DataLoader: sampler");
            return this;
        }

        /**
         * The batches themselves (instead of {@link #batchSize}, {@link #shuffle},
         * {@link #sampler} and {@link #dropLast}).
         */
        public Builder<T, B> batchSampler(BatchSampler batchSampler) {
            this.batchSampler = Objects.requireNonNull(batchSampler, "DataLoader: batchSampler");
            return this;
        }

        /**
         * The loader.
         *
         * @throws IllegalArgumentException for conflicting options (a sampler with shuffle, a
         *     batch sampler with batchSize, shuffle, sampler or dropLast)
         */
        public DataLoader<B> build() {
            if (batchSampler != null && (batchSizeSet || shuffle || sampler != null || dropLast)) {
                throw new IllegalArgumentException("DataLoader: batchSampler is mutually exclusive with batchSize, "
                        + "shuffle, sampler and dropLast; configure those on the BatchSampler");
            }
            if (sampler != null && shuffle) {
                throw new IllegalArgumentException("DataLoader: sampler is mutually exclusive with shuffle; "
                        + "use a RandomSampler to shuffle");
            }
            long s = seed != null ? seed : Generator.defaultGenerator().nextLong();
            BatchSampler bs = batchSampler;
            if (bs == null) {
                Sampler order = sampler != null ? sampler
                        : shuffle ? new RandomSampler(dataset.size(), s)
                        : new SequentialSampler(dataset.size());
                bs = new BatchSampler(order, batchSize, dropLast);
            }
            return new DataLoader<>(this, bs, s);
        }
    }
}
