// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/IntegerBinary.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * {@code int} and {@code long} loops behind the integer overloads of
 * {@link ElementwiseKernels#binary}: ADD, SUB, MUL, MAXIMUM, MINIMUM and POW (non-negative
 * exponents). Arithmetic wraps in two's complement like PyTorch's. Integer DIV and ATAN2 are not
 * kernels: the caller promotes those to floating point first.
 */
final class IntegerBinary {
    private IntegerBinary() {
    }

    /** Whether the integer {@code run} methods accept {@code op}. */
    static boolean supports(int op) {
        switch (op) {
            case BinaryOp.ADD: case BinaryOp.SUB: case BinaryOp.MUL: case BinaryOp.MAXIMUM:
            case BinaryOp.MINIMUM: case BinaryOp.POW:
                return true;
            default:
                return false;
        }
    }

    /** {@code out[o + i] = a[ao + i*as] op b[bo + i*bs]} for {@code int} data. */
    static void run(int op, int[] a, int ao, int as, int[] b, int bo, int bs, int[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (op == BinaryOp.POW) {
            // Costly per element anyway; one loop shape is enough.
            for (int i = 0, ai = ao, bi = bo; i < n; i++, ai += as, bi += bs) out[o + i] = pow(a[ai], b[bi]);
        } else if (as == 1 && bs == 1) {
            contiguous(op, a, ao, b, bo, out, o, n);
        } else if (as == 0 && bs == 0) {
            strided(op, a, ao, 0, b, bo, 0, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else if (as == 1 && bs == 0) {
            scalarRight(op, a, ao, b[bo], out, o, n);
        } else if (as == 0 && bs == 1 && op != BinaryOp.SUB) {
            // The remaining ops are commutative.
            scalarRight(op, b, bo, a[ao], out, o, n);
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    // Offsets are aligned to the output's before the vectorizable loops; see FloatUnary for why.
    private static void contiguous(int op, int[] a, int ao, int[] b, int bo, int[] out, int o, int n) {
        if (ao == o && bo == o) {
            aligned(op, a, b, out, o, n);
        } else if (ao == o && a != out) {
            for (int start = 0; start < n; start += ElementwiseKernels.ALIGN_BLOCK) {
                int m = Math.min(ElementwiseKernels.ALIGN_BLOCK, n - start);
                System.arraycopy(b, bo + start, out, o + start, m);
                aligned(op, a, out, out, o + start, m);
            }
        } else if (bo == o && b != out) {
            for (int start = 0; start < n; start += ElementwiseKernels.ALIGN_BLOCK) {
                int m = Math.min(ElementwiseKernels.ALIGN_BLOCK, n - start);
                System.arraycopy(a, ao + start, out, o + start, m);
                aligned(op, out, b, out, o + start, m);
            }
        } else {
            strided(op, a, ao, 1, b, bo, 1, out, o, n);
        }
    }

    private static void aligned(int op, int[] a, int[] b, int[] out, int o, int n) {
        switch (op) {
            case BinaryOp.ADD:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] + b[o + i];
                return;
            case BinaryOp.SUB:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] - b[o + i];
                return;
            case BinaryOp.MUL:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] * b[o + i];
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.max(a[o + i], b[o + i]);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.min(a[o + i], b[o + i]);
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int32");
        }
    }

    private static void scalarRight(int op, int[] a, int ao, int s, int[] out, int o, int n) {
        if (ao == o) {
            scalarAligned(op, a, s, out, o, n);
            return;
        }
        for (int start = 0; start < n; start += ElementwiseKernels.ALIGN_BLOCK) {
            int m = Math.min(ElementwiseKernels.ALIGN_BLOCK, n - start);
            System.arraycopy(a, ao + start, out, o + start, m);
            scalarAligned(op, out, s, out, o + start, m);
        }
    }

    private static void scalarAligned(int op, int[] a, int s, int[] out, int o, int n) {
        switch (op) {
            case BinaryOp.ADD:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] + s;
                return;
            case BinaryOp.SUB:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] - s;
                return;
            case BinaryOp.MUL:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] * s;
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.max(a[o + i], s);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.min(a[o + i], s);
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int32");
        }
    }

    private static void strided(int op, int[] a, int ao, int as, int[] b, int bo, int bs, int[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.ADD:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] + b[bi];
                return;
            case BinaryOp.SUB:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] - b[bi];
                return;
            case BinaryOp.MUL:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] * b[bi];
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = Math.max(a[ai], b[bi]);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = Math.min(a[ai], b[bi]);
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int32");
        }
    }

    /** Square-and-multiply with wrapping products (PyTorch's powi); {@code e >= 0} was checked. */
    static int pow(int base, int e) {
        int result = 1;
        while (e != 0) {
            if ((e & 1) != 0) {
                result *= base;
            }
            e >>>= 1;
            base *= base;
        }
        return result;
    }

    /** Throws if any of the {@code n} exponents {@code b[bo + i*bs]} is negative. */
    static void checkExponents(int[] b, int bo, int bs, int n) {
        for (int i = 0, bi = bo; i < n; i++, bi += bs) {
            if (b[bi] < 0) {
                throw new IllegalArgumentException("pow: integers to negative integer powers are not allowed"
                        + " (exponent " + b[bi] + "; convert the base to a floating-point dtype first)");
            }
        }
    }

    /** {@code out[o + i] = a[ao + i*as] op b[bo + i*bs]} for {@code long} data. */
    static void run(int op, long[] a, int ao, int as, long[] b, int bo, int bs, long[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (op == BinaryOp.POW) {
            // Costly per element anyway; one loop shape is enough.
            for (int i = 0, ai = ao, bi = bo; i < n; i++, ai += as, bi += bs) out[o + i] = pow(a[ai], b[bi]);
        } else if (as == 1 && bs == 1) {
            contiguous(op, a, ao, b, bo, out, o, n);
        } else if (as == 0 && bs == 0) {
            strided(op, a, ao, 0, b, bo, 0, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else if (as == 1 && bs == 0) {
            scalarRight(op, a, ao, b[bo], out, o, n);
        } else if (as == 0 && bs == 1 && op != BinaryOp.SUB) {
            // The remaining ops are commutative.
            scalarRight(op, b, bo, a[ao], out, o, n);
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    // Offsets are aligned to the output's before the vectorizable loops; see FloatUnary for why.
    private static void contiguous(int op, long[] a, int ao, long[] b, int bo, long[] out, int o, int n) {
        if (ao == o && bo == o) {
            aligned(op, a, b, out, o, n);
        } else if (ao == o && a != out) {
            for (int start = 0; start < n; start += ElementwiseKernels.ALIGN_BLOCK) {
                int m = Math.min(ElementwiseKernels.ALIGN_BLOCK, n - start);
                System.arraycopy(b, bo + start, out, o + start, m);
                aligned(op, a, out, out, o + start, m);
            }
        } else if (bo == o && b != out) {
            for (int start = 0; start < n; start += ElementwiseKernels.ALIGN_BLOCK) {
                int m = Math.min(ElementwiseKernels.ALIGN_BLOCK, n - start);
                System.arraycopy(a, ao + start, out, o + start, m);
                aligned(op, out, b, out, o + start, m);
            }
        } else {
            strided(op, a, ao, 1, b, bo, 1, out, o, n);
        }
    }

    private static void aligned(int op, long[] a, long[] b, long[] out, int o, int n) {
        switch (op) {
            case BinaryOp.ADD:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] + b[o + i];
                return;
            case BinaryOp.SUB:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] - b[o + i];
                return;
            case BinaryOp.MUL:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] * b[o + i];
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.max(a[o + i], b[o + i]);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.min(a[o + i], b[o + i]);
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int64");
        }
    }

    private static void scalarRight(int op, long[] a, int ao, long s, long[] out, int o, int n) {
        if (ao == o) {
            scalarAligned(op, a, s, out, o, n);
            return;
        }
        for (int start = 0; start < n; start += ElementwiseKernels.ALIGN_BLOCK) {
            int m = Math.min(ElementwiseKernels.ALIGN_BLOCK, n - start);
            System.arraycopy(a, ao + start, out, o + start, m);
            scalarAligned(op, out, s, out, o + start, m);
        }
    }

    private static void scalarAligned(int op, long[] a, long s, long[] out, int o, int n) {
        switch (op) {
            case BinaryOp.ADD:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] + s;
                return;
            case BinaryOp.SUB:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] - s;
                return;
            case BinaryOp.MUL:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] * s;
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.max(a[o + i], s);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.min(a[o + i], s);
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int64");
        }
    }

    private static void strided(int op, long[] a, int ao, int as, long[] b, int bo, int bs, long[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.ADD:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] + b[bi];
                return;
            case BinaryOp.SUB:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] - b[bi];
                return;
            case BinaryOp.MUL:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] * b[bi];
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = Math.max(a[ai], b[bi]);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = Math.min(a[ai], b[bi]);
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int64");
        }
    }

    /** Square-and-multiply with wrapping products (PyTorch's powi); {@code e >= 0} was checked. */
    static long pow(long base, long e) {
        long result = 1;
        while (e != 0) {
            if ((e & 1) != 0) {
                result *= base;
            }
            e >>>= 1;
            base *= base;
        }
        return result;
    }

    /** Throws if any of the {@code n} exponents {@code b[bo + i*bs]} is negative. */
    static void checkExponents(long[] b, int bo, int bs, int n) {
        for (int i = 0, bi = bo; i < n; i++, bi += bs) {
            if (b[bi] < 0) {
                throw new IllegalArgumentException("pow: integers to negative integer powers are not allowed"
                        + " (exponent " + b[bi] + "; convert the base to a floating-point dtype first)");
            }
        }
    }
}
