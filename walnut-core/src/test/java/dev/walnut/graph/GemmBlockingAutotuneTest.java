package dev.walnut.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.internal.GemmChoice;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Max-autotune's GEMM blocking: a graph tuned to a blocking runs its products under it (their
 * bits are those of the eager product under that blocking, not the default's), in both the
 * interpreter and the arena executor, and the autotuned model gives the eager numbers within
 * float rounding, whichever blocking the timing picked.
 */
class GemmBlockingAutotuneTest {
    /** A blocking whose depth differs from the default's, so its sums round differently. */
    private static int otherDepth() {
        for (int i = 1; i < GemmChoice.count(); i++) {
            if (!GemmChoice.name(i).split(" x ")[0].equals(GemmChoice.name(0).split(" x ")[0])) {
                return i;
            }
        }
        throw new AssertionError("no candidate with another depth than " + GemmChoice.name(0));
    }

    private static float[] data(Tensor t) {
        return t.contiguous().toFloatArray();
    }

    @Test
    void aTunedGraphRunsItsProductsUnderItsBlocking() {
        Tensor.manualSeed(3);
        Tensor a = Tensor.randn(96, 1200);
        Tensor b = Tensor.randn(1200, 80);
        Graph g = Graph.trace((Tensor[] in) -> in[0].matmul(in[1]), a, b);
        int choice = otherDepth();
        float[] eagerDefault = data(a.matmul(b));
        float[] eagerChoice = GemmChoice.with(choice, () -> data(a.matmul(b)));
        assertFalse(Arrays.equals(eagerDefault, eagerChoice), "the blockings round alike here; pick a larger k");
        assertArrayEquals(eagerDefault, data(g.run(a, b)[0]));
        g.gemmChoice(choice);
        assertArrayEquals(eagerChoice, data(g.run(a, b)[0]), "interpreter under " + GemmChoice.name(choice));
        ArenaExecutor x = new ArenaExecutor(g, new Tensor[] {a, b});
        assertArrayEquals(eagerChoice, data(x.run(g.boundWeights(), new Tensor[] {a, b})[0]), "discovery run");
        assertArrayEquals(eagerChoice, data(x.run(g.boundWeights(), new Tensor[] {a, b})[0]), "arena run");
        float[] d = data(a.matmul(b));
        assertArrayEquals(eagerDefault, d, "the caller's blocking is restored after a run");
        for (int i = 0; i < eagerDefault.length; i++) {
            assertEquals(eagerDefault[i], eagerChoice[i], 1e-6 * 1200 * Math.max(1, Math.abs(eagerDefault[i])));
        }
    }

    @Test
    void maxAutotuneKeepsABlockingAndTheEagerNumbers() {
        Tensor.manualSeed(4);
        Module mlp = new Sequential(new Linear(300, 256), new ReLU(), new Linear(256, 10));
        Tensor x = Tensor.randn(64, 300);
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = mlp.forward(x);
        }
        CompiledFunction tuned = Compiler.compile(mlp).mode(CompileMode.MAX_AUTOTUNE);
        Tensor y = tuned.apply(x);
        int choice = tuned.graphFor(x).gemmChoice();
        assertTrue(choice >= 0 && choice < GemmChoice.count(), "choice " + choice);
        float[] want = data(expected);
        float[] got = data(y);
        double scale = expected.abs().max().item();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6 * scale, "y[" + i + "] under "
                    + GemmChoice.name(choice));
        }
        assertEquals(1, tuned.cachedGraphs());
    }
}
