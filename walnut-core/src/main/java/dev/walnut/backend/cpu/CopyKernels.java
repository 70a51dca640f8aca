// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/CopyKernels.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * Strided N-d copy and fill with dtype conversion, over the storage arrays of the CPU back end
 * ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]}, {@code boolean[]}).
 *
 * <p>This is the kernel behind {@code contiguous()}, {@code clone()}, {@code copy_()},
 * {@code to(dtype)} and materialising broadcasts. Conversions follow PyTorch's {@code .to()}:
 * floating to integer truncates toward zero (Java's saturating cast: NaN becomes 0, ±inf and
 * out-of-range values the type's MIN/MAX; PyTorch leaves those undefined), {@code long} to
 * {@code int} wraps, {@code bool} to a number is 0/1 and a number to {@code bool} is
 * {@code x != 0} (so NaN is true and -0.0 is false).
 *
 * <pre>{@code
 * float[] m = {1f, 2f, 3f, 4f, 5f, 6f};   // a 2x3 matrix
 * double[] t = new double[6];             // its 3x2 transpose, as float64
 * CopyKernels.copy(m, 0, new int[] {3, 2}, new int[] {1, 3}, t, 0, new int[] {2, 1});
 * // t = {1, 4, 2, 5, 3, 6}
 * CopyKernels.fill(t, 0, new int[] {3}, new int[] {2}, -1.0);   // column 0 := -1
 * }</pre>
 *
 * <p>How a copy runs: dimensions of size 1 are dropped and neighbours that are contiguous with
 * each other in both source and destination are merged (most views become 1-d or 2-d). A 1-d
 * result is one run, a {@code System.arraycopy} when the types match and both strides are 1.
 * Otherwise an odometer walks the outer indices and a typed loop copies each innermost row;
 * the conversion is chosen once per row, never per element. Large copies split their rows (or
 * their single run) across {@link Parallel}. Source and destination must not overlap unless
 * they are the same elements.
 */
public final class CopyKernels {
    private CopyKernels() {
    }

    /** Elements per parallel chunk: copies are memory-bound and cheap per element. */
    static final int GRAIN = 1 << 16;

    private static final int F = 0, D = 1, I = 2, L = 3, B = 4;

    /**
     * Copies the N-d strided view ({@code shape}, {@code srcStrides}, {@code srcOff}) of
     * {@code src} into {@code dst} at the positions ({@code dstStrides}, {@code dstOff}),
     * converting between element types as described on the class. An empty {@code shape} is a
     * 0-d copy of one element; a zero-size dimension copies nothing. Strides are in elements and
     * may be 0 (broadcast).
     *
     * @throws IllegalArgumentException if an array is not one of the five storage types, the
     *     stride arrays do not match {@code shape} in length, or a size is negative
     */
    public static void copy(Object src, int srcOff, int[] shape, int[] srcStrides, Object dst, int dstOff, int[] dstStrides) {
        int pair = typeCode(src, "source") * 5 + typeCode(dst, "destination");
        if (srcStrides.length != shape.length || dstStrides.length != shape.length) {
            throw new IllegalArgumentException("copy: shape has " + shape.length + " dims but the strides have "
                    + srcStrides.length + " (source) and " + dstStrides.length + " (destination)");
        }
        int nd = Math.max(1, shape.length);
        Scratch scratch = SCRATCH.get();
        int[] sh = scratch.sh(nd), ss = scratch.ss, ds = scratch.ds;
        int k = collapse(shape, srcStrides, dstStrides, sh, ss, ds);
        if (k == 0) {
            return;
        }
        long total = 1;
        for (int d = 0; d < k; d++) {
            total *= sh[d];
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("copy: " + total + " elements is more than an array can hold");
        }
        if (k == 1) {
            int n = sh[0], s = ss[0], t = ds[0];
            if (n <= GRAIN) {
                run(pair, src, srcOff, s, dst, dstOff, t, n);
            } else {
                Parallel.forRange(n, GRAIN, (lo, hi) -> run(pair, src, srcOff + lo * s, s, dst, dstOff + lo * t, t, hi - lo));
            }
            return;
        }
        if ((pair == F * 5 + F || pair == D * 5 + D) && phasePairs(src, srcOff, dst, dstOff, sh, ss, ds, k, total)) {
            return;
        }
        int rows = (int) (total / sh[k - 1]);
        if (total <= GRAIN) {
            rows(pair, src, srcOff, dst, dstOff, sh, ss, ds, k, 0, rows);
        } else {
            int grainRows = Math.max(1, GRAIN / sh[k - 1]);
            Parallel.forRange(rows, grainRows, (lo, hi) -> rows(pair, src, srcOff, dst, dstOff, sh, ss, ds, k, lo, hi));
        }
    }

    /**
     * Writes {@code value}, converted to the destination type as {@link #copy} converts a
     * {@code double}, at every position of the strided view ({@code shape}, {@code dstStrides},
     * {@code dstOff}) of {@code dst}.
     */
    public static void fill(Object dst, int dstOff, int[] shape, int[] dstStrides, double value) {
        copy(new double[] {value}, 0, shape, new int[shape.length], dst, dstOff, dstStrides);
    }

    /**
     * {@link #fill(Object, int, int[], int[], double)} for an exact 64-bit integer value (a
     * {@code double} cannot hold every {@code long}).
     */
    public static void fill(Object dst, int dstOff, int[] shape, int[] dstStrides, long value) {
        copy(new long[] {value}, 0, shape, new int[shape.length], dst, dstOff, dstStrides);
    }

    /**
     * Drops size-1 dims and merges neighbours contiguous with each other in both layouts.
     * Returns the number of dims left in {@code sh/ss/ds} (at least 1), or 0 when the view is empty.
     */
    static int collapse(int[] shape, int[] srcStrides, int[] dstStrides, int[] sh, int[] ss, int[] ds) {
        int k = 0;
        for (int d = 0; d < shape.length; d++) {
            int n = shape[d];
            if (n < 0) {
                throw new IllegalArgumentException("copy: negative size " + n + " in dim " + d);
            }
            if (n == 0) {
                return 0;
            }
            if (n == 1) {
                continue;
            }
            // Outer dim k-1 folds into dim d when stepping it once equals stepping d n times.
            if (k > 0 && ss[k - 1] == srcStrides[d] * n && ds[k - 1] == dstStrides[d] * n) {
                sh[k - 1] *= n;
                ss[k - 1] = srcStrides[d];
                ds[k - 1] = dstStrides[d];
            } else {
                sh[k] = n;
                ss[k] = srcStrides[d];
                ds[k] = dstStrides[d];
                k++;
            }
        }
        if (k == 0) {
            sh[0] = 1;
            ss[0] = 1;
            ds[0] = 1;
            k = 1;
        }
        return k;
    }

    /**
     * The space-to-depth copy of a stride-2 phase split ({@code x.reshape(.., h/2, 2, w/2, 2)
     * .permute(.., 3, 5, 2, 4)}): the innermost dim reads every other source element and another
     * dim of size 2 reads the ones in between. Row by row, each phase's pass read every source
     * cache line and used half of it, with a strided scalar loop; here both phases are copied in
     * one pass over the contiguous source run into their two destination rows (0.056 against
     * 0.13 ms for ResNet's [1, 3, 230, 230] stem input, one thread). Returns false, having done
     * nothing, for any other layout. Only the order of the element copies changes, not their bits.
     */
    private static boolean phasePairs(Object src, int srcOff, Object dst, int dstOff, int[] sh, int[] ss, int[] ds,
                                      int k, long total) {
        int in = k - 1;
        if (k < 3 || ss[in] != 2) {
            return false;
        }
        int e = -1;
        for (int d = 0; d < in; d++) {
            if (ss[d] == 1 && sh[d] == 2) {
                e = d;
            }
        }
        if (e < 0) {
            return false;
        }
        // The dims other than e and the innermost, walked by index (a few thousand runs at most
        // per call), in the thread's scratch arrays: a copy allocates nothing.
        int[] outer = SCRATCH.get().outer(3 * (k - 2));
        int no = 0;
        for (int d = 0; d < in; d++) {
            if (d != e) {
                outer[3 * no] = sh[d];
                outer[3 * no + 1] = ss[d];
                outer[3 * no + 2] = ds[d];
                no++;
            }
        }
        int n = sh[in];
        int runs = (int) (total / (2L * n));
        int dims = no;
        int phase = ds[e];
        int step = ds[in];
        if (total <= GRAIN) {
            phasePairRuns(src, srcOff, dst, dstOff, outer, dims, n, phase, step, 0, runs);
        } else {
            Parallel.forRange(runs, Math.max(1, GRAIN / (2 * n)),
                    (lo, hi) -> phasePairRuns(src, srcOff, dst, dstOff, outer, dims, n, phase, step, lo, hi));
        }
        return true;
    }

    /**
     * Runs {@code [lo, hi)} of {@link #phasePairs}: {@code outer} holds (size, source stride,
     * destination stride) of each of the {@code dims} other dims, and run {@code r} copies the
     * {@code 2n} source elements from its start to {@code n} elements {@code step} apart in the
     * destination, the odd ones {@code phase} after the even ones.
     */
    private static void phasePairRuns(Object src, int srcOff, Object dst, int dstOff, int[] outer, int dims, int n,
                                      int phase, int step, int lo, int hi) {
        for (int r = lo; r < hi; r++) {
            int so = srcOff;
            int dof = dstOff;
            for (int d = dims - 1, q = r; d >= 0; d--) {
                int i = q % outer[3 * d];
                q /= outer[3 * d];
                so += i * outer[3 * d + 1];
                dof += i * outer[3 * d + 2];
            }
            if (src instanceof float[] s) {
                float[] t = (float[]) dst;
                if (step == 1) {
                    // Indices the JIT can prove in bounds once per run: 1.8x faster than the general loop.
                    int d1 = dof + phase;
                    for (int j = 0; j < n; j++) {
                        t[dof + j] = s[so + 2 * j];
                        t[d1 + j] = s[so + 2 * j + 1];
                    }
                } else {
                    for (int j = 0, si = so, di = dof; j < n; j++, si += 2, di += step) {
                        t[di] = s[si];
                        t[di + phase] = s[si + 1];
                    }
                }
            } else {
                double[] s = (double[]) src;
                double[] t = (double[]) dst;
                if (step == 1) {
                    // Indices the JIT can prove in bounds once per run: 1.8x faster than the general loop.
                    int d1 = dof + phase;
                    for (int j = 0; j < n; j++) {
                        t[dof + j] = s[so + 2 * j];
                        t[d1 + j] = s[so + 2 * j + 1];
                    }
                } else {
                    for (int j = 0, si = so, di = dof; j < n; j++, si += 2, di += step) {
                        t[di] = s[si];
                        t[di + phase] = s[si + 1];
                    }
                }
            }
        }
    }

    /** Copies rows {@code [lo, hi)} of a k-d view (k >= 2), a row being the innermost dim. */
    private static void rows(int pair, Object src, int srcOff, Object dst, int dstOff, int[] sh, int[] ss, int[] ds,
            int k, int lo, int hi) {
        int outer = k - 1;
        int[] idx = SCRATCH.get().idx(outer);
        int so = srcOff, dof = dstOff;
        for (int d = outer - 1, r = lo; d >= 0; d--) {
            idx[d] = r % sh[d];
            r /= sh[d];
            so += idx[d] * ss[d];
            dof += idx[d] * ds[d];
        }
        int n = sh[outer], sIn = ss[outer], dIn = ds[outer];
        for (int row = lo; row < hi; row++) {
            run(pair, src, so, sIn, dst, dof, dIn, n);
            for (int d = outer - 1; d >= 0; d--) {
                if (++idx[d] < sh[d]) {
                    so += ss[d];
                    dof += ds[d];
                    break;
                }
                idx[d] = 0;
                so -= (sh[d] - 1) * ss[d];
                dof -= (sh[d] - 1) * ds[d];
            }
        }
    }

    /**
     * Each thread's arrays for {@link #copy}'s collapsed dims and {@link #rows}' odometer, grown on
     * demand: a copy allocates nothing (it runs for every clone and contiguous() in a compiled
     * graph). Only {@code collapse}'s first {@code k} entries and the odometer's first
     * {@code outer} are meaningful, so longer arrays are fine.
     */
    private static final class Scratch {
        int[] sh = new int[0];
        int[] ss = new int[0];
        int[] ds = new int[0];
        private int[] idx = new int[0];
        private int[] outer = new int[0];

        int[] sh(int nd) {
            if (sh.length < nd) {
                sh = new int[nd];
                ss = new int[nd];
                ds = new int[nd];
            }
            return sh;
        }

        /** {@link #phasePairs}' (size, stride, stride) triples of the dims it walks. */
        int[] outer(int n) {
            if (outer.length < n) {
                outer = new int[n];
            }
            return outer;
        }

        int[] idx(int outer) {
            if (idx.length < outer) {
                idx = new int[outer];
            }
            // The odometer starts from the row's position, which rows() writes for every dim first.
            return idx;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static int typeCode(Object array, String role) {
        if (array instanceof float[]) return F;
        if (array instanceof double[]) return D;
        if (array instanceof int[]) return I;
        if (array instanceof long[]) return L;
        if (array instanceof boolean[]) return B;
        throw new IllegalArgumentException("copy: the " + role + " must be a float[], double[], int[], long[] or boolean[], got "
                + (array == null ? "null" : array.getClass().getSimpleName()));
    }

    /** One run of {@code n} elements: the conversion is picked here, once, by the type pair. */
    private static void run(int pair, Object s, int so, int ss, Object d, int dOff, int ds, int n) {
        switch (pair) {
            case F * 5 + F: f2f((float[]) s, so, ss, (float[]) d, dOff, ds, n); return;
            case F * 5 + D: f2d((float[]) s, so, ss, (double[]) d, dOff, ds, n); return;
            case F * 5 + I: f2i((float[]) s, so, ss, (int[]) d, dOff, ds, n); return;
            case F * 5 + L: f2l((float[]) s, so, ss, (long[]) d, dOff, ds, n); return;
            case F * 5 + B: f2b((float[]) s, so, ss, (boolean[]) d, dOff, ds, n); return;
            case D * 5 + F: d2f((double[]) s, so, ss, (float[]) d, dOff, ds, n); return;
            case D * 5 + D: d2d((double[]) s, so, ss, (double[]) d, dOff, ds, n); return;
            case D * 5 + I: d2i((double[]) s, so, ss, (int[]) d, dOff, ds, n); return;
            case D * 5 + L: d2l((double[]) s, so, ss, (long[]) d, dOff, ds, n); return;
            case D * 5 + B: d2b((double[]) s, so, ss, (boolean[]) d, dOff, ds, n); return;
            case I * 5 + F: i2f((int[]) s, so, ss, (float[]) d, dOff, ds, n); return;
            case I * 5 + D: i2d((int[]) s, so, ss, (double[]) d, dOff, ds, n); return;
            case I * 5 + I: i2i((int[]) s, so, ss, (int[]) d, dOff, ds, n); return;
            case I * 5 + L: i2l((int[]) s, so, ss, (long[]) d, dOff, ds, n); return;
            case I * 5 + B: i2b((int[]) s, so, ss, (boolean[]) d, dOff, ds, n); return;
            case L * 5 + F: l2f((long[]) s, so, ss, (float[]) d, dOff, ds, n); return;
            case L * 5 + D: l2d((long[]) s, so, ss, (double[]) d, dOff, ds, n); return;
            case L * 5 + I: l2i((long[]) s, so, ss, (int[]) d, dOff, ds, n); return;
            case L * 5 + L: l2l((long[]) s, so, ss, (long[]) d, dOff, ds, n); return;
            case L * 5 + B: l2b((long[]) s, so, ss, (boolean[]) d, dOff, ds, n); return;
            case B * 5 + F: b2f((boolean[]) s, so, ss, (float[]) d, dOff, ds, n); return;
            case B * 5 + D: b2d((boolean[]) s, so, ss, (double[]) d, dOff, ds, n); return;
            case B * 5 + I: b2i((boolean[]) s, so, ss, (int[]) d, dOff, ds, n); return;
            case B * 5 + L: b2l((boolean[]) s, so, ss, (long[]) d, dOff, ds, n); return;
            case B * 5 + B: b2b((boolean[]) s, so, ss, (boolean[]) d, dOff, ds, n); return;
            default: throw new AssertionError(pair);
        }
    }

    private static void f2f(float[] s, int so, int ss, float[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so]);
        } else if (ss == 1 && ds == 1) {
            System.arraycopy(s, so, d, dOff, n);
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si];
        }
    }

    private static void f2d(float[] s, int so, int ss, double[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si];
        }
    }

    private static void f2i(float[] s, int so, int ss, int[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (int) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (int) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (int) s[si];
        }
    }

    private static void f2l(float[] s, int so, int ss, long[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (long) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (long) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (long) s[si];
        }
    }

    private static void f2b(float[] s, int so, int ss, boolean[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so] != 0);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i] != 0;
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si] != 0;
        }
    }

    private static void d2f(double[] s, int so, int ss, float[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (float) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (float) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (float) s[si];
        }
    }

    private static void d2d(double[] s, int so, int ss, double[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so]);
        } else if (ss == 1 && ds == 1) {
            System.arraycopy(s, so, d, dOff, n);
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si];
        }
    }

    private static void d2i(double[] s, int so, int ss, int[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (int) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (int) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (int) s[si];
        }
    }

    private static void d2l(double[] s, int so, int ss, long[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (long) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (long) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (long) s[si];
        }
    }

    private static void d2b(double[] s, int so, int ss, boolean[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so] != 0);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i] != 0;
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si] != 0;
        }
    }

    private static void i2f(int[] s, int so, int ss, float[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (float) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (float) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (float) s[si];
        }
    }

    private static void i2d(int[] s, int so, int ss, double[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si];
        }
    }

    private static void i2i(int[] s, int so, int ss, int[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so]);
        } else if (ss == 1 && ds == 1) {
            System.arraycopy(s, so, d, dOff, n);
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si];
        }
    }

    private static void i2l(int[] s, int so, int ss, long[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si];
        }
    }

    private static void i2b(int[] s, int so, int ss, boolean[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so] != 0);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i] != 0;
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si] != 0;
        }
    }

    private static void l2f(long[] s, int so, int ss, float[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (float) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (float) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (float) s[si];
        }
    }

    private static void l2d(long[] s, int so, int ss, double[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (double) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (double) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (double) s[si];
        }
    }

    private static void l2i(long[] s, int so, int ss, int[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, (int) s[so]);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = (int) s[so + i];
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = (int) s[si];
        }
    }

    private static void l2l(long[] s, int so, int ss, long[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so]);
        } else if (ss == 1 && ds == 1) {
            System.arraycopy(s, so, d, dOff, n);
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si];
        }
    }

    private static void l2b(long[] s, int so, int ss, boolean[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so] != 0);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i] != 0;
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si] != 0;
        }
    }

    private static void b2f(boolean[] s, int so, int ss, float[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so] ? 1f : 0f);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i] ? 1f : 0f;
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si] ? 1f : 0f;
        }
    }

    private static void b2d(boolean[] s, int so, int ss, double[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so] ? 1.0 : 0.0);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i] ? 1.0 : 0.0;
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si] ? 1.0 : 0.0;
        }
    }

    private static void b2i(boolean[] s, int so, int ss, int[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so] ? 1 : 0);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i] ? 1 : 0;
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si] ? 1 : 0;
        }
    }

    private static void b2l(boolean[] s, int so, int ss, long[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so] ? 1L : 0L);
        } else if (ss == 1 && ds == 1) {
            for (int i = 0; i < n; i++) d[dOff + i] = s[so + i] ? 1L : 0L;
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si] ? 1L : 0L;
        }
    }

    private static void b2b(boolean[] s, int so, int ss, boolean[] d, int dOff, int ds, int n) {
        if (ss == 0) {
            fill(d, dOff, ds, n, s[so]);
        } else if (ss == 1 && ds == 1) {
            System.arraycopy(s, so, d, dOff, n);
        } else {
            for (int i = 0, si = so, di = dOff; i < n; i++, si += ss, di += ds) d[di] = s[si];
        }
    }

    private static void fill(float[] d, int dOff, int ds, int n, float v) {
        if (ds == 1) {
            Arrays.fill(d, dOff, dOff + n, v);
        } else {
            for (int i = 0, di = dOff; i < n; i++, di += ds) d[di] = v;
        }
    }

    private static void fill(double[] d, int dOff, int ds, int n, double v) {
        if (ds == 1) {
            Arrays.fill(d, dOff, dOff + n, v);
        } else {
            for (int i = 0, di = dOff; i < n; i++, di += ds) d[di] = v;
        }
    }

    private static void fill(int[] d, int dOff, int ds, int n, int v) {
        if (ds == 1) {
            Arrays.fill(d, dOff, dOff + n, v);
        } else {
            for (int i = 0, di = dOff; i < n; i++, di += ds) d[di] = v;
        }
    }

    private static void fill(long[] d, int dOff, int ds, int n, long v) {
        if (ds == 1) {
            Arrays.fill(d, dOff, dOff + n, v);
        } else {
            for (int i = 0, di = dOff; i < n; i++, di += ds) d[di] = v;
        }
    }

    private static void fill(boolean[] d, int dOff, int ds, int n, boolean v) {
        if (ds == 1) {
            Arrays.fill(d, dOff, dOff + n, v);
        } else {
            for (int i = 0, di = dOff; i < n; i++, di += ds) d[di] = v;
        }
    }
}
