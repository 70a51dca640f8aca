package dev.walnut.onnx;

import static dev.walnut.onnx.Models.floatInput;
import static dev.walnut.onnx.Models.floats;
import static dev.walnut.onnx.Models.model;
import static dev.walnut.onnx.Models.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.walnut.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Broken and hostile files give an OnnxException naming the file, the node and the problem. */
class MalformedModelTest {
    @TempDir
    Path dir;

    private static final String[] X = {"x"};
    private static final String[] Y = {"y"};

    /** y = x W for x [-1, 2], W [2, 3]. */
    private static GraphProto.Builder matmulGraph() {
        return GraphProto.newBuilder().setName("g").addInput(floatInput("x", -1, 2))
                .addInitializer(floats("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 3))
                .addNode(node("mm", "MatMul", new String[] {"x", "w"}, Y)).addOutput(floatInput("y", -1, 3));
    }

    private Path write(ModelProto m) throws Exception {
        Path p = dir.resolve("model.onnx");
        Files.write(p, m.toByteArray());
        return p;
    }

    private OnnxException loadFails(ModelProto m) throws Exception {
        return assertThrows(OnnxException.class, () -> Onnx.load(write(m)));
    }

    @Test
    void wellFormedModelRuns() throws Exception {
        OnnxModel m = Onnx.load(write(model(17, matmulGraph().build())));
        Tensor y = m.forward(Tensor.fromArray(new float[] {1, 1}, 1, 2));
        assertArrayEqualsF(new float[] {5, 7, 9}, y.toFloatArray());
        assertEquals(6, m.parameterCount());
    }

    @Test
    void truncatedFileNamesFileAndProtobuf() throws Exception {
        byte[] bytes = model(17, matmulGraph().build()).toByteArray();
        Path p = dir.resolve("cut.onnx");
        Files.write(p, Arrays.copyOf(bytes, bytes.length - 7));
        OnnxException e = assertThrows(OnnxException.class, () -> Onnx.load(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated or malformed protobuf"), e.getMessage());
    }

    @Test
    void garbageIsNotAModel() throws Exception {
        Path p = dir.resolve("text.onnx");
        Files.writeString(p, "this is not protobuf at all, just text\n");
        OnnxException e = assertThrows(OnnxException.class, () -> Onnx.load(p));
        assertTrue(e.getMessage().contains("not a valid ONNX model") || e.getMessage().contains("not an ONNX model"),
                e.getMessage());
    }

    @Test
    void unknownOpNamesNodeAndOpType() throws Exception {
        GraphProto g = matmulGraph().clearNode()
                .addNode(node("weird_1", "FancyOp", new String[] {"x", "w"}, Y)).build();
        OnnxException e = loadFails(model(17, g));
        assertTrue(e.getMessage().contains("node \"weird_1\" (FancyOp, opset 17)"), e.getMessage());
        assertTrue(e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void unsupportedOpsetsAreRefusedWithTheRange() throws Exception {
        OnnxException old = loadFails(model(9, matmulGraph().build()));
        assertTrue(old.getMessage().contains("opset 9 is not supported (Walnut imports opsets 13 to 18)"),
                old.getMessage());
        OnnxException future = loadFails(model(21, matmulGraph().build()));
        assertTrue(future.getMessage().contains("opset 21 is not supported"), future.getMessage());
    }

    @Test
    void initializerWithFewerBytesThanItsShapeIsRefused() throws Exception {
        TensorProto lying = floats("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 3).toBuilder().setDims(1, 3_000_000_000L)
                .build();
        OnnxException e = loadFails(model(17, matmulGraph().setInitializer(0, lying).build()));
        assertTrue(e.getMessage().contains("initializer \"w\""), e.getMessage());
        assertTrue(e.getMessage().contains("more than a Java array holds"), e.getMessage());
        TensorProto shortData = floats("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 30);
        OnnxException e2 = loadFails(model(17, matmulGraph().setInitializer(0, shortData).build()));
        assertTrue(e2.getMessage().contains("needs 240 bytes of data, the file holds 24"), e2.getMessage());
    }

    @Test
    void externalDataOutsideTheModelDirectoryIsRefused() throws Exception {
        Path secret = dir.getParent().resolve("walnut-secret-" + System.nanoTime() + ".bin");
        Files.write(secret, new byte[24]);
        try {
            TensorProto ext = TensorProto.newBuilder().setName("w").setDataType(TensorProtos.FLOAT).addDims(2)
                    .addDims(3).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(StringStringEntryProto.newBuilder().setKey("location")
                            .setValue("../" + secret.getFileName())).build();
            OnnxException e = loadFails(model(17, matmulGraph().setInitializer(0, ext).build()));
            assertTrue(e.getMessage().contains("leaves the model's directory"), e.getMessage());
        } finally {
            Files.delete(secret);
        }
    }

    @Test
    void externalDataInsideTheModelDirectoryIsRead() throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(0);
        for (int i = 1; i <= 6; i++) {
            b.putFloat(i);
        }
        Files.write(dir.resolve("weights.bin"), b.array());
        TensorProto ext = TensorProto.newBuilder().setName("w").setDataType(TensorProtos.FLOAT).addDims(2).addDims(3)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("8"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("24")).build();
        OnnxModel m = Onnx.load(write(model(17, matmulGraph().setInitializer(0, ext).build())));
        assertArrayEqualsF(new float[] {5, 7, 9}, m.forward(Tensor.fromArray(new float[] {1, 1}, 1, 2)).toFloatArray());
    }

    @Test
    void cycleNamesItsNodes() throws Exception {
        GraphProto g = matmulGraph().clearNode()
                .addNode(node("a", "Relu", new String[] {"b_out"}, new String[] {"a_out"}))
                .addNode(node("b", "Relu", new String[] {"a_out"}, new String[] {"b_out"}))
                .addNode(node("mm", "MatMul", new String[] {"x", "w"}, Y)).build();
        OnnxException e = loadFails(model(17, g));
        assertTrue(e.getMessage().contains("cycle through nodes \"a\" (Relu), \"b\" (Relu)"), e.getMessage());
    }

    @Test
    void missingInputNamesNodeAndInput() throws Exception {
        GraphProto g = matmulGraph().clearNode().addNode(node("mm", "MatMul", new String[] {"x", "nowhere"}, Y)).build();
        OnnxException e = loadFails(model(17, g));
        assertTrue(e.getMessage().contains("node \"mm\" (MatMul, opset 17): input \"nowhere\""), e.getMessage());
    }

    @Test
    void shapeErrorAtRunTimeNamesNodeAndShapes() throws Exception {
        GraphProto g = matmulGraph().clearInput().addInput(floatInput("x", -1, -1)).build();
        OnnxModel m = Onnx.load(write(model(17, g)));
        OnnxException e = assertThrows(OnnxException.class, () -> m.forward(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("node \"mm\" (MatMul, opset 17, inputs [4, 5] F32, [2, 3] F32)"),
                e.getMessage());
    }

    @Test
    void inputOfWrongShapeOrCountIsRefused() throws Exception {
        OnnxModel m = Onnx.load(write(model(17, matmulGraph().build())));
        OnnxException shape = assertThrows(OnnxException.class, () -> m.forward(Tensor.zeros(4, 5)));
        assertTrue(shape.getMessage().contains("input \"x\" must be float32 [batch, 2], got"), shape.getMessage());
        OnnxException count = assertThrows(OnnxException.class, () -> m.forward(Tensor.zeros(1, 2), Tensor.zeros(1)));
        assertTrue(count.getMessage().contains("takes 1 input(s) [x], got 2"), count.getMessage());
    }

    @Test
    void constantOfShapeAskingForTooMuchMemoryNamesTheNode() throws Exception {
        GraphProto g = GraphProto.newBuilder().setName("g").addInitializer(Models.longs("shape", 1_000_000, 1_000_000))
                .addNode(node("huge", "ConstantOfShape", new String[] {"shape"}, Y)).addOutput(floatInput("y")).build();
        OnnxModel m = Onnx.load(write(model(17, g)));
        OnnxException e = assertThrows(OnnxException.class, () -> m.forwardAll());
        assertTrue(e.getMessage().contains("node \"huge\" (ConstantOfShape, opset 17"), e.getMessage());
        assertTrue(e.getMessage().contains("output shape [1000000, 1000000] needs 4000000000000 bytes"), e.getMessage());
    }

    /**
     * Random byte flips, truncations and insertions in a small valid model (fixed seed): each
     * mutant either loads and runs or fails with an OnnxException; no other exception, no hang.
     */
    @Test
    void mutatedFilesFailOnlyWithOnnxException() throws Exception {
        GraphProto g = matmulGraph().clearNode()
                .addNode(node("mm", "MatMul", new String[] {"x", "w"}, new String[] {"h"}))
                .addNode(node("r", "Reshape", new String[] {"h", "shape"}, new String[] {"hr"}))
                .addNode(node("act", "Relu", new String[] {"hr"}, Y))
                .addInitializer(Models.longs("shape", -1, 3)).build();
        byte[] good = model(17, g).toByteArray();
        java.util.Random random = new java.util.Random(42);
        int loaded = 0, refused = 0;
        for (int trial = 0; trial < 400; trial++) {
            byte[] b = good.clone();
            switch (trial % 3) {
                case 0 -> {
                    for (int k = 0; k < 1 + random.nextInt(4); k++) {
                        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                    }
                }
                case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length));
                default -> {
                    int at = random.nextInt(b.length);
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) random.nextInt(256);
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
            }
            try {
                OnnxModel m = Onnx.load(b, "mutant-" + trial);
                m.forwardAll(Tensor.ones(1, 2));
                loaded++;
            } catch (OnnxException e) {
                refused++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("mutant " + trial + " failed with " + e, e);
            }
        }
        assertTrue(refused > 100, "refused " + refused + ", loaded " + loaded);
    }

    private static void assertArrayEqualsF(float[] expected, float[] actual) {
        assertEquals(Arrays.toString(expected), Arrays.toString(actual));
    }
}
