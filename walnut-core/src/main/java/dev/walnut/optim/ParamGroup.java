package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A group of parameters sharing hyper-parameters, as PyTorch's {@code optimizer.param_groups}:
 * the parameters plus an options map keyed by the PyTorch option names in Java casing
 * ({@code lr}, {@code momentum}, {@code weightDecay}, {@code beta1}, ...). Options not given
 * when the group is added are filled from the optimizer's defaults.
 *
 * <pre>{@code
 * var sgd = SGD.builder().optLr(0.1).optMomentum(0.9).build(List.of(weight));
 * sgd.addParamGroup(List.of(bias), Map.of("lr", 0.01));   // bias: lr 0.01, momentum 0.9
 * sgd.paramGroups().get(1).setLr(0.02);
 * }</pre>
 */
public final class ParamGroup {
    private final List<Tensor> params;
    private final Map<String, Object> options;

    /** A group of {@code params} with the given option overrides (may be empty). */
    public ParamGroup(List<Tensor> params, Map<String, ?> options) {
        this.params = new ArrayList<>(params);
        this.options = new LinkedHashMap<>(options);
    }

    /** The parameters of this group, in order. */
    public List<Tensor> params() {
        return List.copyOf(params);
    }

    /** The options (live view: schedules and users may change them between steps). */
    public Map<String, Object> options() {
        return options;
    }

    /** The learning rate of this group. */
    public double lr() {
        return getDouble("lr");
    }

    /** Sets this group's learning rate for the following steps. */
    public void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("setLr: invalid learning rate " + lr);
        }
        options.put("lr", lr);
    }

    /** A numeric option. */
    public double getDouble(String name) {
        Object v = require(name);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("param group option '" + name + "' is " + v + ", not a number");
        }
        return n.doubleValue();
    }

    /** A boolean option. */
    public boolean getBoolean(String name) {
        Object v = require(name);
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("param group option '" + name + "' is " + v + ", not a boolean");
        }
        return b;
    }

    /** Sets an option. */
    public void set(String name, Object value) {
        options.put(name, value);
    }

    List<Tensor> paramsView() {
        return params;
    }

    private Object require(String name) {
        Object v = options.get(name);
        if (v == null) {
            throw new IllegalArgumentException("param group has no option '" + name + "' (options: " + options.keySet() + ")");
        }
        return v;
    }
}
