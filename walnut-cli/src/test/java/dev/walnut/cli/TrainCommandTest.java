package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.cli.CliRun.Result;
import dev.walnut.io.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walnut train}, {@code eval}, {@code predict} and {@code inspect} end to end on a tiny IDX data set. */
class TrainCommandTest {
    @TempDir
    static Path shared;
    static Path data;
    /** One finished 1-epoch MLP run shared by the read-only tests. */
    static Path run;
    static Result runResult;

    @BeforeAll
    static void trainOnce() throws IOException {
        data = CliRun.writeIdxDataset(shared.resolve("data"), 64, 32, 1);
        run = shared.resolve("run");
        runResult = CliRun.run("train", "--epochs", "1", "--batch-size", "16", "--data", data.toString(), "--out",
                run.toString(), "--no-progress");
    }

    private static Result train(Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--out",
                out.toString(), "--batch-size", "16", "--no-progress"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }


    @Test
    void trainWritesCheckpointSidecarMetricsAndPlot() throws IOException {
        assertEquals(Main.OK, runResult.exitCode(), runResult::toString);
        assertTrue(runResult.out().contains("64 training / 32 test images of 10 classes"), runResult.out());
        assertTrue(runResult.out().contains("model: mlp (235,146 parameters)"), runResult.out());
        assertTrue(runResult.out().contains("optimizer: Adam"), runResult.out());
        assertTrue(runResult.out().matches("(?s).*epoch 1/1  train loss \\d+\\.\\d{4} acc \\d+\\.\\d\\d%  test loss "
                + "\\d+\\.\\d{4} acc \\d+\\.\\d\\d%.*samples/s.*"), runResult.out());
        assertTrue(Files.size(run.resolve("checkpoint.safetensors")) > 235_146 * 4);

        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(List.of("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds"),
                List.of(csv.get(0).split(",")));
        assertEquals(2, csv.size());
        String[] row = csv.get(1).split(",");
        assertEquals("1", row[0]);
        assertEquals(0.001, Double.parseDouble(row[5]));
        double testAcc = Double.parseDouble(row[4]);
        assertTrue(testAcc >= 0 && testAcc <= 1 && Math.round(testAcc * 32) == testAcc * 32, row[4]);

        BufferedImage png = ImageIO.read(run.resolve("metrics.png").toFile());
        assertNotNull(png, "metrics.png is not a readable image");
        assertEquals(MetricsPlot.WIDTH, png.getWidth());
        assertEquals(MetricsPlot.HEIGHT, png.getHeight());

        Map<String, Object> json = Json.parseObject(Files.readString(run.resolve("checkpoint.json")));
        assertEquals("mlp", json.get("model"));
        assertEquals(235146L, json.get("parameters"));
        assertEquals(10, ((List<?>) json.get("classes")).size());
        assertEquals("Trouser", ((List<?>) json.get("classes")).get(1));
        assertEquals(1L, json.get("epochs_completed"));
        assertEquals(4L, json.get("step"));
        assertEquals(false, json.get("interrupted"));
        Map<?, ?> config = (Map<?, ?>) json.get("config");
        assertEquals("adam", config.get("optimizer"));
        assertEquals(16L, config.get("batch_size"));
        assertEquals(testAcc, ((Map<?, ?>) json.get("metrics")).get("test_acc"));
    }

    @Test
    void evalPrintsAccuracyPerClassAccuracyAndConfusionMatrix() {
        Result r = CliRun.run("eval", "--checkpoint", run.resolve("checkpoint.safetensors").toString(), "--data",
                data.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("(mlp, 1 epoch, 235,146 parameters)"), r.out());
        assertTrue(r.out().matches("(?s).*test loss \\d+\\.\\d{4}, accuracy \\d+\\.\\d\\d% \\(\\d+ / 32\\).*"), r.out());
        assertTrue(r.out().contains("per-class accuracy:"), r.out());
        assertTrue(r.out().contains("9  Ankle boot"), r.out());
        assertTrue(r.out().contains("confusion matrix (rows: true class, columns: predicted class):"), r.out());
        // The matrix's counts add up to the test set size.
        String matrix = r.out().substring(r.out().indexOf("confusion matrix"));
        long total = 0;
        for (String line : matrix.split("\\R")) {
            String[] cells = line.trim().split("\\s+");
            if (line.matches("  \\d  \\S.*")) {
                for (int i = cells.length - 10; i < cells.length; i++) {
                    total += cells[i].equals(".") ? 0 : Long.parseLong(cells[i]);
                }
            }
        }
        assertEquals(32, total, matrix);
    }

