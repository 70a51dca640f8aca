package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden before/after graphs for each pass, and the optimized graph's numbers. */
class PassesTest {
    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    @Test
    void deadCodeEliminationDropsUnusedNodesAndTheirConstants() {
        Tensor unused = Tensor.fromArray(new float[] {1, 2, 3}, 3);
        Graph g = Graph.trace(in -> {
            in[0].exp().add(unused);
            return in[0].neg();
        }, randn(2, 3));
        assertEquals("""
                graph(%x0: f32[3]):
                  %c0 = constant([1.0, 2.0, 3.0]) : f32[3]
                  %0 = exp(%x0) : f32[3]
                  %1 = add(%0, %c0) : f32[3]
                  %2 = neg(%x0) : f32[3]
                  return (%2)
                """, g.toString());
        assertEquals("""
                graph(%x0: f32[3]):
                  %0 = neg(%x0) : f32[3]
                  return (%0)
                """, new DeadCodeElimination().apply(g).toString());
    }

    @Test
    void commonSubexpressionEliminationComputesEachExpressionOnce() {
        Graph g = Graph.trace(in -> in[0].exp().mul(2.0).add(in[0].exp().mul(2.0)).add(in[0].exp().mul(3.0))
                .add(Tensor.scalar(1.0)).add(Tensor.scalar(1.0)), randn(1, 3));
        assertEquals("""
                graph(%x0: f32[3]):
                  %c0 = constant(1.0) : f32[]
                  %c1 = constant(1.0) : f32[]
                  %0 = exp(%x0) : f32[3]
                  %1 = mulScalar(%0) {value=2.0, integral=false} : f32[3]
                  %2 = exp(%x0) : f32[3]
                  %3 = mulScalar(%2) {value=2.0, integral=false} : f32[3]
                  %4 = add(%1, %3) : f32[3]
                  %5 = exp(%x0) : f32[3]
                  %6 = mulScalar(%5) {value=3.0, integral=false} : f32[3]
                  %7 = add(%4, %6) : f32[3]
                  %8 = add(%7, %c0) : f32[3]
                  %9 = add(%8, %c1) : f32[3]
                  return (%9)
                """, g.toString());
        Graph after = Pass.run(g, List.of(new CommonSubexpressionElimination(), new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[3]):
                  %c0 = constant(1.0) : f32[]
                  %0 = exp(%x0) : f32[3]
                  %1 = mulScalar(%0) {value=2.0, integral=false} : f32[3]
                  %2 = add(%1, %1) : f32[3]
                  %3 = mulScalar(%0) {value=3.0, integral=false} : f32[3]
                  %4 = add(%2, %3) : f32[3]
                  %5 = add(%4, %c0) : f32[3]
                  %6 = add(%5, %c0) : f32[3]
                  return (%6)
                """, after.toString());
        Tensor x = randn(2, 3);
        assertBitIdentical(g.run(x), after.run(x));
    }

    @Test
    void constantFoldingEvaluatesConstantSubgraphsOnce() {
        Tensor a = Tensor.fromArray(new float[] {1, 2}, 2);
        Graph g = Graph.trace(in -> in[0].mul(a.mul(2.0).add(1.0)).add(a.sum()), randn(1, 2));
        assertEquals("""
                graph(%x0: f32[2]):
                  %c0 = constant([1.0, 2.0]) : f32[2]
                  %0 = mulScalar(%c0) {value=2.0, integral=false} : f32[2]
                  %1 = addScalar(%0) {value=1.0, integral=false} : f32[2]
                  %2 = mul(%x0, %1) : f32[2]
                  %3 = sum(%c0) {dims=[], keepDim=false} : f32[]
                  %4 = add(%2, %3) : f32[2]
                  return (%4)
                """, g.toString());
        Graph after = new ConstantFolding().apply(g);
        assertEquals("""
                graph(%x0: f32[2]):
                  %c0 = constant([3.0, 5.0]) : f32[2]
                  %c1 = constant(3.0) : f32[]
                  %0 = mul(%x0, %c0) : f32[2]
                  %1 = add(%0, %c1) : f32[2]
                  return (%1)
                """, after.toString());
        Tensor x = randn(2, 2);
        assertBitIdentical(g.run(x), after.run(x));
    }

    @Test
    void algebraicSimplificationRemovesIdentities() {
        Tensor ones = Tensor.ones(3);
        Tensor zeros = Tensor.zeros(3);
        Graph g = Graph.trace(in -> in[0].mul(1.0).add(0.0).div(1.0).mul(ones).sub(zeros).t().t()
                .permute(1, 0).permute(1, 0).reshape(6).reshape(3, 2).reshape(2, 3).exp(), randn(1, 2, 3));
        assertEquals("""
                graph(%x0: f32[2,3]):
                  %c0 = constant([1.0, 1.0, 1.0]) : f32[3]
                  %c1 = constant([0.0, 0.0, 0.0]) : f32[3]
                  %0 = mulScalar(%x0) {value=1.0, integral=false} : f32[2,3]
                  %1 = addScalar(%0) {value=0.0, integral=false} : f32[2,3]
                  %2 = divScalar(%1) {value=1.0, integral=false} : f32[2,3]
                  %3 = mul(%2, %c0) : f32[2,3]
                  %4 = sub(%3, %c1) : f32[2,3]
                  %5 = transpose(%4) {dim0=0, dim1=1} : f32[3,2]
                  %6 = transpose(%5) {dim0=0, dim1=1} : f32[2,3]
                  %7 = permute(%6) {dims=[1, 0]} : f32[3,2]
                  %8 = permute(%7) {dims=[1, 0]} : f32[2,3]
                  %9 = reshape(%8) {shape=[6]} : f32[6]
                  %10 = reshape(%9) {shape=[3, 2]} : f32[3,2]
                  %11 = reshape(%10) {shape=[2, 3]} : f32[2,3]
                  %12 = exp(%11) : f32[2,3]
                  return (%12)
                """, g.toString());
        Graph after = Pass.run(g, List.of(new AlgebraicSimplification(), new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[2,3]):
                  %0 = exp(%x0) : f32[2,3]
                  return (%0)
                """, after.toString());
        Tensor x = randn(2, 2, 3);
        assertBitIdentical(g.run(x), after.run(x));
    }

