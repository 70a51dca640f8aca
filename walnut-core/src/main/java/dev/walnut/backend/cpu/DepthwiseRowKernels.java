package dev.walnut.backend.cpu;

import java.util.Optional;

/**
 * The float row kernels of the depthwise convolution ({@link DepthwiseConvKernels}), which has a
 * SIMD version: one output row as a sum of shifted scratch rows, its adjoint (a scatter into the
 * scratch plane) and the weight gradient's row dot products. The scalar implementation
 * ({@link #scalar()}) is the reference; {@code dev.walnut.backend.vector.VectorDepthwiseRowKernels}
 * is loaded reflectively exactly when {@link KernelProvider#get()} chose the Vector API (same
 * switches: {@code --add-modules jdk.incubator.vector}, {@code -Dwalnut.vector=false}).
 *
 * <p>A provider of its own rather than more methods on {@link WindowKernelProvider}: the
 * depthwise loops are independent of the dense convolution's.
 *
 * <pre>{@code
 * var rows = DepthwiseRowKernels.get();
 * rows.forwardRow(scratch, 0, taps, 9, w, 0, 0f, out, 0, 112);   // one 112-wide output row of a 3x3 kernel
 * }</pre>
 */
public abstract class DepthwiseRowKernels {
    private static final String VECTOR_CLASS = "dev.walnut.backend.vector.VectorDepthwiseRowKernels";

    /** Subclasses are Walnut's own providers. */
    protected DepthwiseRowKernels() {
    }

    /** The active provider: the Vector API one when {@link KernelProvider#get()} is, else the scalar one. */
    public static DepthwiseRowKernels get() {
        return Holder.ACTIVE;
    }

    /** The scalar provider, whatever is active: the reference the SIMD kernels are tested against. */
    public static DepthwiseRowKernels scalar() {
        return Scalar.INSTANCE;
    }

    /** The Vector API provider, or empty when the JVM runs without the module (tests use it whatever is active). */
    public static Optional<DepthwiseRowKernels> vector() {
        if (KernelProvider.loadVector().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of((DepthwiseRowKernels) Class.forName(VECTOR_CLASS).getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static final class Holder {
        static final DepthwiseRowKernels ACTIVE = KernelProvider.get() instanceof ScalarKernelProvider
                ? Scalar.INSTANCE : vector().orElse(Scalar.INSTANCE);
    }

    /**
     * One output row: {@code out[o + j] = bias + sum_t w[wOff + t] * p[base + taps[t] + j]} for
     * {@code j < len}, the taps {@code t < k} summed in order.
     */
    public abstract void forwardRow(float[] p, int base, int[] taps, int k, float[] w, int wOff, float bias,
                                    float[] out, int o, int len);

    /** The adjoint of {@link #forwardRow}: {@code p[base + taps[t] + j] += w[wOff + t] * g[gOff + j]}. */
    public abstract void scatterRow(float[] g, int gOff, int len, float[] w, int wOff, int[] taps, int k, float[] p,
                                    int base);

    /** One row's weight-gradient share: {@code acc[accOff + t] += sum_j g[gOff + j] * p[base + taps[t] + j]}. */
    public abstract void weightGradRow(float[] g, int gOff, int len, float[] p, int base, int[] taps, int k,
                                       float[] acc, int accOff);

    /**
     * True when {@link #forwardDirect} computes geometry {@code g}; false (the default) sends
     * the forward through the packed scratch plane and {@link #forwardRow}.
     */
    public boolean direct(DepthwiseConvKernels.Geometry g) {
        return false;
    }

    /**
     * Elements of the scratch array that {@link #forwardDirect} needs for geometry {@code g}
     * (0 for none); the caller allocates it zeroed, once for any number of calls.
     */
    public int directScratch(DepthwiseConvKernels.Geometry g) {
        return 0;
    }

    /**
     * Output rows {@code [i0, i1)} of one output plane from its input plane, with the bias added
     * and the result clamped to {@code [min, max]} as it is stored:
     * {@code out[oOff + i * outW + j] = clamp(bias + sum_{a, b} w[wOff + a * kw + b] *
     * x[xOff + (i sH - pH + a) * w + j sW - pW + b])} over the taps inside the plane. Only
     * called when {@link #direct} accepts {@code g}, with a {@code scratch} of
     * {@link #directScratch} elements, zeroed when allocated and passed back unchanged between
     * calls of the same geometry.
     *
     * @throws UnsupportedOperationException when this provider has no direct kernel (see {@link #direct})
     */
    public void forwardDirect(float[] x, int xOff, float[] w, int wOff, float bias, float[] out, int oOff,
                              DepthwiseConvKernels.Geometry g, int i0, int i1, float min, float max,
                              float[] scratch) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no direct depthwise kernel for "
                + g + "; check direct(g) first and use forwardRow on a packed plane otherwise");
    }

    /** The plain loops of {@link DepthwiseConvKernels}, shared with its float64 twin. */
    private static final class Scalar extends DepthwiseRowKernels {
        static final Scalar INSTANCE = new Scalar();

        @Override
        public void forwardRow(float[] p, int base, int[] taps, int k, float[] w, int wOff, float bias, float[] out,
                               int o, int len) {
            DepthwiseConvKernels.forwardRow(p, base, taps, k, w, wOff, bias, out, o, len);
        }

        @Override
        public void scatterRow(float[] g, int gOff, int len, float[] w, int wOff, int[] taps, int k, float[] p,
                               int base) {
            DepthwiseConvKernels.scatterRow(g, gOff, len, w, wOff, taps, k, p, base);
        }

        @Override
        public void weightGradRow(float[] g, int gOff, int len, float[] p, int base, int[] taps, int k, float[] acc,
                                  int accOff) {
            DepthwiseConvKernels.weightGradRow(g, gOff, len, p, base, taps, k, acc, accOff);
        }
    }
}
