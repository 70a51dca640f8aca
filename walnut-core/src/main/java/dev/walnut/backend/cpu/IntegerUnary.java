// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/IntegerUnary.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * Contiguous {@code int} and {@code long} loops behind the integer overloads of
 * {@link ElementwiseKernels#unary}. Only the ops that are closed over the integers exist here;
 * the rest are rejected with the op's name.
 *
 * <p>Scalar parameters arrive as {@code double}: they are exact for |p| up to 2^53. Arithmetic
 * scalars wrap to the element type like PyTorch's; comparison bounds (CLAMP, MAX_SCALAR,
 * MIN_SCALAR) saturate instead, because "at most 1e12" means "no upper bound" for an int.
 */
final class IntegerUnary {
    private IntegerUnary() {
    }

    /** Whether the integer {@code run} methods accept {@code op}. */
    static boolean supports(int op) {
        switch (op) {
            case UnaryOp.NEG: case UnaryOp.ABS: case UnaryOp.SIGN: case UnaryOp.SQUARE: case UnaryOp.RELU:
            case UnaryOp.ADD_SCALAR: case UnaryOp.MUL_SCALAR: case UnaryOp.RSUB_SCALAR: case UnaryOp.CLAMP:
            case UnaryOp.MAX_SCALAR: case UnaryOp.MIN_SCALAR:
                return true;
            default:
                return false;
        }
    }

    /** Rejects, before any work is split across threads, parameters the op cannot use. */
    static void checkParameters(int op, double p1, double p2) {
        if (op == UnaryOp.CLAMP || op == UnaryOp.MAX_SCALAR || op == UnaryOp.MIN_SCALAR) {
            checkBound(op, p1);
        }
        if (op == UnaryOp.CLAMP) {
            checkBound(op, p2);
        }
    }

