package dev.walnut.optim.lr;

import dev.walnut.optim.Optimizer;
import java.util.function.IntToDoubleFunction;

/**
 * Sets each group's learning rate to {@code base * lambda(epoch)} (PyTorch's {@code LambdaLR}).
 *
 * <pre>{@code
 * var sched = new LambdaLR(opt, epoch -> 1.0 / (1 + epoch));
 * }</pre>
 */
public class LambdaLR extends LRScheduler {
    private final IntToDoubleFunction lambda;

    /** The same factor function for every group. */
    public LambdaLR(Optimizer optimizer, IntToDoubleFunction lambda) {
        super(optimizer);
        this.lambda = lambda;
        initialStep();
    }

    @Override
    protected double lrAt(int epoch, int group) {
        return baseLrs[group] * lambda.applyAsDouble(epoch);
    }
}
