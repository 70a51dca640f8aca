// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/Im2ColKernels.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import java.util.Arrays;

/**
 * im2col and its adjoint col2im over contiguous {@code float[]}/{@code double[]} planes, for 1-,
 * 2- and 3-d sliding windows (1- and 2-d run as 3-d with leading size-1 dims, kernel 1, stride 1).
 *
 * <p>Layout: the input holds {@code planes} contiguous planes of {@link Geometry#size}; the
 * columns hold, per plane, {@code kernelVolume} rows of {@code blocksVolume} entries (so
 * {@code [N*C, prod(k), L]}, i.e. PyTorch's {@code [N, C*prod(k), L]}). Window position
 * {@code b} along a dim reads input coordinate {@code b*stride - padding + j*dilation}; positions
 * outside the input read zero (im2col) or are dropped (col2im). im2col writes every element of
 * its output, those zeros included, so the output may be a reused buffer (a compiled graph's
 * arena); col2im sums overlapping windows into a freshly allocated, zeroed output. Planes are independent, so large
 * work splits across {@link Parallel} by plane.
 *
 * <pre>{@code
 * var g = new Im2ColKernels.Geometry(new int[] {28, 28}, new int[] {28, 28}, new int[] {3, 3},
 *         new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1});
 * float[] cols = new float[planes * g.kernelVolume() * g.blocksVolume()];
 * Im2ColKernels.im2col(input, 0, cols, planes, g);
 * }</pre>
 */
public final class Im2ColKernels {
    private static final int GRAIN = 1 << 15;

    private Im2ColKernels() {
    }

    /** Sizes of one plane, its window grid and the window parameters, normalised to 3 dims. */
    public static final class Geometry {
        final int[] size = new int[3];
        final int[] blocks = new int[3];
        final int[] kernel = new int[3];
        final int[] dilation = new int[3];
        final int[] padding = new int[3];
        final int[] stride = new int[3];

        /** All arrays have the same length, 1 to 3 (the spatial dims, outermost first). */
        public Geometry(int[] size, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride) {
            int nd = size.length;
            if (nd < 1 || nd > 3 || blocks.length != nd || kernel.length != nd || dilation.length != nd
                    || padding.length != nd || stride.length != nd) {
                throw new IllegalArgumentException("im2col: expected 1 to 3 spatial dims in every argument");
            }
            int lead = 3 - nd;
            for (int i = 0; i < 3; i++) {
                boolean real = i >= lead;
                this.size[i] = real ? size[i - lead] : 1;
                this.blocks[i] = real ? blocks[i - lead] : 1;
                this.kernel[i] = real ? kernel[i - lead] : 1;
                this.dilation[i] = real ? dilation[i - lead] : 1;
                this.padding[i] = real ? padding[i - lead] : 0;
                this.stride[i] = real ? stride[i - lead] : 1;
            }
        }

        /** Elements of one input (or col2im output) plane. */
        public int planeSize() {
            return size[0] * size[1] * size[2];
        }

        /** Window positions per plane (L). */
        public int blocksVolume() {
            return blocks[0] * blocks[1] * blocks[2];
        }

        /** Elements of one window, prod(kernel). */
        public int kernelVolume() {
            return kernel[0] * kernel[1] * kernel[2];
        }

        /** First block index along the last dim whose input coordinate for tap j is >= 0. */
        int lo(int j) {
            int x0 = j * dilation[2] - padding[2];
            return clamp(ceilDiv(-x0, stride[2]), blocks[2]);
        }

        /** One past the last block index along the last dim whose coordinate for tap j is < size. */
        int hi(int j) {
            int x0 = j * dilation[2] - padding[2];
            return clamp(ceilDiv(size[2] - x0, stride[2]), blocks[2]);
        }

        private static int ceilDiv(int a, int b) {
            return Math.floorDiv(a + b - 1, b);
        }

        private static int clamp(int v, int max) {
            return Math.max(0, Math.min(v, max));
        }
    }

    /**
     * Columns of {@code planes} contiguous planes of {@code in} (float[] or double[]) starting at
     * {@code inOffset}, every element of {@code out} written (zeros where a window leaves the
     * input), so {@code out} may be a reused buffer (a compiled graph's arena).
     */
    public static void im2col(Object in, int inOffset, Object out, int planes, Geometry g) {
        int work = g.kernelVolume() * g.blocksVolume();
        Parallel.forRange(planes, Math.max(1, GRAIN / Math.max(1, work)), (lo, hi) -> {
            if (in instanceof float[] f) {
                im2colFloat(f, inOffset, (float[]) out, lo, hi, g);
            } else {
                im2colDouble((double[]) in, inOffset, (double[]) out, lo, hi, g);
            }
        });
    }

