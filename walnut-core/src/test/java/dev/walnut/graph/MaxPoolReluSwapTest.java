package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import dev.walnut.nn.functional.Pooling;
import dev.walnut.optim.SGD;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Golden graphs of {@link MaxPoolReluSwap}, and the swapped graphs against eager, bit for bit. */
class MaxPoolReluSwapTest {
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    private static Module cnn() {
        Tensor.manualSeed(3);
        return new Sequential(new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 3 * 3, 5));
    }

    @Test
    void maxPoolOfAReluBecomesAReluOfTheMaxPool() {
        Graph g = Graph.tracer(in -> Pooling.maxPool2d(in[0].relu(), 2)).trace(randn(1, 2, 3, 4, 4));
        assertEquals("""
                graph(%x0: f32[2,3,4,4]):
                  %0, %1 = maxPool2d(%x0) {geometry=[2, 2, 2, 2, 0, 0, 1, 1], outH=2, outW=2, divisor=null} : f32[2,3,2,2], i64[2,3,2,2]
                  %2 = relu(%0) : f32[2,3,2,2]
                  return (%2)
                """, Pass.run(g, List.of(new MaxPoolReluSwap(), new DeadCodeElimination())).toString());
    }

    @Test
    void aReluReadByAnotherOpStaysBeforeThePooling() {
        Graph g = Graph.tracer(in -> {
            Tensor r = in[0].relu();
            return Pooling.maxPool2d(r, 2).sum().add(r.sum());
        }).trace(randn(1, 1, 2, 4, 4));
        assertSame(g, new MaxPoolReluSwap().apply(g));
    }

    @Test
    void swappedInferenceGivesTheEagerValuesBitForBit() {
        Module m = cnn();
        Tensor x = randn(2, 6, 1, 8, 8).sub(0.5); // windows whose max is negative, too
        Tensor expected = m.forward(x);
        Graph g = Graph.trace(m, x);
        Graph swapped = new MaxPoolReluSwap().apply(g);
        assertEquals(List.of("convolution", "maxPool2d", "relu"),
                swapped.nodes().stream().map(n -> n.op().name()).toList().subList(0, 3));
        assertBitIdentical(expected, swapped.run(x)[0]);
    }

    @Test
    void swappedTrainStepEqualsTheEagerStepBitForBit() {
        Module eager = cnn();
        Module compiled = cnn();
        SGD eagerOpt = new SGD(eager.parameters(), 0.1);
        CompiledTrainStep step = Compiler.compileTrainStep(compiled, Losses::crossEntropy, new SGD(compiled.parameters(), 0.1))
                .passes(List.of(new MaxPoolReluSwap()));
        for (int s = 0; s < 3; s++) {
            Tensor x = randn(10 + s, 6, 1, 8, 8).sub(0.5);
            Tensor y = Tensor.randint(0, 5, new long[] {6}, new Generator(20 + s));
            eagerOpt.zeroGrad(true);
            Tensor loss = Losses.crossEntropy(eager.forward(x), y);
            loss.backward();
            eagerOpt.step();
            assertBitIdentical(loss.detach(), step.step(x, y));
        }
        long swaps = step.graphFor(randn(1, 6, 1, 8, 8), Tensor.zeros(new long[] {6}, DType.I64)).nodes().stream()
                .filter(n -> n.op().name().equals("maxPool2dBackward")).count();
        assertEquals(1, swaps);
        Map<String, Tensor> e = eager.stateDict();
        Map<String, Tensor> c = compiled.stateDict();
        for (String k : e.keySet()) {
            assertBitIdentical(e.get(k), c.get(k));
        }
    }
}
