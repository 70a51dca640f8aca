package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.functional.Convolution;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.WindowOps;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden graphs of {@link ConvolutionFusion}, and {@link FusedOps#CONV2D}'s kernels (the clamp in
 * the store, the direct 1x1 GEMM, the two-phase pack of strided depthwise planes) against
 * compositions that do not use them.
 */
class ConvolutionFusionTest {
    private static Tensor randn(long seed, DType dt, long... shape) {
        return Tensor.randn(shape, dt, new Generator(seed));
    }

    /**
     * A MobileNet v2 block as the ONNX importer produces it: 1x1 expansion + ReLU6 (Clip as two
     * clamps), 3x3 depthwise stride 2 + ReLU6, 1x1 projection without activation; then a 3x3
     * convolution + ReLU (ResNet's shape of layer). Inputs: x and the weights and biases.
     */
    private static final Function<Tensor[], Tensor> BLOCK = in -> {
        Tensor h = Convolution.conv2d(in[0], in[1], in[2]).clampMin(0).clampMax(6);
        h = Convolution.conv2d(h, in[3], in[4], 2, 1, 1, 8).clampMin(0).clampMax(6);
        h = Convolution.conv2d(h, in[5], in[6]);
        return Convolution.conv2d(h, in[7], in[8], 1, 1, 1, 1).relu();
    };

    private static Tensor[] blockInputs(DType dt, long n, long size) {
        return new Tensor[] {randn(1, dt, n, 4, size, size), randn(2, dt, 8, 4, 1, 1), randn(3, dt, 8),
                randn(4, dt, 8, 1, 3, 3), randn(5, dt, 8), randn(6, dt, 6, 8, 1, 1), randn(7, dt, 6),
                randn(8, dt, 5, 6, 3, 3), randn(9, dt, 5)};
    }

    @Test
    void reluAndClipChainsJoinTheirConvolutions() {
        Graph g = Graph.trace(BLOCK, blockInputs(DType.F32, 2, 9));
        assertEquals("""
                graph(%x0: f32[2,4,9,9], %x1: f32[8,4,1,1], %x2: f32[8], %x3: f32[8,1,3,3], %x4: f32[8], %x5: f32[6,8,1,1], %x6: f32[6], %x7: f32[5,6,3,3], %x8: f32[5]):
                  %0 = convolution(%x0, %x1, %x2) : f32[2,8,9,9]
                  %1 = clamp(%0) {min=0.0, max=Infinity} : f32[2,8,9,9]
                  %2 = clamp(%1) {min=-Infinity, max=6.0} : f32[2,8,9,9]
                  %3 = depthwiseConv2d(%2, %x3, %x4) {strideH=2, strideW=2, padH=1, padW=1, dilationH=1, dilationW=1} : f32[2,8,5,5]
                  %4 = clamp(%3) {min=0.0, max=Infinity} : f32[2,8,5,5]
                  %5 = clamp(%4) {min=-Infinity, max=6.0} : f32[2,8,5,5]
                  %6 = convolution(%5, %x5, %x6) : f32[2,6,5,5]
                  %7 = constantPad(%6) {pad=[1, 1, 1, 1], value=0.0} : f32[2,6,7,7]
                  %8 = convolution(%7, %x7, %x8) : f32[2,5,5,5]
                  %9 = relu(%8) : f32[2,5,5,5]
                  return (%9)
                """, g.toString());
        Graph after = new ConvolutionFusion().apply(g);
        assertEquals("""
                graph(%x0: f32[2,4,9,9], %x1: f32[8,4,1,1], %x2: f32[8], %x3: f32[8,1,3,3], %x4: f32[8], %x5: f32[6,8,1,1], %x6: f32[6], %x7: f32[5,6,3,3], %x8: f32[5]):
                  %0 = fusedConv2d(%x0, %x1, %x2) {depthwise=null, min=0.0, max=6.0, pad=null, residual=false, stride=null} : f32[2,8,9,9]
                  %1 = fusedConv2d(%0, %x3, %x4) {depthwise={strideH=2, strideW=2, padH=1, padW=1, dilationH=1, dilationW=1}, min=0.0, max=6.0, pad=null, residual=false, stride=null} : f32[2,8,5,5]
                  %2 = convolution(%1, %x5, %x6) : f32[2,6,5,5]
                  %3 = fusedConv2d(%2, %x7, %x8) {depthwise=null, min=0.0, max=Infinity, pad=[1, 1, 1, 1], residual=false, stride=null} : f32[2,5,5,5]
                  return (%3)
                """, after.toString());
        Tensor[] in = blockInputs(DType.F32, 2, 9);
        assertBitIdentical(g.run(in), after.run(in));
    }

