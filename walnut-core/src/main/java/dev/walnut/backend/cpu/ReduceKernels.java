// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/ReduceKernels.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import dev.walnut.backend.ReduceOp;
import dev.walnut.backend.UnaryOp;
import java.util.Arrays;

/**
 * Reductions, arg-reductions, softmax and logsumexp of the pure-Java CPU back end.
 *
 * <p>Every kernel works on the middle axis of a contiguous block viewed as
 * {@code [outer, len, inner]}: element {@code (o, l, i)} is {@code x[xOff + (o*len + l)*inner + i]}
 * and the result for {@code (o, i)} goes to {@code out[outOff + o*inner + i]} (softmax keeps the
 * full {@code [outer, len, inner]} shape). Any contiguous run of reduced dims of a contiguous
 * tensor has this form; for other layouts the caller permutes and copies first.
 *
 * <pre>{@code
 * float[] x = {1f, 2f, 3f,
 *              4f, 5f, 6f};              // shape [2, 3]
 * float[] colSum = new float[3], rowMax = new float[2];
 * long[] rowArgMax = new long[2];
 * ReduceKernels.reduce(ReduceOp.SUM, x, 0, 1, 2, 3, colSum, 0);            // dim 0: {5, 7, 9}
 * ReduceKernels.reduce(ReduceOp.MAX, x, 0, 2, 3, 1, rowMax, 0);            // dim 1: {3, 6}
 * ReduceKernels.argReduce(ReduceOp.ARGMAX, x, 0, 2, 3, 1, null, 0, rowArgMax, 0);   // {2, 2}
 * ReduceKernels.softmax(x, 0, 2, 3, 1, x, 0, false);                       // in place, per row
 * }</pre>
 *
 * <p>Reducing the last dim ({@code inner == 1}) is the fast path: one tight loop per row. With
 * {@code inner > 1} the loop over {@code len} runs outside a loop over a block of columns, so
 * memory is still read sequentially. Large work is split across {@link Parallel} by rows, by
 * columns, or (for a few very long rows) by pieces of each row combined in order; results are
 * deterministic for a given thread count. Sizes and offsets are not range-checked beyond what
 * array indexing does.
 */
public final class ReduceKernels {
    private ReduceKernels() {
    }

    // --------------------------------------------------------------------------------- reduce

    /**
     * {@code out[outOff + o*inner + i] = reduce_{l < len} x[xOff + (o*len + l)*inner + i]} for
     * SUM, PROD, MAX or MIN. Sums and products accumulate in double (summing 2^24 ones gives
     * exactly 16777216); MAX and MIN propagate NaN like PyTorch. An empty reduction
     * ({@code len == 0}) gives 0 for SUM and 1 for PROD and throws for MAX and MIN.
     */
    public static void reduce(int op, float[] x, int xOff, int outer, int len, int inner, float[] out, int outOff) {
        if (!checkReduce(op, outer, len, inner, true)) {
            return;
        }
        if (len == 0) {
            Arrays.fill(out, outOff, outOff + outer * inner, op == ReduceOp.SUM ? 0f : 1f);
            return;
        }
        FloatReduce.reduce(op, x, xOff, outer, len, inner, out, outOff);
    }

    /** float64 form of {@link #reduce(int, float[], int, int, int, int, float[], int)} (sums are pairwise). */
    public static void reduce(int op, double[] x, int xOff, int outer, int len, int inner, double[] out, int outOff) {
        if (!checkReduce(op, outer, len, inner, true)) {
            return;
        }
        if (len == 0) {
            Arrays.fill(out, outOff, outOff + outer * inner, op == ReduceOp.SUM ? 0.0 : 1.0);
            return;
        }
        DoubleReduce.reduce(op, x, xOff, outer, len, inner, out, outOff);
    }