    @Test
    void evalAcceptsTheRunDirectoryAndMatchesTheTrainingRunsTestAccuracy() throws IOException {
        Result r = CliRun.run("eval", "--checkpoint", run.toString(), "--data", data.toString(), "--workers", "0");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        String row = Files.readAllLines(run.resolve("metrics.csv")).get(1);
        double testAcc = Double.parseDouble(row.split(",")[4]);
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "accuracy %.2f%%", 100 * testAcc)), r.out());
    }

    @Test
    void predictByIndexShowsTheTrueClassAndTopK() {
        Result r = CliRun.run("predict", "--checkpoint", run.toString(), "--index", "0", "--top", "4", "--data",
                data.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().matches("(?s)test image 0: true class \\d .*"), r.out());
        assertTrue(r.out().contains("  4. "), r.out());
        assertFalse(r.out().contains("  5. "), r.out());
        double sum = 0;
        for (String line : r.out().split("\\R")) {
            if (line.matches("\\s+\\d\\. .*")) {
                sum += Double.parseDouble(line.replaceAll(".*?(\\d+\\.\\d\\d)%.*", "$1"));
            }
        }
        assertTrue(sum > 0 && sum <= 100.01, "top-4 probabilities sum to " + sum);
    }

    @Test
    void predictAnImageFileInvertsALightBackground() throws IOException {
        var img = new BufferedImage(56, 40, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, 56, 40);
        g.setColor(java.awt.Color.BLACK);
        g.fillRect(10, 10, 30, 20);
        g.dispose();
        Path png = shared.resolve("light.png");
        ImageIO.write(img, "png", png.toFile());
        Result r = CliRun.run("predict", "--checkpoint", run.toString(), "--image", png.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("(56x40, light background, inverted)"), r.out());
        assertTrue(r.out().contains("  3. "), r.out());

        ImageInput.Result pixels = ImageInput.read(png, "auto");
        assertTrue(pixels.inverted());
        assertEquals(0f, pixels.pixels()[0]);                    // the white corner became black
        assertEquals(1f, pixels.pixels()[14 * 28 + 14], 1e-6f);  // the black box became white
        assertFalse(ImageInput.read(png, "dark").inverted());
    }

    @Test
    void predictRejectsAnIndexOutsideTheTestSetAndAFileThatIsNoImage() throws IOException {
        Result index = CliRun.run("predict", "--checkpoint", run.toString(), "--index", "32", "--data", data.toString());
        assertEquals(Main.USAGE, index.exitCode(), index::toString);
        assertTrue(index.err().contains("--index 32 is out of range"), index::toString);
        Path notImage = Files.writeString(shared.resolve("note.png"), "hello");
        Result image = CliRun.run("predict", "--checkpoint", run.toString(), "--image", notImage.toString());
        assertEquals(Main.FAILED, image.exitCode(), image::toString);
        assertTrue(image.err().startsWith("walnut: error: ") && image.err().contains("not an image"), image::toString);
    }

    @Test
    void evalAndPredictDefaultToTheDataTheCheckpointWasTrainedOn() {
        // No --data: the run's 32-image test split, not the installed data or the 1,000-image bundled sample.
        Result eval = CliRun.run("eval", "--checkpoint", run.toString(), "--workers", "0");
        assertEquals(Main.OK, eval.exitCode(), eval::toString);
        assertTrue(eval.out().contains("data: Fashion-MNIST test split (32 images) from " + data), eval.out());
        assertTrue(eval.out().contains("(") && eval.out().contains(" / 32)"), eval.out());
        assertFalse(eval.out().contains("note: these are not the test images"), eval.out());
        Result index = CliRun.run("predict", "--checkpoint", run.toString(), "--index", "32");
        assertEquals(Main.USAGE, index.exitCode(), index::toString);
        assertTrue(index.err().contains("--index 32 is out of range") && index.err().contains("has 32 images")
                && index.err().contains(data.toString()), index::toString);
    }

    @Test
    void evalOnOtherDataThanTheTrainingRunsSaysSo() {
        Result r = CliRun.run("eval", "--checkpoint", run.toString(), "--data", "bundled", "--workers", "0");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("/ 1,000)"), r.out());
        assertTrue(r.out().contains("note: these are not the test images of the training run (" + data), r.out());
    }

    @Test
    void evalAndPredictWhoseRecordedDataAreGoneAskForData() throws IOException {
        Path gone = CliRun.writeIdxDataset(shared.resolve("gone-data"), 16, 8, 5);
        Path out = shared.resolve("gone-run");
        Result trained = CliRun.run("train", "--epochs", "1", "--batch-size", "16", "--data", gone.toString(), "--out",
                out.toString(), "--no-progress");
        assertEquals(Main.OK, trained.exitCode(), trained::toString);
        try (var files = Files.list(gone)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(gone);
        for (String[] args : List.of(new String[] {"eval", "--checkpoint", out.toString()},
                new String[] {"predict", "--checkpoint", out.toString(), "--index", "0"})) {
            Result r = CliRun.run(args);
            assertEquals(Main.USAGE, r.exitCode(), r::toString);
            assertTrue(r.err().contains("the checkpoint was trained on " + gone + ", which is no longer a directory; "
                    + "pass --data DIR"), r::toString);
        }
        Result given = CliRun.run("eval", "--checkpoint", out.toString(), "--data", data.toString(), "--workers", "0");
        assertEquals(Main.OK, given.exitCode(), given::toString);
    }

    /** A valid 1x1 PNG whose header then claims {@code width x height} (with a correct header CRC). */
    private static byte[] pngClaiming(int width, int height) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png", bytes);
        byte[] png = bytes.toByteArray();
        var b = java.nio.ByteBuffer.wrap(png);
        b.putInt(16, width).putInt(20, height);
        var crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);   // chunk type "IHDR" and its 13 data bytes
        b.putInt(29, (int) crc.getValue());
        return png;
    }

    @Test
    void predictRefusesAnImageLargerThanThePixelLimitBeforeDecodingIt() throws IOException {
        Path huge = Files.write(shared.resolve("huge.png"), pngClaiming(24000, 24000));
        Result r = CliRun.run("predict", "--checkpoint", run.toString(), "--image", huge.toString());
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertEquals("walnut: error: " + huge + ": the image is 24,000 x 24,000 pixels; padded to a square that is "
                + "576,000,000 pixels, more than the limit of 40,000,000 (--max-pixels raises it)", r.err().strip());
        Path small = Files.write(shared.resolve("small.png"), pngClaiming(1, 1));
        Result capped = CliRun.run("predict", "--checkpoint", run.toString(), "--image", small.toString(), "--max-pixels", "0");
        assertEquals(Main.USAGE, capped.exitCode(), capped::toString);
    }

    @Test
    void predictNamesATruncatedImageAndADirectory() throws IOException {
        var noise = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        var random = new java.util.Random(3);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }
        var bytes = new java.io.ByteArrayOutputStream();
        ImageIO.write(noise, "png", bytes);
        byte[] png = bytes.toByteArray();
        Path cut = Files.write(shared.resolve("cut.png"), java.util.Arrays.copyOf(png, png.length / 2));
        Result r = CliRun.run("predict", "--checkpoint", run.toString(), "--image", cut.toString());
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: error: " + cut + ": cannot decode the image ("), r::toString);
        assertTrue(r.err().strip().endsWith("the file may be truncated or corrupt"), r::toString);
        Result dir = CliRun.run("predict", "--checkpoint", run.toString(), "--image", shared.toString());
        assertEquals("walnut: error: " + shared + " is a directory, not an image file", dir.err().strip());
    }

    @Test
    void inspectListsTheCheckpointsTensorsAndMetadata() {
        Result r = CliRun.run("inspect", run.resolve("checkpoint.safetensors").toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("safetensors (Walnut checkpoint), 18 tensors"), r.out());
        assertTrue(r.out().matches("(?s).*model\\.1\\.weight\\s+float32 \\[256, 784\\]\\s+200,704\\s+784\\.0 KiB.*"),
                r.out());
        assertTrue(r.out().contains("optim.0.exp_avg_sq"), r.out());
        assertTrue(r.out().contains("metadata:"), r.out());
        assertTrue(r.out().contains("    model: mlp"), r.out());
        assertTrue(r.out().contains("  step: 4"), r.out());
    }

    @Test
    void inspectShowsShapeDtypeAndStatisticsOfAnNpyFile() throws IOException {
        Path npy = shared.resolve("values.npy");
        Npy.save(npy, Tensor.fromArray(new double[] {-1.5, 0.5, 2.0, 3.0, 4.0, 10.0}, 2, 3));
        Result r = CliRun.run("inspect", npy.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("npy, 1 tensor, 6 elements, 48 B"), r.out());
        assertTrue(r.out().matches("(?s).*values\\.npy\\s+float64 \\[2, 3\\]\\s+6\\s+48 B\\s+-1\\.5000\\s+10\\s+3$.*"),
                r.out());
        Path npz = shared.resolve("pair.npz");
        Npy.saveNpz(npz, Map.of("ids", Tensor.of(3L, 1L, 2L)));
        Result z = CliRun.run("inspect", npz.toString());
        assertEquals(Main.OK, z.exitCode(), z::toString);
        assertTrue(z.out().matches("(?s).*ids\\s+int64\\s+\\[3\\]\\s+3\\s+24 B\\s+1\\s+3\\s+2$.*"), z.out());
        Result unknown = CliRun.run("inspect", run.resolve("metrics.csv").toString());
        assertEquals(Main.USAGE, unknown.exitCode(), unknown::toString);
    }

    @Test
    void sameSeedGivesIdenticalMetricsWithZeroOrTwoWorkers() throws IOException {
        Path a = shared.resolve("workers0");
        Path b = shared.resolve("workers2");
        assertEquals(Main.OK, train(a, "--epochs", "1", "--workers", "0").exitCode());
        assertEquals(Main.OK, train(b, "--epochs", "1", "--workers", "2").exitCode());
        assertEquals(CliRun.metricsWithoutTime(a), CliRun.metricsWithoutTime(b));
        assertEquals(CliRun.metricsWithoutTime(run), CliRun.metricsWithoutTime(a));   // the shared run used 2 workers too
        Path c = shared.resolve("seed7");
        assertEquals(Main.OK, train(c, "--epochs", "1", "--seed", "7").exitCode());
        assertFalse(CliRun.metricsWithoutTime(a).equals(CliRun.metricsWithoutTime(c)), "another seed, other metrics");
    }

    @Test
    void stoppingAtTheEndOfAnEpochAndResumingEqualsAnUninterruptedRun() throws IOException {
        // The CNN with dropout, SGD momentum and a per-batch schedule: every piece of state counts.
        String[] settings = {"--model", "cnn", "--optimizer", "sgd", "--lr", "0.05", "--scheduler", "onecycle",
                "--epochs", "2"};
        Path full = shared.resolve("cnn-full");
        Path part = shared.resolve("cnn-part");
        assertEquals(Main.OK, train(full, settings).exitCode());
        var polls = new AtomicInteger();
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--out",
                part.toString(), "--batch-size", "16", "--no-progress"));
        args.addAll(List.of(settings));
        Result stopped = CliRun.run(() -> polls.incrementAndGet() == 4, args.toArray(String[]::new));
        assertEquals(Main.INTERRUPTED, stopped.exitCode(), stopped::toString);
        assertTrue(stopped.out().contains("interrupted at epoch 1, batch 4 of 4"), stopped.out());
        Result resumed = CliRun.run("train", "--resume", part.toString(), "--data", data.toString(), "--no-progress");
        assertEquals(Main.OK, resumed.exitCode(), resumed::toString);
        assertTrue(resumed.out().contains("resuming from " + part.resolve("checkpoint.safetensors")
                + " at epoch 1 batch 5, step 4"), resumed.out());
        assertEquals(CliRun.metricsWithoutTime(full), CliRun.metricsWithoutTime(part));
        assertWeightsEqual(full, part);
    }

    @Test
    void resumingAFinishedRunWithMoreEpochsEqualsALongerRun() throws IOException {
        // StepLR decays every ceil(epochs / 3) epochs, once per epoch for both 1 and 2 epochs.
        Path full = shared.resolve("step-full");
        Path part = shared.resolve("step-part");
        assertEquals(Main.OK, train(full, "--scheduler", "step", "--epochs", "2").exitCode());
        assertEquals(Main.OK, train(part, "--scheduler", "step", "--epochs", "1").exitCode());
        Result resumed = CliRun.run("train", "--resume", part.toString(), "--epochs", "2", "--data", data.toString(),
                "--no-progress");
        assertEquals(Main.OK, resumed.exitCode(), resumed::toString);
        assertTrue(resumed.out().contains("at epoch 2, step 4"), resumed.out());
        assertEquals(CliRun.metricsWithoutTime(full), CliRun.metricsWithoutTime(part));
        assertWeightsEqual(full, part);
    }

    @Test
    void ctrlCStopsAfterTheBatchSavesACheckpointAndResumesExactly() throws IOException {
        String[] settings = {"--model", "cnn", "--optimizer", "adamw", "--scheduler", "cosine", "--epochs", "3"};
        Path full = shared.resolve("stop-full");
        Path part = shared.resolve("stop-part");
        assertEquals(Main.OK, train(full, settings).exitCode());
        var polls = new AtomicInteger();
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--out",
                part.toString(), "--batch-size", "16", "--no-progress"));
        args.addAll(List.of(settings));
        // 4 batches per epoch: the 6th poll is after batch 2 of epoch 2.
        Result stopped = CliRun.run(() -> polls.incrementAndGet() == 6, args.toArray(String[]::new));
        assertEquals(Main.INTERRUPTED, stopped.exitCode(), stopped::toString);
        Path checkpoint = part.resolve("checkpoint.safetensors");
        assertTrue(stopped.out().contains("interrupted at epoch 2, batch 2 of 4: checkpoint saved to " + checkpoint),
                stopped.out());
        assertTrue(stopped.out().contains("resume with: walnut train --resume " + checkpoint), stopped.out());
        assertEquals(true, Json.parseObject(Files.readString(part.resolve("checkpoint.json"))).get("interrupted"));
        assertEquals(2, Files.readAllLines(part.resolve("metrics.csv")).size());

        Result resumed = CliRun.run("train", "--resume", checkpoint.toString(), "--data", data.toString(),
                "--workers", "0", "--no-progress");
        assertEquals(Main.OK, resumed.exitCode(), resumed::toString);
        assertTrue(resumed.out().contains("at epoch 2 batch 3, step 6"), resumed.out());
        assertEquals(CliRun.metricsWithoutTime(full), CliRun.metricsWithoutTime(part));
        assertWeightsEqual(full, part);
    }

    @Test
    void resumeRefusesChangedSettingsAndAMissingCheckpoint() {
        Result changed = CliRun.run("train", "--resume", run.toString(), "--lr", "0.1", "--data", data.toString());
        assertEquals(Main.USAGE, changed.exitCode(), changed::toString);
        assertTrue(changed.err().contains("--lr 0.1 differs from the checkpoint's 0.001"), changed::toString);
        Result missing = CliRun.run("train", "--resume", shared.resolve("nope.safetensors").toString());
        assertEquals(Main.FAILED, missing.exitCode(), missing::toString);
        assertEquals("walnut: error: no such file: " + shared.resolve("nope.safetensors"), missing.err().strip());
    }

    @Test
    void resumingAFinishedRunHasNothingToDo() {
        Path copy = shared.resolve("finished");
        assertEquals(Main.OK, train(copy, "--epochs", "1").exitCode());
        Result r = CliRun.run("train", "--resume", copy.toString(), "--data", data.toString(), "--no-progress");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("nothing to do: the checkpoint already has 1 of 1 epochs"), r.out());
    }

    @Test
    void progressBarShowsLossAccuracyAndSpeedOnStderr() {
        Result r = CliRun.run("train", "--data", data.toString(), "--out", shared.resolve("progress").toString(),
                "--epochs", "1", "--progress");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.err().contains("epoch 1/1"), r.err());
        assertTrue(r.err().matches("(?s).*loss \\d+\\.\\d{4} acc \\d+\\.\\d\\d% [\\d,]+ samples/s.*"), r.err());
    }

    @Test
    void aUserModuleClassCanBeTrained() throws IOException {
        Result r = train(shared.resolve("custom"), "--epochs", "1", "--model", TinyModel.class.getName());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("(7,850 parameters)"), r.out());
        Result eval = CliRun.run("eval", "--checkpoint", shared.resolve("custom").toString(), "--data", data.toString());
        assertEquals(Main.OK, eval.exitCode(), eval::toString);
        Result bad = train(shared.resolve("bad"), "--model", "java.lang.String");
        assertEquals(Main.FAILED, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains("is not a concrete subclass of dev.walnut.nn.Module"), bad::toString);
    }

    /** A user-supplied model: one linear layer. */
    public static final class TinyModel extends dev.walnut.nn.Module {
        private final dev.walnut.nn.Linear fc = new dev.walnut.nn.Linear(784, 10);

        @Override
        public Tensor forward(Tensor input) {
            return fc.forward(input.flatten(1, -1));
        }
    }

    private static void assertWeightsEqual(Path a, Path b) throws IOException {
        var wa = dev.walnut.io.SafeTensors.load(a.resolve("checkpoint.safetensors"));
        var wb = dev.walnut.io.SafeTensors.load(b.resolve("checkpoint.safetensors"));
        assertEquals(wa.keySet(), wb.keySet());
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).toFloatArray(), wb.get(k).toFloatArray(), k);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
