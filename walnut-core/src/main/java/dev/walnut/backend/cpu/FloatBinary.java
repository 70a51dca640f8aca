// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/TypeBinary.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * {@code float} loops behind {@link ElementwiseKernels#binary(int, float[], int, int, float[], int, int,
 * float[], int, int)}. {@link #run} picks the loop shape once per call: both inputs contiguous
 * (vectorizable), one side a broadcast scalar (delegated to the scalar ops of {@link FloatUnary},
 * which share their fast paths), or the general strided loop.
 *
 * <p>The vectorizable loops index every array with the same offset; contiguous inputs at other
 * offsets are first copied into the output a block at a time (see {@link FloatUnary} for why).
 */
final class FloatBinary {
    private FloatBinary() {
    }

    /** Whether {@link #run} accepts {@code op}. */
    static boolean supports(int op) {
        return op >= BinaryOp.ADD && op <= BinaryOp.ATAN2;
    }

    /** {@code out[o + i] = a[ao + i*as] op b[bo + i*bs]} for {@code i < n}. */
    static void run(int op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        if (n <= 0) {
            return;
        }
        if (as == 1 && bs == 1) {
            contiguous(op, a, ao, b, bo, out, o, n);
        } else if (as == 0 && bs == 0) {
            strided(op, a, ao, 0, b, bo, 0, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else if (as == 1 && bs == 0 && op != BinaryOp.ATAN2) {
            // a - s == a + (-s) exactly in IEEE arithmetic, so SUB can reuse ADD_SCALAR.
            float s = b[bo];
            switch (op) {
                case BinaryOp.ADD: FloatUnary.apply(UnaryOp.ADD_SCALAR, s, 0, a, ao, 1, out, o, n); return;
                case BinaryOp.SUB: FloatUnary.apply(UnaryOp.ADD_SCALAR, -s, 0, a, ao, 1, out, o, n); return;
                case BinaryOp.MUL: FloatUnary.apply(UnaryOp.MUL_SCALAR, s, 0, a, ao, 1, out, o, n); return;
                case BinaryOp.DIV: FloatUnary.apply(UnaryOp.DIV_SCALAR, s, 0, a, ao, 1, out, o, n); return;
                case BinaryOp.POW: FloatUnary.apply(UnaryOp.POW_SCALAR, s, 0, a, ao, 1, out, o, n); return;
                case BinaryOp.MAXIMUM: FloatUnary.apply(UnaryOp.MAX_SCALAR, s, 0, a, ao, 1, out, o, n); return;
                case BinaryOp.MINIMUM: FloatUnary.apply(UnaryOp.MIN_SCALAR, s, 0, a, ao, 1, out, o, n); return;
                default: throw ElementwiseKernels.unsupportedBinary(op, "float32");
            }
        } else if (as == 0 && bs == 1 && op != BinaryOp.ATAN2) {
            // Max and min are symmetric in IEEE terms too (NaN wins either way, max(-0, 0) = 0).
            float s = a[ao];
            switch (op) {
                case BinaryOp.ADD: FloatUnary.apply(UnaryOp.ADD_SCALAR, s, 0, b, bo, 1, out, o, n); return;
                case BinaryOp.SUB: FloatUnary.apply(UnaryOp.RSUB_SCALAR, s, 0, b, bo, 1, out, o, n); return;
                case BinaryOp.MUL: FloatUnary.apply(UnaryOp.MUL_SCALAR, s, 0, b, bo, 1, out, o, n); return;
                case BinaryOp.DIV: FloatUnary.apply(UnaryOp.RDIV_SCALAR, s, 0, b, bo, 1, out, o, n); return;
                case BinaryOp.POW: FloatUnary.apply(UnaryOp.RPOW_SCALAR, s, 0, b, bo, 1, out, o, n); return;
                case BinaryOp.MAXIMUM: FloatUnary.apply(UnaryOp.MAX_SCALAR, s, 0, b, bo, 1, out, o, n); return;
                case BinaryOp.MINIMUM: FloatUnary.apply(UnaryOp.MIN_SCALAR, s, 0, b, bo, 1, out, o, n); return;
                default: throw ElementwiseKernels.unsupportedBinary(op, "float32");
            }
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    private static void contiguous(int op, float[] a, int ao, float[] b, int bo, float[] out, int o, int n) {
        if (ao == o && bo == o) {
            aligned(op, a, b, out, o, n);
        } else if (ao == o && a != out) {
            // Bring b to the output's offset through out itself; a is untouched since a != out.
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

    /** {@code out[o + i] = a[o + i] op b[o + i]} through the active {@link KernelProvider}. */
    private static void aligned(int op, float[] a, float[] b, float[] out, int o, int n) {
        KernelProvider.get().binary(op, a, b, out, o, n);
    }

    /** {@code out[o + i] = a[o + i] op b[o + i]}: one offset for all three, so C2 vectorizes. */
    static void alignedScalar(int op, float[] a, float[] b, float[] out, int o, int n) {
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
            case BinaryOp.DIV:
                for (int i = 0; i < n; i++) out[o + i] = a[o + i] / b[o + i];
                return;
            case BinaryOp.POW:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.pow(a[o + i], b[o + i]);
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.max(a[o + i], b[o + i]);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.min(a[o + i], b[o + i]);
                return;
            case BinaryOp.ATAN2:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.atan2(a[o + i], b[o + i]);
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float32");
        }
    }

    private static void strided(int op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
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
            case BinaryOp.DIV:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = a[ai] / b[bi];
                return;
            case BinaryOp.POW:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = (float) Math.pow(a[ai], b[bi]);
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = Math.max(a[ai], b[bi]);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = Math.min(a[ai], b[bi]);
                return;
            case BinaryOp.ATAN2:
                for (int i = 0; i < n; i++, ai += as, bi += bs) out[o + i] = (float) Math.atan2(a[ai], b[bi]);
                return;
            default:
                throw ElementwiseKernels.unsupportedBinary(op, "float32");
        }
    }
}
