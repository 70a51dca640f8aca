package dev.walnut.backend.cpu;

/**
 * Direct (im2col-free) 2-d convolution kernels over contiguous {@code float[]}/{@code double[]}
 * data, stride 1, dilation 1, no padding, one group: the forward pass with bias and the weight
 * gradient summed over the batch. Meant for few input channels (a first layer on 1 or 3
 * channels, or its phase-split form when strided: 12 channels of a 2x2 or 4x4 kernel), where
 * im2col copies the input {@code kH * kW} times for a GEMM too shallow to be efficient. Float data runs {@link WindowKernelProvider#get()} (SIMD when
 * available); double data runs the scalar loops. The forward splits items across
 * {@link Parallel}, the weight gradient splits output channels.
 *
 * <pre>{@code
 * // x [64, 1, 28, 28], w [32, 1, 3, 3] -> y [64, 32, 26, 26]
 * DirectConvKernels.forward(x, 0, w, bias, y, 64, 1, 28, 28, 32, 3, 3, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
 * }</pre>
 */
public final class DirectConvKernels {
    private static final int GRAIN = 1 << 15;

    private DirectConvKernels() {
    }

    /**
     * See {@link WindowKernelProvider#conv2dForward}; {@code bias} may be null, and the outputs
     * are clamped to {@code [min, max]} (infinite for none) as they are stored. Split across
     * {@link Parallel} by output rows of the whole batch, not by items, so that a single image
     * (inference at batch 1) keeps every thread busy.
     */
    public static void forward(Object x, int xOff, Object w, Object bias, Object out, int n, int cIn, int h, int width,
                               int cOut, int kh, int kw, double min, double max) {
        int oh = h - kh + 1;
        long perRow = (long) cOut * cIn * kh * kw * (width - kw + 1);
        int grain = (int) Math.max(1, GRAIN / Math.max(1, perRow));
        if (x instanceof float[] xf) {
            WindowKernelProvider k = WindowKernelProvider.get();
            Parallel.forRange(n * oh, grain, (lo, hi) -> k.conv2dForward(xf, xOff, (float[]) w, (float[]) bias,
                    (float[]) out, lo, hi, cIn, h, width, cOut, kh, kw, (float) min, (float) max));
        } else {
            Parallel.forRange(n * oh, grain, (lo, hi) -> ScalarWindowKernels.conv2dForward((double[]) x, xOff,
                    (double[]) w, (double[]) bias, (double[]) out, lo, hi, cIn, h, width, cOut, kh, kw, min, max));
        }
    }

    /** See {@link WindowKernelProvider#conv2dWeightGrad}, all output channels. */
    public static void weightGrad(Object x, int xOff, Object g, int gOff, Object gw, int n, int cIn, int h, int width,
                                  int cOut, int kh, int kw) {
        long perChannel = (long) n * cIn * kh * kw * (h - kh + 1) * (width - kw + 1);
        int grain = (int) Math.max(1, GRAIN / Math.max(1, perChannel));
        if (x instanceof float[] xf) {
            WindowKernelProvider k = WindowKernelProvider.get();
            Parallel.forRange(cOut, grain, (lo, hi) -> k.conv2dWeightGrad(xf, xOff, (float[]) g, gOff,
                    (float[]) gw, n, lo, hi, cIn, h, width, cOut, kh, kw));
        } else {
            Parallel.forRange(cOut, grain, (lo, hi) -> ScalarWindowKernels.conv2dWeightGrad((double[]) x, xOff,
                    (double[]) g, gOff, (double[]) gw, n, lo, hi, cIn, h, width, cOut, kh, kw));
        }
    }
}
