// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/TypeUnary.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * {@code float} loops behind {@link ElementwiseKernels#unary(int, double, double, float[], int,
 * int, float[], int, int)}: one tight loop per op, in the form {@code out[o + i] = f(x[o + i])}.
 *
 * <p>Input and output share one offset on purpose. C2 (JDK 17 through 25 at least) does not
 * vectorize {@code out[o + i] = f(x[xo + i])} when {@code xo} and {@code o} are separate
 * variables: it cannot rule out that the two arrays are one array with overlapping ranges. With
 * a shared offset every index is the same expression and the loop vectorizes. {@link #apply}
 * brings any other layout to that form by first copying (or gathering) the input into the output
 * block by block and then transforming the output in place.
 */
final class FloatUnary {
    private FloatUnary() {
    }

    /**
     * {@code out[o + i] = op(x[xo + i*xs])} for {@code i < n}, any stride (0 = broadcast). The
     * output may be the input itself at the same offset; other overlaps are unspecified.
     */
    static void apply(int op, double p1, double p2, float[] x, int xo, int xs, float[] out, int o, int n) {
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

    /**
     * {@code out[o + i] = op(x[o + i])} for {@code i < n}; {@code x == out} is allowed. Runs the
     * active {@link KernelProvider}'s kernel (the Vector API one when it is loaded).
     */
    static void run(int op, double p1, double p2, float[] x, float[] out, int o, int n) {
        KernelProvider.get().unary(op, p1, p2, x, out, o, n);
    }

    /** The scalar form of {@link #run}: the loops of this class, whatever provider is active. */
    static void runScalar(int op, double p1, double p2, float[] x, float[] out, int o, int n) {
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
                exp(x, out, o, n);
                return;
            case UnaryOp.LOG:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.log(x[o + i]);
                return;
            case UnaryOp.SQRT:
                // (float) Math.sqrt((double) f) is recognised by C2 as a single-precision sqrt.
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.sqrt(x[o + i]);
                return;
            case UnaryOp.RSQRT:
                for (int i = 0; i < n; i++) out[o + i] = (float) (1.0 / Math.sqrt(x[o + i]));
                return;
            case UnaryOp.SQUARE:
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] * x[o + i];
                return;
            case UnaryOp.RECIPROCAL:
                for (int i = 0; i < n; i++) out[o + i] = 1f / x[o + i];
                return;
            case UnaryOp.SIN:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.sin(x[o + i]);
                return;
            case UnaryOp.COS:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.cos(x[o + i]);
                return;
            case UnaryOp.TANH:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.tanh(x[o + i]);
                return;
            case UnaryOp.SIGMOID:
                // A float input computed in double: 1 / (1 + e^-x) is stable at both ends, since
                // e^-x overflows to +inf for x < -709 giving exactly 0, and underflows to 0 for
                // large x giving exactly 1. (The double twin cannot lean on a wider type, hence
                // its two branches.)
                for (int i = 0; i < n; i++) out[o + i] = (float) (1.0 / (1.0 + Math.exp(-x[o + i])));
                return;
            case UnaryOp.RELU:
                // Math.max propagates NaN (x > 0 ? x : 0 would turn NaN into 0).
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[o + i], 0f);
                return;
            case UnaryOp.ADD_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] + s;
                return;
            }
            case UnaryOp.MUL_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] * s;
                return;
            }
            case UnaryOp.RSUB_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = s - x[o + i];
                return;
            }
            case UnaryOp.DIV_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = x[o + i] / s;
                return;
            }
            case UnaryOp.RDIV_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = s / x[o + i];
                return;
            }
            case UnaryOp.POW_SCALAR:
                pow(p1, x, out, o, n);
                return;
            case UnaryOp.RPOW_SCALAR:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.pow(p1, x[o + i]);
                return;
            case UnaryOp.CLAMP: {
                float lo = (float) p1, hi = (float) p2;
                for (int i = 0; i < n; i++) out[o + i] = Math.min(Math.max(x[o + i], lo), hi);
                return;
            }
            case UnaryOp.MAX_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = Math.max(x[o + i], s);
                return;
            }
            case UnaryOp.MIN_SCALAR: {
                float s = (float) p1;
                for (int i = 0; i < n; i++) out[o + i] = Math.min(x[o + i], s);
                return;
            }
            case UnaryOp.LOG1P:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.log1p(x[o + i]);
                return;
            case UnaryOp.EXPM1:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.expm1(x[o + i]);
                return;
            case UnaryOp.FLOOR:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.floor(x[o + i]);
                return;
            case UnaryOp.CEIL:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.ceil(x[o + i]);
                return;
            case UnaryOp.ROUND:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.rint(x[o + i]);
                return;
            case UnaryOp.TRUNC:
                for (int i = 0; i < n; i++) {
                    float v = x[o + i];
                    out[o + i] = (float) (v >= 0f ? Math.floor(v) : Math.ceil(v));
                }
                return;
            case UnaryOp.ERF:
                for (int i = 0; i < n; i++) out[o + i] = (float) SpecialFunctions.erf(x[o + i]);
                return;
            default:
                throw ElementwiseKernels.unsupportedUnary(op, "float32");
        }
    }

    private static final float EXP_LOG2E = 1.44269504088896341f;
    private static final float EXP_LN2_HI = 0.693359375f;
    private static final float EXP_LN2_LO = -2.12194440e-4f;
    private static final float EXP_ROUND_MAGIC = 12582912f;
    private static final int EXP_ROUND_MAGIC_BITS = 0x4B400000;

    /**
     * {@code e^x} in float: the same range reduction and Cephes polynomial as the Vector API
     * provider's exp (see dev.walnut.backend.vector.VectorMath), 3.5x faster than
     * {@code (float) Math.exp(x)} (measured 3.4 vs 12 ms per 1M floats, one thread) and within
     * 1.5 ulp of it over the whole float range (asserted by FloatExpTest). x is clamped to
     * [-104, 89] so n stays in [-150, 129]; 2^n is applied as two normal factors so that results
     * overflow to +inf and underflow through the subnormals exactly where they should; NaN
     * propagates through max, min and the arithmetic.
     */
    static void exp(float[] x, float[] out, int o, int n) {
        for (int i = 0; i < n; i++) {
            float xc = Math.min(Math.max(x[o + i], -104f), 89f);
            float t = Math.fma(xc, EXP_LOG2E, EXP_ROUND_MAGIC);
            float nf = t - EXP_ROUND_MAGIC;
            int ni = Float.floatToRawIntBits(t) - EXP_ROUND_MAGIC_BITS;
            float r = Math.fma(nf, -EXP_LN2_HI, xc);
            r = Math.fma(nf, -EXP_LN2_LO, r);
            float p = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
            p = Math.fma(p, r, 8.3334519073e-3f);
            p = Math.fma(p, r, 4.1665795894e-2f);
            p = Math.fma(p, r, 1.6666665459e-1f);
            p = Math.fma(p, r, 5.0000001201e-1f);
            p = Math.fma(p, r * r, r) + 1f;
            int n1 = ni >> 1;
            out[o + i] = p * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((ni - n1 + 127) << 23);
        }
    }

    private static void pow(double p, float[] x, float[] out, int o, int n) {
        // The fast paths are PyTorch's (pow_tensor_scalar_optimized_kernel): they are what a
        // user comparing against torch sees, and x*x is both faster and exact-er than pow().
        if (p == 2.0) {
            for (int i = 0; i < n; i++) out[o + i] = x[o + i] * x[o + i];
        } else if (p == 1.0) {
            if (x != out) System.arraycopy(x, o, out, o, n);
        } else if (p == 0.5) {
            for (int i = 0; i < n; i++) out[o + i] = (float) Math.sqrt(x[o + i]);
        } else if (p == 3.0) {
            for (int i = 0; i < n; i++) out[o + i] = x[o + i] * x[o + i] * x[o + i];
        } else if (p == -1.0) {
            for (int i = 0; i < n; i++) out[o + i] = 1f / x[o + i];
        } else if (p == -0.5) {
            for (int i = 0; i < n; i++) out[o + i] = (float) (1.0 / Math.sqrt(x[o + i]));
        } else if (p == -2.0) {
            for (int i = 0; i < n; i++) out[o + i] = 1f / (x[o + i] * x[o + i]);
        } else if (p == 0.0) {
            // pow(x, 0) is 1 for every x, NaN included.
            Arrays.fill(out, o, o + n, 1f);
        } else {
            for (int i = 0; i < n; i++) out[o + i] = (float) Math.pow(x[o + i], p);
        }
    }
}
