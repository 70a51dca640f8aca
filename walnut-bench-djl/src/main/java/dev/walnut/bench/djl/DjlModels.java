package dev.walnut.bench.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/**
 * The benchmark models of {@code dev.walnut.bench.Models} written with DJL's Block and Trainer
 * API, the way a DJL user writes a training loop (the loop body of DJL's
 * {@code EasyTrain.trainBatch} without its batch splitting, metrics and listeners).
 *
 * <ul>
 *   <li>MLP: {@code Linear(512) - relu - Linear(512) - relu - Linear(10)} on {@code [N, 784]}.</li>
 *   <li>CNN: {@code Conv2d(32, 3x3) - relu - maxPool(2) - Conv2d(64, 3x3) - relu - maxPool(2) -
 *       batchFlatten - Linear(10)} on {@code [N, 1, 28, 28]}, no padding (1600 flattened features).</li>
 *   <li>Loss: {@link Loss#softmaxCrossEntropyLoss()} (log-softmax, pick the label, mean over the
 *       batch), the same value as Walnut's and PyTorch's {@code cross_entropy}.</li>
 *   <li>Optimizers: DJL's SGD (lr 0.01, no momentum) and Adam (lr 1e-3, betas 0.9/0.999, eps
 *       1e-8). In the PyTorch engine both are one fused native update per parameter, which also
 *       zeroes the gradient, so {@link Trainer#step()} is step and {@code zero_grad} in one.</li>
 * </ul>
 *
 * <p>Memory: DJL arrays hold native memory until closed. Every array a step creates is closed by
 * an {@link NDScope} around the step (the role a {@code Batch}'s manager plays in
 * {@code EasyTrain}); parameters and optimizer state belong to the model's manager.
 *
 * <pre>{@code
 * Model model = DjlModels.model("mlp", DjlModels.mlp());
 * Trainer trainer = DjlModels.trainer(model, "adam", new Shape(64, 784));
 * DjlModels.trainStep(trainer, new NDList(x), new NDList(labels));
 * }</pre>
 */
public final class DjlModels {
    private DjlModels() {
    }

    /** The 784-512-512-10 ReLU MLP (input size inferred at initialization). */
    public static SequentialBlock mlp() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(512).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(512).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
    }

    /** The two-convolution CNN for 1x28x28 inputs. */
    public static SequentialBlock cnn() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(32).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(64).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    /** A model on the CPU of the PyTorch engine holding {@code block}; close it when done. */
    public static Model model(String name, Block block) {
        DjlEnv.engine();
        Model model = Model.newInstance(name, Device.cpu(), DjlEnv.ENGINE);
        model.setBlock(block);
        return model;
    }

    /** {@code "sgd"} (lr 0.01) or {@code "adam"} (lr 1e-3). */
    public static Optimizer optimizer(String name) {
        return switch (name) {
            case "sgd" -> Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build();
            case "adam" -> Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "' (expected sgd or adam)");
        };
    }

    /** A trainer for {@code model} with cross-entropy and the named optimizer, parameters initialized. */
    public static Trainer trainer(Model model, String optimizer, Shape inputShape) {
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(optimizer(optimizer))
                .optDevices(new Device[] {Device.cpu()});
        Trainer trainer = model.newTrainer(config);
        trainer.initialize(inputShape);
        return trainer;
    }

    /** Initializes {@code model}'s block for inference on inputs of {@code inputShape}. */
    public static ParameterStore initializeForInference(Model model, Shape inputShape) {
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape);
        return new ParameterStore(model.getNDManager(), false);
    }

    /**
     * One training step: forward, loss, backward inside a gradient collector, then the optimizer
     * step (which zeroes the gradients). Every intermediate array is closed before returning.
     */
    public static void trainStep(Trainer trainer, NDList input, NDList labels) {
        try (NDScope scope = new NDScope(); GradientCollector collector = trainer.newGradientCollector()) {
            NDList predictions = trainer.forward(input);
            NDArray loss = trainer.getLoss().evaluate(labels, predictions);
            collector.backward(loss);
        }
        // Outside the scope: Adam creates its moment arrays on the first step, and they must live on.
        trainer.step();
    }

    /**
     * Forward pass with gradient recording off (the PyTorch engine's default outside a
     * {@link GradientCollector}). The result belongs to the caller (close it, or call this inside
     * an {@link NDScope}).
     */
    public static NDList inference(Block block, ParameterStore parameters, NDList input) {
        return block.forward(parameters, input, false);
    }
}
