package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * {@code float} loops behind {@link ElementwiseKernels#binary(int, float[], int, int, float[], int, int,
 * float[], int, int)}. {@link #run} picks the loop shape once per call: both inputs contiguous
 * (vectorizable), one side a broadcast scalar (delegated to the scalar ops of {@link FloatUnary},
 * which share their fast paths), or the general strided loop.
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
            contiguous(op, a, ao, b, bo, out, o, 1);
            Arrays.fill(out, o + 1, o + n, out[o]);
        } else if (as == 1 && bs == 0 && op != BinaryOp.ATAN2) {
            // a - s == a + (-s) exactly in IEEE arithmetic, so SUB can reuse ADD_SCALAR.
            float s = b[bo];
            switch (op) {
                case BinaryOp.ADD: FloatUnary.run(UnaryOp.ADD_SCALAR, s, 0, a, ao, out, o, n); return;
                case BinaryOp.SUB: FloatUnary.run(UnaryOp.ADD_SCALAR, -s, 0, a, ao, out, o, n); return;
                case BinaryOp.MUL: FloatUnary.run(UnaryOp.MUL_SCALAR, s, 0, a, ao, out, o, n); return;
                case BinaryOp.DIV: FloatUnary.run(UnaryOp.DIV_SCALAR, s, 0, a, ao, out, o, n); return;
                case BinaryOp.POW: FloatUnary.run(UnaryOp.POW_SCALAR, s, 0, a, ao, out, o, n); return;
                case BinaryOp.MAXIMUM: FloatUnary.run(UnaryOp.MAX_SCALAR, s, 0, a, ao, out, o, n); return;
                case BinaryOp.MINIMUM: FloatUnary.run(UnaryOp.MIN_SCALAR, s, 0, a, ao, out, o, n); return;
                default: throw ElementwiseKernels.unsupportedBinary(op, "float32");
            }
        } else if (as == 0 && bs == 1 && op != BinaryOp.ATAN2) {
            // Max and min are symmetric in IEEE terms too (NaN wins either way, max(-0, 0) = 0).
            float s = a[ao];
            switch (op) {
                case BinaryOp.ADD: FloatUnary.run(UnaryOp.ADD_SCALAR, s, 0, b, bo, out, o, n); return;
                case BinaryOp.SUB: FloatUnary.run(UnaryOp.RSUB_SCALAR, s, 0, b, bo, out, o, n); return;
                case BinaryOp.MUL: FloatUnary.run(UnaryOp.MUL_SCALAR, s, 0, b, bo, out, o, n); return;
                case BinaryOp.DIV: FloatUnary.run(UnaryOp.RDIV_SCALAR, s, 0, b, bo, out, o, n); return;
                case BinaryOp.POW: FloatUnary.run(UnaryOp.RPOW_SCALAR, s, 0, b, bo, out, o, n); return;
                case BinaryOp.MAXIMUM: FloatUnary.run(UnaryOp.MAX_SCALAR, s, 0, b, bo, out, o, n); return;
                case BinaryOp.MINIMUM: FloatUnary.run(UnaryOp.MIN_SCALAR, s, 0, b, bo, out, o, n); return;
                default: throw ElementwiseKernels.unsupportedBinary(op, "float32");
            }
        } else {
            strided(op, a, ao, as, b, bo, bs, out, o, n);
        }
    }

    private static void contiguous(int op, float[] a, int ao, float[] b, int bo, float[] out, int o, int n) {
        switch (op) {
            case BinaryOp.ADD:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] + b[bo + i];
                return;
            case BinaryOp.SUB:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] - b[bo + i];
                return;
            case BinaryOp.MUL:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] * b[bo + i];
                return;
            case BinaryOp.DIV:
                for (int i = 0; i < n; i++) out[o + i] = a[ao + i] / b[bo + i];
                return;
            case BinaryOp.POW:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.pow(a[ao + i], b[bo + i]);
                return;
            case BinaryOp.MAXIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.max(a[ao + i], b[bo + i]);
                return;
            case BinaryOp.MINIMUM:
                for (int i = 0; i < n; i++) out[o + i] = Math.min(a[ao + i], b[bo + i]);
                return;
            case BinaryOp.ATAN2:
                for (int i = 0; i < n; i++) out[o + i] = (float) Math.atan2(a[ao + i], b[bo + i]);
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
