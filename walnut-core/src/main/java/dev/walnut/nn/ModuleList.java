package dev.walnut.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A list of sub-modules, named {@code 0, 1, ...}; it has no {@code forward} of its own.
 * A {@code List<Module>} field of a module is shown through one of these automatically.
 *
 * <pre>{@code
 * var blocks = new ModuleList(new Linear(4, 4), new Linear(4, 4));
 * for (Module b : blocks) x = b.forward(x);
 * }</pre>
 */
public class ModuleList extends Module implements Iterable<Module> {
    private final transient List<? extends Module> items;
    private final transient boolean view;

    /** Registers the modules under the names "0", "1", ... */
    public ModuleList(Module... modules) {
        this.items = new ArrayList<>(List.of(modules));
        this.view = false;
    }

    /** Registers the modules under the names "0", "1", ... */
    public ModuleList(List<? extends Module> modules) {
        this.items = new ArrayList<>(modules);
        this.view = false;
    }

    private ModuleList(List<? extends Module> live, boolean view) {
        this.items = live;
        this.view = view;
    }

    /** A live, read-only view of a user's list field. */
    @SuppressWarnings("unchecked")
    static ModuleList view(List<?> list) {
        return new ModuleList((List<? extends Module>) list, true);
    }

    /** Appends a module; returns this. */
    @SuppressWarnings("unchecked")
    public ModuleList add(Module module) {
        if (view) {
            throw new UnsupportedOperationException("ModuleList: this is a view of a field; modify the field's list");
        }
        ((List<Module>) items).add(module);
        return this;
    }

    /** The i-th module (negative counts from the end). */
    public Module get(int i) {
        return items.get(i < 0 ? items.size() + i : i);
    }

    /** The number of modules. */
    public int size() {
        return items.size();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Iterator<Module> iterator() {
        return List.copyOf((List<Module>) items).iterator();
    }

    @Override
    Map<String, Module> containerChildren() {
        Map<String, Module> out = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            out.put(Integer.toString(i), items.get(i));
        }
        return out;
    }
}
