package dev.walnut.cli;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.backend.cpu.KernelProvider;
import dev.walnut.data.DataLoader;
import dev.walnut.data.FashionMnist;
import dev.walnut.io.AtomicFiles;
import dev.walnut.io.Checkpoint;
import dev.walnut.nn.Module;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import dev.walnut.optim.AdamW;
import dev.walnut.optim.Optimizer;
import dev.walnut.optim.SGD;
import dev.walnut.optim.lr.CosineAnnealingLR;
import dev.walnut.optim.lr.LRScheduler;
import dev.walnut.optim.lr.OneCycleLR;
import dev.walnut.optim.lr.StepLR;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The training loop of {@code walnut train}: Fashion-MNIST classification with cross-entropy,
 * evaluation on the test set after every epoch, and the run's files in the output directory
 * ({@code checkpoint.safetensors}, {@code checkpoint.json}, {@code metrics.csv}, {@code metrics.png}).
 *
 * <p><b>Determinism.</b> Everything random is a function of the seed: initial weights
 * ({@link Models#create}), the shuffling of epoch {@code e} (the loader's seed and
 * {@code setEpoch(e)}), and the dropout masks of step {@code s} ({@link Models#seedDropout}). The
 * number of loader workers changes only who decodes the batches, never their content or order, so
 * the same seed gives bit-identical metrics with any {@code --workers}.
 *
 * <p><b>Resuming.</b> A checkpoint holds the model, the optimizer state (moments, step counts,
 * learning rates), the scheduler state, the metrics history, and, when the run was stopped in the
 * middle of an epoch, how many batches of that epoch were done and the epoch's running sums. A
 * resumed run replays the loader of that epoch up to the same batch and goes on, so it reaches the
 * same weights and metrics as an uninterrupted run.
 *
 * <pre>{@code
 * var trainer = new Trainer(config, null, 2, Path.of("runs/x"), false, System.out, System.err, () -> false);
 * int exit = trainer.run(null);   // 0, or 130 when stop became true (after saving a checkpoint)
 * }</pre>
 */
final class Trainer {
    /** Fashion-MNIST's pixel mean and standard deviation (of values in [0, 1]) over the training set. */
    static final double MEAN = 0.2860;
    static final double STD = 0.3530;
    static final String CHECKPOINT_FILE = "checkpoint.safetensors";
    static final String SIDECAR_FILE = "checkpoint.json";
    static final String METRICS_CSV = "metrics.csv";
    static final String METRICS_PNG = "metrics.png";
    /** Exit code after a stop request (128 + SIGINT, what shells report for Ctrl-C). */
    static final int INTERRUPTED = 130;
    private static final int EVAL_BATCH = 500;

    private final TrainConfig config;
    private final Path dataDir;
    private final int workers;
    private final Path outDir;
    private final boolean progress;
    private final PrintStream out;
    private final PrintStream err;
    private final BooleanSupplier stop;
    private boolean allowDifferentData;
    private DataIdentity data;

    /**
     * The run's settings cannot work (too many steps; other data than the checkpoint's): the
     * command reports it as bad usage.
     */
    static final class SettingsException extends RuntimeException {
        SettingsException(String message) {
            super(message);
        }
    }

    /**
     * @param dataDir  directory of the four IDX files, {@code bundled}, or null for the installed
     *                 or bundled data
     * @param progress whether to draw a progress bar on {@code err}
     * @param stop     polled after every batch; when true the run saves a checkpoint and returns
     *                 {@link #INTERRUPTED}
     */
    Trainer(TrainConfig config, Path dataDir, int workers, Path outDir, boolean progress, PrintStream out,
            PrintStream err, BooleanSupplier stop) {
        this.config = config;
        this.dataDir = dataDir;
        this.workers = workers;
        this.outDir = outDir;
        this.progress = progress;
        this.out = out;
        this.err = err;
        this.stop = stop;
    }

    /** Running sums of a training epoch, saved in a checkpoint taken in the middle of the epoch. */
    private static final class EpochSums {
        int batches;
        double lossSum;
        long correct;
        long seen;
        double lr = Double.NaN;
        double seconds;

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("batches", batches);
            m.put("loss_sum", lossSum);
            m.put("correct", correct);
            m.put("seen", seen);
            m.put("lr", lr);
            m.put("seconds", seconds);
            return m;
        }

        static EpochSums fromMap(Map<String, Object> m) {
            var s = new EpochSums();
            s.batches = ((Number) m.get("batches")).intValue();
            s.lossSum = ((Number) m.get("loss_sum")).doubleValue();
            s.correct = ((Number) m.get("correct")).longValue();
            s.seen = ((Number) m.get("seen")).longValue();
            s.lr = m.get("lr") instanceof Number n ? n.doubleValue() : Double.NaN;
            s.seconds = ((Number) m.get("seconds")).doubleValue();
            return s;
        }
    }

    /** Lets a resumed run continue on data whose fingerprints differ from the checkpoint's. */
    Trainer allowDifferentData(boolean allow) {
        this.allowDifferentData = allow;
        return this;
    }

    /**
     * Trains from scratch, or from {@code resume} when not null, to {@code config.epochs()} epochs.
     *
     * @return 0 when all epochs ran, {@link #INTERRUPTED} when stopped early (checkpoint saved)
     * @throws SettingsException when the run would take more than {@code Integer.MAX_VALUE} steps,
     *     or the data differ from the checkpoint's and {@link #allowDifferentData} was not given
     * @throws IOException naming the file and field when the checkpoint is damaged
     */
    int run(RunCheckpoint resume) throws IOException {
        // The first kernel call logs which kernels are active; made here, that line comes before the
        // run's header instead of in the middle of the first frame of the progress bar.
        KernelProvider.get();
        FashionMnist train = Data.load(dataDir, true);
        FashionMnist test = Data.load(dataDir, false);
        data = DataIdentity.of(train, test);
        boolean otherData = resume != null && resume.data() != null && !resume.data().sameData(data);
        if (otherData && !allowDifferentData) {
            throw new SettingsException("the data differ from the checkpoint's: it trained on " + resume.data()
                    + ", but --data now gives " + data + "; resume with --data " + shellWord(resume.data().source())
                    + " (or a copy of the same files), or pass --allow-different-data to continue on these data "
                    + "(the results will then differ from an uninterrupted run)");
        }
        Module model = Models.create(config.model(), config.seed());
        Optimizer optimizer = optimizer(config, model.parameters());
        DataLoader<Tensor[]> loader = DataLoader.builder(train).batchSize(config.batchSize()).shuffle(true)
                .seed(config.seed()).dropLast(false).workers(workers).build();
        DataLoader<Tensor[]> testLoader = DataLoader.builder(test).batchSize(EVAL_BATCH).shuffle(false)
                .workers(workers).build();
        int stepsPerEpoch = loader.size();
        if ((long) config.epochs() * stepsPerEpoch > Integer.MAX_VALUE) {
            throw new SettingsException(String.format(Locale.ROOT, "--epochs %d x %,d steps per epoch = %,d steps, more "
                    + "than the %,d a run can take; use fewer --epochs or a larger --batch-size", config.epochs(),
                    stepsPerEpoch, (long) config.epochs() * stepsPerEpoch, Integer.MAX_VALUE));
        }
        LRScheduler scheduler = scheduler(config, optimizer, stepsPerEpoch);

        int startEpoch = 0;
        long step = 0;
        EpochSums partial = null;
        List<EpochMetrics> history = new ArrayList<>();
        if (resume != null) {
            Path file = resume.path();
            Checkpoint.State state = loadState(file, model, optimizer);
            Map<String, String> meta = state.metadata();
            if (scheduler != null) {
                RunCheckpoint.field(file, "scheduler", () -> {
                    scheduler.loadStateDict(schedulerState(Json.parseObject(meta.get("scheduler"))));
                    return null;
                });
            }
            history.addAll(RunCheckpoint.field(file, "history", () -> {
                List<EpochMetrics> rows = new ArrayList<>();
                for (Object row : (List<?>) Json.parse(meta.get("history"))) {
                    rows.add(EpochMetrics.fromMap((Map<?, ?>) row));
                }
                if (rows.size() != state.epoch()) {
                    throw new IllegalArgumentException(rows.size() + " rows for " + state.epoch() + " completed epochs");
                }
                return rows;
            }));
            if (meta.containsKey("partial")) {
                partial = RunCheckpoint.field(file, "partial", () -> {
                    EpochSums sums = EpochSums.fromMap(Json.parseObject(meta.get("partial")));
                    // A run stopped after the epoch's last batch resumes at its evaluation.
                    if (sums.batches < 0 || sums.batches > stepsPerEpoch) {
                        throw new IllegalArgumentException("'batches' is " + sums.batches + ", not between 0 and "
                                + stepsPerEpoch);
                    }
                    return sums;
                });
            }
            startEpoch = (int) state.epoch();
            step = state.step();
        }
        Files.createDirectories(outDir);

        out.printf(Locale.ROOT, "data: %s%n", train.source());
        out.printf(Locale.ROOT, "      fingerprints: training %s, test %s%n", data.train(), data.test());
        out.printf(Locale.ROOT, "      %,d training / %,d test images of %d classes, normalized with mean %.4f, std %.4f%n",
                train.size(), test.size(), FashionMnist.CLASSES.size(), MEAN, STD);
        out.printf(Locale.ROOT, "model: %s (%,d parameters)%n", config.model(), Models.parameterCount(model));
        out.println("  " + model.toString().replace("\n", "\n  "));
        out.printf(Locale.ROOT, "optimizer: %s, lr %s, scheduler %s%n", optimizerDescription(config.optimizer()),
                config.lr(), config.scheduler());
        out.printf(Locale.ROOT, "training: %s of %,d steps (batch size %d), seed %d, %s%n",
                plural(config.epochs(), "epoch"), stepsPerEpoch, config.batchSize(), config.seed(),
                plural(workers, "loader worker"));
        out.println("output: " + outDir);
        if (resume != null) {
            out.printf(Locale.ROOT, "resuming from %s at epoch %d%s, step %,d%n", resume.path(), startEpoch + 1,
                    partial == null ? "" : " batch " + (partial.batches + 1), step);
            if (resume.data() == null) {
                out.println("note: the checkpoint does not record its data (an older walnut wrote it); resuming on "
                        + data.source());
            } else if (otherData) {
                out.println("note: --allow-different-data: resuming on " + data + " instead of " + resume.data()
                        + "; the results will differ from an uninterrupted run");
            }
        }
        if (startEpoch >= config.epochs()) {
            out.printf(Locale.ROOT, "nothing to do: the checkpoint already has %d of %d epochs; pass a larger --epochs%n",
                    startEpoch, config.epochs());
        }

        for (int epoch = startEpoch; epoch < config.epochs(); epoch++) {
            EpochSums sums = partial != null ? partial : new EpochSums();
            int skip = sums.batches;
            partial = null;
            loader.setEpoch(epoch);
            model.train();
            long epochStart = System.nanoTime();
            double priorSeconds = sums.seconds;
            long seenAtStart = sums.seen;
            ProgressBar bar = progress ? progressBar(epoch, stepsPerEpoch, skip) : null;
            boolean stopped = false;
            try (var batches = loader.iterator()) {
                int b = 0;
                while (batches.hasNext()) {
                    Tensor[] batch = batches.next();
                    if (b++ < skip) {
                        continue;   // replays the data order of a resumed epoch without training on it
                    }
                    Models.seedDropout(model, config.seed(), step);
                    Tensor logits = model.forward(batch[0]);
                    Evaluation.checkLogits(logits, batch[0], FashionMnist.CLASSES.size());
                    Tensor loss = Losses.crossEntropy(logits, batch[1]);
                    double lossValue = loss.item();
                    if (!Double.isFinite(lossValue)) {
                        throw new IllegalStateException("the training loss diverged to " + lossValue + " at epoch "
                                + (epoch + 1) + ", step " + (step + 1) + "; try a smaller --lr (now " + config.lr() + ")");
                    }
                    loss.backward();
                    sums.lr = optimizer.lr();
                    optimizer.step();
                    optimizer.zeroGrad();   // also clears context 0's tape
                    step++;
                    if (scheduler instanceof OneCycleLR && scheduler.lastEpoch() < config.epochs() * stepsPerEpoch - 1) {
                        scheduler.step();
                    }
                    long n = batch[1].numel();
                    long correct;
                    try (var off = Autograd.noGrad()) {
                        correct = (long) logits.argmax(1, false).eq(batch[1]).sum().item();
                    }
                    sums.batches++;
                    sums.lossSum += lossValue * n;
                    sums.correct += correct;
                    sums.seen += n;
                    if (bar != null) {
                        double secs = (System.nanoTime() - epochStart) / 1e9;
                        bar.stepTo(sums.batches);
                        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.2f%% %,.0f samples/s",
                                sums.lossSum / sums.seen, 100.0 * sums.correct / sums.seen,
                                (sums.seen - seenAtStart) / Math.max(secs, 1e-9)));
                    }
                    if (stop.getAsBoolean()) {
                        stopped = true;
                        break;
                    }
                }
            } finally {
                if (bar != null) {
                    bar.close();
                }
            }
            sums.seconds = priorSeconds + (System.nanoTime() - epochStart) / 1e9;
            if (stopped) {
                Map<String, String> meta = metadata(scheduler, history, sums, train);
                Path checkpoint = outDir.resolve(CHECKPOINT_FILE);
                Checkpoint.save(checkpoint, model, optimizer, epoch, step, meta);
                writeSidecar(model, epoch, step, history, train, true);
                writeMetrics(history);
                out.printf(Locale.ROOT, "interrupted at epoch %d, batch %d of %d: checkpoint saved to %s%n", epoch + 1,
                        sums.batches, stepsPerEpoch, checkpoint);
                out.printf(Locale.ROOT, "resume with: walnut train --resume %s --data %s%n", shellWord(checkpoint.toString()),
                        shellWord(data.source()));
                return INTERRUPTED;
            }
            if (!(scheduler instanceof OneCycleLR) && scheduler != null) {
                scheduler.step();
            }
            double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
            Evaluation eval = Evaluation.run(model, testLoader, FashionMnist.CLASSES.size());
            double seconds = priorSeconds + (System.nanoTime() - epochStart) / 1e9;
            var row = new EpochMetrics(epoch + 1, sums.lossSum / sums.seen, (double) sums.correct / sums.seen,
                    eval.loss(), eval.accuracy(), sums.lr, seconds);
            history.add(row);
            Checkpoint.save(outDir.resolve(CHECKPOINT_FILE), model, optimizer, epoch + 1, step,
                    metadata(scheduler, history, null, train));
            writeSidecar(model, epoch + 1, step, history, train, false);
            writeMetrics(history);
            out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  lr %.3g  "
                            + "%.1f s  %,.0f samples/s%n", epoch + 1, config.epochs(), row.trainLoss(),
                    100 * row.trainAcc(), row.testLoss(), 100 * row.testAcc(), row.lr(), seconds,
                    (sums.seen - seenAtStart) / Math.max(trainSeconds, 1e-9));
        }
        if (!history.isEmpty()) {
            EpochMetrics last = history.get(history.size() - 1);
            out.printf(Locale.ROOT, "done: test accuracy %.2f%% after %s; wrote %s, %s, %s, %s in %s%n",
                    100 * last.testAcc(), plural(last.epoch(), "epoch"), CHECKPOINT_FILE, SIDECAR_FILE, METRICS_CSV, METRICS_PNG, outDir);
        }
        return 0;
    }

    /** Restores model and optimizer, with a mismatch or damaged optimizer state reported by file. */
    private Checkpoint.State loadState(Path file, Module model, Optimizer optimizer) throws IOException {
        try {
            return Checkpoint.load(file, model, optimizer);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": the saved state does not fit a " + config.model() + " model trained with "
                    + config.optimizer() + " (" + e.getMessage() + "); was the file edited or damaged?", e);
        } catch (RuntimeException e) {
            throw new IOException(file + ": checkpoint metadata field 'optimizer' is missing or malformed; the file "
                    + "was damaged or edited after 'walnut train' wrote it", e);
        }
    }

    /** {@code s} as one word for a POSIX shell: unchanged when safe, else single-quoted. */
    static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./:=@%+,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    static String plural(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private ProgressBar progressBar(int epoch, int steps, int done) {
        var bar = new ProgressBarBuilder().setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1,
                        config.epochs())).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(err, 110)).setUpdateIntervalMillis(250).build();
        bar.stepTo(done);
        return bar;
    }

    static Optimizer optimizer(TrainConfig config, List<Tensor> params) {
        return switch (config.optimizer()) {
            case "sgd" -> new SGD(params, config.lr(), 0.9);
            case "adam" -> new Adam(params, config.lr());
            case "adamw" -> AdamW.builder().optLr(config.lr()).build(params);
            default -> throw new IllegalArgumentException("unknown optimizer '" + config.optimizer()
                    + "'; use sgd, adam or adamw");
        };
    }

    static String optimizerDescription(String name) {
        return switch (name) {
            case "sgd" -> "SGD (momentum 0.9)";
            case "adam" -> "Adam (betas 0.9, 0.999)";
            case "adamw" -> "AdamW (betas 0.9, 0.999, weight decay 0.01)";
            default -> name;
        };
    }

    /**
     * The learning-rate schedule: {@code step} multiplies by 0.1 every ceil(epochs / 3) epochs,
     * {@code cosine} anneals to 0 over the run (both stepped per epoch), {@code onecycle} peaks at
     * {@code lr} after 30% of the run's steps (stepped per batch).
     */
    static LRScheduler scheduler(TrainConfig config, Optimizer optimizer, int stepsPerEpoch) {
        return switch (config.scheduler()) {
            case "none" -> null;
            case "step" -> new StepLR(optimizer, Math.max(1, (config.epochs() + 2) / 3), 0.1);
            case "cosine" -> new CosineAnnealingLR(optimizer, config.epochs());
            case "onecycle" -> new OneCycleLR(optimizer, config.lr(), config.epochs() * stepsPerEpoch);
            default -> throw new IllegalArgumentException("unknown scheduler '" + config.scheduler()
                    + "'; use none, step, cosine or onecycle");
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> schedulerState(Map<String, Object> json) {
        // JSON numbers come back as Long or Double; LRScheduler wants doubles in its lists.
        Map<String, Object> m = new LinkedHashMap<>(json);
        for (String key : List.of("base_lrs", "last_lr")) {
            List<Double> values = new ArrayList<>();
            for (Object v : (List<Object>) json.get(key)) {
                values.add(((Number) v).doubleValue());
            }
            m.put(key, values);
        }
        return m;
    }

    private Map<String, String> metadata(LRScheduler scheduler, List<EpochMetrics> history, EpochSums partial,
                                         FashionMnist train) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", config.model());
        meta.put("config", Json.write(config.toMap(), false));
        meta.put("classes", Json.write(FashionMnist.CLASSES, false));
        meta.put("normalize", Json.write(normalizeMap(), false));
        meta.put("data", train.source());
        meta.put(DataIdentity.KEY, data.toJson());
        if (scheduler != null) {
            meta.put("scheduler", Json.write(scheduler.stateDict(), false));
        }
        List<Object> rows = new ArrayList<>();
        history.forEach(h -> rows.add(h.toMap()));
        meta.put("history", Json.write(rows, false));
        if (partial != null) {
            meta.put("partial", Json.write(partial.toMap(), false));
        }
        return meta;
    }

    private void writeSidecar(Module model, int epochsDone, long step, List<EpochMetrics> history, FashionMnist train,
                              boolean interrupted) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", "walnut-cli checkpoint sidecar 1");
        json.put("checkpoint", CHECKPOINT_FILE);
        json.put("model", config.model());
        json.put("parameters", Models.parameterCount(model));
        json.put("config", config.toMap());
        json.put("classes", FashionMnist.CLASSES);
        json.put("normalize", normalizeMap());
        json.put("data", train.source());
        json.put(DataIdentity.KEY, data.toMap());
        json.put("epochs_completed", epochsDone);
        json.put("step", step);
        json.put("interrupted", interrupted);
        json.put("metrics", history.isEmpty() ? null : history.get(history.size() - 1).toMap());
        List<Object> rows = new ArrayList<>();
        history.forEach(h -> rows.add(h.toMap()));
        json.put("history", rows);
        AtomicFiles.writeString(outDir.resolve(SIDECAR_FILE), Json.write(json, true) + "\n");
    }

    private static Map<String, Object> normalizeMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", List.of(MEAN));
        m.put("std", List.of(STD));
        return m;
    }

    private void writeMetrics(List<EpochMetrics> history) throws IOException {
        StringBuilder csv = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
        history.forEach(h -> csv.append(h.csvLine()).append('\n'));
        AtomicFiles.writeString(outDir.resolve(METRICS_CSV), csv.toString());
        if (!history.isEmpty()) {
            MetricsPlot.save(history, outDir.resolve(METRICS_PNG));
        }
    }
}
