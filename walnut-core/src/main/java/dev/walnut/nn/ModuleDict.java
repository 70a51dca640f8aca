package dev.walnut.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Sub-modules by name, in insertion order; it has no {@code forward} of its own.
 * A {@code Map<String, Module>} field of a module is shown through one of these automatically.
 *
 * <pre>{@code
 * var heads = new ModuleDict().put("cls", new Linear(8, 3)).put("reg", new Linear(8, 1));
 * heads.get("cls").forward(h);
 * }</pre>
 */
public class ModuleDict extends Module {
    private final transient Map<String, ? extends Module> items;
    private final transient boolean view;

    /** An empty dict. */
    public ModuleDict() {
        this(new LinkedHashMap<>(), false);
    }

    /** Registers each entry under its key, in the map's iteration order. */
    public ModuleDict(Map<String, ? extends Module> modules) {
        this(new LinkedHashMap<>(modules), false);
    }

    private ModuleDict(Map<String, ? extends Module> items, boolean view) {
        this.items = items;
        this.view = view;
    }

    @SuppressWarnings("unchecked")
    static ModuleDict view(Map<?, ?> map) {
        return new ModuleDict((Map<String, ? extends Module>) map, true);
    }

    /** Adds or replaces a module; returns this. */
    @SuppressWarnings("unchecked")
    public ModuleDict put(String key, Module module) {
        if (view) {
            throw new UnsupportedOperationException("ModuleDict: this is a view of a field; modify the field's map");
        }
        if (key == null || key.isEmpty() || key.contains(".")) {
            throw new IllegalArgumentException("ModuleDict: keys must be non-empty and contain no '.', got \"" + key + "\"");
        }
        ((Map<String, Module>) items).put(key, module);
        return this;
    }

    /** The module under {@code key}, or null when there is none. */
    public Module get(String key) {
        return items.get(key);
    }

    /** Whether a module is registered under {@code key}. */
    public boolean containsKey(String key) {
        return items.containsKey(key);
    }

    /** The keys, in insertion order. */
    public Set<String> keys() {
        return items.keySet();
    }

    /** The number of modules. */
    public int size() {
        return items.size();
    }

    @Override
    Map<String, Module> containerChildren() {
        return new LinkedHashMap<>(items);
    }
}
