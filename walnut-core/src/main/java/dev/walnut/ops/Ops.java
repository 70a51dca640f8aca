package dev.walnut.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of primitive op definitions: what a compiler, an exporter or a transform
 * enumerates. Every primitive that public tensor ops reach through the dispatcher is here.
 *
 * <pre>{@code
 * for (OpDef<?> op : Ops.all()) {
 *     System.out.println(op.name());
 * }
 * OpDef<?> mul = Ops.byName("mul");
 * }</pre>
 */
public final class Ops {
    private Ops() {
    }

    private static final List<OpDef<?>> ALL;
    private static final Map<String, OpDef<?>> BY_NAME = new LinkedHashMap<>();

    static {
        var all = new ArrayList<OpDef<?>>(ElementwiseOps.ALL);
        all.addAll(ReductionOps.ALL);
        all.addAll(ViewOps.ALL);
        all.addAll(LinalgOps.ALL);
        all.addAll(ShapeContentOps.ALL);
        all.addAll(WindowOps.ALL);
        all.addAll(IndexingOps.ALL);
        for (OpDef<?> op : all) {
            if (BY_NAME.put(op.name(), op) != null) {
                throw new IllegalStateException("two op definitions are named " + op.name());
            }
        }
        ALL = Collections.unmodifiableList(all);
    }

    /** Every registered definition. */
    public static List<OpDef<?>> all() {
        return ALL;
    }

    /** The definition named {@code name}; fails with the known names when there is none. */
    public static OpDef<?> byName(String name) {
        OpDef<?> op = BY_NAME.get(name);
        if (op == null) {
            throw new IllegalArgumentException("no primitive op named '" + name + "'; known: " + BY_NAME.keySet());
        }
        return op;
    }
}
