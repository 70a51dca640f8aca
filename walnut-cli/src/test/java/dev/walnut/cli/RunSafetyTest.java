package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.cli.CliRun.Result;
import dev.walnut.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs you can trust: resume on the same data, no run overwritten by accident, damaged checkpoints named. */
class RunSafetyTest {
    @TempDir
    static Path shared;
    static Path data;
    static Path otherData;
    /** A finished 1-epoch MLP run on {@link #data}. */
    static Path run;

    @BeforeAll
    static void trainOnce() throws IOException {
        data = CliRun.writeIdxDataset(shared.resolve("data"), 64, 32, 1);
        otherData = CliRun.writeIdxDataset(shared.resolve("other-data"), 64, 32, 2);
        run = shared.resolve("run");
        Result r = train(run, data);
        assertEquals(Main.OK, r.exitCode(), r::toString);
    }

    private static Result train(Path out, Path dataDir, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", dataDir.toString(), "--out", out.toString(),
                "--epochs", "1", "--batch-size", "16", "--no-progress"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    /** A run on {@link #data} stopped after its first batch, in a directory of its own. */
    private static Path interruptedRun(String name) {
        Path dir = shared.resolve(name);
        var polls = new AtomicInteger();
        Result r = CliRun.run(() -> polls.incrementAndGet() == 1, "train", "--data", data.toString(), "--out",
                dir.toString(), "--epochs", "1", "--batch-size", "16", "--no-progress");
        assertEquals(Main.INTERRUPTED, r.exitCode(), r::toString);
        return dir;
    }


    @Test
    void theResumeCommandNamesTheDataAndResumingWithoutDataUsesTheCheckpoints() throws IOException {
        Path dir = shared.resolve("stopped");
        var polls = new AtomicInteger();
        Result stopped = CliRun.run(() -> polls.incrementAndGet() == 1, "train", "--data", data.toString(), "--out",
                dir.toString(), "--epochs", "1", "--batch-size", "16", "--no-progress");
        assertTrue(stopped.out().contains("resume with: walnut train --resume " + dir.resolve("checkpoint.safetensors")
                + " --data " + data.toAbsolutePath()), stopped.out());
        Result resumed = CliRun.run("train", "--resume", dir.toString(), "--no-progress");
        assertEquals(Main.OK, resumed.exitCode(), resumed::toString);
        assertTrue(resumed.out().contains("(64 images) from " + data.toAbsolutePath()), resumed.out());
        assertEquals(CliRun.metricsWithoutTime(run), CliRun.metricsWithoutTime(dir));
    }

    @Test
    void resumingOnOtherDataIsRefusedUnlessAllowed() {
        Path dir = interruptedRun("other");
        Result refused = CliRun.run("train", "--resume", dir.toString(), "--data", otherData.toString(), "--no-progress");
        assertEquals(Main.USAGE, refused.exitCode(), refused::toString);
        assertTrue(refused.err().startsWith("walnut: the data differ from the checkpoint's: it trained on "
                + data.toAbsolutePath()), refused::toString);
        assertTrue(refused.err().contains("pass --allow-different-data"), refused::toString);
        assertEquals("", refused.out());
        Result allowed = CliRun.run("train", "--resume", dir.toString(), "--data", otherData.toString(),
                "--allow-different-data", "--no-progress");
        assertEquals(Main.OK, allowed.exitCode(), allowed::toString);
        assertTrue(allowed.out().contains("note: --allow-different-data: resuming on " + otherData.toAbsolutePath()),
                allowed.out());
    }

    @Test
    void resumingOnACopyOfTheSameDataIsAllowed() throws IOException {
        Path dir = interruptedRun("copied");
        Path copy = Files.createDirectories(shared.resolve("data-copy"));
        try (Stream<Path> files = Files.list(data)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Result r = CliRun.run("train", "--resume", dir.toString(), "--data", copy.toString(), "--no-progress");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertEquals(CliRun.metricsWithoutTime(run), CliRun.metricsWithoutTime(dir));
    }

    @Test
    void resumingWhenTheCheckpointsDataDirectoryIsGoneAsksForData() throws IOException {
        Path moved = CliRun.writeIdxDataset(shared.resolve("data-to-move"), 32, 16, 1);
        Path dir = shared.resolve("gone");
        var polls = new AtomicInteger();
        Result stopped = CliRun.run(() -> polls.incrementAndGet() == 1, "train", "--data", moved.toString(), "--out",
                dir.toString(), "--epochs", "1", "--batch-size", "16", "--no-progress");
        assertEquals(Main.INTERRUPTED, stopped.exitCode(), stopped::toString);
        Files.move(moved, shared.resolve("data-moved"));
        Result r = CliRun.run("train", "--resume", dir.toString(), "--no-progress");
        assertEquals(Main.USAGE, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: the checkpoint was trained on " + moved.toAbsolutePath()
                + ", which is no longer a directory; pass --data DIR with the same files"), r::toString);
    }

    @Test
    void allowDifferentDataWithoutResumeIsAUsageError() {
        Result r = train(shared.resolve("no-resume"), data, "--allow-different-data");
        assertEquals(Main.USAGE, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: --allow-different-data applies only with --resume"), r::toString);
    }

    @Test
    void outPointingAtAnExistingRunIsRefusedUnlessForced() throws IOException {
        Path dir = Files.createDirectories(shared.resolve("existing"));
        Files.copy(run.resolve("checkpoint.safetensors"), dir.resolve("checkpoint.safetensors"));
        byte[] before = Files.readAllBytes(dir.resolve("checkpoint.safetensors"));
        Result refused = train(dir, data);
        assertEquals(Main.USAGE, refused.exitCode(), refused::toString);
        assertTrue(refused.err().startsWith("walnut: --out " + dir + " already holds a run (checkpoint.safetensors); "
                + "pass --resume " + dir + " to continue it, --force to overwrite it"), refused::toString);
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve("checkpoint.safetensors"))));
        Result forced = train(dir, data, "--force");
        assertEquals(Main.OK, forced.exitCode(), forced::toString);
        Path file = Files.writeString(shared.resolve("a-file"), "x");
        Result onFile = train(file, data);
        assertEquals(Main.USAGE, onFile.exitCode(), onFile::toString);
        assertTrue(onFile.err().contains("is a file, not a directory"), onFile::toString);
    }

    @Test
    void moreStepsThanARunCanTakeIsAUsageError() {
        Result r = CliRun.run("train", "--data", data.toString(), "--out", shared.resolve("overflow").toString(),
                "--epochs", "2147483647", "--batch-size", "16", "--scheduler", "onecycle");
        assertEquals(Main.USAGE, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: --epochs 2147483647 x 4 steps per epoch = 8,589,934,588 steps, more "
                + "than the 2,147,483,647 a run can take"), r::toString);
        assertEquals("", r.out());
    }

    @Test
    void nonFiniteLearningRatesAreUsageErrors() {
        for (String lr : List.of("NaN", "Infinity", "-Infinity", "1e999")) {
            for (String command : List.of("train", "train-linear")) {
                Result r = CliRun.run(command, "--lr", lr);
                assertEquals(Main.USAGE, r.exitCode(), () -> command + " --lr " + lr + "\n" + r);
                assertTrue(r.err().startsWith("walnut: --lr must be a positive finite number"), r::toString);
            }
        }
    }

    @Test
    void aRunLeavesNoTemporaryFilesAndItsFilesAreReadableLikeAnyNewFile() throws IOException {
        Path plain = Files.writeString(shared.resolve("plain.txt"), "x");
        try (Stream<Path> files = Files.list(run)) {
            List<Path> all = files.toList();
            assertEquals(4, all.size(), all::toString);
            for (Path f : all) {
                assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f), f.toString());
            }
        }
    }

    // ------------------------------------------------------------------ damaged checkpoints

    /** A copy of the run's checkpoint with its metadata changed by {@code edit}. */
    private static Path tampered(String name, UnaryOperator<Map<String, String>> edit) throws IOException {
        Path dir = Files.createDirectories(shared.resolve(name));
        Path src = run.resolve("checkpoint.safetensors");
        Map<String, Tensor> tensors = SafeTensors.load(src);
        Map<String, String> meta = edit.apply(new LinkedHashMap<>(SafeTensors.loadMetadata(src)));
        SafeTensors.save(dir.resolve("checkpoint.safetensors"), tensors, meta);
        return dir;
    }

    /** {@link #tampered} with one field of the walnut-train metadata object replaced by {@code value}. */
    private static Path tamperedField(String name, String field, String value) throws IOException {
        return tampered(name, meta -> {
            Map<String, Object> user = Json.parseObject(meta.get("metadata"));
            user.put(field, value);
            meta.put("metadata", Json.write(user, false));
            return meta;
        });
    }

    private static void assertResumeNamesTheField(Path dir, String field) {
        Result r = CliRun.run("train", "--resume", dir.toString(), "--epochs", "2", "--data", data.toString(),
                "--no-progress");
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        String line = "walnut: error: " + dir.resolve("checkpoint.safetensors") + ": checkpoint metadata field '" + field
                + "' is missing or malformed";
        assertTrue(r.err().startsWith(line), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertFalse(r.err().contains("java.") || r.err().contains("Cannot invoke"), r::toString);
    }

    @Test
    void damagedResumeMetadataNamesTheFileAndTheField() throws IOException {
        assertResumeNamesTheField(tamperedField("bad-history", "history", "[{\"epoch\": 1}]"), "history");
        assertResumeNamesTheField(tamperedField("bad-scheduler", "scheduler", "{}"), "scheduler");
        assertResumeNamesTheField(tamperedField("bad-partial", "partial", "{\"batches\": 99}"), "partial");
        assertResumeNamesTheField(tamperedField("bad-data", DataIdentity.KEY, "{\"source\": 3}"), DataIdentity.KEY);
        assertResumeNamesTheField(tamperedField("bad-config", "config",
                "{\"model\":\"mlp\",\"epochs\":1,\"batch_size\":16,\"lr\":-1,\"optimizer\":\"adam\","
                        + "\"scheduler\":\"cosine\",\"seed\":42}"), "config");
        assertResumeNamesTheField(tampered("bad-epoch", meta -> {
            meta.put("epoch", "one");
            return meta;
        }), "epoch");
        Path optimizer = tampered("bad-optimizer", meta -> {
            meta.put("optimizer", meta.get("optimizer").replace("\"step\":4", "\"step\":\"four\""));
            return meta;
        });
        Result r = CliRun.run("train", "--resume", optimizer.toString(), "--epochs", "2", "--data", data.toString());
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: error: " + optimizer.resolve("checkpoint.safetensors") + ": optimizer state"),
                r::toString);
    }

    @Test
    void weightsThatDoNotFitTheRecordedModelAreNamedByFile() throws IOException {
        Path dir = tamperedField("wrong-model", "config", "{\"model\":\"cnn\",\"epochs\":1,\"batch_size\":16,"
                + "\"lr\":0.001,\"optimizer\":\"adam\",\"scheduler\":\"cosine\",\"seed\":42}");
        Result r = CliRun.run("eval", "--checkpoint", dir.toString(), "--data", data.toString());
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: error: " + dir.resolve("checkpoint.safetensors")
                + ": the weights do not fit the cnn model ("), r::toString);
    }

    @Test
    void aCheckpointThatDoesNotRecordItsDataResumesOnTheGivenDataWithANote() throws IOException {
        Path old = tampered("older-version", meta -> {
            Map<String, Object> user = Json.parseObject(meta.get("metadata"));
            user.remove(DataIdentity.KEY);
            meta.put("metadata", Json.write(user, false));
            return meta;
        });
        Result r = CliRun.run("train", "--resume", old.toString(), "--epochs", "2", "--data", otherData.toString(),
                "--no-progress");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("note: the checkpoint does not record its data (an older walnut wrote it); "
                + "resuming on " + otherData.toAbsolutePath()), r.out());
    }

    @Test
    void resumingIntoAnotherRunsDirectoryIsRefusedUnlessForced() {
        Path dir = interruptedRun("into-other");
        Result r = CliRun.run("train", "--resume", dir.toString(), "--out", run.toString(), "--no-progress");
        assertEquals(Main.USAGE, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: --out " + run + " already holds a run"), r::toString);
    }

    /** A model whose forward pass runs out of memory, as a too large batch would. */
    public static final class HungryModel extends dev.walnut.nn.Module {
        private final dev.walnut.nn.Linear fc = new dev.walnut.nn.Linear(784, 10);

        @Override
        public Tensor forward(Tensor input) {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void runningOutOfMemoryIsOneLineWithTheFix() {
        Result r = train(shared.resolve("hungry"), data, "--model", HungryModel.class.getName());
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertEquals("walnut: error: out of memory (Java heap space); give the JVM more heap, e.g. "
                + "WALNUT_JAVA_OPTS=-Xmx8g, or use a smaller --batch-size or model", r.err().strip());
    }

    @Test
    void theKernelLogLineComesBeforeTheProgressBarInAFreshJvm() throws Exception {
        // In this JVM the kernels were chosen long ago; only a new process shows the first-call log line.
        Path javaBinary = Path.of(System.getProperty("java.home"), "bin", "java");
        var pb = new ProcessBuilder(javaBinary.toString(), "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "train", "--data", data.toString(),
                "--out", shared.resolve("fresh").toString(), "--epochs", "1", "--batch-size", "32", "--progress");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        int log = err.indexOf("Walnut CPU kernels:");
        int bar = err.indexOf("epoch 1/1");
        assertTrue(log >= 0 && bar > log, err);
    }

    @Test
    void theProgressBarFollowsTheLaunchersStderrTest() {
        String old = System.getProperty(TrainCommand.STDERR_TERMINAL_PROPERTY);
        try {
            System.setProperty(TrainCommand.STDERR_TERMINAL_PROPERTY, "true");
            assertTrue(TrainCommand.stderrIsTerminal());
            System.setProperty(TrainCommand.STDERR_TERMINAL_PROPERTY, "false");
            assertFalse(TrainCommand.stderrIsTerminal());
        } finally {
            if (old == null) {
                System.clearProperty(TrainCommand.STDERR_TERMINAL_PROPERTY);
            } else {
                System.setProperty(TrainCommand.STDERR_TERMINAL_PROPERTY, old);
            }
        }
    }
}
