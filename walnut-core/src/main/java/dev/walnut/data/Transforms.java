package dev.walnut.data;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Image transforms in torchvision's spirit, for {@code [C, H, W]} images (most also accept
 * leading batch dims {@code [..., C, H, W]}).
 *
 * <pre>{@code
 * Transform train = Transforms.compose(
 *         Transforms.randomCrop(28, 2),                     // pad 2 zeros per side, crop 28x28
 *         Transforms.randomHorizontalFlip(0.5),
 *         Transforms.normalize(new double[] {0.2860}, new double[] {0.3530}));
 * Tensor raw = Tensor.fromArray(new int[] {0, 255, 51, 102}, 2, 2);   // bytes as I32
 * Tensor image = Transforms.toTensor().apply(raw);                     // F32 [1, 2, 2]: 0, 1, 0.2, 0.4
 * }</pre>
 *
 * <p>Raw images: Walnut has no uint8 dtype, so pixels read from a file are I32 (or I64) tensors
 * holding the byte values 0..255; {@link #toTensor()} turns them into F32 in [0, 1]
 * ({@link FashionMnist} does that itself before its transform). Random transforms draw from
 * {@link DataRandom#generator()}: per sample and reproducible inside a {@link DataLoader},
 * the default generator elsewhere.
 */
public final class Transforms {
    private Transforms() {
    }

    /** Applies {@code transforms} left to right (an empty list is the identity). */
    public static Transform compose(Transform... transforms) {
        return compose(Arrays.asList(transforms));
    }

    /** Applies {@code transforms} in list order. */
    public static Transform compose(List<? extends Transform> transforms) {
        Transform[] ts = transforms.toArray(new Transform[0]);
        for (int i = 0; i < ts.length; i++) {
            Objects.requireNonNull(ts[i], "Transforms.compose: transform " + i + " is null");
        }
        return x -> {
            Tensor y = x;
            for (Transform t : ts) {
                y = t.apply(y);
            }
            return y;
        };
    }

    /** Returns its input. */
    public static Transform identity() {
        return x -> x;
    }

    /**
     * Raw pixel values (I32/I64, 0..255) to F32 in [0, 1], dividing by 255; a {@code [H, W]}
     * image becomes {@code [1, H, W]}, other shapes are kept ({@code [C, H, W]} stays).
     *
     * @throws IllegalArgumentException for floating-point input (already converted) or values
     *     outside 0..255
     */
    public static Transform toTensor() {
        return x -> {
            if (x.dtype() != DType.I32 && x.dtype() != DType.I64) {
                throw new IllegalArgumentException("toTensor: expected raw pixel values 0..255 as I32 or I64, got "
                        + x.dtype() + " " + Arrays.toString(x.shape())
                        + "; a floating-point image is already converted, leave toTensor() out");
            }
            long[] v = x.toLongArray();
            float[] out = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                if (v[i] < 0 || v[i] > 255) {
                    throw new IllegalArgumentException("toTensor: pixel value " + v[i] + " at flat index " + i
                            + " is outside 0..255");
                }
                out[i] = (float) (v[i] / 255.0);
            }
            long[] shape = x.shape();
            if (shape.length == 2) {
                shape = new long[] {1, shape[0], shape[1]};
            }
            return Tensor.wrap(out, shape);
        };
    }

    /**
     * {@code (x - mean[c]) / std[c]} for each channel {@code c} (dim -3) of a floating-point
     * image; {@code mean} and {@code std} have one entry per channel, or one entry for all.
     *
     * @throws IllegalArgumentException when the lengths differ, a std is not positive, or (when
     *     applied) the image has fewer than 3 dims or another number of channels
     */
    public static Transform normalize(double[] mean, double[] std) {
        double[] m = Objects.requireNonNull(mean, "normalize: mean").clone();
        double[] s = Objects.requireNonNull(std, "normalize: std").clone();
        if (m.length == 0 || m.length != s.length) {
            throw new IllegalArgumentException("normalize: mean and std need the same, positive length; got "
                    + Arrays.toString(m) + " and " + Arrays.toString(s));
        }
        for (int c = 0; c < s.length; c++) {
            if (!(s[c] > 0) || Double.isInfinite(s[c]) || !Double.isFinite(m[c])) {
                throw new IllegalArgumentException("normalize: std must be positive and finite and mean finite; got mean "
                        + Arrays.toString(m) + " std " + Arrays.toString(s));
            }
        }
        return x -> {
            if (x.dim() < 3) {
                throw new IllegalArgumentException("normalize: expected an image [..., C, H, W], got shape "
                        + Arrays.toString(x.shape()));
            }
            if (x.dtype() != DType.F32 && x.dtype() != DType.F64) {
                throw new IllegalArgumentException("normalize: expected a floating-point image, got " + x.dtype()
                        + "; apply Transforms.toTensor() first");
            }
            long channels = x.size(-3);
            if (m.length != 1 && m.length != channels) {
                throw new IllegalArgumentException("normalize: " + m.length + " means/stds for an image with "
                        + channels + " channels (shape " + Arrays.toString(x.shape()) + ")");
            }
            long[] statShape = {m.length, 1, 1};
            Tensor mt = Tensor.fromArray(m, statShape).to(x.dtype());
            Tensor st = Tensor.fromArray(s, statShape).to(x.dtype());
            return x.sub(mt).div(st);
        };
    }

    /**
     * Mirrors the image left-right (flips the last dim) with probability {@code p}.
     *
     * @throws IllegalArgumentException when {@code p} is not in [0, 1]
     */
    public static Transform randomHorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("randomHorizontalFlip: p must be in [0, 1], got " + p);
        }
        return x -> {
            if (x.dim() < 2) {
                throw new IllegalArgumentException("randomHorizontalFlip: expected an image [..., H, W], got shape "
                        + Arrays.toString(x.shape()));
            }
            // Always draw, so the number of draws per sample does not depend on p.
            boolean flip = DataRandom.generator().nextDouble() < p;
            return flip ? x.flip(-1) : x;
        };
    }

    /**
     * Pads the last two dims with {@code padding} zeros on every side, then crops a random
     * {@code size x size} window (torchvision's {@code RandomCrop(size, padding)}).
     *
     * @throws IllegalArgumentException when {@code size < 1} or {@code padding < 0}, or (when
     *     applied) the padded image is smaller than {@code size}
     */
    public static Transform randomCrop(int size, int padding) {
        if (size < 1 || padding < 0) {
            throw new IllegalArgumentException("randomCrop: size must be positive and padding non-negative, got size "
                    + size + ", padding " + padding);
        }
        return x -> {
            if (x.dim() < 2) {
                throw new IllegalArgumentException("randomCrop: expected an image [..., H, W], got shape "
                        + Arrays.toString(x.shape()));
            }
            Tensor padded = padding == 0 ? x : x.pad(padding, padding, padding, padding);
            long h = padded.size(-2);
            long w = padded.size(-1);
            if (h < size || w < size) {
                throw new IllegalArgumentException("randomCrop: crop size " + size + " is larger than the padded image "
                        + h + "x" + w + " (input shape " + Arrays.toString(x.shape()) + ", padding " + padding + ")");
            }
            Generator g = DataRandom.generator();
            long top = g.nextLong(h - size + 1);
            long left = g.nextLong(w - size + 1);
            return padded.narrow(-2, top, size).narrow(-1, left, size);
        };
    }
}
