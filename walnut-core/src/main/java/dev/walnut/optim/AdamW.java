package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, as PyTorch's
 * {@code torch.optim.AdamW}: first {@code p *= 1 - lr * weightDecay}, then the Adam update of
 * {@link Adam} without the L2 term. Default weightDecay is 0.01.
 *
 * <pre>{@code
 * var adamw = new AdamW(List.of(w, b), 1e-3);
 * var adamw2 = AdamW.builder().optLr(1e-3).optWeightDecay(0.1).build(List.of(w, b));
 * }</pre>
 */
public class AdamW extends Optimizer {

    /** AdamW over {@code params} with PyTorch's defaults (betas (0.9, 0.999), eps 1e-8, weightDecay 0.01). */
    public AdamW(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, Map.of())), builder().optLr(lr).options);
    }

    private AdamW(List<ParamGroup> groups, Map<String, Object> defaults) {
        super(groups, defaults);
        Adam.checkOptions("AdamW", defaults);
    }

    /** A builder with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0.01, no AMSGrad. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link AdamW}. */
    public static final class Builder extends Adam.AdamBuilder<Builder, AdamW> {
        Builder() {
            super(0.01);
        }

        @Override
        protected AdamW create(List<ParamGroup> groups, Map<String, Object> defaults) {
            return new AdamW(groups, defaults);
        }
    }

    @Override
    boolean fusedUpdate(Tensor param, Tensor grad, boolean maximize, ParamState state, ParamGroup group) {
        double wd = group.getDouble("weightDecay");
        return Adam.fusedAdam(param, grad, maximize, state, group, 0.0, wd != 0 ? 1 - group.lr() * wd : 1.0);
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, ParamGroup group) {
        double wd = group.getDouble("weightDecay");
        if (wd != 0) {
            param.mulInPlace(1 - group.lr() * wd);
        }
        Adam.adamUpdate(param, grad, state, group);
    }
}
