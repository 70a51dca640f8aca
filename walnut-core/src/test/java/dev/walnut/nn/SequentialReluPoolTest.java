package dev.walnut.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.functional.Activations;
import dev.walnut.nn.functional.Pooling;
import dev.walnut.profiler.Profiler;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Sequential} runs a ReLU followed by max pooling as the pooling, then the ReLU in grad
 * mode: the same bits forward and backward as the layers in their order, on windows whose max is
 * negative, zero (ties of zeros and negatives) or positive, and on overlapping and padded
 * windows; under no-grad the layers keep their order.
 */
class SequentialReluPoolTest {
    private static Tensor input(long seed, long... shape) {
        Tensor x = Tensor.randn(shape, DType.F32, new Generator(seed)).sub(0.3);
        // Zeros and negative windows: relu's ties, and windows with no positive element.
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i += 7) {
            v[i] = 0f;
        }
        for (int i = 0; i < v.length / 8; i++) {
            v[i] = -Math.abs(v[i]) - 0.5f;
        }
        return Tensor.fromArray(v, shape).setRequiresGrad(true);
    }

    private static void check(Module pool, Tensor x) {
        Sequential seq = new Sequential(new ReLU(), pool);
        Tensor viaSequential = seq.forward(x);
        Tensor xb = x.detach().setRequiresGrad(true);
        Tensor inOrder = pool.forward(Activations.relu(xb));
        assertArrayEquals(inOrder.toFloatArray(), viaSequential.toFloatArray());
        Tensor g = Tensor.randn(inOrder.shape(), DType.F32, new Generator(9));
        viaSequential.backward(g);
        inOrder.backward(g);
        float[] a = x.grad().toFloatArray();
        float[] b = xb.grad().toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]), "gradient " + i);
        }
    }

    @Test
    void reluThenPoolingGivesTheLayersBitsForwardAndBackward() {
        check(new MaxPool2d(2), input(1, 2, 3, 8, 8));
        check(new MaxPool2d(2), input(2, 2, 3, 7, 9)); // odd planes
        check(new MaxPool2d(3, 2, 1), input(3, 1, 4, 9, 9)); // overlapping, padded windows
    }

    @Test
    void theReluRunsOnThePooledValues() {
        Sequential seq = new Sequential(new ReLU(), new MaxPool2d(2), new ReLU());
        Tensor x = input(4, 2, 3, 8, 8);
        List<String> ops;
        try (Profiler p = Profiler.start()) {
            seq.forward(x);
            ops = p.events().stream().map(e -> e.op() + " " + e.inputShapes()).toList();
        }
        assertEquals(List.of("maxPool2d [2, 3, 8, 8]", "relu [2, 3, 4, 4]", "relu [2, 3, 4, 4]"), ops);
        assertArrayEquals(Activations.relu(Pooling.maxPool2d(Activations.relu(x), 2)).toFloatArray(),
                seq.forward(x).toFloatArray());
    }

    /** Under no-grad (inference, the compiler's tracing) the layers run in their order. */
    @Test
    void noGradKeepsTheOrder() {
        Sequential seq = new Sequential(new ReLU(), new MaxPool2d(2));
        Tensor x = input(6, 2, 3, 8, 8);
        List<String> ops;
        try (var off = Autograd.noGrad(); Profiler p = Profiler.start()) {
            seq.forward(x);
            ops = p.events().stream().map(e -> e.op() + " " + e.inputShapes()).toList();
        }
        assertEquals(List.of("relu [2, 3, 8, 8]", "maxPool2d [2, 3, 8, 8]"), ops);
    }

    @Test
    void subclassesKeepTheirOrder() {
        Module relu = new ReLU() {
            @Override
            public Tensor forward(Tensor input) {
                return super.forward(input.mul(2.0));
            }
        };
        Sequential seq = new Sequential(relu, new MaxPool2d(2));
        Tensor x = input(5, 1, 2, 4, 4);
        List<String> ops;
        try (Profiler p = Profiler.start()) {
            seq.forward(x);
            ops = p.events().stream().map(e -> e.op()).toList();
        }
        assertEquals("maxPool2d", ops.get(ops.size() - 1), ops.toString());
    }
}
