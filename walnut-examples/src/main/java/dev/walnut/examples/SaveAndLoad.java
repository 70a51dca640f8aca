package dev.walnut.examples;

import dev.walnut.Slice;
import dev.walnut.Tensor;
import dev.walnut.io.Checkpoint;
import dev.walnut.io.SafeTensors;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Saving and loading: a model's weights to a {@code .safetensors} file (readable by PyTorch's
 * {@code safetensors.torch.load_file}) and back into a fresh model, and a checkpoint that also
 * holds the optimizer's state, so that training resumed from it takes exactly the steps the
 * original run would have taken.
 *
 * <pre>{@code
 * SafeTensors.save(Path.of("model.safetensors"), model.stateDict());
 * fresh.loadStateDict(SafeTensors.load(Path.of("model.safetensors")));
 * Checkpoint.save(Path.of("ckpt.safetensors"), model, optimizer, epoch, step, Map.of());
 * Checkpoint.State state = Checkpoint.load(Path.of("ckpt.safetensors"), fresh, freshOptimizer);
 * }</pre>
 */
public final class SaveAndLoad {
    private SaveAndLoad() {
    }

    /**
     * What the round trips showed.
     *
     * @param weightsFile         the safetensors file written
     * @param tensorsSaved        how many tensors it holds
     * @param sameOutputs         the reloaded model's outputs equal the original's exactly
     * @param sameAfterResumedStep one more step on the original and on the model restored from
     *                            the checkpoint give exactly the same weights
     * @param restoredStep        the step counter read back from the checkpoint
     */
    public record Result(Path weightsFile, int tensorsSaved, boolean sameOutputs, boolean sameAfterResumedStep,
                         long restoredStep) {
    }

    static Sequential model() {
        return new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 3));
    }

    private static void trainStep(Module model, Adam optimizer, Tensor x, Tensor labels) {
        optimizer.zeroGrad();
        Losses.crossEntropy(model.forward(x), labels).backward();
        optimizer.step();
    }

    /**
     * Trains a small classifier a few steps, saves and reloads it both ways, and compares.
     *
     * @param directory where the files go
     * @return the comparisons
     * @throws IOException when a file cannot be written or read
     */
    public static Result run(Path directory) throws IOException {
        Tensor.manualSeed(3);
        Tensor x = Tensor.randn(32, 8);
        Tensor labels = x.index(Slice.all(), Slice.range(0, 3)).argmax(1, false);
        Sequential model = model();
        var adam = new Adam(model.parameters(), 1e-2);
        for (int step = 0; step < 20; step++) {
            trainStep(model, adam, x, labels);
        }

        // 1. Weights only: the state dict to safetensors, into a model built from scratch.
        Path weights = directory.resolve("model.safetensors");
        SafeTensors.save(weights, model.stateDict());
        Map<String, Tensor> loaded = SafeTensors.load(weights);
        Sequential fresh = model();
        fresh.loadStateDict(loaded);
        boolean sameOutputs = fresh.forward(x).equal(model.forward(x));

        // 2. A checkpoint: weights, the optimizer's moments and step counts, and counters.
        Path checkpoint = directory.resolve("checkpoint.safetensors");
        Checkpoint.save(checkpoint, model, adam, 1, 20, Map.of("note", "SaveAndLoad example"));
        Sequential resumed = model();
        var resumedAdam = new Adam(resumed.parameters(), 1e-2);
        Checkpoint.State state = Checkpoint.load(checkpoint, resumed, resumedAdam);
        trainStep(model, adam, x, labels);
        trainStep(resumed, resumedAdam, x, labels);
        boolean sameAfterStep = true;
        for (var e : model.stateDict().entrySet()) {
            sameAfterStep &= e.getValue().equal(resumed.stateDict().get(e.getKey()));
        }
        return new Result(weights, loaded.size(), sameOutputs, sameAfterStep, state.step());
    }

    /**
     * Runs the round trips in a temporary directory and prints what they showed.
     *
     * @param args ignored
     * @throws IOException when a file cannot be written or read
     */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("walnut-save-and-load");
        Result r = run(dir);
        System.out.printf(Locale.ROOT, "saved %d tensors to %s; reloaded outputs identical: %s%n", r.tensorsSaved(),
                r.weightsFile(), r.sameOutputs());
        System.out.printf(Locale.ROOT, "checkpoint at step %d; one more step after resuming gives identical weights: %s%n",
                r.restoredStep(), r.sameAfterResumedStep());
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }
}
