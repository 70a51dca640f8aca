// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/TypeReduce.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import dev.walnut.backend.ReduceOp;
import java.util.Arrays;

/**
 * {@code double} reductions, arg-reductions, softmax and logsumexp over the middle axis of a
 * contiguous {@code [outer, len, inner]} block; the kernels behind the {@code double[]} overloads of
 * {@link ReduceKernels}.
 *
 * <p>Two loop shapes: {@code inner == 1} reduces each contiguous row in one tight loop; otherwise
 * the {@code l} loop runs outside an {@code inner} loop that accumulates a block of up to
 * {@link #COLUMN_BLOCK} columns, so memory is read sequentially and the accumulators stay in L1.
 * Sums and products accumulate in double.
 */
final class DoubleReduce {
    private DoubleReduce() {
    }

    /** Columns handled per accumulator block when inner > 1. */
    static final int COLUMN_BLOCK = 1024;
    /**
     * Each thread's column accumulators, kept between calls (a block is never reduced inside
     * another on one thread), so that a bias gradient's sum over the batch allocates only its
     * output, and nothing when written into a compiled graph's arena.
     */
    private static final ThreadLocal<double[]> ACCUMULATORS = ThreadLocal.withInitial(() -> new double[COLUMN_BLOCK]);
    /** Rows up to this length are summed directly; longer ones are halved (pairwise summation). */
    private static final int PAIRWISE_BASE = 256;

    // ------------------------------------------------------------------------- reduce

    static void reduce(int op, double[] x, int xOff, int outer, int len, int inner, double[] out, int outOff) {
        if (ReducePlan.serial(outer, len, inner)) {
            block(op, x, xOff, 0, outer, len, inner, 0, inner, out, outOff);
        } else {
            Reduction r = REDUCTION.get();
            r.set(op, x, xOff, len, inner, out, outOff);
            try {
                r.split(outer, len, inner);
            } finally {
                r.x = null; // keep no caller's arrays alive
                r.out = null;
            }
        }
    }

    /** One reduction's arguments as its split's body, kept per thread: a split reduction allocates nothing. */
    private static final class Reduction extends ReducePlan.Split {
        private int op;
        private double[] x;
        private int xOff;
        private int len;
        private int inner;
        private double[] out;
        private int outOff;

        void set(int op, double[] x, int xOff, int len, int inner, double[] out, int outOff) {
            this.op = op;
            this.x = x;
            this.xOff = xOff;
            this.len = len;
            this.inner = inner;
            this.out = out;
            this.outOff = outOff;
        }

        @Override
        public void apply(int oLo, int oHi, int iLo, int iHi) {
            block(op, x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff);
        }

        @Override
        public void apply(int o) {
            out[outOff + o] = row(op, x, xOff + o * len, len);
        }
    }

    private static final ThreadLocal<Reduction> REDUCTION = ThreadLocal.withInitial(Reduction::new);

