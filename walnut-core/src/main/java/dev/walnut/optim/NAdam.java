package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;
import java.util.Map;

/**
 * NAdam (Adam with Nesterov momentum, Dozat) as PyTorch's {@code torch.optim.NAdam}: with
 * {@code g = grad + weightDecay * p}, step {@code t} from 1 and
 * {@code mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentumDecay))},
 * <pre>
 * muProduct *= mu_t                    (starts at 1)
 * m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
 * denom = sqrt(v / (1 - beta2^t)) + eps
 * p -= lr * (1 - mu_t) / (1 - muProduct) * g / denom
 * p -= lr * mu_{t+1} / (1 - muProduct * mu_{t+1}) * m / denom
 * </pre>
 *
 * <pre>{@code
 * var nadam = NAdam.builder().optLr(2e-3).optMomentumDecay(4e-3).build(params);
 * }</pre>
 */
public class NAdam extends Optimizer {

    /** NAdam over {@code params} with PyTorch's defaults and learning rate {@code lr}. */
    public NAdam(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, Map.of())), builder().optLr(lr).options);
    }

    private NAdam(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        checkNonNegativeOptions("NAdam", defaults);
    }

    /** A builder with PyTorch's defaults: "lr", 2e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0, "momentumDecay", 4e-3. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link NAdam}. */
    public static final class Builder extends Optimizer.Builder<Builder, NAdam> {
        Builder() {
            super(Map.of("lr", 2e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0, "momentumDecay", 4e-3));
        }

        /** The decay rates of the first and second moment estimates. */
        public Builder optBetas(double beta1, double beta2) {
            put("beta1", beta1);
            return put("beta2", beta2);
        }

        /** Added to the denominator for numerical stability. */
        public Builder optEps(double eps) {
            return put("eps", eps);
        }
        /** Momentum decay of the mu schedule. */
        public Builder optMomentumDecay(double momentumDecay) {
            return put("momentumDecay", momentumDecay);
        }
        @Override
        protected NAdam create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new NAdam(groups, defaults);
        }
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        Tensor g = withWeightDecay(grad, param, group);
        double beta1 = group.getDouble("beta1");
        double beta2 = group.getDouble("beta2");
        double decay = group.getDouble("momentumDecay");
        long t = state.step;
        double mu = beta1 * (1 - 0.5 * Math.pow(0.96, t * decay));
        double muNext = beta1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * decay));
        double muProduct = state.scalars.getOrDefault("mu_product", 1.0) * mu;
        state.scalars.put("mu_product", muProduct);
        Tensor m = state.buffers.computeIfAbsent("exp_avg", k -> Tensor.zerosLike(param));
        Tensor v = state.buffers.computeIfAbsent("exp_avg_sq", k -> Tensor.zerosLike(param));
        m.mulInPlace(beta1).addInPlace(g, 1 - beta1);
        v.mulInPlace(beta2).addInPlace(g.square(), 1 - beta2);
        Tensor denom = v.div(1 - Math.pow(beta2, t)).sqrt().add(group.getDouble("eps"));
        double lr = group.lr();
        param.addInPlace(g.div(denom), -lr * (1 - mu) / (1 - muProduct));
        param.addInPlace(m.div(denom), -lr * muNext / (1 - muProduct * muNext));
    }
}
