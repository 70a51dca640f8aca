package dev.walnut.graph;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generic view of op attributes: any attributes record becomes a tree of maps (record
 * components by name), lists (arrays) and scalars ({@code Integer}, {@code Long},
 * {@code Double}, {@code Boolean}, {@code String}, enums by name, null), and back through the
 * record's canonical constructor. Printing, CSE keys, the JSON format and dynamic-size templates
 * all read this one tree, so a new attributes record needs no code here as long as its
 * components use these types (nested records included).
 */
final class Attrs {
    private Attrs() {
    }

    /** The tree of an attributes value. */
    static Object toTree(Object v) {
        if (v == null || v instanceof Integer || v instanceof Long || v instanceof Double || v instanceof Boolean
                || v instanceof String) {
            return v;
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof int[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (int x : a) {
                l.add(x);
            }
            return l;
        }
        if (v instanceof long[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (long x : a) {
                l.add(x);
            }
            return l;
        }
        if (v instanceof double[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (double x : a) {
                l.add(x);
            }
            return l;
        }
        if (v instanceof Record r) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    var accessor = c.getAccessor();
                    accessor.setAccessible(true);
                    m.put(c.getName(), toTree(accessor.invoke(r)));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read attribute " + c.getName() + " of " + r.getClass().getName(), e);
                }
            }
            return m;
        }
        throw new IllegalArgumentException("attributes of type " + v.getClass().getName() + " are not supported by the graph "
                + "format; attributes must be records of int, long, double, boolean, String, enums, their arrays and records");
    }

