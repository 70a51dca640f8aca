package dev.walnut.func;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradientContext;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The transforms' API: values against closed forms and finite differences, composition, user state left alone, errors. */
class FuncTest {
    static Tensor randn(Generator g, long... shape) {
        return Tensor.randn(shape, DType.F64, g);
    }

    static void assertClose(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        double[] e = expected.to(DType.F64).toDoubleArray();
        double[] a = actual.to(DType.F64).toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * (1 + Math.abs(e[i])), "element " + i);
        }
    }

    @Test
    void gradOfCubeIsThreeSquares() {
        Tensor x = Tensor.of(1.0, 2.0, -3.0).to(DType.F64);
        Tensor g = Func.grad(a -> a[0].pow(3.0).sum()).apply(x);
        assertClose(Tensor.of(3.0, 12.0, 27.0).to(DType.F64), g, 1e-12);
        assertFalse(g.requiresGrad());
    }

    @Test
    void gradOverSeveralArgnumsAndValue() {
        Tensor x = Tensor.of(2.0).to(DType.F64);
        Tensor y = Tensor.of(5.0).to(DType.F64);
        Tensor[] r = Func.gradAndValue(a -> a[0].mul(a[1]).sum(), 0, 1).apply(x, y);
        assertClose(y, r[0], 0);
        assertClose(x, r[1], 0);
        assertEquals(10.0, r[2].item());
    }

    @Test
    void gradOfAnUnusedArgumentIsZeros() {
        Tensor[] r = Func.grad(a -> a[0].sum(), 0, 1).apply(Tensor.ones(2), Tensor.ones(3));
        assertClose(Tensor.zeros(3), r[1], 0);
    }

    @Test
    void jvpCarriesTangentsThroughForwardRules() {
        Generator gen = new Generator(1);
        Tensor x = randn(gen, 4);
        Tensor v = randn(gen, 4);
        Func.JvpResult r = Func.jvp(a -> a[0].sin().mul(a[0]), new Tensor[] {x}, new Tensor[] {v});
        assertClose(x.sin().mul(x), r.output(), 1e-12);
        assertClose(x.cos().mul(x).add(x.sin()).mul(v), r.tangent(), 1e-12);
    }

    @Test
    void jvpDoesNotRunBackward() {
        // Forward mode is an interpreter: no node is recorded anywhere, even for inputs that require grad.
        Tensor x = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        int before = GradientContext.current().tapeSize();
        Func.JvpResult r = Func.jvp(a -> a[0].exp(), new Tensor[] {x}, new Tensor[] {Tensor.ones(2)});
        assertEquals(before, GradientContext.current().tapeSize());
        assertFalse(r.tangent().requiresGrad());
    }

    @Test
    void linearizeGivesTheValueAndAJvpFunction() {
        Tensor x = Tensor.of(0.5, 1.0).to(DType.F64);
        Func.Linearized l = Func.linearize(a -> a[0].exp(), x);
        assertClose(x.exp(), l.outputs()[0], 1e-12);
        Tensor v = Tensor.of(2.0, -1.0).to(DType.F64);
        assertClose(x.exp().mul(v), l.jvp().apply(v)[0], 1e-12);
    }

    @Test
    void vjpPullbackCanRunTwice() {
        Generator gen = new Generator(2);
        Tensor x = randn(gen, 3);
        Func.VjpResult r = Func.vjp(a -> a[0].tanh(), x);
        Tensor u = randn(gen, 3);
        Tensor g1 = r.pullback().apply(u)[0];
        Tensor g2 = r.pullback().apply(u.mul(2.0))[0];
        Tensor d = x.tanh().square().rsub(1.0);
        assertClose(u.mul(d), g1, 1e-12);
        assertClose(u.mul(d).mul(2.0), g2, 1e-12);
    }

    @Test
    void transformsLeaveTheActiveTapeAndGradAlone() {
        Tensor w = Tensor.of(1.0, 2.0).to(DType.F64).setRequiresGrad(true);
        Tensor x = Tensor.of(3.0, 4.0).to(DType.F64);
        try (var ctx = new GradientContext()) {
            TensorFunction f = a -> a[0].mul(w).square().sum();
            Func.grad(f).apply(x);
            Func.vjp(f, x).pullback().apply(Tensor.scalar(1.0, DType.F64));
            Func.jvp(f, new Tensor[] {x}, new Tensor[] {x});
            Func.hessian(f).apply(x);
            Func.hvp(f, new Tensor[] {x}, new Tensor[] {x});
            Func.vmap(f).apply(x.reshape(2, 1));
            assertEquals(0, ctx.tapeSize());
            assertNull(w.grad());
        }
    }

    @Test
    void gradWorksInsideNoGrad() {
        try (var off = Autograd.noGrad()) {
            Tensor g = Func.grad(a -> a[0].square().sum()).apply(Tensor.of(3.0).to(DType.F64));
            assertEquals(6.0, g.item());
        }
    }

    @Test
    void gradOfGradIsSecondDerivative() {
        TensorFunction f = a -> a[0].pow(4.0).sum();
        TensorFunction d2 = Func.grad(a -> Func.grad(f).apply(a).sum());
        assertClose(Tensor.of(12.0 * 4).to(DType.F64), d2.apply(Tensor.of(2.0).to(DType.F64)), 1e-12);
    }

    @Test
    void nestedGradsKeepTheirLevelsApart() {
        // d/dx [ d/dy (x * y) at y = x ] = d/dx x = 1 (perturbation confusion would give 2).
        TensorFunction outer = a -> {
            Tensor x = a[0];
            return Func.grad(b -> x.mul(b[0]).sum()).apply(x).sum();
        };
        assertEquals(1.0, Func.grad(outer).apply(Tensor.of(3.0).to(DType.F64)).item(), 1e-12);
    }

    @Test
    void jvpOfGradIsHessianVectorProduct() {
        Generator gen = new Generator(3);
        Tensor x = randn(gen, 3);
        Tensor v = randn(gen, 3);
        Tensor[] hv = Func.hvp(a -> a[0].pow(3.0).sum(), new Tensor[] {x}, new Tensor[] {v});
        assertClose(x.mul(6.0).mul(v), hv[0], 1e-12);
    }

    @Test
    void gradOfJvpDifferentiatesTheTangent() {
        // g(x) = jvp(sin, x, 1).tangent = cos(x); grad of its sum is -sin(x).
        TensorFunction g = a -> Func.jvp(b -> b[0].sin(), new Tensor[] {a[0]}, new Tensor[] {Tensor.onesLike(a[0])})
                .tangent().sum();
        Tensor x = Tensor.of(0.5, 1.5).to(DType.F64);
        assertClose(x.sin().neg(), Func.grad(g).apply(x), 1e-12);
    }

    @Test
    void jacobiansAgreeAndHaveTheOutputThenInputShape() {
        Generator gen = new Generator(4);
        Tensor w = randn(gen, 3, 4);
        TensorFunction f = a -> w.matmul(a[0]).tanh();
        Tensor x = randn(gen, 4);
        Tensor jr = Func.jacrev(f).apply(x);
        Tensor jf = Func.jacfwd(f).apply(x);
        assertArrayEquals(new long[] {3, 4}, jr.shape());
        assertClose(jr, jf, 1e-12);
        Tensor expected = w.mul(w.matmul(x).tanh().square().rsub(1.0).unsqueeze(1));
        assertClose(expected, jr, 1e-12);
    }

    @Test
    void jacobiansOverSeveralArguments() {
        Generator gen = new Generator(14);
        Tensor x = randn(gen, 3);
        Tensor y = randn(gen, 3);
        TensorFunction f = a -> a[0].mul(a[1]).sin();
        Tensor[] jr = Func.jacrev(f, new int[] {0, 1}).apply(x, y);
        Tensor[] jf = Func.jacfwd(f, new int[] {0, 1}).apply(x, y);
        Tensor c = x.mul(y).cos();
        assertClose(y.mul(c).diag(), jr[0], 1e-12);
        assertClose(x.mul(c).diag(), jr[1], 1e-12);
        assertClose(jr[0], jf[0], 1e-12);
        assertClose(jr[1], jf[1], 1e-12);
    }

    @Test
    void jacrevOfJacrevIsTheHessian() {
        Generator gen = new Generator(5);
        Tensor x = randn(gen, 3);
        TensorFunction f = a -> a[0].pow(3.0).sum();
        Tensor h1 = Func.jacrev(Func.jacrev(f)).apply(x);
        Tensor h2 = Func.hessian(f).apply(x);
        assertClose(x.mul(6.0).diag(), h1, 1e-12);
        assertClose(h1, h2, 1e-12);
    }

    @Test
    void vmapMapsOverDimsAndKeepsSharedArguments() {
        Generator gen = new Generator(6);
        Tensor xs = randn(gen, 5, 3);
        Tensor w = randn(gen, 3);
        Tensor out = Func.vmap(a -> a[0].mul(a[1]).sum(), new int[] {1, Func.UNBATCHED}, 0).apply(xs.t(), w);
        assertClose(xs.mul(w).sum(1, false), out, 1e-12);
    }

    @Test
    void nestedVmapIsAnOuterProduct() {
        Generator gen = new Generator(7);
        Tensor a = randn(gen, 4);
        Tensor b = randn(gen, 3);
        TensorFunction mul = t -> t[0].mul(t[1]);
        Tensor out = Func.vmap(x -> Func.vmap(mul, new int[] {Func.UNBATCHED, 0}, 0).apply(x[0], x[1]),
                new int[] {0, Func.UNBATCHED}, 0).apply(a, b);
        assertClose(a.unsqueeze(1).mul(b.unsqueeze(0)), out, 1e-12);
    }

    @Test
    void vmapOfJvpAndJvpOfVmapAgree() {
        Generator gen = new Generator(8);
        Tensor xs = randn(gen, 4, 3);
        Tensor vs = randn(gen, 4, 3);
        TensorFunction tangent = a -> Func.jvp(b -> b[0].exp().sum(), new Tensor[] {a[0]}, new Tensor[] {a[1]}).tangent();
        Tensor viaVmap = Func.vmap(tangent).apply(xs, vs);
        Tensor viaJvp = Func.jvp(b -> Func.vmap(c -> c[0].exp().sum()).apply(b[0]), new Tensor[] {xs},
                new Tensor[] {vs}).tangent();
        assertClose(xs.exp().mul(vs).sum(1, false), viaVmap, 1e-12);
        assertClose(viaVmap, viaJvp, 1e-12);
    }

    @Test
    void gradOfVmapDifferentiatesThroughTheBatch() {
        Generator gen = new Generator(13);
        Tensor xs = randn(gen, 4, 3);
        Tensor w = randn(gen, 3);
        // d/dw sum_b sum_i sin(x_bi w_i) = sum_b x_bi cos(x_bi w_i)
        TensorFunction f = a -> Func.vmap(b -> b[0].mul(b[1]).sin().sum(), new int[] {0, Func.UNBATCHED}, 0)
                .apply(a[1], a[0]).sum();
        Tensor g = Func.grad(f).apply(w, xs);
        assertClose(xs.mul(xs.mul(w).cos()).sum(0, false), g, 1e-12);
        // and per-sample second derivatives: vmap(grad(grad)) of sin(x w).sum() w.r.t. w, per example
        Tensor h = Func.vmap(b -> Func.grad(c -> Func.grad(d -> d[0].mul(d[1]).sin().sum()).apply(c[0], c[1]).sum())
                .apply(b[0], b[1]), new int[] {Func.UNBATCHED, 0}, 0).apply(w, xs);
        assertClose(xs.square().mul(xs.mul(w).sin()).neg(), h, 1e-12);
    }

    @Test
    void itemOnABatchedTensorNamesVmapAndTheFix() {
        var e = assertThrows(UnsupportedOperationException.class,
                () -> Func.vmap(a -> Tensor.scalar(a[0].sum().item())).apply(Tensor.ones(3, 2)));
        assertTrue(e.getMessage().contains("vmap") && e.getMessage().contains("where()"), e.getMessage());
    }

    @Test
    void escapingTensorsAreErrorsNamingTheTransform() {
        Tensor[] leaked = new Tensor[1];
        Func.vmap(a -> {
            leaked[0] = a[0];
            return a[0].sin();
        }).apply(Tensor.ones(3, 2));
        var e = assertThrows(IllegalStateException.class, () -> leaked[0].exp());
        assertTrue(e.getMessage().contains("escaped") && e.getMessage().contains("vmap"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> leaked[0].toDoubleArray());
        Func.jvp(a -> {
            leaked[0] = a[0];
            return a[0];
        }, new Tensor[] {Tensor.ones(2)}, new Tensor[] {Tensor.ones(2)});
        e = assertThrows(IllegalStateException.class, () -> leaked[0].exp());
        assertTrue(e.getMessage().contains("jvp"), e.getMessage());
    }

    @Test
    void inPlaceWritesOnTransformedTensorsAreRefused() {
        var e = assertThrows(UnsupportedOperationException.class, () -> Func.jvp(a -> a[0].addInPlace(Tensor.ones(2)),
                new Tensor[] {Tensor.ones(2)}, new Tensor[] {Tensor.ones(2)}));
        assertTrue(e.getMessage().contains("jvp") && e.getMessage().contains("out-of-place"), e.getMessage());
        e = assertThrows(UnsupportedOperationException.class,
                () -> Func.vmap(a -> a[0].addInPlace(Tensor.ones(2))).apply(Tensor.ones(3, 2)));
        assertTrue(e.getMessage().contains("vmap"), e.getMessage());
    }

    @Test
    void functionalCallRunsWithOtherWeightsAndRestoresTheModule() {
        Linear lin = new Linear(3, 2);
        Tensor w = lin.namedParameters().get("weight");
        Tensor other = Tensor.ones(2, 3);
        Tensor x = Tensor.of(1.0, 2.0, 3.0);
        Tensor y = Func.functionalCall(lin, Map.of("weight", other), x);
        assertClose(Tensor.full(new long[] {2}, 6.0).add(lin.namedParameters().get("bias")), y, 1e-6);
        assertTrue(lin.namedParameters().get("weight") == w);
        var e = assertThrows(IllegalArgumentException.class, () -> Func.functionalCall(lin, Map.of("wieght", other), x));
        assertTrue(e.getMessage().contains("wieght"), e.getMessage());
    }

    @Test
    void ensembleByVmapOverStackedModuleState() {
        List<Module> models = List.of(new Linear(3, 2), new Linear(3, 2), new Linear(3, 2));
        Map<String, Tensor> stacked = Func.stackModuleState(models);
        assertArrayEquals(new long[] {3, 2, 3}, stacked.get("weight").shape());
        Tensor x = Tensor.randn(4, 3);
        Module base = models.get(0);
        Tensor out = Func.vmap(p -> Func.functionalCall(base, Map.of("weight", p[0], "bias", p[1]), p[2]),
                new int[] {0, 0, Func.UNBATCHED}, 0).apply(stacked.get("weight"), stacked.get("bias"), x);
        for (int m = 0; m < 3; m++) {
            Module model = models.get(m);
            assertClose(Autograd.noGrad(() -> model.forward(x)), out.select(0, m), 1e-5);
        }
    }

    @Test
    void perSampleGradientsOfAnMlpEqualSeparateGradients() {
        Generator gen = new Generator(9);
        Module mlp = new Sequential(new Linear(6, 5), new ReLU(), new Linear(5, 4));
        mlp.to(DType.F64);
        Map<String, Tensor> params = mlp.namedParameters();
        List<String> names = List.copyOf(params.keySet());
        Tensor xs = randn(gen, 8, 6);
        Tensor ys = Tensor.randint(0, 4, new long[] {8}, gen);
        TensorFunction loss = a -> {
            Map<String, Tensor> p = new java.util.LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                p.put(names.get(i), a[i]);
            }
            return Losses.crossEntropy(Func.functionalCall(mlp, p, a[4].unsqueeze(0)), a[5].unsqueeze(0));
        };
        int[] inDims = {Func.UNBATCHED, Func.UNBATCHED, Func.UNBATCHED, Func.UNBATCHED, 0, 0};
        int tapeBefore = GradientContext.current().tapeSize();
        Tensor[] args = {params.get(names.get(0)), params.get(names.get(1)), params.get(names.get(2)),
                params.get(names.get(3)), xs, ys};
        Tensor[] perSample = Func.vmapMulti(Func.grad(loss, 0, 1, 2, 3), inDims, null).apply(args);
        for (int s = 0; s < 8; s++) {
            Tensor[] one = args.clone();
            one[4] = xs.select(0, s);
            one[5] = ys.select(0, s);
            Tensor[] g = Func.grad(loss, 0, 1, 2, 3).apply(one);
            for (int k = 0; k < 4; k++) {
                assertClose(g[k], perSample[k].select(0, s), 1e-10);
            }
        }
        assertEquals(tapeBefore, GradientContext.current().tapeSize());
        assertNull(params.get(names.get(0)).grad());
    }

    @Test
    void misuseGetsErrorsNamingTheTransformAndTheFix() {
        var e = assertThrows(IllegalArgumentException.class, () -> Func.grad(a -> a[0].exp()).apply(Tensor.ones(3)));
        assertTrue(e.getMessage().startsWith("grad:") && e.getMessage().contains("sum()"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Func.grad(a -> a[0].sum()).apply(Tensor.of(1L, 2L)));
        assertTrue(e.getMessage().contains("I64") && e.getMessage().contains("argnums"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Func.vmap(a -> a[0].add(a[1])).apply(Tensor.ones(3, 2), Tensor.ones(4, 2)));
        assertTrue(e.getMessage().contains("batch size") && e.getMessage().contains("3 vs 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Func.jvp(a -> a[0], new Tensor[] {Tensor.ones(2)}, new Tensor[] {Tensor.ones(3)}));
        assertTrue(e.getMessage().contains("tangent 0 has shape [3]"), e.getMessage());
    }

    @Test
    void vmapWithSeveralOutputsAndOutDims() {
        Tensor xs = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor[] r = Func.vmapMulti(a -> new Tensor[] {a[0].sum(), a[0].mul(2.0)}, null, new int[] {0, 1}).apply(xs);
        assertClose(Tensor.of(6.0, 15.0), r[0], 0);
        assertClose(xs.mul(2.0).t(), r[1], 0);
        // An output that does not depend on the batch is the same for every example.
        Tensor c = Func.vmap(a -> Tensor.of(7.0)).apply(xs);
        assertClose(Tensor.of(new double[][] {{7}, {7}}), c, 0);
    }

    @Test
    void perSampleGradientsOfAConvolutionEqualSeparateGradients() {
        Generator gen = new Generator(12);
        Tensor kernel = randn(gen, 2, 1, 2, 2);
        Tensor xs = randn(gen, 3, 1, 4, 4);
        TensorFunction loss = a -> dev.walnut.nn.functional.Convolution.conv2d(a[1].unsqueeze(0), a[0], null)
                .relu().square().sum();
        Tensor perSample = Func.vmap(Func.grad(loss), new int[] {Func.UNBATCHED, 0}, 0).apply(kernel, xs);
        for (int s = 0; s < 3; s++) {
            assertClose(Func.grad(loss).apply(kernel, xs.select(0, s)), perSample.select(0, s), 1e-12);
        }
    }

    @Test
    void interpretersArePoppedAfterAFailure() {
        assertThrows(IllegalArgumentException.class, () -> Func.vmap(a -> a[0].matmul(Tensor.ones(7, 7))).apply(Tensor.ones(2, 3)));
        assertEquals(0, Dispatcher.stack().size());
        assertEquals(6.0, Func.grad(a -> a[0].square().sum()).apply(Tensor.of(3.0)).item(), 1e-6);
    }
}
