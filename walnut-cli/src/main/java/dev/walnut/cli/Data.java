package dev.walnut.cli;

import dev.walnut.Tensor;
import dev.walnut.data.Transform;
import dev.walnut.data.Transforms;

/**
 * The input pipeline shared by {@code train}, {@code eval} and {@code predict}: pixels in [0, 1]
 * normalized with Fashion-MNIST's mean and standard deviation, so a model sees the same inputs
 * in every command.
 *
 * <pre>{@code
 * var test = FashionMnist.load(null, false, Data.normalization());
 * Tensor x = Data.normalize(imagePixels);   // [1, 28, 28] from 784 values in [0, 1]
 * }</pre>
 */
final class Data {
    private Data() {
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
