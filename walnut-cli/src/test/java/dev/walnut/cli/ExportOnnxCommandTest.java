package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.cli.CliRun.Result;
import dev.walnut.io.Npy;
import dev.walnut.nn.Module;
import dev.walnut.onnx.Onnx;
import dev.walnut.onnx.OnnxModel;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walnut export --format onnx} of runs the CLI trained (the built-in CNN and MLP): ONNX
 * Runtime and Walnut's own ONNX import give the checkpoint's outputs (1e-5 relative, F32).
 */
class ExportOnnxCommandTest {
    @TempDir
    static Path shared;
    static Path data;

    @BeforeAll
    static void writeData() throws Exception {
        data = CliRun.writeIdxDataset(shared.resolve("data"), 32, 16, 5);
    }

    /** A run of {@code model}, trained once for all tests. */
    static synchronized Path train(String model) {
        Path run = shared.resolve("run-" + model);
        if (Files.exists(run)) {
            return run;
        }
        Result trained = CliRun.run("train", "--model", model, "--epochs", "1", "--batch-size", "16", "--data",
                data.toString(), "--out", run.toString(), "--no-progress");
        assertEquals(0, trained.exitCode(), trained.err());
        return run;
    }

    static float[] runOrt(Path model, Tensor x) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toFloatArray()), x.shape());
             OrtSession.Result r = session.run(Map.of("images", in))) {
            OnnxTensor out = (OnnxTensor) r.get("logits").orElseThrow();
            assertArrayEquals(new long[] {x.shape()[0], 10}, out.getInfo().getShape());
            FloatBuffer b = out.getFloatBuffer();
            float[] y = new float[b.remaining()];
            b.get(y);
            return y;
        }
    }

    static double relativeError(Tensor actual, Tensor expected) {
        return actual.sub(expected).abs().max().item() / Math.max(expected.abs().max().item(), 1e-12);
    }

    void checkExport(String model) throws Exception {
        Path run = train(model);
        Path onnx = shared.resolve(model + ".onnx");
        Result r = CliRun.run("export", "--format", "onnx", "--checkpoint", run.toString(), "--out", onnx.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("(" + model + ") to " + onnx + ": ONNX opset 17, "), r.out());

        Module trained = RunCheckpoint.read(run).loadModel();
        trained.eval();
        Tensor x = Tensor.randn(new long[] {5, 1, 28, 28}, DType.F32, new Generator(9));
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = trained.forward(x);
        }
        double ortError = relativeError(Tensor.fromArray(runOrt(onnx, x), 5, 10), expected);
        OnnxModel imported = Onnx.load(onnx);
        double importError;
        try (var off = Autograd.noGrad()) {
            importError = relativeError(imported.forward(x), expected);
        }
        System.out.printf("walnut export --format onnx (%s): ONNX Runtime relative error %.2e, re-import %.2e%n",
                model, ortError, importError);
        assertTrue(ortError <= 1e-5, model + ": ONNX Runtime differs from the checkpoint's model by " + ortError);
        assertTrue(importError <= 1e-5, model + ": the re-imported model differs by " + importError);
    }

    @Test
    void cnnRunExportsToOnnxThatOnnxRuntimeRunsWithTheCheckpointsOutputs() throws Exception {
        checkExport("cnn");
    }

    @Test
    void mlpRunExportsToOnnxThatWalnutRunReads() throws Exception {
        checkExport("mlp");
        Path input = shared.resolve("x.npy");
        Npy.save(input, Tensor.randn(new long[] {3, 1, 28, 28}, DType.F32, new Generator(8)));
        Result r = CliRun.run("run", shared.resolve("mlp.onnx").toString(), "--input", input.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("logits: float32 [3, 10]"), r.out());
        Result inspect = CliRun.run("inspect", shared.resolve("mlp.onnx").toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("walnut"), inspect.out());
        assertTrue(inspect.out().contains("images"), inspect.out());
    }

    @Test
    void formatAndFileExtensionMustAgree() throws Exception {
        Path run = train("mlp");
        Result e = CliRun.run("export", "--format", "onnx", "--checkpoint", run.toString(), "--out",
                shared.resolve("m.walnut").toString());
        assertEquals(2, e.exitCode());
        assertTrue(e.err().contains("--out must name a .onnx file"), e.err());
        Result w = CliRun.run("export", "--checkpoint", run.toString(), "--out", shared.resolve("m.onnx").toString());
        assertEquals(2, w.exitCode());
        assertTrue(w.err().contains("add --format onnx"), w.err());
        Result o = CliRun.run("export", "--format", "onnx", "--opset", "12", "--checkpoint", run.toString(), "--out",
                shared.resolve("m.onnx").toString());
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("--opset must be 17 or 18"), o.err());
        assertFalse(Files.exists(shared.resolve("m.onnx")));
    }
}
