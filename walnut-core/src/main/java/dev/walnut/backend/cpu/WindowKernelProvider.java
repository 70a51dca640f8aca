package dev.walnut.backend.cpu;

import java.util.Optional;

/**
 * Float kernels of the CNN layers that have a SIMD version: the 2x2 max-pool, the direct
 * (im2col-free) convolution for small {@code C_in * kH * kW}, and the plane sums and finiteness
 * checks of the convolution's backward. The scalar implementation
 * ({@link #scalar()}) is the reference; {@code dev.walnut.backend.vector.VectorWindowKernels} is
 * loaded reflectively exactly when {@link KernelProvider#get()} chose the Vector API (same
 * switches: {@code --add-modules jdk.incubator.vector}, {@code -Dwalnut.vector=false}).
 *
 * <p>A separate provider rather than more methods on {@link KernelProvider}: the GEMM and the
 * elementwise kernels live there, and the window kernels change for different reasons.
 *
 * <pre>{@code
 * var g = WindowKernelProvider.get();
 * g.maxPool2x2(x, 0, y, idx, 0, 0, planes, 26, 26, 13, 13);   // planes of 26 x 26 -> 13 x 13
 * }</pre>
 */
public abstract class WindowKernelProvider {
    private static final String VECTOR_CLASS = "dev.walnut.backend.vector.VectorWindowKernels";

    /** Subclasses are Walnut's own providers. */
    protected WindowKernelProvider() {
    }

    /** The active provider: the Vector API one when {@link KernelProvider#get()} is, else the scalar one. */
    public static WindowKernelProvider get() {
        return Holder.ACTIVE;
    }

    /** The scalar provider, whatever is active: the reference the SIMD kernels are tested against. */
    public static WindowKernelProvider scalar() {
        return ScalarWindowKernels.INSTANCE;
    }