    /** Rebuilds a value of {@code type} from its tree (as written by {@link #toTree} or read from JSON). */
    static Object fromTree(Class<?> type, Object tree) {
        if (tree == null) {
            if (type.isPrimitive()) {
                throw new IllegalArgumentException("null for a " + type + " attribute");
            }
            return null;
        }
        if (type == int.class || type == Integer.class) {
            return Math.toIntExact(integral(tree));
        }
        if (type == long.class || type == Long.class) {
            return integral(tree);
        }
        if (type == double.class || type == Double.class) {
            return real(tree);
        }
        if (type == boolean.class || type == Boolean.class) {
            if (tree instanceof Boolean b) {
                return b;
            }
            throw new IllegalArgumentException("expected a boolean, got " + tree);
        }
        if (type == String.class) {
            if (tree instanceof String s) {
                return s;
            }
            throw new IllegalArgumentException("expected a string, got " + tree);
        }
        if (type.isEnum()) {
            for (Object c : type.getEnumConstants()) {
                if (((Enum<?>) c).name().equals(tree)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("no " + type.getSimpleName() + " named " + tree);
        }
        if (type.isArray()) {
            List<?> l = list(tree);
            Class<?> el = type.getComponentType();
            if (el == int.class) {
                int[] a = new int[l.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = Math.toIntExact(integral(l.get(i)));
                }
                return a;
            }
            if (el == long.class) {
                long[] a = new long[l.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = integral(l.get(i));
                }
                return a;
            }
            if (el == double.class) {
                double[] a = new double[l.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = real(l.get(i));
                }
                return a;
            }
        }
        if (type.isRecord()) {
            if (!(tree instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("expected an object for " + type.getSimpleName() + ", got " + tree);
            }
            RecordComponent[] comps = type.getRecordComponents();
            Class<?>[] types = new Class<?>[comps.length];
            Object[] args = new Object[comps.length];
            int present = 0;
            String defaultedArray = null;
            for (int i = 0; i < comps.length; i++) {
                types[i] = comps[i].getType();
                if (!m.containsKey(comps[i].getName())) {
                    // A boolean flag added to an op after files were written (fusedLinear's
                    // weightKN) is absent from those files; false is what they meant. Likewise an
                    // optional array added later (fusedConv2d's pad) is absent, meaning none.
                    if (types[i] == boolean.class) {
                        args[i] = false;
                        continue;
                    }
                    if (types[i].isArray()) {
                        args[i] = null;
                        defaultedArray = defaultedArray == null ? comps[i].getName() : defaultedArray;
                        continue;
                    }
                    throw new IllegalArgumentException(type.getSimpleName() + ": missing attribute '" + comps[i].getName() + "'");
                }
                args[i] = fromTree(types[i], m.get(comps[i].getName()));
                present++;
            }
            if (m.size() != present) {
                throw new IllegalArgumentException(type.getSimpleName() + ": unexpected attributes in " + m.keySet());
            }
            try {
                Constructor<?> ctor = type.getDeclaredConstructor(types);
                ctor.setAccessible(true);
                return ctor.newInstance(args);
            } catch (InvocationTargetException e) {
                if (defaultedArray != null) {
                    // The record needs that array: the file lacks it rather than predates it.
                    throw new IllegalArgumentException(type.getSimpleName() + ": missing attribute '" + defaultedArray + "'",
                            e.getCause());
                }
                throw new IllegalArgumentException(type.getSimpleName() + ": " + e.getCause().getMessage(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot construct " + type.getName(), e);
            }
        }
        throw new IllegalArgumentException("attribute type " + type.getName() + " is not supported by the graph format");
    }

    private static long integral(Object v) {
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        if (wholeDouble(v)) {
            return (long) (double) (Double) v;
        }
        throw new IllegalArgumentException("expected an integer, got " + v);
    }

    /** A double holding a whole number that a long represents exactly (|v| <= 2^53). */
    private static boolean wholeDouble(Object v) {
        return v instanceof Double d && d == Math.rint(d) && Math.abs(d) <= 0x1p53;
    }

    private static double real(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            switch (s) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("expected a number, got " + v);
    }

    private static List<?> list(Object v) {
        if (v instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException("expected an array, got " + v);
    }

    /** Printed attributes, e.g. {@code {dim0=0, dim1=1}}; empty for a record with no components. */
    static String format(Object attrs) {
        Object tree = toTree(attrs);
        if (tree == null || tree instanceof Map<?, ?> m && m.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        formatTree(sb, tree);
        return sb.toString();
    }

    static String formatTree(Object tree) {
        StringBuilder sb = new StringBuilder();
        formatTree(sb, tree);
        return sb.toString();
    }

    private static void formatTree(StringBuilder sb, Object tree) {
        if (tree instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                sb.append(first ? "" : ", ").append(e.getKey()).append('=');
                formatTree(sb, e.getValue());
                first = false;
            }
            sb.append('}');
        } else if (tree instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i > 0 ? ", " : "");
                formatTree(sb, l.get(i));
            }
            sb.append(']');
        } else if (tree instanceof String s) {
            sb.append(s);
        } else {
            sb.append(tree);
        }
    }

    /** A key equal for equal attributes of the same type (what CSE compares). */
    static String key(Object attrs) {
        return attrs == null ? "null" : attrs.getClass().getName() + format(attrs);
    }

    // ------------------------------------------------------------------ paths, for templates

    /** The integer at {@code path} (map keys and list indices) of a tree. */
    static long get(Object tree, List<Object> path) {
        Object v = tree;
        for (Object p : path) {
            v = p instanceof String k ? ((Map<?, ?>) v).get(k) : ((List<?>) v).get((Integer) p);
        }
        return integral(v);
    }

    /** Writes the integer at {@code path}, keeping its type (int, long or a whole double). */
    @SuppressWarnings("unchecked")
    static void set(Object tree, List<Object> path, long value) {
        Object parent = tree;
        for (int i = 0; i < path.size() - 1; i++) {
            Object p = path.get(i);
            parent = p instanceof String k ? ((Map<?, ?>) parent).get(k) : ((List<?>) parent).get((Integer) p);
        }
        Object last = path.get(path.size() - 1);
        Object old = last instanceof String k ? ((Map<?, ?>) parent).get(k) : ((List<?>) parent).get((Integer) last);
        Object boxed = old instanceof Integer ? (Object) Math.toIntExact(value)
                : old instanceof Double ? (Object) (double) value : (Object) value;
        if (last instanceof String k) {
            ((Map<String, Object>) parent).put(k, boxed);
        } else {
            ((List<Object>) parent).set((Integer) last, boxed);
        }
    }

    /**
     * Compares two trees of the same attributes type and adds the path of each integer that
     * differs to {@code integralDiffs}; anything else that differs fails, naming {@code what}.
     */
    static void diff(Object a, Object b, List<Object> path, List<List<Object>> integralDiffs, String what) {
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            for (var e : ma.entrySet()) {
                List<Object> p = new ArrayList<>(path);
                p.add(e.getKey());
                diff(e.getValue(), mb.get(e.getKey()), p, integralDiffs, what);
            }
            return;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && la.size() == lb.size()) {
            for (int i = 0; i < la.size(); i++) {
                List<Object> p = new ArrayList<>(path);
                p.add(i);
                diff(la.get(i), lb.get(i), p, integralDiffs, what);
            }
            return;
        }
        if ((a instanceof Integer || a instanceof Long) && (b instanceof Integer || b instanceof Long)) {
            if (((Number) a).longValue() != ((Number) b).longValue()) {
                integralDiffs.add(path);
            }
            return;
        }
        // A whole-number double that changes with the size is a size-derived scalar, e.g. the
        // element count that mean's gradient divides by (divScalar): it follows the dynamic dim
        // like an integer attribute (torch.compile's SymInt-valued scalars do the same).
        if (wholeDouble(a) && wholeDouble(b)) {
            if ((Double) a != (double) (Double) b) {
                integralDiffs.add(path);
            }
            return;
        }
        if (a == null ? b != null : !a.equals(b)) {
            throw new GraphCaptureException(what + ": attribute " + (path.isEmpty() ? "" : path + " ") + "is " + a
                    + " for the traced size but " + b + " for another; only integer (or whole-number) attributes can follow a dynamic dim. "
                    + "Trace without marking that dim dynamic (compile() then caches one graph per shape)");
        }
    }
}
