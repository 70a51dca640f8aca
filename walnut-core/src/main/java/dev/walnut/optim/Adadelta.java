package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adadelta as PyTorch's {@code torch.optim.Adadelta} (default lr 1.0): with
 * {@code g = grad + weightDecay * p},
 * <pre>
 * v = rho * v + (1 - rho) * g^2
 * delta = sqrt(u + eps) / sqrt(v + eps) * g
 * u = rho * u + (1 - rho) * delta^2
 * p -= lr * delta
 * </pre>
 *
 * <pre>{@code
 * var adadelta = Adadelta.builder().optRho(0.95).build(params);
 * }</pre>
 */
public class Adadelta extends Optimizer {

    /** Adadelta over {@code params} with PyTorch's defaults and learning rate {@code lr}. */
    public Adadelta(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, Map.of())), builder().optLr(lr).options);
    }

    private Adadelta(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        checkNonNegativeOptions("Adadelta", defaults);
    }

    /** A builder with PyTorch's defaults: "lr", 1.0, "rho", 0.9, "eps", 1e-6, "weightDecay", 0.0. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link Adadelta}. */
    public static final class Builder extends Optimizer.Builder<Builder, Adadelta> {
        Builder() {
            super(Map.of("lr", 1.0, "rho", 0.9, "eps", 1e-6, "weightDecay", 0.0));
        }

        /** Decay rate of the running averages. */
        public Builder optRho(double rho) {
            return put("rho", rho);
        }
        /** Added inside the square roots for numerical stability. */
        public Builder optEps(double eps) {
            return put("eps", eps);
        }
        @Override
        protected Adadelta create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new Adadelta(groups, defaults);
        }
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        Tensor g = withWeightDecay(grad, param, group);
        double rho = group.getDouble("rho");
        double eps = group.getDouble("eps");
        Tensor v = state.buffers.computeIfAbsent("square_avg", k -> Tensor.zerosLike(param));
        Tensor u = state.buffers.computeIfAbsent("acc_delta", k -> Tensor.zerosLike(param));
        v.mulInPlace(rho).addInPlace(g.square(), 1 - rho);
        Tensor delta = u.add(eps).sqrt().div(v.add(eps).sqrt()).mul(g);
        u.mulInPlace(rho).addInPlace(delta.square(), 1 - rho);
        param.addInPlace(delta, -group.lr());
    }
}
