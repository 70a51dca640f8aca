package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.autograd.Autograd;
import dev.walnut.func.Func;
import dev.walnut.func.TensorFunction;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's "Function transforms" example honest: the code between the
 * {@code README-FUNC} markers runs here and its comments are checked, and the README's
 * {@code java} block under that heading must be the same code.
 */
class FuncReadmeTest {
    @Test
    void functionTransformsExampleRunsAndDoesWhatItsCommentsSay() {
        Tensor.manualSeed(0);
        // README-FUNC-BEGIN
        // imports: dev.walnut.Tensor, dev.walnut.func.{Func, TensorFunction}, dev.walnut.nn.*,
        //          dev.walnut.nn.functional.Losses, java.util.Map

        // Per-sample gradients: the gradient of one example's loss, vmapped over the batch.
        Module model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
        Tensor weight = model.namedParameters().get("0.weight");                 // [8, 4]
        TensorFunction loss = a -> Losses.crossEntropy(
                Func.functionalCall(model, Map.of("0.weight", a[0]), a[1].unsqueeze(0)), a[2].unsqueeze(0));
        Tensor xs = Tensor.randn(16, 4);
        Tensor ys = Tensor.randint(0, 3, 16);
        Tensor perSample = Func.vmap(Func.grad(loss), new int[] {Func.UNBATCHED, 0, 0}, 0)
                .apply(weight, xs, ys);                   // [16, 8, 4]: one gradient per example

        // Hessian-vector product, forward over reverse: H v without forming H.
        TensorFunction f = a -> a[0].pow(3.0).sum();     // H = diag(6 x)
        Tensor x = Tensor.of(1.0, 2.0, 3.0);
        Tensor v = Tensor.of(1.0, 1.0, 1.0);
        Tensor hv = Func.hvp(f, new Tensor[] {x}, new Tensor[] {v})[0];          // [6, 12, 18]
        Tensor h = Func.hessian(f).apply(x);             // [3, 3] with 6 x on the diagonal
        // README-FUNC-END

        assertArrayEquals(new long[] {16, 8, 4}, perSample.shape());
        for (int s : new int[] {0, 15}) {
            model.zeroGrad();
            Losses.crossEntropy(model.forward(xs.select(0, s).unsqueeze(0)), ys.select(0, s).unsqueeze(0)).backward();
            float[] want = weight.grad().toFloatArray();
            float[] got = perSample.select(0, s).toFloatArray();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-5);
            }
        }
        model.zeroGrad();
        Autograd.clearTape();
        assertTrue(hv.equal(Tensor.of(6.0, 12.0, 18.0)), hv::toString);
        assertTrue(h.equal(Tensor.of(6.0, 12.0, 18.0).diag()), h::toString);
    }

    @Test
    void readmeShowsExactlyTheMarkedExample() throws IOException {
        Path moduleDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        String readme = Files.readString(moduleDir.resolve("../README.md").normalize(), StandardCharsets.UTF_8);
        String source = Files.readString(moduleDir.resolve("src/test/java/dev/walnut/FuncReadmeTest.java"),
                StandardCharsets.UTF_8);
        assertEquals(ReadmeTourTest.markedRegion(source, "// README-FUNC-BEGIN", "// README-FUNC-END"),
                ReadmeTourTest.javaBlockUnder(readme, "Function transforms"),
                "the README's function-transforms example differs from FuncReadmeTest; change both together");
    }
}
