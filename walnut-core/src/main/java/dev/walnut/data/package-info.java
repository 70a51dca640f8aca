/**
 * Datasets and data loading: the {@link dev.walnut.data.Dataset} abstraction, samplers,
 * batching with background prefetch ({@link dev.walnut.data.DataLoader}), image transforms,
 * the IDX file format and Fashion-MNIST.
 *
 * <pre>{@code
 * FashionMnist train = FashionMnist.load(null, true,
 *         Transforms.compose(Transforms.randomCrop(28, 2), Transforms.randomHorizontalFlip(0.5)));
 * List<Subset<Tensor[]>> parts = Datasets.randomSplit(train, 42, 0.9, 0.1);
 * DataLoader<Tensor[]> loader = DataLoader.builder(parts.get(0))
 *         .batchSize(64).shuffle(true).seed(42).workers(2).build();
 * for (Tensor[] batch : loader) {               // one epoch; the next for-each is the next epoch
 *     Tensor images = batch[0], labels = batch[1];
 * }
 * }</pre>
 *
 * <p>Everything random here (shuffling, random splits, weighted sampling, augmentation) is a
 * pure function of a seed and the epoch (and, for augmentation, the sample's position in the
 * epoch), computed with a fixed SplitMix64-based algorithm: the same on every JDK, for any
 * number of worker threads, and resumable with {@link dev.walnut.data.DataLoader#setEpoch}.
 *
 * <p>Layer "data" (DESIGN.md §2): depends on the tensor/autograd core only, never on
 * {@code nn}, {@code optim} or {@code io}.
 */
package dev.walnut.data;
