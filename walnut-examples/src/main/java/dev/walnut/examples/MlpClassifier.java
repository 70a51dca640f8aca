package dev.walnut.examples;

import dev.walnut.Tensor;
import dev.walnut.data.DataLoader;
import dev.walnut.data.FashionMnist;
import dev.walnut.datasets.FashionMnistSample;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.optim.Adam;
import java.util.List;
import java.util.Locale;

/**
 * A two-layer perceptron on the Fashion-MNIST sample of walnut-datasets (4,000 training and
 * 1,000 test images of clothing, 10 classes): one epoch of Adam, then the test accuracy.
 *
 * <pre>{@code
 * MlpClassifier.Result r = MlpClassifier.run(1);
 * r.testAccuracy();   // about 0.75 after one epoch
 * }</pre>
 */
public final class MlpClassifier {
    private MlpClassifier() {
    }

    /**
     * What training did.
     *
     * @param batchLosses  the loss of every training batch, in order
     * @param testAccuracy the fraction of the 1,000 test images classified correctly
     */
    public record Result(List<Double> batchLosses, double testAccuracy) {
    }

    /**
     * The network: {@code [N, 1, 28, 28] → 784 → 128 → 10} logits.
     *
     * @return a new, seeded model
     */
    public static Sequential model() {
        Tensor.manualSeed(42);
        return new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10));
    }

    /**
     * Trains for {@code epochs} epochs and evaluates.
     *
     * @param epochs passes over the 4,000 training images
     * @return the batch losses and the test accuracy
     */
    public static Result run(int epochs) {
        FashionMnist train = FashionMnistSample.train();
        FashionMnist test = FashionMnistSample.test();
        Sequential model = model();
        var adam = new Adam(model.parameters(), 1e-3);
        var loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(7).build();
        List<Double> losses = new java.util.ArrayList<>();
        for (int epoch = 0; epoch < epochs; epoch++) {
            losses.addAll(Classification.trainEpoch(model, adam, loader, Integer.MAX_VALUE));
        }
        return new Result(List.copyOf(losses), Classification.accuracy(model, test));
    }

    /**
     * Trains one epoch and prints the losses and the accuracy.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Result r = run(1);
        List<Double> l = r.batchLosses();
        System.out.printf(Locale.ROOT, "MLP, %d steps: loss %.3f (first 10 batches) -> %.3f (last 10)%n", l.size(),
                Classification.mean(l, 0, 10), Classification.mean(l, l.size() - 10, l.size()));
        System.out.printf(Locale.ROOT, "test accuracy: %.1f%%%n", 100 * r.testAccuracy());
    }
}