    /**
     * A ResNet basic block (3x3 + ReLU, 3x3, add the block's input, ReLU) and a MobileNet v2
     * residual (1x1 projection without activation, add): the pads before the 3x3 convolutions and
     * the residual adds join the convolutions.
     */
    private static final Function<Tensor[], Tensor> RESIDUAL_BLOCKS = in -> {
        Tensor h = Convolution.conv2d(in[0], in[1], in[2], 1, 1, 1, 1).relu();
        h = Convolution.conv2d(h, in[3], in[4], 1, 1, 1, 1);
        Tensor y = h.add(in[0]).relu();
        return in[6].add(Convolution.conv2d(y, in[5], null));
    };

    private static Tensor[] residualInputs(DType dt, long n, long size) {
        return new Tensor[] {randn(1, dt, n, 4, size, size), randn(2, dt, 4, 4, 3, 3), randn(3, dt, 4),
                randn(4, dt, 4, 4, 3, 3), randn(5, dt, 4), randn(6, dt, 3, 4, 1, 1), randn(7, dt, n, 3, size, size)};
    }

    @Test
    void padsAndResidualAddsJoinTheirConvolutions() {
        Graph g = Graph.trace(RESIDUAL_BLOCKS, residualInputs(DType.F32, 2, 9));
        assertEquals("""
                graph(%x0: f32[2,4,9,9], %x1: f32[4,4,3,3], %x2: f32[4], %x3: f32[4,4,3,3], %x4: f32[4], %x5: f32[3,4,1,1], %x6: f32[2,3,9,9]):
                  %0 = constantPad(%x0) {pad=[1, 1, 1, 1], value=0.0} : f32[2,4,11,11]
                  %1 = convolution(%0, %x1, %x2) : f32[2,4,9,9]
                  %2 = relu(%1) : f32[2,4,9,9]
                  %3 = constantPad(%2) {pad=[1, 1, 1, 1], value=0.0} : f32[2,4,11,11]
                  %4 = convolution(%3, %x3, %x4) : f32[2,4,9,9]
                  %5 = add(%4, %x0) : f32[2,4,9,9]
                  %6 = relu(%5) : f32[2,4,9,9]
                  %7 = convolution(%6, %x5) : f32[2,3,9,9]
                  %8 = add(%x6, %7) : f32[2,3,9,9]
                  return (%8)
                """, g.toString());
        Graph after = new ConvolutionFusion().apply(g);
        assertEquals("""
                graph(%x0: f32[2,4,9,9], %x1: f32[4,4,3,3], %x2: f32[4], %x3: f32[4,4,3,3], %x4: f32[4], %x5: f32[3,4,1,1], %x6: f32[2,3,9,9]):
                  %0 = fusedConv2d(%x0, %x1, %x2) {depthwise=null, min=0.0, max=Infinity, pad=[1, 1, 1, 1], residual=false, stride=null} : f32[2,4,9,9]
                  %1 = fusedConv2d(%0, %x3, %x4, %x0) {depthwise=null, min=0.0, max=Infinity, pad=[1, 1, 1, 1], residual=true, stride=null} : f32[2,4,9,9]
                  %2 = fusedConv2d(%1, %x5, %x6) {depthwise=null, min=-Infinity, max=Infinity, pad=null, residual=true, stride=null} : f32[2,3,9,9]
                  return (%2)
                """, after.toString());
        Tensor[] in = residualInputs(DType.F32, 2, 9);
        assertBitIdentical(g.run(in), after.run(in));
        Tensor[] in64 = residualInputs(DType.F64, 2, 9);
        Graph g64 = Graph.trace(RESIDUAL_BLOCKS, in64);
        assertBitIdentical(g64.run(in64), new ConvolutionFusion().apply(g64).run(in64));
    }

    @Test
    void asymmetricAndSuccessivePadsAddUpAndAPadWithAnotherReaderStays() {
        Function<Tensor[], Tensor[]> fn = in -> {
            Tensor p = in[0].pad(0, 1, 2, 0);
            Tensor y = Convolution.conv2d(p.pad(1, 1, 0, 1), in[1], in[2]);
            return new Tensor[] {y, p.sum()};
        };
        Tensor[] in = {randn(1, DType.F32, 2, 3, 6, 5), randn(2, DType.F32, 4, 3, 3, 2), randn(3, DType.F32, 4)};
        Graph g = Graph.tracerAll(fn).trace(in);
        Graph after = new ConvolutionFusion().apply(g);
        assertEquals("""
                graph(%x0: f32[2,3,6,5], %x1: f32[4,3,3,2], %x2: f32[4]):
                  %0 = constantPad(%x0) {pad=[0, 1, 2, 0], value=0.0} : f32[2,3,8,6]
                  %1 = fusedConv2d(%x0, %x1, %x2) {depthwise=null, min=-Infinity, max=Infinity, pad=[1, 2, 2, 1], residual=false, stride=null} : f32[2,4,7,7]
                  %2 = sum(%0) {dims=[], keepDim=false} : f32[]
                  return (%1, %2)
                """, after.toString());
        assertBitIdentical(g.run(in), after.run(in));
    }

