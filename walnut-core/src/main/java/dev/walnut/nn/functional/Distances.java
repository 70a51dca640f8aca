package dev.walnut.nn.functional;

import dev.walnut.Tensor;
import java.util.Arrays;

/**
 * PyTorch's distance functions ({@code F.cosine_similarity}, {@code F.pairwise_distance}).
 *
 * <pre>{@code
 * Tensor sim = Distances.cosineSimilarity(a, b);        // along dim 1, eps 1e-8
 * Tensor d = Distances.pairwiseDistance(a, b);          // ||a - b + 1e-6||_2 over the last dim
 * }</pre>
 */
public final class Distances {
    private Distances() {
    }

    /** {@link #cosineSimilarity(Tensor, Tensor, int, double)} along dim 1 with {@code eps = 1e-8}. */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2) {
        return cosineSimilarity(x1, x2, 1, 1e-8);
    }

    /**
     * Cosine similarity along {@code dim} ({@code torch.nn.functional.cosine_similarity}):
     * {@code sum(x1 x2) / (max(|x1|, eps) max(|x2|, eps))}; {@code x1} and {@code x2} broadcast and
     * {@code dim} may be negative. The result drops {@code dim}.
     */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2, int dim, double eps) {
        String op = "cosineSimilarity";
        Losses.checkFloating(op, "x1", x1);
        Losses.checkFloating(op, "x2", x2);
        long[] shape = Losses.broadcastShape(op, "x1", x1, "x2", x2);
        if (dim < -shape.length || dim >= shape.length) {
            throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for the broadcast shape "
                    + Arrays.toString(shape));
        }
        Tensor a = x1.broadcastTo(shape);
        Tensor b = x2.broadcastTo(shape);
        int d = dim < 0 ? dim + shape.length : dim;
        Tensor na = a.norm(2.0, new int[] {d}, true).clampMin(eps);
        Tensor nb = b.norm(2.0, new int[] {d}, true).clampMin(eps);
        return a.div(na).mul(b.div(nb)).sum(d, false);
    }

    /** {@link #pairwiseDistance(Tensor, Tensor, double, double, boolean)} with p = 2, eps = 1e-6. */
    public static Tensor pairwiseDistance(Tensor x1, Tensor x2) {
        return pairwiseDistance(x1, x2, 2.0, 1e-6, false);
    }

    /**
     * The p-norm of {@code x1 - x2 + eps} over the last dim ({@code F.pairwise_distance}); the
     * inputs broadcast, and {@code keepDim} keeps that dim with size 1.
     */
    public static Tensor pairwiseDistance(Tensor x1, Tensor x2, double p, double eps, boolean keepDim) {
        String op = "pairwiseDistance";
        Losses.checkFloating(op, "x1", x1);
        Losses.checkFloating(op, "x2", x2);
        long[] shape = Losses.broadcastShape(op, "x1", x1, "x2", x2);
        if (shape.length == 0) {
            throw new IllegalArgumentException(op + ": expects inputs with at least one dim, got 0-d tensors");
        }
        return x1.sub(x2).add(eps).norm(p, new int[] {shape.length - 1}, keepDim);
    }
}
