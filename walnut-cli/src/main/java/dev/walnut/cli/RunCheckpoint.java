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

/**
 * A checkpoint written by {@code walnut train}: its training settings, class names and counters,
 * read from the file's metadata before any model exists, and the model rebuilt from them.
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
 */
record RunCheckpoint(Path path, TrainConfig config, List<String> classes, long epochs, long step) {

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
     * @throws IOException when the file is missing, not a safetensors file, or not written by
     *     {@code walnut train}
     */
    static RunCheckpoint read(Path path) throws IOException {
        Path file = resolve(path);
        Map<String, String> meta = SafeTensors.loadMetadata(file);
        String user = meta.get("metadata");
        if (!meta.containsKey("walnut.checkpoint") || user == null) {
            throw new IOException(file + " is not a Walnut checkpoint (no 'walnut.checkpoint' metadata); "
                    + "'walnut inspect' shows what it holds");
        }
        Map<String, Object> fields;
        try {
            fields = Json.parseObject(user);
            if (!(fields.get("config") instanceof String config) || !(fields.get("classes") instanceof String classes)) {
                throw new IOException(file + " is a Walnut checkpoint but not one written by 'walnut train' "
                        + "(no 'config' and 'classes' metadata)");
            }
            List<String> names = new ArrayList<>();
            for (Object o : (List<?>) Json.parse(classes)) {
                names.add(String.valueOf(o));
            }
            return new RunCheckpoint(file, TrainConfig.fromMap(Json.parseObject(config)), List.copyOf(names),
                    Long.parseLong(meta.get("epoch")), Long.parseLong(meta.get("step")));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException(file + ": malformed 'walnut train' metadata: " + e.getMessage(), e);
        }
    }

    /** Rebuilds the model named in the settings and loads the checkpoint's weights into it; eval mode. */
    Module loadModel() throws IOException {
        Module model = Models.create(config.model(), config.seed());
        Checkpoint.load(path, model, null);
        model.eval();
        return model;
    }
}
