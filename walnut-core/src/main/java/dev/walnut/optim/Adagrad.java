package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adagrad as PyTorch's {@code torch.optim.Adagrad}: with {@code g = grad + weightDecay * p} and
 * step {@code t} from 1,
 * <pre>
 * clr = lr / (1 + (t - 1) * lrDecay)
 * s = s + g^2                      (s starts at initialAccumulatorValue)
 * p -= clr * g / (sqrt(s) + eps)
 * </pre>
 *
 * <pre>{@code
 * var adagrad = Adagrad.builder().optLr(0.01).optLrDecay(1e-3).build(params);
 * }</pre>
 */
public class Adagrad extends Optimizer {

    /** Adagrad over {@code params} with PyTorch's defaults and learning rate {@code lr}. */
    public Adagrad(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, Map.of())), builder().optLr(lr).options);
    }

    private Adagrad(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        checkNonNegativeOptions("Adagrad", defaults);
    }

    /** A builder with PyTorch's defaults: "lr", 0.01, "lrDecay", 0.0, "weightDecay", 0.0, "initialAccumulatorValue", 0.0, "eps", 1e-10. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link Adagrad}. */
    public static final class Builder extends Optimizer.Builder<Builder, Adagrad> {
        Builder() {
            super(Map.of("lr", 0.01, "lrDecay", 0.0, "weightDecay", 0.0, "initialAccumulatorValue", 0.0, "eps", 1e-10));
        }

        /** Learning-rate decay per step. */
        public Builder optLrDecay(double lrDecay) {
            return put("lrDecay", lrDecay);
        }
        /** Starting value of the sum of squared gradients. */
        public Builder optInitialAccumulatorValue(double initialAccumulatorValue) {
            return put("initialAccumulatorValue", initialAccumulatorValue);
        }
        /** Added to the denominator for numerical stability. */
        public Builder optEps(double eps) {
            return put("eps", eps);
        }
        @Override
        protected Adagrad create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new Adagrad(groups, defaults);
        }
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        Tensor g = withWeightDecay(grad, param, group);
        double clr = group.lr() / (1 + (state.step - 1) * group.getDouble("lrDecay"));
        double init = group.getDouble("initialAccumulatorValue");
        Tensor sum = state.buffers.computeIfAbsent("sum", k -> Tensor.fullLike(param, init));
        sum.addInPlace(g.square());
        param.addInPlace(g.div(sum.sqrt().add(group.getDouble("eps"))), -clr);
    }
}
