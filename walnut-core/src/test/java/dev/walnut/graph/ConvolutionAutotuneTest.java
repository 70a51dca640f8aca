package dev.walnut.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.internal.ConvolutionChoice;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.ops.OpDef;
import dev.walnut.ops.WindowOps;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Max-autotune's convolution algorithms: each {@link ConvolutionChoice} lowers the model's
 * convolutions differently (seen in the traced ops), each gives the eager numbers within
 * rounding, and the compiled model keeps one of the candidate graphs.
 */
class ConvolutionAutotuneTest {
    private static Module cnn() {
        Tensor.manualSeed(21);
        // conv1: 3 -> 8 (shallow: the heuristic takes the fused kernels), conv2: padded, 8 -> 16.
        return new Sequential(new Conv2d(3, 8, 3), new ReLU(), new Conv2d(8, 16, 3, 1, 1), new ReLU(), new Flatten(),
                new Linear(16 * 6 * 6, 10));
    }

    private static Map<String, Integer> histogram(Graph g) {
        Map<String, Integer> h = new TreeMap<>();
        for (Node n : g.nodes()) {
            h.merge(n.op().name(), 1, Integer::sum);
        }
        return h;
    }

    private static int count(Graph g, OpDef<?> op) {
        return (int) g.nodes().stream().filter(n -> n.op() == op).count();
    }

    @Test
    void eachAlgorithmLowersTheConvolutionsItsWayWithTheEagerNumbers() {
        Module model = cnn();
        Tensor x = Tensor.randn(4, 3, 8, 8);
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = model.forward(x);
        }
        Tracer tracer = Graph.tracer(model);
        Graph direct = ConvolutionChoice.with(ConvolutionChoice.DIRECT, () -> tracer.trace(x));
        Graph stacked = ConvolutionChoice.with(ConvolutionChoice.STACKED, () -> tracer.trace(x));
        Graph im2col = ConvolutionChoice.with(ConvolutionChoice.IM2COL, () -> tracer.trace(x));
        assertEquals(2, count(direct, WindowOps.CONVOLUTION), histogram(direct).toString());
        assertEquals(0, count(direct, WindowOps.IM2COL), histogram(direct).toString());
        assertEquals(0, count(stacked, WindowOps.CONVOLUTION), histogram(stacked).toString());
        assertEquals(2, count(stacked, WindowOps.IM2COL), histogram(stacked).toString());
        assertEquals(0, count(im2col, WindowOps.CONVOLUTION), histogram(im2col).toString());
        assertEquals(2, count(im2col, WindowOps.IM2COL), histogram(im2col).toString());
        assertTrue(!histogram(stacked).equals(histogram(im2col)), "stacked and per-item im2col differ: "
                + histogram(stacked));
        for (Graph g : List.of(direct, stacked, im2col)) {
            Tensor y = g.run(x)[0];
            assertArrayEquals(expected.shape(), y.shape());
            assertTrue(y.sub(expected).abs().max().item() <= 1e-5 * expected.abs().max().item(), histogram(g).toString());
        }
        try (var off = Autograd.noGrad()) {
            Tensor eagerIm2col = ConvolutionChoice.with(ConvolutionChoice.IM2COL, () -> model.forward(x));
            assertTrue(eagerIm2col.sub(expected).abs().max().item() <= 1e-5 * expected.abs().max().item());
        }
        assertEquals(ConvolutionChoice.AUTO, ConvolutionChoice.current(), "the choice is restored");
    }

    @Test
    void maxAutotuneKeepsOneOfTheConvolutionCandidates() {
        Module model = cnn();
        Tensor x = Tensor.randn(4, 3, 8, 8);
        CompiledFunction tuned = Compiler.compile(model).mode(CompileMode.MAX_AUTOTUNE);
        Tensor y = tuned.apply(x);
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = model.forward(x);
        }
        assertTrue(y.sub(expected).abs().max().item() <= 1e-5 * expected.abs().max().item());
        Tracer tracer = Graph.tracer(model);
        Set<String> candidates = new HashSet<>();
        for (ConvolutionChoice c : ConvolutionChoice.values()) {
            Graph captured = ConvolutionChoice.with(c, () -> tracer.trace(x));
            Autotuner.candidates(Pass.defaults()).values().forEach(p -> candidates.add(Pass.run(captured, p).toString()));
        }
        assertTrue(candidates.size() >= 4, "distinct candidates: " + candidates.size());
        assertTrue(candidates.contains(tuned.graphFor(x).toString()), tuned.graphFor(x).toString());
        Tensor x2 = Tensor.randn(4, 3, 8, 8);
        try (var off = Autograd.noGrad()) {
            Tensor e2 = model.forward(x2);
            assertTrue(tuned.apply(x2).sub(e2).abs().max().item() <= 1e-5 * e2.abs().max().item());
        }
        assertEquals(1, tuned.cachedGraphs());
    }
}
