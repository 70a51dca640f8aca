package dev.walnut.backend;

/**
 * Op codes of {@link Backend#reduce} and {@link Backend#argReduce} (the CPU back end's
 * {@code ReduceKernels}).
 *
 * <pre>{@code
 * float[] x = {1f, 2f, 3f, 4f, 5f, 6f}, rowSums = new float[2];
 * // x viewed as [outer=2, len=3, inner=1]: reduce each row of three
 * ReduceKernels.reduce(ReduceOp.SUM, x, 0, 2, 3, 1, rowSums, 0);   // {6, 15}
 * }</pre>
 *
 * <p>There is no MEAN: the caller divides a SUM by the count, which keeps the kernels free of
 * dtype rules for the result.
 */
public final class ReduceOp {
    private ReduceOp() {
    }

    /** Sum; identity 0. Floats accumulate in double; integers and booleans sum into {@code long}. */
    public static final int SUM = 0;
    /** Product; identity 1. Floats accumulate in double; integers multiply in {@code long} (wrapping). */
    public static final int PROD = 1;
    /** Maximum; NaN-propagating; no identity (an empty reduction is an error). For booleans: any. */
    public static final int MAX = 2;
    /** Minimum; NaN-propagating; no identity (an empty reduction is an error). For booleans: all. */
    public static final int MIN = 3;
    /** Index of the maximum, first occurrence on ties, NaN counting as the maximum. */
    public static final int ARGMAX = 4;
    /** Index of the minimum, first occurrence on ties, NaN counting as the minimum. */
    public static final int ARGMIN = 5;

    /** Number of op codes; valid codes are {@code 0 .. COUNT-1}. */
    public static final int COUNT = 6;

    private static final String[] NAMES = {"sum", "prod", "max", "min", "argmax", "argmin"};

    /** Lower-case name of {@code op} for messages, or {@code "reduce#<op>"} if unknown. */
    public static String name(int op) {
        return op >= 0 && op < NAMES.length ? NAMES[op] : "reduce#" + op;
    }
}