    /** {@code out[o + i] = op(x[xo + i*xs])} for any stride; see {@link FloatUnary#apply} for why inputs are aligned first. */
    static void apply(int op, double p1, double p2, int[] x, int xo, int xs, int[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (xs == 1 && xo == o) {
            run(op, p1, p2, x, out, o, n);
        } else if (xs == 0) {
            out[o] = x[xo];
            run(op, p1, p2, out, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else {
            for (int start = 0; start < n; start += ElementwiseKernels.ALIGN_BLOCK) {
                int m = Math.min(ElementwiseKernels.ALIGN_BLOCK, n - start), ob = o + start, xb = xo + start * xs;
                if (xs == 1) {
                    System.arraycopy(x, xb, out, ob, m);
                } else {
                    for (int i = 0, xi = xb; i < m; i++, xi += xs) out[ob + i] = x[xi];
                }
                run(op, p1, p2, out, out, ob, m);
            }
        }
    }

    /** {@code out[o + i] = op(x[o + i])} for {@code int} data; {@code x == out} is allowed. */
    static void run(int op, double p1, double p2, int[] x, int[] out, int o, int n) {
        switch (op) {
            case UnaryOp.NEG:
                for (int i = 0; i < n; i++) out[o + i] = -x[o + i];
                return;
            case UnaryOp.ABS:
                for (int i = 0; i < n; i++) out[o + i] = Math.abs(x[o + i]);
                return;
            case UnaryOp.SIGN:
                for (int i = 0; i < n; i++) out[o + i] = Integer.signum(x[o + i]);
                return;
            case UnaryOp.SQUARE:
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] * x[o + i];
                return;
            case UnaryOp.RELU:
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[o + i], 0);
                return;
            case UnaryOp.ADD_SCALAR: {
                int s = (int) (long) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] + s;
                return;
            }
            case UnaryOp.MUL_SCALAR: {
                int s = (int) (long) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] * s;
                return;
            }
            case UnaryOp.RSUB_SCALAR: {
                int s = (int) (long) p1;
                for (int i = 0; i < n; i++) out[o + i] = s - x[o + i];
                return;
            }
            case UnaryOp.CLAMP: {
                int lo = lowerBoundInteger(op, p1), hi = upperBoundInteger(op, p2);
                for (int i = 0; i < n; i++) out[o + i] = Math.min(Math.max(x[o + i], lo), hi);
                return;
            }
            case UnaryOp.MAX_SCALAR: {
                int s = lowerBoundInteger(op, p1);
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[o + i], s);
                return;
            }
            case UnaryOp.MIN_SCALAR: {
                int s = upperBoundInteger(op, p1);
                for (int i = 0; i < n; i++) out[o + i] = Math.min(x[o + i], s);
                return;
            }
            default:
                throw ElementwiseKernels.unsupportedUnary(op, "int32");
        }
    }

    // x >= b for an integer x is x >= ceil(b); the cast saturates at the type's range.
    private static int lowerBoundInteger(int op, double b) {
        checkBound(op, b);
        return (int) Math.ceil(b);
    }

    private static int upperBoundInteger(int op, double b) {
        checkBound(op, b);
        return (int) Math.floor(b);
    }

    /** {@code out[o + i] = op(x[xo + i*xs])} for any stride; see {@link FloatUnary#apply} for why inputs are aligned first. */
    static void apply(int op, double p1, double p2, long[] x, int xo, int xs, long[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (xs == 1 && xo == o) {
            run(op, p1, p2, x, out, o, n);
        } else if (xs == 0) {
            out[o] = x[xo];
            run(op, p1, p2, out, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else {
            for (int start = 0; start < n; start += ElementwiseKernels.ALIGN_BLOCK) {
                int m = Math.min(ElementwiseKernels.ALIGN_BLOCK, n - start), ob = o + start, xb = xo + start * xs;
                if (xs == 1) {
                    System.arraycopy(x, xb, out, ob, m);
                } else {
                    for (int i = 0, xi = xb; i < m; i++, xi += xs) out[ob + i] = x[xi];
                }
                run(op, p1, p2, out, out, ob, m);
            }
        }
    }

    /** {@code out[o + i] = op(x[o + i])} for {@code long} data; {@code x == out} is allowed. */
    static void run(int op, double p1, double p2, long[] x, long[] out, int o, int n) {
        switch (op) {
            case UnaryOp.NEG:
                for (int i = 0; i < n; i++) out[o + i] = -x[o + i];
                return;
            case UnaryOp.ABS:
                for (int i = 0; i < n; i++) out[o + i] = Math.abs(x[o + i]);
                return;
            case UnaryOp.SIGN:
                for (int i = 0; i < n; i++) out[o + i] = Long.signum(x[o + i]);
                return;
            case UnaryOp.SQUARE:
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] * x[o + i];
                return;
            case UnaryOp.RELU:
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[o + i], 0);
                return;
            case UnaryOp.ADD_SCALAR: {
                long s = (long) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] + s;
                return;
            }
            case UnaryOp.MUL_SCALAR: {
                long s = (long) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] * s;
                return;
            }
            case UnaryOp.RSUB_SCALAR: {
                long s = (long) p1;
                for (int i = 0; i < n; i++) out[o + i] = s - x[o + i];
                return;
            }
            case UnaryOp.CLAMP: {
                long lo = lowerBoundLong(op, p1), hi = upperBoundLong(op, p2);
                for (int i = 0; i < n; i++) out[o + i] = Math.min(Math.max(x[o + i], lo), hi);
                return;
            }
            case UnaryOp.MAX_SCALAR: {
                long s = lowerBoundLong(op, p1);
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[o + i], s);
                return;
            }
            case UnaryOp.MIN_SCALAR: {
                long s = upperBoundLong(op, p1);
                for (int i = 0; i < n; i++) out[o + i] = Math.min(x[o + i], s);
                return;
            }
            default:
                throw ElementwiseKernels.unsupportedUnary(op, "int64");
        }
    }

    // x >= b for an integer x is x >= ceil(b); the cast saturates at the type's range.
    private static long lowerBoundLong(int op, double b) {
        checkBound(op, b);
        return (long) Math.ceil(b);
    }

    private static long upperBoundLong(int op, double b) {
        checkBound(op, b);
        return (long) Math.floor(b);
    }

    private static void checkBound(int op, double b) {
        if (Double.isNaN(b)) {
            throw new IllegalArgumentException(UnaryOp.name(op) + ": a NaN bound is not defined for integer tensors");
        }
    }
}
