package dev.walnut.examples;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.Function;
import dev.walnut.autograd.FunctionContext;
import dev.walnut.autograd.GradCheck;
import dev.walnut.optim.SGD;
import java.util.List;
import java.util.Locale;

/**
 * A differentiable operation of your own: {@link Swish}, {@code x * sigmoid(x)}, with a
 * hand-written gradient. The example checks the gradient against finite differences
 * ({@link GradCheck}, first and second order: the backward is written with tensor ops, so it
 * can be differentiated again), compares it with what autograd derives from the composite
 * formula, and fits a tiny model through it.
 *
 * <pre>{@code
 * Tensor y = new CustomFunction.Swish().apply(x);   // records one node, SwishBackward
 * }</pre>
 */
public final class CustomFunction {
    private CustomFunction() {
    }

    /** {@code swish(x) = x * sigmoid(x)}; {@code swish'(x) = s + x * s * (1 - s)} with {@code s = sigmoid(x)}. */
    public static final class Swish extends Function {
        /** A stateless function object; one instance may be applied any number of times. */
        public Swish() {
        }

        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... inputs) {
            ctx.saveForBackward(inputs[0]);
            return inputs[0].mul(inputs[0].sigmoid());
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor gradOutput) {
            Tensor x = ctx.saved(0);
            Tensor s = x.sigmoid();
            Tensor local = s.add(x.mul(s).mul(s.neg().add(1.0)));
            return new Tensor[] {gradOutput.mul(local)};
        }
    }

    /**
     * What the checks and the fit found.
     *
     * @param gradCheckPassed     first- and second-order finite-difference checks passed
     * @param maxDifferenceToComposite largest difference between Swish's gradient and the one
     *                                 autograd derives from {@code x * sigmoid(x)}
     * @param gradFnName          the recorded node's name
     * @param firstLoss           the loss before fitting
     * @param lastLoss            the loss after fitting
     */
    public record Result(boolean gradCheckPassed, double maxDifferenceToComposite, String gradFnName,
                         double firstLoss, double lastLoss) {
    }

    /**
     * Runs the checks, then fits {@code a * swish(x) + b} to {@code 2 * swish(x) - 1}.
     *
     * @param steps SGD steps of the fit
     * @return the outcome
     */
    public static Result run(int steps) {
        var swish = new Swish();
        Tensor.manualSeed(5);
        Tensor x64 = Tensor.randn(new long[] {4, 3}, DType.F64).setRequiresGrad(true);
        boolean passed = GradCheck.gradcheck(in -> swish.apply(in[0]), x64)
                && GradCheck.gradgradcheck(in -> swish.apply(in[0]), x64);

        Tensor a = Tensor.randn(3, 4).setRequiresGrad(true);
        Tensor mine = Autograd.grad(swish.apply(a).sum(), a);
        Tensor composite = Autograd.grad(a.mul(a.sigmoid()).sum(), a);
        double difference = mine.sub(composite).abs().max().item();
        String name = swish.apply(a).gradFn().name();

        Tensor x = Tensor.linspace(-3, 3, 64).reshape(64, 1);
        Tensor target = swish.apply(x).mul(2.0).sub(1.0);
        Tensor w = Tensor.ones(1).setRequiresGrad(true);
        Tensor b = Tensor.zeros(1).setRequiresGrad(true);
        List<Tensor> params = List.of(w, b);
        var sgd = new SGD(0.1);
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < steps; step++) {
            Tensor loss = swish.apply(x).mul(w).add(b).sub(target).square().mean();
            Autograd.computeGradients(loss);
            sgd.step(params);
            sgd.zeroGrad(params);
            last = loss.item();
            first = step == 0 ? last : first;
        }
        return new Result(passed, difference, name, first, last);
    }

    /**
     * Prints the checks and the fit.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Result r = run(100);
        System.out.printf(Locale.ROOT, "%s: gradcheck %s, largest difference to the composite's gradient %.2e%n",
                r.gradFnName(), r.gradCheckPassed() ? "passed" : "FAILED", r.maxDifferenceToComposite());
        System.out.printf(Locale.ROOT, "fit through Swish: loss %.4f -> %.6f%n", r.firstLoss(), r.lastLoss());
    }
}
