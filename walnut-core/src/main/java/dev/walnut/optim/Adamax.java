package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adamax (the infinity-norm variant of Adam) as PyTorch's {@code torch.optim.Adamax}: with
 * {@code g = grad + weightDecay * p} and step {@code t} from 1,
 * <pre>
 * m = beta1 * m + (1 - beta1) * g
 * u = max(beta2 * u, |g| + eps)
 * p -= (lr / (1 - beta1^t)) * m / u
 * </pre>
 *
 * <pre>{@code
 * var adamax = Adamax.builder().optLr(2e-3).build(params);
 * }</pre>
 */
public class Adamax extends Optimizer {

    /** Adamax over {@code params} with PyTorch's defaults and learning rate {@code lr}. */
    public Adamax(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, Map.of())), builder().optLr(lr).options);
    }

    private Adamax(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        checkNonNegativeOptions("Adamax", defaults);
    }

    /** A builder with PyTorch's defaults: "lr", 2e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link Adamax}. */
    public static final class Builder extends Optimizer.Builder<Builder, Adamax> {
        Builder() {
            super(Map.of("lr", 2e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0));
        }

        /** The decay rates of the first and second moment estimates. */
        public Builder optBetas(double beta1, double beta2) {
            put("beta1", beta1);
            return put("beta2", beta2);
        }

        /** Added to |g| for numerical stability. */
        public Builder optEps(double eps) {
            return put("eps", eps);
        }
        @Override
        protected Adamax create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new Adamax(groups, defaults);
        }
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        Tensor g = withWeightDecay(grad, param, group);
        double beta1 = group.getDouble("beta1");
        Tensor m = state.buffers.computeIfAbsent("exp_avg", k -> Tensor.zerosLike(param));
        Tensor u = state.buffers.computeIfAbsent("exp_inf", k -> Tensor.zerosLike(param));
        m.mulInPlace(beta1).addInPlace(g, 1 - beta1);
        u.copyInPlace(u.mul(group.getDouble("beta2")).maximum(g.abs().add(group.getDouble("eps"))));
        double clr = group.lr() / (1 - Math.pow(beta1, state.step));
        param.addInPlace(m.div(u), -clr);
    }
}
