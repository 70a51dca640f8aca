package dev.walnut.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walnut train}: trains a Fashion-MNIST classifier with {@link Trainer}.
 *
 * <pre>{@code
 * walnut train                                            # mlp, adam, lr 1e-3, batch 64, 5 epochs
 * walnut train --model cnn --epochs 10 --scheduler onecycle --lr 3e-3
 * walnut train --resume runs/cnn-20250101-120000/checkpoint.safetensors
 * }</pre>
 */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Train a Fashion-MNIST classifier, evaluating on the test set after every epoch.",
                "Writes checkpoint.safetensors, checkpoint.json, metrics.csv and metrics.png to --out.",
                "Ctrl-C stops after the current batch, saves a checkpoint to resume from, and exits with 130."},
        sortOptions = false)
final class TrainCommand extends BaseCommand {
    static final int DEFAULT_EPOCHS = 5;
    static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamw");
    static final List<String> SCHEDULERS = List.of("none", "step", "cosine", "onecycle");
    /** Set by the {@code walnut} launcher, which can test the stderr the bar is drawn on ({@code [ -t 2 ]}). */
    static final String STDERR_TERMINAL_PROPERTY = "walnut.stderrIsTerminal";
    private static final AtomicBoolean TRAINING = new AtomicBoolean();

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "mlp",
            description = "mlp, cnn, or the fully qualified name of a Module class with a public no-argument"
                    + " constructor on the class path (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--epochs", paramLabel = "N",
            description = "Epochs to train in total (default: " + DEFAULT_EPOCHS + "; with --resume, the checkpoint's).")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "64",
            description = "Training batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.001",
            description = "Learning rate; the peak for onecycle (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "adam",
            description = "sgd (momentum 0.9), adam or adamw (weight decay 0.01) (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--scheduler", paramLabel = "NAME", defaultValue = "cosine",
            description = "none, step (x0.1 every ceil(epochs/3) epochs), cosine (to 0 over the run),"
                    + " or onecycle (per batch, peak --lr at 30%%) (default: ${DEFAULT-VALUE}).")
    String scheduler;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of initial weights, shuffling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Directory with the four Fashion-MNIST IDX files (.gz or plain), or 'bundled' for the"
                    + " 4,000/1,000-image sample in walnut-core; default: /usr/share/datasets/fashion-mnist"
                    + " when present, else the bundled sample.")
    Path data;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2",
            description = "Background threads that prepare batches; 0 loads on the training thread (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory (default: runs/<model>-<yyyyMMdd-HHmmss>; with --resume, the"
                    + " checkpoint's directory).")
    Path out;

    @Option(names = "--resume", paramLabel = "CHECKPOINT",
            description = "Continue the run saved in CHECKPOINT (a file or a run directory) with its settings and"
                    + " data; only --epochs, --data, --workers and --out may be given too.")
    Path resume;

    @Option(names = "--allow-different-data",
            description = "With --resume: continue even when --data holds other images than the checkpoint was"
                    + " trained on (the results then differ from an uninterrupted run).")
    boolean allowDifferentData;

    @Option(names = "--force", description = "Train into --out even when it holds a run already (overwriting it).")
    boolean force;

    @Option(names = "--progress", negatable = true,
            description = "Draw a progress bar on stderr (default: only when attached to a terminal).")
    Boolean progress;

    @Mixin
    ModelClassPath classPath;

    /**
     * Whether stderr is a terminal: the launcher's word when it gave it, else the JVM's console
     * test (which looks at stdin and stdout, so {@code walnut train | tee log} would lose the bar).
     */
    static boolean stderrIsTerminal() {
        String launcher = System.getProperty(STDERR_TERMINAL_PROPERTY);
        return launcher != null ? Boolean.parseBoolean(launcher) : System.console() != null;
    }

    /** Whether a training loop is running in this process (the Ctrl-C hook waits for its checkpoint). */
    static boolean isTraining() {
        return TRAINING.get();
    }

    @Override
    ModelClassPath modelClassPath() {
        return classPath;
    }

    @Override
    int execute() throws Exception {
        TrainConfig config;
        Path resumeFile = null;
        RunCheckpoint checkpoint = null;
        Path dataOption = data;
        if (resume != null) {
            checkpoint = RunCheckpoint.read(resume);
            resumeFile = checkpoint.path();
            TrainConfig saved = checkpoint.config();
            checkUnchanged("--model", model, saved.model());
            checkUnchanged("--batch-size", batchSize, saved.batchSize());
            checkUnchanged("--lr", lr, saved.lr());
            checkUnchanged("--optimizer", optimizer, saved.optimizer());
            checkUnchanged("--scheduler", scheduler, saved.scheduler());
            checkUnchanged("--seed", seed, saved.seed());
            config = new TrainConfig(saved.model(), epochs != null ? epochs : saved.epochs(), saved.batchSize(),
                    saved.lr(), saved.optimizer(), saved.scheduler(), saved.seed());
            if (epochs != null && epochs != saved.epochs() && !saved.scheduler().equals("none")) {
                out().printf(Locale.ROOT, "note: the %s schedule now spans %d epochs instead of %d, so the learning "
                        + "rates differ from a run started with --epochs %d%n", saved.scheduler(), epochs,
                        saved.epochs(), saved.epochs());
            }
            if (data == null && checkpoint.data() != null) {
                dataOption = checkpoint.data().option();
                if (!Data.isBundled(dataOption) && !Files.isDirectory(dataOption)) {
                    throw usageError("the checkpoint was trained on " + checkpoint.data().source() + ", which is no "
                            + "longer a directory; pass --data DIR with the same files (or with other files and "
                            + "--allow-different-data)");
                }
            }
        } else {
            if (allowDifferentData) {
                throw usageError("--allow-different-data applies only with --resume");
            }
            config = new TrainConfig(model, epochs != null ? epochs : DEFAULT_EPOCHS, batchSize, lr, optimizer,
                    scheduler, seed);
        }
        validate(config);
        if (workers < 0) {
            throw usageError("--workers must be 0 or more, got " + workers);
        }
        checkDataOption(data);
        Path checkpointDir = resumeFile != null ? resumeFile.toAbsolutePath().getParent() : null;
        Path outDir = out != null ? out : checkpointDir != null ? checkpointDir : defaultOutDir(config.model());
        checkOutDir(outDir, checkpointDir);
        boolean showProgress = progress != null ? progress : stderrIsTerminal();
        var trainer = new Trainer(config, dataOption, workers, outDir, showProgress, out(), err(), context.stop)
                .allowDifferentData(allowDifferentData);
        TRAINING.set(true);
        try {
            return trainer.run(checkpoint);
        } catch (Trainer.SettingsException e) {
            throw usageError(e.getMessage());
        } finally {
            TRAINING.set(false);
        }
    }

    /**
     * Refuses an output directory that is a file, or that holds another run's files, unless
     * {@code --force}: a new run would overwrite that run's checkpoint after its first epoch.
     * The directory of the checkpoint being resumed is the run itself and always allowed.
     */
    private void checkOutDir(Path outDir, Path checkpointDir) {
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw usageError("--out " + outDir + " is a file, not a directory");
        }
        if (force || (checkpointDir != null && sameFile(outDir, checkpointDir))) {
            return;
        }
        for (String name : List.of(Trainer.CHECKPOINT_FILE, Trainer.SIDECAR_FILE, Trainer.METRICS_CSV)) {
            if (Files.exists(outDir.resolve(name))) {
                throw usageError("--out " + outDir + " already holds a run (" + name + "); pass --resume " + outDir
                        + " to continue it, --force to overwrite it, or another --out");
            }
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void validate(TrainConfig c) {
        if (!Models.isValidName(c.model())) {
            throw usageError("unknown --model '" + c.model() + "'; use mlp, cnn, or the fully qualified name of a "
                    + "Module class");
        }
        if (c.epochs() < 1) {
            throw usageError("--epochs must be at least 1, got " + c.epochs());
        }
        if (c.batchSize() < 1) {
            throw usageError("--batch-size must be at least 1, got " + c.batchSize());
        }
        if (!(c.lr() > 0) || Double.isInfinite(c.lr())) {
            throw usageError("--lr must be a positive finite number, got " + c.lr());
        }
        if (!OPTIMIZERS.contains(c.optimizer())) {
            throw usageError("unknown --optimizer '" + c.optimizer() + "'; use one of " + String.join(", ", OPTIMIZERS));
        }
        if (!SCHEDULERS.contains(c.scheduler())) {
            throw usageError("unknown --scheduler '" + c.scheduler() + "'; use one of " + String.join(", ", SCHEDULERS));
        }
    }

    /** A resumed run keeps the checkpoint's settings; an explicit different value is a usage error. */
    private void checkUnchanged(String option, Object given, Object saved) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option) && !Objects.equals(given, saved)) {
            throw usageError(option + " " + given + " differs from the checkpoint's " + saved + "; a resumed run "
                    + "keeps its settings (only --epochs, --data, --workers and --out may change)");
        }
    }

    private static Path defaultOutDir(String model) {
        String name = model.contains(".") ? model.substring(model.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : model;
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path dir = Path.of("runs", name + "-" + stamp);
        for (int i = 2; Files.exists(dir); i++) {
            dir = Path.of("runs", name + "-" + stamp + "-" + i);
        }
        return dir;
    }
}
