package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.graph.Graph;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exported models run by ONNX Runtime (an independent implementation) give Walnut's outputs
 * within 1e-5 relative (max abs difference over max abs value, F32), at a batch size other than
 * the traced one, and import back into Walnut with the same outputs.
 */
class OnnxExportTest {
    static final double TOLERANCE = 1e-5;
    static OrtEnvironment env;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRuntime() {
        env = OrtEnvironment.getEnvironment();
    }

    @AfterAll
    static void stopRuntime() {
        env.close();
    }

    /** Runs a model file in ONNX Runtime on float inputs, fed in graph-input order. */
    static List<Tensor> runOrt(Path model, Tensor... inputs) throws Exception {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toString(), options)) {
                List<String> names = List.copyOf(session.getInputNames());
                Map<String, OnnxTensor> feed = new HashMap<>();
                for (int i = 0; i < inputs.length; i++) {
                    feed.put(names.get(i), OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs[i].toFloatArray()),
                            inputs[i].shape()));
                }
                try (OrtSession.Result result = session.run(feed)) {
                    List<Tensor> outs = new java.util.ArrayList<>();
                    for (var entry : result) {
                        OnnxTensor t = (OnnxTensor) entry.getValue();
                        FloatBuffer b = t.getFloatBuffer();
                        float[] data = new float[b.remaining()];
                        b.get(data);
                        outs.add(Tensor.fromArray(data, t.getInfo().getShape()));
                    }
                    return outs;
                } finally {
                    feed.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    static double relativeError(Tensor actual, Tensor expected) {
        double maxDiff = actual.sub(expected).abs().max().item();
        double scale = Math.max(expected.abs().max().item(), 1e-12);
        return maxDiff / scale;
    }

    /**
     * Exports {@code module} traced on {@code example}, then checks ONNX Runtime's and the
     * re-imported model's outputs on {@code input} against Walnut's eager forward.
     */
    Path checkExport(String name, Module module, Tensor example, Tensor input) throws Exception {
        module.eval();
        Path file = dir.resolve(name + ".onnx");
        Onnx.export(module, new Tensor[] {example}, file);
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = module.forward(input);
        }
        List<Tensor> ort = runOrt(file, input);
        assertEquals(1, ort.size(), name + ": output count");
        assertArrayEquals(expected.shape(), ort.get(0).shape(), name + ": ONNX Runtime output shape");
        double err = relativeError(ort.get(0), expected);
        System.out.printf("%s: %d ONNX nodes, ONNX Runtime relative error %.2e%n", name,
                ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getNodeCount(), err);
        assertTrue(err <= TOLERANCE, name + ": ONNX Runtime differs from Walnut by " + err + " (relative)");

        OnnxModel back = Onnx.load(file);
        Tensor again;
        try (var off = Autograd.noGrad()) {
            again = back.forward(input);
        }
        double errBack = relativeError(again, expected);
        System.out.printf("%s: round trip relative error %.2e%n", name, errBack);
        assertTrue(errBack <= TOLERANCE, name + ": re-imported model differs by " + errBack + " (relative)");
        return file;
    }

    static Module mlp() {
        Tensor.manualSeed(11);
        return new Sequential(new Flatten(), new Linear(784, 64), new ReLU(), new Linear(64, 32), new ReLU(),
                new Linear(32, 10));
    }

    @Test
    void mlpMatchesOnnxRuntimeAtAnotherBatchSize() throws Exception {
        checkExport("mlp", mlp(), Tensor.randn(4, 1, 28, 28), Tensor.randn(3, 1, 28, 28));
    }

    @Test
    void modelHasOpsetProducerSymbolicBatchAndNamedInitializers() throws Exception {
        ModelProto m = OnnxExport.options().toModel(mlp(), Tensor.randn(4, 1, 28, 28));
        assertEquals(17, m.getOpsetImport(0).getVersion());
        assertEquals("walnut", m.getProducerName());
        assertTrue(m.getProducerVersion().matches("\\d+\\.\\d+.*"), m.getProducerVersion());
        TensorShapeProto in = m.getGraph().getInput(0).getType().getTensorType().getShape();
        assertEquals("batch", in.getDim(0).getDimParam());
        assertEquals(28, in.getDim(3).getDimValue());
        TensorShapeProto out = m.getGraph().getOutput(0).getType().getTensorType().getShape();
        assertEquals("batch", out.getDim(0).getDimParam());
        assertEquals(10, out.getDim(1).getDimValue());
        Map<String, TensorProto> inits = m.getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(TensorProto::getName, t -> t));
        assertEquals(List.of(64L, 784L), inits.get("1.weight").getDimsList());
        assertEquals(List.of(10L), inits.get("5.bias").getDimsList());
        assertEquals(1, m.getGraph().getInputCount(), "initializers are not graph inputs");
    }

    @Test
    void fixedBatchAndOpset18() throws Exception {
        ModelProto m = OnnxExport.options().dynamicBatch(false).opset(18).inputNames("image").outputNames("logits")
                .toModel(mlp(), Tensor.randn(4, 1, 28, 28));
        assertEquals(18, m.getOpsetImport(0).getVersion());
        assertEquals("image", m.getGraph().getInput(0).getName());
        assertEquals("logits", m.getGraph().getOutput(0).getName());
        assertEquals(4, m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimValue());
    }

    @Test
    void opWithoutOnnxFormIsAnErrorNamingOpAndNode() {
        Graph g = Graph.trace(in -> in[0].atan2(in[1]).relu(), Tensor.randn(2, 3), Tensor.randn(2, 3));
        OnnxException e = assertThrows(OnnxException.class,
                () -> OnnxExport.options().export(g, dir.resolve("atan2.onnx")));
        assertTrue(e.getMessage().contains("'atan2'") && e.getMessage().contains("%0 = atan2(%x0: f32[2,3]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("ONNX has no atan2"), e.getMessage());
    }

    @Test
    void unsupportedOpsetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> OnnxExport.options().opset(16));
    }
}
