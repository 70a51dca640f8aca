package dev.walnut.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.LayerNorm;
import dev.walnut.ops.FusedOps;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden graphs of {@link LayerNormFusion} and {@link FusedOps#LAYER_NORM} against the traced decomposition. */
class LayerNormFusionTest {
    private static Tensor randn(long seed, DType dt, long... shape) {
        return Tensor.randn(shape, dt, new Generator(seed));
    }

    /** Max |a - e| over max |e|. */
    private static double relativeError(Tensor expected, Tensor actual) {
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()));
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double diff = 0;
        double scale = 1e-30;
        for (int i = 0; i < e.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return diff / scale;
    }

    /** The graph's text without the constants' values (the norm's random weight and bias). */
    private static String withoutValues(Graph g) {
        return g.toString().replaceAll("constant\\(\\[[^]]*\\]\\)", "constant");
    }

    private static LayerNorm norm(int n) {
        Tensor.manualSeed(3);
        LayerNorm ln = new LayerNorm(n);
        try (var off = Autograd.noGrad()) {
            // Not the identity affine, so a dropped weight or bias shows.
            ln.parameters().forEach(p -> p.copyInPlace(Tensor.randn(p.shape())));
        }
        return ln;
    }

    @Test
    void aResidualAddAndItsLayerNormBecomeOneNode() {
        LayerNorm ln = norm(8);
        Graph g = Graph.tracer(in -> ln.forward(in[0].add(in[1]))).trace(randn(1, DType.F32, 2, 5, 8),
                randn(2, DType.F32, 2, 5, 8));
        Graph after = Pass.run(g, List.of(new CommonSubexpressionElimination(), new LayerNormFusion(),
                new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[2,5,8], %x1: f32[2,5,8]):
                  %c0 = constant : f32[8]
                  %c1 = constant : f32[8]
                  %0 = fusedLayerNorm(%x0, %x1, %c0, %c1) {eps=1.0E-5, residual=true, weight=true, bias=true} : f32[2,5,8]
                  return (%0)
                """, withoutValues(after));
        Tensor x = randn(3, DType.F32, 2, 5, 8);
        Tensor y = randn(4, DType.F32, 2, 5, 8);
        assertTrue(relativeError(g.run(x, y)[0], after.run(x, y)[0]) <= 1e-6);
    }

    @Test
    void aNormWhoseSumIsReadElsewhereKeepsTheAddOutside() {
        LayerNorm ln = norm(8);
        Graph g = Graph.tracerAll(in -> {
            Tensor z = in[0].add(in[1]);
            return new Tensor[] {ln.forward(z), z};
        }).trace(randn(1, DType.F32, 4, 8), randn(2, DType.F32, 4, 8));
        Graph after = Pass.run(g, List.of(new CommonSubexpressionElimination(), new LayerNormFusion(),
                new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[4,8], %x1: f32[4,8]):
                  %c0 = constant : f32[8]
                  %c1 = constant : f32[8]
                  %0 = add(%x0, %x1) : f32[4,8]
                  %1 = fusedLayerNorm(%0, %c0, %c1) {eps=1.0E-5, residual=false, weight=true, bias=true} : f32[4,8]
                  return (%1, %0)
                """, withoutValues(after));
    }

    @Test
    void aNormalizedValueReadElsewhereIsNotFused() {
        // The centred value d = z - mean(z) is also an output: fusing would lose it.
        Graph g = Graph.tracerAll(in -> {
            Tensor d = in[0].sub(in[0].mean(new int[] {1}, true));
            Tensor y = d.mul(d.square().sum(new int[] {1}, true).div(8.0).add(1e-5).rsqrt());
            return new Tensor[] {y, d};
        }).trace(randn(1, DType.F32, 4, 8));
        Graph before = Pass.run(g, List.of(new CommonSubexpressionElimination()));
        assertEquals(before.toString(), new LayerNormFusion().apply(before).toString());
    }

    @Test
    void aCompiledLayerNormMatchesEagerOnAPermutedResidual() {
        LayerNorm ln = norm(256);
        java.util.function.Function<Tensor[], Tensor> f = in -> ln.forward(in[0].add(in[1].permute(1, 0, 2)));
        CompiledFunction compiled = Compiler.compile(f);
        for (long batch : new long[] {1, 8}) {
            Tensor x = randn(batch, DType.F32, batch, 32, 256);
            Tensor y = randn(batch + 10, DType.F32, 32, batch, 256);
            Tensor eager;
            try (var off = Autograd.noGrad()) {
                eager = f.apply(new Tensor[] {x, y});
            }
            assertTrue(relativeError(eager, compiled.apply(x, y)) <= 1e-6, "batch " + batch);
            assertTrue(compiled.graphFor(x, y).toString().contains("fusedLayerNorm"), compiled.graphFor(x, y).toString());
        }
    }

    @Test
    void theF32KernelMatchesTheF64CompositionForEveryInputSet() {
        Tensor x = randn(1, DType.F64, 6, 33);
        Tensor r = randn(2, DType.F64, 6, 33);
        Tensor w = randn(3, DType.F64, 33);
        Tensor b = randn(4, DType.F64, 33);
        for (int mask = 0; mask < 8; mask++) {
            boolean res = (mask & 1) != 0;
            boolean hasW = (mask & 2) != 0;
            boolean hasB = (mask & 4) != 0;
            FusedOps.LayerNorm attrs = new FusedOps.LayerNorm(1e-5, res, hasW, hasB);
            List<Tensor> in = new java.util.ArrayList<>(List.of(x));
            if (res) {
                in.add(r);
            }
            if (hasW) {
                in.add(w);
            }
            if (hasB) {
                in.add(b);
            }
            Tensor expected = Dispatcher.call(FusedOps.LAYER_NORM, attrs, in.toArray(new Tensor[0]));
            Tensor actual = Dispatcher.call(FusedOps.LAYER_NORM, attrs,
                    in.stream().map(t -> t.to(DType.F32)).toArray(Tensor[]::new));
            assertTrue(relativeError(expected, actual) <= 1e-6, "inputs " + mask + ": " + relativeError(expected, actual));
            Tensor z = res ? x.add(r) : x;
            Tensor reference = dev.walnut.nn.functional.Normalization.layerNorm(z, new long[] {33}, hasW ? w : null,
                    hasB ? b : null, 1e-5);
            assertTrue(relativeError(reference, expected) <= 1e-12, "inputs " + mask);
        }
    }

    @Test
    void aResidualOfAnotherShapeIsRejectedNamingTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dispatcher.call(FusedOps.LAYER_NORM,
                new FusedOps.LayerNorm(1e-5, true, false, false), randn(1, DType.F32, 2, 4), randn(2, DType.F32, 4)));
        assertTrue(e.getMessage().contains("[2, 4]") && e.getMessage().contains("residual"), e.getMessage());
    }
}
