package dev.walnut.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransformerEncoderLayerTest {
    @Test
    void stateDictUsesPyTorchNames() {
        var layer = new TransformerEncoderLayer(4, 2);
        assertEquals(List.of("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
                "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"), new ArrayList<>(layer.stateDict().keySet()));
        assertArrayEquals(new long[] {2048, 4}, layer.stateDict().get("linear1.weight").shape());
    }

    @Test
    void postNormOutputIsLayerNormalisedAndKeepsShape() {
        Tensor.manualSeed(1);
        var layer = new TransformerEncoderLayer(4, 2, 8, 0.1, TransformerEncoderLayer.Activation.RELU, 1e-5,
                false, false);
        layer.eval();
        Tensor y = layer.forward(Tensor.randn(5, 3, 4));
        assertArrayEquals(new long[] {5, 3, 4}, y.shape());
        // norm2 has unit weight and zero bias at init: every token has mean 0 over the features.
        assertTrue(y.mean(2).allClose(Tensor.zeros(5, 3), 1e-5, 1e-5));
    }

    @Test
    void evalModeIsDeterministic() {
        Tensor.manualSeed(2);
        var layer = new TransformerEncoderLayer(4, 2, 8, 0.5, TransformerEncoderLayer.Activation.GELU, 1e-5,
                true, true);
        layer.eval();
        Tensor x = Tensor.randn(2, 3, 4);
        assertArrayEquals(layer.forward(x).toDoubleArray(), layer.forward(x).toDoubleArray(), 0.0);
    }

    @Test
    void gradCheckInEvalModeBothNormPlacements() {
        for (boolean normFirst : new boolean[] {false, true}) {
            Tensor.manualSeed(4);
            var layer = new TransformerEncoderLayer(4, 2, 6, 0.1, TransformerEncoderLayer.Activation.GELU, 1e-5,
                    true, normFirst);
            layer.eval();
            layer.to(DType.F64);
            Tensor x = Tensor.randn(new long[] {2, 3, 4}, DType.F64, new Generator(5)).setRequiresGrad(true);
            List<Tensor> inputs = new ArrayList<>(List.of(x));
            inputs.addAll(layer.parameters());
            GradCheck.check(in -> layer.forward(in[0]), inputs.toArray(new Tensor[0]));
        }
    }
}
