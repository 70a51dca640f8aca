package dev.walnut.cli;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.data.FashionMnist;
import dev.walnut.nn.Module;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walnut predict}: the top-k classes of one image, from a PNG/JPEG/GIF/BMP file or by its
 * index in the test set.
 *
 * <pre>{@code
 * walnut predict --checkpoint runs/mlp-20250101-120000 --index 0
 * walnut predict --checkpoint runs/mlp-20250101-120000 --image shoe.png --top 5
 * }</pre>
 */
@Command(name = "predict", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Classify one image with a checkpoint and print the top-k classes with probabilities.",
                "Images are made 28x28 grayscale like Fashion-MNIST: a light garment on a dark background.",
                "A light-background photo is inverted first (--background auto decides from the border)."},
        sortOptions = false)
final class PredictCommand extends BaseCommand {
    @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
            description = "Checkpoint written by 'walnut train' (or its run directory).")
    Path checkpoint;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--image", paramLabel = "FILE", description = "An image file (PNG, JPEG, GIF or BMP).")
        Path image;

        @Option(names = "--index", paramLabel = "N", description = "Index of a test-set image.")
        Integer index;
    }

    @Option(names = "--top", paramLabel = "K", defaultValue = "3",
            description = "How many classes to show (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--background", paramLabel = "KIND", defaultValue = "auto",
            description = "dark (use as is), light (invert), or auto: invert when the image's border is"
                    + " mostly light (default: ${DEFAULT-VALUE}).")
    String background;

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "40000000",
            description = "Largest --image accepted, in pixels after padding to a square (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Fashion-MNIST directory or 'bundled' for --index (default: the checkpoint's training data).")
    Path data;

    @Mixin
    ModelClassPath classPath;

    @Override
    ModelClassPath modelClassPath() {
        return classPath;
    }

    @Override
    int execute() throws Exception {
        if (!List.of("auto", "dark", "light").contains(background)) {
            throw usageError("unknown --background '" + background + "'; use auto, dark or light");
        }
        if (maxPixels < 1) {
            throw usageError("--max-pixels must be at least 1, got " + maxPixels);
        }
        if (input.index != null && input.index < 0) {
            throw usageError("--index must be 0 or more, got " + input.index);
        }
        checkDataOption(data);   // before the checkpoint is read
        RunCheckpoint ckpt = RunCheckpoint.read(checkpoint);
        List<String> classes = ckpt.classes();
        if (top < 1 || top > classes.size()) {
            throw usageError("--top must be between 1 and " + classes.size() + ", got " + top);
        }
        Module model = ckpt.loadModel();
        PrintStream o = out();
        Tensor image;
        if (input.index != null) {
            FashionMnist test = Data.load(dataFor(data, ckpt), false);
            if (input.index >= test.size()) {
                throw usageError("--index " + input.index + " is out of range: the test set (" + test.source()
                        + ") has " + test.size() + " images");
            }
            Tensor[] sample = test.get(input.index);
            image = sample[0];
            long label = sample[1].itemLong();
            o.printf(Locale.ROOT, "test image %d: true class %d %s%n", input.index, label,
                    classes.get((int) label));
        } else {
            ImageInput.Result read = ImageInput.read(input.image, background, maxPixels);
            image = Data.normalize(read.pixels());
            o.printf(Locale.ROOT, "image %s (%dx%d, %s background%s)%n", input.image, read.width(), read.height(),
                    read.inverted() ? "light" : "dark", read.inverted() ? ", inverted" : "");
        }
        Tensor probabilities;
        try (var off = Autograd.noGrad()) {
            Tensor logits = model.forward(image.reshape(1, 1, 28, 28));
            Evaluation.checkLogits(logits, image.reshape(1, 1, 28, 28), classes.size());
            probabilities = logits.softmax(1).reshape(classes.size());
        }
        double[] p = probabilities.toDoubleArray();
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        int width = classes.stream().mapToInt(String::length).max().orElse(5);
        for (int k = 0; k < top; k++) {
            int c = order[k];
            o.printf(Locale.ROOT, "  %d. %-" + width + "s  %6.2f%%  (class %d)%n", k + 1, classes.get(c), 100 * p[c], c);
        }
        return Main.OK;
    }
}
