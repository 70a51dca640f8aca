package dev.walnut.func;

import static dev.walnut.func.FuncTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.functional.Convolution;
import dev.walnut.nn.functional.Losses;
import dev.walnut.nn.functional.Normalization;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Jacobians and Hessians of composite functions (issue 17's acceptance): {@code jacfwd == jacrev}
 * and {@code hessian == jacfwd(jacrev)}, both against float64 central differences, on an MLP,
 * softmax cross-entropy, layer norm and a convolution.
 */
class FuncCompositeTest {
    private static final double EPS = 1e-6;

    /** A named function of one float64 tensor with a non-scalar result, its scalar loss, and an input. */
    record Case(String name, TensorFunction f, Supplier<Tensor> input) {
        TensorFunction loss() {
            return a -> f.apply(a).square().sum().mul(0.5);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        Generator gen = new Generator(11);
        Tensor w1 = Tensor.randn(new long[] {5, 4}, DType.F64, gen);
        Tensor b1 = Tensor.randn(new long[] {5}, DType.F64, gen);
        Tensor w2 = Tensor.randn(new long[] {3, 5}, DType.F64, gen);
        Tensor target = Tensor.of(2L, 0L);
        Tensor gamma = Tensor.randn(new long[] {6}, DType.F64, gen);
        Tensor beta = Tensor.randn(new long[] {6}, DType.F64, gen);
        Tensor kernel = Tensor.randn(new long[] {2, 1, 2, 2}, DType.F64, gen);
        return List.of(
                new Case("mlp", a -> a[0].matmul(w1.t()).add(b1).tanh().matmul(w2.t()),
                        () -> Tensor.randn(new long[] {2, 4}, DType.F64, new Generator(1))),
                new Case("softmax cross-entropy", a -> Losses.crossEntropy(a[0], target, "none"),
                        () -> Tensor.randn(new long[] {2, 3}, DType.F64, new Generator(2))),
                new Case("layer norm", a -> Normalization.layerNorm(a[0], new long[] {6}, gamma, beta),
                        () -> Tensor.randn(new long[] {2, 6}, DType.F64, new Generator(3))),
                new Case("conv", a -> Convolution.conv2d(a[0], kernel, null).tanh(),
                        () -> Tensor.randn(new long[] {1, 1, 3, 3}, DType.F64, new Generator(4))));
    }

    /** Central differences of {@code f} at {@code x}: shape {@code f(x).shape ++ x.shape}. */
    static Tensor finiteJacobian(TensorFunction f, Tensor x) {
        double[] base = x.toDoubleArray();
        long[] yShape = f.apply(x).shape();
        Tensor[] cols = new Tensor[base.length];
        for (int k = 0; k < base.length; k++) {
            double[] p = base.clone();
            double[] m = base.clone();
            p[k] += EPS;
            m[k] -= EPS;
            Tensor fp = f.apply(Tensor.fromArray(p, x.shape()));
            Tensor fm = f.apply(Tensor.fromArray(m, x.shape()));
            cols[k] = fp.sub(fm).div(2 * EPS).reshape(-1);
        }
        long[] shape = Arrays.copyOf(yShape, yShape.length + x.dim());
        System.arraycopy(x.shape(), 0, shape, yShape.length, x.dim());
        return Tensor.stack(cols, 1).reshape(shape);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jacfwdEqualsJacrevAndFiniteDifferences(Case c) {
        Tensor x = c.input().get();
        Tensor jr = Func.jacrev(c.f()).apply(x);
        Tensor jf = Func.jacfwd(c.f()).apply(x);
        assertClose(jr, jf, 1e-10);
        assertClose(finiteJacobian(c.f(), x), jr, 1e-6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hessianEqualsJacfwdOfJacrevAndFiniteDifferences(Case c) {
        Tensor x = c.input().get();
        Tensor h = Func.hessian(c.loss()).apply(x);
        long[] twice = Arrays.copyOf(x.shape(), 2 * x.dim());
        System.arraycopy(x.shape(), 0, twice, x.dim(), x.dim());
        assertArrayEquals(twice, h.shape());
        assertClose(Func.jacfwd(Func.jacrev(c.loss())).apply(x), h, 1e-10);
        assertClose(Func.jacrev(Func.jacrev(c.loss())).apply(x), h, 1e-10);
        assertClose(finiteJacobian(Func.grad(c.loss()), x), h, 1e-6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hvpEqualsHessianTimesVector(Case c) {
        Tensor x = c.input().get();
        Tensor v = Tensor.randn(x.shape(), DType.F64, new Generator(5));
        Tensor h = Func.hessian(c.loss()).apply(x);
        long n = x.numel();
        Tensor expected = h.reshape(n, n).matmul(v.reshape(n)).reshape(x.shape());
        assertClose(expected, Func.hvp(c.loss(), new Tensor[] {x}, new Tensor[] {v})[0], 1e-10);
    }
}
