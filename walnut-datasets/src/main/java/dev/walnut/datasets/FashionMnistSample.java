package dev.walnut.datasets;

import dev.walnut.data.BundledData;
import dev.walnut.data.FashionMnist;
import dev.walnut.data.Transform;
import java.io.InputStream;

/**
 * The Fashion-MNIST sample of this artifact: the first 4,000 training and the first 1,000 test
 * images of Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research, 2017; MIT licence, see
 * {@code dev/walnut/datasets/fashion-mnist-sample/README.md} in this jar), about 2.2 MB of gzip
 * IDX files, enough for demos and tests.
 *
 * <pre>{@code
 * FashionMnist train = FashionMnistSample.train();          // 4,000 images
 * FashionMnist test = FashionMnistSample.load(false, Transforms.normalize(
 *         new double[] {FashionMnist.MEAN}, new double[] {FashionMnist.STD}));
 * }</pre>
 *
 * <p>With this jar on the class path, walnut-core finds the same data by itself:
 * {@code FashionMnist.bundledSample(train)} and {@code FashionMnist.load(null, train)} (when the
 * full data set is not installed) read them through {@link Provider}.
 */
public final class FashionMnistSample {
    private FashionMnistSample() {
    }

    /** The class-path directory of the IDX files, relative to the class path's root. */
    static final String RESOURCE_DIRECTORY = "dev/walnut/datasets/fashion-mnist-sample/";

    /**
     * The first 4,000 training images and their labels, without a transform.
     *
     * @return the training sample
     */
    public static FashionMnist train() {
        return load(true, null);
    }

    /**
     * The first 1,000 test images and their labels, without a transform.
     *
     * @return the test sample
     */
    public static FashionMnist test() {
        return load(false, null);
    }

    /**
     * The training ({@code train = true}) or test sample.
     *
     * @param train true for the training split, false for the test split
     * @param transformOrNull applied to each image after scaling to [0, 1], or null for none
     * @return the sample
     */
    public static FashionMnist load(boolean train, Transform transformOrNull) {
        return FashionMnist.fromBundled(new Provider(), train, transformOrNull);
    }

    /**
     * The sample's files as {@link BundledData} named {@value BundledData#FASHION_MNIST_SAMPLE};
     * registered in {@code META-INF/services}, so {@link FashionMnist#bundledSample} finds it.
     */
    public static final class Provider implements BundledData {
        /** Used by {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return BundledData.FASHION_MNIST_SAMPLE;
        }

        @Override
        public InputStream open(String file) {
            if (file.contains("/") || file.contains("\\")) {
                return null;
            }
            // Class.getResourceAsStream also finds it when this jar is a module on the module path.
            return FashionMnistSample.class.getResourceAsStream("/" + RESOURCE_DIRECTORY + file);
        }

        @Override
        public String location() {
            return "classpath:" + RESOURCE_DIRECTORY;
        }
    }
}
