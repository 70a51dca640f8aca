// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/IndexKernels.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

/**
 * Index loops of the CPU back end: gather/scatter along one dim, row selection and
 * accumulation, mask and nonzero scans. Storage arrays are {@code float[]}, {@code double[]},
 * {@code int[]}, {@code long[]} or {@code boolean[]}; indices are {@code long[]}.
 *
 * <p>Every kernel dispatches on the element type once and then runs a monomorphic loop. The
 * kernels trust their indices: callers validate them first (see {@link #firstOutOfRange}) so
 * that a bad index is reported with the op, the value, the dim and its size rather than as an
 * {@code ArrayIndexOutOfBoundsException} from in here.
 *
 * <p>Layouts. "Select" kernels read and write contiguous {@code [outer, len, inner]} blocks.
 * Gather and scatter address a strided tensor through precomputed offset tables: for an index
 * tensor of shape {@code [outer..., n, inner...]} (flattened to {@code [outer, n, inner]}), the
 * element at {@code (o, j, i)} lives at {@code outerOff[o] + k * dimStride + innerOff[i]}, where
 * {@code k} is {@code j} or the index value. Offset tables make index shapes smaller than the
 * indexed tensor (which gather and scatter allow) and non-contiguous operands cost nothing extra.
 *
 * <pre>{@code
 * float[] src = {10, 11, 12, 20, 21, 22};            // [2, 3]
 * float[] out = new float[4];                        // [2, 2]
 * IndexKernels.indexSelect(src, 0, 2, 3, 1, new long[] {2, 0}, 0, 2, out);
 * // out = {12, 10, 22, 20}
 * }</pre>
 */
public final class IndexKernels {
    private IndexKernels() {
    }

    /** Elements per parallel chunk: index loops are memory-bound. */
    private static final int GRAIN = 1 << 15;

    // ------------------------------------------------------------------ validation

    /**
     * Position (relative to {@code off}) of the first of {@code idx[off .. off+n)} outside
     * {@code [0, size)}, or outside {@code [-size, size)} when {@code allowNegative}; -1 when all
     * are in range.
     */
    public static int firstOutOfRange(long[] idx, int off, int n, long size, boolean allowNegative) {
        long lo = allowNegative ? -size : 0;
        for (int k = 0; k < n; k++) {
            long v = idx[off + k];
            if (v < lo || v >= size) {
                return k;
            }
        }
        return -1;
    }

    /** Copies {@code idx[off .. off+n)} into a new array with negative values shifted up by {@code size}. */
    public static long[] wrapNegative(long[] idx, int off, int n, long size) {
        long[] out = new long[n];
        for (int k = 0; k < n; k++) {
            long v = idx[off + k];
            out[k] = v < 0 ? v + size : v;
        }
        return out;
    }

    // ------------------------------------------------------------------ select rows

