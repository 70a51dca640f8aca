package dev.walnut.cli;

import dev.walnut.Tensor;
import dev.walnut.data.DataLoader;
import dev.walnut.data.FashionMnist;
import dev.walnut.nn.Module;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walnut eval}: a checkpoint's loss, accuracy, per-class accuracy and confusion matrix on
 * the Fashion-MNIST test set.
 *
 * <pre>{@code
 * walnut eval --checkpoint runs/mlp-20250101-120000/checkpoint.safetensors
 * }</pre>
 */
@Command(name = "eval", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Evaluate a checkpoint on the test set: accuracy, per-class accuracy and confusion matrix.",
        sortOptions = false)
final class EvalCommand extends BaseCommand {
    @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
            description = "Checkpoint written by 'walnut train' (or its run directory).")
    Path checkpoint;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Fashion-MNIST directory or 'bundled' (default: the data the checkpoint was trained on).")
    Path data;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "500",
            description = "Evaluation batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2",
            description = "Background threads that prepare batches (default: ${DEFAULT-VALUE}).")
    int workers;

    @Mixin
    ModelClassPath classPath;

    @Override
    ModelClassPath modelClassPath() {
        return classPath;
    }

    @Override
    int execute() throws Exception {
        if (batchSize < 1) {
            throw usageError("--batch-size must be at least 1, got " + batchSize);
        }
        if (workers < 0) {
            throw usageError("--workers must be 0 or more, got " + workers);
        }
        checkDataOption(data);   // before the checkpoint is read
        RunCheckpoint ckpt = RunCheckpoint.read(checkpoint);
        Module model = ckpt.loadModel();
        FashionMnist test = Data.load(dataFor(data, ckpt), false);
        DataLoader<Tensor[]> loader = DataLoader.builder(test).batchSize(batchSize).shuffle(false).workers(workers)
                .build();
        List<String> classes = ckpt.classes();
        long start = System.nanoTime();
        Evaluation e = Evaluation.run(model, loader, classes.size());
        double seconds = (System.nanoTime() - start) / 1e9;
        PrintStream o = out();
        o.printf(Locale.ROOT, "checkpoint: %s (%s, %s, %,d parameters)%n", ckpt.path(), ckpt.config().model(),
                Trainer.plural(ckpt.epochs(), "epoch"), Models.parameterCount(model));
        o.printf(Locale.ROOT, "data: %s, %,d test images (%.1f s, %,.0f images/s)%n", test.source(), e.count(), seconds,
                e.count() / Math.max(seconds, 1e-9));
        if (ckpt.data() != null && !ckpt.data().test().equals(test.fingerprint())) {
            o.printf(Locale.ROOT, "note: these are not the test images of the training run (%s)%n", ckpt.data());
        }
        o.printf(Locale.ROOT, "test loss %.4f, accuracy %.2f%% (%,d / %,d)%n%n", e.loss(), 100 * e.accuracy(),
                e.correct(), e.count());
        printPerClass(o, e, classes);
        o.println();
        printConfusion(o, e, classes);
        return Main.OK;
    }

    static void printPerClass(PrintStream o, Evaluation e, List<String> classes) {
        int width = Math.max(5, classes.stream().mapToInt(String::length).max().orElse(5));
        o.printf(Locale.ROOT, "per-class accuracy:%n  %-" + (width + 3) + "s %8s %8s %8s%n", "class", "accuracy",
                "correct", "total");
        for (int c = 0; c < classes.size(); c++) {
            double acc = e.classAccuracy(c);
            o.printf(Locale.ROOT, "  %d  %-" + width + "s %7s %8d %8d%n", c, classes.get(c),
                    Double.isNaN(acc) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * acc), e.confusion()[c][c],
                    e.classCount(c));
        }
    }

    static void printConfusion(PrintStream o, Evaluation e, List<String> classes) {
        long max = 1;
        for (long[] row : e.confusion()) {
            for (long v : row) {
                max = Math.max(max, v);
            }
        }
        int cell = Math.max(3, Long.toString(max).length()) + 1;
        int width = Math.max(5, classes.stream().mapToInt(String::length).max().orElse(5));
        o.println("confusion matrix (rows: true class, columns: predicted class):");
        StringBuilder head = new StringBuilder("  ").append(" ".repeat(width + 3));
        for (int c = 0; c < classes.size(); c++) {
            head.append(String.format(Locale.ROOT, "%" + cell + "d", c));
        }
        o.println(head);
        for (int r = 0; r < classes.size(); r++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %d  %-" + width + "s", r,
                    classes.get(r)));
            for (int c = 0; c < classes.size(); c++) {
                long v = e.confusion()[r][c];
                // Zeros off the diagonal print as '.', so the errors stand out.
                line.append(String.format(Locale.ROOT, "%" + cell + "s", v == 0 && r != c ? "." : Long.toString(v)));
            }
            o.println(line);
        }
    }
}
