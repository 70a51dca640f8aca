package dev.walnut.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradientContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    /** n samples {x = [i, i + 0.5] F32, y = i I64 0-d}. */
    static TensorDataset numbered(int n) {
        float[] x = new float[2 * n];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = i + 0.5f;
            y[i] = i;
        }
        return new TensorDataset(Tensor.fromArray(x, n, 2), Tensor.fromArray(y, n));
    }

    /** The labels of every batch of one epoch. */
    static List<long[]> epochLabels(DataLoader<Tensor[]> loader) {
        List<long[]> out = new ArrayList<>();
        for (Tensor[] batch : loader) {
            out.add(batch[1].toLongArray());
        }
        return out;
    }

    static int[] flatten(List<long[]> batches) {
        return batches.stream().flatMapToLong(Arrays::stream).mapToInt(v -> (int) v).toArray();
    }

    @Test
    void sequentialLoaderYieldsStackedBatchesWithAPartialLastBatch() {
        var loader = DataLoader.builder(numbered(10)).batchSize(4).build();
        assertEquals(3, loader.size());
        List<Tensor[]> batches = new ArrayList<>();
        loader.forEach(batches::add);
        assertEquals(3, batches.size());
        assertArrayEquals(new long[] {4, 2}, batches.get(0)[0].shape());
        assertArrayEquals(new long[] {4}, batches.get(0)[1].shape());
        assertEquals(DType.F32, batches.get(0)[0].dtype());
        assertEquals(DType.I64, batches.get(0)[1].dtype());
        assertArrayEquals(new float[] {4, 4.5f, 5, 5.5f, 6, 6.5f, 7, 7.5f}, batches.get(1)[0].toFloatArray());
        assertArrayEquals(new long[] {8, 9}, batches.get(2)[1].toLongArray());
        assertArrayEquals(new long[] {2, 2}, batches.get(2)[0].shape());
    }

    @Test
    void dropLastDropsThePartialBatch() {
        var loader = DataLoader.builder(numbered(10)).batchSize(4).dropLast(true).build();
        assertEquals(2, loader.size());
        List<long[]> labels = epochLabels(loader);
        assertEquals(2, labels.size());
        assertArrayEquals(new long[] {4, 5, 6, 7}, labels.get(1));
        assertEquals(3, DataLoader.builder(numbered(12)).batchSize(4).dropLast(true).build().size());
    }

    @Test
    void shuffleIsSeededAndChangesEveryEpoch() {
        var loader = DataLoader.builder(numbered(50)).batchSize(8).shuffle(true).seed(42).build();
        assertEquals(0, loader.epoch());
        int[] e0 = flatten(epochLabels(loader));
        assertEquals(1, loader.epoch());
        int[] e1 = flatten(epochLabels(loader));
        SamplersTest.assertPermutation(50, e0);
        SamplersTest.assertPermutation(50, e1);
        assertFalse(Arrays.equals(e0, e1), "a new epoch reshuffles");
        var same = DataLoader.builder(numbered(50)).batchSize(8).shuffle(true).seed(42).build();
        assertArrayEquals(e0, flatten(epochLabels(same)));
        var other = DataLoader.builder(numbered(50)).batchSize(8).shuffle(true).seed(43).build();
        assertFalse(Arrays.equals(e0, flatten(epochLabels(other))));
    }

    @Test
    void setEpochReplaysTheOrderOfThatEpoch() {
        var a = DataLoader.builder(numbered(30)).batchSize(7).shuffle(true).seed(3).build();
        epochLabels(a);
        epochLabels(a);
        int[] third = flatten(epochLabels(a));
        var resumed = DataLoader.builder(numbered(30)).batchSize(7).shuffle(true).seed(3).build();
        resumed.setEpoch(2);
        assertEquals(2, resumed.epoch());
        assertArrayEquals(third, flatten(epochLabels(resumed)));
        assertEquals(3, resumed.epoch());
    }

    @Test
    void withoutASeedTheSeedComesFromTheDefaultGenerator() {
        Tensor.manualSeed(11);
        long s1 = DataLoader.builder(numbered(5)).shuffle(true).build().seed();
        Tensor.manualSeed(11);
        long s2 = DataLoader.builder(numbered(5)).shuffle(true).build().seed();
        assertEquals(s1, s2);
    }

    @Test
    void customCollateAndSampler() {
        Dataset<Integer> ds = Dataset.of(6, i -> i * 10);
        Collate<Integer, List<Integer>> keep = samples -> List.copyOf(samples);
        var loader = DataLoader.builder(ds, keep).sampler(new SubsetRandomSampler(new int[] {1, 3, 5}, 0))
                .batchSize(2).build();
        assertEquals(2, loader.size());
        List<Integer> all = new ArrayList<>();
        for (List<Integer> batch : loader) {
            all.addAll(batch);
        }
        Collections.sort(all);
        assertEquals(List.of(10, 30, 50), all);
        var bs = DataLoader.builder(ds, keep).batchSampler(new BatchSampler(new SequentialSampler(6), 5, false))
                .build();
        List<List<Integer>> batches = new ArrayList<>();
        bs.forEach(batches::add);
        assertEquals(List.of(List.of(0, 10, 20, 30, 40), List.of(50)), batches);
    }

    @Test
    void conflictingOptionsAreRejected() {
        var ds = numbered(4);
        assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(ds).shuffle(true).sampler(new SequentialSampler(4)).build());
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(2)
                .batchSampler(new BatchSampler(new SequentialSampler(4), 2, false)).build());
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).workers(-1));
        var e = assertThrows(IllegalStateException.class,
                () -> DataLoader.builder(ds).sampler(new SequentialSampler(5)).build().iterator());
        assertTrue(e.getMessage().contains("index 4"), e.getMessage());
    }

    @Test
    void defaultCollateRejectsSamplesOfDifferentShapes() {
        Dataset<Tensor[]> ds = Dataset.of(2, i -> new Tensor[] {Tensor.zeros(i + 1)});
        var loader = DataLoader.builder(ds).batchSize(2).build();
        var e = assertThrows(DataLoaderException.class, () -> loader.iterator().next());
        assertTrue(e.getMessage().contains("collating batch 0"), e.getMessage());
        assertTrue(e.getCause().getMessage().contains("[2]") && e.getCause().getMessage().contains("[1]"),
                e.getCause().getMessage());
        assertEquals(-1, e.sampleIndex());
    }

    /** Images [1, 8, 8] with random augmentation from every kind of random transform. */
    static Dataset<Tensor[]> augmented(int n) {
        Tensor images = Tensor.rand(new long[] {n, 1, 8, 8}, DType.F32, new dev.walnut.Generator(1));
        Transform noise = x -> x.add(Tensor.randn(x.shape(), DType.F32, DataRandom.generator()).mul(0.1));
        Transform t = Transforms.compose(Transforms.randomCrop(8, 2), Transforms.randomHorizontalFlip(0.5), noise);
        Tensor labels = Tensor.arange(n);
        TensorDataset base = new TensorDataset(images, labels);
        return base.map(s -> new Tensor[] {t.apply(s[0]), s[1]});
    }

    static List<float[]> run(int workers, int epochs) {
        var loader = DataLoader.builder(augmented(37)).batchSize(5).shuffle(true).seed(2024).workers(workers)
                .prefetch(1).build();
        List<float[]> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            for (Tensor[] batch : loader) {
                out.add(batch[0].toFloatArray());
                float[] labels = new float[(int) batch[1].numel()];
                long[] l = batch[1].toLongArray();
                for (int i = 0; i < l.length; i++) {
                    labels[i] = l[i];
                }
                out.add(labels);
            }
        }
        return out;
    }

    @Test
    void batchesAreBitwiseIdenticalForAnyNumberOfWorkers() {
        List<float[]> w0 = run(0, 2);
        assertEquals(2 * 2 * 8, w0.size());
        for (int workers : new int[] {1, 3}) {
            List<float[]> w = run(workers, 2);
            assertEquals(w0.size(), w.size());
            for (int i = 0; i < w0.size(); i++) {
                assertArrayEquals(w0.get(i), w.get(i), "workers = " + workers + ", item " + i);
            }
        }
    }

    @Test
    void augmentationDiffersBetweenEpochsAndSamplesButNotBetweenRuns() {
        var loader = DataLoader.builder(augmented(4)).batchSize(4).seed(5).build();
        Tensor e0 = loader.iterator().next()[0];
        Tensor e1 = loader.iterator().next()[0];
        assertFalse(e0.equal(e1), "epoch 1 augments differently");
        loader.setEpoch(0);
        assertTrue(e0.equal(loader.iterator().next()[0]), "replaying epoch 0 gives the same augmentation");
    }

    @Test
    void anExceptionInAWorkerReachesTheCallerWithItsCause() {
        RuntimeException boom = new IllegalStateException("boom at 13");
        TensorDataset base = numbered(40);
        Dataset<Tensor[]> ds = Dataset.of(40, i -> {
            if (i == 13) {
                throw boom;
            }
            return base.get(i);
        });
        for (int workers : new int[] {0, 2}) {
            var loader = DataLoader.builder(ds).batchSize(4).workers(workers).build();
            var it = loader.iterator();
            for (int b = 0; b < 3; b++) {
                assertArrayEquals(new long[] {4 * b, 4 * b + 1, 4 * b + 2, 4 * b + 3}, it.next()[1].toLongArray());
            }
            var e = assertThrows(DataLoaderException.class, it::next);
            assertSame(boom, e.getCause());
            assertEquals(13, e.sampleIndex());
            assertEquals(3, e.batchIndex());
            assertEquals(0, e.epoch());
            assertTrue(e.getMessage().contains("sample 13") && e.getMessage().contains("batch 3")
                    && e.getMessage().contains("boom at 13"), e.getMessage());
            if (workers > 0) {
                assertTrue(e.getMessage().contains("walnut-data-loader-"), e.getMessage());
            }
            assertFalse(it.hasNext(), "a failed epoch ends");
        }
    }

    @Test
    void workersAreNamedDaemonThreadsAndRecordNoAutograd() {
        Tensor w = Tensor.ones(2).setRequiresGrad(true);
        TensorDataset base = numbered(12);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Dataset<Tensor[]> ds = Dataset.of(12, i -> {
            Thread t = Thread.currentThread();
            threads.add(t.getName() + (t.isDaemon() ? " daemon" : " user"));
            Tensor[] s = base.get(i);
            return new Tensor[] {s[0].mul(w), s[1]};   // would record onto a tape with grad enabled
        });
        long tapeBefore = GradientContext.current().tapeSize();
        for (int workers : new int[] {0, 2}) {
            threads.clear();
            var loader = DataLoader.builder(ds).batchSize(3).workers(workers).build();
            for (Tensor[] batch : loader) {
                assertFalse(batch[0].requiresGrad(), "loaded data must not require grad");
            }
            for (String name : threads) {
                if (workers == 0) {
                    assertEquals(Thread.currentThread().getName() + (Thread.currentThread().isDaemon() ? " daemon"
                            : " user"), name);
                } else {
                    assertTrue(name.matches("walnut-data-loader-\\d+-epoch-0-worker-[01] daemon"), name);
                }
            }
        }
        assertEquals(tapeBefore, GradientContext.current().tapeSize(), "nothing recorded on the caller's tape");
    }

    @Test
    void prefetchIsBounded() throws InterruptedException {
        AtomicInteger started = new AtomicInteger();
        TensorDataset base = numbered(100);
        Dataset<Tensor[]> ds = Dataset.of(100, i -> {
            started.incrementAndGet();
            return base.get(i);
        });
        var loader = DataLoader.builder(ds).batchSize(1).workers(2).prefetch(1).build();
        try (var it = loader.iterator()) {
            it.next();
            // Give the workers every chance to run ahead; the bound, not timing, must stop them:
            // 1 batch consumed + 2 in flight (prefetch 1 x 2 workers).
            while (started.get() < 3) {
                Thread.onSpinWait();
            }
            Thread.sleep(200);
            assertEquals(3, started.get());
        }
    }

    static List<Thread> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).toList();
    }

    @Test
    void breakingOutEarlyDoesNotHangAndTheWorkersStop() throws InterruptedException {
        var loader = DataLoader.builder(numbered(400)).batchSize(2).workers(3).prefetch(2).build();
        String prefix = "walnut-data-loader-" + loader.id() + "-epoch-0-";
        for (Tensor[] batch : loader) {
            assertEquals(2, batch[1].numel());
            break;
        }
        // The next epoch supersedes the abandoned one and runs to the end.
        assertEquals(200, epochLabels(loader).size());
        for (Thread t : threadsNamed(prefix)) {
            t.join(60_000);   // a guard against hanging the build, not a timing assertion
            assertFalse(t.isAlive(), t.getName() + " still running");
        }
        try (var it = loader.iterator()) {
            it.next();
        }
        for (Thread t : threadsNamed("walnut-data-loader-" + loader.id() + "-epoch-2-")) {
            t.join(60_000);
            assertFalse(t.isAlive(), t.getName() + " still running after close()");
        }
    }

    @Test
    void startingAnotherEpochClosesTheOpenIterator() {
        var loader = DataLoader.builder(numbered(10)).batchSize(2).workers(1).build();
        var first = loader.iterator();
        first.next();
        var second = loader.iterator();
        var e = assertThrows(IllegalStateException.class, first::hasNext);
        assertTrue(e.getMessage().contains("started another epoch"), e.getMessage());
        assertEquals(1, second.epoch());
        int n = 0;
        while (second.hasNext()) {
            second.next();
            n++;
        }
        assertEquals(5, n);
        assertThrows(java.util.NoSuchElementException.class, second::next);
    }

    @Test
    void emptyDatasetHasNoBatches() {
        var loader = DataLoader.builder(new TensorDataset(Tensor.zeros(0, 3))).batchSize(4).workers(2).build();
        assertEquals(0, loader.size());
        assertFalse(loader.iterator().hasNext());
        assertNotEquals(null, loader.dataset());
    }
}
