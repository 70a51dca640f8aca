package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Keeps the README's ONNX export example honest: {@link #exampleRunsAndDoesWhatItsCommentsSay}
 * runs the code between the {@code README-ONNX-EXPORT} markers, and
 * {@link #readmeShowsExactlyTheMarkedExample} fails when the README's block and the marked region
 * differ (indentation aside). Change both together.
 */
class ReadmeOnnxExportTest {
    private static final String BEGIN = "// README-ONNX-EXPORT-BEGIN";
    private static final String END = "// README-ONNX-EXPORT-END";

    @TempDir
    Path dir;

    @Test
    void exampleRunsAndDoesWhatItsCommentsSay() throws Exception {
        Path modelFile = dir.resolve("mlp.onnx");
        Tensor.manualSeed(3);
        // README-ONNX-EXPORT-BEGIN
        // imports: dev.walnut.Tensor, dev.walnut.nn.{Module, Sequential, Linear, ReLU},
        //          dev.walnut.onnx.{Onnx, OnnxExport, OnnxModel}

        Module mlp = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 4));
        Onnx.export(mlp, new Tensor[] {Tensor.randn(2, 8)}, modelFile);   // opset 17, dim 0 is "batch"

        OnnxModel back = Onnx.load(modelFile);      // or ONNX Runtime, onnx.checker, Netron, ...
        System.out.println(back.opHistogram());     // {Add=2, MatMul=2, Relu=1, Transpose=2}
        Tensor x = Tensor.randn(5, 8);              // any batch size
        Tensor y = back.forward(x);                 // [5, 4], mlp.forward(x)'s numbers

        // Options: opset 18, a fixed batch, names for the inputs and outputs.
        OnnxExport.options().opset(18).dynamicBatch(false).inputNames("features").outputNames("scores")
                .export(mlp, new Tensor[] {Tensor.randn(2, 8)}, modelFile);
        // README-ONNX-EXPORT-END
        assertEquals(Map.of("Add", 2, "MatMul", 2, "Relu", 1, "Transpose", 2), back.opHistogram());
        assertArrayEquals(new long[] {5, 4}, y.shape());
        assertArrayEquals(mlp.forward(x).toFloatArray(), y.toFloatArray(), 1e-6f);
        OnnxModel fixed = Onnx.load(modelFile);
        assertEquals(List.of("features"), fixed.inputNames());
        assertEquals(List.of("scores"), fixed.outputNames());
        assertEquals(18, fixed.opsetVersion());
    }

    @Test
    void readmeShowsExactlyTheMarkedExample() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/walnut/onnx/ReadmeOnnxExportTest.java"));
        int begin = source.indexOf(BEGIN + "\n") + BEGIN.length();
        int end = source.indexOf(END + "\n");
        List<String> marked = strip(source.substring(begin, end));
        String readme = Files.readString(Path.of("../README.md"));
        int at = readme.indexOf("// imports: dev.walnut.Tensor, dev.walnut.nn.{Module, Sequential, Linear, ReLU},");
        assertTrue(at > 0, "README has no ONNX export example");
        List<String> shown = strip(readme.substring(at, readme.indexOf("```", at)));
        assertEquals(marked, shown);
    }

    private static List<String> strip(String block) {
        return block.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
