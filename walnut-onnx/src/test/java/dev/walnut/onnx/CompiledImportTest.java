package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

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
