package dev.walnut.bench.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.util.Utils;
import dev.walnut.Tensor;
import dev.walnut.bench.Models;
import dev.walnut.nn.Module;
import dev.walnut.optim.Optimizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both peers compute the same workload: DJL's models ({@link DjlModels}) loaded with the weights
 * of Walnut's ({@link Models}) give the same outputs, and one SGD training step moves every
 * parameter the same way (same loss, same gradients, same update). Also checks that the engine
 * runs the way {@code bench/run.sh} relies on: offline, cache under {@code target/}, two threads.
 */
class DjlModelsTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = DjlEnv.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void engineRunsOfflineFromTheBundledNativeJar() {
        Engine engine = DjlEnv.engine();
        assertEquals("PyTorch", engine.getEngineName());
        assertEquals("2.5.1", engine.getVersion());
        assertTrue(Utils.isOfflineMode(), "ai.djl.offline is not in effect");
        // The pom points the cache into target/, so nothing is written to the user's home.
        Path cache = Utils.getEngineCacheDir().toAbsolutePath();
        assertTrue(cache.endsWith(Path.of("target", "djl-cache")), cache.toString());
        assertTrue(cache.resolve("pytorch").toFile().isDirectory(), "libtorch was not extracted to " + cache);
        assertEquals(2, ai.djl.pytorch.jni.JniUtils.getNumThreads(), DjlEnv.describe());
    }

    @Test
    void mlpForwardMatchesWalnut() {
        Tensor.manualSeed(7);
        Module walnut = Models.mlp();
        Tensor x = Models.input(11, 5, 784);
        try (Model djl = DjlModels.model("mlp", DjlModels.mlp())) {
            ParameterStore ps = DjlModels.initializeForInference(djl, new Shape(5, 784));
            copyParameters(walnut, djl);
            float[] expected = Models.inference(walnut, x).toFloatArray();
            NDArray out = DjlModels.inference(djl.getBlock(), ps, new NDList(toDjl(x))).singletonOrThrow();
            assertEquals(new Shape(5, 10), out.getShape());
            assertClose(expected, out.toFloatArray(), 1e-4f, "MLP output");
        }
    }

    @Test
    void cnnForwardMatchesWalnut() {
        Tensor.manualSeed(8);
        Module walnut = Models.cnn();
        Tensor x = Models.input(12, 3, 1, 28, 28);
        try (Model djl = DjlModels.model("cnn", DjlModels.cnn())) {
            ParameterStore ps = DjlModels.initializeForInference(djl, new Shape(3, 1, 28, 28));
            copyParameters(walnut, djl);
            float[] expected = Models.inference(walnut, x).toFloatArray();
            NDArray out = DjlModels.inference(djl.getBlock(), ps, new NDList(toDjl(x))).singletonOrThrow();
            assertEquals(new Shape(3, 10), out.getShape());
            assertClose(expected, out.toFloatArray(), 1e-4f, "CNN output");
        }
    }

    @Test
    void sgdTrainStepMatchesWalnut() {
        int batch = 16;
        Tensor.manualSeed(9);
        Module walnut = Models.mlp();
        Optimizer sgd = Models.optimizer("sgd", walnut);
        Tensor x = Models.input(13, batch, 784);
        Tensor y = Models.labels(batch);
        try (Model djl = DjlModels.model("mlp", DjlModels.mlp());
                Trainer trainer = DjlModels.trainer(djl, "sgd", new Shape(batch, 784))) {
            copyParameters(walnut, djl);
            NDArray labels = manager.create(y.toLongArray(), new Shape(batch));
            for (int step = 0; step < 2; step++) {
                Models.trainStep(walnut, sgd, x, y);
                DjlModels.trainStep(trainer, new NDList(toDjl(x)), new NDList(labels));
            }
            List<Tensor> expected = walnut.parameters();
            List<Parameter> actual = djl.getBlock().getParameters().values();
            for (int i = 0; i < expected.size(); i++) {
                // Parameters move by lr * grad ~ 1e-4 per step; 1e-5 would catch a wrong lr, a
                // summed instead of averaged loss or a missing zero_grad (doubled second step).
                assertClose(expected.get(i).toFloatArray(), actual.get(i).getArray().toFloatArray(), 1e-5f,
                        "parameter " + actual.get(i).getName() + " after two SGD steps");
            }
        }
    }

    /** Walnut's parameters into DJL's, in order (both list weight then bias per layer). */
    private static void copyParameters(Module from, Model to) {
        List<Tensor> source = from.parameters();
        List<Parameter> target = to.getBlock().getParameters().values();
        assertEquals(source.size(), target.size(), "parameter count");
        for (int i = 0; i < source.size(); i++) {
            NDArray array = target.get(i).getArray();
            assertArrayEquals(source.get(i).shape(), array.getShape().getShape(), target.get(i).getName());
            assertEquals(DataType.FLOAT32, array.getDataType());
            array.set(source.get(i).toFloatArray());
        }
    }

    private static NDArray toDjl(Tensor t) {
        return manager.create(t.toFloatArray(), new Shape(t.shape()));
    }

    private static void assertClose(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float diff = Math.abs(expected[i] - actual[i]);
            if (diff > tol * Math.max(1f, Math.abs(expected[i]))) {
                throw new AssertionError(what + " differs at " + i + ": Walnut " + expected[i] + ", DJL " + actual[i]);
            }
        }
    }
}
