package dev.walnut.backend.cpu;

/**
 * Contiguous {@code double} loops behind {@link ElementwiseKernels#unary(int, double, double,
 * double[], int, int, double[], int, int)}: one tight loop per op, written in the plain
 * {@code out[o + i] = f(x[xo + i])} form that C2 can vectorize where the op allows.
 */
final class DoubleUnary {
    private DoubleUnary() {
    }

    /** {@code out[o + i] = op(x[xo + i])} for {@code i < n}; {@code x == out, xo == o} is allowed. */
    static void run(int op, double p1, double p2, double[] x, int xo, double[] out, int o, int n) {
        switch (op) {
            case UnaryOp.NEG:
                for (int i = 0; i < n; i++) out[o + i] = -x[xo + i];
                return;
            case UnaryOp.ABS:
                for (int i = 0; i < n; i++) out[o + i] = Math.abs(x[xo + i]);
                return;
            case UnaryOp.SIGN:
                for (int i = 0; i < n; i++) out[o + i] = Math.signum(x[xo + i]);
                return;
            case UnaryOp.EXP:
                for (int i = 0; i < n; i++) out[o + i] = Math.exp(x[xo + i]);
                return;
            case UnaryOp.LOG:
                for (int i = 0; i < n; i++) out[o + i] = Math.log(x[xo + i]);
                return;
            case UnaryOp.SQRT:
                for (int i = 0; i < n; i++) out[o + i] = Math.sqrt(x[xo + i]);
                return;
            case UnaryOp.RSQRT:
                for (int i = 0; i < n; i++) out[o + i] = 1.0 / Math.sqrt(x[xo + i]);
                return;
            case UnaryOp.SQUARE:
                for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * x[xo + i];
                return;
            case UnaryOp.RECIPROCAL:
                for (int i = 0; i < n; i++) out[o + i] = 1.0 / x[xo + i];
                return;
            case UnaryOp.SIN:
                for (int i = 0; i < n; i++) out[o + i] = Math.sin(x[xo + i]);
                return;
            case UnaryOp.COS:
                for (int i = 0; i < n; i++) out[o + i] = Math.cos(x[xo + i]);
                return;
            case UnaryOp.TANH:
                for (int i = 0; i < n; i++) out[o + i] = Math.tanh(x[xo + i]);
                return;
            case UnaryOp.SIGMOID:
                // Exponentiate only non-positive numbers so nothing overflows: for x < 0 use
                // e^x / (1 + e^x), which keeps full relative precision down to subnormals.
                for (int i = 0; i < n; i++) {
                    double v = x[xo + i];
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
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[xo + i], 0.0);
                return;
            case UnaryOp.ADD_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = x[xo + i] + s;
                return;
            }
            case UnaryOp.MUL_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * s;
                return;
            }
            case UnaryOp.RSUB_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = s - x[xo + i];
                return;
            }
            case UnaryOp.DIV_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = x[xo + i] / s;
                return;
            }
            case UnaryOp.RDIV_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = s / x[xo + i];
                return;
            }
            case UnaryOp.POW_SCALAR:
                pow(p1, x, xo, out, o, n);
                return;
            case UnaryOp.RPOW_SCALAR:
                for (int i = 0; i < n; i++) out[o + i] = Math.pow(p1, x[xo + i]);
                return;
            case UnaryOp.CLAMP: {
                double lo = p1, hi = p2;
                for (int i = 0; i < n; i++) out[o + i] = Math.min(Math.max(x[xo + i], lo), hi);
                return;
            }
            case UnaryOp.MAX_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[xo + i], s);
                return;
            }
            case UnaryOp.MIN_SCALAR: {
                double s = p1;
                for (int i = 0; i < n; i++) out[o + i] = Math.min(x[xo + i], s);
                return;
            }
            case UnaryOp.LOG1P:
                for (int i = 0; i < n; i++) out[o + i] = Math.log1p(x[xo + i]);
                return;
            case UnaryOp.EXPM1:
                for (int i = 0; i < n; i++) out[o + i] = Math.expm1(x[xo + i]);
                return;
            case UnaryOp.FLOOR:
                for (int i = 0; i < n; i++) out[o + i] = Math.floor(x[xo + i]);
                return;
            case UnaryOp.CEIL:
                for (int i = 0; i < n; i++) out[o + i] = Math.ceil(x[xo + i]);
                return;
            case UnaryOp.ROUND:
                for (int i = 0; i < n; i++) out[o + i] = Math.rint(x[xo + i]);
                return;
            case UnaryOp.TRUNC:
                for (int i = 0; i < n; i++) {
                    double v = x[xo + i];
                    out[o + i] = v >= 0.0 ? Math.floor(v) : Math.ceil(v);
                }
                return;
            default:
                throw ElementwiseKernels.unsupportedUnary(op, "float64");
        }
    }

    private static void pow(double p, double[] x, int xo, double[] out, int o, int n) {
        // The fast paths are PyTorch's (pow_tensor_scalar_optimized_kernel): they are what a
        // user comparing against torch sees, and x*x is both faster and exact-er than pow().
        if (p == 2.0) {
            for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * x[xo + i];
        } else if (p == 1.0) {
            if (x != out || xo != o) System.arraycopy(x, xo, out, o, n);
        } else if (p == 0.5) {
            for (int i = 0; i < n; i++) out[o + i] = Math.sqrt(x[xo + i]);
        } else if (p == 3.0) {
            for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * x[xo + i] * x[xo + i];
        } else if (p == -1.0) {
            for (int i = 0; i < n; i++) out[o + i] = 1.0 / x[xo + i];
        } else if (p == -0.5) {
            for (int i = 0; i < n; i++) out[o + i] = 1.0 / Math.sqrt(x[xo + i]);
        } else if (p == -2.0) {
            for (int i = 0; i < n; i++) out[o + i] = 1.0 / (x[xo + i] * x[xo + i]);
        } else if (p == 0.0) {
            // pow(x, 0) is 1 for every x, NaN included.
            java.util.Arrays.fill(out, o, o + n, 1.0);
        } else {
            for (int i = 0; i < n; i++) out[o + i] = Math.pow(x[xo + i], p);
        }
    }
}
