package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;
import java.util.Map;

/**
 * RAdam (rectified Adam, Liu et al.) as PyTorch's {@code torch.optim.RAdam}: with
 * {@code g = grad + weightDecay * p}, step {@code t} from 1, Adam's moments {@code m, v},
 * {@code rhoInf = 2 / (1 - beta2) - 1} and {@code rho_t = rhoInf - 2 t beta2^t / (1 - beta2^t)},
 * <pre>
 * mHat = m / (1 - beta1^t)
 * rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rhoInf / ((rhoInf - 4)(rhoInf - 2) rho_t))
 *             p -= lr * mHat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
 * otherwise:  p -= lr * mHat
 * </pre>
 *
 * <pre>{@code
 * var radam = RAdam.builder().optLr(1e-3).build(params);
 * }</pre>
 */
public class RAdam extends Optimizer {

    /** RAdam over {@code params} with PyTorch's defaults and learning rate {@code lr}. */
    public RAdam(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, Map.of())), builder().optLr(lr).options);
    }

    private RAdam(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        checkNonNegativeOptions("RAdam", defaults);
    }

    /** A builder with PyTorch's defaults: "lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link RAdam}. */
    public static final class Builder extends Optimizer.Builder<Builder, RAdam> {
        Builder() {
            super(Map.of("lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0));
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
        @Override
        protected RAdam create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new RAdam(groups, defaults);
        }
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        Tensor g = withWeightDecay(grad, param, group);
        double beta1 = group.getDouble("beta1");
        double beta2 = group.getDouble("beta2");
        long t = state.step;
        Tensor m = state.buffers.computeIfAbsent("exp_avg", k -> Tensor.zerosLike(param));
        Tensor v = state.buffers.computeIfAbsent("exp_avg_sq", k -> Tensor.zerosLike(param));
        m.mulInPlace(beta1).addInPlace(g, 1 - beta1);
        v.mulInPlace(beta2).addInPlace(g.square(), 1 - beta2);
        double bias1 = 1 - Math.pow(beta1, t);
        double bias2 = 1 - Math.pow(beta2, t);
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * t * Math.pow(beta2, t) / bias2;
        double lr = group.lr();
        if (rhoT > 5) {
            double rect = Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
            Tensor adaptive = v.sqrt().add(group.getDouble("eps")).reciprocal().mul(Math.sqrt(bias2));
            param.addInPlace(m.mul(adaptive), -lr * rect / bias1);
        } else {
            param.addInPlace(m, -lr / bias1);
        }
    }
}
