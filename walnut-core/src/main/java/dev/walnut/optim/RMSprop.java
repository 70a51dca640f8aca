package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;
import java.util.Map;

/**
 * RMSprop as PyTorch's {@code torch.optim.RMSprop}: with {@code g = grad + weightDecay * p},
 * <pre>
 * v = alpha * v + (1 - alpha) * g^2
 * gAvg = alpha * gAvg + (1 - alpha) * g                 (centered only)
 * avg = sqrt(v - gAvg^2) + eps  if centered, else  sqrt(v) + eps
 * b = momentum * b + g / avg;  p -= lr * b              (momentum > 0; b starts at 0)
 * p -= lr * g / avg                                     (otherwise)
 * </pre>
 *
 * <pre>{@code
 * var rms = RMSprop.builder().optLr(0.01).optMomentum(0.9).optCentered(true).build(params);
 * }</pre>
 */
public class RMSprop extends Optimizer {

    /** RMSprop over {@code params} with PyTorch's defaults and learning rate {@code lr}. */
    public RMSprop(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, Map.of())), builder().optLr(lr).options);
    }

    private RMSprop(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        checkNonNegativeOptions("RMSprop", defaults);
    }

    /** A builder with PyTorch's defaults: "lr", 0.01, "alpha", 0.99, "eps", 1e-8, "weightDecay", 0.0, "momentum", 0.0, "centered", false. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link RMSprop}. */
    public static final class Builder extends Optimizer.Builder<Builder, RMSprop> {
        Builder() {
            super(Map.of("lr", 0.01, "alpha", 0.99, "eps", 1e-8, "weightDecay", 0.0, "momentum", 0.0, "centered", false));
        }

        /** Smoothing constant of the squared-gradient average. */
        public Builder optAlpha(double alpha) {
            return put("alpha", alpha);
        }
        /** Added to the denominator for numerical stability. */
        public Builder optEps(double eps) {
            return put("eps", eps);
        }
        /** Momentum factor. */
        public Builder optMomentum(double momentum) {
            return put("momentum", momentum);
        }
        /** Normalizes by the estimated variance of the gradient instead of its second moment. */
        public Builder optCentered(boolean centered) {
            return put("centered", centered);
        }

        @Override
        protected RMSprop create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new RMSprop(groups, defaults);
        }
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        Tensor g = withWeightDecay(grad, param, group);
        double alpha = group.getDouble("alpha");
        Tensor v = state.buffers.computeIfAbsent("square_avg", k -> Tensor.zerosLike(param));
        v.mulInPlace(alpha).addInPlace(g.square(), 1 - alpha);
        Tensor avg;
        if (group.getBoolean("centered")) {
            Tensor gAvg = state.buffers.computeIfAbsent("grad_avg", k -> Tensor.zerosLike(param));
            gAvg.mulInPlace(alpha).addInPlace(g, 1 - alpha);
            avg = v.sub(gAvg.square()).sqrt().add(group.getDouble("eps"));
        } else {
            avg = v.sqrt().add(group.getDouble("eps"));
        }
        double momentum = group.getDouble("momentum");
        if (momentum > 0) {
            Tensor buf = state.buffers.computeIfAbsent("momentum_buffer", k -> Tensor.zerosLike(param));
            buf.mulInPlace(momentum).addInPlace(g.div(avg));
            param.addInPlace(buf, -group.lr());
        } else {
            param.addInPlace(g.div(avg), -group.lr());
        }
    }
}
