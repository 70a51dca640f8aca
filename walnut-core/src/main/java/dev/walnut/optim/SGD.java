package dev.walnut.optim;

import dev.walnut.Tensor;
import dev.walnut.internal.Kernels;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent following PyTorch's {@code torch.optim.SGD}: with
 * {@code g = grad + weightDecay * p}, the momentum buffer is {@code b = g} on the first step and
 * {@code b = momentum * b + (1 - dampening) * g} after; the update direction is
 * {@code g + momentum * b} with Nesterov, {@code b} otherwise, and {@code p -= lr * direction}.
 *
 * <pre>{@code
 * var sgd = new SGD(0.01);                       // seed style: sgd.step(params); sgd.zeroGrad(params);
 * var sgd2 = new SGD(model.parameters(), 0.1, 0.9);   // with momentum
 * var sgd3 = SGD.builder().optLr(0.1).optMomentum(0.9).optNesterov(true).build(params);
 * }</pre>
 */
public class SGD extends Optimizer {

    /** Plain SGD for the seed style. */
    public SGD(double lr) {
        this(List.of(), lr, 0.0, 0.0);
    }

    /** Plain SGD over {@code params}. */
    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0.0, 0.0);
    }

    /** SGD with momentum over {@code params}. */
    public SGD(List<Tensor> params, double lr, double momentum) {
        this(params, lr, momentum, 0.0);
    }

    /** SGD with momentum and L2 weight decay. */
    public SGD(List<Tensor> params, double lr, double momentum, double weightDecay) {
        this(List.of(new ParamGroup(params, Map.of())), builder().optLr(lr).optMomentum(momentum).optWeightDecay(weightDecay).options);
    }

    private SGD(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        checkNonNegative("SGD", "momentum", (Double) defaults.get("momentum"));
        checkNonNegative("SGD", "weightDecay", (Double) defaults.get("weightDecay"));
        if ((Boolean) defaults.get("nesterov")
                && ((Double) defaults.get("momentum") <= 0 || (Double) defaults.get("dampening") != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening");
        }
    }

    /** A builder with PyTorch's defaults: lr 1e-3, momentum 0, dampening 0, weightDecay 0, no Nesterov. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link SGD}. */
    public static final class Builder extends Optimizer.Builder<Builder, SGD> {
        Builder() {
            super(Map.of("lr", 1e-3, "momentum", 0.0, "dampening", 0.0, "weightDecay", 0.0, "nesterov", false));
        }

        /** Momentum factor. */
        public Builder optMomentum(double momentum) {
            return put("momentum", momentum);
        }

        /** Dampening of the momentum. */
        public Builder optDampening(double dampening) {
            return put("dampening", dampening);
        }

        /** Nesterov momentum. */
        public Builder optNesterov(boolean nesterov) {
            return put("nesterov", nesterov);
        }

        @Override
        protected SGD create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new SGD(groups, defaults);
        }
    }

    @Override
    boolean fusedUpdate(Tensor param, Tensor grad, boolean maximize, ParamState state, ParamGroup group) {
        double momentum = group.getDouble("momentum");
        Tensor buf = momentum != 0 ? state.buffers.get("momentum_buffer") : null;
        boolean first = momentum != 0 && buf == null;
        if (!Kernels.get().fusedUpdateApplies(param, grad, buf)) {
            return false;
        }
        if (first) {
            buf = Tensor.zerosLike(param);
            if (!Kernels.get().fusedUpdateApplies(param, grad, buf)) {
                return false;
            }
            state.buffers.put("momentum_buffer", buf);
        }
        Kernels.get().sgdUpdate(param, grad, maximize, group.getDouble("weightDecay"), momentum, group.getDouble("dampening"),
                group.getBoolean("nesterov"), buf, first, group.lr());
        return true;
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        Tensor g = withWeightDecay(grad, param, group);
        double momentum = group.getDouble("momentum");
        if (momentum != 0) {
            Tensor buf = state.buffers.get("momentum_buffer");
            if (buf == null) {
                buf = g.clone();
                state.buffers.put("momentum_buffer", buf);
            } else {
                buf.mulInPlace(momentum).addInPlace(g, 1 - group.getDouble("dampening"));
            }
            g = group.getBoolean("nesterov") ? g.add(buf, momentum) : buf;
        }
        param.addInPlace(g, -group.lr());
    }
}
