package dev.walnut.examples;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradientContext;
import dev.walnut.optim.SGD;
import java.util.List;
import java.util.Locale;

/**
 * Fits {@code y = 3x - 2} with plain tensors and SGD, twice, following the gradient tape rules of
 * the seed guide:
 * <ol>
 *   <li>in the default context (id 0): forward, {@code Autograd.computeGradients(loss)},
 *       {@code step}, then {@code zeroGrad}, which zeroes the gradients <em>and</em> clears
 *       context 0's tape;</li>
 *   <li>inside a custom {@link GradientContext}: the same loop, but {@code zeroGrad} clears
 *       context 0 only, so the loop also calls {@code Autograd.clearTape()} for the active
 *       context.</li>
 * </ol>
 * After each loop the tape it used is empty.
 *
 * <pre>{@code
 * LinearRegression.Result r = LinearRegression.run(200);
 * r.weight();   // ~3.0
 * r.bias();     // ~-2.0
 * }</pre>
 */
public final class LinearRegression {
    private LinearRegression() {
    }

    /**
     * What a fit found.
     *
     * @param weight        the fitted slope
     * @param bias          the fitted intercept
     * @param firstLoss     the mean squared error before the first step
     * @param lastLoss      the mean squared error at the last step
     * @param tapeSizeAfter the size of the tape the loop recorded into, after the loop
     */
    public record Result(double weight, double bias, double firstLoss, double lastLoss, int tapeSizeAfter) {
    }

    /**
     * Both fits; returns the one in the default context and the one in a custom context.
     *
     * @param steps SGD steps per fit
     * @return the default-context fit and the custom-context fit, in that order
     */
    public static List<Result> run(int steps) {
        Tensor.manualSeed(0);
        Tensor x = Tensor.randn(128, 1);
        Tensor y = x.mul(3.0).sub(2.0).add(Tensor.randn(128, 1).mul(0.01));
        Result inDefault = fitInDefaultContext(x, y, steps);
        Result inCustom;
        try (var ctx = new GradientContext()) {   // a new tape, active until close
            inCustom = fitInActiveCustomContext(x, y, steps);
        }                                          // the context and its tape are gone
        return List.of(inDefault, inCustom);
    }

    /** Seed guide, "Example 1": the default context; {@code zeroGrad} clears its tape. */
    static Result fitInDefaultContext(Tensor x, Tensor y, int steps) {
        Tensor w = Tensor.zeros(1, 1).setRequiresGrad(true);
        Tensor b = Tensor.zeros(1).setRequiresGrad(true);
        List<Tensor> params = List.of(w, b);
        var sgd = new SGD(0.1);
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < steps; step++) {
            Tensor loss = x.matmul(w).add(b).sub(y).square().mean();   // recorded on context 0's tape
            Autograd.computeGradients(loss);                            // reads context 0's tape
            sgd.step(params);
            sgd.zeroGrad(params);                                       // zero grads + clear context 0's tape
            last = loss.item();
            first = step == 0 ? last : first;
        }
        return new Result(w.item(), b.item(), first, last, GradientContext.defaultContext().tapeSize());
    }

    /** Inside a custom context: {@code zeroGrad} leaves this tape alone, so clear it each step. */
    static Result fitInActiveCustomContext(Tensor x, Tensor y, int steps) {
        Tensor w = Tensor.zeros(1, 1).setRequiresGrad(true);
        Tensor b = Tensor.zeros(1).setRequiresGrad(true);
        List<Tensor> params = List.of(w, b);
        var sgd = new SGD(0.1);
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < steps; step++) {
            Tensor loss = x.matmul(w).add(b).sub(y).square().mean();   // recorded on the custom tape
            Autograd.computeGradients(loss);
            sgd.step(params);
            sgd.zeroGrad(params);    // clears context 0 only
            Autograd.clearTape();    // clears the active (custom) context's tape
            last = loss.item();
            first = step == 0 ? last : first;
        }
        return new Result(w.item(), b.item(), first, last, GradientContext.current().tapeSize());
    }

    /**
     * Prints both fits.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        List<Result> results = run(200);
        String[] names = {"default context", "custom context"};
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            System.out.printf(Locale.ROOT, "%s: y = %.3f x %+.3f (true: 3x - 2), loss %.4f -> %.6f, tape size %d%n",
                    names[i], r.weight(), r.bias(), r.firstLoss(), r.lastLoss(), r.tapeSizeAfter());
        }
    }
}
