package dev.walnut.autograd;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.Tanh;
import dev.walnut.optim.SGD;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DESIGN.md §4.1 "Who owns a graph": the tensors that use a graph own it, the tape only records
 * it. PyTorch's orderings work, backward costs the graph and not the tape's history, and the
 * habits that leaked while the tape owned every graph (issue 11) stay flat (small sizes here,
 * full sizes in {@link GraphOwnershipSoakTest}).
 */
@ExtendWith(CleanTapeExtension.class)
class GraphOwnershipTest {

    @Test
    void aHeldGraphBackpropagatesAfterClearTape() {
        Tensor x = Tensor.of(3.0).setRequiresGrad(true);
        Tensor loss = x.mul(x).sum();
        Autograd.clearTape();
        assertEquals(0, GradientContext.current().tapeSize());
        loss.backward();
        assertEquals(6.0, x.grad().item(), 0.0, "d(x^2)/dx = 2x");
    }

    @Test
    void anIntermediateRecordedBeforeClearTapeStillBackpropagates() {
        Tensor x = Tensor.of(2.0).setRequiresGrad(true);
        Tensor h = x.mul(3.0);
        Autograd.clearTape();
        Tensor loss = h.mul(h).sum(); // 9 x^2
        loss.backward();
        assertEquals(36.0, x.grad().item(), 0.0, "18x at x = 2");
    }

    @Test
    void forwardThenZeroGradThenBackwardThenStepIsPyTorchsUsualOrder() {
        Tensor w = Tensor.of(1.0, -2.0).setRequiresGrad(true);
        var opt = new SGD(List.of(w), 0.5);
        Tensor loss = w.mul(w).sum();   // loss = f(x)
        opt.zeroGrad();                 // clears context 0's tape
        assertEquals(0, GradientContext.current().tapeSize());
        loss.backward();                // the held graph is still there
        assertArrayEquals(new float[] {2f, -4f}, w.grad().toFloatArray(), 0f);
        opt.step();
        assertArrayEquals(new float[] {0f, 0f}, w.toFloatArray(), 0f, "w - 0.5 * 2w");
    }

    @Test
    void seedStyleZeroGradBeforeBackwardWorksToo() {
        Tensor w = Tensor.of(1.0).setRequiresGrad(true);
        Tensor loss = w.mul(3.0).sum();
        new SGD(0.1).zeroGrad(List.of(w));
        loss.backward();
        assertEquals(3.0, w.grad().item(), 0.0);
    }

