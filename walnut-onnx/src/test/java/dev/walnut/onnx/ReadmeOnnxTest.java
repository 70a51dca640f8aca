package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Keeps the README's ONNX example honest: {@link #exampleRunsAndDoesWhatItsCommentsSay} runs the
 * code between the {@code README-ONNX} markers on the MLP that export_models.py writes, and
 * {@link #readmeShowsExactlyTheMarkedExample} fails when the README's block and the marked
 * region differ (indentation aside). Change both together.
 */
class ReadmeOnnxTest {
    private static final String BEGIN = "// README-ONNX-BEGIN";
    private static final String END = "// README-ONNX-END";

    @Test
    void exampleRunsAndDoesWhatItsCommentsSay() throws Exception {
        Path modelFile = PyTorchModels.model("mlp").resolve("model.onnx");
        // README-ONNX-BEGIN
        // imports: dev.walnut.Tensor, dev.walnut.onnx.{Onnx, OnnxModel},
        //          dev.walnut.nn.functional.Losses, dev.walnut.optim.Adam

        OnnxModel model = Onnx.load(modelFile);   // the mlp.onnx written by torch.onnx.export above
        System.out.println(model.inputNames());   // [input_0]
        System.out.println(model.opHistogram());  // {Gemm=3, LayerNormalization=1, Relu=1, Tanh=1}
        Tensor x = Tensor.randn(5, 8);
        Tensor y = model.forward(x);              // [5, 4]: every node ran as Walnut ops

        // The initializers are parameters, named as in PyTorch: fine-tune like any Module.
        Adam opt = new Adam(model.parameters(), 1e-2);
        Tensor target = Tensor.zeros(5, 4);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            opt.zeroGrad();
            Tensor loss = Losses.mseLoss(model.forward(x), target);
            loss.backward();
            opt.step();
            losses.add(loss.item());              // goes down
        }
        // README-ONNX-END
        assertEquals(List.of("input_0"), model.inputNames());
        assertEquals(Map.of("Gemm", 3, "LayerNormalization", 1, "Relu", 1, "Tanh", 1), model.opHistogram());
        assertArrayEquals(new long[] {5, 4}, y.shape());
        assertTrue(losses.get(4) < losses.get(0), losses.toString());
        assertTrue(model.namedParameters().containsKey("fc1.weight"));
    }

    @Test
    void readmeShowsExactlyTheMarkedExample() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/walnut/onnx/ReadmeOnnxTest.java"));
        // The markers end their lines in the method body (the constants above are followed by a quote).
        int begin = source.indexOf(BEGIN + "\n") + BEGIN.length(), end = source.indexOf(END + "\n");
        List<String> marked = strip(source.substring(begin, end));
        String readme = Files.readString(Path.of("../README.md"));
        int at = readme.indexOf("// imports: dev.walnut.Tensor, dev.walnut.onnx.");
        assertTrue(at > 0, "README has no ONNX example");
        List<String> shown = strip(readme.substring(at, readme.indexOf("```", at)));
        assertEquals(marked, shown);
    }

    private static List<String> strip(String block) {
        return block.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