    /**
     * The Vector API provider, or empty when the JVM runs without the module or the provider
     * refuses to run (the same cases in which {@link KernelProvider#get()} is scalar). Tests
     * use it whatever {@code -Dwalnut.vector} says.
     */
    public static Optional<WindowKernelProvider> vector() {
        if (KernelProvider.loadVector().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of((WindowKernelProvider) Class.forName(VECTOR_CLASS).getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static final class Holder {
        static final WindowKernelProvider ACTIVE = KernelProvider.get() instanceof ScalarKernelProvider
                ? ScalarWindowKernels.INSTANCE : vector().orElse(ScalarWindowKernels.INSTANCE);
    }

    /**
     * 2x2, stride-2 max-pool of the contiguous {@code height x width} planes {@code [p0, p1)}
     * starting at {@code x[in]}: the {@code outH x outW} windows of each (the 2x2 blocks at
     * {@code (2i, 2j)}, all inside the plane) go to {@code y} from {@code out}, plane after plane,
     * with the flat in-plane index of the maximum in {@code idx} at the same positions. Ties go to the
     * first tap in row-major order, the first NaN wins, and the value is the winning tap's exact
     * bits (PyTorch's rule).
     */
    public abstract void maxPool2x2(float[] x, int in, float[] y, long[] idx, int out, int p0, int p1, int height,
                                    int width, int outH, int outW);

    /**
     * Values-only max-pool ({@code PoolKernels.maxValues}) of the contiguous {@code height x width}
     * planes {@code [p0, p1)} starting at {@code x[in]}, with sliding {@code kh x kw} windows of
     * dilation 1, strides {@code (sh, sw)} and paddings {@code (ph, pw)}: output {@code (i, j)} of
     * plane {@code p}, at {@code y[out + (p * outH + i) * outW + j]}, is the {@code Math.max} of the
     * taps of rows {@code i*sh - ph ..} and columns {@code j*sw - pw ..} inside the plane
     * ({@code -inf} for a window with none). {@code Math.max} makes the result independent of
     * the order of taps (NaN wins, {@code +0.0} beats {@code -0.0}), so every provider gives the
     * same bits.
     */
    public abstract void maxPoolValues(float[] x, int in, float[] y, int out, int p0, int p1, int height, int width,
                                       int kh, int kw, int sh, int sw, int ph, int pw, int outH, int outW);

    /**
     * Direct 2-d convolution, stride 1, dilation 1, no padding, one group, for output rows
     * {@code [r0, r1)} of the batch (row {@code r} is row {@code r % oh} of item {@code r / oh},
     * {@code oh = h - kh + 1}): {@code out[n, o, i, j] = clamp(bias[o] + sum_{c, a, b}
     * w[o, c, a, b] * x[n, c, i + a, j + b], min, max)} with contiguous
     * {@code x [N, cIn, h, width]} from {@code xOff}, {@code w [cOut, cIn, kh, kw]}, {@code bias}
     * null or {@code [cOut]}, and {@code out [N, cOut, oh, width - kw + 1]} (those rows overwritten);
     * the clamp is {@code min(max(v, min), max)} (infinite bounds for none). A tap {@code (c, a, b)}
     * whose weight is zero for every output channel is skipped, not multiplied: that is exact
     * for finite inputs, and it keeps the phase-split form of a strided convolution (whose
     * zero taps stand for positions outside its windows, see {@link DirectConvKernels}) from
     * multiplying a non-finite input that is outside every true window.
     */
    public abstract void conv2dForward(float[] x, int xOff, float[] w, float[] bias, float[] out, int r0, int r1,
                                       int cIn, int h, int width, int cOut, int kh, int kw, float min, float max);

    /**
     * The weight gradient of {@link #conv2dForward} summed over all {@code n} items, for output
     * channels {@code [o0, o1)}: {@code gw[o, c, a, b] = sum_{n, i, j} g[n, o, i, j] *
     * x[n, c, i + a, j + b]} with contiguous {@code g [n, cOut, h - kh + 1, width - kw + 1]}
     * from {@code gOff}; {@code gw [cOut, cIn, kh, kw]} rows {@code [o0, o1)} are overwritten.
     */
    public abstract void conv2dWeightGrad(float[] x, int xOff, float[] g, int gOff, float[] gw, int n, int o0,
                                          int o1, int cIn, int h, int width, int cOut, int kh, int kw);

    /** Sum of {@code x[off .. off+len)} (a bias gradient's share of one plane), rounded to double at the end. */
    public abstract double planeSum(float[] x, int off, int len);

    /** True when no element of {@code x[off .. off+len)} is NaN or infinite. */
    public abstract boolean allFinite(float[] x, int off, int len);

    // ------------------------------------------------------------------ shared scalar loops

    /**
     * Scalar 2x2 max of one output row's windows {@code [j0, j1)} (row {@code i} of the plane at
     * {@code in}), branch-free: which tap holds the max is data-dependent and mispredicts, so taps
     * compare as order keys (NaN the largest key, all NaNs equal, so the first NaN stays; a strict
     * {@code >} keeps the first of equal taps) and the winner is picked with masks. The value is
     * read back at the argmax, so it is the tap's exact bits (-0.0, NaN payload).
     */
    protected static void maxPool2x2Row(float[] x, int in, float[] y, long[] idx, int o, int width, int i,
                                        int j0, int j1) {
        int w = width;
        for (int j = j0, k = in + 2 * i * w + 2 * j0; j < j1; j++, o++, k += 2) {
            int best = ElementwiseKernels.floatOrderKey(x[k], Integer.MAX_VALUE);
            int arg = k;
            int v = ElementwiseKernels.floatOrderKey(x[k + 1], Integer.MAX_VALUE);
            int m = (int) (((long) best - v) >> 63);
            best = v & m | best & ~m;
            arg = k + 1 & m | arg & ~m;
            v = ElementwiseKernels.floatOrderKey(x[k + w], Integer.MAX_VALUE);
            m = (int) (((long) best - v) >> 63);
            best = v & m | best & ~m;
            arg = k + w & m | arg & ~m;
            v = ElementwiseKernels.floatOrderKey(x[k + w + 1], Integer.MAX_VALUE);
            m = (int) (((long) best - v) >> 63);
            arg = k + w + 1 & m | arg & ~m;
            y[o] = x[arg];
            idx[o] = arg - in;
        }
    }

    /**
     * The taps {@code t} of a {@code [cOut, ck]} weight (float[] or double[]) with a nonzero
     * (or NaN) weight in some output channel, in order: the taps the direct convolution multiplies.
     */
    protected static int[] activeTaps(Object w, int cOut, int ck) {
        int[] taps = new int[ck];
        return java.util.Arrays.copyOf(taps, activeTaps(w, cOut, ck, taps));
    }

    /** {@link #activeTaps(Object, int, int)} written into {@code taps} (ck long at least); returns the count. */
    protected static int activeTaps(Object w, int cOut, int ck, int[] taps) {
        int count = 0;
        for (int t = 0; t < ck; t++) {
            boolean zero = true;
            for (int o = 0; o < cOut && zero; o++) {
                zero = w instanceof float[] f ? f[o * ck + t] == 0f : ((double[]) w)[o * ck + t] == 0.0;
            }
            if (!zero) {
                taps[count++] = t;
            }
        }
        return count;
    }

    /**
     * The offset of each of {@code taps} ({@code (c, a, b)} in weight order) from its window's
     * top-left input element, in contiguous {@code [cIn, h, width]} planes.
     */
    protected static int[] tapOffsets(int[] taps, int h, int width, int kh, int kw) {
        int[] off = new int[taps.length];
        tapOffsets(taps, taps.length, h, width, kh, kw, off);
        return off;
    }

    /** {@link #tapOffsets(int[], int, int, int, int)} of {@code taps[0 .. nt)} written into {@code off}. */
    protected static void tapOffsets(int[] taps, int nt, int h, int width, int kh, int kw, int[] off) {
        for (int i = 0; i < nt; i++) {
            int t = taps[i];
            off[i] = ((t / (kh * kw)) * h + t / kw % kh) * width + t % kw;
        }
    }
}
