package dev.walnut.nn.functional;

import dev.walnut.Tensor;

/**
 * Activation functions with PyTorch's names, defaults and semantics ({@code torch.nn.functional}).
 * Every function is a composite of differentiable tensor ops, so gradients of any order come from
 * the ops' own rules; none records a node of its own.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(-2.0, 0.0, 1.0);
 * Activations.gelu(x);            // [-0.0455, 0.0000, 0.8413]
 * Activations.softplus(x, 2, 20); // log(1 + e^(2x)) / 2
 * Activations.glu(Tensor.of(1.0, 2.0, 3.0, 4.0), -1); // [1*sigmoid(3), 2*sigmoid(4)]
 * }</pre>
 *
 * <p>At points where a function is not differentiable the gradient follows PyTorch's kernels;
 * each method names its convention.
 */
public final class Activations {
    private Activations() {
    }

    private static final double SQRT_HALF = 0.7071067811865476;
    private static final double SQRT_TWO_OVER_PI = 0.7978845608028654;
    /** SELU's constants (Klambauer et al. 2017), as in {@code torch.nn.SELU}. */
    static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    static final double SELU_SCALE = 1.0507009873554804934193349852946;

    private static Tensor constant(Tensor like, double value) {
        return Tensor.scalar(value, like.dtype());
    }

    // ------------------------------------------------------------------ delegates to Tensor

    /** {@code max(x, 0)}; the gradient at 0 is 0. Same as {@link Tensor#relu()}. */
    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    /** Logistic sigmoid; same as {@link Tensor#sigmoid()}. */
    public static Tensor sigmoid(Tensor x) {
        return x.sigmoid();
    }

    /** Hyperbolic tangent; same as {@link Tensor#tanh()}. */
    public static Tensor tanh(Tensor x) {
        return x.tanh();
    }

    /** Softmax along {@code dim}; same as {@link Tensor#softmax(int)}. */
    public static Tensor softmax(Tensor x, int dim) {
        return x.softmax(dim);
    }

    /** Log-softmax along {@code dim}; same as {@link Tensor#logSoftmax(int)}. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return x.logSoftmax(dim);
    }

    // ------------------------------------------------------------------ smooth activations

    /** Exact GELU {@code x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))}; {@code gelu(1) = 0.8413447460685429}. */
    public static Tensor gelu(Tensor x) {
        return gelu(x, "none");
    }

    /**
     * GELU with PyTorch's {@code approximate} argument: {@code "none"} (exact, erf-based) or
     * {@code "tanh"}: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}.
     */
    public static Tensor gelu(Tensor x, String approximate) {
        if ("none".equals(approximate)) {
            return x.mul(x.mul(SQRT_HALF).erf().add(1.0)).mul(0.5);
        }
        if ("tanh".equals(approximate)) {
            Tensor inner = x.add(x.pow(3.0).mul(0.044715)).mul(SQRT_TWO_OVER_PI);
            return x.mul(inner.tanh().add(1.0)).mul(0.5);
        }
        throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
    }

    /** SiLU (swish) {@code x * sigmoid(x)}. */
    public static Tensor silu(Tensor x) {
        return x.mul(x.sigmoid());
    }

    /** {@link #softplus(Tensor, double, double)} with PyTorch's defaults {@code beta = 1}, {@code threshold = 20}. */
    public static Tensor softplus(Tensor x) {
        return softplus(x, 1.0, 20.0);
    }

    /**
     * {@code log(1 + e^(beta x)) / beta}, reverting to the identity where {@code beta x > threshold}
     * (PyTorch's rule; the difference there is below {@code e^-threshold}). The exponent is capped at
     * the threshold, so with the default threshold nothing overflows and no gradient becomes NaN
     * ({@code softplus(1000) = 1000}); a threshold above ~709 lets {@code e^(beta x)} overflow, as in
     * PyTorch. {@code beta} must be positive.
     */
    public static Tensor softplus(Tensor x, double beta, double threshold) {
        if (!(beta > 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("softplus: beta must be positive and finite, got " + beta);
        }
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("softplus: threshold must not be NaN");
        }
        Tensor scaled = beta == 1.0 ? x : x.mul(beta);
        Tensor soft = scaled.clampMax(threshold).exp().log1p();
        if (beta != 1.0) {
            soft = soft.div(beta);
        }
        return Tensor.where(scaled.gt(threshold), x, soft);
    }

    /** {@link #elu(Tensor, double)} with {@code alpha = 1}. */
    public static Tensor elu(Tensor x) {
        return elu(x, 1.0);
    }

    /**
     * ELU: {@code x} for {@code x > 0}, else {@code alpha (e^x - 1)}. At 0 the gradient is
     * {@code alpha} (PyTorch takes the negative branch for {@code x <= 0}).
     */
    public static Tensor elu(Tensor x, double alpha) {
        // The exponent is capped at 0 so the unused branch cannot overflow into a NaN gradient.
        Tensor negative = x.clampMax(0.0).expm1().mul(alpha);
        return Tensor.where(x.gt(0.0), x, negative);
    }