    /**
     * The DCGAN step: fake = G(z); the discriminator trains on fake.detach() after its own
     * zeroGrad; then the generator's zeroGrad, and lossG backpropagates through the same fake.
     * Both zeroGrad calls clear context 0's tape between recording fake and using it.
     */
    @Test
    void theDcganPatternBackpropagatesThroughAGraphRecordedBeforeTwoZeroGrads() {
        var gen = new Generator(21);
        Module g = new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 2));
        Module d = new Sequential(new Linear(2, 4), new Tanh(), new Linear(4, 1));
        initialize(g, gen);
        initialize(d, gen);
        Tensor z = Tensor.randn(new long[] {5, 3}, DType.F32, gen);
        Tensor real = Tensor.randn(new long[] {5, 2}, DType.F32, gen);
        var optD = new SGD(d.parameters(), 0.1);
        var optG = new SGD(g.parameters(), 0.1);

        Tensor fake = g.forward(z);
        optD.zeroGrad();
        Tensor lossD = d.forward(real).mean().neg().add(d.forward(fake.detach()).mean());
        lossD.backward();
        optD.step();

        optG.zeroGrad();
        Tensor lossG = d.forward(fake).mean().neg(); // through fake, recorded before both zeroGrads
        // What G's gradient must be: the same loss recomputed from scratch, apart.
        Tensor w0 = g.parameters().get(0);
        Tensor expected = Autograd.grad(d.forward(g.forward(z)).mean().neg(), w0);
        lossG.backward();
        optG.step();
        assertArrayEquals(expected.toFloatArray(), w0.grad().toFloatArray(), 0f);
    }

    private static void initialize(Module m, Generator gen) {
        try (var off = Autograd.noGrad()) {
            for (Tensor p : m.parameters()) {
                p.copyInPlace(Tensor.randn(p.shape(), DType.F32, gen).mul(0.5));
            }
        }
    }

    @Test
    void closingAContextFreesTheSavedTensorsOfItsGraphsAndBackwardNamesTheContext() {
        Tensor x = Tensor.ones(16_384).setRequiresGrad(true);
        Tensor loss;
        GradientContext closed;
        try (var ctx = new GradientContext()) {
            closed = ctx;
            loss = x.mul(x).sum();
            assertEquals(2 * 65_536, ctx.savedBytes());
        }
        assertEquals(0, closed.savedBytes());
        var e = assertThrows(IllegalStateException.class, loss::backward);
        assertContains(e.getMessage(), "context " + closed.id(), "closed");
    }

    @Test
    void aGraphFromAClosedContextUnderANewLossIsAnErrorNotAConstant() {
        Tensor x = Tensor.of(2.0).setRequiresGrad(true);
        Tensor h;
        long id;
        try (var ctx = new GradientContext()) {
            id = ctx.id();
            h = x.mul(3.0);
        }
        Tensor loss = h.mul(2.0).sum();
        var e = assertThrows(IllegalStateException.class, loss::backward);
        assertContains(e.getMessage(), "MulBackward0", "context " + id, "closed");
    }

    @Test
    void aOneNodeBackwardVisitsOneNodeWhateverTheTapeRecordedBefore() throws Exception {
        int[] visited = MemoryWorkloads.onFreshThread(() -> {
            Tensor a = Tensor.scalar(1.0).setRequiresGrad(true);
            Tensor chain = a;
            for (int i = 0; i < 1_000_000; i++) {
                chain = chain.mul(1.0); // held: a million live, unrelated nodes on context 0
            }
            Tensor x = Tensor.scalar(2.0).setRequiresGrad(true);
            x.mul(5.0).backward();
            int afterBackward = ThreadState.get().lastBackwardVisited;
            Autograd.grad(x.mul(4.0), x);
            int afterGrad = ThreadState.get().lastBackwardVisited;
            assertEquals(1_000_000, GradientContext.current().tapeSize() - 2);
            assertTrue(chain.requiresGrad());
            return new int[] {afterBackward, afterGrad};
        });
        assertArrayEquals(new int[] {1, 1}, visited, "one node each, not the million before them");
    }

    @Test
    void aBackwardRunInsideAnotherOverTheSameNodesLeavesTheOuterPassIntact() {
        Tensor x = Tensor.of(2.0).setRequiresGrad(true);
        Tensor h = x.mul(x);
        double[] inner = new double[1];
        boolean[] entered = {false};
        h.registerHook(g -> {
            if (entered[0]) {
                return g; // the inner pass runs this hook too
            }
            entered[0] = true;
            // A second pass over h's node while the outer pass is processing it (hooks run with
            // grad mode off, as the backward is not being recorded).
            Tensor y = Autograd.enableGrad(() -> h.mul(3.0).sum());
            inner[0] = Autograd.grad(new Tensor[] {y}, new Tensor[] {x}, null,
                    GradOptions.defaults().retainGraph())[0].item();
            return g;
        });
        h.sum().backward();
        assertEquals(12.0, inner[0], 0.0, "d(3 x^2)/dx at 2");
        assertEquals(4.0, x.grad().item(), 0.0, "d(x^2)/dx at 2, unaffected by the inner pass");
    }

    @Test
    void backwardVisitsOnlyTheNodesReachableFromTheLoss() {
        Tensor x = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        Tensor unrelated = x.exp().sin().cos(); // three nodes nobody backpropagates
        Tensor loss = x.mul(x).sum();           // two nodes
        loss.backward();
        assertEquals(2, ThreadState.get().lastBackwardVisited);
        assertTrue(unrelated.requiresGrad());
    }

    // ------------------------------------------------------------------ the leaks of issue 11, small

    @Test
    void inferenceWithoutNoGradKeepsNoGraphAlive() throws Exception {
        var q = MemoryWorkloads.inferenceWithoutNoGrad(400);
        assertTrue(q.oneStepSavedBytes() > 0);
        for (int k = 0; k < 4; k++) {
            assertTrue(q.savedBytes()[k] <= q.oneStepSavedBytes(), "saved bytes alive after quarter " + k + ": "
                    + q.savedBytes()[k] + " (at most the last forward's " + q.oneStepSavedBytes() + ")");
        }
    }

    @Test
    void trainingWithOnlyModuleZeroGradKeepsNoGraphAliveAndBackwardCostsOneStep() throws Exception {
        var q = MemoryWorkloads.trainWithModuleZeroGradOnly(200);
        for (int k = 0; k < 4; k++) {
            assertEquals(q.visited()[0], q.visited()[k], "nodes visited by a backward in quarter " + k);
            assertEquals(0, q.savedBytes()[k], "backward freed every saved tensor; nothing else is held");
        }
    }

    @Test
    void aManualSgdLoopThatNeverClearsTheTapeVisitsTheSameNodesEveryIteration() throws Exception {
        var q = MemoryWorkloads.manualSgdWithoutClearTape(2000);
        for (int k = 0; k < 4; k++) {
            assertEquals(5, q.visited()[k], "mm, add, sub, pow, mean");
        }
    }
}
