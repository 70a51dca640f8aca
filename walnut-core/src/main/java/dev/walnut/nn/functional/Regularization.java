package dev.walnut.nn.functional;

import dev.walnut.Generator;
import dev.walnut.Tensor;

/**
 * Stochastic regularizers with PyTorch's semantics ({@code torch.nn.functional.dropout} and
 * {@code alpha_dropout}). The random mask is drawn from a {@link Generator} (by default the global
 * one that {@link Tensor#manualSeed(long)} reseeds), so a seeded run is reproducible. The mask is
 * a constant: the output is {@code x * mask} (plus a constant for alpha dropout), so gradients
 * flow through the kept elements, scaled like the forward pass, and to any order.
 *
 * <pre>{@code
 * Tensor h = Regularization.dropout(x, 0.5, module.isTraining());        // kept values doubled
 * Tensor r = Regularization.dropout(x, 0.5, true, new Generator(7));       // reproducible mask
 * }</pre>
 */
public final class Regularization {
    private Regularization() {
    }

    /** {@code scale * alpha} of SELU: the value a SELU network saturates to is {@code -ALPHA_PRIME}. */
    private static final double ALPHA_PRIME = 1.7580993408473766;

    /** {@link #dropout(Tensor, double, boolean, Generator)} with the default generator. */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        return dropout(x, p, training, Generator.defaultGenerator());
    }

    /**
     * Inverted dropout: while {@code training}, each element is zeroed with probability {@code p}
     * and the survivors are scaled by {@code 1 / (1 - p)}, so the expectation is unchanged; in eval
     * ({@code training == false}) and for {@code p == 0} it returns {@code x} itself. {@code p == 1}
     * gives zeros (still connected to {@code x}, with zero gradient).
     *
     * @throws IllegalArgumentException if {@code p} is outside {@code [0, 1]} or {@code x} is not
     *     floating point
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator generator) {
        check("dropout", x, p);
        if (!training || p == 0.0 || x.numel() == 0) {
            return x;
        }
        if (p == 1.0) {
            return x.mul(Tensor.zerosLike(x));
        }
        return x.mul(keepMask(x, p, generator).mul(1.0 / (1.0 - p)));
    }

    /** {@link #alphaDropout(Tensor, double, boolean, Generator)} with the default generator. */
    public static Tensor alphaDropout(Tensor x, double p, boolean training) {
        return alphaDropout(x, p, training, Generator.defaultGenerator());
    }

    /**
     * Alpha dropout for self-normalizing (SELU) networks: dropped elements are set to SELU's
     * saturation value {@code -alpha'} ({@code alpha' = 1.7580993408473766}) and the result is
     * transformed affinely so zero mean and unit variance are kept. With keep mask {@code m} and
     * {@code a = 1 / sqrt((alpha'^2 p + 1)(1 - p))}, the output is
     * {@code x * (a m) + a alpha' (m - 1 + p)}, which is PyTorch's formula. Identity in eval and
     * for {@code p == 0}; zeros for {@code p == 1}.
     *
     * @throws IllegalArgumentException if {@code p} is outside {@code [0, 1]} or {@code x} is not
     *     floating point
     */
    public static Tensor alphaDropout(Tensor x, double p, boolean training, Generator generator) {
        check("alphaDropout", x, p);
        if (!training || p == 0.0 || x.numel() == 0) {
            return x;
        }
        if (p == 1.0) {
            return x.mul(Tensor.zerosLike(x));
        }
        double a = 1.0 / Math.sqrt((ALPHA_PRIME * ALPHA_PRIME * p + 1.0) * (1.0 - p));
        Tensor mask = keepMask(x, p, generator);
        Tensor shift = mask.sub(1.0).mul(ALPHA_PRIME * a).add(ALPHA_PRIME * a * p);
        return x.mul(mask.mul(a)).add(shift);
    }

    private static void check(String op, Tensor x, double p) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(op + ": probability p must be in [0, 1], got " + p);
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": input must be floating point, got " + x.dtype()
                    + "; convert with to(DType.F32) first");
        }
    }

    /** 1 with probability {@code 1 - p}, else 0, in x's dtype and shape; never requires grad. */
    private static Tensor keepMask(Tensor x, double p, Generator generator) {
        if (generator == null) {
            throw new IllegalArgumentException("dropout: generator must not be null; use Generator.defaultGenerator()");
        }
        return Tensor.rand(x.shape(), x.dtype(), generator).ge(p).to(x.dtype());
    }
}