    @Test
    void nonZeroPadsCropsAndBroadcastResidualsAreLeftAlone() {
        Function<Tensor[], Tensor[]> fn = in -> {
            Tensor a = Convolution.conv2d(in[0].pad(new long[] {1, 1, 1, 1}, dev.walnut.PadMode.CONSTANT, 0.5), in[1], null);
            Tensor b = Convolution.conv2d(in[0].pad(-1, 0, 0, 0), in[1], null).add(in[2]);
            return new Tensor[] {a, b};
        };
        Tensor[] in = {randn(1, DType.F32, 1, 2, 9, 9), randn(2, DType.F32, 3, 2, 3, 3), randn(3, DType.F32, 3, 1, 1)};
        Graph g = Graph.tracerAll(fn).trace(in);
        Graph after = new ConvolutionFusion().apply(g);
        assertEquals(g.toString(), after.toString());
    }

    @Test
    void aConvolutionWithAnotherReaderOrAnOutputKeepsItsActivation() {
        Function<Tensor[], Tensor[]> fn = in -> {
            Tensor y = Convolution.conv2d(in[0], in[1], null);
            Tensor z = Convolution.conv2d(in[0], in[2], null);
            return new Tensor[] {y.relu().add(y), z, z.relu()};
        };
        Tensor[] in = {randn(1, DType.F32, 1, 2, 4, 4), randn(2, DType.F32, 3, 2, 1, 1), randn(3, DType.F32, 3, 2, 1, 1)};
        Graph g = Graph.tracerAll(fn).trace(in);
        Graph after = new ConvolutionFusion().apply(g);
        assertEquals(g.toString(), after.toString());
    }

    @Test
    void aChainEndsWhereTheClampRangesDoNotMeet() {
        Function<Tensor[], Tensor> fn = in -> Convolution.conv2d(in[0], in[1], null).clamp(-1, 0.5).clamp(1, 2).exp();
        Tensor[] in = {randn(1, DType.F32, 1, 2, 4, 4), randn(2, DType.F32, 3, 2, 1, 1)};
        Graph g = Graph.trace(fn, in);
        Graph after = new ConvolutionFusion().apply(g);
        assertEquals("""
                graph(%x0: f32[1,2,4,4], %x1: f32[3,2,1,1]):
                  %0 = fusedConv2d(%x0, %x1) {depthwise=null, min=-1.0, max=0.5, pad=null, residual=false, stride=null} : f32[1,3,4,4]
                  %1 = clamp(%0) {min=1.0, max=2.0} : f32[1,3,4,4]
                  %2 = exp(%1) : f32[1,3,4,4]
                  return (%2)
                """, after.toString());
        assertBitIdentical(g.run(in), after.run(in));
    }

    @Test
    void aCompiledBlockMatchesEagerAtSeveralBatches() {
        CompiledFunction f = Compiler.compile(BLOCK);
        for (long n : new long[] {1, 3}) {
            for (DType dt : List.of(DType.F32, DType.F64)) {
                Tensor[] in = blockInputs(dt, n, 23);
                Tensor eager;
                try (var off = Autograd.noGrad()) {
                    eager = BLOCK.apply(in);
                }
                Tensor compiled = f.apply(in);
                assertClose(eager, compiled, 1e-6);
            }
        }
        assertTrue(f.graphFor(blockInputs(DType.F32, 2, 23)).toString().contains("fusedConv2d"));
    }