    /**
     * int32 reduced into int64, as PyTorch sums integer tensors: SUM and PROD accumulate in
     * {@code long} (wrapping on overflow); MAX and MIN are accepted too and widened.
     */
    public static void reduce(int op, int[] x, int xOff, int outer, int len, int inner, long[] out, int outOff) {
        if (!checkReduce(op, outer, len, inner, true)) {
            return;
        }
        if (len == 0) {
            Arrays.fill(out, outOff, outOff + outer * inner, op == ReduceOp.SUM ? 0L : 1L);
            return;
        }
        IntegerReduce.reduce(op, x, xOff, outer, len, inner, out, outOff);
    }

    /** MAX or MIN of int32 into int32; SUM and PROD throw (they produce int64: use the {@code long[]} overload). */
    public static void reduce(int op, int[] x, int xOff, int outer, int len, int inner, int[] out, int outOff) {
        if (op == ReduceOp.SUM || op == ReduceOp.PROD) {
            throw new IllegalArgumentException(ReduceOp.name(op)
                    + " of int32 produces int64: pass a long[] output (reduce(op, int[], ..., long[], ...))");
        }
        if (!checkReduce(op, outer, len, inner, true)) {
            return;
        }
        IntegerReduce.reduce(op, x, xOff, outer, len, inner, out, outOff);
    }

    /** int64 form of {@link #reduce(int, float[], int, int, int, int, float[], int)}; SUM and PROD wrap on overflow. */
    public static void reduce(int op, long[] x, int xOff, int outer, int len, int inner, long[] out, int outOff) {
        if (!checkReduce(op, outer, len, inner, true)) {
            return;
        }
        if (len == 0) {
            Arrays.fill(out, outOff, outOff + outer * inner, op == ReduceOp.SUM ? 0L : 1L);
            return;
        }
        IntegerReduce.reduce(op, x, xOff, outer, len, inner, out, outOff);
    }

