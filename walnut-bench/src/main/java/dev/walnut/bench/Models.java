package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import dev.walnut.optim.Optimizer;
import dev.walnut.optim.SGD;

/**
 * The models and the training step shared by the model benchmarks and {@link MemoryProbe}; the
 * PyTorch side ({@code bench/torch_compare.py}) builds the same layers with the same shapes, so
 * the two columns of the comparison time the same work.
 *
 * <ul>
 *   <li>MLP: {@code Linear(784, 512) - ReLU - Linear(512, 512) - ReLU - Linear(512, 10)}.</li>
 *   <li>CNN: {@code Conv2d(1, 32, 3) - ReLU - MaxPool2d(2) - Conv2d(32, 64, 3) - ReLU -
 *       MaxPool2d(2) - Flatten - Linear(1600, 10)} on {@code [N, 1, 28, 28]}; no padding, so the
 *       spatial size goes 28, 26, 13, 11, 5 and the flattened features are 64 * 5 * 5 = 1600.</li>
 *   <li>Loss: cross-entropy against random class indices in [0, 10).</li>
 *   <li>Optimizers: SGD with lr 0.01 (no momentum), Adam with lr 1e-3 and PyTorch's defaults.</li>
 * </ul>
 *
 * <pre>{@code
 * Module mlp = Models.mlp();
 * Optimizer opt = Models.optimizer("adam", mlp);
 * Tensor loss = Models.trainStep(mlp, opt, Tensor.randn(64, 784), Tensor.randint(0, 10, 64));
 * }</pre>
 */
public final class Models {
    private Models() {
    }

    /** The 784-512-512-10 ReLU MLP. */
    public static Module mlp() {
        return new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 10));
    }

    /** The two-convolution CNN for 1x28x28 inputs (see the class comment for the shapes). */
    public static Module cnn() {
        return new Sequential(
                new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(1600, 10));
    }

    /** {@code "sgd"} (lr 0.01) or {@code "adam"} (lr 1e-3) over the model's parameters. */
    public static Optimizer optimizer(String name, Module model) {
        return switch (name) {
            case "sgd" -> new SGD(model.parameters(), 0.01);
            case "adam" -> new Adam(model.parameters(), 1e-3);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "' (expected sgd or adam)");
        };
    }

    /**
     * One training step: forward, cross-entropy loss, backward, optimizer step, then
     * {@code zeroGrad}, which zeroes the gradients and clears context 0's tape, so nothing is
     * carried from one step to the next. Returns the loss (detached from the cleared tape).
     */
    public static Tensor trainStep(Module model, Optimizer optimizer, Tensor input, Tensor target) {
        Tensor loss = Losses.crossEntropy(model.forward(input), target);
        loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
        return loss;
    }

    /** Forward pass with grad mode off. */
    public static Tensor inference(Module model, Tensor input) {
        try (var off = Autograd.noGrad()) {
            return model.forward(input);
        }
    }

    /** Standard-normal F32 inputs of the given shape (seeded, so runs are repeatable). */
    public static Tensor input(long seed, long... shape) {
        Tensor.manualSeed(seed);
        return Tensor.randn(shape);
    }

    /** Random class indices in [0, 10) for {@code batch} samples. */
    public static Tensor labels(int batch) {
        return Tensor.randint(0, 10, batch);
    }
}
