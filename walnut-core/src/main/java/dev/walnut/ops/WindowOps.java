package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.Node;
import dev.walnut.backend.cpu.PoolKernels;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import java.util.Arrays;
import java.util.List;

/**
 * The window primitives behind convolution and pooling, over batched input {@code [N, C, ...]}:
 * im2col and its adjoint col2im (each the other's gradient), the stride-1 convolution with its
 * fused kernels, max and average pooling with average pooling's adjoint, and max unpooling. Every
 * other convolution (strides, padding, dilation, groups, transposed) is a composite of pad,
 * im2col, col2im and matmul in {@code nn.functional.Convolution}. Arguments arrive checked by the
 * {@code nn.functional} callers.
 *
 * <pre>{@code
 * Tensor y = Dispatcher.call(WindowOps.CONVOLUTION, NoAttrs.NONE, x, w, b);   // valid 2-d convolution, stride 1
 * }</pre>
 */
public final class WindowOps {
    private WindowOps() {
    }

    private static final Kernels K = Kernels.get();
    private static final int[] UNIT = {1, 1};
    private static final int[] ZERO = {0, 0};

    /** The windows of im2col / col2im: the grid of window positions and each window's geometry. */
    public record Window(int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        public Window {
            blocks = blocks.clone();
            kernel = kernel.clone();
            dilation = dilation.clone();
            padding = padding.clone();
            stride = stride.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Window w && Arrays.equals(blocks, w.blocks) && Arrays.equals(kernel, w.kernel)
                    && Arrays.equals(dilation, w.dilation) && Arrays.equals(padding, w.padding) && Arrays.equals(stride, w.stride);
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(new Object[] {blocks, kernel, dilation, padding, stride});
        }

        @Override
        public String toString() {
            return "Window[blocks=" + Arrays.toString(blocks) + ", kernel=" + Arrays.toString(kernel) + ", dilation="
                    + Arrays.toString(dilation) + ", padding=" + Arrays.toString(padding) + ", stride="
                    + Arrays.toString(stride) + "]";
        }

        long volume(int[] a) {
            long v = 1;
            for (int x : a) {
                v *= x;
            }
            return v;
        }
    }

    /** Attributes of col2im: the spatial size folded onto and the windows. */
    public record Fold(int[] outputSize, Window window) {
        public Fold {
            outputSize = outputSize.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fold f && Arrays.equals(outputSize, f.outputSize) && window.equals(f.window);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(outputSize) * 31 + window.hashCode();
        }

        @Override
        public String toString() {
            return "Fold[outputSize=" + Arrays.toString(outputSize) + ", window=" + window + "]";
        }
    }

    /**
     * Attributes of max and average pooling over 2-d planes: the window geometry
     * {@code {kH, kW, strideH, strideW, padH, padW, dilationH, dilationW}} (null for adaptive
     * pooling, whose windows follow from the input and output sizes), the output plane, and for
     * average pooling one divisor per window (null for max pooling).
     */
    public record Pool(int[] geometry, int outH, int outW, double[] divisor) {
        public Pool {
            geometry = geometry == null ? null : geometry.clone();
            divisor = divisor == null ? null : divisor.clone();
        }

        /** True for adaptive pooling (only the node name and the windows differ). */
        public boolean adaptive() {
            return geometry == null;
        }

        /** The windows over an {@code h x w} plane, for the kernels. */
        PoolKernels.Windows windows(long h, long w) {
            int[] g = geometry;
            return g == null ? PoolKernels.Windows.adaptive((int) h, (int) w, outH, outW)
                    : PoolKernels.Windows.regular((int) h, (int) w, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], outH, outW);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pool p && Arrays.equals(geometry, p.geometry) && outH == p.outH && outW == p.outW
                    && Arrays.equals(divisor, p.divisor);
        }

        @Override
        public int hashCode() {
            return (Arrays.hashCode(geometry) * 31 + outH) * 31 + outW;
        }

