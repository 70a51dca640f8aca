package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.functional.Convolution;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The back end keeps a packed copy of a convolution's weight across calls, keyed by the weight
 * storage's version ({@code PackedConvWeights}). Two ways it could go stale in a compiled model:
 * a parameter changed in place between calls (fine-tuning, then inference with the same compiled
 * model), and a weight computed in the graph on every call into the same arena buffer (an imported
 * model's folded batch norm, a weight standardisation, a padded or transposed kernel): every out=
 * kernel that writes such a buffer must bump its version, or the convolution would keep
 * multiplying by the first values it packed.
 */
class PackedWeightsStalenessTest {
    private static final Tensor W = Tensor.randn(new long[] {64, 64, 3, 3}, DType.F32, new Generator(1)).mul(0.05);
    private static final Tensor W2 = Tensor.randn(new long[] {64, 64, 2, 2}, DType.F32, new Generator(2)).mul(0.05);
    private static final Tensor WT = Tensor.randn(new long[] {64, 64, 3, 3}, DType.F32, new Generator(3)).mul(0.05);
    private static final Tensor B = Tensor.randn(new long[] {64}, DType.F32, new Generator(4));

    /** 64 channels at 28x28, 3x3, padding 1: the shifted-GEMM path, wide enough to pack its weights. */
    static Stream<Arguments> weights() {
        return Stream.of(
                Arguments.of("scaled (fused elementwise)", (Function<Tensor, Tensor>) s -> W.mul(s)),
                Arguments.of("padded 2x2 -> 3x3 (constantPad)", (Function<Tensor, Tensor>) s -> W2.mul(s).pad(0, 1, 0, 1)),
                Arguments.of("transposed copy (clone)",
                        (Function<Tensor, Tensor>) s -> WT.mul(s).transpose(0, 1).contiguous()));
    }

    @ParameterizedTest(name = "{0}, {2}")
    @MethodSource("cases")
    void aWeightComputedInTheGraphIsNeverStale(String name, Function<Tensor, Tensor> weight, CompileMode mode) {
        Function<Tensor[], Tensor> f = in -> Convolution.conv2d(in[0], weight.apply(in[1]), B, 1, 1, 1, 1).relu();
        Tensor x = Tensor.randn(new long[] {1, 64, 28, 28}, DType.F32, new Generator(5));
        CompiledFunction compiled = Compiler.compile(f).mode(mode);
        try (var off = Autograd.noGrad()) {
            for (double s : new double[] {1, 1, 1, 2, 2, -0.5, -0.5, 1}) {
                Tensor scale = Tensor.scalar(s);
                assertBitIdentical(f.apply(new Tensor[] {x, scale}), compiled.apply(x, scale));
            }
        }
    }

    static Stream<Arguments> cases() {
        return weights().flatMap(a -> Stream.of(CompileMode.DEFAULT, CompileMode.REDUCE_OVERHEAD)
                .map(m -> Arguments.of(a.get()[0], a.get()[1], m)));
    }

    @ParameterizedTest
    @MethodSource("modes")
    void aParameterChangedInPlaceBetweenCallsIsRepacked(CompileMode mode) {
        Tensor w = W.clone();
        Function<Tensor[], Tensor> f = in -> Convolution.conv2d(in[0], w, B, 1, 1, 1, 1).relu();
        Tensor x = Tensor.randn(new long[] {1, 64, 28, 28}, DType.F32, new Generator(6));
        CompiledFunction compiled = Compiler.compile(f).mode(mode);
        try (var off = Autograd.noGrad()) {
            for (int round = 0; round < 3; round++) {
                // Expected from a copy: a fresh storage, seen once, never packed (eager f would share the cache).
                Tensor expected = Convolution.conv2d(x, w.clone(), B, 1, 1, 1, 1).relu();
                for (int call = 0; call < 3; call++) { // the second call packs, the third uses the packed copy
                    assertBitIdentical(expected, compiled.apply(x));
                    assertBitIdentical(expected, f.apply(new Tensor[] {x}));
                }
                w.mulInPlace(1.5);
            }
        }
    }

    static Stream<CompileMode> modes() {
        return Stream.of(CompileMode.DEFAULT, CompileMode.REDUCE_OVERHEAD);
    }
}
