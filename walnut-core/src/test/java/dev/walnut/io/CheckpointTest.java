package dev.walnut.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import dev.walnut.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    private static final Tensor X = Tensor.randn(new long[] {6, 3}, dev.walnut.DType.F32, new Generator(7));
    private static final Tensor Y = Tensor.randn(new long[] {6, 2}, dev.walnut.DType.F32, new Generator(8));

    private static Sequential model(long seed) {
        Tensor.manualSeed(seed);
        return new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    }

    private static void train(Module m, Optimizer opt, int steps) {
        for (int i = 0; i < steps; i++) {
            Losses.mseLoss(m.forward(X), Y).backward();
            opt.step();
            opt.zeroGrad();
        }
    }

    private static void assertBitwiseEqual(Module expected, Module actual) {
        var e = expected.stateDict();
        var a = actual.stateDict();
        assertEquals(e.keySet(), a.keySet());
        for (String k : e.keySet()) {
            assertArrayEquals(e.get(k).toDoubleArray(), a.get(k).toDoubleArray(), 0.0, k);
        }
    }

    @Test
    void optimizerStateRoundTripContinuesTheExactSameTrajectory() throws IOException {
        Sequential m = model(1);
        Adam opt = Adam.builder().optLr(0.05).optWeightDecay(0.01).optAmsgrad(true).build(m.parameters());
        train(m, opt, 3);
        Path p = dir.resolve("ckpt.safetensors");
        Checkpoint.save(p, m, opt, 2, 3, Map.of("note", "after \"three\" steps"));
        train(m, opt, 3);

        Sequential fresh = model(99);
        Adam freshOpt = new Adam(fresh.parameters(), 1.0);
        Checkpoint.State s = Checkpoint.load(p, fresh, freshOpt);
        assertEquals(2, s.epoch());
        assertEquals(3, s.step());
        assertEquals(Map.of("note", "after \"three\" steps"), s.metadata());
        assertEquals(0.05, freshOpt.lr());
        train(fresh, freshOpt, 3);
        assertBitwiseEqual(m, fresh);
    }

    @Test
    void stateDictThroughSafeTensorsGivesIdenticalOutputs() throws IOException {
        Sequential m = model(3);
        Path p = dir.resolve("model.safetensors");
        SafeTensors.save(p, m.stateDict());
        Sequential fresh = model(4);
        fresh.loadStateDict(SafeTensors.load(p));
        assertArrayEquals(m.forward(X).toDoubleArray(), fresh.forward(X).toDoubleArray(), 0.0);
    }

    @Test
    void modelOnlyCheckpointLoadsWithoutOptimizer() throws IOException {
        Sequential m = model(5);
        Path p = dir.resolve("m.safetensors");
        Checkpoint.save(p, m, null, 0, 0, Map.of());
        Sequential fresh = model(6);
        Checkpoint.State s = Checkpoint.load(p, fresh, null);
        assertEquals(Map.of(), s.metadata());
        assertBitwiseEqual(m, fresh);
        var e = assertThrows(IOException.class, () -> Checkpoint.load(p, fresh, new Adam(fresh.parameters(), 0.1)));
        assertTrue(e.getMessage().contains("no optimizer state"), e.getMessage());
    }

    @Test
    void plainSafeTensorsFileIsNotACheckpoint() throws IOException {
        Sequential m = model(5);
        Path p = dir.resolve("plain.safetensors");
        SafeTensors.save(p, m.stateDict());
        var e = assertThrows(IOException.class, () -> Checkpoint.load(p, m, null));
        assertTrue(e.getMessage().contains("not a Walnut checkpoint"), e.getMessage());
    }

    @Test
    void malformedOptimizerMetadataFailsWithIOException() throws IOException {
        Sequential m = model(5);
        Path p = dir.resolve("bad.safetensors");
        Map<String, String> meta = Map.of(Checkpoint.FORMAT_KEY, "1", "epoch", "1", "step", "2",
                "metadata", "{}", "optimizer", "{\"state\": [");
        SafeTensors.save(p, Map.of(), meta);
        var e = assertThrows(IOException.class, () -> Checkpoint.load(p, m, new Adam(m.parameters(), 0.1)));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

        SafeTensors.save(p, Map.of(), Map.of(Checkpoint.FORMAT_KEY, "1", "epoch", "x", "step", "2", "metadata", "{}"));
        assertThrows(IOException.class, () -> Checkpoint.load(p, m, null));
    }

    @Test
    void truncatedFileFailsWithIOException() throws IOException {
        Sequential m = model(5);
        Path p = dir.resolve("t.safetensors");
        Checkpoint.save(p, m, null, 0, 0, Map.of());
        byte[] bytes = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(IOException.class, () -> Checkpoint.load(p, m, null));
        assertEquals(List.of(), List.of());
    }

    @Test
    void saveRemovesTheTemporariesThatACrashedSaveLeftBehind() throws IOException {
        Path p = dir.resolve("ckpt.safetensors");
        Path leftover = Files.write(dir.resolve("ckpt.safetensors.00000000deadbeef.tmp"), new byte[4096]);
        Path olderLeftover = Files.write(dir.resolve("ckpt.safetensors1234567.tmp"), new byte[4096]);
        Sequential m = model(1);
        Checkpoint.save(p, m, null, 0, 0, Map.of());
        assertTrue(Files.exists(p));
        assertTrue(Files.notExists(leftover) && Files.notExists(olderLeftover));
    }

    @Test
    void aSavedCheckpointIsReadableByOthersLikeAnyNewFile() throws IOException {
        Path p = dir.resolve("ckpt.safetensors");
        Checkpoint.save(p, model(1), null, 0, 0, Map.of());
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(p));
    }
}
