package dev.walnut.backend;

/**
 * Op codes of {@link Backend#unary} (the CPU back end's {@code ElementwiseKernels.unary}): one input, one output of the same dtype, up to
 * two scalar parameters {@code p1} and {@code p2} (ignored by ops that take none).
 *
 * <p>Codes are plain {@code int}s so a kernel can {@code switch} on them once and then run a
 * monomorphic loop; they are stable within a build but not a serialization format.
 *
 * <pre>{@code
 * float[] x = {-1f, 0f, 2f}, y = new float[3];
 * ElementwiseKernels.unary(UnaryOp.CLAMP, 0.0, 1.0, x, 0, 1, y, 0, 3);   // y = {0, 0, 1}
 * ElementwiseKernels.unaryName(UnaryOp.CLAMP);                           // "clamp"
 * }</pre>
 *
 * <p>Ops marked <i>(int)</i> are also defined for {@code int[]} and {@code long[]} inputs; the
 * rest are floating-point only.
 */
public final class UnaryOp {
    private UnaryOp() {
    }

    /** {@code -x}. (int) */
    public static final int NEG = 0;
    /** {@code |x|}; for integers {@code abs(MIN_VALUE) == MIN_VALUE} (two's complement). (int) */
    public static final int ABS = 1;
    /** -1, 0 or 1; NaN stays NaN (NumPy's rule; PyTorch returns 0) and -0.0 stays -0.0. (int) */
    public static final int SIGN = 2;
    /** {@code e^x}. */
    public static final int EXP = 3;
    /** Natural logarithm; negative gives NaN, 0 gives -inf. */
    public static final int LOG = 4;
    /** Square root; negative gives NaN. */
    public static final int SQRT = 5;
    /** {@code 1 / sqrt(x)}. */
    public static final int RSQRT = 6;
    /** {@code x * x}. (int, wraps on overflow) */
    public static final int SQUARE = 7;
    /** {@code 1 / x}. */
    public static final int RECIPROCAL = 8;
    /** Sine (radians). */
    public static final int SIN = 9;
    /** Cosine (radians). */
    public static final int COS = 10;
    /** Hyperbolic tangent; saturates to exactly ±1 for large |x| (never NaN for finite or infinite x). */
    public static final int TANH = 11;
    /** Logistic {@code 1 / (1 + e^-x)}, stable for large |x| (0 and 1 at the extremes, never NaN). */
    public static final int SIGMOID = 12;
    /** {@code max(x, 0)}; NaN stays NaN. (int) */
    public static final int RELU = 13;
    /** {@code x + p1}. (int, wraps) */
    public static final int ADD_SCALAR = 14;
    /** {@code x * p1}. (int, wraps) */
    public static final int MUL_SCALAR = 15;
    /** {@code p1 - x}. (int, wraps) */
    public static final int RSUB_SCALAR = 16;
    /** {@code x / p1} (true division). */
    public static final int DIV_SCALAR = 17;
    /** {@code p1 / x}. */
    public static final int RDIV_SCALAR = 18;
    /**
     * {@code x ^ p1}. Exponents 0, 1, 2, 3, 0.5, -0.5, -1 and -2 take exact fast paths (as PyTorch
     * does: {@code 0.5} is {@code sqrt}, so {@code pow(-0.0, 0.5)} is -0.0 and {@code pow(-inf, 0.5)}
     * is NaN).
     */
    public static final int POW_SCALAR = 19;
    /** {@code p1 ^ x}. */
    public static final int RPOW_SCALAR = 20;
    /**
     * {@code min(max(x, p1), p2)}; NaN stays NaN; pass {@code ±inf} for "no bound"; when
     * {@code p1 > p2} every element becomes {@code p2} (PyTorch's rule). For integers the bounds
     * are rounded inward ({@code ceil(p1)}, {@code floor(p2)}) and saturated to the type's range;
     * a NaN bound is an error. (int)
     */
    public static final int CLAMP = 21;
    /** {@code max(x, p1)}, NaN-propagating. (int, bound saturated like CLAMP) */
    public static final int MAX_SCALAR = 22;
    /** {@code min(x, p1)}, NaN-propagating. (int, bound saturated like CLAMP) */
    public static final int MIN_SCALAR = 23;
    /** {@code log(1 + x)}, accurate near 0. */
    public static final int LOG1P = 24;
    /** {@code e^x - 1}, accurate near 0. */
    public static final int EXPM1 = 25;
    /** Round toward -inf. */
    public static final int FLOOR = 26;
    /** Round toward +inf. */
    public static final int CEIL = 27;
    /** Round half to even, like {@code torch.round} ({@code 0.5 -> 0}, {@code 1.5 -> 2}). */
    public static final int ROUND = 28;
    /** Round toward zero ({@code -1.7 -> -1}, {@code -0.3 -> -0.0}). */
    public static final int TRUNC = 29;
    /**
     * Gauss error function {@code 2/sqrt(pi) * integral_0^x e^(-t^2) dt}, within a few ulp in
     * double (W. J. Cody's rational approximations); {@code erf(+-inf) = +-1}.
     */
    public static final int ERF = 30;

    /** Number of op codes; valid codes are {@code 0 .. COUNT-1}. */
    public static final int COUNT = 31;

    private static final String[] NAMES = {
        "neg", "abs", "sign", "exp", "log", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos",
        "tanh", "sigmoid", "relu", "add_scalar", "mul_scalar", "rsub_scalar", "div_scalar",
        "rdiv_scalar", "pow_scalar", "rpow_scalar", "clamp", "max_scalar", "min_scalar", "log1p",
        "expm1", "floor", "ceil", "round", "trunc", "erf",
    };

    /** Lower-case name of {@code op} for messages ({@code "exp"}, {@code "relu"}), or {@code "unary#<op>"} if unknown. */
    public static String name(int op) {
        return op >= 0 && op < NAMES.length ? NAMES[op] : "unary#" + op;
    }

    /** Whether {@code op} is a transcendental (or otherwise costly) op, which earns a smaller parallel grain. */
    public static boolean isCostly(int op) {
        switch (op) {
            case EXP: case LOG: case SIN: case COS: case TANH: case SIGMOID: case POW_SCALAR:
            case RPOW_SCALAR: case LOG1P: case EXPM1: case ERF:
                return true;
            default:
                return false;
        }
    }
}
