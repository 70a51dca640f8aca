package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.cli.CliRun.Result;
import dev.walnut.graph.Graph;
import dev.walnut.io.Npy;
import dev.walnut.nn.Module;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walnut export} of a trained run, then {@code walnut run} and {@code walnut inspect} of the .walnut file. */
class ExportCommandTest {
    @TempDir
    static Path shared;
    static Path run;
    static Path exported;
    static Result exportResult;

    @BeforeAll
    static void trainAndExport() throws Exception {
        Path data = CliRun.writeIdxDataset(shared.resolve("data"), 32, 16, 3);
        run = shared.resolve("run");
        Result trained = CliRun.run("train", "--epochs", "1", "--batch-size", "16", "--data", data.toString(), "--out",
                run.toString(), "--no-progress");
        assertEquals(0, trained.exitCode(), trained.err());
        exported = shared.resolve("mlp.walnut");
        exportResult = CliRun.run("export", "--checkpoint", run.toString(), "--out", exported.toString());
    }

    @Test
    void exportWritesACompiledGraphThatGivesTheCheckpointsOutputs() throws Exception {
        assertEquals(0, exportResult.exitCode(), exportResult.err());
        assertTrue(exportResult.out().contains("(mlp) to " + exported + ": "), exportResult.out());
        assertTrue(exportResult.out().contains("input f32[?,1,28,28]"), exportResult.out());
        Graph g = Graph.load(exported);
        assertTrue(g.toString().contains("fusedLinear"), g.toString());
        Module model = RunCheckpoint.read(run).loadModel();
        Tensor x = Tensor.randn(new long[] {5, 1, 28, 28}, DType.F32, new Generator(7));
        Tensor eager;
        try (var off = Autograd.noGrad()) {
            eager = model.forward(x);
        }
        // The model is not needed to run the file; its numbers are the eager module's.
        assertArrayEquals(eager.toDoubleArray(), g.run(x)[0].toDoubleArray(), 1e-6);
    }

    @Test
    void runAndInspectReadTheExportedFile() throws Exception {
        Path input = shared.resolve("x.npy");
        Npy.save(input, Tensor.randn(new long[] {3, 1, 28, 28}, DType.F32, new Generator(8)));
        Path output = shared.resolve("y.npy");
        Result r = CliRun.run("run", exported.toString(), "--input", input.toString(), "--output", output.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("output0: float32 [3, 10]"), r.out());
        assertTrue(r.out().contains("saved output output0 to " + output), r.out());
        assertArrayEquals(new long[] {3, 10}, Npy.load(output).shape());

        Result inspect = CliRun.run("inspect", exported.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("graph(%x0: f32[?,1,28,28]"), inspect.out());
        assertTrue(inspect.out().contains("safetensors (Walnut compiled model)"), inspect.out());
    }

    @Test
    void runRejectsAnInputOfTheWrongShapeAndExportAnOutputThatIsNoWalnutFile() throws Exception {
        Path input = shared.resolve("bad.npy");
        Npy.save(input, Tensor.zeros(3, 28, 28));
        Result r = CliRun.run("run", exported.toString(), "--input", input.toString());
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("input 0 (%x0) is float32") || r.err().contains("but the graph takes f32[?,1,28,28]"),
                r.err());
        Result e = CliRun.run("export", "--checkpoint", run.toString(), "--out", shared.resolve("m.onnx").toString());
        assertEquals(2, e.exitCode());
        assertTrue(e.err().contains("--out must name a .walnut file"), e.err());
        assertTrue(!Files.exists(shared.resolve("m.onnx")));
    }
}
