package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import dev.walnut.io.Npy;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

/**
 * Imported models are differentiable Walnut modules: their gradients match PyTorch's, match
 * float64 finite differences, and an optimizer lowers their loss.
 */
class FineTuneTest {
    /** Runs one MSE step on an exported model; checks the loss and returns the imported model. */
    private static OnnxModel oneStep(String name) throws Exception {
        Path dir = PyTorchModels.model(name);
        OnnxModel model = Onnx.load(dir.resolve("model.onnx"));
        Tensor x = Npy.load(dir.resolve("input_0.npy"));
        Tensor target = Npy.load(dir.resolve("target.npy"));
        Tensor loss = Losses.mseLoss(model.forward(x), target);
        loss.backward();
        double err = PyTorchModels.relativeError(loss, Npy.load(dir.resolve("loss.npy")));
        assertTrue(err <= 1e-4, name + ": loss differs from PyTorch's by " + err);
        return model;
    }

    private static void assertGradient(String what, Tensor actual, Tensor expected) {
        double err = PyTorchModels.relativeError(actual, expected);
        System.out.printf("%s gradient relative error %.2e%n", what, err);
        assertTrue(err <= 1e-4, what + ": gradient differs from PyTorch's by " + err + " (relative)");
    }

    /** Every parameter keeps its PyTorch name, so each gradient is compared with PyTorch's by name. */
    private static void gradientsMatchByName(String name, int parameters) throws Exception {
        OnnxModel model = oneStep(name);
        Path dir = PyTorchModels.model(name);
        Map<String, Tensor> params = model.namedParameters();
        assertEquals(parameters, params.size());
        for (var e : params.entrySet()) {
            assertGradient(name + " " + e.getKey(), e.getValue().grad(), Npy.load(dir.resolve("grad_" + e.getKey() + ".npy")));
        }
    }

    @Test
    void mlpLossAndEveryParameterGradientMatchPyTorchForOneStep() throws Exception {
        gradientsMatchByName("mlp", 8);
    }

    @Test
    void convolutionAndPoolingGradientsMatchPyTorchForOneStep() throws Exception {
        gradientsMatchByName("cnn_plain", 6);
    }

    /**
     * The exporter packs a bidirectional LSTM's eight tensors into ONNX's W, R and B, reordering
     * the gates from PyTorch's (i, f, g, o) to ONNX's (i, o, f, c); the gradients are unpacked the
     * same way and compared with PyTorch's.
     */
    @Test
    void lstmGradientsMatchPyTorchForOneStep() throws Exception {
        OnnxModel model = oneStep("lstm");
        Path dir = PyTorchModels.model("lstm");
        Tensor w = null, r = null, b = null;
        for (Tensor p : model.parameters()) {
            long[] s = p.shape();
            if (s.length == 2) {
                b = p;                                  // [dirs, 8 * hidden]
            } else if (s[2] == 6) {
                w = p;                                  // [dirs, 4 * hidden, input]
            } else {
                r = p;                                  // [dirs, 4 * hidden, hidden]
            }
        }
        for (int d = 0; d < 2; d++) {
            String suffix = d == 0 ? "_l0" : "_l0_reverse";
            assertGradient("lstm weight_ih" + suffix, torchGateOrder(w.grad().select(0, d)),
                    Npy.load(dir.resolve("grad_lstm.weight_ih" + suffix + ".npy")));
            assertGradient("lstm weight_hh" + suffix, torchGateOrder(r.grad().select(0, d)),
                    Npy.load(dir.resolve("grad_lstm.weight_hh" + suffix + ".npy")));
            Tensor bd = b.grad().select(0, d);
            assertGradient("lstm bias_ih" + suffix, torchGateOrder(bd.narrow(0, 0, 40)),
                    Npy.load(dir.resolve("grad_lstm.bias_ih" + suffix + ".npy")));
            assertGradient("lstm bias_hh" + suffix, torchGateOrder(bd.narrow(0, 40, 40)),
                    Npy.load(dir.resolve("grad_lstm.bias_hh" + suffix + ".npy")));
        }
    }

    /** ONNX gate blocks (i, o, f, c) along dim 0, put back in PyTorch's order (i, f, g = c, o). */
    private static Tensor torchGateOrder(Tensor onnx) {
        var g = onnx.chunk(4, 0);
        return Tensor.cat(new Tensor[] {g.get(0), g.get(2), g.get(3), g.get(1)}, 0);
    }

    @Test
    void fineTuningImportedResnet18LowersTheLoss() throws Exception {
        Path dir = PyTorchModels.model("resnet18");
        OnnxModel model = Onnx.load(dir.resolve("model.onnx"));
        Tensor x = Npy.load(dir.resolve("input_0.npy"));
        Tensor labels = Tensor.of(3L, 7L);
        Adam opt = new Adam(model.parameters(), 1e-4);
        double first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < 4; step++) {
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(model.forward(x), labels);
            loss.backward();
            opt.step();
            last = loss.item();
            if (step == 0) {
                first = last;
            }
            System.out.printf("resnet18 fine-tune step %d loss %.4f%n", step, last);
        }
        assertTrue(last < first, "loss went from " + first + " to " + last);
    }

    /** Float64 finite differences through LSTM, GRU, Slice, Transpose, Reshape and the shape ops around them. */
    @Test
    void recurrentImportPassesGradCheckInFloat64() throws Exception {
        OnnxModel model = Onnx.load(PyTorchModels.model("rnns").resolve("model.onnx"));
        model.to(DType.F64);
        Tensor x = Tensor.randn(new long[] {1, 5, 6}, DType.F64).setRequiresGrad(true);
        GradCheck.check(in -> {
            var outs = model.forwardAll(in[0]);
            return outs.get(0).sum().add(outs.get(2).sum());
        }, x);
    }

    /** Float64 finite differences through attention (MatMul, Softmax), decomposed LayerNorm (Pow, Sqrt) and Erf-GELU. */
    @Test
    void transformerImportPassesGradCheckInFloat64() throws Exception {
        OnnxModel model = Onnx.load(PyTorchModels.model("transformer_gelu").resolve("model.onnx"));
        model.to(DType.F64);
        Tensor x = Tensor.randn(new long[] {1, 7, 32}, DType.F64).setRequiresGrad(true);
        GradCheck.check(in -> model.forward(in[0]), x);
    }
}
