package dev.walnut.data;

import dev.walnut.Tensor;
import java.util.Objects;

/**
 * A function from tensor to tensor applied to each sample, typically an image {@code [C, H, W]}
 * (torchvision's transforms). Random transforms draw from {@link DataRandom#generator()}.
 *
 * <pre>{@code
 * Transform t = Transforms.compose(Transforms.randomCrop(28, 2), Transforms.randomHorizontalFlip(0.5),
 *         Transforms.normalize(new double[] {0.2860}, new double[] {0.3530}));
 * Transform invert = x -> x.rsub(1.0);           // a transform of your own
 * var train = FashionMnist.load(null, true, t.andThen(invert));
 * }</pre>
 */
@FunctionalInterface
public interface Transform {
    /** The transformed tensor. */
    Tensor apply(Tensor input);

    /** This transform, then {@code next}. */
    default Transform andThen(Transform next) {
        Objects.requireNonNull(next, "Transform.andThen: next");
        return x -> next.apply(apply(x));
    }
}