        @Override
        public String toString() {
            return "Pool[" + (geometry == null ? "adaptive" : "geometry=" + Arrays.toString(geometry)) + ", out=" + outH
                    + "x" + outW + "]";
        }
    }

    /** Attributes of average pooling's adjoint: the pooling and the input shape it maps back to. */
    public record PoolBackward(Pool pool, long[] inputShape) {
        @Override
        public boolean equals(Object o) {
            return o instanceof PoolBackward p && pool.equals(p.pool) && Arrays.equals(inputShape, p.inputShape);
        }

        @Override
        public int hashCode() {
            return pool.hashCode() * 31 + Arrays.hashCode(inputShape);
        }

        @Override
        public String toString() {
            return "PoolBackward[" + pool + ", inputShape=" + Arrays.toString(inputShape) + "]";
        }
    }

    /** Attributes of max unpooling: the output plane, and the public op's name for errors. */
    public record Unpool(String op, int outH, int outW) {
    }

    /**
     * A 2-d extent, the attribute of the adjoints below: the input plane a convolution's input
     * gradient or max pooling's adjoint maps back to, or the kernel of a convolution's weight
     * gradient. Batch and channel counts come from the inputs, so a call batched by
     * {@code vmap} (folded into the examples) keeps its attributes.
     */
    public record Plane(int height, int width) {
    }

    private static int[] ints(long[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (int) a[i];
        }
        return r;
    }

    /** [N, C, *size] -> [N, C * prod(kernel), prod(blocks)]. */
    public static final OpDef<Window> IM2COL = new LinearOp<>("im2col", "Im2ColBackward0") {
        @Override
        public TensorSpec[] infer(Window attrs, TensorSpec... in) {
            long[] s = in[0].shape();
            return Specs.one(new long[] {s[0], s[1] * attrs.volume(attrs.kernel), attrs.volume(attrs.blocks)}, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Window attrs, Tensor[] in) {
            return Specs.one(K.im2col(in[0], attrs.blocks, attrs.kernel, attrs.dilation, attrs.padding, attrs.stride));
        }

        /** The kernel writes every element, so it stores into a preplanned output (a compiled graph's arena) too. */
        @Override
        public boolean hasOutKernel(Window attrs) {
            return true;
        }

        @Override
        public void computeInto(Window attrs, Tensor[] in, Tensor[] out) {
            K.im2colInto(in[0], attrs.blocks, attrs.kernel, attrs.dilation, attrs.padding, attrs.stride, out[0]);
        }

        @Override
        public Tensor[] vjp(Window attrs, Node n, Tensor[] g) {
            long[] s = n.inputShape(0);
            int[] size = ints(Arrays.copyOfRange(s, 2, s.length));
            return Specs.one(Dispatcher.call(COL2IM, new Fold(size, attrs), g[0]));
        }
    };

    /** [N, C * prod(kernel), prod(blocks)] -> [N, C, *outputSize], summing overlapping windows. */
    public static final OpDef<Fold> COL2IM = new LinearOp<>("col2im", "Col2ImBackward0") {
        @Override
        public TensorSpec[] infer(Fold attrs, TensorSpec... in) {
            long[] s = in[0].shape();
            long[] out = new long[attrs.outputSize.length + 2];
            out[0] = s[0];
            out[1] = s[1] / attrs.window().volume(attrs.window().kernel);
            for (int i = 0; i < attrs.outputSize.length; i++) {
                out[i + 2] = attrs.outputSize[i];
            }
            return Specs.one(out, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Fold attrs, Tensor[] in) {
            Window w = attrs.window();
            return Specs.one(K.col2im(in[0], attrs.outputSize, w.blocks, w.kernel, w.dilation, w.padding, w.stride));
        }

        @Override
        public Tensor[] vjp(Fold attrs, Node n, Tensor[] g) {
            return Specs.one(Dispatcher.call(IM2COL, attrs.window(), g[0]));
        }
    };

    /**
     * The valid 2-d convolution with stride 1, no dilation and one group:
     * {@code [N, C_in, H, W] * [C_out, C_in, kH, kW] (+ [C_out])}. Its reverse rule calls its two
     * adjoints, {@link #CONVOLUTION_INPUT_GRAD} and {@link #CONVOLUTION_WEIGHT_GRAD}, each a
     * primitive with reverse and forward rules of its own, so every order of gradient follows.
     */
    public static final OpDef<NoAttrs> CONVOLUTION = new OpDef<>("convolution", 1, "ConvolutionBackward0") {
        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            long[] x = in[0].shape();
            long[] w = in[1].shape();
            return Specs.one(new long[] {x[0], w[0], x[2] - w[2] + 1, x[3] - w[3] + 1}, in[0].dtype());
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            return Specs.one(K.conv2d(in[0], in[1], in.length > 2 ? in[2] : null, Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY));
        }

        /** The kernel stores into a preplanned output (a compiled graph's arena) as well. */
        @Override
        public boolean hasOutKernel(NoAttrs attrs) {
            return true;
        }

        @Override
        public void computeInto(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            K.conv2dInto(in[0], in[1], in.length > 2 ? in[2] : null, null, null, Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY, out[0]);
        }

        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], in[1]};
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node nd, Tensor[] g) {
            Tensor x = nd.saved(0);
            Tensor w = nd.saved(1);
            Tensor gy = g[0];
            long[] xs = x.shape();
            long[] ws = w.shape();
            // The adjoints are primitives of their own, so a recorded backward (create-graph) and a
            // traced one (compiled train steps) run the same fused kernels as the eager backward.
            Tensor[] grads = new Tensor[nd.inputCount()];
            if (nd.needsInputGrad(0)) {
                grads[0] = Dispatcher.call(CONVOLUTION_INPUT_GRAD, new Plane((int) xs[2], (int) xs[3]), gy, w);
            }
            if (nd.needsInputGrad(1)) {
                grads[1] = Dispatcher.call(CONVOLUTION_WEIGHT_GRAD, new Plane((int) ws[2], (int) ws[3]), x, gy);
            }
            if (grads.length == 3 && nd.needsInputGrad(2)) {
                grads[2] = Dispatcher.call(CONVOLUTION_BIAS_GRAD, NoAttrs.NONE, gy);
            }
            return grads;
        }

        /** Bilinear in (x, w), affine in b. */
        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor r = null;
            if (t[0] != null) {
                r = Dispatcher.call(this, attrs, t[0], in[1]);
            }
            if (t[1] != null) {
                Tensor term = Dispatcher.call(this, attrs, in[0], t[1]);
                r = r == null ? term : r.add(term);
            }
            if (in.length > 2 && t[2] != null) {
                Tensor term = t[2].reshape(1, -1, 1, 1);
                r = r == null ? term.expand(out[0].shape()) : r.add(term);
            }
            return Specs.one(r);
        }
    };

    /** The strides of {@link #STRIDED_CONVOLUTION}, rows and columns, each at least 1. */
    public record Stride(int height, int width) {
        /** Checks the strides. */
        public Stride {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("stridedConvolution: strides must be at least 1, got [" + height + ", "
                        + width + "]");
            }
        }

        /** The im2col windows of this convolution over an {@code outH x outW} grid with a {@code kH x kW} kernel. */
        Window window(long outH, long outW, long kh, long kw) {
            return new Window(new int[] {(int) outH, (int) outW}, new int[] {(int) kh, (int) kw}, new int[] {1, 1},
                    new int[] {0, 0}, new int[] {height, width});
        }
    }

    /**
     * The input and weight gradients of a strided convolution of {@code x} by {@code w} for the
     * output gradient {@code gy}, those asked for (else null): {@code col2im(W^T gy)} and
     * {@code sum_n gy_n im2col(x)_n^T}, differentiable ops, so every order of gradient follows.
     */
    static Tensor[] stridedConvolutionGrads(Tensor x, Tensor w, Tensor gy, Stride stride, boolean input,
                                            boolean weight) {
        long[] xs = x.shape();
        long[] ws = w.shape();
        long[] ys = gy.shape();
        long n = xs[0];
        long depth = ws[1] * ws[2] * ws[3];
        long positions = ys[2] * ys[3];
        Window window = stride.window(ys[2], ys[3], ws[2], ws[3]);
        Tensor g3 = gy.reshape(n, ws[0], positions);
        Tensor[] grads = new Tensor[2];
        if (input) {
            Tensor cols = w.reshape(ws[0], depth).t().matmul(g3);
            grads[0] = Dispatcher.call(COL2IM, new Fold(new int[] {(int) xs[2], (int) xs[3]}, window), cols);
        }
        if (weight) {
            Tensor cols = Dispatcher.call(IM2COL, window, x);
            grads[1] = g3.matmul(cols.transpose(1, 2)).sum(0).reshape(ws);
        }
        return grads;
    }

    /**
     * The valid 2-d convolution with strides, no dilation and one group:
     * {@code [N, C_in, H, W] * [C_out, C_in, kH, kW] (+ [C_out])} to
     * {@code [N, C_out, (H - kH) / sh + 1, (W - kW) / sw + 1]} (the caller pads). A primitive for
     * speed: the CPU back end runs it channel-blocked, each tap of each phase of the input a
     * stride-1 displacement (resnet's strided 3x3 and 1x1 layers), where im2col would copy every
     * window for a GEMM. Its rules are im2col's and col2im's ({@link #stridedConvolutionGrads}).
     */
    public static final OpDef<Stride> STRIDED_CONVOLUTION = new OpDef<>("stridedConvolution", 1,
            "StridedConvolutionBackward0") {
        @Override
        public TensorSpec[] infer(Stride attrs, TensorSpec... in) {
            long[] x = in[0].shape();
            long[] w = in[1].shape();
            boolean ok = (in.length == 2 || in.length == 3) && x.length == 4 && w.length == 4 && x[1] == w[1]
                    && x[2] >= w[2] && x[3] >= w[3] && in[0].dtype().isFloatingPoint() && in[1].dtype() == in[0].dtype()
                    && (in.length == 2 || in[2].shape().length == 1 && in[2].shape()[0] == w[0]
                    && in[2].dtype() == in[0].dtype());
            if (!ok) {
                throw new IllegalArgumentException("stridedConvolution: expected a float input [N, C_in, H, W], a weight "
                        + "[C_out, C_in, kH, kW] no larger than the plane and an optional bias [C_out] of one dtype, got "
                        + Arrays.toString(x) + " " + in[0].dtype() + ", " + Arrays.toString(w) + " " + in[1].dtype()
                        + (in.length > 2 ? ", " + Arrays.toString(in[2].shape()) + " " + in[2].dtype() : ""));
            }
            return Specs.one(new long[] {x[0], w[0], (x[2] - w[2]) / attrs.height() + 1, (x[3] - w[3]) / attrs.width() + 1},
                    in[0].dtype());
        }

        @Override
        public Tensor[] compute(Stride attrs, Tensor[] in) {
            infer(attrs, Arrays.stream(in).map(TensorSpec::of).toArray(TensorSpec[]::new));
            return Specs.one(K.conv2d(in[0], in[1], in.length > 2 ? in[2] : null, null, null, attrs.height(),
                    attrs.width(), Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        }

        /** The kernel stores into a preplanned output (a compiled graph's arena) as well. */
        @Override
        public boolean hasOutKernel(Stride attrs) {
            return true;
        }

        @Override
        public void computeInto(Stride attrs, Tensor[] in, Tensor[] out) {
            K.conv2dInto(in[0], in[1], in.length > 2 ? in[2] : null, null, null, attrs.height(), attrs.width(),
                    Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, out[0]);
        }

        @Override
        public Tensor[] save(Stride attrs, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], in[1]};
        }

        @Override
        public Tensor[] vjp(Stride attrs, Node nd, Tensor[] g) {
            Tensor[] xw = stridedConvolutionGrads(nd.saved(0), nd.saved(1), g[0], attrs, nd.needsInputGrad(0),
                    nd.needsInputGrad(1));
            Tensor[] grads = new Tensor[nd.inputCount()];
            grads[0] = xw[0];
            grads[1] = xw[1];
            if (grads.length == 3 && nd.needsInputGrad(2)) {
                grads[2] = Dispatcher.call(CONVOLUTION_BIAS_GRAD, NoAttrs.NONE, g[0]);
            }
            return grads;
        }

        /** Bilinear in (x, w), affine in b. */
        @Override
        public Tensor[] jvp(Stride attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor r = bilinearTangent(this, attrs, in, t);
            if (in.length > 2 && t[2] != null) {
                Tensor term = t[2].reshape(1, -1, 1, 1);
                r = r == null ? term.expand(out[0].shape()) : r.add(term);
            }
            return Specs.one(r);
        }
    };

    /**
     * Attributes of the depthwise 2-d convolution: stride, padding (both sides) and dilation per
     * spatial dim.
     */
    public record DepthwiseWindow(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) {
        /** {@code {strideH, strideW, padH, padW, dilationH, dilationW}}, as the kernels take it. */
        int[] array() {
            return new int[] {strideH, strideW, padH, padW, dilationH, dilationW};
        }

        /** The im2col windows of this convolution over an {@code outH x outW} grid with a {@code kH x kW} kernel. */
        Window window(long outH, long outW, long kh, long kw) {
            return new Window(new int[] {(int) outH, (int) outW}, new int[] {(int) kh, (int) kw},
                    new int[] {dilationH, dilationW}, new int[] {padH, padW}, new int[] {strideH, strideW});
        }
    }

    /**
     * The depthwise 2-d convolution, {@code groups == C_in}:
     * {@code [N, C, H, W] * [C * m, 1, kH, kW] (+ [C * m])} to {@code [N, C * m, H_out, W_out]},
     * output channel {@code c * m + j} reading input channel {@code c} only, with any stride,
     * padding and dilation. A primitive only for speed (MobileNet's layers): it is
     * {@code conv2d(x, w, b, stride, padding, dilation, groups = C)}, the grouped im2col + matmul
     * composite, which spends its time on the column matrix and C products of depth kH * kW.
     * Its reverse rule runs the direct kernels when the backward is not itself recorded; otherwise
     * the composites {@code col2im(W^T g)} and {@code sum_n g_n im2col(x)_n^T} per channel, so
     * every order of gradient follows.
     */
    public static final OpDef<DepthwiseWindow> DEPTHWISE_CONV2D = new OpDef<>("depthwiseConv2d", 1,
            "ConvolutionBackward0") {
        @Override
        public TensorSpec[] infer(DepthwiseWindow a, TensorSpec... in) {
            long[] x = in[0].shape();
            long[] w = in[1].shape();
            long oh = (x[2] + 2L * a.padH() - (long) a.dilationH() * (w[2] - 1) - 1) / a.strideH() + 1;
            long ow = (x[3] + 2L * a.padW() - (long) a.dilationW() * (w[3] - 1) - 1) / a.strideW() + 1;
            return Specs.one(new long[] {x[0], w[0], oh, ow}, in[0].dtype());
        }

        @Override
        public Tensor[] compute(DepthwiseWindow a, Tensor[] in) {
            return Specs.one(K.depthwiseConv2d(in[0], in[1], in.length > 2 ? in[2] : null, a.array(),
                    Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        }

        /** The kernel stores into a preplanned output (a compiled graph's arena) as well. */
        @Override
        public boolean hasOutKernel(DepthwiseWindow a) {
            return true;
        }

        @Override
        public void computeInto(DepthwiseWindow a, Tensor[] in, Tensor[] out) {
            K.depthwiseConv2dInto(in[0], in[1], in.length > 2 ? in[2] : null, a.array(), Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY, out[0]);
        }

        @Override
        public Tensor[] save(DepthwiseWindow a, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], in[1]};
        }

        @Override
        public Tensor[] vjp(DepthwiseWindow a, Node nd, Tensor[] g) {
            Tensor x = nd.saved(0);
            Tensor w = nd.saved(1);
            Tensor gy = g[0];
            long[] xs = x.shape();
            long[] ws = w.shape();
            long[] ys = gy.shape();
            long n = xs[0];
            long c = xs[1];
            long m = ws[0] / c;
            long k = ws[2] * ws[3];
            long positions = ys[2] * ys[3];
            Window window = a.window(ys[2], ys[3], ws[2], ws[3]);
            // As for CONVOLUTION: under a transform (vmap, jvp) or create-graph the gradients must
            // be primitive calls, like the recorded form.
            boolean recorded = Autograd.isGradEnabled() || Dispatcher.isInterpreting();
            Tensor[] grads = new Tensor[nd.inputCount()];
            Tensor g4 = gy.reshape(n, c, m, positions);
            if (nd.needsInputGrad(0)) {
                if (recorded) {
                    Tensor cols = w.reshape(c, m, k).transpose(1, 2).matmul(g4).reshape(n, c * k, positions);
                    grads[0] = Dispatcher.call(COL2IM, new Fold(new int[] {(int) xs[2], (int) xs[3]}, window), cols);
                } else {
                    grads[0] = K.depthwiseConv2dInputGrad(gy, w, xs, a.array());
                }
            }
            if (nd.needsInputGrad(1)) {
                if (recorded) {
                    Tensor cols = Dispatcher.call(IM2COL, window, x).reshape(n, c, k, positions);
                    grads[1] = g4.matmul(cols.transpose(2, 3)).sum(0).reshape(ws);
                } else {
                    grads[1] = K.depthwiseConv2dWeightGrad(x, gy, ws, a.array());
                }
            }
            if (grads.length == 3 && nd.needsInputGrad(2)) {
                grads[2] = Dispatcher.call(CONVOLUTION_BIAS_GRAD, NoAttrs.NONE, gy);
            }
            return grads;
        }

        /** Bilinear in (x, w), affine in b. */
        @Override
        public Tensor[] jvp(DepthwiseWindow a, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor r = bilinearTangent(this, a, in, t);
            if (in.length > 2 && t[2] != null) {
                Tensor term = t[2].reshape(1, -1, 1, 1);
                r = r == null ? term.expand(out[0].shape()) : r.add(term);
            }
            return Specs.one(r);
        }
    };

    /** Window max and its index (flat, into each input plane) over [N, C, H, W]. */
    public static final OpDef<Pool> MAX_POOL2D = new OpDef<>("maxPool2d", 2) {
        @Override
        public String nodeName(Pool attrs) {
            return attrs.adaptive() ? "AdaptiveMaxPool2DBackward0" : "MaxPool2DWithIndicesBackward0";
        }

        @Override
        public TensorSpec[] infer(Pool attrs, TensorSpec... in) {
            long[] s = in[0].shape();
            long[] out = {s[0], s[1], attrs.outH(), attrs.outW()};
            return new TensorSpec[] {new TensorSpec(out, in[0].dtype()), new TensorSpec(out, DType.I64)};
        }

        @Override
        public Tensor[] compute(Pool attrs, Tensor[] in) {
            long[] s = in[0].shape();
            return K.maxPool(in[0], attrs.windows(s[2], s[3]), attrs.outH(), attrs.outW());
        }

        /** Values and indices into preplanned outputs (a training graph's arena). */
        @Override
        public boolean hasOutKernel(Pool attrs) {
            return true;
        }

        @Override
        public void computeInto(Pool attrs, Tensor[] in, Tensor[] out) {
            long[] s = in[0].shape();
            K.maxPoolInto(in[0], attrs.windows(s[2], s[3]), attrs.outH(), attrs.outW(), out[0], out[1]);
        }

        @Override
        public Tensor[] save(Pool attrs, Tensor[] in, Tensor[] out) {
            return Specs.one(out[1]);
        }

        /** g added into zeros at the argmax indices: the primitive {@link #MAX_POOL2D_BACKWARD}. */
        @Override
        public Tensor[] vjp(Pool attrs, Node n, Tensor[] g) {
            long[] s = n.inputShape(0);
            return Specs.one(Dispatcher.call(MAX_POOL2D_BACKWARD, new Plane((int) s[2], (int) s[3]), g[0], n.saved(0)));
        }

        @Override
        public Tensor[] jvp(Pool attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (t[0] == null) {
                return new Tensor[2];
            }
            long[] s = in[0].shape();
            long planeOut = (long) attrs.outH() * attrs.outW();
            Tensor picked = t[0].reshape(s[0], s[1], s[2] * s[3]).gather(2, out[1].reshape(s[0], s[1], planeOut));
            return new Tensor[] {picked.reshape(out[0].shape()), null};
        }
    };

    /** Window sums divided by the pooling's divisors, over [N, C, H, W]. */
    public static final OpDef<Pool> AVG_POOL2D = new LinearOp<>("avgPool2d", "AvgPool2DBackward0") {
        @Override
        public String nodeName(Pool attrs) {
            return attrs.adaptive() ? "AdaptiveAvgPool2DBackward0" : "AvgPool2DBackward0";
        }

        @Override
        public TensorSpec[] infer(Pool attrs, TensorSpec... in) {
            long[] s = in[0].shape();
            return Specs.one(new long[] {s[0], s[1], attrs.outH(), attrs.outW()}, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Pool attrs, Tensor[] in) {
            long[] s = in[0].shape();
            return Specs.one(K.avgPool(in[0], attrs.windows(s[2], s[3]), attrs.divisor, attrs.outH(), attrs.outW()));
        }

        @Override
        public Tensor[] vjp(Pool attrs, Node n, Tensor[] g) {
            return Specs.one(Dispatcher.call(AVG_POOL2D_BACKWARD, new PoolBackward(attrs, n.inputShape(0)), g[0]));
        }
    };

    /** The adjoint of average pooling: each window's {@code g / divisor} spread over it. */
    public static final OpDef<PoolBackward> AVG_POOL2D_BACKWARD = new LinearOp<>("avgPool2dBackward", "AvgPool2DBackwardBackward0") {
        @Override
        public String nodeName(PoolBackward attrs) {
            return attrs.pool().adaptive() ? "AdaptiveAvgPool2DBackwardBackward0" : "AvgPool2DBackwardBackward0";
        }

        @Override
        public TensorSpec[] infer(PoolBackward attrs, TensorSpec... in) {
            return Specs.one(attrs.inputShape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(PoolBackward attrs, Tensor[] in) {
            Pool p = attrs.pool();
            long[] s = attrs.inputShape();
            return Specs.one(K.avgPoolBackward(in[0], p.windows(s[2], s[3]), p.divisor, s));
        }

        @Override
        public Tensor[] vjp(PoolBackward attrs, Node n, Tensor[] g) {
            return Specs.one(Dispatcher.call(AVG_POOL2D, attrs.pool(), g[0]));
        }
    };

    /** Scatters [N, C, H, W] into zeros [N, C, outH, outW] at in-plane indices (an I64 input, constant). */
    public static final OpDef<Unpool> MAX_UNPOOL2D = new LinearOp<>("maxUnpool2d", "MaxUnpool2DBackward0") {
        @Override
        public TensorSpec[] infer(Unpool attrs, TensorSpec... in) {
            long[] s = in[0].shape();
            return Specs.one(new long[] {s[0], s[1], attrs.outH(), attrs.outW()}, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Unpool attrs, Tensor[] in) {
            return Specs.one(K.maxUnpool(attrs.op(), in[0], in[1], attrs.outH(), attrs.outW()));
        }

        /** A gather at the same indices. */
        @Override
        public Tensor[] vjp(Unpool attrs, Node n, Tensor[] g) {
            long[] s = n.inputShape(0);
            long planeOut = (long) attrs.outH() * attrs.outW();
            return new Tensor[] {g[0].reshape(s[0], s[1], planeOut).gather(2, n.saved(0).reshape(s[0], s[1], s[2] * s[3]))
                    .reshape(s), null};
        }
    };

    /**
     * The input gradient of {@link #CONVOLUTION} (a full correlation with the flipped kernels):
     * {@code [N, C_out, H - kH + 1, W - kW + 1]} and the weight {@code [C_out, C_in, kH, kW]} to
     * {@code [N, C_in, H, W]}, the attribute being {@code H, W}. Bilinear: its reverse rule is the
     * convolution for the gradient and the weight gradient for the weight, from
     * {@code <dx(g, w), u> = <g, conv(u, w)>}.
     */
    public static final OpDef<Plane> CONVOLUTION_INPUT_GRAD = new OpDef<>("convolutionInputGrad", 1,
            "ConvolutionInputGradBackward0") {
        @Override
        public TensorSpec[] infer(Plane attrs, TensorSpec... in) {
            return Specs.one(new long[] {in[0].shape()[0], in[1].shape()[1], attrs.height(), attrs.width()}, in[0].dtype());
        }

        /** Into a preplanned output (a training graph's arena); through compute where the weights are not finite. */
        @Override
        public boolean hasOutKernel(Plane attrs) {
            return true;
        }

        @Override
        public void computeInto(Plane attrs, Tensor[] in, Tensor[] out) {
            long[] xs = {in[0].size(0), in[1].size(1), attrs.height(), attrs.width()};
            if (!K.conv2dInputGradInto(in[0], in[1], xs, out[0])) {
                K.castInto(compute(attrs, in)[0], out[0]);
            }
        }

        @Override
        public Tensor[] compute(Plane attrs, Tensor[] in) {
            Tensor gy = in[0];
            Tensor w = in[1];
            long[] xs = {gy.size(0), w.size(1), attrs.height(), attrs.width()};
            Tensor dx = K.conv2dInputGrad(gy, w, xs);
            if (dx != null) {
                return Specs.one(dx);
            }
            // A non-finite weight: the shifted GEMMs would add 0 * inf at non-window positions,
            // so fold the columns W^T g instead.
            long[] ws = w.shape();
            Tensor wt = K.permute(K.reshape(w, new long[] {ws[0], ws[1] * ws[2] * ws[3]}, false), new int[] {1, 0});
            Tensor cols = K.matmul(wt, K.reshape(gy, new long[] {xs[0], ws[0], gy.size(2) * gy.size(3)}, false));
            Window window = convolutionWindow(xs, ws);
            return Specs.one(K.col2im(cols, new int[] {attrs.height(), attrs.width()}, window.blocks, window.kernel,
                    UNIT, ZERO, UNIT));
        }

        @Override
        public Tensor[] save(Plane attrs, Tensor[] in, Tensor[] out) {
            return in.clone();
        }

        @Override
        public Tensor[] vjp(Plane attrs, Node nd, Tensor[] g) {
            Tensor gy = nd.saved(0);
            Tensor w = nd.saved(1);
            Tensor[] grads = new Tensor[2];
            if (nd.needsInputGrad(0)) {
                grads[0] = Dispatcher.call(CONVOLUTION, NoAttrs.NONE, g[0], w);
            }
            if (nd.needsInputGrad(1)) {
                grads[1] = Dispatcher.call(CONVOLUTION_WEIGHT_GRAD, new Plane((int) w.size(2), (int) w.size(3)), g[0], gy);
            }
            return grads;
        }

        @Override
        public Tensor[] jvp(Plane attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(bilinearTangent(this, attrs, in, t));
        }
    };

    /**
     * The weight gradient of {@link #CONVOLUTION}: the input {@code [N, C_in, H, W]} and the
     * output gradient {@code [N, C_out, H - kH + 1, W - kW + 1]} to {@code [C_out, C_in, kH, kW]},
     * the attribute being {@code kH, kW}. Bilinear: its reverse rule is the input gradient for
     * the input and the convolution for the output gradient, from {@code <dw(x, g), v> = <g, conv(x, v)>}.
     */
    public static final OpDef<Plane> CONVOLUTION_WEIGHT_GRAD = new OpDef<>("convolutionWeightGrad", 1,
            "ConvolutionWeightGradBackward0") {
        @Override
        public TensorSpec[] infer(Plane attrs, TensorSpec... in) {
            return Specs.one(new long[] {in[1].shape()[1], in[0].shape()[1], attrs.height(), attrs.width()}, in[1].dtype());
        }

        @Override
        public Tensor[] compute(Plane attrs, Tensor[] in) {
            Tensor x = in[0];
            Tensor gy = in[1];
            long[] ws = {gy.size(1), x.size(1), attrs.height(), attrs.width()};
            Tensor dw = K.conv2dWeightGrad(x, gy, ws);
            if (dw != null) {
                return Specs.one(dw);
            }
            // A non-finite input: the direct kernel's masked tail lanes would multiply it by zero,
            // so sum the per-example products g_n im2col(x)_n^T instead.
            long[] xs = x.shape();
            Window window = convolutionWindow(xs, ws);
            Tensor cols = K.im2col(x, window.blocks, window.kernel, UNIT, ZERO, UNIT);
            Tensor g3 = K.reshape(gy, new long[] {xs[0], ws[0], gy.size(2) * gy.size(3)}, false);
            return Specs.one(K.reshape(K.batchSumOfProducts(g3, cols), ws, false));
        }

        @Override
        public Tensor[] save(Plane attrs, Tensor[] in, Tensor[] out) {
            return in.clone();
        }

        @Override
        public Tensor[] vjp(Plane attrs, Node nd, Tensor[] g) {
            Tensor x = nd.saved(0);
            Tensor gy = nd.saved(1);
            Tensor[] grads = new Tensor[2];
            if (nd.needsInputGrad(0)) {
                grads[0] = Dispatcher.call(CONVOLUTION_INPUT_GRAD, new Plane((int) x.size(2), (int) x.size(3)), gy, g[0]);
            }
            if (nd.needsInputGrad(1)) {
                grads[1] = Dispatcher.call(CONVOLUTION, NoAttrs.NONE, x, g[0]);
            }
            return grads;
        }

        @Override
        public Tensor[] jvp(Plane attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(bilinearTangent(this, attrs, in, t));
        }
    };

    /**
     * The bias gradient of {@link #CONVOLUTION}: {@code [N, C_out, H, W]} summed to
     * {@code [C_out]} (one plane-sum kernel, where {@code sum(0, 2, 3)} would reduce over strided
     * dims). Its reverse rule broadcasts the gradient back over batch and positions.
     */
    public static final OpDef<NoAttrs> CONVOLUTION_BIAS_GRAD = new LinearOp<>("convolutionBiasGrad",
            "ConvolutionBiasGradBackward0") {
        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(new long[] {in[0].shape()[1]}, in[0].dtype());
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            return Specs.one(K.conv2dBiasGrad(in[0]));
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return Specs.one(g[0].reshape(1, -1, 1, 1).expand(n.inputShape(0)));
        }
    };

    /** The window of the valid stride-1 convolution of an input of shape {@code xs} by weights of shape {@code ws}. */
    private static Window convolutionWindow(long[] xs, long[] ws) {
        return new Window(new int[] {(int) (xs[2] - ws[2] + 1), (int) (xs[3] - ws[3] + 1)},
                new int[] {(int) ws[2], (int) ws[3]}, UNIT, ZERO, UNIT);
    }

    /** The tangent of a bilinear op {@code f(a, b)}: {@code f(ta, b) + f(a, tb)}, null when both tangents are. */
    private static <A> Tensor bilinearTangent(OpDef<A> op, A attrs, Tensor[] in, Tensor[] t) {
        Tensor r = t[0] == null ? null : Dispatcher.call(op, attrs, t[0], in[1]);
        if (t[1] != null) {
            Tensor term = Dispatcher.call(op, attrs, in[0], t[1]);
            r = r == null ? term : r.add(term);
        }
        return r;
    }

    /**
     * Max pooling's adjoint: {@code g [N, C, outH, outW]} added into zeros {@code [N, C, H, W]} at
     * the pooling's in-plane argmax indices (an I64 input, constant), the attribute being
     * {@code H, W}. Its reverse rule is a gather at the same indices.
     */
    public static final OpDef<Plane> MAX_POOL2D_BACKWARD = new LinearOp<>("maxPool2dBackward",
            "MaxPool2DWithIndicesBackwardBackward0") {
        @Override
        public TensorSpec[] infer(Plane attrs, TensorSpec... in) {
            long[] s = in[0].shape();
            return Specs.one(new long[] {s[0], s[1], attrs.height(), attrs.width()}, in[0].dtype());
        }

        @Override
        public Tensor[] compute(Plane attrs, Tensor[] in) {
            long[] s = in[0].shape();
            return Specs.one(K.maxPoolBackward(in[0], in[1], new long[] {s[0], s[1], attrs.height(), attrs.width()}));
        }

        /**
         * Into a preplanned output (a training graph's arena): a fresh array of [64, 32, 26, 26]
         * cost 0.65 ms on an Intel Xeon (the JVM zeroes it in memory no cache holds), where
         * zeroing an arena's buffer, which the last step's pass left in cache, costs less.
         */
        @Override
        public boolean hasOutKernel(Plane attrs) {
            return true;
        }

        @Override
        public void computeInto(Plane attrs, Tensor[] in, Tensor[] out) {
            long[] s = in[0].shape();
            K.maxPoolBackwardInto(in[0], in[1], new long[] {s[0], s[1], attrs.height(), attrs.width()}, out[0]);
        }

        @Override
        public Tensor[] vjp(Plane attrs, Node n, Tensor[] g) {
            long[] s = n.inputShape(0);
            long plane = (long) attrs.height() * attrs.width();
            return new Tensor[] {g[0].reshape(s[0], s[1], plane).gather(2, n.saved(0).reshape(s[0], s[1], s[2] * s[3]))
                    .reshape(s), null};
        }
    };

    /** Every definition of this family. */
    static final List<OpDef<?>> ALL = List.of(IM2COL, COL2IM, CONVOLUTION, STRIDED_CONVOLUTION, DEPTHWISE_CONV2D, MAX_POOL2D, AVG_POOL2D,
            AVG_POOL2D_BACKWARD, MAX_UNPOOL2D, CONVOLUTION_INPUT_GRAD, CONVOLUTION_WEIGHT_GRAD, CONVOLUTION_BIAS_GRAD,
            MAX_POOL2D_BACKWARD);
}
