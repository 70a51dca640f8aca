package dev.walnut.data;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research, 2017): 28x28 grayscale images of
 * clothing in 10 classes, 60,000 for training and 10,000 for testing.
 *
 * <pre>{@code
 * FashionMnist train = FashionMnist.load(null, true, Transforms.randomHorizontalFlip(0.5));
 * FashionMnist test = FashionMnist.load(false);
 * Tensor[] s = train.get(0);              // {image F32 [1, 28, 28] in [0, 1], label I64 0-d}
 * FashionMnist.CLASSES.get(9);            // "Ankle boot"
 * System.out.println(train.source());     // where the data came from
 * var loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42).build();
 * }</pre>
 *
 * <p>{@link #load(Path, boolean, Transform)} looks for the data in this order:
 * <ol>
 *   <li>the directory given, which must then hold {@code train-images-idx3-ubyte} and
 *       {@code train-labels-idx1-ubyte} (or {@code t10k-...} for the test split), each plain or
 *       with {@code .gz}; a missing file is an error that names the expected files;</li>
 *   <li>{@link #SYSTEM_DIRECTORY}, where Debian's {@code dataset-fashion-mnist} package
 *       installs the full dataset;</li>
 *   <li>the bundled sample ({@link #bundledSample}): the first 4,000 training and the first
 *       1,000 test images of the real data, shipped in the {@code walnut-datasets} artifact
 *       (MIT licence, see {@code dev/walnut/datasets/fashion-mnist-sample/README.md} there),
 *       enough for a quick demo; walnut-core itself holds no images.</li>
 * </ol>
 *
 * <p>Images are kept as bytes (47 MB for the training split) and converted on each
 * {@link #get}: the pixels are scaled to [0, 1] (the meaning of {@link Transforms#toTensor()}),
 * then the transform, if any, is applied. Safe for concurrent {@code get} calls when the
 * transform is.
 */
public final class FashionMnist implements Dataset<Tensor[]> {
    /** Class names, by label. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Where Debian's {@code dataset-fashion-mnist} package installs the data. */
    public static final Path SYSTEM_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
    /**
     * Mean pixel value of the training split after scaling to [0, 1] (0.28604), for
     * {@code Transforms.normalize(new double[] {FashionMnist.MEAN}, new double[] {FashionMnist.STD})}.
     */
    public static final double MEAN = 0.2860406;
    /** Standard deviation of the training split's pixels after scaling to [0, 1] (0.35302). */
    public static final double STD = 0.3530242;
    /** Image height and width. */
    public static final int SIDE = 28;

    private final byte[] images;
    private final byte[] labels;
    private final int count;
    private final boolean train;
    private final Transform transform;
    private final String source;
    private final Path directory;
    private volatile String fingerprint;

    private FashionMnist(byte[] images, byte[] labels, boolean train, Transform transform, String source,
                         Path directory, String fingerprint) {
        this.images = images;
        this.labels = labels;
        this.count = labels.length;
        this.train = train;
        this.transform = transform;
        this.source = source;
        this.directory = directory;
        this.fingerprint = fingerprint;
    }

    /** {@code load(null, train, null)}: the system copy, else the bundled sample; no transform. */
    public static FashionMnist load(boolean train) throws IOException {
        return load(null, train, null);
    }

    /** {@code load(directory, train, null)}. */
    public static FashionMnist load(Path directoryOrNull, boolean train) throws IOException {
        return load(directoryOrNull, train, null);
    }

    /**
     * The training ({@code train = true}) or test split, from {@code directoryOrNull} when it is
     * given, else from {@link #SYSTEM_DIRECTORY} when it holds the files, else from the bundled
     * sample when {@code walnut-datasets} is on the class path.
     *
     * @param transformOrNull applied to each image after scaling to [0, 1], or null for none
     * @throws java.nio.file.NoSuchFileException when a directory is given but lacks a file, or when
     *     none is given and neither the system copy nor walnut-datasets is there
     * @throws IOException when a file cannot be read or is not valid Fashion-MNIST IDX data
     */
    public static FashionMnist load(Path directoryOrNull, boolean train, Transform transformOrNull)
            throws IOException {
        if (directoryOrNull != null) {
            return fromDirectory(directoryOrNull, train, transformOrNull);
        }
        if (find(SYSTEM_DIRECTORY, fileName(train, true)) != null
                && find(SYSTEM_DIRECTORY, fileName(train, false)) != null) {
            return fromDirectory(SYSTEM_DIRECTORY, train, transformOrNull);
        }
        BundledData sample = findBundledSample();
        if (sample == null) {
            throw new NoSuchFileException(SYSTEM_DIRECTORY.toString(), null, "Fashion-MNIST is not installed there"
                    + " and " + MISSING_SAMPLE);
        }
        return fromBundled(sample, train, transformOrNull);
    }

    /**
     * Loads the split from the IDX files in {@code directory} (plain or {@code .gz}).
     *
     * @throws java.nio.file.NoSuchFileException naming the expected files when one is missing
     */
    public static FashionMnist fromDirectory(Path directory, boolean train, Transform transformOrNull)
            throws IOException {
        Objects.requireNonNull(directory, "FashionMnist.fromDirectory: directory");
        Path imageFile = find(directory, fileName(train, true));
        Path labelFile = find(directory, fileName(train, false));
        if (imageFile == null || labelFile == null) {
            String missing = imageFile == null ? fileName(train, true) : fileName(train, false);
            throw new NoSuchFileException(directory.resolve(missing) + "[.gz]", null,
                    "Fashion-MNIST " + split(train) + " split not found: expected " + fileName(train, true)
                    + ".gz and " + fileName(train, false) + ".gz (or uncompressed) in " + directory
                    + " (" + (Files.isDirectory(directory) ? "the directory exists" : "no such directory")
                    + "); download them from https://github.com/zalandoresearch/fashion-mnist"
                    + " or pass no directory to use " + SYSTEM_DIRECTORY + " or the bundled sample");
        }
        Idx.Data images = Idx.read(imageFile);
        Idx.Data labels = Idx.read(labelFile);
        return create(images, imageFile.toString(), labels, labelFile.toString(), train, transformOrNull,
                "Fashion-MNIST " + split(train) + " split (" + labels.numel() + " images) from " + imageFile
                        + " and " + labelFile, directory);
    }

    /**
     * The sample of Fashion-MNIST shipped in the {@code walnut-datasets} artifact: the first
     * 4,000 training images ({@code train = true}) or the first 1,000 test images, with their
     * labels. walnut-core holds no images; the sample is found on the class path through
     * {@link BundledData} (a {@link ServiceLoader} lookup), so add {@code dev.walnut:walnut-datasets}
     * to the project (or call {@code dev.walnut.datasets.FashionMnistSample}, which needs no lookup).
     *
     * @param train true for the training split, false for the test split
     * @param transformOrNull applied to each image after scaling to [0, 1], or null for none
     * @return the sample
     * @throws UncheckedIOException wrapping a {@link NoSuchFileException} that says how to add
     *     walnut-datasets when it is not on the class path, or the read error when its files are damaged
     */
    public static FashionMnist bundledSample(boolean train, Transform transformOrNull) {
        BundledData data = findBundledSample();
        if (data == null) {
            throw new UncheckedIOException("FashionMnist: " + MISSING_SAMPLE,
                    new NoSuchFileException(BundledData.FASHION_MNIST_SAMPLE, null, MISSING_SAMPLE));
        }
        return fromBundled(data, train, transformOrNull);
    }

    /**
     * {@code bundledSample(train, null)}.
     *
     * @param train true for the training split, false for the test split
     * @return the sample
     */
    public static FashionMnist bundledSample(boolean train) {
        return bundledSample(train, null);
    }

    /**
     * The split read from the gzip IDX files of {@code data} ({@code train-images-idx3-ubyte.gz},
     * {@code train-labels-idx1-ubyte.gz}, or {@code t10k-...} for the test split).
     *
     * @param data where the files are, such as walnut-datasets' Fashion-MNIST sample
     * @param train true for the training split, false for the test split
     * @param transformOrNull applied to each image after scaling to [0, 1], or null for none
     * @return the data set; its {@link #directory()} is null
     * @throws UncheckedIOException when a file is missing or not valid Fashion-MNIST IDX data
     */
    public static FashionMnist fromBundled(BundledData data, boolean train, Transform transformOrNull) {
        Objects.requireNonNull(data, "FashionMnist.fromBundled: data");
        String images = fileName(train, true) + ".gz";
        String labels = fileName(train, false) + ".gz";
        String where = data.location();
        try {
            Idx.Data imageData = readBundled(data, images);
            Idx.Data labelData = readBundled(data, labels);
            return create(imageData, where + images, labelData, where + labels, train, transformOrNull,
                    "bundled sample of Fashion-MNIST: the first " + labelData.numel() + " images of the "
                            + split(train) + " split (" + where
                            + "; the full data: Debian package dataset-fashion-mnist or "
                            + "https://github.com/zalandoresearch/fashion-mnist)", null);
        } catch (IOException e) {
            throw new UncheckedIOException("FashionMnist: cannot read the bundled sample: " + e.getMessage(), e);
        }
    }

    private static final String MISSING_SAMPLE = "the bundled Fashion-MNIST sample is not on the class path; it "
            + "ships in the walnut-datasets artifact (Maven: dev.walnut:walnut-datasets), or pass a directory "
            + "with the IDX files";

    /** The provider of {@value BundledData#FASHION_MNIST_SAMPLE}: the context class loader's first, else ours. */
    private static BundledData findBundledSample() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {context, FashionMnist.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            for (BundledData d : ServiceLoader.load(BundledData.class, loader)) {
                if (BundledData.FASHION_MNIST_SAMPLE.equals(d.name())) {
                    return d;
                }
            }
        }
        return null;
    }

    private static Idx.Data readBundled(BundledData data, String file) throws IOException {
        try (InputStream in = data.open(file)) {
            if (in == null) {
                throw new NoSuchFileException(data.location() + file, null, "not in " + data.name());
            }
            return Idx.read(in, data.location() + file);
        }
    }

    private static FashionMnist create(Idx.Data images, String imageName, Idx.Data labels, String labelName,
                                       boolean train, Transform transform, String source, Path directory)
            throws IOException {
        if (images.ndim() != 3 || images.dim(1) != SIDE || images.dim(2) != SIDE) {
            throw new IOException(imageName + ": Fashion-MNIST images must have shape [N, 28, 28], got "
                    + Arrays.toString(images.shape()));
        }
        if (labels.ndim() != 1) {
            throw new IOException(labelName + ": Fashion-MNIST labels must have shape [N], got "
                    + Arrays.toString(labels.shape()));
        }
        if (labels.dim(0) != images.dim(0)) {
            throw new IOException(labelName + " holds " + labels.dim(0) + " labels but " + imageName + " holds "
                    + images.dim(0) + " images");
        }
        byte[] l = labels.raw();
        for (int i = 0; i < l.length; i++) {
            if ((l[i] & 0xFF) >= CLASSES.size()) {
                throw new IOException(labelName + ": label " + (l[i] & 0xFF) + " at index " + i
                        + " is not a Fashion-MNIST class (0..9)");
            }
        }
        return new FashionMnist(images.raw(), l, train, transform, source, directory, null);
    }

    private static String fileName(boolean train, boolean images) {
        return (train ? "train" : "t10k") + (images ? "-images-idx3-ubyte" : "-labels-idx1-ubyte");
    }

    private static String split(boolean train) {
        return train ? "training" : "test";
    }

    /** {@code dir/name.gz} or {@code dir/name}, whichever is a regular file (gz first), else null. */
    private static Path find(Path dir, String name) {
        for (String candidate : new String[] {name + ".gz", name}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public int size() {
        return count;
    }

    /** {@code {image F32 [1, 28, 28] (pixels / 255, then the transform), label I64 0-d}}. */
    @Override
    public Tensor[] get(int index) {
        Objects.checkIndex(index, count);
        float[] pixels = new float[SIDE * SIDE];
        int base = index * SIDE * SIDE;
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) ((images[base + i] & 0xFF) / 255.0);
        }
        Tensor image = Tensor.wrap(pixels, 1, SIDE, SIDE);
        if (transform != null) {
            image = transform.apply(image);
        }
        return new Tensor[] {image, Tensor.scalar(labels[index] & 0xFF, DType.I64)};
    }

    /** The label (0..9) of sample {@code index}. */
    public int label(int index) {
        return labels[Objects.checkIndex(index, count)] & 0xFF;
    }

    /** All labels (0..9), in order. */
    public int[] labels() {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = labels[i] & 0xFF;
        }
        return out;
    }

    /** The raw pixels of sample {@code index}: I32 [28, 28] with values 0..255 (see {@link Transforms#toTensor()}). */
    public Tensor rawImage(int index) {
        Objects.checkIndex(index, count);
        int[] pixels = new int[SIDE * SIDE];
        int base = index * SIDE * SIDE;
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = images[base + i] & 0xFF;
        }
        return Tensor.wrap(pixels, SIDE, SIDE);
    }

    /** How many samples of each class (indexed by label). */
    public int[] classCounts() {
        int[] counts = new int[CLASSES.size()];
        for (int i = 0; i < count; i++) {
            counts[labels[i] & 0xFF]++;
        }
        return counts;
    }

    /** The same data with another transform (null for none); shares the pixel arrays. */
    public FashionMnist withTransform(Transform transformOrNull) {
        return new FashionMnist(images, labels, train, transformOrNull, source, directory, fingerprint);
    }

    /** The transform applied by {@link #get}, or null. */
    public Transform transform() {
        return transform;
    }

    /** True for the training split, false for the test split. */
    public boolean isTrain() {
        return train;
    }

    /** Where the data came from, for logs and reports (files, or the bundled sample). */
    public String source() {
        return source;
    }

    /** The directory the IDX files were read from, or null for the {@linkplain #bundledSample bundled sample}. */
    public Path directory() {
        return directory;
    }

    /**
     * A fingerprint of the data: {@code sha256:} and the first 16 hex digits of the SHA-256 of the
     * image count, the labels and the pixels. Equal data give equal fingerprints wherever the files
     * are and however they are compressed, so a resumed run can check that it trains on the same
     * images as before. Computed on first use (about 0.2 s for the full training split).
     */
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK provides SHA-256", e);
            }
            sha.update(ByteBuffer.allocate(4).putInt(count).array());
            sha.update(labels);
            sha.update(images);
            f = "sha256:" + HexFormat.of().formatHex(sha.digest(), 0, 8);
            fingerprint = f;
        }
        return f;
    }

    @Override
    public String toString() {
        return "FashionMnist(" + count + " images, " + source + ")";
    }
}
