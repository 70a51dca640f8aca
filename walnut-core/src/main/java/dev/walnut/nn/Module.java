package dev.walnut.nn;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Base class of all layers and models: a tree of sub-modules holding parameters and buffers.
 *
 * <p><b>What is found.</b> A module's direct entries are, in this order: everything registered
 * explicitly with {@link #registerParameter}, {@link #registerBuffer} and {@link #registerModule}
 * (registration order), then the instance fields of its subclasses in declaration order
 * (superclass fields first), read reflectively at every query so a reassigned field is seen:
 * <ul>
 * <li>a {@link Module} field is a child named after the field;</li>
 * <li>a {@code List} field whose elements are modules is a child {@link ModuleList} named after
 * the field (so its parameters are {@code field.0.weight}), a {@code Map<String, ?>} of modules a
 * {@link ModuleDict};</li>
 * <li>a {@link Tensor} field is a parameter <em>only if it requires grad</em>; other tensors are
 * plain state and must be {@link #registerBuffer registered as buffers} to be saved;</li>
 * <li>{@code static} and {@code transient} fields are never looked at ({@code transient} is the
 * opt-out), nor is a field whose value is already registered explicitly.</li>
 * </ul>
 * Private fields are fine for classes on the class path (the unnamed module is open to
 * reflection); in a named JPMS module the package must be {@code opens}ed to {@code walnut.core},
 * or the entries registered explicitly, else a clear {@link IllegalStateException} says so.
 *
 * <p><b>Inputs.</b> Single-input modules override {@link #forward(Tensor)}; modules with several
 * inputs (losses take input and target) override {@link #forward(Tensor...)}, whose default
 * requires exactly one tensor and calls {@code forward(Tensor)}.
 *
 * <pre>{@code
 * class Mlp extends Module {
 *     private final Linear fc1 = new Linear(4, 8);
 *     private final Linear fc2 = new Linear(8, 2);
 *     public Tensor forward(Tensor x) { return fc2.forward(fc1.forward(x).relu()); }
 * }
 * new Mlp().namedParameters().keySet();   // [fc1.weight, fc1.bias, fc2.weight, fc2.bias]
 * }</pre>
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistent = new LinkedHashSet<>();
    private final Map<String, Module> modules = new LinkedHashMap<>();
    // Wrappers for List/Map fields, keyed by the collection's identity so names stay stable.
    private final Map<Object, Module> collectionViews = new IdentityHashMap<>();
    private boolean training = true;

    /** Applies the module to one input. Single-input modules override this. */
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException(getClass().getSimpleName()
                + " takes several inputs; call forward(Tensor...) instead");
    }

    /**
     * Applies the module to several inputs. The default accepts exactly one input and delegates to
     * {@link #forward(Tensor)}; multi-input modules (e.g. losses: input, target) override it.
     */
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".forward: expected 1 input, got "
                    + inputs.length);
        }
        return forward(inputs[0]);
    }

    // ------------------------------------------------------------------ registration

    /** Registers {@code tensor} as a parameter (sets requiresGrad) and returns it; null records "no such parameter". */
    protected Tensor registerParameter(String name, Tensor tensor) {
        checkName(name);
        if (tensor != null && !tensor.requiresGrad()) {
            tensor.setRequiresGrad(true);
        }
        parameters.put(name, tensor);
        return tensor;
    }

    /** Registers a persistent buffer (saved in the state dict, not trained) and returns it. */
    protected Tensor registerBuffer(String name, Tensor tensor) {
        return registerBuffer(name, tensor, true);
    }

    /** Registers a buffer; a non-persistent one is left out of {@link #stateDict()}. */
    protected Tensor registerBuffer(String name, Tensor tensor, boolean persistent) {
        checkName(name);
        buffers.put(name, tensor);
        if (persistent) {
            nonPersistent.remove(name);
        } else {
            nonPersistent.add(name);
        }
        return tensor;
    }

    /** Registers a child module and returns it. */
    protected <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        modules.put(name, module);
        return module;
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("Module: names must be non-empty and contain no '.', got \"" + name + "\"");
        }
    }

    // ------------------------------------------------------------------ discovery

    private record Entries(Map<String, Tensor> parameters, Map<String, Tensor> buffers, Map<String, Module> children) {
    }

    private Entries entries() {
        Map<String, Tensor> params = new LinkedHashMap<>();
        parameters.forEach((k, v) -> {
            if (v != null) {
                params.put(k, v);
            }
        });
        Map<String, Module> children = new LinkedHashMap<>(containerChildren());
        children.putAll(modules);
        Set<Object> known = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        known.addAll(parameters.values());
        known.addAll(buffers.values());
        known.addAll(modules.values());
        known.addAll(children.values());
        for (Field f : instanceFields(getClass())) {
            Object value = read(f);
            if (value == null || known.contains(value)) {
                continue;
            }
            String name = f.getName();
            if (value instanceof Module m) {
                children.putIfAbsent(name, m);
            } else if (value instanceof Tensor t) {
                if (t.requiresGrad()) {
                    params.putIfAbsent(name, t);
                }
            } else if (value instanceof List<?> list && !list.isEmpty()
                    && list.stream().allMatch(e -> e instanceof Module)) {
                children.putIfAbsent(name, collectionViews.computeIfAbsent(list, l -> ModuleList.view(list)));
            } else if (value instanceof Map<?, ?> map && !map.isEmpty()
                    && map.values().stream().allMatch(e -> e instanceof Module)
                    && map.keySet().stream().allMatch(k -> k instanceof String)) {
                children.putIfAbsent(name, collectionViews.computeIfAbsent(map, mm -> ModuleDict.view(map)));
            }
            known.add(value);
        }
        return new Entries(params, buffers, children);
    }

    /** Children held by a container (named by index or key), listed before everything else. */
    Map<String, Module> containerChildren() {
        return Map.of();
    }

    private static List<Field> instanceFields(Class<?> cls) {
        List<Field> out = new ArrayList<>();
        if (cls == null || cls == Module.class || !Module.class.isAssignableFrom(cls)) {
            return out;
        }
        out.addAll(instanceFields(cls.getSuperclass()));
        for (Field f : cls.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) || Modifier.isTransient(mod) || f.isSynthetic()) {
                continue;
            }
            Class<?> type = f.getType();
            if (Module.class.isAssignableFrom(type) || Tensor.class.isAssignableFrom(type)
                    || List.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type)
                    || type == Object.class) {
                out.add(f);
            }
        }
        return out;
    }

    private Object read(Field f) {
        try {
            if (!f.canAccess(this) && !f.trySetAccessible()) {
                throw new IllegalStateException("Module: cannot read field " + f.getDeclaringClass().getName() + "."
                        + f.getName() + " reflectively; open its package to walnut.core, make the field public, "
                        + "or register it with registerParameter/registerModule");
            }
            return f.get(this);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Module: cannot read field " + f.getName(), e);
        }
    }

    // ------------------------------------------------------------------ queries

    /** Direct children with their names, in discovery order. */
    public Map<String, Module> namedChildren() {
        return entries().children();
    }

    /** Direct children in discovery order. */
    public List<Module> children() {
        return new ArrayList<>(namedChildren().values());
    }

    /** This module and all descendants, depth first, each module once. */
    public List<Module> modules() {
        return new ArrayList<>(namedModules().values());
    }

    /** This module (name "") and all descendants with dotted names, depth first, each once. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        Set<Module> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        collectModules("", this, out, seen);
        return out;
    }

    private static void collectModules(String prefix, Module m, Map<String, Module> out, Set<Module> seen) {
        if (!seen.add(m)) {
            return;
        }
        out.put(prefix, m);
        m.namedChildren().forEach((name, child) -> collectModules(prefix.isEmpty() ? name : prefix + "." + name,
                child, out, seen));
    }

    /** Parameters of the whole tree with dotted names ({@code encoder.0.weight}); a shared tensor appears once. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        namedModules().forEach((prefix, m) -> m.entries().parameters().forEach((name, p) -> {
            if (seen.add(p)) {
                out.put(prefix.isEmpty() ? name : prefix + "." + name, p);
            }
        }));
        return out;
    }

    /** All parameters of the tree, in {@link #namedParameters()} order. */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Buffers of the whole tree with dotted names. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedModules().forEach((prefix, m) -> m.buffers.forEach((name, b) -> {
            if (b != null) {
                out.put(prefix.isEmpty() ? name : prefix + "." + name, b);
            }
        }));
        return out;
    }

    /** All buffers of the tree. */
    public List<Tensor> buffers() {
        return new ArrayList<>(namedBuffers().values());
    }

    // ------------------------------------------------------------------ state dict

    /**
     * Parameters and persistent buffers of the tree by dotted name, module by module (each module's
     * parameters, then its buffers). The values share storage with the module (detached views).
     */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        namedModules().forEach((prefix, m) -> {
            String p = prefix.isEmpty() ? "" : prefix + ".";
            m.entries().parameters().forEach((name, t) -> out.putIfAbsent(p + name, t.detach()));
            m.buffers.forEach((name, t) -> {
                if (t != null && !m.nonPersistent.contains(name)) {
                    out.put(p + name, t.detach());
                }
            });
        });
        return out;
    }

    /** What a non-strict {@link #loadStateDict(Map, boolean)} did not match. */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
    }

    /** {@link #loadStateDict(Map, boolean)} with {@code strict = true}. */
    public LoadResult loadStateDict(Map<String, Tensor> state) {
        return loadStateDict(state, true);
    }

    /**
     * Copies {@code state} into this module's parameters and buffers in place (without recording
     * a graph; values are converted to each target's dtype).
     *
     * @param strict when true, missing or unexpected keys are an error; when false they are
     *     returned in the {@link LoadResult} and the matching keys are still loaded
     * @throws IllegalArgumentException naming every missing and unexpected key (strict), or every
     *     shape mismatch (always); nothing is copied when it throws
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                mismatched.add("size mismatch for " + e.getKey() + ": copying a tensor of shape "
                        + Arrays.toString(src.shape()) + ", the shape in the current model is "
                        + Arrays.toString(e.getValue().shape()));
            }
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        List<String> problems = new ArrayList<>();
        if (strict && !missing.isEmpty()) {
            problems.add("Missing key(s) in state_dict: " + String.join(", ", missing) + ".");
        }
        if (strict && !unexpected.isEmpty()) {
            problems.add("Unexpected key(s) in state_dict: " + String.join(", ", unexpected) + ".");
        }
        problems.addAll(mismatched);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + getClass().getSimpleName()
                    + ":\n\t" + String.join("\n\t", problems));
        }
        Autograd.noGrad(() -> own.forEach((k, target) -> {
            Tensor src = state.get(k);
            if (src != null) {
                target.copyInPlace(src);
            }
        }));
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    // ------------------------------------------------------------------ modes and utilities

    /** Puts this module and all descendants in training mode; returns this. */
    public Module train() {
        return train(true);
    }

    /** Sets training mode on this module and all descendants; returns this. */
    public Module train(boolean mode) {
        for (Module m : modules()) {
            m.training = mode;
        }
        return this;
    }

    /** Puts this module and all descendants in evaluation mode; returns this. */
    public Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode (each module has its own flag). */
    public boolean isTraining() {
        return training;
    }

    /**
     * Clears the gradient of every parameter of the tree: sets it to null, like PyTorch's
     * default {@code module.zero_grad()} ({@code set_to_none=True}). Same as
     * {@link #zeroGrad(boolean) zeroGrad(true)}. Unlike {@code Optimizer.zeroGrad}, it does not
     * clear any tape.
     *
     * <pre>{@code
     * model.zeroGrad();        // every p.grad() == null
     * }</pre>
     */
    public void zeroGrad() {
        zeroGrad(true);
    }

    /**
     * PyTorch's {@code module.zero_grad(set_to_none)}: with {@code setToNone} every parameter's
     * gradient becomes null, otherwise existing gradients are zeroed in place (null ones stay
     * null).
     *
     * <pre>{@code
     * model.zeroGrad(false);   // gradients kept, filled with zeros
     * }</pre>
     */
    public void zeroGrad(boolean setToNone) {
        for (Tensor p : parameters()) {
            if (setToNone) {
                p.setGrad(null);
            } else {
                p.zeroGrad();
            }
        }
    }

    /** Calls {@code fn} on every descendant, children before parents, then on this module; returns this. */
    public Module apply(Consumer<Module> fn) {
        for (Module child : children()) {
            child.apply(fn);
        }
        fn.accept(this);
        return this;
    }

    /**
     * Converts every parameter and buffer of the tree to {@code dtype}, replacing the tensors (and
     * the fields holding them) with converted leaves; parameters keep requiring grad. Returns this.
     */
    public Module to(DType dtype) {
        for (Module m : modules()) {
            m.convert(dtype);
        }
        return this;
    }

    /**
     * Replaces tensors throughout the module tree: every parameter or buffer that is a key of
     * {@code replacements} (by identity), in the registries and in the fields that hold it,
     * becomes the mapped tensor, as is. Returns the map that undoes it. This is how
     * {@code Func.functionalCall} runs a module with other weights and then restores it.
     *
     * <pre>{@code
     * Map<Tensor, Tensor> undo = model.replaceTensors(Map.of(linear.weight, otherWeight));
     * try { model.forward(x); } finally { model.replaceTensors(undo); }
     * }</pre>
     */
    public Map<Tensor, Tensor> replaceTensors(Map<Tensor, Tensor> replacements) {
        Map<Tensor, Tensor> byIdentity = new IdentityHashMap<>(replacements);
        Map<Tensor, Tensor> undo = new IdentityHashMap<>();
        for (Module m : modules()) {
            m.replaceOwn(byIdentity, undo);
        }
        return undo;
    }

    private void replaceOwn(Map<Tensor, Tensor> replaced, Map<Tensor, Tensor> undo) {
        java.util.function.BiFunction<String, Tensor, Tensor> swap = (k, v) -> {
            Tensor r = v == null ? null : replaced.get(v);
            if (r == null) {
                return v;
            }
            undo.put(r, v);
            return r;
        };
        parameters.replaceAll(swap::apply);
        buffers.replaceAll(swap::apply);
        for (Field f : instanceFields(getClass())) {
            Object value = read(f);
            if (value instanceof Tensor t && replaced.containsKey(t)) {
                try {
                    f.set(this, replaced.get(t));
                    undo.put(replaced.get(t), t);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("Module.replaceTensors: cannot update field " + f.getName()
                            + "; make it non-final", e);
                }
            }
        }
    }

    private void convert(DType dtype) {
        Map<Tensor, Tensor> replaced = new IdentityHashMap<>();
        Autograd.noGrad(() -> {
            for (Tensor p : entries().parameters().values()) {
                if (p.dtype() != dtype) {
                    replaced.put(p, p.detach().to(dtype).clone().setRequiresGrad(true));
                }
            }
            for (Tensor b : buffers.values()) {
                if (b != null && b.dtype() != dtype && b.dtype() != DType.I64 && b.dtype() != DType.I32
                        && b.dtype() != DType.BOOL) {
                    replaced.put(b, b.detach().to(dtype).clone());
                }
            }
        });
        parameters.replaceAll((k, v) -> v == null ? null : replaced.getOrDefault(v, v));
        buffers.replaceAll((k, v) -> v == null ? null : replaced.getOrDefault(v, v));
        for (Field f : instanceFields(getClass())) {
            Object value = read(f);
            if (value instanceof Tensor t && replaced.containsKey(t)) {
                try {
                    f.set(this, replaced.get(t));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("Module.to: cannot update field " + f.getName()
                            + "; make it non-final", e);
                }
            }
        }
    }

    // ------------------------------------------------------------------ printing

    /** The text inside this module's parentheses, e.g. {@code in_features=4, out_features=8, bias=True}. */
    protected String extraRepr() {
        return "";
    }

    /** The module tree in PyTorch's format. */
    @Override
    public String toString() {
        Map<String, Module> children = namedChildren();
        String name = getClass().getSimpleName();
        String extra = extraRepr();
        if (children.isEmpty()) {
            return name + "(" + extra + ")";
        }
        StringBuilder sb = new StringBuilder(name).append("(");
        if (!extra.isEmpty()) {
            sb.append("\n  ").append(extra);
        }
        children.forEach((k, m) -> sb.append("\n  (").append(k).append("): ")
                .append(m.toString().replace("\n", "\n  ")));
        return sb.append("\n)").toString();
    }

    /** PyTorch's spelling of a boolean inside {@link #extraRepr()}. */
    protected static String pyBool(boolean b) {
        return b ? "True" : "False";
    }
}