    /** Sums columns back into {@code planes} zeroed, contiguous planes of {@code out} (the adjoint of im2col). */
    public static void col2im(Object cols, int colsOffset, Object out, int planes, Geometry g) {
        int work = g.kernelVolume() * g.blocksVolume();
        Parallel.forRange(planes, Math.max(1, GRAIN / Math.max(1, work)), (lo, hi) -> {
            if (cols instanceof float[] f) {
                col2imFloat(f, colsOffset, (float[]) out, lo, hi, g);
            } else {
                col2imDouble((double[]) cols, colsOffset, (double[]) out, lo, hi, g);
            }
        });
    }

    // The float and double loops are one template loop: the same code but for the element type,
    // and monomorphic on purpose.

    private static void im2colFloat(float[] in, int inOffset, float[] out, int p0, int p1, Geometry g) {
        int[] sz = g.size;
        int[] b = g.blocks;
        int[] k = g.kernel;
        int[] d = g.dilation;
        int[] pd = g.padding;
        int[] s = g.stride;
        int plane = g.planeSize();
        int cols = g.blocksVolume();
        int rows = g.kernelVolume();
        for (int pl = p0; pl < p1; pl++) {
            int ib = inOffset + pl * plane;
            int row = pl * rows;
            for (int k0 = 0; k0 < k[0]; k0++) {
                for (int k1 = 0; k1 < k[1]; k1++) {
                    for (int k2 = 0; k2 < k[2]; k2++, row++) {
                        int lo = g.lo(k2);
                        int hi = g.hi(k2);
                        int x2 = k2 * d[2] - pd[2];
                        int o = row * cols;
                        for (int b0 = 0; b0 < b[0]; b0++) {
                            int x0 = b0 * s[0] - pd[0] + k0 * d[0];
                            if (x0 < 0 || x0 >= sz[0]) {
                                Arrays.fill(out, o, o + b[1] * b[2], 0);
                                o += b[1] * b[2];
                                continue;
                            }
                            for (int b1 = 0; b1 < b[1]; b1++, o += b[2]) {
                                int x1 = b1 * s[1] - pd[1] + k1 * d[1];
                                if (x1 < 0 || x1 >= sz[1] || lo >= hi) {
                                    Arrays.fill(out, o, o + b[2], 0);
                                    continue;
                                }
                                Arrays.fill(out, o, o + lo, 0);
                                Arrays.fill(out, o + hi, o + b[2], 0);
                                int base = ib + (x0 * sz[1] + x1) * sz[2] + x2;
                                if (s[2] == 1) {
                                    System.arraycopy(in, base + lo, out, o + lo, hi - lo);
                                } else {
                                    for (int b2 = lo, x = base + lo * s[2]; b2 < hi; b2++, x += s[2]) {
                                        out[o + b2] = in[x];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void im2colDouble(double[] in, int inOffset, double[] out, int p0, int p1, Geometry g) {
        int[] sz = g.size;
        int[] b = g.blocks;
        int[] k = g.kernel;
        int[] d = g.dilation;
        int[] pd = g.padding;
        int[] s = g.stride;
        int plane = g.planeSize();
        int cols = g.blocksVolume();
        int rows = g.kernelVolume();
        for (int pl = p0; pl < p1; pl++) {
            int ib = inOffset + pl * plane;
            int row = pl * rows;
            for (int k0 = 0; k0 < k[0]; k0++) {
                for (int k1 = 0; k1 < k[1]; k1++) {
                    for (int k2 = 0; k2 < k[2]; k2++, row++) {
                        int lo = g.lo(k2);
                        int hi = g.hi(k2);
                        int x2 = k2 * d[2] - pd[2];
                        int o = row * cols;
                        for (int b0 = 0; b0 < b[0]; b0++) {
                            int x0 = b0 * s[0] - pd[0] + k0 * d[0];
                            if (x0 < 0 || x0 >= sz[0]) {
                                Arrays.fill(out, o, o + b[1] * b[2], 0);
                                o += b[1] * b[2];
                                continue;
                            }
                            for (int b1 = 0; b1 < b[1]; b1++, o += b[2]) {
                                int x1 = b1 * s[1] - pd[1] + k1 * d[1];
                                if (x1 < 0 || x1 >= sz[1] || lo >= hi) {
                                    Arrays.fill(out, o, o + b[2], 0);
                                    continue;
                                }
                                Arrays.fill(out, o, o + lo, 0);
                                Arrays.fill(out, o + hi, o + b[2], 0);
                                int base = ib + (x0 * sz[1] + x1) * sz[2] + x2;
                                if (s[2] == 1) {
                                    System.arraycopy(in, base + lo, out, o + lo, hi - lo);
                                } else {
                                    for (int b2 = lo, x = base + lo * s[2]; b2 < hi; b2++, x += s[2]) {
                                        out[o + b2] = in[x];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void col2imFloat(float[] in, int inOffset, float[] out, int p0, int p1, Geometry g) {
        int[] sz = g.size;
        int[] b = g.blocks;
        int[] k = g.kernel;
        int[] d = g.dilation;
        int[] pd = g.padding;
        int[] s = g.stride;
        int plane = g.planeSize();
        int cols = g.blocksVolume();
        int rows = g.kernelVolume();
        for (int pl = p0; pl < p1; pl++) {
            int ob = pl * plane;
            int row = pl * rows;
            for (int k0 = 0; k0 < k[0]; k0++) {
                for (int k1 = 0; k1 < k[1]; k1++) {
                    for (int k2 = 0; k2 < k[2]; k2++, row++) {
                        int lo = g.lo(k2);
                        int hi = g.hi(k2);
                        int x2 = k2 * d[2] - pd[2];
                        int c = inOffset + row * cols;
                        for (int b0 = 0; b0 < b[0]; b0++) {
                            int x0 = b0 * s[0] - pd[0] + k0 * d[0];
                            if (x0 < 0 || x0 >= sz[0]) {
                                c += b[1] * b[2];
                                continue;
                            }
                            for (int b1 = 0; b1 < b[1]; b1++, c += b[2]) {
                                int x1 = b1 * s[1] - pd[1] + k1 * d[1];
                                if (x1 < 0 || x1 >= sz[1]) {
                                    continue;
                                }
                                int base = ob + (x0 * sz[1] + x1) * sz[2] + x2;
                                if (s[2] == 1) {
                                    // Unit stride: both sides step by one from fixed bases, no strided position to carry.
                                    for (int b2 = lo; b2 < hi; b2++) {
                                        out[base + b2] += in[c + b2];
                                    }
                                } else {
                                    for (int b2 = lo, x = base + lo * s[2]; b2 < hi; b2++, x += s[2]) {
                                        out[x] += in[c + b2];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void col2imDouble(double[] in, int inOffset, double[] out, int p0, int p1, Geometry g) {
        int[] sz = g.size;
        int[] b = g.blocks;
        int[] k = g.kernel;
        int[] d = g.dilation;
        int[] pd = g.padding;
        int[] s = g.stride;
        int plane = g.planeSize();
        int cols = g.blocksVolume();
        int rows = g.kernelVolume();
        for (int pl = p0; pl < p1; pl++) {
            int ob = pl * plane;
            int row = pl * rows;
            for (int k0 = 0; k0 < k[0]; k0++) {
                for (int k1 = 0; k1 < k[1]; k1++) {
                    for (int k2 = 0; k2 < k[2]; k2++, row++) {
                        int lo = g.lo(k2);
                        int hi = g.hi(k2);
                        int x2 = k2 * d[2] - pd[2];
                        int c = inOffset + row * cols;
                        for (int b0 = 0; b0 < b[0]; b0++) {
                            int x0 = b0 * s[0] - pd[0] + k0 * d[0];
                            if (x0 < 0 || x0 >= sz[0]) {
                                c += b[1] * b[2];
                                continue;
                            }
                            for (int b1 = 0; b1 < b[1]; b1++, c += b[2]) {
                                int x1 = b1 * s[1] - pd[1] + k1 * d[1];
                                if (x1 < 0 || x1 >= sz[1]) {
                                    continue;
                                }
                                int base = ob + (x0 * sz[1] + x1) * sz[2] + x2;
                                if (s[2] == 1) {
                                    // Unit stride: both sides step by one from fixed bases, no strided position to carry.
                                    for (int b2 = lo; b2 < hi; b2++) {
                                        out[base + b2] += in[c + b2];
                                    }
                                } else {
                                    for (int b2 = lo, x = base + lo * s[2]; b2 < hi; b2++, x += s[2]) {
                                        out[x] += in[c + b2];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
