package dev.walnut.cli;

import dev.walnut.Tensor;
import dev.walnut.data.FashionMnist;
import dev.walnut.data.Transform;
import dev.walnut.data.Transforms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The input pipeline shared by {@code train}, {@code eval} and {@code predict}: pixels in [0, 1]
 * normalized with Fashion-MNIST's mean and standard deviation, so a model sees the same inputs
 * in every command.
 *
 * <pre>{@code
 * FashionMnist test = Data.load(null, false);   // installed data, else the bundled sample
 * Tensor x = Data.normalize(imagePixels);   // [1, 28, 28] from 784 values in [0, 1]
 * }</pre>
 */
final class Data {
    private Data() {
    }

    /** The {@code --data} value that selects the Fashion-MNIST sample of walnut-datasets. */
    static final String BUNDLED = "bundled";

    /**
     * The normalized training or test split from {@code --data}: a directory of IDX files, the word
     * {@value #BUNDLED} for the bundled sample, or null for the installed data when present, else
     * the bundled sample.
     */
    static FashionMnist load(Path data, boolean train) throws IOException {
        if (isBundled(data)) {
            return FashionMnist.bundledSample(train, normalization());
        }
        return FashionMnist.load(data, train, normalization());
    }

    /** Whether {@code --data} names the bundled sample rather than a directory. */
    static boolean isBundled(Path data) {
        return data != null && data.toString().equals(BUNDLED) && !Files.isDirectory(data);
    }

    /** {@code (x - 0.2860) / 0.3530} per pixel. */
    static Transform normalization() {
        return Transforms.normalize(new double[] {Trainer.MEAN}, new double[] {Trainer.STD});
    }

    /** 784 pixels in [0, 1] (row-major) as a normalized {@code [1, 28, 28]} image. */
    static Tensor normalize(float[] pixels) {
        return normalization().apply(Tensor.fromArray(pixels, 1, 28, 28));
    }
}
