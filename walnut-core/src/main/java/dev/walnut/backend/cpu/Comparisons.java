// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/Comparisons.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * Loops behind {@link ElementwiseKernels#compare}, {@link ElementwiseKernels#logical},
 * {@link ElementwiseKernels#logicalNot} and {@link ElementwiseKernels#where}: everything that
 * produces or consumes a {@code boolean[]} mask. One overload per element type; each switches on
 * the op once and runs a dedicated loop (contiguous, broadcast scalar or strided).
 */
final class Comparisons {
    private Comparisons() {
    }

    /** {@code a op b == b flip(op) a}. */
    private static int flip(int op) {
        switch (op) {
            case BinaryOp.LT: return BinaryOp.GT;
            case BinaryOp.LE: return BinaryOp.GE;
            case BinaryOp.GT: return BinaryOp.LT;
            case BinaryOp.GE: return BinaryOp.LE;
            default: return op;
        }
    }

    /** Comparison or logical op on {@code float} inputs; see {@link ElementwiseKernels#compare}. */
    static void compare(int op, float[] a, int ao, int as, float[] b, int bo, int bs, boolean[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (BinaryOp.isLogical(op)) {
            logical(op, a, ao, as, b, bo, bs, out, o, n);
        } else if (as == 1 && bs == 1) {
            contiguous(op, a, ao, b, bo, out, o, n);
        } else if (as == 0 && bs == 0) {
            strided(op, a, ao, 0, b, bo, 0, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else if (as == 1 && bs == 0) {
            scalarRight(op, a, ao, b[bo], out, o, n);
        } else if (as == 0 && bs == 1) {
            scalarRight(flip(op), b, bo, a[ao], out, o, n);
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    private static void contiguous(int op, float[] a, int ao, float[] b, int bo, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == b[bo + i];
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] != b[bo + i];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] < b[bo + i];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] <= b[bo + i];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] > b[bo + i];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] >= b[bo + i];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float32");
        }
    }

    private static void scalarRight(int op, float[] a, int ao, float s, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == s;
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] != s;
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] < s;
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] <= s;
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] > s;
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] >= s;
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float32");
        }
    }

    private static void strided(int op, float[] a, int ao, int as, float[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] == b[bi];
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != b[bi];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] < b[bi];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] <= b[bi];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] > b[bi];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] >= b[bi];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float32");
        }
    }

    // Numbers are true when non-zero; NaN != 0, so NaN is true (as in PyTorch).
    private static void logical(int op, float[] a, int ao, int as, float[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.LOGICAL_AND:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 & b[bi] != 0;
                return;
            case BinaryOp.LOGICAL_OR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 | b[bi] != 0;
                return;
            case BinaryOp.LOGICAL_XOR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 ^ b[bi] != 0;
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float32");
        }
    }

    /** Comparison or logical op on {@code double} inputs; see {@link ElementwiseKernels#compare}. */
    static void compare(int op, double[] a, int ao, int as, double[] b, int bo, int bs, boolean[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (BinaryOp.isLogical(op)) {
            logical(op, a, ao, as, b, bo, bs, out, o, n);
        } else if (as == 1 && bs == 1) {
            contiguous(op, a, ao, b, bo, out, o, n);
        } else if (as == 0 && bs == 0) {
            strided(op, a, ao, 0, b, bo, 0, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else if (as == 1 && bs == 0) {
            scalarRight(op, a, ao, b[bo], out, o, n);
        } else if (as == 0 && bs == 1) {
            scalarRight(flip(op), b, bo, a[ao], out, o, n);
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    private static void contiguous(int op, double[] a, int ao, double[] b, int bo, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == b[bo + i];
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] != b[bo + i];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] < b[bo + i];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] <= b[bo + i];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] > b[bo + i];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] >= b[bo + i];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float64");
        }
    }

    private static void scalarRight(int op, double[] a, int ao, double s, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == s;
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] != s;
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] < s;
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] <= s;
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] > s;
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] >= s;
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float64");
        }
    }

    private static void strided(int op, double[] a, int ao, int as, double[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] == b[bi];
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != b[bi];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] < b[bi];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] <= b[bi];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] > b[bi];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] >= b[bi];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float64");
        }
    }

    // Numbers are true when non-zero; NaN != 0, so NaN is true (as in PyTorch).
    private static void logical(int op, double[] a, int ao, int as, double[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.LOGICAL_AND:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 & b[bi] != 0;
                return;
            case BinaryOp.LOGICAL_OR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 | b[bi] != 0;
                return;
            case BinaryOp.LOGICAL_XOR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 ^ b[bi] != 0;
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float64");
        }
    }

    /** Comparison or logical op on {@code int} inputs; see {@link ElementwiseKernels#compare}. */
    static void compare(int op, int[] a, int ao, int as, int[] b, int bo, int bs, boolean[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (BinaryOp.isLogical(op)) {
            logical(op, a, ao, as, b, bo, bs, out, o, n);
        } else if (as == 1 && bs == 1) {
            contiguous(op, a, ao, b, bo, out, o, n);
        } else if (as == 0 && bs == 0) {
            strided(op, a, ao, 0, b, bo, 0, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else if (as == 1 && bs == 0) {
            scalarRight(op, a, ao, b[bo], out, o, n);
        } else if (as == 0 && bs == 1) {
            scalarRight(flip(op), b, bo, a[ao], out, o, n);
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    private static void contiguous(int op, int[] a, int ao, int[] b, int bo, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == b[bo + i];
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] != b[bo + i];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] < b[bo + i];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] <= b[bo + i];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] > b[bo + i];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] >= b[bo + i];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int32");
        }
    }

    private static void scalarRight(int op, int[] a, int ao, int s, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == s;
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] != s;
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] < s;
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] <= s;
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] > s;
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] >= s;
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int32");
        }
    }

    private static void strided(int op, int[] a, int ao, int as, int[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] == b[bi];
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != b[bi];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] < b[bi];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] <= b[bi];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] > b[bi];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] >= b[bi];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int32");
        }
    }

    // Numbers are true when non-zero; NaN != 0, so NaN is true (as in PyTorch).
    private static void logical(int op, int[] a, int ao, int as, int[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.LOGICAL_AND:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 & b[bi] != 0;
                return;
            case BinaryOp.LOGICAL_OR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 | b[bi] != 0;
                return;
            case BinaryOp.LOGICAL_XOR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 ^ b[bi] != 0;
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int32");
        }
    }

    /** Comparison or logical op on {@code long} inputs; see {@link ElementwiseKernels#compare}. */
    static void compare(int op, long[] a, int ao, int as, long[] b, int bo, int bs, boolean[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (BinaryOp.isLogical(op)) {
            logical(op, a, ao, as, b, bo, bs, out, o, n);
        } else if (as == 1 && bs == 1) {
            contiguous(op, a, ao, b, bo, out, o, n);
        } else if (as == 0 && bs == 0) {
            strided(op, a, ao, 0, b, bo, 0, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else if (as == 1 && bs == 0) {
            scalarRight(op, a, ao, b[bo], out, o, n);
        } else if (as == 0 && bs == 1) {
            scalarRight(flip(op), b, bo, a[ao], out, o, n);
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    private static void contiguous(int op, long[] a, int ao, long[] b, int bo, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == b[bo + i];
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] != b[bo + i];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] < b[bo + i];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] <= b[bo + i];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] > b[bo + i];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] >= b[bo + i];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int64");
        }
    }

    private static void scalarRight(int op, long[] a, int ao, long s, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == s;
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] != s;
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] < s;
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] <= s;
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] > s;
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] >= s;
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int64");
        }
    }

    private static void strided(int op, long[] a, int ao, int as, long[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] == b[bi];
                return;
            case BinaryOp.NE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != b[bi];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] < b[bi];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] <= b[bi];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] > b[bi];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] >= b[bi];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int64");
        }
    }

    // Numbers are true when non-zero; NaN != 0, so NaN is true (as in PyTorch).
    private static void logical(int op, long[] a, int ao, int as, long[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.LOGICAL_AND:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 & b[bi] != 0;
                return;
            case BinaryOp.LOGICAL_OR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 | b[bi] != 0;
                return;
            case BinaryOp.LOGICAL_XOR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] != 0 ^ b[bi] != 0;
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "int64");
        }
    }

    /**
     * Comparison or logical op on booleans, ordered {@code false < true}; see
     * {@link ElementwiseKernels#compare} and {@link ElementwiseKernels#logical}.
     */
    static void compare(int op, boolean[] a, int ao, int as, boolean[] b, int bo, int bs, boolean[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (as == 1 && bs == 1) {
            contiguous(op, a, ao, b, bo, out, o, n);
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    private static void contiguous(int op, boolean[] a, int ao, boolean[] b, int bo, boolean[] out, int o, int n) {
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] == b[bo + i];
                return;
            case BinaryOp.NE:
            case BinaryOp.LOGICAL_XOR:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] ^ b[bo + i];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++) out[o + i] = !a[ao + i] & b[bo + i];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++) out[o + i] = !a[ao + i] | b[bo + i];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] & !b[bo + i];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] | !b[bo + i];
                return;
            case BinaryOp.LOGICAL_AND:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] & b[bo + i];
                return;
            case BinaryOp.LOGICAL_OR:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] | b[bo + i];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "bool");
        }
    }

    private static void strided(int op, boolean[] a, int ao, int as, boolean[] b, int bo, int bs, boolean[] out, int o, int n) {
        int ai = ao, bi = bo;
        switch (op) {
            case BinaryOp.EQ:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] == b[bi];
                return;
            case BinaryOp.NE:
            case BinaryOp.LOGICAL_XOR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] ^ b[bi];
                return;
            case BinaryOp.LT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = !a[ai] & b[bi];
                return;
            case BinaryOp.LE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = !a[ai] | b[bi];
                return;
            case BinaryOp.GT:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] & !b[bi];
                return;
            case BinaryOp.GE:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] | !b[bi];
                return;
            case BinaryOp.LOGICAL_AND:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] & b[bi];
                return;
            case BinaryOp.LOGICAL_OR:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] | b[bi];
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "bool");
        }
    }

    /** {@code out[o + i] = !x[xo + i*xs]}. */
    static void not(boolean[] x, int xo, int xs, boolean[] out, int o, int n) {
        if (xs == 1) {
            for (int i = 0; i < n; i++) out[o + i] = !x[xo + i];
        } else {
            for (int i = 0, xi = xo; i < n; i++, xi += xs) out[o + i] = !x[xi];
        }
    }

    /** {@code out[o + i] = c[co + i*cs] ? a[ao + i*as] : b[bo + i*bs]} for {@code float} data. */
    static void where(boolean[] c, int co, int cs, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        if (cs == 1 && as == 1 && bs == 1) {
            for (int i = 0; i < n; i++) out[o + i] = c[co + i] ? a[ao + i] : b[bo + i];
        } else {
            for (int i = 0, ci = co, ai = ao, bi = bo; i < n; i++, ci += cs, ai += as, bi += bs) {
                out[o + i] = c[ci] ? a[ai] : b[bi];
            }
        }
    }

    /** {@code out[o + i] = c[co + i*cs] ? a[ao + i*as] : b[bo + i*bs]} for {@code double} data. */
    static void where(boolean[] c, int co, int cs, double[] a, int ao, int as, double[] b, int bo, int bs, double[] out, int o, int n) {
        if (cs == 1 && as == 1 && bs == 1) {
            for (int i = 0; i < n; i++) out[o + i] = c[co + i] ? a[ao + i] : b[bo + i];
        } else {
            for (int i = 0, ci = co, ai = ao, bi = bo; i < n; i++, ci += cs, ai += as, bi += bs) {
                out[o + i] = c[ci] ? a[ai] : b[bi];
            }
        }
    }

    /** {@code out[o + i] = c[co + i*cs] ? a[ao + i*as] : b[bo + i*bs]} for {@code int} data. */
    static void where(boolean[] c, int co, int cs, int[] a, int ao, int as, int[] b, int bo, int bs, int[] out, int o, int n) {
        if (cs == 1 && as == 1 && bs == 1) {
            for (int i = 0; i < n; i++) out[o + i] = c[co + i] ? a[ao + i] : b[bo + i];
        } else {
            for (int i = 0, ci = co, ai = ao, bi = bo; i < n; i++, ci += cs, ai += as, bi += bs) {
                out[o + i] = c[ci] ? a[ai] : b[bi];
            }
        }
    }

    /** {@code out[o + i] = c[co + i*cs] ? a[ao + i*as] : b[bo + i*bs]} for {@code long} data. */
    static void where(boolean[] c, int co, int cs, long[] a, int ao, int as, long[] b, int bo, int bs, long[] out, int o, int n) {
        if (cs == 1 && as == 1 && bs == 1) {
            for (int i = 0; i < n; i++) out[o + i] = c[co + i] ? a[ao + i] : b[bo + i];
        } else {
            for (int i = 0, ci = co, ai = ao, bi = bo; i < n; i++, ci += cs, ai += as, bi += bs) {
                out[o + i] = c[ci] ? a[ai] : b[bi];
            }
        }
    }

    /** {@code out[o + i] = c[co + i*cs] ? a[ao + i*as] : b[bo + i*bs]} for {@code boolean} data. */
    static void where(boolean[] c, int co, int cs, boolean[] a, int ao, int as, boolean[] b, int bo, int bs, boolean[] out, int o, int n) {
        if (cs == 1 && as == 1 && bs == 1) {
            for (int i = 0; i < n; i++) out[o + i] = c[co + i] ? a[ao + i] : b[bo + i];
        } else {
            for (int i = 0, ci = co, ai = ao, bi = bo; i < n; i++, ci += cs, ai += as, bi += bs) {
                out[o + i] = c[ci] ? a[ai] : b[bi];
            }
        }
    }
}
