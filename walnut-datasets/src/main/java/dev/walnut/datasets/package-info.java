/**
 * Data shipped as an artifact of its own ({@code dev.walnut:walnut-datasets}), so that
 * walnut-core stays free of images: the Fashion-MNIST sample ({@link
 * dev.walnut.datasets.FashionMnistSample}).
 *
 * <pre>{@code
 * FashionMnist train = FashionMnistSample.train();
 * var loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42).build();
 * }</pre>
 */
package dev.walnut.datasets;
