package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.autograd.Autograd;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import dev.walnut.graph.Graph;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's "Compiled models" example honest: the code between the
 * {@code README-COMPILE} markers runs here and its comments are checked, and the README's
 * {@code java} block under that heading must be the same code.
 */
class CompileReadmeTest {
    @Test
    void compiledModelsExampleRunsAndDoesWhatItsCommentsSay() {
        Tensor.manualSeed(0);
        // README-COMPILE-BEGIN
        // imports: dev.walnut.Tensor, dev.walnut.graph.{Compiler, CompiledFunction, Graph}, dev.walnut.nn.*
        Module model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 10));
        CompiledFunction f = Compiler.compile(model).markDynamic(0, 0);   // torch.compile(model, dynamic=True)
        Tensor images = Tensor.randn(64, 784);
        Tensor logits = f.apply(images);              // traces, optimizes, runs: the eager module's numbers
        Tensor more = f.apply(Tensor.randn(3, 784));   // the same graph, another batch size
        Graph g = f.graphFor(images);                 // two fusedLinear nodes, one node per line when printed
        // README-COMPILE-END

        Tensor eager;
        try (var off = Autograd.noGrad()) {
            eager = model.forward(images);
        }
        assertArrayEquals(eager.toDoubleArray(), logits.toDoubleArray(), 0.0);
        assertArrayEquals(new long[] {3, 10}, more.shape());
        assertEquals(1, f.cachedGraphs());
        assertEquals(2, g.nodes().size(), g.toString());
        assertTrue(g.nodes().stream().allMatch(n -> n.op().name().equals("fusedLinear")), g.toString());
    }

    @Test
    void readmeShowsExactlyTheMarkedExample() throws IOException {
        Path moduleDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        String readme = Files.readString(moduleDir.resolve("../README.md").normalize(), StandardCharsets.UTF_8);
        String source = Files.readString(moduleDir.resolve("src/test/java/dev/walnut/CompileReadmeTest.java"),
                StandardCharsets.UTF_8);
        assertEquals(ReadmeTourTest.markedRegion(source, "// README-COMPILE-BEGIN", "// README-COMPILE-END"),
                ReadmeTourTest.javaBlockUnder(readme, "Compiled models"),
                "the README's compiled-models example differs from CompileReadmeTest; change both together");
    }
}