    /**
     * SELU {@code scale * elu(x, alpha)} with {@code alpha = 1.6732632423543772} and
     * {@code scale = 1.0507009873554805}.
     */
    public static Tensor selu(Tensor x) {
        return elu(x, SELU_ALPHA).mul(SELU_SCALE);
    }

    /** Mish {@code x * tanh(softplus(x))} (softplus with its defaults, as in PyTorch). */
    public static Tensor mish(Tensor x) {
        return x.mul(softplus(x).tanh());
    }

    /**
     * {@code log(sigmoid(x))}, computed as {@code min(x, 0) - log1p(e^-|x|)} so it neither
     * overflows nor loses the tail: {@code logSigmoid(-1000) = -1000},
     * {@code logSigmoid(40) = -4.25e-18}. The gradient at 0 is 0.5, the true derivative.
     */
    public static Tensor logSigmoid(Tensor x) {
        // minimum splits a tie evenly (gradient 0.5 at x = 0) and abs' (0) = 0 there, so the sum is exact.
        return x.minimum(constant(x, 0.0)).sub(x.abs().neg().exp().log1p());
    }

    /** {@code softmax(-x, dim)}. */
    public static Tensor softmin(Tensor x, int dim) {
        return x.neg().softmax(dim);
    }

    /** {@link #glu(Tensor, int)} along the last dim. */
    public static Tensor glu(Tensor x) {
        return glu(x, -1);
    }

    /**
     * Gated linear unit: splits {@code x} in halves {@code a, b} along {@code dim} and returns
     * {@code a * sigmoid(b)}. The size of {@code dim} must be even.
     */
    public static Tensor glu(Tensor x, int dim) {
        int rank = x.dim();
        if (rank == 0) {
            throw new IllegalArgumentException("glu: needs at least one dimension, got a 0-d tensor");
        }
        if (dim < -rank || dim >= rank) {
            throw new IllegalArgumentException("glu: dim " + dim + " is out of range for a tensor of rank " + rank
                    + " (expected " + -rank + " to " + (rank - 1) + ")");
        }
        int d = dim < 0 ? dim + rank : dim;
        long size = x.size(d);
        if (size % 2 != 0) {
            throw new IllegalArgumentException("glu: halving dimension must be even, but dimension " + d + " is size "
                    + size);
        }
        long half = size / 2;
        return x.narrow(d, 0, half).mul(x.narrow(d, half, half).sigmoid());
    }

    // ------------------------------------------------------------------ piecewise-linear activations

    /** {@link #leakyRelu(Tensor, double)} with {@code negativeSlope = 0.01}. */
    public static Tensor leakyRelu(Tensor x) {
        return leakyRelu(x, 0.01);
    }

    /**
     * {@code x} for {@code x > 0}, else {@code negativeSlope * x}. The gradient at 0 is
     * {@code negativeSlope} (PyTorch's convention).
     */
    public static Tensor leakyRelu(Tensor x, double negativeSlope) {
        return Tensor.where(x.gt(0.0), x, x.mul(negativeSlope));
    }

    /** {@link #hardtanh(Tensor, double, double)} on {@code [-1, 1]}. */
    public static Tensor hardtanh(Tensor x) {
        return hardtanh(x, -1.0, 1.0);
    }

    /**
     * {@code x} clamped to {@code [min, max]}. The gradient is 1 strictly inside and 0 at and
     * beyond the bounds (PyTorch's hardtanh, unlike its clamp, excludes the bounds).
     */
    public static Tensor hardtanh(Tensor x, double min, double max) {
        if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
            throw new IllegalArgumentException("hardtanh: need min <= max, got min=" + min + ", max=" + max);
        }
        Tensor upper = Tensor.where(x.ge(max), constant(x, max), x);
        return Tensor.where(x.le(min), constant(x, min), upper);
    }

    /**
     * {@code 0} for {@code x <= -3}, {@code 1} for {@code x >= 3}, else {@code x / 6 + 1/2}. The
     * gradient is {@code 1/6} strictly inside and 0 at the bounds (PyTorch).
     */
    public static Tensor hardsigmoid(Tensor x) {
        Tensor upper = Tensor.where(x.ge(3.0), constant(x, 1.0), x.div(6.0).add(0.5));
        return Tensor.where(x.le(-3.0), constant(x, 0.0), upper);
    }

    /**
     * {@code x * hardsigmoid(x)}: 0 for {@code x < -3}, {@code x} for {@code x > 3}, else
     * {@code x (x + 3) / 6}. At the bounds the gradient is the middle piece's, {@code -1/2} at -3 and
     * {@code 3/2} at 3 (PyTorch's hardswish backward).
     */
    public static Tensor hardswish(Tensor x) {
        Tensor upper = Tensor.where(x.gt(3.0), x, x.mul(x.add(3.0)).div(6.0));
        return Tensor.where(x.lt(-3.0), constant(x, 0.0), upper);
    }
}
