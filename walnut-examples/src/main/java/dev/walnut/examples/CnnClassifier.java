package dev.walnut.examples;

import dev.walnut.Tensor;
import dev.walnut.data.DataLoader;
import dev.walnut.data.FashionMnist;
import dev.walnut.data.Transforms;
import dev.walnut.datasets.FashionMnistSample;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.optim.Adam;
import java.util.List;
import java.util.Locale;

/**
 * A small convolutional network on the Fashion-MNIST sample, written as a {@link Module}
 * subclass whose fields are its layers (found in declaration order, like PyTorch's
 * attributes), with normalized inputs and random horizontal flips for augmentation.
 *
 * <pre>{@code
 * CnnClassifier.Result r = CnnClassifier.run(100);
 * r.testAccuracy();   // about 0.75 after 100 steps
 * }</pre>
 */
public final class CnnClassifier {
    private CnnClassifier() {
    }

    /** {@code conv 1→8, 3x3 → ReLU → pool 2 → conv 8→16, 3x3 → ReLU → pool 2 → linear 784→10}. */
    public static final class Net extends Module {
        private final Sequential features = new Sequential(
                new Conv2d(1, 8, 3, 1, 1), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, 3, 1, 1), new ReLU(), new MaxPool2d(2));
        private final Flatten flatten = new Flatten();
        private final Linear classifier = new Linear(16 * 7 * 7, 10);

        /** A new network; the weights come from the global generator ({@code Tensor.manualSeed}). */
        public Net() {
        }

        @Override
        public Tensor forward(Tensor images) {
            return classifier.forward(flatten.forward(features.forward(images)));
        }
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
     * Trains for {@code steps} batches of 32 and evaluates.
     *
     * @param steps optimizer steps (at most 125, one epoch of the sample)
     * @return the batch losses and the test accuracy
     */
    public static Result run(int steps) {
        var normalize = Transforms.normalize(new double[] {FashionMnist.MEAN}, new double[] {FashionMnist.STD});
        FashionMnist train = FashionMnistSample.load(true, Transforms.compose(
                Transforms.randomHorizontalFlip(0.5), normalize));
        FashionMnist test = FashionMnistSample.load(false, normalize);
        Tensor.manualSeed(1);
        var model = new Net();
        var adam = new Adam(model.parameters(), 2e-3);
        var loader = DataLoader.builder(train).batchSize(32).shuffle(true).seed(3).build();
        List<Double> losses = Classification.trainEpoch(model, adam, loader, steps);
        return new Result(losses, Classification.accuracy(model, test));
    }

    /**
     * Trains 100 steps and prints the losses and the accuracy.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Result r = run(100);
        List<Double> l = r.batchLosses();
        System.out.printf(Locale.ROOT, "CNN, %d steps: loss %.3f (first 10 batches) -> %.3f (last 10)%n", l.size(),
                Classification.mean(l, 0, 10), Classification.mean(l, l.size() - 10, l.size()));
        System.out.printf(Locale.ROOT, "test accuracy: %.1f%%%n", 100 * r.testAccuracy());
    }
}
