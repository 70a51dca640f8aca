package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;

/**
 * Adam (Kingma and Ba), with PyTorch's exact update: per parameter, with step count {@code t}
 * starting at 1,
 * <pre>
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * The bias corrections are applied once, in the step size and the denominator.
 *
 * <pre>{@code
 * var adam = new Adam(0.001, 0.9, 0.999, 1e-8);      // seed style
 * var adam2 = new Adam(List.of(w, b), 1e-3);          // PyTorch style, default betas and eps
 * }</pre>
 */
public class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;

    /** Adam for the seed style. */
    public Adam(double lr, double beta1, double beta2, double eps) {
        this(List.of(), lr, beta1, beta2, eps, 0.0);
    }

    /** Adam over {@code params} with betas (0.9, 0.999) and eps 1e-8. */
    public Adam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.0);
    }

    /** Adam over {@code params} with all hyper-parameters (weightDecay is L2, added to the gradient). */
    public Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("Adam: betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (eps < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("Adam: eps and weightDecay must be >= 0, got " + eps + " and " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state) {
        Tensor g = weightDecay != 0 ? grad.add(param, weightDecay) : grad;
        Tensor m = state.buffers.computeIfAbsent("exp_avg", k -> Tensor.zerosLike(param));
        Tensor v = state.buffers.computeIfAbsent("exp_avg_sq", k -> Tensor.zerosLike(param));
        m.mulInPlace(beta1).addInPlace(g, 1 - beta1);
        v.mulInPlace(beta2).addInPlace(g.square(), 1 - beta2);
        double bias1 = 1 - Math.pow(beta1, state.step);
        double bias2 = 1 - Math.pow(beta2, state.step);
        double stepSize = lr / bias1;
        Tensor denom = v.sqrt().div(Math.sqrt(bias2)).add(eps);
        param.addInPlace(m.div(denom), -stepSize);
    }
}
