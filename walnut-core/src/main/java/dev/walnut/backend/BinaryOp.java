package dev.walnut.backend;

/**
 * Op codes of {@link Backend#binary}, the two-input elementwise kernels: arithmetic, comparisons
 * (boolean output) and logical ops. The CPU back end's {@code ElementwiseKernels} switches on
 * them, as the example shows.
 *
 * <pre>{@code
 * float[] a = {1f, 5f}, b = {3f, 2f}, sum = new float[2];
 * boolean[] less = new boolean[2];
 * ElementwiseKernels.binary(BinaryOp.ADD, a, 0, 1, b, 0, 1, sum, 0, 2);   // {4, 7}
 * ElementwiseKernels.compare(BinaryOp.LT, a, 0, 1, b, 0, 1, less, 0, 2);  // {true, false}
 * }</pre>
 *
 * <p>Codes are plain {@code int}s so kernels switch on them once, outside their loops.
 */
public final class BinaryOp {
    private BinaryOp() {
    }

    /** {@code a + b} (integers wrap). */
    public static final int ADD = 0;
    /** {@code a - b} (integers wrap). */
    public static final int SUB = 1;
    /** {@code a * b} (integers wrap). */
    public static final int MUL = 2;
    /** True division {@code a / b}; floating point only (integer division is promoted to float by the caller). */
    public static final int DIV = 3;
    /**
     * {@code a ^ b}. For integers the exponent must be non-negative; the result wraps like
     * repeated multiplication.
     */
    public static final int POW = 4;
    /** Elementwise maximum; NaN-propagating like {@code torch.maximum}. */
    public static final int MAXIMUM = 5;
    /** Elementwise minimum; NaN-propagating like {@code torch.minimum}. */
    public static final int MINIMUM = 6;
    /** {@code atan2(a, b)}, the angle of the point (b, a); floating point only. */
    public static final int ATAN2 = 7;
    /**
     * C's {@code fmod}: {@code a - trunc(a / b) * b}, the sign of the dividend (Java's {@code %});
     * integer division by zero is an error.
     */
    public static final int FMOD = 8;
    /**
     * Python's modulo: {@code a - floor(a / b) * b}, the sign of the divisor; integer division by
     * zero is an error.
     */
    public static final int REMAINDER = 9;

    /** {@code a == b} (NaN is unequal to everything, itself included). */
    public static final int EQ = 10;
    /** {@code a != b} (true when either is NaN). */
    public static final int NE = 11;
    /** {@code a < b}. Booleans order {@code false < true}. */
    public static final int LT = 12;
    /** {@code a <= b}. */
    public static final int LE = 13;
    /** {@code a > b}. */
    public static final int GT = 14;
    /** {@code a >= b}. */
    public static final int GE = 15;

    /** Logical and; numbers count as true when non-zero (NaN is true). */
    public static final int LOGICAL_AND = 16;
    /** Logical or; numbers count as true when non-zero. */
    public static final int LOGICAL_OR = 17;
    /** Logical exclusive or; numbers count as true when non-zero. */
    public static final int LOGICAL_XOR = 18;

    /** Number of op codes; valid codes are {@code 0 .. COUNT-1}. */
    public static final int COUNT = 19;

    private static final String[] NAMES = {
        "add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "fmod", "remainder", "eq", "ne", "lt", "le",
        "gt", "ge", "logical_and", "logical_or", "logical_xor",
    };

    /** Lower-case name of {@code op} for messages ({@code "add"}, {@code "logical_and"}), or {@code "binary#<op>"} if unknown. */
    public static String name(int op) {
        return op >= 0 && op < NAMES.length ? NAMES[op] : "binary#" + op;
    }

    /** Whether {@code op} is one of the six comparisons {@link #EQ} .. {@link #GE}. */
    public static boolean isComparison(int op) {
        return op >= EQ && op <= GE;
    }

    /** Whether {@code op} is one of {@link #LOGICAL_AND}, {@link #LOGICAL_OR}, {@link #LOGICAL_XOR}. */
    public static boolean isLogical(int op) {
        return op >= LOGICAL_AND && op <= LOGICAL_XOR;
    }
}
