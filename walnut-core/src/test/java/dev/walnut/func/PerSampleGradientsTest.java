package dev.walnut.func;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's acceptance: per-sample gradients of the benchmark MLP (784-512-512-10, ReLU,
 * cross-entropy) at batch 64 through {@code vmap(grad(...))} equal 64 separate gradients, each
 * computed by ordinary backward on one example.
 */
class PerSampleGradientsTest {
    @Test
    void vmapOfGradEqualsSixtyFourBackwardPasses() {
        Generator gen = new Generator(17);
        Module mlp = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 10));
        Map<String, Tensor> params = mlp.namedParameters();
        List<String> names = List.copyOf(params.keySet());
        Tensor xs = Tensor.randn(new long[] {64, 784}, dev.walnut.DType.F32, gen);
        Tensor ys = Tensor.randint(0, 10, new long[] {64}, gen);

        TensorFunction loss = a -> {
            Map<String, Tensor> p = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                p.put(names.get(i), a[i]);
            }
            int n = names.size();
            return Losses.crossEntropy(Func.functionalCall(mlp, p, a[n].unsqueeze(0)), a[n + 1].unsqueeze(0));
        };
        int n = names.size();
        int[] argnums = new int[n];
        int[] inDims = new int[n + 2];
        Tensor[] args = new Tensor[n + 2];
        for (int i = 0; i < n; i++) {
            argnums[i] = i;
            inDims[i] = Func.UNBATCHED;
            args[i] = params.get(names.get(i));
        }
        args[n] = xs;
        args[n + 1] = ys;
        Tensor[] perSample = Func.vmapMulti(Func.grad(loss, argnums), inDims, null).apply(args);

        for (int s = 0; s < 64; s++) {
            mlp.zeroGrad();
            Tensor l = Losses.crossEntropy(mlp.forward(xs.select(0, s).unsqueeze(0)), ys.select(0, s).unsqueeze(0));
            l.backward();
            for (int k = 0; k < n; k++) {
                Tensor want = params.get(names.get(k)).grad();
                Tensor got = perSample[k].select(0, s);
                assertArrayEquals(want.shape(), got.shape());
                float[] w = want.toFloatArray();
                float[] g = got.toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i], g[i], 1e-5f + 1e-4f * Math.abs(w[i]), names.get(k) + " of example " + s + ", element " + i);
                }
            }
        }
        mlp.zeroGrad();
        Autograd.clearTape();
    }
}
