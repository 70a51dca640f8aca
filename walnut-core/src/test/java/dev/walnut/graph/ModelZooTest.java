package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.AdaptiveAvgPool2d;
import dev.walnut.nn.AvgPool2d;
import dev.walnut.nn.BatchNorm1d;
import dev.walnut.nn.BatchNorm2d;
import dev.walnut.nn.Conv1d;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.GELU;
import dev.walnut.nn.GRU;
import dev.walnut.nn.GroupNorm;
import dev.walnut.nn.LSTM;
import dev.walnut.nn.LayerNorm;
import dev.walnut.nn.Linear;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.Softmax;
import dev.walnut.nn.TransformerEncoderLayer;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The library's layers, traced in eval() mode with a dynamic batch and run at other batch sizes:
 * the graph (before and after the default passes) gives the bits of the eager module's
 * primitive ops.
 */
class ModelZooTest {
    record Model(String name, Supplier<Module> make, long[] shape) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Model> models() {
        return List.of(
                new Model("mlp", () -> new Sequential(new Flatten(), new Linear(12, 16), new ReLU(), new Linear(16, 3),
                        new Softmax(-1)), new long[] {3, 4}),
                new Model("cnn", () -> new Sequential(new Conv2d(2, 4, 3), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                        new AvgPool2d(1), new AdaptiveAvgPool2d(2), new Flatten(), new Linear(16, 5)), new long[] {2, 9, 9}),
                new Model("conv1d + groupNorm", () -> new Sequential(new Conv1d(3, 4, 3), new GroupNorm(2, 4), new GELU()),
                        new long[] {3, 10}),
                new Model("batchNorm1d + layerNorm", () -> new Sequential(new Linear(6, 8), new BatchNorm1d(8), new LayerNorm(8)),
                        new long[] {6}),
                new Model("transformer encoder layer", () -> new TransformerEncoderLayer(8, 2, 16, 0.1, TransformerEncoderLayer.Activation.RELU, 1e-5, true, false),
                        new long[] {5, 8}),
                new Model("lstm", () -> new LSTM(4, 6, 2, true, true, 0.0, false), new long[] {5, 4}),
                new Model("gru", () -> new GRU(4, 6, 1, true, true, 0.0, false), new long[] {5, 4}));
    }

    private static long[] withBatch(long batch, long[] shape) {
        long[] s = new long[shape.length + 1];
        s[0] = batch;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void aTracedLayerMatchesEagerAtEveryBatchSize(Model m) {
        Tensor.manualSeed(17);
        Module module = m.make().get().eval();
        Graph g = Graph.tracer(module).markDynamic(0, 0).trace(Tensor.randn(withBatch(4, m.shape()), DType.F32, new Generator(1)));
        Graph optimized = Pass.run(g, Pass.defaults());
        for (long batch : new long[] {2, 4, 7}) {
            Tensor x = Tensor.randn(withBatch(batch, m.shape()), DType.F32, new Generator(batch));
            Tensor expected = module.forward(x).detach();
            Tensor expectedNoGrad;
            try (var off = Autograd.noGrad()) {
                expectedNoGrad = module.forward(x);
            }
            // Under noGrad, Linear may take its packed-weight GEMM, a fast path outside the primitive
            // vocabulary that rounds differently (a reassociation): within 1e-6 relative there.
            double scale = 1 + expectedNoGrad.abs().max().item();
            double diff = expectedNoGrad.sub(g.run(x)[0]).abs().max().item();
            org.junit.jupiter.api.Assertions.assertTrue(diff <= 1e-6 * scale, m + " batch " + batch + ": " + diff);
            assertBitIdentical(expected, g.run(x)[0]);
            assertBitIdentical(expected, optimized.run(x)[0]);
        }
    }
}
