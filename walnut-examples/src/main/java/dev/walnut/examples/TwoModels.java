package dev.walnut.examples;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradientContext;
import dev.walnut.nn.Linear;
import dev.walnut.optim.Adam;
import dev.walnut.optim.SGD;
import java.util.List;
import java.util.Locale;

/**
 * Two models trained side by side on two tapes (the seed guide's "Example 2", written so that
 * each model really records into its own context): the main model in the default context 0,
 * an auxiliary model in a context of its own that is created once, entered for each of its
 * steps, and closed at the end.
 *
 * <p>The main model fits {@code y = x · [1, -2, 3, 0.5]}; the auxiliary model learns to map the
 * main model's (detached) predictions to {@code 0.5 y + 1}. The main model's {@code zeroGrad}
 * clears context 0's tape; inside the auxiliary context, {@code zeroGrad} does not touch the
 * auxiliary tape, so that loop calls {@code clearTape()} as well.
 *
 * <pre>{@code
 * TwoModels.Result r = TwoModels.run(150);
 * r.mainLosses();   // decreasing
 * r.auxLosses();    // decreasing
 * }</pre>
 */
public final class TwoModels {
    private TwoModels() {
    }

    /**
     * What the two loops did.
     *
     * @param mainLosses          the main model's loss at every step
     * @param auxLosses           the auxiliary model's loss at every step
     * @param auxContextId        the auxiliary context's id (never 0)
     * @param defaultTapeDuringAux the largest size of context 0's tape seen during the auxiliary
     *                            steps: 0, since they record into their own context
     * @param auxTapeBeforeClear  the auxiliary tape's size after its last backward, before
     *                            {@code clearTape()}: what a forgotten clear would keep
     */
    public record Result(List<Double> mainLosses, List<Double> auxLosses, long auxContextId,
                         int defaultTapeDuringAux, int auxTapeBeforeClear) {
    }

    /**
     * Trains both models for {@code steps} steps each, alternating.
     *
     * @param steps steps per model
     * @return the losses and the tape observations
     */
    public static Result run(int steps) {
        Tensor.manualSeed(11);
        Tensor x = Tensor.randn(256, 4);
        Tensor y = x.matmul(Tensor.of(1.0, -2.0, 3.0, 0.5).reshape(4, 1));

        // === main model: default context 0 ===
        var main = new Linear(4, 1);
        var mainOptimizer = new Adam(0.05, 0.9, 0.999, 1e-8);
        List<Tensor> mainParams = main.parameters();

        // === auxiliary model: its own context, kept across iterations ===
        var aux = new Linear(1, 1);
        var auxOptimizer = new SGD(0.05);
        List<Tensor> auxParams = aux.parameters();
        GradientContext auxContext = GradientContext.create();   // created, not entered

        List<Double> mainLosses = new java.util.ArrayList<>();
        List<Double> auxLosses = new java.util.ArrayList<>();
        int defaultTapeDuringAux = 0;
        int auxTapeBeforeClear = 0;
        try {
            for (int step = 0; step < steps; step++) {
                // Main model: records into context 0.
                Tensor mainLoss = main.forward(x).sub(y).square().mean();
                Autograd.computeGradients(mainLoss);
                mainOptimizer.step(mainParams);
                mainOptimizer.zeroGrad(mainParams);       // zero grads + clear context 0's tape
                mainLosses.add(mainLoss.item());

                // Auxiliary model: records into auxContext while entered.
                try (var entered = auxContext.enter()) {
                    Tensor auxInput = main.forward(x).detach();   // the main model's output, no history
                    Tensor auxLoss = aux.forward(auxInput).sub(y.mul(0.5).add(1.0)).square().mean();
                    Autograd.computeGradients(auxLoss);           // reads auxContext's tape only
                    auxOptimizer.step(auxParams);
                    defaultTapeDuringAux = Math.max(defaultTapeDuringAux,
                            GradientContext.defaultContext().tapeSize());
                    auxTapeBeforeClear = auxContext.tapeSize();
                    auxOptimizer.zeroGrad(auxParams);   // clears context 0 only...
                    Autograd.clearTape();               // ...so clear the active (auxiliary) tape too
                    auxLosses.add(auxLoss.item());
                }                                       // back in context 0
            }
            return new Result(List.copyOf(mainLosses), List.copyOf(auxLosses), auxContext.id(), defaultTapeDuringAux,
                    auxTapeBeforeClear);
        } finally {
            auxContext.close();                         // the context and its tape are gone
        }
    }

    /**
     * Trains both models and prints their losses.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Result r = run(150);
        int last = r.mainLosses().size() - 1;
        System.out.printf(Locale.ROOT, "main model (context 0): loss %.4f -> %.6f%n", r.mainLosses().get(0),
                r.mainLosses().get(last));
        System.out.printf(Locale.ROOT, "auxiliary model (context %d): loss %.4f -> %.6f%n", r.auxContextId(),
                r.auxLosses().get(0), r.auxLosses().get(last));
        System.out.printf(Locale.ROOT, "context 0's tape during the auxiliary steps: at most %d nodes; the auxiliary "
                + "tape before clearTape(): %d nodes%n", r.defaultTapeDuringAux(), r.auxTapeBeforeClear());
    }
}
