package dev.walnut.examples;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.data.DataLoader;
import dev.walnut.data.Dataset;
import dev.walnut.nn.Module;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The training and evaluation loops shared by {@link MlpClassifier} and {@link CnnClassifier}:
 * PyTorch's loop, {@code zeroGrad → forward → backward → step}, one batch at a time.
 */
final class Classification {
    private Classification() {
    }

    /**
     * One pass over {@code loader}; returns the loss of every batch, in order.
     *
     * @param model     the network, put in training mode
     * @param optimizer built on {@code model.parameters()}
     * @param loader    batches of {@code {images, labels}}
     * @param maxSteps  stop after this many batches
     * @return the batch losses
     */
    static List<Double> trainEpoch(Module model, Optimizer optimizer, DataLoader<Tensor[]> loader, int maxSteps) {
        model.train();
        List<Double> losses = new ArrayList<>();
        for (Tensor[] batch : loader) {
            if (losses.size() == maxSteps) {
                break;
            }
            optimizer.zeroGrad();                     // zero the grads, clear context 0's tape
            Tensor loss = Losses.crossEntropy(model.forward(batch[0]), batch[1]);
            loss.backward();
            optimizer.step();
            losses.add(loss.item());
        }
        return losses;
    }

    /**
     * The fraction of {@code data} that {@code model} classifies correctly, without recording.
     *
     * @param model the network, put in evaluation mode
     * @param data  samples of {@code {image, label}}
     * @return the accuracy in [0, 1]
     */
    static double accuracy(Module model, Dataset<Tensor[]> data) {
        model.eval();
        long correct = 0;
        try (var off = Autograd.noGrad()) {
            for (Tensor[] batch : DataLoader.builder(data).batchSize(250).build()) {
                Tensor predicted = model.forward(batch[0]).argmax(1, false);
                correct += (long) predicted.eq(batch[1]).sum().item();
            }
        }
        return (double) correct / data.size();
    }

    /**
     * The mean of {@code values[from, to)}.
     *
     * @param values the numbers
     * @param from   first index, inclusive
     * @param to     last index, exclusive
     * @return their mean
     */
    static double mean(List<Double> values, int from, int to) {
        return values.subList(from, to).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
