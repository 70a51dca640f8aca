package dev.walnut.optim;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.internal.OptimizerInternals;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base class of the optimizers. Two styles are supported: the gradient-tape guide's, with the
 * parameters passed to every call, and PyTorch's, with the parameters given at construction in
 * one or more {@link ParamGroup parameter groups}.
 *
 * <pre>{@code
 * var opt = new SGD(0.01);                           // seed style
 * for (int epoch = 0; epoch < 100; epoch++) {
 *     Tensor loss = input.matmul(weight).mean(new int[] {}, false);
 *     Autograd.computeGradients(loss);
 *     opt.step(List.of(weight));
 *     opt.zeroGrad(List.of(weight));                 // zeroes grads AND clears context 0's tape
 * }
 *
 * var adam = new Adam(List.of(w, b), 1e-3);          // PyTorch style
 * adam.step();
 * adam.zeroGrad(true);                               // torch's default: grads become null
 * var sgd = SGD.builder().optLr(0.1).optMomentum(0.9).optNesterov(true).build(List.of(w));
 * }</pre>
 *
 * <p>{@code zeroGrad} clears only the tape of gradient context 0 (the guide's rule): inside a
 * custom {@link dev.walnut.autograd.GradientContext} also call {@code Autograd.clearTape()}.
 * Per-parameter state (momentum buffers, step counts) is keyed by parameter identity. In the seed
 * style, {@code step(params)} uses the hyper-parameters of the first group (which holds no
 * parameters). Every optimizer supports {@code maximize}: the gradient is negated before
 * anything else, as in PyTorch.
 */
public abstract class Optimizer {
    private final List<ParamGroup> groups = new ArrayList<>();
    private final Map<String, Object> defaults;
    private final Map<Tensor, ParamState> state = new IdentityHashMap<>();

    static {
        // Compiled training steps (dev.walnut.graph) read and advance the same state as step().
        OptimizerInternals.register(new OptimizerInternals() {
            @Override
            public long step(Object optimizer, Tensor p) {
                Optimizer o = (Optimizer) optimizer;
                ParamState s = o.state.get(p);
                return s == null ? 0 : s.step;
            }

            @Override
            public Map<String, Tensor> buffers(Object optimizer, Tensor p) {
                Optimizer o = (Optimizer) optimizer;
                return o.state.computeIfAbsent(p, k -> new ParamState()).buffers;
            }

            @Override
            public void setStep(Object optimizer, Tensor p, long step) {
                Optimizer o = (Optimizer) optimizer;
                o.state.computeIfAbsent(p, k -> new ParamState()).step = step;
            }
        });
    }

    /** Per-parameter state: named buffers, named scalars and the step count. */
    protected static final class ParamState {
        /** Number of updates applied to this parameter so far. */
        public long step;
        /** Named buffers such as {@code exp_avg}; created on first use. */
        public final Map<String, Tensor> buffers = new LinkedHashMap<>();
        /** Named scalar state such as NAdam's {@code mu_product}. */
        public final Map<String, Double> scalars = new LinkedHashMap<>();
    }

    /** For the seed style: parameters are passed to {@link #step(List)} and {@link #zeroGrad(List)}. */
    protected Optimizer(double lr) {
        this(List.of(), lr);
    }

    /** For PyTorch style: the parameters this optimizer updates, with only a learning rate as option. */
    protected Optimizer(List<Tensor> params, double lr) {
        this(List.of(new ParamGroup(params, Map.of())), Map.of("lr", lr, "maximize", false));
    }

    /**
     * An optimizer over {@code groups}; options missing from a group are taken from
     * {@code defaults}, which must hold {@code lr}.
     */
    protected Optimizer(List<ParamGroup> groups, Map<String, Object> defaults) {
        this.defaults = new LinkedHashMap<>(defaults);
        this.defaults.putIfAbsent("maximize", false);
        checkLr(getClass().getSimpleName(), this.defaults.get("lr"));
        if (groups.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": at least one parameter group is needed");
        }
        for (ParamGroup g : groups) {
            addParamGroup(g);
        }
    }

    /** The default options of new parameter groups (a copy). */
    public Map<String, Object> defaults() {
        return new LinkedHashMap<>(defaults);
    }

    /** The parameter groups (live objects: changing their options affects the following steps). */
    public List<ParamGroup> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /** Adds a group of {@code params} whose options are {@code options} over the defaults. */
    public ParamGroup addParamGroup(List<Tensor> params, Map<String, ?> options) {
        return addParamGroup(new ParamGroup(params, options));
    }

    /** Adds {@code group}, filling its missing options from the defaults. */
    public ParamGroup addParamGroup(ParamGroup group) {
        String name = getClass().getSimpleName();
        for (String key : group.options().keySet()) {
            if (!defaults.containsKey(key) && !key.equals("initialLr")) {
                throw new IllegalArgumentException(name + ": unknown option '" + key + "' (known: " + defaults.keySet() + ")");
            }
        }
        for (var e : defaults.entrySet()) {
            group.options().putIfAbsent(e.getKey(), e.getValue());
        }
        checkLr(name, group.options().get("lr"));
        for (Tensor p : group.paramsView()) {
            if (!p.isLeaf()) {
                throw new IllegalArgumentException(name + ": can't optimize a non-leaf tensor "
                        + "(it was produced by " + p.gradFn().name() + "); optimize the leaf parameters");
            }
            for (ParamGroup other : groups) {
                for (Tensor q : other.paramsView()) {
                    if (q == p) {
                        throw new IllegalArgumentException(name + ": a parameter appears in more than one group");
                    }
                }
            }
        }
        groups.add(group);
        return group;
    }

    /** The learning rate of the first group. */
    public double lr() {
        return groups.get(0).lr();
    }

    /** Sets the learning rate of every group for the following steps. */
    public void setLr(double lr) {
        for (ParamGroup g : groups) {
            g.setLr(lr);
        }
    }

    /** The parameters given at construction or added in groups, in group order (empty in the seed style). */
    public List<Tensor> parameters() {
        List<Tensor> all = new ArrayList<>();
        for (ParamGroup g : groups) {
            all.addAll(g.paramsView());
        }
        return List.copyOf(all);
    }

    /** Updates the parameters of every group. */
    public void step() {
        requireParams("step");
        try (var off = Autograd.noGrad()) {
            for (ParamGroup g : groups) {
                stepGroup(g.paramsView(), g);
            }
        }
    }

    /** Updates {@code params} from their gradients with the first group's options, without recording on any tape. Parameters without a gradient are skipped. */
    public void step(List<Tensor> params) {
        try (var off = Autograd.noGrad()) {
            stepGroup(params, groups.get(0));
        }
    }

    private void stepGroup(List<Tensor> params, ParamGroup group) {
        boolean maximize = group.getBoolean("maximize");
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g == null) {
                continue;
            }
            ParamState s = state.computeIfAbsent(p, k -> new ParamState());
            s.step++;
            if (fusedUpdate(p, g, maximize, s, group)) {
                continue;
            }
            Tensor grad = g.detach();
            update(p, maximize ? grad.neg() : grad, s, group);
        }
    }

    /**
     * The same update as {@link #update} in one pass, where this optimizer has such a path and the
     * tensors allow it (the back end's fused updates, {@code Kernels.sgdUpdate} and
     * {@code adamUpdate}); false to fall back to {@code update}. {@code grad} is not yet negated under {@code maximize}.
     */
    boolean fusedUpdate(Tensor param, Tensor grad, boolean maximize, ParamState state, ParamGroup group) {
        return false;
    }

    /**
     * Zeroes the gradients of every group's parameters in place and clears context 0's tape.
     * Unlike PyTorch, whose {@code zero_grad()} defaults to {@code set_to_none=True}, the no-arg
     * form keeps the gradient tensors (filled with zeros; a null gradient stays null); call
     * {@link #zeroGrad(boolean) zeroGrad(true)} for PyTorch's default.
     *
     * <pre>{@code
     * opt.step();
     * opt.zeroGrad();          // w.grad() is now all zeros
     * }</pre>
     */
    public void zeroGrad() {
        zeroGrad(false);
    }

    /**
     * PyTorch's {@code zero_grad(set_to_none)} for every group's parameters: with
     * {@code setToNone} the gradients become null (PyTorch's default, which saves memory and
     * lets the next backward allocate fresh ones), otherwise they are zeroed in place. Either way
     * context 0's tape is cleared (DESIGN §4.1).
     *
     * <pre>{@code
     * opt.zeroGrad(true);      // w.grad() == null, as after torch's opt.zero_grad()
     * }</pre>
     */
    public void zeroGrad(boolean setToNone) {
        zeroGrad(requireParams("zeroGrad"), setToNone);
    }

    /**
     * Zeroes the gradients of {@code params} in place and clears context 0's tape (only context
     * 0's); the seed style's form of {@link #zeroGrad()}.
     *
     * <pre>{@code
     * opt.zeroGrad(List.of(weight));
     * }</pre>
     */
    public void zeroGrad(List<Tensor> params) {
        zeroGrad(params, false);
    }

    /**
     * {@link #zeroGrad(boolean)} for {@code params} (seed style): sets their gradients to null
     * or zeroes them in place, then clears context 0's tape.
     *
     * <pre>{@code
     * opt.zeroGrad(List.of(weight), true);   // weight.grad() == null
     * }</pre>
     */
    public void zeroGrad(List<Tensor> params, boolean setToNone) {
        for (Tensor p : params) {
            if (setToNone) {
                p.setGrad(null);
            } else {
                p.zeroGrad();
            }
        }
        Autograd.clearDefaultContextTape();
    }

    /**
     * The optimizer state as plain Java data, laid out like PyTorch's: {@code "state"} maps the
     * index of a parameter (its position across the groups, in order) to a map of its step
     * ({@code "step"}, a Long), buffers (copies, as Tensors) and scalars (Doubles);
     * {@code "param_groups"} is a list of option maps, each with {@code "params"}, the list of its
     * parameters' indices. Only the parameters held in groups are saved (not seed-style ones).
     */
    public Map<String, Object> stateDict() {
        Map<Integer, Map<String, Object>> st = new LinkedHashMap<>();
        List<Map<String, Object>> gs = new ArrayList<>();
        int index = 0;
        for (ParamGroup g : groups) {
            List<Integer> ids = new ArrayList<>();
            for (Tensor p : g.paramsView()) {
                ParamState s = state.get(p);
                if (s != null) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("step", s.step);
                    try (var off = Autograd.noGrad()) {
                        s.buffers.forEach((k, v) -> m.put(k, v.clone()));
                    }
                    m.putAll(s.scalars);
                    st.put(index, m);
                }
                ids.add(index++);
            }
            Map<String, Object> opts = new LinkedHashMap<>(g.options());
            opts.put("params", ids);
            gs.add(opts);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", st);
        out.put("param_groups", gs);
        return out;
    }

    /**
     * Restores the state saved by {@link #stateDict()} into this optimizer, whose groups must have
     * the same sizes; the group options (learning rates included) are restored too, and the
     * following steps continue the saved trajectory exactly.
     */
    @SuppressWarnings("unchecked")
    public void loadStateDict(Map<String, Object> stateDict) {
        String name = getClass().getSimpleName();
        var gs = (List<Map<String, Object>>) stateDict.get("param_groups");
        var st = (Map<Integer, Map<String, Object>>) stateDict.get("state");
        if (gs == null || st == null) {
            throw new IllegalArgumentException(name + ".loadStateDict: expected keys 'state' and 'param_groups', got "
                    + stateDict.keySet());
        }
        if (gs.size() != groups.size()) {
            throw new IllegalArgumentException(name + ".loadStateDict: the state has " + gs.size()
                    + " parameter groups, this optimizer " + groups.size());
        }
        Map<Integer, Tensor> byIndex = new LinkedHashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            List<Integer> ids = (List<Integer>) gs.get(i).get("params");
            List<Tensor> ps = groups.get(i).paramsView();
            if (ids.size() != ps.size()) {
                throw new IllegalArgumentException(name + ".loadStateDict: group " + i + " has " + ids.size()
                        + " parameters in the state, " + ps.size() + " in this optimizer");
            }
            for (int j = 0; j < ids.size(); j++) {
                byIndex.put(ids.get(j), ps.get(j));
            }
        }
        for (int i = 0; i < groups.size(); i++) {
            for (var e : gs.get(i).entrySet()) {
                if (!e.getKey().equals("params")) {
                    groups.get(i).options().put(e.getKey(), e.getValue());
                }
            }
        }
        state.clear();
        try (var off = Autograd.noGrad()) {
            for (var e : st.entrySet()) {
                Tensor p = byIndex.get(e.getKey());
                if (p == null) {
                    throw new IllegalArgumentException(name + ".loadStateDict: state for unknown parameter index " + e.getKey());
                }
                ParamState s = new ParamState();
                for (var kv : e.getValue().entrySet()) {
                    Object v = kv.getValue();
                    if (kv.getKey().equals("step")) {
                        s.step = ((Number) v).longValue();
                    } else if (v instanceof Tensor t) {
                        if (!java.util.Arrays.equals(t.shape(), p.shape())) {
                            throw new IllegalArgumentException(name + ".loadStateDict: buffer '" + kv.getKey() + "' of parameter "
                                    + e.getKey() + " has shape " + java.util.Arrays.toString(t.shape()) + ", the parameter "
                                    + java.util.Arrays.toString(p.shape()));
                        }
                        s.buffers.put(kv.getKey(), t.clone());
                    } else if (v instanceof Number n) {
                        s.scalars.put(kv.getKey(), n.doubleValue());
                    }
                }
                state.put(p, s);
            }
        }
    }

    /** The state of {@code param}, or null before its first step. */
    protected ParamState state(Tensor param) {
        return state.get(param);
    }

    /**
     * Applies one update to {@code param} in place (grad mode is off) with {@code group}'s
     * options. {@code grad} is already negated under {@code maximize}. {@code state.step} has
     * already been incremented, so it is 1 on the first call.
     */
    protected abstract void update(Tensor param, Tensor grad, ParamState state, ParamGroup group);

    /** {@code grad + weightDecay * param} (PyTorch's L2 penalty), or {@code grad} when the decay is 0. */
    protected static Tensor withWeightDecay(Tensor grad, Tensor param, ParamGroup group) {
        double wd = group.getDouble("weightDecay");
        return wd != 0 ? grad.add(param, wd) : grad;
    }

    /** Throws unless {@code value} is a number in [0, infinity) (for hyper-parameter checks). */
    /** {@link #checkNonNegative} for every numeric option but the learning rate (checked separately). */
    protected static void checkNonNegativeOptions(String owner, Map<String, Object> defaults) {
        for (var e : defaults.entrySet()) {
            if (e.getValue() instanceof Double d && !e.getKey().equals("lr")) {
                checkNonNegative(owner, e.getKey(), d);
            }
        }
    }

    /** Rejects a negative, infinite or NaN option with a message naming the optimizer and option. */
    protected static void checkNonNegative(String owner, String option, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(owner + ": " + option + " must be >= 0 and finite, got " + value);
        }
    }

    private static void checkLr(String owner, Object lr) {
        if (!(lr instanceof Number n) || !(n.doubleValue() >= 0) || Double.isInfinite(n.doubleValue())) {
            throw new IllegalArgumentException(owner + ": invalid learning rate " + lr);
        }
    }

    private List<Tensor> requireParams(String op) {
        List<Tensor> all = parameters();
        if (all.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + "." + op + "(): this optimizer was created "
                    + "without parameters; pass them to " + op + "(params) or to the constructor");
        }
        return all;
    }

    /**
     * Base of the optimizer builders (DJL's convention: optional settings are {@code optX}, with
     * PyTorch's defaults). {@code build(params)} makes a PyTorch-style optimizer, {@code build()}
     * a seed-style one, {@code buildWithGroups(groups)} one with several parameter groups.
     */
    public abstract static class Builder<B extends Builder<B, O>, O extends Optimizer> {
        /** The default options being built. */
        protected final Map<String, Object> options = new LinkedHashMap<>();

        /** A builder starting from {@code defaults}. */
        protected Builder(Map<String, Object> defaults) {
            options.putAll(defaults);
            options.put("maximize", false);
        }

        /** Sets an option and returns this builder. */
        @SuppressWarnings("unchecked")
        protected B put(String name, Object value) {
            options.put(name, value);
            return (B) this;
        }

        /** The learning rate. */
        public B optLr(double lr) {
            return put("lr", lr);
        }

        /** L2 weight decay (decoupled for AdamW). */
        public B optWeightDecay(double weightDecay) {
            return put("weightDecay", weightDecay);
        }

        /** Maximizes the objective instead of minimizing it. */
        public B optMaximize(boolean maximize) {
            return put("maximize", maximize);
        }

        /** Creates the optimizer over {@code groups} with the built defaults. */
        protected abstract O create(List<ParamGroup> groups, Map<String, Object> defaults);

        /** An optimizer over {@code params} (PyTorch style). */
        public O build(List<Tensor> params) {
            return create(List.of(new ParamGroup(params, Map.of())), options);
        }

        /** An optimizer without parameters (seed style: pass them to {@code step(params)}). */
        public O build() {
            return build(List.of());
        }

        /** An optimizer over several parameter groups, each with its own option overrides. */
        public O buildWithGroups(List<ParamGroup> groups) {
            return create(groups, options);
        }
    }
}
