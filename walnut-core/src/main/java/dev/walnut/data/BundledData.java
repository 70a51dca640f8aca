package dev.walnut.data;

import java.io.IOException;
import java.io.InputStream;

/**
 * Data files shipped in a jar of their own, found at run time with {@link java.util.ServiceLoader}
 * so that walnut-core carries no data. The {@code walnut-datasets} artifact provides the
 * Fashion-MNIST sample ({@value #FASHION_MNIST_SAMPLE}) that {@link FashionMnist#bundledSample}
 * reads; a jar that provides another implementation lists it in
 * {@code META-INF/services/dev.walnut.data.BundledData}.
 *
 * <pre>{@code
 * for (BundledData d : ServiceLoader.load(BundledData.class)) {
 *     System.out.println(d.name() + " at " + d.location());
 * }
 * }</pre>
 */
public interface BundledData {
    /** The name under which walnut-datasets provides the Fashion-MNIST sample. */
    String FASHION_MNIST_SAMPLE = "fashion-mnist-sample";

    /**
     * The data set's name, such as {@value #FASHION_MNIST_SAMPLE}.
     *
     * @return the name looked up by the loaders
     */
    String name();

    /**
     * Opens one of the data set's files for reading.
     *
     * @param file the file's name, such as {@code train-images-idx3-ubyte.gz}
     * @return a stream the caller closes, or null when there is no such file
     * @throws IOException when the file exists but cannot be opened
     */
    InputStream open(String file) throws IOException;

    /**
     * Where the files are, for messages and {@link FashionMnist#source()}.
     *
     * @return for example {@code classpath:dev/walnut/datasets/fashion-mnist-sample/}
     */
    String location();
}