    /**
     * {@code out[o, j, i] = src[o, idx[j], i]} for contiguous {@code src} of shape
     * {@code [outer, srcLen, inner]} at {@code srcOff} and contiguous {@code out} of shape
     * {@code [outer, n, inner]}. The backbone of indexSelect, take, embedding and integer indexing.
     */
    public static void indexSelect(Object src, int srcOff, int outer, int srcLen, int inner, long[] idx, int idxOff,
                                   int n, Object out) {
        if (outer == 0 || n == 0 || inner == 0) {
            return;
        }
        int grain = Math.max(1, GRAIN / Math.max(1, n * inner));
        if (inner >= 16) {
            // Whole rows: System.arraycopy is type-generic and as fast as it gets.
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = srcOff + o * srcLen * inner;
                    int t = o * n * inner;
                    for (int j = 0; j < n; j++, t += inner) {
                        System.arraycopy(src, s + (int) idx[idxOff + j] * inner, out, t, inner);
                    }
                }
            });
            return;
        }
        if (src instanceof float[] a) {
            float[] b = (float[]) out;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = srcOff + o * srcLen * inner;
                    int t = o * n * inner;
                    for (int j = 0; j < n; j++) {
                        int r = s + (int) idx[idxOff + j] * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t++] = a[r + i];
                        }
                    }
                }
            });
        } else if (src instanceof double[] a) {
            double[] b = (double[]) out;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = srcOff + o * srcLen * inner;
                    int t = o * n * inner;
                    for (int j = 0; j < n; j++) {
                        int r = s + (int) idx[idxOff + j] * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t++] = a[r + i];
                        }
                    }
                }
            });
        } else if (src instanceof int[] a) {
            int[] b = (int[]) out;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = srcOff + o * srcLen * inner;
                    int t = o * n * inner;
                    for (int j = 0; j < n; j++) {
                        int r = s + (int) idx[idxOff + j] * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t++] = a[r + i];
                        }
                    }
                }
            });
        } else if (src instanceof long[] a) {
            long[] b = (long[]) out;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = srcOff + o * srcLen * inner;
                    int t = o * n * inner;
                    for (int j = 0; j < n; j++) {
                        int r = s + (int) idx[idxOff + j] * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t++] = a[r + i];
                        }
                    }
                }
            });
        } else {
            boolean[] a = (boolean[]) src;
            boolean[] b = (boolean[]) out;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = srcOff + o * srcLen * inner;
                    int t = o * n * inner;
                    for (int j = 0; j < n; j++) {
                        int r = s + (int) idx[idxOff + j] * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t++] = a[r + i];
                        }
                    }
                }
            });
        }
    }

    /**
     * {@code out[o, idx[j], i] += alpha * source[o, j, i]} for contiguous {@code out} of shape
     * {@code [outer, len, inner]} and contiguous {@code source} of shape {@code [outer, n, inner]}
     * at {@code sourceOff}. Duplicate indices accumulate, in order of {@code j}. Numeric arrays
     * only; for integer arrays {@code alpha} is used as a whole number.
     */
    public static void indexAdd(Object out, int outer, int len, int inner, long[] idx, int idxOff, int n, Object source,
                                int sourceOff, double alpha) {
        if (outer == 0 || n == 0 || inner == 0) {
            return;
        }
        // Different outer rows touch disjoint parts of out, so they can run in parallel.
        int grain = Math.max(1, GRAIN / Math.max(1, n * inner));
        if (out instanceof float[] b) {
            float[] a = (float[]) source;
            float al = (float) alpha;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = sourceOff + o * n * inner;
                    for (int j = 0; j < n; j++, s += inner) {
                        int t = (o * len + (int) idx[idxOff + j]) * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t + i] += al * a[s + i];
                        }
                    }
                }
            });
        } else if (out instanceof double[] b) {
            double[] a = (double[]) source;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = sourceOff + o * n * inner;
                    for (int j = 0; j < n; j++, s += inner) {
                        int t = (o * len + (int) idx[idxOff + j]) * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t + i] += alpha * a[s + i];
                        }
                    }
                }
            });
        } else if (out instanceof int[] b) {
            int[] a = (int[]) source;
            int al = (int) alpha;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = sourceOff + o * n * inner;
                    for (int j = 0; j < n; j++, s += inner) {
                        int t = (o * len + (int) idx[idxOff + j]) * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t + i] += al * a[s + i];
                        }
                    }
                }
            });
        } else if (out instanceof long[] b) {
            long[] a = (long[]) source;
            long al = (long) alpha;
            Parallel.forRange(outer, grain, (lo, hi) -> {
                for (int o = lo; o < hi; o++) {
                    int s = sourceOff + o * n * inner;
                    for (int j = 0; j < n; j++, s += inner) {
                        int t = (o * len + (int) idx[idxOff + j]) * inner;
                        for (int i = 0; i < inner; i++) {
                            b[t + i] += al * a[s + i];
                        }
                    }
                }
            });
        } else {
            throw new IllegalArgumentException("indexAdd: not defined for " + out.getClass().getSimpleName() + " storage");
        }
    }

    // ------------------------------------------------------------------ gather and scatter

    /**
     * {@code out[o, j, i] = src[srcOuter[o] + idx[o, j, i] * srcDimStride + srcInner[i]]}, with
     * {@code idx} and {@code out} contiguous of shape {@code [srcOuter.length, n, srcInner.length]}.
     * Work under one grain runs here without a lambda (and so without allocating), as
     * {@link Parallel#forRange} would run it.
     */
    public static void gather(Object src, int[] srcOuter, int srcDimStride, int[] srcInner, long[] idx, int idxOff,
                              int n, Object out) {
        int outer = srcOuter.length;
        int inner = srcInner.length;
        if (outer == 0 || n == 0 || inner == 0) {
            return;
        }
        int grain = Math.max(1, GRAIN / Math.max(1, n * inner));
        boolean serial = Parallel.serial(outer, grain);
        if (src instanceof float[] a) {
            float[] b = (float[]) out;
            if (serial) {
                gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff,
                        n, b, lo, hi));
            }
        } else if (src instanceof double[] a) {
            double[] b = (double[]) out;
            if (serial) {
                gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff,
                        n, b, lo, hi));
            }
        } else if (src instanceof int[] a) {
            int[] b = (int[]) out;
            if (serial) {
                gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff,
                        n, b, lo, hi));
            }
        } else if (src instanceof long[] a) {
            long[] b = (long[]) out;
            if (serial) {
                gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff,
                        n, b, lo, hi));
            }
        } else {
            boolean[] a = (boolean[]) src;
            boolean[] b = (boolean[]) out;
            if (serial) {
                gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> gatherRows(a, srcOuter, srcDimStride, srcInner, idx, idxOff,
                        n, b, lo, hi));
            }
        }
    }

    private static void gatherRows(float[] a, int[] srcOuter, int srcDimStride, int[] srcInner, long[] idx, int idxOff,
                                   int n, float[] b, int lo, int hi) {
        int inner = srcInner.length;
        for (int o = lo; o < hi; o++) {
            int base = srcOuter[o];
            for (int k = o * n * inner, j = 0; j < n; j++) {
                for (int i = 0; i < inner; i++, k++) {
                    b[k] = a[base + (int) idx[idxOff + k] * srcDimStride + srcInner[i]];
                }
            }
        }
    }

    private static void gatherRows(double[] a, int[] srcOuter, int srcDimStride, int[] srcInner, long[] idx, int idxOff,
                                   int n, double[] b, int lo, int hi) {
        int inner = srcInner.length;
        for (int o = lo; o < hi; o++) {
            int base = srcOuter[o];
            for (int k = o * n * inner, j = 0; j < n; j++) {
                for (int i = 0; i < inner; i++, k++) {
                    b[k] = a[base + (int) idx[idxOff + k] * srcDimStride + srcInner[i]];
                }
            }
        }
    }

    private static void gatherRows(int[] a, int[] srcOuter, int srcDimStride, int[] srcInner, long[] idx, int idxOff,
                                   int n, int[] b, int lo, int hi) {
        int inner = srcInner.length;
        for (int o = lo; o < hi; o++) {
            int base = srcOuter[o];
            for (int k = o * n * inner, j = 0; j < n; j++) {
                for (int i = 0; i < inner; i++, k++) {
                    b[k] = a[base + (int) idx[idxOff + k] * srcDimStride + srcInner[i]];
                }
            }
        }
    }

    private static void gatherRows(long[] a, int[] srcOuter, int srcDimStride, int[] srcInner, long[] idx, int idxOff,
                                   int n, long[] b, int lo, int hi) {
        int inner = srcInner.length;
        for (int o = lo; o < hi; o++) {
            int base = srcOuter[o];
            for (int k = o * n * inner, j = 0; j < n; j++) {
                for (int i = 0; i < inner; i++, k++) {
                    b[k] = a[base + (int) idx[idxOff + k] * srcDimStride + srcInner[i]];
                }
            }
        }
    }

    private static void gatherRows(boolean[] a, int[] srcOuter, int srcDimStride, int[] srcInner, long[] idx, int idxOff,
                                   int n, boolean[] b, int lo, int hi) {
        int inner = srcInner.length;
        for (int o = lo; o < hi; o++) {
            int base = srcOuter[o];
            for (int k = o * n * inner, j = 0; j < n; j++) {
                for (int i = 0; i < inner; i++, k++) {
                    b[k] = a[base + (int) idx[idxOff + k] * srcDimStride + srcInner[i]];
                }
            }
        }
    }

    /**
     * For {@code idx} contiguous of shape {@code [outer, n, inner]} (outer = {@code outOuter.length},
     * inner = {@code outInner.length}): writes (or, when {@code accumulate}, adds)
     * {@code src[srcOuter[o] + j * srcDimStride + srcInner[i]]} into
     * {@code out[outOuter[o] + idx[o, j, i] * outDimStride + outInner[i]]}. With duplicate indices
     * the last {@code j} wins (plain scatter) or all contributions add up, in order of {@code j}.
     * {@code src} and {@code out} hold the same element type; accumulation needs a numeric one.
     * Work under one grain runs here without a lambda, as {@link #gather}'s does.
     */
    public static void scatter(boolean accumulate, Object src, int[] srcOuter, int srcDimStride, int[] srcInner,
                               long[] idx, int idxOff, int n, Object out, int[] outOuter, int outDimStride,
                               int[] outInner) {
        int outer = outOuter.length;
        int inner = outInner.length;
        if (outer == 0 || n == 0 || inner == 0) {
            return;
        }
        // Distinct o (and i) address distinct positions of out in every dim but `dim`, so
        // splitting over o never lets two threads write the same element.
        int grain = Math.max(1, GRAIN / Math.max(1, n * inner));
        boolean serial = Parallel.serial(outer, grain);
        if (src instanceof float[] a) {
            float[] b = (float[]) out;
            if (serial) {
                scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, outOuter, outDimStride,
                        outInner, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner,
                        idx, idxOff, n, b, outOuter, outDimStride, outInner, lo, hi));
            }
        } else if (src instanceof double[] a) {
            double[] b = (double[]) out;
            if (serial) {
                scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, outOuter, outDimStride,
                        outInner, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner,
                        idx, idxOff, n, b, outOuter, outDimStride, outInner, lo, hi));
            }
        } else if (src instanceof int[] a) {
            int[] b = (int[]) out;
            if (serial) {
                scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, outOuter, outDimStride,
                        outInner, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner,
                        idx, idxOff, n, b, outOuter, outDimStride, outInner, lo, hi));
            }
        } else if (src instanceof long[] a) {
            long[] b = (long[]) out;
            if (serial) {
                scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, outOuter, outDimStride,
                        outInner, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner,
                        idx, idxOff, n, b, outOuter, outDimStride, outInner, lo, hi));
            }
        } else {
            if (accumulate) {
                throw new IllegalArgumentException("scatterAdd: not defined for boolean storage");
            }
            boolean[] a = (boolean[]) src;
            boolean[] b = (boolean[]) out;
            if (serial) {
                scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner, idx, idxOff, n, b, outOuter, outDimStride,
                        outInner, 0, outer);
            } else {
                Parallel.forRange(outer, grain, (lo, hi) -> scatterRows(accumulate, a, srcOuter, srcDimStride, srcInner,
                        idx, idxOff, n, b, outOuter, outDimStride, outInner, lo, hi));
            }
        }
    }

    private static void scatterRows(boolean accumulate, float[] a, int[] srcOuter, int srcDimStride, int[] srcInner,
                                    long[] idx, int idxOff, int n, float[] b, int[] outOuter, int outDimStride,
                                    int[] outInner, int lo, int hi) {
        int inner = outInner.length;
        if (accumulate && inner == 1) {
            // Scatter-add along the last dim (max-pool backward adds each window's gradient
            // at its argmax): one flat loop per row instead of a one-trip inner loop.
            int si = srcInner[0];
            int ti = outInner[0];
            for (int o = lo; o < hi; o++) {
                int s = srcOuter[o] + si;
                int t = outOuter[o] + ti;
                int k = idxOff + o * n;
                for (int j = 0; j < n; j++) {
                    b[t + (int) idx[k + j] * outDimStride] += a[s + j * srcDimStride];
                }
            }
            return;
        }
        for (int o = lo; o < hi; o++) {
            for (int k = o * n * inner, j = 0; j < n; j++) {
                int s = srcOuter[o] + j * srcDimStride;
                for (int i = 0; i < inner; i++, k++) {
                    int t = outOuter[o] + (int) idx[idxOff + k] * outDimStride + outInner[i];
                    b[t] = accumulate ? b[t] + a[s + srcInner[i]] : a[s + srcInner[i]];
                }
            }
        }
    }

    private static void scatterRows(boolean accumulate, double[] a, int[] srcOuter, int srcDimStride, int[] srcInner,
                                    long[] idx, int idxOff, int n, double[] b, int[] outOuter, int outDimStride,
                                    int[] outInner, int lo, int hi) {
        int inner = outInner.length;
        if (accumulate && inner == 1) {
            // Scatter-add along the last dim (max-pool backward adds each window's gradient
            // at its argmax): one flat loop per row instead of a one-trip inner loop.
            int si = srcInner[0];
            int ti = outInner[0];
            for (int o = lo; o < hi; o++) {
                int s = srcOuter[o] + si;
                int t = outOuter[o] + ti;
                int k = idxOff + o * n;
                for (int j = 0; j < n; j++) {
                    b[t + (int) idx[k + j] * outDimStride] += a[s + j * srcDimStride];
                }
            }
            return;
        }
        for (int o = lo; o < hi; o++) {
            for (int k = o * n * inner, j = 0; j < n; j++) {
                int s = srcOuter[o] + j * srcDimStride;
                for (int i = 0; i < inner; i++, k++) {
                    int t = outOuter[o] + (int) idx[idxOff + k] * outDimStride + outInner[i];
                    b[t] = accumulate ? b[t] + a[s + srcInner[i]] : a[s + srcInner[i]];
                }
            }
        }
    }

    private static void scatterRows(boolean accumulate, int[] a, int[] srcOuter, int srcDimStride, int[] srcInner,
                                    long[] idx, int idxOff, int n, int[] b, int[] outOuter, int outDimStride,
                                    int[] outInner, int lo, int hi) {
        int inner = outInner.length;
        for (int o = lo; o < hi; o++) {
            for (int k = o * n * inner, j = 0; j < n; j++) {
                int s = srcOuter[o] + j * srcDimStride;
                for (int i = 0; i < inner; i++, k++) {
                    int t = outOuter[o] + (int) idx[idxOff + k] * outDimStride + outInner[i];
                    b[t] = accumulate ? b[t] + a[s + srcInner[i]] : a[s + srcInner[i]];
                }
            }
        }
    }

    private static void scatterRows(boolean accumulate, long[] a, int[] srcOuter, int srcDimStride, int[] srcInner,
                                    long[] idx, int idxOff, int n, long[] b, int[] outOuter, int outDimStride,
                                    int[] outInner, int lo, int hi) {
        int inner = outInner.length;
        for (int o = lo; o < hi; o++) {
            for (int k = o * n * inner, j = 0; j < n; j++) {
                int s = srcOuter[o] + j * srcDimStride;
                for (int i = 0; i < inner; i++, k++) {
                    int t = outOuter[o] + (int) idx[idxOff + k] * outDimStride + outInner[i];
                    b[t] = accumulate ? b[t] + a[s + srcInner[i]] : a[s + srcInner[i]];
                }
            }
        }
    }

    private static void scatterRows(boolean accumulate, boolean[] a, int[] srcOuter, int srcDimStride, int[] srcInner,
                                    long[] idx, int idxOff, int n, boolean[] b, int[] outOuter, int outDimStride,
                                    int[] outInner, int lo, int hi) {
        int inner = outInner.length;
        for (int o = lo; o < hi; o++) {
            for (int k = o * n * inner, j = 0; j < n; j++) {
                int s = srcOuter[o] + j * srcDimStride;
                for (int i = 0; i < inner; i++, k++) {
                    int t = outOuter[o] + (int) idx[idxOff + k] * outDimStride + outInner[i];
                    b[t] = a[s + srcInner[i]];
                }
            }
        }
    }

    // ------------------------------------------------------------------ scans

    /** Positions {@code k} in {@code [0, n)} where {@code data[off + k]} is nonzero (true, or NaN for floats), ascending. */
    public static long[] nonzeroPositions(Object data, int off, int n) {
        int count = 0;
        long[] pos;
        if (data instanceof float[] a) {
            for (int k = 0; k < n; k++) {
                count += a[off + k] != 0f ? 1 : 0;
            }
            pos = new long[count];
            for (int k = 0, c = 0; c < count; k++) {
                if (a[off + k] != 0f) {
                    pos[c++] = k;
                }
            }
        } else if (data instanceof double[] a) {
            for (int k = 0; k < n; k++) {
                count += a[off + k] != 0.0 ? 1 : 0;
            }
            pos = new long[count];
            for (int k = 0, c = 0; c < count; k++) {
                if (a[off + k] != 0.0) {
                    pos[c++] = k;
                }
            }
        } else if (data instanceof int[] a) {
            for (int k = 0; k < n; k++) {
                count += a[off + k] != 0 ? 1 : 0;
            }
            pos = new long[count];
            for (int k = 0, c = 0; c < count; k++) {
                if (a[off + k] != 0) {
                    pos[c++] = k;
                }
            }
        } else if (data instanceof long[] a) {
            for (int k = 0; k < n; k++) {
                count += a[off + k] != 0 ? 1 : 0;
            }
            pos = new long[count];
            for (int k = 0, c = 0; c < count; k++) {
                if (a[off + k] != 0) {
                    pos[c++] = k;
                }
            }
        } else {
            boolean[] a = (boolean[]) data;
            for (int k = 0; k < n; k++) {
                count += a[off + k] ? 1 : 0;
            }
            pos = new long[count];
            for (int k = 0, c = 0; c < count; k++) {
                if (a[off + k]) {
                    pos[c++] = k;
                }
            }
        }
        return pos;
    }

    /** {@code out[k * classes + idx[off + k]] = 1} for {@code k < n}; {@code out} must start zeroed. */
    public static void oneHot(long[] idx, int off, int n, int classes, long[] out) {
        for (int k = 0; k < n; k++) {
            out[k * classes + (int) idx[off + k]] = 1;
        }
    }
}
