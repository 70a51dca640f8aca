package dev.walnut.cli;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.optim.SGD;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The seed's linear-regression example: fit {@code y = 2x + 1} (plus a little Gaussian noise)
 * with a weight and a bias trained by full-batch SGD on the mean squared error.
 *
 * <pre>{@code
 * var result = LinearRegression.train(new LinearRegression.Options(100, 0.1, 42), System.out);
 * result.weight();   // ~2.0
 * result.bias();     // ~1.0
 * }</pre>
 */
public final class LinearRegression {
    /** True slope of the generated data. */
    public static final double TRUE_WEIGHT = 2.0;
    /** True intercept of the generated data. */
    public static final double TRUE_BIAS = 1.0;
    /** Number of generated samples. */
    public static final int SAMPLES = 200;
    /** Standard deviation of the noise added to the targets. */
    public static final double NOISE_STD = 0.05;

    private LinearRegression() {
    }

    /**
     * Training settings.
     *
     * @param epochs full-batch gradient steps, at least 1
     * @param lr     SGD learning rate, positive
     * @param seed   seed for {@link Tensor#manualSeed}, which makes data and results repeatable
     */
    public record Options(int epochs, double lr, long seed) {
        /**
         * The defaults of {@code walnut train-linear}.
         *
         * @return 100 epochs, learning rate 0.1, seed 42
         */
        public static Options defaults() {
            return new Options(100, 0.1, 42);
        }
    }

    /**
     * What training produced: the learned parameters, the last loss, and the wall time.
     *
     * @param weight       the learned slope
     * @param bias         the learned intercept
     * @param loss         the mean squared error of the last epoch
     * @param elapsedNanos the training's wall time in nanoseconds
     */
    public record Result(double weight, double bias, double loss, long elapsedNanos) {
    }

    /**
     * Trains with {@code options}, printing progress to {@code out}.
     *
     * @param options epochs, learning rate and seed
     * @param out     where the progress lines go
     * @return the learned parameters, the last loss and the wall time
     */
    public static Result train(Options options, PrintStream out) {
        long start = System.nanoTime();
        Tensor.manualSeed(options.seed());
        Tensor x = Tensor.randn(SAMPLES, 1);
        Tensor noise = Tensor.randn(SAMPLES, 1).mul(NOISE_STD);
        Tensor y = x.mul(TRUE_WEIGHT).add(TRUE_BIAS).add(noise);

        Tensor w = Tensor.zeros(1, 1).setRequiresGrad(true);
        Tensor b = Tensor.zeros(1).setRequiresGrad(true);
        List<Tensor> params = List.of(w, b);
        var optimizer = new SGD(options.lr());

        out.printf(Locale.ROOT, "train-linear: fitting y = %.0fx + %.0f + noise (%d samples, noise std %.2f), "
                + "%d epochs, SGD lr %s, seed %d%n", TRUE_WEIGHT, TRUE_BIAS, SAMPLES, NOISE_STD, options.epochs(),
                options.lr(), options.seed());
        int every = Math.max(1, options.epochs() / 10);
        double lastLoss = Double.NaN;
        for (int epoch = 1; epoch <= options.epochs(); epoch++) {
            Tensor prediction = x.matmul(w).add(b);
            Tensor loss = prediction.sub(y).square().mean();
            Autograd.computeGradients(loss);
            optimizer.step(params);
            optimizer.zeroGrad(params);   // also clears context 0's tape, so it doesn't grow
            lastLoss = loss.item();
            if (!Double.isFinite(lastLoss)) {
                throw new IllegalStateException("train-linear: the loss diverged to " + lastLoss + " at epoch " + epoch
                        + "; try a smaller --lr (now " + options.lr() + ")");
            }
            if (epoch == 1 || epoch % every == 0 || epoch == options.epochs()) {
                out.printf(Locale.ROOT, "epoch %4d/%d  loss %.6f  w %.4f  b %.4f%n", epoch, options.epochs(), lastLoss,
                        w.item(), b.item());
            }
        }
        long elapsed = System.nanoTime() - start;
        Result result = new Result(w.item(), b.item(), lastLoss, elapsed);
        out.printf(Locale.ROOT, "final: w = %.4f, b = %.4f (target w = %.0f, b = %.0f), loss %.6f%n", result.weight(),
                result.bias(), TRUE_WEIGHT, TRUE_BIAS, result.loss());
        out.printf(Locale.ROOT, "elapsed: %.1f ms%n", elapsed / 1e6);
        return result;
    }
}
