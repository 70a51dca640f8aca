package dev.walnut.cli;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.Module;
import dev.walnut.nn.functional.Losses;

/**
 * A classifier's results on a data set: mean cross-entropy, accuracy and the confusion matrix
 * ({@code confusion[true][predicted]} counts).
 *
 * <pre>{@code
 * Evaluation e = Evaluation.run(model, testLoader, 10);
 * e.accuracy();          // fraction correct
 * e.classAccuracy(3);    // recall of class 3
 * }</pre>
 */
record Evaluation(double loss, long correct, long count, long[][] confusion) {

    /**
     * Evaluates {@code model} in eval mode without recording gradients over every batch of
     * {@code batches} ({@code [images, labels]} pairs); the model's training flag is restored after.
     */
    static Evaluation run(Module model, Iterable<Tensor[]> batches, int classes) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0;
        long count = 0;
        long[][] confusion = new long[classes][classes];
        try (var off = Autograd.noGrad()) {
            for (Tensor[] batch : batches) {
                Tensor logits = model.forward(batch[0]);
                checkLogits(logits, batch[0], classes);
                lossSum += Losses.crossEntropy(logits, batch[1], "sum").item();
                long[] predicted = logits.argmax(1, false).toLongArray();
                long[] labels = batch[1].toLongArray();
                for (int i = 0; i < labels.length; i++) {
                    confusion[(int) labels[i]][(int) predicted[i]]++;
                    if (labels[i] == predicted[i]) {
                        correct++;
                    }
                }
                count += labels.length;
            }
        } finally {
            model.train(wasTraining);
        }
        return new Evaluation(count == 0 ? Double.NaN : lossSum / count, correct, count, confusion);
    }

    /** Fails with the shapes when a model does not map {@code [B, ...]} images to {@code [B, classes]} logits. */
    static void checkLogits(Tensor logits, Tensor images, int classes) {
        long[] s = logits.shape();
        if (s.length != 2 || s[0] != images.shape()[0] || s[1] != classes) {
            throw new IllegalArgumentException("the model returned logits of shape " + java.util.Arrays.toString(s)
                    + " for images of shape " + java.util.Arrays.toString(images.shape()) + "; expected ["
                    + images.shape()[0] + ", " + classes + "]");
        }
    }

    /** Fraction of correctly classified samples (NaN for an empty set). */
    double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    /** Fraction of class {@code c}'s samples classified as {@code c} (NaN when the class has none). */
    double classAccuracy(int c) {
        long total = 0;
        for (long v : confusion[c]) {
            total += v;
        }
        return total == 0 ? Double.NaN : (double) confusion[c][c] / total;
    }

    /** Number of samples whose true class is {@code c}. */
    long classCount(int c) {
        long total = 0;
        for (long v : confusion[c]) {
            total += v;
        }
        return total;
    }
}
