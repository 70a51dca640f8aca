package dev.walnut.optim;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base class of the optimizers. Two styles are supported: the gradient-tape guide's, with the
 * parameters passed to every call, and PyTorch's, with the parameters given at construction.
 *
 * <pre>{@code
 * var opt = new SGD(0.01);                           // seed style
 * for (int epoch = 0; epoch < 100; epoch++) {
 *     Tensor loss = input.matmul(weight).mean(new int[] {}, false);
 *     Autograd.computeGradients(loss);
 *     opt.step(List.of(weight));
 *     opt.zeroGrad(List.of(weight));                 // zeroes grads AND clears context 0's tape
 * }
 *
 * var adam = new Adam(List.of(w, b), 1e-3);          // PyTorch style
 * adam.step();
 * adam.zeroGrad();
 * }</pre>
 *
 * <p>{@code zeroGrad} clears only the tape of gradient context 0 (the guide's rule): inside a
 * custom {@link dev.walnut.autograd.GradientContext} also call {@code Autograd.clearTape()}.
 * Per-parameter state (momentum buffers, step counts) is keyed by parameter identity.
 */
public abstract class Optimizer {
    private final List<Tensor> params;
    private final Map<Tensor, ParamState> state = new IdentityHashMap<>();
    /** The learning rate; schedules may change it between steps. */
    protected double lr;

    /** Per-parameter state: named buffers plus the step count. */
    protected static final class ParamState {
        /** Number of updates applied to this parameter so far. */
        public long step;
        /** Named buffers such as {@code exp_avg}; created on first use. */
        public final Map<String, Tensor> buffers = new java.util.LinkedHashMap<>();
    }

    /** For the seed style: parameters are passed to {@link #step(List)} and {@link #zeroGrad(List)}. */
    protected Optimizer(double lr) {
        this(List.of(), lr);
    }

    /** For PyTorch style: the parameters this optimizer updates. */
    protected Optimizer(List<Tensor> params, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid learning rate " + lr);
        }
        for (Tensor p : params) {
            if (!p.isLeaf()) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": can't optimize a non-leaf tensor "
                        + "(it was produced by " + p.gradFn().name() + "); optimize the leaf parameters");
            }
        }
        this.params = new ArrayList<>(params);
        this.lr = lr;
    }

    /** The learning rate. */
    public double lr() {
        return lr;
    }

    /** Sets the learning rate for the following steps. */
    public void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("setLr: invalid learning rate " + lr);
        }
        this.lr = lr;
    }

    /** The parameters given at construction (empty in the seed style). */
    public List<Tensor> parameters() {
        return List.copyOf(params);
    }

    /** Updates the parameters given at construction. */
    public void step() {
        step(requireParams("step"));
    }

    /** Updates {@code params} from their gradients, without recording on any tape. Parameters without a gradient are skipped. */
    public void step(List<Tensor> params) {
        try (var off = Autograd.noGrad()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) {
                    continue;
                }
                ParamState s = state.computeIfAbsent(p, k -> new ParamState());
                s.step++;
                update(p, g.detach(), s);
            }
        }
    }

    /** Zeroes the gradients of the parameters given at construction and clears context 0's tape. */
    public void zeroGrad() {
        zeroGrad(requireParams("zeroGrad"));
    }

    /** Zeroes the gradients of {@code params} and clears context 0's tape (only context 0's). */
    public void zeroGrad(List<Tensor> params) {
        for (Tensor p : params) {
            p.zeroGrad();
        }
        Autograd.clearDefaultContextTape();
    }

    /** The state of {@code param}, or null before its first step. */
    protected ParamState state(Tensor param) {
        return state.get(param);
    }

    /**
     * Applies one update to {@code param} in place (grad mode is off). {@code state.step} has
     * already been incremented, so it is 1 on the first call.
     */
    protected abstract void update(Tensor param, Tensor grad, ParamState state);

    private List<Tensor> requireParams(String op) {
        if (params.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + "." + op + "(): this optimizer was created "
                    + "without parameters; pass them to " + op + "(params) or to the constructor");
        }
        return params;
    }
}