    /**
     * SUM (the number of trues) or PROD (1 when all are true, else 0) of booleans into int64;
     * MAX and MIN throw (they stay boolean: use the {@code boolean[]} overload).
     */
    public static void reduce(int op, boolean[] x, int xOff, int outer, int len, int inner, long[] out, int outOff) {
        if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
            throw new IllegalArgumentException(ReduceOp.name(op)
                    + " of bool stays bool: pass a boolean[] output (reduce(op, boolean[], ..., boolean[], ...))");
        }
        if (!checkReduce(op, outer, len, inner, true)) {
            return;
        }
        if (len == 0) {
            Arrays.fill(out, outOff, outOff + outer * inner, op == ReduceOp.SUM ? 0L : 1L);
            return;
        }
        IntegerReduce.reduce(op, x, xOff, outer, len, inner, out, outOff);
    }

    /**
     * MAX (any) or MIN (all) of booleans. Unlike the numeric MAX/MIN these have identities, so
     * {@code len == 0} gives false for MAX (any) and true for MIN (all), as {@code torch.any} and
     * {@code torch.all} do. SUM and PROD throw (use the {@code long[]} overload).
     */
    public static void reduce(int op, boolean[] x, int xOff, int outer, int len, int inner, boolean[] out, int outOff) {
        if (op == ReduceOp.SUM || op == ReduceOp.PROD) {
            throw new IllegalArgumentException(ReduceOp.name(op)
                    + " of bool produces int64: pass a long[] output (reduce(op, boolean[], ..., long[], ...))");
        }
        if (!checkReduce(op, outer, len, inner, false)) {
            return;
        }
        if (len == 0) {
            Arrays.fill(out, outOff, outOff + outer * inner, op == ReduceOp.MIN);
            return;
        }
        IntegerReduce.reduce(op, x, xOff, outer, len, inner, out, outOff);
    }

    // ----------------------------------------------------------------------------- argReduce

    /**
     * Index along {@code len} of the maximum ({@link ReduceOp#ARGMAX}) or minimum
     * ({@link ReduceOp#ARGMIN}), written as a long to {@code idx[idxOff + o*inner + i]}; the first
     * occurrence wins ties, and a NaN counts as both the max and the min (the first NaN wins), as
     * in {@code torch.argmax}/{@code argmin}. When {@code out != null} the selected values are
     * written to {@code out[outOff + o*inner + i]}. {@code len == 0} throws.
     */
    public static void argReduce(int op, float[] x, int xOff, int outer, int len, int inner, float[] out, int outOff,
            long[] idx, int idxOff) {
        if (checkArgReduce(op, outer, len, inner)) {
            FloatReduce.argReduce(op == ReduceOp.ARGMAX, x, xOff, outer, len, inner, out, outOff, idx, idxOff);
        }
    }

    /** float64 form of {@link #argReduce(int, float[], int, int, int, int, float[], int, long[], int)}. */
    public static void argReduce(int op, double[] x, int xOff, int outer, int len, int inner, double[] out, int outOff,
            long[] idx, int idxOff) {
        if (checkArgReduce(op, outer, len, inner)) {
            DoubleReduce.argReduce(op == ReduceOp.ARGMAX, x, xOff, outer, len, inner, out, outOff, idx, idxOff);
        }
    }

    /** int32 form of {@link #argReduce(int, float[], int, int, int, int, float[], int, long[], int)}. */
    public static void argReduce(int op, int[] x, int xOff, int outer, int len, int inner, int[] out, int outOff,
            long[] idx, int idxOff) {
        if (checkArgReduce(op, outer, len, inner)) {
            IntegerReduce.argReduce(op == ReduceOp.ARGMAX, x, xOff, outer, len, inner, out, outOff, idx, idxOff);
        }
    }

    /** int64 form of {@link #argReduce(int, float[], int, int, int, int, float[], int, long[], int)}. */
    public static void argReduce(int op, long[] x, int xOff, int outer, int len, int inner, long[] out, int outOff,
            long[] idx, int idxOff) {
        if (checkArgReduce(op, outer, len, inner)) {
            IntegerReduce.argReduce(op == ReduceOp.ARGMAX, x, xOff, outer, len, inner, out, outOff, idx, idxOff);
        }
    }

    // ------------------------------------------------------------------- softmax, logsumexp

    /**
     * Softmax ({@code log == false}) or log-softmax over the middle axis; {@code out} has the
     * shape of {@code x} and may be {@code x} itself at the same offset. Numerically stable (the
     * max is subtracted first, sums are in double). {@code -inf} entries give 0 (log: -inf) as long
     * as the slice has a finite entry; a slice that is all {@code -inf}, holds {@code +inf} or
     * holds NaN gives NaN, like PyTorch.
     */
    public static void softmax(float[] x, int xOff, int outer, int len, int inner, float[] out, int outOff, boolean log) {
        if (checkSizes("softmax", outer, len, inner) && len > 0) {
            if (inner == 1 && !log) {
                if (ReducePlan.serial(outer, len, 1)) {
                    softmaxRows(x, xOff, 0, outer, len, out, outOff);
                } else {
                    ReducePlan.split(outer, len, 1,
                            (oLo, oHi, iLo, iHi) -> softmaxRows(x, xOff, oLo, oHi, len, out, outOff), null);
                }
            } else {
                FloatReduce.softmax(x, xOff, outer, len, inner, out, outOff, log);
            }
        }
    }

    /**
     * Softmax of contiguous float rows (attention's scores, a classifier's logits) through the
     * active {@link KernelProvider}: the max, the exponentials and the double-accumulated sum are
     * its row kernels, so with the Vector API they run on whole vectors, where the generic
     * kernel's per-element {@code Math.exp} in double made an imported transformer encoder's
     * softmax a fifth of its time. {@code x - max} is formed in float (exact when the two are
     * within a factor of two, and within half an ulp otherwise); the edge cases are those of the
     * generic kernel, since IEEE arithmetic gives them the same way (NaN max or {@code inf - inf}
     * gives NaN, {@code exp(-inf)} gives 0).
     */
    private static void softmaxRows(float[] x, int xOff, int oLo, int oHi, int len, float[] out, int outOff) {
        KernelProvider provider = KernelProvider.get();
        for (int o = oLo; o < oHi; o++) {
            int base = xOff + o * len;
            int ob = outOff + o * len;
            float m = provider.max(x, base, len);
            for (int l = 0; l < len; l++) {
                out[ob + l] = x[base + l] - m;
            }
            provider.unary(UnaryOp.EXP, 0, 0, out, out, ob, len);
            float s = (float) provider.sum(out, ob, len);
            for (int l = 0; l < len; l++) {
                out[ob + l] /= s;
            }
        }
    }

    /** float64 form of {@link #softmax(float[], int, int, int, int, float[], int, boolean)}. */
    public static void softmax(double[] x, int xOff, int outer, int len, int inner, double[] out, int outOff, boolean log) {
        if (checkSizes("softmax", outer, len, inner) && len > 0) {
            DoubleReduce.softmax(x, xOff, outer, len, inner, out, outOff, log);
        }
    }

    /**
     * {@code log(sum_l exp(x))} over the middle axis, computed stably as {@code m + log(sum exp(x - m))}.
     * All {@code -inf} (or {@code len == 0}) gives {@code -inf}; a {@code +inf} entry gives
     * {@code +inf}; a NaN entry gives NaN.
     */
    public static void logSumExp(float[] x, int xOff, int outer, int len, int inner, float[] out, int outOff) {
        if (!checkSizes("logsumexp", outer, len, inner)) {
            return;
        }
        if (len == 0) {
            Arrays.fill(out, outOff, outOff + outer * inner, Float.NEGATIVE_INFINITY);
            return;
        }
        FloatReduce.logSumExp(x, xOff, outer, len, inner, out, outOff);
    }

    /** float64 form of {@link #logSumExp(float[], int, int, int, int, float[], int)}. */
    public static void logSumExp(double[] x, int xOff, int outer, int len, int inner, double[] out, int outOff) {
        if (!checkSizes("logsumexp", outer, len, inner)) {
            return;
        }
        if (len == 0) {
            Arrays.fill(out, outOff, outOff + outer * inner, Double.NEGATIVE_INFINITY);
            return;
        }
        DoubleReduce.logSumExp(x, xOff, outer, len, inner, out, outOff);
    }

    // --------------------------------------------------------------------------------- checks

    /** Validates; returns false when the output is empty (nothing to do). */
    private static boolean checkReduce(int op, int outer, int len, int inner, boolean maxMinNeedElements) {
        if (op < ReduceOp.SUM || op > ReduceOp.MIN) {
            throw new IllegalArgumentException("reduce: " + ReduceOp.name(op)
                    + " is not a reduction op here (expected sum, prod, max or min; argmax/argmin go through argReduce)");
        }
        if (!checkSizes(ReduceOp.name(op), outer, len, inner)) {
            return false;
        }
        if (len == 0 && maxMinNeedElements && (op == ReduceOp.MAX || op == ReduceOp.MIN)) {
            throw new IllegalArgumentException(ReduceOp.name(op)
                    + ": cannot reduce over an empty dimension, the operation has no identity");
        }
        return true;
    }

    private static boolean checkArgReduce(int op, int outer, int len, int inner) {
        if (op != ReduceOp.ARGMAX && op != ReduceOp.ARGMIN) {
            throw new IllegalArgumentException("argReduce: " + ReduceOp.name(op) + " is not argmax or argmin");
        }
        if (!checkSizes(ReduceOp.name(op), outer, len, inner)) {
            return false;
        }
        if (len == 0) {
            throw new IllegalArgumentException(ReduceOp.name(op) + ": cannot reduce over an empty dimension");
        }
        return true;
    }

    /** Rejects negative sizes; returns false when {@code outer * inner == 0} (empty output). */
    private static boolean checkSizes(String op, int outer, int len, int inner) {
        if (outer < 0 || len < 0 || inner < 0) {
            throw new IllegalArgumentException(op + ": negative size in [outer=" + outer + ", len=" + len
                    + ", inner=" + inner + "]");
        }
        return outer != 0 && inner != 0;
    }
}
