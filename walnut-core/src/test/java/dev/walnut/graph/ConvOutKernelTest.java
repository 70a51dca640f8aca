package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.allocatedPerCall;
import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static dev.walnut.graph.GraphTestSupport.fewestBytesPerRound;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.functional.Convolution;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.WindowOps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The out= kernels of {@link FusedOps#CONV2D} (dense: shifted GEMMs, the 1x1 GEMM, the direct
 * kernels; depthwise) write compute's bits into an arena's buffer, whatever it held, and a
 * compiled reduce-overhead CNN allocates next to nothing per inference once warm. The kernels'
 * scratch is kept per thread and reused dirty, so every case is also checked against a naive
 * convolution written here: stale padding or grid values would show there even where compute
 * and computeInto agree.
 */
class ConvOutKernelTest {
    /** One fused convolution: input [n, cIn, h, w], weight [cOut, cIn or 1, k, k]; pad {left, right, top, bottom}. */
    record Case(String label, int cIn, int cOut, int h, int w, int k, long[] pad, boolean bias, boolean residual,
                double min, double max, WindowOps.DepthwiseWindow depthwise) {
        @Override
        public String toString() {
            return label;
        }

        FusedOps.Conv2d attrs() {
            return new FusedOps.Conv2d(depthwise, min, max, pad, residual);
        }

        int padL() {
            return pad == null ? 0 : (int) pad[0];
        }

        int padR() {
            return pad == null ? 0 : (int) pad[1];
        }

        int padT() {
            return pad == null ? 0 : (int) pad[2];
        }

        int padB() {
            return pad == null ? 0 : (int) pad[3];
        }

        int stride() {
            return depthwise == null ? 1 : depthwise.strideH();
        }

        int dwPad() {
            return depthwise == null ? 0 : depthwise.padH();
        }

        int outH() {
            return depthwise == null ? h + padT() + padB() - k + 1 : (h + 2 * dwPad() - k) / stride() + 1;
        }

        int outW() {
            return depthwise == null ? w + padL() + padR() - k + 1 : (w + 2 * dwPad() - k) / stride() + 1;
        }

        Tensor[] inputs(long seed, DType dt, int n) {
            Generator g = new Generator(seed);
            List<Tensor> in = new ArrayList<>();
            in.add(Tensor.randn(new long[] {n, cIn, h, w}, dt, g));
            in.add(Tensor.randn(new long[] {cOut, depthwise == null ? cIn : 1, k, k}, dt, g));
            if (bias) {
                in.add(Tensor.randn(new long[] {cOut}, dt, g));
            }
            if (residual) {
                in.add(Tensor.randn(new long[] {n, cOut, outH(), outW()}, dt, g));
            }
            return in.toArray(Tensor[]::new);
        }

        /** The convolution as its definition, element by element, in double. */
        double[] naive(Tensor[] in) {
            int n = (int) in[0].size(0);
            double[] x = in[0].toDoubleArray();
            double[] wt = in[1].toDoubleArray();
            double[] b = bias ? in[2].toDoubleArray() : null;
            double[] r = residual ? in[in.length - 1].toDoubleArray() : null;
            int oh = outH();
            int ow = outW();
            double[] y = new double[n * cOut * oh * ow];
            int perOut = cOut / cIn;
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < cOut; o++) {
                    for (int p = 0; p < oh; p++) {
                        for (int q = 0; q < ow; q++) {
                            double s = b == null ? 0 : b[o];
                            int c0 = depthwise == null ? 0 : o / perOut;
                            int c1 = depthwise == null ? cIn : c0 + 1;
                            for (int c = c0; c < c1; c++) {
                                for (int a = 0; a < k; a++) {
                                    for (int bb = 0; bb < k; bb++) {
                                        int yy = depthwise == null ? p + a - padT() : p * stride() + a - dwPad();
                                        int xx = depthwise == null ? q + bb - padL() : q * stride() + bb - dwPad();
                                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
                                            continue;
                                        }
                                        int wc = depthwise == null ? c : 0;
                                        int wi = ((o * (depthwise == null ? cIn : 1) + wc) * k + a) * k + bb;
                                        s += wt[wi] * x[((i * cIn + c) * h + yy) * w + xx];
                                    }
                                }
                            }
                            int at = ((i * cOut + o) * oh + p) * ow + q;
                            if (r != null) {
                                s += r[at];
                            }
                            y[at] = Math.min(Math.max(s, min), max);
                        }
                    }
                }
            }
            return y;
        }
    }

    private static final double INF = Double.POSITIVE_INFINITY;

    static List<Case> cases() {
        return List.of(
                // First, so that later cases find the kept scratch full of its values.
                new Case("3x3, pad 2, bias, large planes", 6, 12, 21, 19, 3, new long[] {2, 2, 2, 2}, true, false,
                        -INF, INF, null),
                new Case("3x3, pad 1, bias, residual, relu6", 8, 16, 10, 9, 3, new long[] {1, 1, 1, 1}, true, true, 0, 6,
                        null),
                new Case("3x3, asymmetric pad, no bias, relu", 5, 7, 8, 11, 3, new long[] {0, 1, 2, 0}, false, false, 0,
                        INF, null),
                new Case("3x3, no pad, residual, clamp", 6, 10, 9, 9, 3, null, true, true, -0.5, 0.5, null),
                new Case("1x1 (pointwise), residual, relu", 12, 20, 7, 7, 1, null, true, true, 0, INF, null),
                new Case("1x1 (pointwise), no bias", 16, 8, 5, 6, 1, null, false, false, -INF, INF, null),
                new Case("direct (depth 18 < 24), pad 1, residual, relu", 2, 24, 9, 10, 3, new long[] {1, 1, 1, 1}, true,
                        true, 0, INF, null),
                new Case("depthwise 3x3 stride 2 pad 1, relu6", 8, 8, 11, 12, 3, null, true, false, 0, 6,
                        new WindowOps.DepthwiseWindow(2, 2, 1, 1, 1, 1)),
                new Case("depthwise 3x3 stride 1 pad 1, multiplier 2, no bias", 4, 8, 9, 7, 3, null, false, false,
                        -INF, INF, new WindowOps.DepthwiseWindow(1, 1, 1, 1, 1, 1)));
    }

    /** A view of a larger buffer filled with NaN, as an arena's tensors are views of their buffers. */
    private static Tensor dirtyOut(Tensor like) {
        try (var off = Autograd.noGrad()) {
            long numel = like.numel();
            return Tensor.full(new long[] {numel + 5}, Double.NaN, like.dtype()).narrow(0, 0, numel).view(like.shape());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void outKernelGivesComputesBitsInADirtyBufferAtBatch1And8(Case c) {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int n : new int[] {1, 8}) {
                Tensor out = null;
                for (int call = 0; call < 2; call++) { // the second call writes over the first's values
                    Tensor[] in = c.inputs(100 * n + call, dt, n);
                    Tensor expected = FusedOps.CONV2D.compute(c.attrs(), in)[0];
                    if (out == null) {
                        out = dirtyOut(expected);
                    }
                    long version = out.version();
                    FusedOps.CONV2D.computeInto(c.attrs(), in, new Tensor[] {out});
                    assertBitIdentical(expected, out);
                    assertTrue(out.version() > version, "computeInto bumps the output's version");
                    double[] naive = c.naive(in);
                    double[] got = out.toDoubleArray();
                    double tol = dt == DType.F32 ? 1e-4 : 1e-11;
                    for (int i = 0; i < naive.length; i++) {
                        double err = Math.abs(got[i] - naive[i]);
                        assertTrue(err <= tol * (1 + Math.abs(naive[i])), c + " " + dt + " batch " + n + ": element " + i
                                + " is " + got[i] + ", the definition gives " + naive[i]);
                    }
                }
            }
        }
    }

    /** The plain convolution and depthwise ops (a projection without activation stays one) write into the arena too. */
    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    void plainConvolutionOpsHaveOutKernels(int n) {
        Tensor x = Tensor.randn(new long[] {n, 6, 9, 8}, DType.F32, new Generator(1));
        Tensor w = Tensor.randn(new long[] {10, 6, 3, 3}, DType.F32, new Generator(2));
        Tensor b = Tensor.randn(new long[] {10}, DType.F32, new Generator(3));
        Tensor[] in = {x, w, b};
        Tensor expected = WindowOps.CONVOLUTION.compute(dev.walnut.ops.NoAttrs.NONE, in)[0];
        Tensor out = dirtyOut(expected);
        assertTrue(WindowOps.CONVOLUTION.hasOutKernel(dev.walnut.ops.NoAttrs.NONE));
        WindowOps.CONVOLUTION.computeInto(dev.walnut.ops.NoAttrs.NONE, in, new Tensor[] {out});
        assertBitIdentical(expected, out);
        var window = new WindowOps.DepthwiseWindow(2, 1, 1, 0, 1, 1);
        Tensor dw = Tensor.randn(new long[] {12, 1, 3, 3}, DType.F32, new Generator(4));
        Tensor[] din = {x, dw};
        Tensor dExpected = WindowOps.DEPTHWISE_CONV2D.compute(window, din)[0];
        Tensor dOut = dirtyOut(dExpected);
        WindowOps.DEPTHWISE_CONV2D.computeInto(window, din, new Tensor[] {dOut});
        assertBitIdentical(dExpected, dOut);
    }

    /** An out= tensor that is a view of the input is refused by the arena's plan; here the kernel copies instead. */
    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    void anOutputSharingTheResidualsStorageGetsTheSameBits(int n) {
        Case c = cases().get(4); // 1x1 with a residual: output and residual have one shape
        Tensor[] in = c.inputs(7, DType.F32, n);
        Tensor expected = FusedOps.CONV2D.compute(c.attrs(), in)[0];
        Tensor r = in[in.length - 1];
        Tensor out = r; // written while read: the kernel must compute apart first
        FusedOps.CONV2D.computeInto(c.attrs(), in, new Tensor[] {out});
        assertBitIdentical(expected, out);
    }

    /** im2col writes every column element, the zeros of its padding included, so a reused buffer gets compute's bits. */
    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    void im2colIntoADirtyBufferWritesItsPaddingZeros(int n) {
        var window = new WindowOps.Window(new int[] {5, 4}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 2},
                new int[] {2, 2});
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor[] in = {Tensor.randn(new long[] {n, 3, 9, 5}, dt, new Generator(n))};
            Tensor expected = WindowOps.IM2COL.compute(window, in)[0];
            Tensor out = dirtyOut(expected);
            assertTrue(WindowOps.IM2COL.hasOutKernel(window));
            WindowOps.IM2COL.computeInto(window, in, new Tensor[] {out});
            assertBitIdentical(expected, out);
        }
    }

    private static Tensor param(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed)).mul(0.2);
    }

    /**
     * A small CNN with every convolution's form: 3x3 with padding, a residual block, a strided
     * 3x3 (im2col and a batched matmul), a depthwise convolution with ReLU6 and a 1x1 projection
     * without activation, then a mean.
     */
    private static Function<Tensor[], Tensor> cnn() {
        Tensor w1 = param(1, 16, 8, 3, 3);
        Tensor b1 = param(2, 16);
        Tensor w2 = param(3, 16, 16, 3, 3);
        Tensor b2 = param(4, 16);
        Tensor ws = param(9, 16, 16, 3, 3);
        Tensor bs = param(10, 16);
        Tensor wd = param(5, 16, 1, 3, 3);
        Tensor bd = param(6, 16);
        Tensor wp = param(7, 24, 16, 1, 1);
        Tensor bp = param(8, 24);
        return in -> {
            Tensor h = Convolution.conv2d(in[0], w1, b1, 1, 1, 1, 1).relu();
            Tensor r = Convolution.conv2d(h, w2, b2, 1, 1, 1, 1).add(h).relu();
            Tensor s = Convolution.conv2d(r, ws, bs, 2, 1, 1, 1).relu(); // strided: im2col and a batched matmul
            Tensor d = Convolution.conv2d(s, wd, bd, 1, 1, 1, 16).clamp(0, 6);
            return Convolution.conv2d(d, wp, bp).mean(2, 3);
        };
    }

    /**
     * Once warm, a reduce-overhead inference allocates on the calling thread little more than its
     * [n, 24] output: no convolution output (each [8, 16, 24, 24] is 295 KB) and no scratch.
     * The default executor allocates those outputs (and only those: its scratch is kept too);
     * both give the same bits.
     *
     * <p>Tagged {@code allocation} (a JVM of its own, as {@code CompiledTrainStepArenaTest}'s step):
     * after the five thousand tests before it in one JVM, a full run once measured 85 KB per call
     * at batch 8 for the whole 120 s, a Vector API kernel compiled with its vectors boxed; alone
     * it passes in 3 s.
     */
    @Tag("allocation")
    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    void compiledReduceOverheadCnnAllocatesAlmostNothingOnceWarm(int n) {
        Function<Tensor[], Tensor> f = cnn();
        Tensor x = Tensor.randn(new long[] {n, 8, 24, 24}, DType.F32, new Generator(9));
        CompiledFunction plain = Compiler.compile(f);
        CompiledFunction arena = Compiler.compile(f).mode(CompileMode.REDUCE_OVERHEAD);
        assertBitIdentical(plain.apply(x), arena.apply(x));
        assertBitIdentical(plain.apply(x), arena.apply(x)); // the planned run, after the discovering one
        Graph g = arena.graphFor(x);
        ArenaExecutor ex = new ArenaExecutor(g, new Tensor[] {x});
        ex.run(g.boundWeights(), new Tensor[] {x});
        assertFalse(ex.allocatingNodes().stream().anyMatch(op -> op.contains("onv") || op.equals("im2col")),
                "convolutions that allocate per call: " + ex.allocatingNodes());
        long activation = 4L * n * 16 * 24 * 24;
        long plainBytes = allocatedPerCall(() -> plain.apply(x));
        // A few KB of small objects per call remain (layouts, shape arrays, the output): about
        // 4.6 KB measured at both batch sizes.
        long small = 16 * 1024;
        long arenaBytes = fewestBytesPerRound(() -> arena.apply(x), 10, 120, 10 * small) / 10;
        assertTrue(plainBytes > 2 * activation, "default: " + plainBytes + " B per call");
        assertTrue(arenaBytes <= small, "reduce-overhead: " + arenaBytes + " B per call once warm (default: " + plainBytes
                + "; one activation: " + activation + ")");
    }
}