    @Test
    void theDirectOneByOneGemmMatchesAMatmul() {
        // Planes of 70 x 70 (4900 columns) are cut into several column blocks; 2 channels out give
        // row blocks at batch 1.
        for (long[] s : new long[][] {{1, 3, 70, 2}, {3, 5, 70, 17}, {2, 16, 7, 40}, {1, 8, 1, 300}}) {
            for (DType dt : List.of(DType.F32, DType.F64)) {
                long n = s[0];
                long cIn = s[1];
                long hw = s[2] * s[2];
                long cOut = s[3];
                Tensor x = randn(11, dt, n, cIn, s[2], s[2]);
                Tensor w = randn(12, dt, cOut, cIn, 1, 1);
                Tensor b = randn(13, dt, cOut);
                Tensor expected = w.reshape(cOut, cIn).matmul(x.reshape(n, cIn, hw)).add(b.reshape(cOut, 1))
                        .clamp(-0.5, 1.0).reshape(n, cOut, s[2], s[2]);
                Tensor fused = Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(null, -0.5, 1.0), x, w, b);
                assertClose(expected, fused, dt == DType.F32 ? 1e-5 : 1e-12);
                Tensor plain = Convolution.conv2d(x, w, b);
                assertBitIdentical(plain.clamp(-0.5, 1.0), fused);
            }
        }
    }

    @Test
    void stridedDepthwisePlanesMatchPerChannelConvolutions() {
        // Odd and even widths and paddings: the two-phase pack starts on either phase.
        for (int[] s : new int[][] {{9, 9, 1}, {8, 10, 0}, {7, 6, 2}, {5, 11, 1}}) {
            for (DType dt : List.of(DType.F32, DType.F64)) {
                Tensor x = randn(21, dt, 2, 3, s[0], s[1]);
                Tensor w = randn(22, dt, 3, 1, 3, 3);
                Tensor b = randn(23, dt, 3);
                Tensor fused = Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(
                        new WindowOps.DepthwiseWindow(2, 2, s[2], s[2], 1, 1), 0, 6), x, w, b);
                for (int c = 0; c < 3; c++) {
                    // One channel at a time: an ordinary (im2col) convolution, not the depthwise kernels.
                    Tensor one = Convolution.conv2d(x.narrow(1, c, 1), w.narrow(0, c, 1), b.narrow(0, c, 1), 2, s[2], 1, 1)
                            .clamp(0, 6);
                    assertClose(one, fused.narrow(1, c, 1), dt == DType.F32 ? 1e-5 : 1e-12);
                }
            }
        }
    }

    @Test
    void aFusedGraphSavesAndLoads(@TempDir Path dir) throws Exception {
        Graph g = Pass.run(Graph.trace(BLOCK, blockInputs(DType.F32, 1, 9)), Pass.defaults());
        Path file = dir.resolve("block.walnut");
        g.save(file);
        Graph loaded = Graph.load(file);
        assertEquals(g.toString(), loaded.toString());
        Tensor[] in = blockInputs(DType.F32, 1, 9);
        assertBitIdentical(g.run(in), loaded.run(in));
    }

    @Test
    void aCompiledResidualBlockMatchesEagerAtSeveralBatches() {
        CompiledFunction f = Compiler.compile(RESIDUAL_BLOCKS);
        for (long n : new long[] {1, 3}) {
            for (DType dt : List.of(DType.F32, DType.F64)) {
                Tensor[] in = residualInputs(dt, n, 14);
                Tensor eager;
                try (var off = Autograd.noGrad()) {
                    eager = RESIDUAL_BLOCKS.apply(in);
                }
                assertBitIdentical(eager, f.apply(in));
            }
        }
        String compiled = f.graphFor(residualInputs(DType.F32, 3, 14)).toString();
        assertTrue(compiled.contains("residual=true") && !compiled.contains("constantPad"), compiled);
    }

    @Test
    void paddingAndAResidualAreRefusedForADepthwiseConvolutionAndAResidualOfTheWrongShape() {
        var window = new WindowOps.DepthwiseWindow(1, 1, 1, 1, 1, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> new FusedOps.Conv2d(window, 0, 6, null, true));
        assertTrue(e.getMessage().contains("depthwise"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FusedOps.Conv2d(null, 0, 6, new long[] {1, -1, 0, 0},
                false));
        assertTrue(e.getMessage().contains("pad"), e.getMessage());
        Tensor x = randn(1, DType.F32, 1, 2, 4, 4);
        Tensor w = randn(2, DType.F32, 3, 2, 3, 3);
        Tensor r = randn(3, DType.F32, 1, 3, 4, 4);
        e = assertThrows(IllegalArgumentException.class, () -> Dispatcher.call(FusedOps.CONV2D,
                new FusedOps.Conv2d(null, 0, 6, null, true), x, w, r));
        assertTrue(e.getMessage().contains("residual must have the output's shape"), e.getMessage());
    }

    @Test
    void badBoundsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new FusedOps.Conv2d(null, 1, 0));
        assertTrue(e.getMessage().contains("min <= max"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FusedOps.Conv2d(null, Double.NaN, 0));
    }

    private static void assertClose(Tensor expected, Tensor actual, double rel) {
        assertEquals(expected.dtype(), actual.dtype());
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.shape(), actual.shape());
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double scale = 1e-30;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], rel * scale, "element " + i);
        }
    }
}
