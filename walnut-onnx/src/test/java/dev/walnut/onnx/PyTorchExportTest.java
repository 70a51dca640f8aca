package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.util.List;

/**
 * Models exported by PyTorch 1.13's ONNX exporter, imported and run by Walnut on the same inputs:
 * every output within 1e-4 relative to PyTorch's (max abs difference over max abs value).
 */
class PyTorchExportTest {
    static final double TOLERANCE = 1e-4;

    /** Imports a model, runs it on the saved inputs and checks every output against PyTorch's. */
    static OnnxModel check(String name) throws Exception {
        Path dir = PyTorchModels.model(name);
        OnnxModel model = Onnx.load(dir.resolve("model.onnx"));
        OnnxModelInfo info = Onnx.describe(dir.resolve("model.onnx"));
        assertTrue(info.supported(), info.unsupportedOps().toString());
        assertEquals(model.parameterCount(), info.parameterCount(), name + ": parameter count");
        assertEquals(model.opHistogram(), info.opHistogram(), name + ": op histogram");
        assertEquals(model.inputNames(), List.copyOf(info.inputs().keySet()), name + ": inputs");
        Tensor[] inputs = PyTorchModels.tensors(dir, "input");
        Tensor[] expected = PyTorchModels.tensors(dir, "output");
        List<Tensor> actual;
        try (var ignored = Autograd.noGrad()) {
            long t0 = System.nanoTime();
            actual = model.forwardAll(inputs);
            long t1 = System.nanoTime();
            model.forwardAll(inputs);
            System.out.printf("%s: %d nodes, %d parameters, forward %.1f ms (first), %.1f ms (second)%n", name,
                    model.nodeCount(), model.parameterCount(), (t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
        }
        assertEquals(expected.length, actual.size(), name + ": output count");
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i].shape(), actual.get(i).shape(), name + ": shape of output " + i);
            double err = PyTorchModels.relativeError(actual.get(i), expected[i]);
            System.out.printf("%s: output %d relative error %.2e%n", name, i, err);
            assertTrue(err <= TOLERANCE, name + ": output " + i + " differs from PyTorch's by " + err + " (relative)");
        }
        return model;
    }

    @Test
    void mlpWithLayerNormalizationMatchesPyTorch() throws Exception {
        OnnxModel m = check("mlp");
        assertEquals(17, m.opsetVersion());
        assertEquals(List.of("fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight",
                "norm.bias", "norm.weight"), m.namedParameters().keySet().stream().sorted().toList());
    }

    @Test
    void mlpAtOpset13WithDecomposedLayerNormMatchesPyTorch() throws Exception {
        assertEquals(13, check("mlp_opset13").opsetVersion());
    }

    @Test
    void plainCnnMatchesPyTorch() throws Exception {
        check("cnn_plain");
    }

    @Test
    void smallCnnMatchesPyTorch() throws Exception {
        check("small_cnn");
    }

    /** 21 outputs through 66 op types: activations, reductions, 1-d and 3-d convolutions, RNN, logic, ... */
    @Test
    void opsZooMatchesPyTorch() throws Exception {
        OnnxModel m = check("ops_zoo");
        assertTrue(m.opHistogram().size() >= 60, m.opHistogram().keySet().toString());
    }

    @Test
    void nearestAndBilinearUpsamplingMatchPyTorch() throws Exception {
        check("upsampling");
    }

    /** {@code x[i, j] = v} exports as ScatterND, bicubic interpolation as Resize in cubic mode. */
    @Test
    void indexPutAndBicubicUpsamplingMatchPyTorch() throws Exception {
        OnnxModel m = check("index_put_bicubic");
        assertTrue(m.opHistogram().containsKey("ScatterND"), m.opHistogram().toString());
        assertEquals(2, m.opHistogram().get("Resize"));
    }

    @Test
    void resnet18MatchesPyTorch() throws Exception {
        OnnxModel m = check("resnet18");
        // PyTorch counts 11,689,512; its exporter folds each BatchNorm into the Conv before it,
        // so the 4,800 BatchNorm scales and shifts become 4,800 conv biases less.
        assertEquals(11_689_512L - 4_800L, m.parameterCount());
    }

    @Test
    void mobilenetV2MatchesPyTorch() throws Exception {
        check("mobilenet_v2");
    }

    @Test
    void squeezenet10AtOpset14MatchesPyTorch() throws Exception {
        check("squeezenet1_0");
    }

    @Test
    void transformerEncoderMatchesPyTorch() throws Exception {
        check("transformer");
    }

    @Test
    void transformerEncoderWithGeluAtOpset14MatchesPyTorch() throws Exception {
        check("transformer_gelu");
    }

    @Test
    void bidirectionalLstmMatchesPyTorch() throws Exception {
        check("lstm");
    }

    @Test
    void twoLayerGruMatchesPyTorch() throws Exception {
        check("gru");
    }

    @Test
    void batchFirstLstmStackFeedingBidirectionalGruMatchesPyTorch() throws Exception {
        check("rnns");
    }

    /** 224x224 inputs through 61M (alexnet) and 133M (vgg11) parameters: run with -Ponnx-large. */
    @Test
    @EnabledIfSystemProperty(named = "walnut.onnx.large", matches = "true")
    void alexnetMatchesPyTorch() throws Exception {
        check("alexnet");
    }

    @Test
    @EnabledIfSystemProperty(named = "walnut.onnx.large", matches = "true")
    void vgg11AtOpset16MatchesPyTorch() throws Exception {
        check("vgg11");
    }
}
