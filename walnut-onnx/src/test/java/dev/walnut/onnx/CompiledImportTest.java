package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import dev.walnut.graph.ConvolutionFusion;
import dev.walnut.graph.Graph;
import dev.walnut.graph.Pass;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.ShapeContentOps;
import dev.walnut.ops.WindowOps;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

/**
 * An imported model is an ordinary Module to the graph compiler: its first call traces the
 * Walnut ops the ONNX nodes run into a graph, later calls run the optimized graph, and the
 * results still match PyTorch's.
 */
class CompiledImportTest {
    private static void compiledMatchesPyTorch(String name) throws Exception {
        Path dir = PyTorchModels.model(name);
        OnnxModel model = Onnx.load(dir.resolve("model.onnx"));
        Tensor x = PyTorchModels.tensors(dir, "input")[0];
        Tensor expected = PyTorchModels.tensors(dir, "output")[0];
        CompiledFunction f = Compiler.compile(model).eagerFallback(false);
        try (var off = Autograd.noGrad()) {
            f.apply(x);
            long t0 = System.nanoTime();
            Tensor y = f.apply(x);
            double ms = (System.nanoTime() - t0) / 1e6;
            double err = PyTorchModels.relativeError(y, expected);
            System.out.printf("%s compiled: %.1f ms, relative error %.2e, graphs %d%n", name, ms, err, f.cachedGraphs());
            assertTrue(err <= PyTorchExportTest.TOLERANCE, name + ": compiled output differs by " + err);
        }
        assertEquals(1, f.cachedGraphs());
    }

    @Test
    void compiledResnet18MatchesPyTorch() throws Exception {
        compiledMatchesPyTorch("resnet18");
    }

    @Test
    void compiledMobilenetV2MatchesPyTorch() throws Exception {
        compiledMatchesPyTorch("mobilenet_v2");
    }

    /**
     * The convolution fusion leaves no pad and no residual add between the convolutions of the
     * imported CNNs and changes no bit of their output: the model compiled with the default
     * passes gives the bits of the model compiled without {@code ConvolutionFusion}. (Eager and
     * compiled differ in the last bits anyway: the classifier's fused linear sums in another
     * order.)
     */
    private static void compiledCnnIsFusedAndMatchesEager(String name, int residuals) throws Exception {
        Path dir = PyTorchModels.model(name);
        OnnxModel model = Onnx.load(dir.resolve("model.onnx"));
        model.eval();
        Tensor x = PyTorchModels.tensors(dir, "input")[0];
        CompiledFunction f = Compiler.compile(model).eagerFallback(false);
        List<Pass> withoutConvolutionFusion = Pass.defaults().stream().filter(p -> !(p instanceof ConvolutionFusion))
                .toList();
        CompiledFunction unfused = Compiler.compile(model).eagerFallback(false).passes(withoutConvolutionFusion);
        try (var off = Autograd.noGrad()) {
            Tensor eager = model.forward(x);
            Tensor compiled = f.apply(x);
            assertArrayEquals(unfused.apply(x).toFloatArray(), compiled.toFloatArray(),
                    name + ": the convolution fusion changed the output");
            double err = PyTorchModels.relativeError(compiled, eager);
            assertTrue(err <= 1e-6, name + ": compiled differs from eager by " + err);
        }
        Graph graph = f.graphFor(x);
        for (dev.walnut.graph.Node n : graph.nodes()) {
            // Pads remain where the stacked (batch > 1) convolution lays out its images.
            if (n.op() == FusedOps.CONV2D || n.op() == WindowOps.CONVOLUTION) {
                var producer = n.inputs().get(0).producer();
                assertFalse(producer != null && producer.op() == ShapeContentOps.PAD, n + " reads a pad\n" + graph);
            }
        }
        assertEquals(residuals, graph.toString().split("residual=true", -1).length - 1, graph.toString());
    }

    @Test
    void compiledResnet18FoldsItsPadsAndResidualsAndKeepsItsBits() throws Exception {
        // At 64 x 64 the stride-1 3x3 convolutions of layers 3 and 4 (4 x 4 and 2 x 2 planes) take
        // im2col instead, padding inside it; layers 1 and 2 hold four residual blocks. Where the
        // channels fill whole blocks (16-lane vectors), each layer's strided 1x1 downsample is a
        // convolution too, and comes first in this graph: it takes its block's add (layers 2 to 4).
        boolean strided = dev.walnut.backend.cpu.KernelProvider.get().blockedConvLanes() > 0;
        compiledCnnIsFusedAndMatchesEager("resnet18", strided ? 6 : 4);
    }

    @Test
    void compiledMobilenetV2FoldsItsResidualsAndKeepsItsBits() throws Exception {
        compiledCnnIsFusedAndMatchesEager("mobilenet_v2", 10);
    }

    @Test
    void compiledTransformerEncoderMatchesPyTorch() throws Exception {
        compiledMatchesPyTorch("transformer");
    }

    /** The encoder's attention runs on batch-first rows: no permute (a copy at batch > 1) is left between its layers. */
    @Test
    void compiledTransformerEncoderRunsHeadsLastAttentionWithoutPermutes() throws Exception {
        Path dir = PyTorchModels.model("transformer");
        OnnxModel model = Onnx.load(dir.resolve("model.onnx"));
        Tensor x = PyTorchModels.tensors(dir, "input")[0];
        String graph = Compiler.compile(model).eagerFallback(false).graphFor(x).toString();
        assertTrue(graph.contains("headsLast=true") && !graph.contains("permute"), graph);
    }
}
