package dev.walnut.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPOutputStream;

/** Test helpers: run {@link Main} in process and capture its streams; write tiny IDX data sets. */
final class CliRun {
    private CliRun() {
    }

    /** Output of one {@link Main#run} call. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    static Result run(String... args) {
        return run(() -> false, args);
    }

    static Result run(BooleanSupplier stop, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code;
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8);
             var e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e, stop);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The metrics.csv rows of a run directory without the wall-time column (what a rerun must reproduce). */
    static java.util.List<String> metricsWithoutTime(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve("metrics.csv")).stream()
                .map(line -> line.substring(0, line.lastIndexOf(','))).toList();
    }

    /**
     * Writes a Fashion-MNIST-shaped data set of random 28x28 images into {@code dir}: the image
     * files gzipped, the label files plain (the loader accepts both). Each label is drawn at
     * random and its image gets a bright band at a class-specific row, so there is something to learn.
     */
    static Path writeIdxDataset(Path dir, int trainCount, int testCount, long seed) throws IOException {
        Files.createDirectories(dir);
        var random = new Random(seed);
        writeSplit(dir, "train", trainCount, random);
        writeSplit(dir, "t10k", testCount, random);
        return dir;
    }

    private static void writeSplit(Path dir, String prefix, int count, Random random) throws IOException {
        byte[] labels = new byte[count];
        byte[] pixels = new byte[count * 784];
        random.nextBytes(pixels);
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) random.nextInt(10);
            int row = 2 + 2 * labels[i];
            for (int x = 0; x < 28; x++) {
                pixels[i * 784 + row * 28 + x] = (byte) 255;
            }
        }
        try (var out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(
                dir.resolve(prefix + "-images-idx3-ubyte.gz"))))) {
            out.writeInt(0x00000803);
            out.writeInt(count);
            out.writeInt(28);
            out.writeInt(28);
            out.write(pixels);
        }
        try (OutputStream raw = Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte"));
             var out = new DataOutputStream(raw)) {
            out.writeInt(0x00000801);
            out.writeInt(count);
            out.write(labels);
        }
    }
}
