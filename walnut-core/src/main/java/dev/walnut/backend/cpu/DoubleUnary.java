// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/TypeUnary.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * {@code double} loops behind {@link ElementwiseKernels#unary(int, double, double, double[], int,
 * int, double[], int, int)}: one tight loop per op, in the form {@code out[o + i] = f(x[o + i])}.
 *
 * <p>Input and output share one offset on purpose. C2 (JDK 17 through 25 at least) does not
 * vectorize {@code out[o + i] = f(x[xo + i])} when {@code xo} and {@code o} are separate
 * variables: it cannot rule out that the two arrays are one array with overlapping ranges. With
 * a shared offset every index is the same expression and the loop vectorizes. {@link #apply}
 * brings any other layout to that form by first copying (or gathering) the input into the output
 * block by block and then transforming the output in place.
 */
final class DoubleUnary {
    private DoubleUnary() {
    }

    /**
     * {@code out[o + i] = op(x[xo + i*xs])} for {@code i < n}, any stride (0 = broadcast). The
     * output may be the input itself at the same offset; other overlaps are unspecified.
     */
    static void apply(int op, double p1, double p2, double[] x, int xo, int xs, double[] out, int o, int n) {
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

    /** {@code out[o + i] = op(x[o + i])} for {@code i < n}; {@code x == out} is allowed. */
    static void run(int op, double p1, double p2, double[] x, double[] out, int o, int n) {
        switch (op) {
            case UnaryOp.NEG:
                for (int i = 0; i < n; i++) out[o + i] = -x[o + i];
                return;
            case UnaryOp.ABS:
                for (int i = 0; i < n; i++) out[o + i] = Math.abs(x[o + i]);
                return;
            case UnaryOp.SIGN:
                for (int i = 0; i < n; i++) out[o + i] = Math.signum(x[o + i]);
                return;
            case UnaryOp.EXP:
                for (int i = 0; i < n; i++) out[o + i] = Math.exp(x[o + i]);
                return;
            case UnaryOp.LOG:
                for (int i = 0; i < n; i++) out[o + i] = Math.log(x[o + i]);
                return;
            case UnaryOp.SQRT:
                for (int i = 0; i < n; i++) out[o + i] = Math.sqrt(x[o + i]);
                return;
            case UnaryOp.RSQRT:
                for (int i = 0; i < n; i++) out[o + i] = (1.0 / Math.sqrt(x[o + i]));
                return;
            case UnaryOp.SQUARE:
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] * x[o + i];
                return;
            case UnaryOp.RECIPROCAL:
                for (int i = 0; i < n; i++) out[o + i] = 1.0 / x[o + i];
                return;
            case UnaryOp.SIN:
                for (int i = 0; i < n; i++) out[o + i] = Math.sin(x[o + i]);
                return;
            case UnaryOp.COS:
                for (int i = 0; i < n; i++) out[o + i] = Math.cos(x[o + i]);
                return;
            case UnaryOp.TANH:
                for (int i = 0; i < n; i++) out[o + i] = Math.tanh(x[o + i]);
                return;
            case UnaryOp.SIGMOID:
                // Exponentiate only non-positive numbers so nothing overflows: for x < 0 use
                // e^x / (1 + e^x), which keeps full relative precision down to subnormals.
                for (int i = 0; i < n; i++) {
                    double v = x[o + i];
                    if (v >= 0.0) {
                        out[o + i] = 1.0 / (1.0 + Math.exp(-v));
                    } else {
                        double e = Math.exp(v);
                        out[o + i] = e / (1.0 + e);
                    }
                }
                return;
            case UnaryOp.RELU:
                // Math.max propagates NaN (x > 0 ? x : 0 would turn NaN into 0).
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[o + i], 0.0);
                return;
            case UnaryOp.ADD_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] + s;
                return;
            }
            case UnaryOp.MUL_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] * s;
                return;
            }
            case UnaryOp.RSUB_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = s - x[o + i];
                return;
            }
            case UnaryOp.DIV_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] / s;
                return;
            }
            case UnaryOp.RDIV_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = s / x[o + i];
                return;
            }
            case UnaryOp.POW_SCALAR:
                pow(p1, x, out, o, n);
                return;
            case UnaryOp.RPOW_SCALAR:
                for (int i = 0; i < n; i++) out[o + i] = Math.pow(p1, x[o + i]);
                return;
            case UnaryOp.CLAMP: {
                double lo = p1, hi = p2;
                for (int i = 0; i < n; i++) out[o + i] = Math.min(Math.max(x[o + i], lo), hi);
                return;
            }
            case UnaryOp.MAX_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[o + i], s);
                return;
            }
            case UnaryOp.MIN_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = Math.min(x[o + i], s);
                return;
            }
            case UnaryOp.LOG1P:
                for (int i = 0; i < n; i++) out[o + i] = Math.log1p(x[o + i]);
                return;
            case UnaryOp.EXPM1:
                for (int i = 0; i < n; i++) out[o + i] = Math.expm1(x[o + i]);
                return;
            case UnaryOp.FLOOR:
                for (int i = 0; i < n; i++) out[o + i] = Math.floor(x[o + i]);
                return;
            case UnaryOp.CEIL:
                for (int i = 0; i < n; i++) out[o + i] = Math.ceil(x[o + i]);
                return;
            case UnaryOp.ROUND:
                for (int i = 0; i < n; i++) out[o + i] = Math.rint(x[o + i]);
                return;
            case UnaryOp.TRUNC:
                for (int i = 0; i < n; i++) {
                    double v = x[o + i];
                    out[o + i] = (v >= 0.0 ? Math.floor(v) : Math.ceil(v));
                }
                return;
            case UnaryOp.ERF:
                for (int i = 0; i < n; i++) out[o + i] = SpecialFunctions.erf(x[o + i]);
                return;
            default:
                throw ElementwiseKernels.unsupportedUnary(op, "float64");
        }
    }

    private static void pow(double p, double[] x, double[] out, int o, int n) {
        // The fast paths are PyTorch's (pow_tensor_scalar_optimized_kernel): they are what a
        // user comparing against torch sees, and x*x is both faster and exact-er than pow().
        if (p == 2.0) {
            for (int i = 0; i < n; i++) out[o + i] = x[o + i] * x[o + i];
        } else if (p == 1.0) {
            if (x != out) System.arraycopy(x, o, out, o, n);
        } else if (p == 0.5) {
            for (int i = 0; i < n; i++) out[o + i] = Math.sqrt(x[o + i]);
        } else if (p == 3.0) {
            for (int i = 0; i < n; i++) out[o + i] = x[o + i] * x[o + i] * x[o + i];
        } else if (p == -1.0) {
            for (int i = 0; i < n; i++) out[o + i] = 1.0 / x[o + i];
        } else if (p == -0.5) {
            for (int i = 0; i < n; i++) out[o + i] = (1.0 / Math.sqrt(x[o + i]));
        } else if (p == -2.0) {
            for (int i = 0; i < n; i++) out[o + i] = 1.0 / (x[o + i] * x[o + i]);
        } else if (p == 0.0) {
            // pow(x, 0) is 1 for every x, NaN included.
            Arrays.fill(out, o, o + n, 1.0);
        } else {
            for (int i = 0; i < n; i++) out[o + i] = Math.pow(x[o + i], p);
        }
    }
}