    @Test
    void identitiesThatWouldChangeTheDtypeOrShapeStay() {
        Graph g = Graph.trace(in -> in[0].mul(1.0).add(Tensor.zeros(2, 3)), Tensor.fromArray(new int[] {1, 2, 3}, 3));
        Graph after = Pass.run(g, List.of(new AlgebraicSimplification(), new DeadCodeElimination()));
        assertEquals(g.toString(), after.toString(), "int * 1.0 is float, and adding [2, 3] zeros broadcasts");
    }

    @Test
    void permutesComposeAndReshapeChainsCollapse() {
        Graph g = Graph.trace(in -> in[0].permute(2, 0, 1).permute(2, 0, 1).reshape(24).reshape(4, 6), randn(1, 2, 3, 4));
        Graph after = Pass.run(g, List.of(new AlgebraicSimplification(), new DeadCodeElimination()));
        assertEquals("""
                graph(%x0: f32[2,3,4]):
                  %0 = permute(%x0) {dims=[1, 2, 0]} : f32[3,4,2]
                  %1 = reshape(%0) {shape=[4, 6]} : f32[4,6]
                  return (%1)
                """, after.toString());
        Tensor x = randn(2, 2, 3, 4);
        assertBitIdentical(g.run(x), after.run(x));
    }

    @Test
    void theDefaultPipelineKeepsAnMlpsNumbers() {
        Tensor.manualSeed(5);
        Module model = new Sequential(new Flatten(), new Linear(16, 8), new ReLU(), new Linear(8, 4));
        Graph g = Graph.tracer(model).markDynamic(0, 0).trace(randn(1, 3, 4, 4));
        Graph after = Pass.run(g, Pass.defaults());
        // Nothing to remove in a plain MLP; each layer's matmul, bias and ReLU fuse into one node
        // (too small for the packed GEMM, so it computes what the graph did, bit for bit).
        assertEquals("""
                graph(%x0: f32[?,4,4], %1.weight: f32[8,16], %1.bias: f32[8], %3.weight: f32[4,8], %3.bias: f32[4]):
                  %0 = reshape(%x0) {shape=[?, 16]} : f32[?,16]
                  %1 = fusedLinear(%0, %1.weight, %1.bias) {activation=relu, weightKN=false} : f32[?,8]
                  %2 = fusedLinear(%1, %3.weight, %3.bias) {activation=none, weightKN=false} : f32[?,4]
                  return (%2)
                """, after.toString());
        Tensor x = randn(2, 5, 4, 4);
        assertBitIdentical(g.run(x), after.run(x));
    }
}
