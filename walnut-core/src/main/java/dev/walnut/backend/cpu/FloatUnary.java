package dev.walnut.backend.cpu;

/**
 * Contiguous {@code float} loops behind {@link ElementwiseKernels#unary(int, double, double,
 * float[], int, int, float[], int, int)}: one tight loop per op, written in the plain
 * {@code out[o + i] = f(x[xo + i])} form that C2 can vectorize where the op allows.
 */
final class FloatUnary {
    private FloatUnary() {
    }

    /** {@code out[o + i] = op(x[xo + i])} for {@code i < n}; {@code x == out, xo == o} is allowed. */
    static void run(int op, double p1, double p2, float[] x, int xo, float[] out, int o, int n) {
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
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.exp(x[xo + i]);
                return;
            case UnaryOp.LOG:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.log(x[xo + i]);
                return;
            case UnaryOp.SQRT:
                // (float) Math.sqrt((double) f) is recognised by C2 as a single-precision sqrt.
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.sqrt(x[xo + i]);
                return;
            case UnaryOp.RSQRT:
                for (int i = 0; i < n; i++) out[o + i] = (float) (1.0 / Math.sqrt(x[xo + i]));
                return;
            case UnaryOp.SQUARE:
                for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * x[xo + i];
                return;
            case UnaryOp.RECIPROCAL:
                for (int i = 0; i < n; i++) out[o + i] = 1f / x[xo + i];
                return;
            case UnaryOp.SIN:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.sin(x[xo + i]);
                return;
            case UnaryOp.COS:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.cos(x[xo + i]);
                return;
            case UnaryOp.TANH:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.tanh(x[xo + i]);
                return;
            case UnaryOp.SIGMOID:
                // In double, 1 / (1 + e^-x) is stable at both ends: e^-x overflows to +inf for
                // x < -709 giving exactly 0, and underflows to 0 for large x giving exactly 1.
                for (int i = 0; i < n; i++) out[o + i] = (float) (1.0 / (1.0 + Math.exp(-x[xo + i])));
                return;
            case UnaryOp.RELU:
                // Math.max propagates NaN (x > 0 ? x : 0 would turn NaN into 0).
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[xo + i], 0f);
                return;
            case UnaryOp.ADD_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[xo + i] + s;
                return;
            }
            case UnaryOp.MUL_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * s;
                return;
            }
            case UnaryOp.RSUB_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = s - x[xo + i];
                return;
            }
            case UnaryOp.DIV_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[xo + i] / s;
                return;
            }
            case UnaryOp.RDIV_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = s / x[xo + i];
                return;
            }
            case UnaryOp.POW_SCALAR:
                pow(p1, x, xo, out, o, n);
                return;
            case UnaryOp.RPOW_SCALAR:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.pow(p1, x[xo + i]);
                return;
            case UnaryOp.CLAMP: {
                float lo = (float) p1, hi = (float) p2;
                for (int i = 0; i < n; i++) out[o + i] = Math.min(Math.max(x[xo + i], lo), hi);
                return;
            }
            case UnaryOp.MAX_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[xo + i], s);
                return;
            }
            case UnaryOp.MIN_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = Math.min(x[xo + i], s);
                return;
            }
            case UnaryOp.LOG1P:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.log1p(x[xo + i]);
                return;
            case UnaryOp.EXPM1:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.expm1(x[xo + i]);
                return;
            case UnaryOp.FLOOR:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.floor(x[xo + i]);
                return;
            case UnaryOp.CEIL:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.ceil(x[xo + i]);
                return;
            case UnaryOp.ROUND:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.rint(x[xo + i]);
                return;
            case UnaryOp.TRUNC:
                for (int i = 0; i < n; i++) {
                    float v = x[xo + i];
                    out[o + i] = (float) (v >= 0f ? Math.floor(v) : Math.ceil(v));
                }
                return;
            default:
                throw ElementwiseKernels.unsupportedUnary(op, "float32");
        }
    }

    private static void pow(double p, float[] x, int xo, float[] out, int o, int n) {
        // The fast paths are PyTorch's (pow_tensor_scalar_optimized_kernel): they are what a
        // user comparing against torch sees, and x*x is both faster and exact-er than pow().
        if (p == 2.0) {
            for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * x[xo + i];
        } else if (p == 1.0) {
            if (x != out || xo != o) System.arraycopy(x, xo, out, o, n);
        } else if (p == 0.5) {
            for (int i = 0; i < n; i++) out[o + i] = (float) Math.sqrt(x[xo + i]);
        } else if (p == 3.0) {
            for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * x[xo + i] * x[xo + i];
        } else if (p == -1.0) {
            for (int i = 0; i < n; i++) out[o + i] = 1f / x[xo + i];
        } else if (p == -0.5) {
            for (int i = 0; i < n; i++) out[o + i] = (float) (1.0 / Math.sqrt(x[xo + i]));
        } else if (p == -2.0) {
            for (int i = 0; i < n; i++) out[o + i] = 1f / (x[xo + i] * x[xo + i]);
        } else if (p == 0.0) {
            // pow(x, 0) is 1 for every x, NaN included.
            java.util.Arrays.fill(out, o, o + n, 1f);
        } else {
            for (int i = 0; i < n; i++) out[o + i] = (float) Math.pow(x[xo + i], p);
        }
    }
}
