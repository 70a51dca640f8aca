package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.io.SafeTensors;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphFileTest {
    @TempDir
    Path dir;

    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F32, new Generator(seed));
    }

    @Test
    void aSavedModelLoadsAndRunsWithoutItsJavaClass() throws IOException {
        Tensor.manualSeed(7);
        Module model = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(36, 5));
        Graph g = Graph.tracer(model).markDynamic(0, 0).trace(randn(1, 2, 1, 8, 8));
        Path file = dir.resolve("cnn.walnut");
        g.save(file);
        Graph back = Graph.load(file);
        assertEquals(g.toString(), back.toString());
        for (long batch : new long[] {2, 5}) {
            Tensor x = randn(batch, batch, 1, 8, 8);
            Tensor expected;
            try (var off = Autograd.noGrad()) {
                expected = model.forward(x);
            }
            assertBitIdentical(expected, back.run(x)[0]);
        }
    }

    @Test
    void constantsAndTheirValuesAreSaved() throws IOException {
        Tensor w = randn(1, 4, 3);
        Graph g = Graph.trace(in -> in[0].matmul(w).add(Tensor.scalar(0.5, DType.F64)).clamp(Double.NEGATIVE_INFINITY, 1.0),
                randn(2, 2, 4));
        Path file = dir.resolve("fn.walnut");
        g.save(file);
        Graph back = Graph.load(file);
        assertEquals(g.toString(), back.toString());
        Tensor x = randn(3, 2, 4);
        assertBitIdentical(g.run(x), back.run(x));
    }

    @Test
    void theJsonIsReadable() {
        Graph g = Graph.tracer(in -> in[0].reshape(-1, 4).sum(1)).markDynamic(0, 0).trace(randn(1, 3, 2, 4));
        String json = GraphFile.toJson(g);
        assertTrue(json.contains("{\"op\": \"reshape\", \"attrsType\": \"ViewOps$Shape\", \"attrs\": {\"shape\": [6, 4]}, "
                + "\"inputs\": [\"x0\"], \"outputs\": [{\"dtype\": \"F32\", \"shape\": [{\"example\": 6, \"constant\": 0, "
                + "\"coefficients\": [2]}, 4]}], \"dynamicAttrs\": [{\"path\": [\"shape\", 0], \"value\": {\"example\": 6, "
                + "\"constant\": 0, \"coefficients\": [2]}}]}"), json);
    }

    @Test
    void aTamperedGraphFailsWithAClearError() throws IOException {
        Graph g = Graph.trace(in -> in[0].reshape(6).exp(), randn(1, 2, 3));
        String json = GraphFile.toJson(g).replace("\"shape\": [6]}", "\"shape\": [7]}");
        var e = assertThrows(IllegalArgumentException.class, () -> GraphFile.fromJson(json, Map.of()));
        assertTrue(e.getMessage().contains("reshape"), e.getMessage());

        String unknownOp = GraphFile.toJson(g).replace("\"op\": \"exp\"", "\"op\": \"launchMissiles\"");
        e = assertThrows(IllegalArgumentException.class, () -> GraphFile.fromJson(unknownOp, Map.of()));
        assertTrue(e.getMessage().contains("launchMissiles"), e.getMessage());

        String badType = GraphFile.toJson(g).replace("ViewOps$Shape", "..$Shape");
        e = assertThrows(IllegalArgumentException.class, () -> GraphFile.fromJson(badType, Map.of()));
        assertTrue(e.getMessage().contains("bad attributes type"), e.getMessage());

        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.save(plain, new LinkedHashMap<>(Map.of("w", randn(1, 2))));
        var io = assertThrows(IOException.class, () -> Graph.load(plain));
        assertTrue(io.getMessage().contains("not a saved Walnut graph"), io.getMessage());
    }

    @Test
    void aFileWrittenBeforeABooleanAttributeExistedStillLoads() throws IOException {
        // fusedLinear gained weightKN; files saved before it lack the key and meant false.
        Module model = new Sequential(new Linear(3, 4), new ReLU());
        Graph g = new LinearFusion().apply(Graph.trace(model, randn(1, 2, 3)));
        String json = GraphFile.toJson(g);
        assertTrue(json.contains(", \"weightKN\": false"), json);
        Path file = dir.resolve("linear.walnut");
        g.save(file);
        Map<String, Tensor> weights = SafeTensors.load(file);
        Graph old = GraphFile.fromJson(json.replace(", \"weightKN\": false", ""), weights);
        assertEquals(g.toString(), old.toString());
        Tensor x = randn(2, 2, 3);
        assertBitIdentical(g.run(x)[0], old.run(x)[0]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> GraphFile.fromJson(json.replace("\"activation\": \"relu\", ", ""), weights));
        assertTrue(e.getMessage().contains("missing attribute 'activation'"), e.getMessage());
    }

    @Test
    void aFusedConvolutionWrittenBeforePaddingAndResidualsStillLoads() throws IOException {
        // fusedConv2d gained pad and residual; files saved before lack both keys and meant neither.
        Module model = new Sequential(new Conv2d(2, 3, 1), new ReLU());
        Graph g = new ConvolutionFusion().apply(Graph.trace(model, randn(1, 1, 2, 5, 5)));
        String json = GraphFile.toJson(g);
        String added = ", \"pad\": null, \"residual\": false";
        assertTrue(json.contains(added), json);
        Path file = dir.resolve("conv.walnut");
        g.save(file);
        Map<String, Tensor> weights = SafeTensors.load(file);
        Graph old = GraphFile.fromJson(json.replace(added, ""), weights);
        assertEquals(g.toString(), old.toString());
        Tensor x = randn(2, 1, 2, 5, 5);
        assertBitIdentical(g.run(x)[0], old.run(x)[0]);
        // An array attribute that is required is still named when it is missing.
        Graph padded = Graph.trace(in -> in[0].pad(1, 1), randn(3, 2, 3));
        String pad = GraphFile.toJson(padded);
        var e = assertThrows(IllegalArgumentException.class,
                () -> GraphFile.fromJson(pad.replaceAll("\"pad\": \\[[0-9, ]*\\], ", ""), Map.of()));
        assertTrue(e.getMessage().contains("missing attribute 'pad'"), e.getMessage());
    }

    @Test
    void aMissingWeightIsNamed() throws IOException {
        Module model = new Linear(3, 2);
        Graph g = Graph.trace(model, randn(1, 4, 3));
        Path file = dir.resolve("linear.walnut");
        g.save(file);
        Map<String, Tensor> tensors = SafeTensors.load(file);
        tensors.remove("bias");
        String json = SafeTensors.loadMetadata(file).get(GraphFile.METADATA_KEY);
        var e = assertThrows(IllegalArgumentException.class, () -> GraphFile.fromJson(json, tensors));
        assertTrue(e.getMessage().contains("weight 'bias' is missing"), e.getMessage());
        assertTrue(Files.size(file) > 0);
    }
}
