// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/IntegerReduce.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * {@code int}, {@code long} and {@code boolean} reductions over the middle axis of a contiguous
 * {@code [outer, len, inner]} block; the kernels behind those overloads of {@link ReduceKernels}.
 * Sums and products accumulate in {@code long} (PyTorch sums integer tensors to int64) and wrap
 * on overflow; booleans sum to a count.
 */
final class IntegerReduce {
    private IntegerReduce() {
    }

    // ------------------------------------------------------------------------------- int

    /** SUM and PROD wrap in 64 bits; MAX and MIN are widened. */
    static void reduce(int op, int[] x, int xOff, int outer, int len, int inner, long[] out, int outOff) {
        if (ReducePlan.serial(outer, len, inner)) {
            block(op, x, xOff, 0, outer, len, inner, 0, inner, out, outOff);
        } else {
            ReducePlan.split(outer, len, inner,
                    (oLo, oHi, iLo, iHi) -> block(op, x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff),
                    o -> out[outOff + o] = row(op, x, xOff + o * len, len));
        }
    }

    private static void block(int op, int[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            long[] out, int outOff) {
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
        // Integer accumulators are exact, so they live in out itself: no buffer, no blocking.
        int w = iHi - iLo;
        for (int o = oLo; o < oHi; o++) {
            int base = xOff + o * len * inner + iLo, ob = outOff + o * inner + iLo;
            switch (op) {
                case ReduceOp.SUM:
                    Arrays.fill(out, ob, ob + w, 0L);
                    for (int l = 0, row = base; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) out[ob + j] += x[row + j];
                    }
                    break;
                case ReduceOp.PROD:
                    Arrays.fill(out, ob, ob + w, 1L);
                    for (int l = 0, row = base; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) out[ob + j] *= x[row + j];
                    }
                    break;
                case ReduceOp.MAX:
                    for (int j = 0; j < w; j++) out[ob + j] = x[base + j];
                    for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) out[ob + j] = Math.max(out[ob + j], x[row + j]);
                    }
                    break;
                case ReduceOp.MIN:
                    for (int j = 0; j < w; j++) out[ob + j] = x[base + j];
                    for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) out[ob + j] = Math.min(out[ob + j], x[row + j]);
                    }
                    break;
                default:
                    throw new AssertionError(op);
            }
        }
    }

    private static long row(int op, int[] x, int off, int len) {
        int chunks = ReducePlan.chunks(len);
        long[] part = new long[chunks];
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
        return combine(op, part);
    }

    static long sum(int[] x, int off, int n) {
        long s = 0;
        for (int i = 0; i < n; i++) s += x[off + i];
        return s;
    }

    static long prod(int[] x, int off, int n) {
        long p = 1;
        for (int i = 0; i < n; i++) p *= x[off + i];
        return p;
    }

    static int max(int[] x, int off, int n) {
        int m = x[off];
        for (int i = 1; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    static int min(int[] x, int off, int n) {
        int m = x[off];
        for (int i = 1; i < n; i++) m = Math.min(m, x[off + i]);
        return m;
    }

    /** First index of the maximum (or minimum) along len; also the value when out != null. */
    static void argReduce(boolean max, int[] x, int xOff, int outer, int len, int inner, int[] out, int outOff,
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

    private static void argBlock(boolean max, int[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            int[] out, int outOff, long[] idx, int idxOff) {
        if (inner == 1) {
            for (int o = oLo; o < oHi; o++) {
                int base = xOff + o * len, j = max ? argMax(x, base, len) : argMin(x, base, len);
                idx[idxOff + o] = j;
                if (out != null) out[outOff + o] = x[base + j];
            }
            return;
        }
        int w = iHi - iLo;
        int[] b = out != null ? out : new int[w];
        for (int o = oLo; o < oHi; o++) {
            int base = xOff + o * len * inner + iLo, ib = idxOff + o * inner + iLo;
            int bb = out != null ? outOff + o * inner + iLo : 0;
            System.arraycopy(x, base, b, bb, w);
            Arrays.fill(idx, ib, ib + w, 0L);
            if (max) {
                for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) {
                        if (x[row + j] > b[bb + j]) {
                            b[bb + j] = x[row + j];
                            idx[ib + j] = l;
                        }
                    }
                }
            } else {
                for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) {
                        if (x[row + j] < b[bb + j]) {
                            b[bb + j] = x[row + j];
                            idx[ib + j] = l;
                        }
                    }
                }
            }
        }
    }

    private static int argRow(boolean max, int[] x, int off, int len) {
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
            int v = x[off + part[c]], cur = x[off + j];
            if (max ? v > cur : v < cur) {
                j = part[c];
            }
        }
        return j;
    }

    static int argMax(int[] x, int off, int n) {
        int b = x[off];
        int bi = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > b) {
                b = x[off + i];
                bi = i;
            }
        }
        return bi;
    }

    static int argMin(int[] x, int off, int n) {
        int b = x[off];
        int bi = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] < b) {
                b = x[off + i];
                bi = i;
            }
        }
        return bi;
    }

    /** MAX or MIN of int32 into int32 (SUM and PROD of int32 go to the long[] overload). */
    static void reduce(int op, int[] x, int xOff, int outer, int len, int inner, int[] out, int outOff) {
        if (ReducePlan.serial(outer, len, inner)) {
            narrowBlock(op, x, xOff, 0, outer, len, inner, 0, inner, out, outOff);
        } else {
            ReducePlan.split(outer, len, inner,
                    (oLo, oHi, iLo, iHi) -> narrowBlock(op, x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff),
                    o -> out[outOff + o] = (int) row(op, x, xOff + o * len, len));
        }
    }

    private static void narrowBlock(int op, int[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            int[] out, int outOff) {
        boolean isMax = op == ReduceOp.MAX;
        if (inner == 1) {
            if (isMax) {
                for (int o = oLo; o < oHi; o++) out[outOff + o] = max(x, xOff + o * len, len);
            } else {
                for (int o = oLo; o < oHi; o++) out[outOff + o] = min(x, xOff + o * len, len);
            }
            return;
        }
        int w = iHi - iLo;
        for (int o = oLo; o < oHi; o++) {
            int base = xOff + o * len * inner + iLo, ob = outOff + o * inner + iLo;
            System.arraycopy(x, base, out, ob, w);
            if (isMax) {
                for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) out[ob + j] = Math.max(out[ob + j], x[row + j]);
                }
            } else {
                for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) out[ob + j] = Math.min(out[ob + j], x[row + j]);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------- long

    /** SUM and PROD wrap in 64 bits; MAX and MIN are widened. */
    static void reduce(int op, long[] x, int xOff, int outer, int len, int inner, long[] out, int outOff) {
        if (ReducePlan.serial(outer, len, inner)) {
            block(op, x, xOff, 0, outer, len, inner, 0, inner, out, outOff);
        } else {
            ReducePlan.split(outer, len, inner,
                    (oLo, oHi, iLo, iHi) -> block(op, x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff),
                    o -> out[outOff + o] = row(op, x, xOff + o * len, len));
        }
    }

    private static void block(int op, long[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            long[] out, int outOff) {
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
        // Integer accumulators are exact, so they live in out itself: no buffer, no blocking.
        int w = iHi - iLo;
        for (int o = oLo; o < oHi; o++) {
            int base = xOff + o * len * inner + iLo, ob = outOff + o * inner + iLo;
            switch (op) {
                case ReduceOp.SUM:
                    Arrays.fill(out, ob, ob + w, 0L);
                    for (int l = 0, row = base; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) out[ob + j] += x[row + j];
                    }
                    break;
                case ReduceOp.PROD:
                    Arrays.fill(out, ob, ob + w, 1L);
                    for (int l = 0, row = base; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) out[ob + j] *= x[row + j];
                    }
                    break;
                case ReduceOp.MAX:
                    for (int j = 0; j < w; j++) out[ob + j] = x[base + j];
                    for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) out[ob + j] = Math.max(out[ob + j], x[row + j]);
                    }
                    break;
                case ReduceOp.MIN:
                    for (int j = 0; j < w; j++) out[ob + j] = x[base + j];
                    for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                        for (int j = 0; j < w; j++) out[ob + j] = Math.min(out[ob + j], x[row + j]);
                    }
                    break;
                default:
                    throw new AssertionError(op);
            }
        }
    }

    private static long row(int op, long[] x, int off, int len) {
        int chunks = ReducePlan.chunks(len);
        long[] part = new long[chunks];
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
        return combine(op, part);
    }

    static long sum(long[] x, int off, int n) {
        long s = 0;
        for (int i = 0; i < n; i++) s += x[off + i];
        return s;
    }

    static long prod(long[] x, int off, int n) {
        long p = 1;
        for (int i = 0; i < n; i++) p *= x[off + i];
        return p;
    }

    static long max(long[] x, int off, int n) {
        long m = x[off];
        for (int i = 1; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    static long min(long[] x, int off, int n) {
        long m = x[off];
        for (int i = 1; i < n; i++) m = Math.min(m, x[off + i]);
        return m;
    }

    /** First index of the maximum (or minimum) along len; also the value when out != null. */
    static void argReduce(boolean max, long[] x, int xOff, int outer, int len, int inner, long[] out, int outOff,
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

    private static void argBlock(boolean max, long[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            long[] out, int outOff, long[] idx, int idxOff) {
        if (inner == 1) {
            for (int o = oLo; o < oHi; o++) {
                int base = xOff + o * len, j = max ? argMax(x, base, len) : argMin(x, base, len);
                idx[idxOff + o] = j;
                if (out != null) out[outOff + o] = x[base + j];
            }
            return;
        }
        int w = iHi - iLo;
        long[] b = out != null ? out : new long[w];
        for (int o = oLo; o < oHi; o++) {
            int base = xOff + o * len * inner + iLo, ib = idxOff + o * inner + iLo;
            int bb = out != null ? outOff + o * inner + iLo : 0;
            System.arraycopy(x, base, b, bb, w);
            Arrays.fill(idx, ib, ib + w, 0L);
            if (max) {
                for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) {
                        if (x[row + j] > b[bb + j]) {
                            b[bb + j] = x[row + j];
                            idx[ib + j] = l;
                        }
                    }
                }
            } else {
                for (int l = 1, row = base + inner; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) {
                        if (x[row + j] < b[bb + j]) {
                            b[bb + j] = x[row + j];
                            idx[ib + j] = l;
                        }
                    }
                }
            }
        }
    }

    private static int argRow(boolean max, long[] x, int off, int len) {
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
            long v = x[off + part[c]], cur = x[off + j];
            if (max ? v > cur : v < cur) {
                j = part[c];
            }
        }
        return j;
    }

    static int argMax(long[] x, int off, int n) {
        long b = x[off];
        int bi = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > b) {
                b = x[off + i];
                bi = i;
            }
        }
        return bi;
    }

    static int argMin(long[] x, int off, int n) {
        long b = x[off];
        int bi = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] < b) {
                b = x[off + i];
                bi = i;
            }
        }
        return bi;
    }

    // ---------------------------------------------------------------------------- boolean

    /** SUM counts the trues; PROD is 1 when all are true, else 0. */
    static void reduce(int op, boolean[] x, int xOff, int outer, int len, int inner, long[] out, int outOff) {
        if (ReducePlan.serial(outer, len, inner)) {
            countBlock(op, x, xOff, 0, outer, len, inner, 0, inner, out, outOff);
        } else {
            ReducePlan.split(outer, len, inner,
                    (oLo, oHi, iLo, iHi) -> countBlock(op, x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff),
                    o -> out[outOff + o] = row(op, x, xOff + o * len, len));
        }
    }

    /** MAX is any, MIN is all (an empty reduction gives false and true). */
    static void reduce(int op, boolean[] x, int xOff, int outer, int len, int inner, boolean[] out, int outOff) {
        if (ReducePlan.serial(outer, len, inner)) {
            anyAllBlock(op, x, xOff, 0, outer, len, inner, 0, inner, out, outOff);
        } else {
            ReducePlan.split(outer, len, inner,
                    (oLo, oHi, iLo, iHi) -> anyAllBlock(op, x, xOff, oLo, oHi, len, inner, iLo, iHi, out, outOff),
                    o -> out[outOff + o] = row(op, x, xOff + o * len, len) != 0);
        }
    }

    private static void countBlock(int op, boolean[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            long[] out, int outOff) {
        boolean isSum = op == ReduceOp.SUM;
        if (inner == 1) {
            if (isSum) {
                for (int o = oLo; o < oHi; o++) out[outOff + o] = count(x, xOff + o * len, len);
            } else {
                for (int o = oLo; o < oHi; o++) out[outOff + o] = all(x, xOff + o * len, len) ? 1 : 0;
            }
            return;
        }
        int w = iHi - iLo;
        for (int o = oLo; o < oHi; o++) {
            int base = xOff + o * len * inner + iLo, ob = outOff + o * inner + iLo;
            Arrays.fill(out, ob, ob + w, isSum ? 0L : 1L);
            if (isSum) {
                for (int l = 0, row = base; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) out[ob + j] += x[row + j] ? 1 : 0;
                }
            } else {
                for (int l = 0, row = base; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) out[ob + j] &= x[row + j] ? 1 : 0;
                }
            }
        }
    }

    private static void anyAllBlock(int op, boolean[] x, int xOff, int oLo, int oHi, int len, int inner, int iLo, int iHi,
            boolean[] out, int outOff) {
        boolean isAny = op == ReduceOp.MAX;
        if (inner == 1) {
            if (isAny) {
                for (int o = oLo; o < oHi; o++) out[outOff + o] = any(x, xOff + o * len, len);
            } else {
                for (int o = oLo; o < oHi; o++) out[outOff + o] = all(x, xOff + o * len, len);
            }
            return;
        }
        int w = iHi - iLo;
        for (int o = oLo; o < oHi; o++) {
            int base = xOff + o * len * inner + iLo, ob = outOff + o * inner + iLo;
            Arrays.fill(out, ob, ob + w, !isAny);
            if (isAny) {
                for (int l = 0, row = base; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) out[ob + j] |= x[row + j];
                }
            } else {
                for (int l = 0, row = base; l < len; l++, row += inner) {
                    for (int j = 0; j < w; j++) out[ob + j] &= x[row + j];
                }
            }
        }
    }

    /** A long boolean row by pieces: the count for SUM, else 1/0 for all (PROD, MIN) or any (MAX). */
    private static long row(int op, boolean[] x, int off, int len) {
        int chunks = ReducePlan.chunks(len);
        long[] part = new long[chunks];
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
                int s = ReducePlan.chunkStart(c, chunks, len), n = ReducePlan.chunkStart(c + 1, chunks, len) - s;
                part[c] = op == ReduceOp.SUM ? count(x, off + s, n)
                        : op == ReduceOp.MAX ? (any(x, off + s, n) ? 1 : 0) : (all(x, off + s, n) ? 1 : 0);
            }
        });
        return combine(op == ReduceOp.PROD ? ReduceOp.MIN : op, part);
    }

    static long count(boolean[] x, int off, int n) {
        long c = 0;
        for (int i = 0; i < n; i++) c += x[off + i] ? 1 : 0;
        return c;
    }

    static boolean any(boolean[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            if (x[off + i]) return true;
        }
        return false;
    }

    static boolean all(boolean[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            if (!x[off + i]) return false;
        }
        return true;
    }

    private static long combine(int op, long[] part) {
        long r = part[0];
        for (int c = 1; c < part.length; c++) {
            switch (op) {
                case ReduceOp.SUM: r += part[c]; break;
                case ReduceOp.PROD: r *= part[c]; break;
                case ReduceOp.MAX: r = Math.max(r, part[c]); break;
                default: r = Math.min(r, part[c]); break;
            }
        }
        return r;
    }
}
