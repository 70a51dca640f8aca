package dev.walnut.cli;

import dev.walnut.io.Checkpoint;
import dev.walnut.io.SafeTensors;
import dev.walnut.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A checkpoint written by {@code walnut train}: its training settings, class names, counters and
 * data, read from the file's metadata before any model exists, and the model rebuilt from them.
 * Every field is checked; a missing, mistyped or out-of-range one is an {@link IOException} naming
 * the file and the field.
 *
 * <pre>{@code
 * RunCheckpoint ckpt = RunCheckpoint.read(Path.of("runs/mlp-20250101-120000"));   // a directory works too
 * Module model = ckpt.loadModel();                                                  // in eval mode
 * }</pre>
 *
 * @param path    the checkpoint file
 * @param config  the run's settings (model name, seed, ...)
 * @param classes class names, index = label
 * @param epochs  completed epochs
 * @param step    optimizer steps taken
 * @param data    the data the run trained on, or null for a checkpoint of an older version that
 *                did not record it
 */
record RunCheckpoint(Path path, TrainConfig config, List<String> classes, long epochs, long step, DataIdentity data) {

    /** {@code path} itself, or {@code path/checkpoint.safetensors} when {@code path} is a directory. */
    static Path resolve(Path path) throws NoSuchFileException {
        Path file = Files.isDirectory(path) ? path.resolve(Trainer.CHECKPOINT_FILE) : path;
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return file;
    }

    /**
     * Reads the metadata of the checkpoint at {@code path} (a file, or a run directory).
     *
     * @throws IOException when the file is missing, not a safetensors file, not written by
     *     {@code walnut train}, or one of its fields is malformed (the message names it)
     */
    static RunCheckpoint read(Path path) throws IOException {
        Path file = resolve(path);
        Map<String, String> meta = SafeTensors.loadMetadata(file);
        String user = meta.get("metadata");
        if (!meta.containsKey("walnut.checkpoint") || user == null) {
            throw new IOException(file + " is not a Walnut checkpoint (no 'walnut.checkpoint' metadata); "
                    + "'walnut inspect' shows what it holds");
        }
        Map<String, Object> fields = field(file, "metadata", () -> Json.parseObject(user));
        if (!(fields.get("config") instanceof String config) || !(fields.get("classes") instanceof String classes)) {
            throw new IOException(file + " is a Walnut checkpoint but not one written by 'walnut train' "
                    + "(no 'config' and 'classes' metadata)");
        }
        TrainConfig trainConfig = field(file, "config", () -> TrainConfig.fromMap(Json.parseObject(config)));
        List<String> names = field(file, "classes", () -> {
            List<String> list = new ArrayList<>();
            for (Object o : (List<?>) Json.parse(classes)) {
                list.add((String) o);
            }
            if (list.isEmpty()) {
                throw new IllegalArgumentException("no class names");
            }
            return List.copyOf(list);
        });
        long epochs = field(file, "epoch", () -> nonNegative(Long.parseLong(meta.get("epoch"))));
        long step = field(file, "step", () -> nonNegative(Long.parseLong(meta.get("step"))));
        DataIdentity data = fields.containsKey(DataIdentity.KEY)
                ? field(file, DataIdentity.KEY, () -> DataIdentity.fromJson((String) fields.get(DataIdentity.KEY)))
                : null;
        return new RunCheckpoint(file, trainConfig, names, epochs, step, data);
    }

    private static long nonNegative(long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(value + " is out of range");
        }
        return value;
    }

    /**
     * {@code parse.call()}, with any failure turned into an {@link IOException} that names
     * {@code file} and the metadata {@code field}. Messages of our own parsers are kept; raw JVM
     * messages (a null pointer, a failed cast, "For input string") are not shown to the user.
     */
    static <T> T field(Path file, String field, Callable<T> parse) throws IOException {
        try {
            return parse.call();
        } catch (Exception e) {
            boolean ours = e instanceof IllegalArgumentException && !(e instanceof NumberFormatException);
            throw new IOException(file + ": checkpoint metadata field '" + field + "' is missing or malformed"
                    + (ours ? " (" + e.getMessage() + ")" : "") + "; the file was damaged or edited after "
                    + "'walnut train' wrote it", e);
        }
    }

    /** Rebuilds the model named in the settings and loads the checkpoint's weights into it; eval mode. */
    Module loadModel() throws IOException {
        Module model = Models.create(config.model(), config.seed());
        try {
            Checkpoint.load(path, model, null);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": the weights do not fit the " + config.model() + " model (" + e.getMessage()
                    + ")", e);
        }
        model.eval();
        return model;
    }
}
