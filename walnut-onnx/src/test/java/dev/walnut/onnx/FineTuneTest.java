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
    @Test
    void mlpLossAndEveryParameterGradientMatchPyTorchForOneStep() throws Exception {
        Path dir = PyTorchModels.model("mlp");
        OnnxModel model = Onnx.load(dir.resolve("model.onnx"));
        Tensor x = Npy.load(dir.resolve("input_0.npy"));
        Tensor target = Npy.load(dir.resolve("target.npy"));
        Tensor loss = Losses.mseLoss(model.forward(x), target);
        loss.backward();
        assertTrue(PyTorchModels.relativeError(loss, Npy.load(dir.resolve("loss.npy"))) <= 1e-4, "loss");
        Map<String, Tensor> params = model.namedParameters();
        assertEquals(8, params.size());
        for (var e : params.entrySet()) {
            Tensor expected = Npy.load(dir.resolve("grad_" + e.getKey() + ".npy"));
            double err = PyTorchModels.relativeError(e.getValue().grad(), expected);
            System.out.printf("mlp grad %s relative error %.2e%n", e.getKey(), err);
            assertTrue(err <= 1e-4, e.getKey() + ": gradient differs from PyTorch's by " + err + " (relative)");
        }
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