    private static void block(int op, double[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            double[] out, int outOff) {
        if (inner == 1) {
            switch (op) {
                case ReduceOp.SUM:
                    for (int o = oLo; o < oHi; o++) out[outOff + o] = sum(x, xOff + o * len, len);
                    return;
                case ReduceOp.PROD:
                    for (int o = oLo; o < oHi; o++) out[outOff + o] = prod(x, xOff + o * len, len);
                    return;
                case ReduceOp.MAX:
                    for (int o = oLo; o < oHi; o++) out[outOff + o] = max(x, xOff + o * len, len);
                    return;
                case ReduceOp.MIN:
                    for (int o = oLo; o < oHi; o++) out[outOff + o] = min(x, xOff + o * len, len);
                    return;
                default:
                    throw new AssertionError(op);
            }
        }
        double[] acc = op == ReduceOp.SUM || op == ReduceOp.PROD ? ACCUMULATORS.get() : null;
        for (int o = oLo; o < oHi; o++) {
            for (int c = iLo; c < iHi; c += COLUMN_BLOCK) {
                int w = Math.min(COLUMN_BLOCK, iHi - c);
                int base = xOff + o * len * inner + c, ob = outOff + o * inner + c;
                switch (op) {
                    case ReduceOp.SUM:
                        Arrays.fill(acc, 0, w, 0.0);
                        for (int l = 0, row = base; l < len; l++, row += inner) {
                            for (int j = 0; j < w; j++) acc[j] += x[row + j];
                        }
                        for (int j = 0; j < w; j++) out[ob + j] = acc[j];
                        break;
                    case ReduceOp.PROD:
                        Arrays.fill(acc, 0, w, 1.0);
                        for (int l = 0, row = base; l < len; l++, row += inner) {
                            for (int j = 0; j < w; j++) acc[j] *= x[row + j];
                        }
                        for (int j = 0; j < w; j++) out[ob + j] = acc[j];
                        break;
                    case ReduceOp.MAX:
                        System.arraycopy(x, base, out, ob, w);
                        for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                            for (int j = 0; j < w; j++) out[ob + j] = Math.max(out[ob + j], x[row + j]);
                        }
                        break;
                    case ReduceOp.MIN:
                        System.arraycopy(x, base, out, ob, w);
                        for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                            for (int j = 0; j < w; j++) out[ob + j] = Math.min(out[ob + j], x[row + j]);
                        }
                        break;
                    default:
                        throw new AssertionError(op);
                }
            }
        }
    }

    /** One long row reduced by pieces in parallel; pieces are combined in order. */
    private static double row(int op, double[] x, int off, int len) {
        int chunks = ReducePlan.chunks(len);
        double[] part = new double[chunks];
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                int s = ReducePlan.chunkStart(c, chunks, len), n = ReducePlan.chunkStart(c + 1, chunks, len) - s;
                switch (op) {
                    case ReduceOp.SUM: part[c] = sum(x, off + s, n); break;
                    case ReduceOp.PROD: part[c] = prod(x, off + s, n); break;
                    case ReduceOp.MAX: part[c] = max(x, off + s, n); break;
                    case ReduceOp.MIN: part[c] = min(x, off + s, n); break;
                    default: throw new AssertionError(op);
                }
            }
        });
        double r = part[0];
        for (int c = 1; c < chunks; c++) {
            switch (op) {
                case ReduceOp.SUM: r += part[c]; break;
                case ReduceOp.PROD: r *= part[c]; break;
                case ReduceOp.MAX: r = Math.max(r, part[c]); break;
                default: r = Math.min(r, part[c]); break;
            }
        }
        return r;
    }

    /**
     * Pairwise sum in double: error grows with log(n) rather than n. The base case keeps four
     * independent accumulators so the adds pipeline.
     */
    static double sum(double[] x, int off, int n) {
        if (n > PAIRWISE_BASE) {
            int half = (n >>> 1) & ~7;
            return sum(x, off, half) + sum(x, off + half, n - half);
        }
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += x[off + i];
            s1 += x[off + i + 1];
            s2 += x[off + i + 2];
            s3 += x[off + i + 3];
        }
        for (; i < n; i++) s0 += x[off + i];
        return (s0 + s1) + (s2 + s3);
    }

    static double prod(double[] x, int off, int n) {
        double p = 1;
        for (int i = 0; i < n; i++) p *= x[off + i];
        return p;
    }

    /** NaN-propagating maximum of a non-empty row. */
    static double max(double[] x, int off, int n) {
        double m = x[off];
        for (int i = 1; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    /** NaN-propagating minimum of a non-empty row. */
    static double min(double[] x, int off, int n) {
        double m = x[off];
        for (int i = 1; i < n; i++) m = Math.min(m, x[off + i]);
        return m;
    }

    // --------------------------------------------------------------------- argmax / argmin

    static void argReduce(boolean max, double[] x, int xOff, int outer, int len, int inner, double[] out, int outOff,
            long[] idx, int idxOff) {
        if (ReducePlan.serial(outer, len, inner)) {
            argBlock(max, x, xOff, 0, outer, len, inner, 0, inner, out, outOff, idx, idxOff);
        } else {
            ReducePlan.split(outer, len, inner,
                    (oLo, oHi, iLo, iHi) -> argBlock(max, x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff, idx, idxOff),
                    o -> {
                        int base = xOff + o * len, j = argRow(max, x, base, len);
                        idx[idxOff + o] = j;
                        if (out != null) out[outOff + o] = x[base + j];
                    });
        }
    }

    // Ties keep the first index: a later element wins only if strictly better, or if it is NaN
    // while the current best is not (NaN counts as both the max and the min, as in PyTorch).
    private static void argBlock(boolean max, double[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            double[] out, int outOff, long[] idx, int idxOff) {
        if (inner == 1) {
            for (int o = oLo; o < oHi; o++) {
                int base = xOff + o * len, j = max ? argMax(x, base, len) : argMin(x, base, len);
                idx[idxOff + o] = j;
                if (out != null) out[outOff + o] = x[base + j];
            }
            return;
        }
        double[] best = out != null ? null : new double[Math.min(COLUMN_BLOCK, iHi - iLo)];
        for (int o = oLo; o < oHi; o++) {
            for (int c = iLo; c < iHi; c += COLUMN_BLOCK) {
                int w = Math.min(COLUMN_BLOCK, iHi - c);
                int base = xOff + o * len * inner + c, ib = idxOff + o * inner + c;
                // The running best lives in out when the caller wants the values anyway.
                double[] b = out != null ? out : best;
                int bb = out != null ? outOff + o * inner + c : 0;
                System.arraycopy(x, base, b, bb, w);
                Arrays.fill(idx, ib, ib + w, 0L);
                if (max) {
                    for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) {
                            double v = x[row + j], cur = b[bb + j];
                            if (cur == cur && !(v <= cur)) {
                                b[bb + j] = v;
                                idx[ib + j] = l;
                            }
                        }
                    }
                } else {
                    for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) {
                            double v = x[row + j], cur = b[bb + j];
                            if (cur == cur && !(v >= cur)) {
                                b[bb + j] = v;
                                idx[ib + j] = l;
                            }
                        }
                    }
                }
            }
        }
    }

    private static int argRow(boolean max, double[] x, int off, int len) {
        int chunks = ReducePlan.chunks(len);
        int[] part = new int[chunks];
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                int s = ReducePlan.chunkStart(c, chunks, len), n = ReducePlan.chunkStart(c + 1, chunks, len) - s;
                part[c] = s + (max ? argMax(x, off + s, n) : argMin(x, off + s, n));
            }
        });
        int j = part[0];
        for (int c = 1; c < chunks; c++) {
            double v = x[off + part[c]], cur = x[off + j];
            if (cur == cur && (max ? !(v <= cur) : !(v >= cur))) {
                j = part[c];
            }
        }
        return j;
    }

    static int argMax(double[] x, int off, int n) {
        double b = x[off];
        int bi = 0;
        if (b != b) return 0;
        for (int i = 1; i < n; i++) {
            double v = x[off + i];
            if (!(v <= b)) {
                if (v != v) return i;
                b = v;
                bi = i;
            }
        }
        return bi;
    }

    static int argMin(double[] x, int off, int n) {
        double b = x[off];
        int bi = 0;
        if (b != b) return 0;
        for (int i = 1; i < n; i++) {
            double v = x[off + i];
            if (!(v >= b)) {
                if (v != v) return i;
                b = v;
                bi = i;
            }
        }
        return bi;
    }

    // ------------------------------------------------------------------ softmax / logsumexp

    static void softmax(double[] x, int xOff, int outer, int len, int inner, double[] out, int outOff, boolean log) {
        if (ReducePlan.serial(outer, len, inner)) {
            softmaxBlock(x, xOff, 0, outer, len, inner, 0, inner, out, outOff, log);
        } else {
            ReducePlan.split(outer, len, inner,
                    (oLo, oHi, iLo, iHi) -> softmaxBlock(x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff, log), null);
        }
    }

    // Subtracting the row max keeps every exponent <= 0, so nothing overflows. The rules at
    // the edges fall out of IEEE arithmetic and match PyTorch: a NaN max (any NaN in the row)
    // makes the row NaN; an all -inf row has max -inf and -inf - -inf = NaN; a +inf entry gives
    // inf - inf = NaN. Otherwise -inf entries give exp(-inf) = 0 (log-softmax: -inf), no NaN.
    private static void softmaxBlock(double[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            double[] out, int outOff, boolean log) {
        if (inner == 1) {
            for (int o = oLo; o < oHi; o++) {
                int base = xOff + o * len, ob = outOff + o * len;
                double m = max(x, base, len);
                double s = 0;
                if (log) {
                    for (int l = 0; l < len; l++) s += Math.exp(x[base + l] - m);
                    double ls = Math.log(s);
                    for (int l = 0; l < len; l++) out[ob + l] = ((x[base + l] - m) - ls);
                } else {
                    for (int l = 0; l < len; l++) {
                        double e = Math.exp(x[base + l] - m);
                        out[ob + l] = e;
                        s += e;
                    }
                    for (int l = 0; l < len; l++) out[ob + l] = (out[ob + l] / s);
                }
            }
            return;
        }
        int cap = Math.min(COLUMN_BLOCK, iHi - iLo);
        double[] m = new double[cap], s = new double[cap];
        for (int o = oLo; o < oHi; o++) {
            for (int c = iLo; c < iHi; c += COLUMN_BLOCK) {
                int w = Math.min(COLUMN_BLOCK, iHi - c);
                int base = xOff + o * len * inner + c, ob = outOff + o * len * inner + c;
                columnMax(x, base, len, inner, w, m);
                Arrays.fill(s, 0, w, 0.0);
                if (log) {
                    for (int l = 0, row = base; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) s[j] += Math.exp(x[row + j] - m[j]);
                    }
                    for (int j = 0; j < w; j++) s[j] = Math.log(s[j]);
                    for (int l = 0, row = base, orow = ob; l < len; l++, row += inner, orow += inner) {
                        for (int j = 0; j < w; j++) out[orow + j] = ((x[row + j] - m[j]) - s[j]);
                    }
                } else {
                    for (int l = 0, row = base, orow = ob; l < len; l++, row += inner, orow += inner) {
                        for (int j = 0; j < w; j++) {
                            double e = Math.exp(x[row + j] - m[j]);
                            out[orow + j] = e;
                            s[j] += e;
                        }
                    }
                    for (int l = 0, orow = ob; l < len; l++, orow += inner) {
                        for (int j = 0; j < w; j++) out[orow + j] = (out[orow + j] / s[j]);
                    }
                }
            }
        }
    }

    static void logSumExp(double[] x, int xOff, int outer, int len, int inner, double[] out, int outOff) {
        if (ReducePlan.serial(outer, len, inner)) {
            logSumExpBlock(x, xOff, 0, outer, len, inner, 0, inner, out, outOff);
        } else {
            ReducePlan.split(outer, len, inner,
                    (oLo, oHi, iLo, iHi) -> logSumExpBlock(x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff), null);
        }
    }

    private static void logSumExpBlock(double[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            double[] out, int outOff) {
        if (inner == 1) {
            for (int o = oLo; o < oHi; o++) {
                int base = xOff + o * len;
                double m = max(x, base, len);
                if (Double.isInfinite(m) || m != m) {
                    out[outOff + o] = m;
                    continue;
                }
                double s = 0;
                for (int l = 0; l < len; l++) s += Math.exp(x[base + l] - m);
                out[outOff + o] = (m + Math.log(s));
            }
            return;
        }
        int cap = Math.min(COLUMN_BLOCK, iHi - iLo);
        double[] m = new double[cap], s = new double[cap];
        for (int o = oLo; o < oHi; o++) {
            for (int c = iLo; c < iHi; c += COLUMN_BLOCK) {
                int w = Math.min(COLUMN_BLOCK, iHi - c);
                int base = xOff + o * len * inner + c, ob = outOff + o * inner + c;
                columnMax(x, base, len, inner, w, m);
                Arrays.fill(s, 0, w, 0.0);
                for (int l = 0, row = base; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) s[j] += Math.exp(x[row + j] - m[j]);
                }
                for (int j = 0; j < w; j++) {
                    // -inf (all -inf), +inf and NaN maxima are the answer themselves; computing
                    // them would give NaN for the first two.
                    double mj = m[j];
                    out[ob + j] = (Double.isInfinite(mj) || mj != mj ? mj : mj + Math.log(s[j]));
                }
            }
        }
    }

    /** {@code m[j] = max_l x[base + l*inner + j]}, NaN-propagating; len >= 1. */
    private static void columnMax(double[] x, int base, int len, int inner, int w, double[] m) {
        for (int j = 0; j < w; j++) m[j] = x[base + j];
        for (int l = 1, row = base + inner; l < len; l++, row += inner) {
            for (int j = 0; j < w; j++) m[j] = Math.max(m[j], x[row + j]);
        }
    }
}
