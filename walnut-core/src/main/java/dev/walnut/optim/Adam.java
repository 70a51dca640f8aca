package dev.walnut.optim;

import dev.walnut.Tensor;
import dev.walnut.internal.Kernels;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba), with PyTorch's exact update: per parameter, with step count {@code t}
 * starting at 1 and {@code g = grad + weightDecay * p} (L2 penalty),
 * <pre>
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * vmax = max(vmax, v)                       (amsgrad only; then vmax replaces v below)
 * p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * The bias corrections are applied once, in the step size and the denominator.
 *
 * <pre>{@code
 * var adam = new Adam(0.001, 0.9, 0.999, 1e-8);      // seed style
 * var adam2 = new Adam(List.of(w, b), 1e-3);          // PyTorch style, default betas and eps
 * var adam3 = Adam.builder().optLr(1e-3).optAmsgrad(true).build(List.of(w, b));
 * }</pre>
 */
public class Adam extends Optimizer {

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
        this(List.of(new ParamGroup(params, Map.of())),
                builder().optLr(lr).optBetas(beta1, beta2).optEps(eps).optWeightDecay(weightDecay).options);
    }

    private Adam(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        checkOptions("Adam", defaults);
    }

    static void checkOptions(String name, Map<String, Object> defaults) {
        double beta1 = (Double) defaults.get("beta1");
        double beta2 = (Double) defaults.get("beta2");
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException(name + ": betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        double eps = (Double) defaults.get("eps");
        double weightDecay = (Double) defaults.get("weightDecay");
        if (eps < 0 || weightDecay < 0) {
            throw new IllegalArgumentException(name + ": eps and weightDecay must be >= 0, got " + eps + " and " + weightDecay);
        }
    }

    /** A builder with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0, no AMSGrad. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link Adam}. */
    public static final class Builder extends AdamBuilder<Builder, Adam> {
        Builder() {
            super(0.0);
        }

        @Override
        protected Adam create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new Adam(groups, defaults);
        }
    }

    /** Options shared by the builders of {@link Adam} and {@link AdamW}. */
    public abstract static class AdamBuilder<B extends AdamBuilder<B, O>, O extends Optimizer> extends Optimizer.Builder<B, O> {
        AdamBuilder(double weightDecay) {
            super(Map.of("lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", weightDecay,
                    "amsgrad", false));
        }

        /** The decay rates of the first and second moment estimates. */
        public B optBetas(double beta1, double beta2) {
            put("beta1", beta1);
            return put("beta2", beta2);
        }

        /** Added to the denominator for numerical stability. */
        public B optEps(double eps) {
            return put("eps", eps);
        }

        /** AMSGrad: use the running maximum of the second moment. */
        public B optAmsgrad(boolean amsgrad) {
            return put("amsgrad", amsgrad);
        }
    }

    @Override
    boolean fusedUpdate(Tensor param, Tensor grad, boolean maximize, ParamState state, ParamGroup group) {
        return fusedAdam(param, grad, maximize, state, group, group.getDouble("weightDecay"), 1.0);
    }

    /**
     * the back end's fused Adam update ({@code Kernels.adamUpdate}) with the state buffers of {@link #adamUpdate}; false (nothing
     * changed) when the tensors do not allow the fused path. Shared with {@link AdamW}.
     */
    static boolean fusedAdam(Tensor param, Tensor grad, boolean maximize, ParamState state, ParamGroup group,
                             double l2, double decay) {
        boolean amsgrad = group.getBoolean("amsgrad");
        if (!Kernels.get().fusedUpdateApplies(param, grad, state.buffers.get("exp_avg"), state.buffers.get("exp_avg_sq"),
                amsgrad ? state.buffers.get("max_exp_avg_sq") : null)) {
            return false;
        }
        Tensor m = state.buffers.computeIfAbsent("exp_avg", k -> Tensor.zerosLike(param));
        Tensor v = state.buffers.computeIfAbsent("exp_avg_sq", k -> Tensor.zerosLike(param));
        Tensor vmax = amsgrad ? state.buffers.computeIfAbsent("max_exp_avg_sq", k -> Tensor.zerosLike(param)) : null;
        if (!Kernels.get().fusedUpdateApplies(param, grad, m, v, vmax)) {
            return false; // zerosLike of a contiguous F32/F64 parameter is contiguous, so not reached in practice
        }
        double beta1 = group.getDouble("beta1");
        double beta2 = group.getDouble("beta2");
        double bias1 = 1 - Math.pow(beta1, state.step);
        double bias2 = 1 - Math.pow(beta2, state.step);
        Kernels.get().adamUpdate(param, grad, maximize, l2, decay, m, v, vmax, beta1, beta2, group.getDouble("eps"),
                group.lr() / bias1, Math.sqrt(bias2));
        return true;
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        adamUpdate(param, withWeightDecay(grad, param, group), state, group);
    }

    /** The Adam update from gradient {@code g} (weight decay already applied); shared with {@link AdamW}. */
    static void adamUpdate(Tensor param, Tensor g, ParamState state, ParamGroup group) {
        double lr = group.lr();
        double beta1 = group.getDouble("beta1");
        double beta2 = group.getDouble("beta2");
        Tensor m = state.buffers.computeIfAbsent("exp_avg", k -> Tensor.zerosLike(param));
        Tensor v = state.buffers.computeIfAbsent("exp_avg_sq", k -> Tensor.zerosLike(param));
        m.mulInPlace(beta1).addInPlace(g, 1 - beta1);
        v.mulInPlace(beta2).addInPlace(g.square(), 1 - beta2);
        if (group.getBoolean("amsgrad")) {
            Tensor vmax = state.buffers.computeIfAbsent("max_exp_avg_sq", k -> Tensor.zerosLike(param));
            vmax.copyInPlace(vmax.maximum(v));
            v = vmax;
        }
        double bias1 = 1 - Math.pow(beta1, state.step);
        double bias2 = 1 - Math.pow(beta2, state.step);
        double stepSize = lr / bias1;
        Tensor denom = v.sqrt().div(Math.sqrt(bias2)).add(group.getDouble("eps"));
        param.addInPlace(m.div(denom), -stepSize);
    }
}
