package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.walnut.Tensor;
import dev.walnut.cli.CliRun.Result;
import dev.walnut.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** walnut run and walnut inspect on a small ONNX model: y = relu(x W^T + b), W [3, 2]. */
class OnnxCommandsTest {
    @TempDir
    Path dir;

    private static ValueInfoProto value(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
    }

    private static TensorProto floats(String name, List<Float> values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).addAllFloatData(values);
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private Path writeModel() throws Exception {
        return writeModel("Relu");
    }

    private Path writeModel(String activation) throws Exception {
        GraphProto g = GraphProto.newBuilder().setName("tiny").addInput(value("x", -1, 2))
                .addInitializer(floats("fc.weight", List.of(1f, 0f, 0f, 1f, -1f, -1f), 3, 2))
                .addInitializer(floats("fc.bias", List.of(0f, 0f, 0.5f), 3))
                .addNode(NodeProto.newBuilder().setName("gemm").setOpType("Gemm").addInput("x").addInput("fc.weight")
                        .addInput("fc.bias").addOutput("h").addAttribute(AttributeProto.newBuilder().setName("transB")
                                .setType(AttributeProto.AttributeType.INT).setI(1)))
                .addNode(NodeProto.newBuilder().setName("relu").setOpType(activation).addInput("h").addOutput("y"))
                .addOutput(value("y", -1, 3)).build();
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("test").setProducerVersion("1.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g).build();
        return Files.write(dir.resolve("tiny.onnx"), m.toByteArray());
    }

    @Test
    void runSavesTheFirstOutputAsNpy() throws Exception {
        Path model = writeModel();
        Path x = dir.resolve("x.npy");
        Npy.save(x, Tensor.fromArray(new float[] {1, 2, -1, -2}, 2, 2));
        Path y = dir.resolve("y.npy");
        Result r = CliRun.run("run", model.toString(), "--input", x.toString(), "--output", y.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("  y: float32 [2, 3]"), r.out());
        assertTrue(r.out().contains("argmax [1, 2]"), r.out());
        Tensor out = Npy.load(y);
        assertArrayEquals(new long[] {2, 3}, out.shape());
        assertEquals("[1.0, 2.0, 0.0, 0.0, 0.0, 3.5]", Arrays.toString(out.toFloatArray()));
    }

    @Test
    void runConvertsAFloat64InputToTheModelsFloat32() throws Exception {
        Path model = writeModel();
        Path x = dir.resolve("x64.npy");
        Npy.save(x, Tensor.of(new double[][] {{1, 2}}).to(dev.walnut.DType.F64));
        assertEquals(dev.walnut.DType.F64, Npy.load(x).dtype());
        Path y = dir.resolve("y.npy");
        Result r = CliRun.run("run", model.toString(), "--input", x.toString(), "--output", y.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertEquals(dev.walnut.DType.F32, Npy.load(y).dtype());
        assertEquals("[1.0, 2.0, 0.0]", Arrays.toString(Npy.load(y).toFloatArray()));
    }

    @Test
    void runSavesAllOutputsByNameAsNpz() throws Exception {
        Path model = writeModel();
        Path x = dir.resolve("x.npy");
        Npy.save(x, Tensor.fromArray(new float[] {1, 2}, 1, 2));
        Path all = dir.resolve("all.npz");
        Result r = CliRun.run("run", model.toString(), "--input", x.toString(), "--output", all.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertEquals(List.of("y"), List.copyOf(Npy.loadNpz(all).keySet()));
    }

    @Test
    void runCompiledGivesTheSameOutputsAndProfilePrintsTheOps() throws Exception {
        Path model = writeModel();
        Path x = dir.resolve("x.npy");
        Npy.save(x, Tensor.fromArray(new float[] {1, 2, -1, -2}, 2, 2));
        Path y = dir.resolve("y.npy");
        Result r = CliRun.run("run", model.toString(), "--input", x.toString(), "--output", y.toString(), "--compile",
                "--profile", "--repeat", "3", "--warmup", "1");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertEquals("[1.0, 2.0, 0.0, 0.0, 0.0, 3.5]", Arrays.toString(Npy.load(y).toFloatArray()));
        assertTrue(r.out().contains("(compiled, this first run included)"), r.out());
        assertTrue(r.out().contains("profile of 3 runs ("), r.out());
        // Gemm + Relu compile to one fused node, run once per call.
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("fusedLinear [graph]") && l.contains(" 3 ")), r.out());

        Result eager = CliRun.run("run", model.toString(), "--input", x.toString(), "--profile", "--repeat", "2");
        assertEquals(Main.OK, eager.exitCode(), eager::toString);
        assertTrue(eager.out().contains("profile of 2 runs ("), eager.out());
        assertTrue(eager.out().lines().anyMatch(l -> l.startsWith("relu ") && l.contains(" 2 ")), eager.out());

        Result bad = CliRun.run("run", model.toString(), "--input", x.toString(), "--profile", "--repeat", "0");
        assertEquals(Main.USAGE, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains("--repeat must be at least 1, got 0"), bad.err());
        Result badWarmup = CliRun.run("run", model.toString(), "--input", x.toString(), "--profile", "--warmup", "-1");
        assertEquals(Main.USAGE, badWarmup.exitCode(), badWarmup::toString);
        assertTrue(badWarmup.err().contains("--warmup must not be negative, got -1"), badWarmup.err());
    }

    @Test
    void runWithTheWrongNumberOfInputsIsAUsageError() throws Exception {
        Path model = writeModel();
        Path x = dir.resolve("x.npy");
        Npy.save(x, Tensor.fromArray(new float[] {1, 2}, 1, 2));
        Result r = CliRun.run("run", model.toString(), "--input", x.toString(), "--input", x.toString());
        assertEquals(Main.USAGE, r.exitCode(), r::toString);
        assertTrue(r.err().contains("takes 1 input(s) [x], got 2 --input file(s)"), r.err());
    }

    @Test
    void runOfATruncatedModelIsOneErrorLineNamingTheFile() throws Exception {
        Path model = writeModel();
        byte[] bytes = Files.readAllBytes(model);
        Files.write(model, Arrays.copyOf(bytes, bytes.length / 2));
        Path x = dir.resolve("x.npy");
        Npy.save(x, Tensor.fromArray(new float[] {1, 2}, 1, 2));
        Result r = CliRun.run("run", model.toString(), "--input", x.toString());
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: error: " + model + ": not a valid ONNX model"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void inspectShowsOpsetInputsOutputsOpsAndParameterCount() throws Exception {
        Path model = writeModel();
        Result r = CliRun.run("inspect", model.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().startsWith(model + ": ONNX model, opset 17, producer test 1.0, 2 nodes, 9 parameters"),
                r.out());
        assertTrue(r.out().contains("inputs:\n  x  float32 [batch, 2]\n"), r.out());
        assertTrue(r.out().contains("outputs:\n  y  float32 [batch, 3]\n"), r.out());
        assertTrue(r.out().contains("ops:\n  Gemm     1\n  Relu     1\n"), r.out());
        assertTrue(!r.out().contains("not imported"), r.out());
    }

    @Test
    void inspectShowsAModelWalnutCannotRunAndWhy() throws Exception {
        Path model = writeModel("FancyActivation");
        Result r = CliRun.run("inspect", model.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("\nnot imported by Walnut: FancyActivation\n"), r.out());
        assertTrue(r.out().contains("  FancyActivation     1\n"), r.out());
        Result run = CliRun.run("run", model.toString(), "--input", model.toString());
        assertEquals(Main.FAILED, run.exitCode(), run::toString);
        assertTrue(run.err().contains("node \"relu\" (FancyActivation, opset 17): op type [FancyActivation] not supported"),
                run.err());
    }
}
