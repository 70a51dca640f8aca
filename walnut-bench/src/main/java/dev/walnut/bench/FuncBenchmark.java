package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.func.Func;
import dev.walnut.func.TensorFunction;
import dev.walnut.nn.Module;
import dev.walnut.nn.functional.Losses;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Function transforms on the 784-512-512-10 MLP ({@link Models#mlp()}) at batch 64, the workloads
 * of issue 17 (PyTorch peer: {@code functorch} in {@code bench/torch_compare.py}):
 * <ul>
 *   <li>{@code perSampleGrads}: {@code vmap(grad(loss of one example))} over the batch, w.r.t. all
 *       six parameters (64 gradients each); {@code batchedGrad}: {@code grad} of the mean loss of
 *       the batch, the same work without per-example results.</li>
 *   <li>{@code jvp}: forward mode through the MLP w.r.t. its input; {@code forward}: the plain
 *       forward (no grad).</li>
 *   <li>{@code hvp}: Hessian-vector product of the batch's mean loss w.r.t. all parameters,
 *       forward over reverse.</li>
 * </ul>
 * The score is milliseconds per call.
 *
 * <pre>{@code
 * java -jar walnut-bench/target/walnut-bench.jar FuncBenchmark
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FuncBenchmark {
    static final int BATCH = 64;

    private Module model;
    private Tensor input;
    private Tensor inputTangent;
    private Tensor target;
    private Tensor[] args;
    private Tensor[] params;
    private Tensor[] paramTangents;
    private int[] argnums;
    private int[] inDims;
    private TensorFunction exampleLoss;
    private TensorFunction batchLoss;
    private TensorFunction paramLoss;

    @Setup(Level.Trial)
    public void setUp() {
        model = Models.mlp();
        input = Models.input(42, BATCH, 784);
        inputTangent = Models.input(43, BATCH, 784);
        target = Models.labels(BATCH);
        Map<String, Tensor> named = model.namedParameters();
        List<String> names = List.copyOf(named.keySet());
        int n = names.size();
        params = named.values().toArray(new Tensor[0]);
        paramTangents = new Tensor[n];
        argnums = new int[n];
        inDims = new int[n + 2];
        args = new Tensor[n + 2];
        for (int i = 0; i < n; i++) {
            paramTangents[i] = Models.input(100 + i, params[i].shape());
            argnums[i] = i;
            inDims[i] = Func.UNBATCHED;
            args[i] = params[i];
        }
        args[n] = input;
        args[n + 1] = target;
        exampleLoss = a -> Losses.crossEntropy(Func.functionalCall(model, byName(names, a), a[n].unsqueeze(0)),
                a[n + 1].unsqueeze(0));
        batchLoss = a -> Losses.crossEntropy(Func.functionalCall(model, byName(names, a), a[n]), a[n + 1]);
        paramLoss = a -> Losses.crossEntropy(Func.functionalCall(model, byName(names, a), input), target);
    }

    private static Map<String, Tensor> byName(List<String> names, Tensor[] a) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), a[i]);
        }
        return m;
    }

    @Benchmark
    public Tensor[] perSampleGrads() {
        return Func.vmapMulti(Func.grad(exampleLoss, argnums), inDims, null).apply(args);
    }

    @Benchmark
    public Tensor[] batchedGrad() {
        return Func.grad(batchLoss, argnums).apply(args);
    }

    @Benchmark
    public Tensor forward() {
        try (var off = Autograd.noGrad()) {
            return model.forward(input);
        }
    }

    @Benchmark
    public Func.JvpResult jvp() {
        return Func.jvp(x -> model.forward(x[0]), new Tensor[] {input}, new Tensor[] {inputTangent});
    }

    @Benchmark
    public Tensor[] hvp() {
        return Func.hvp(paramLoss, params, paramTangents);
    }
}
