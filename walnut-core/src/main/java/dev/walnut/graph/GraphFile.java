package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.io.SafeTensors;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.OpDef;
import dev.walnut.ops.Ops;
import dev.walnut.ops.TensorSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The saved form of a {@link Graph}: a readable JSON document (ops by name, attributes as
 * their record components, shapes with dynamic dims as {@code {"example", "constant",
 * "coefficients"}}) and the tensors it needs, in one safetensors file: weights under their
 * names, constants as {@code graph.constant.c0, ...}, the JSON in the metadata entry
 * {@code walnut.graph}. Loading finds ops through {@link Ops#byName}, accepts attribute types
 * only from {@code dev.walnut.ops}, and re-infers every node's shapes before returning, so a
 * malformed or tampered file fails with an {@link IOException} naming the problem.
 *
 * <pre>{@code
 * graph.save(Path.of("mlp.walnut"));
 * Graph g = Graph.load(Path.of("mlp.walnut"));
 * String json = GraphFile.toJson(graph);   // what the file's metadata holds
 * }</pre>
 */
public final class GraphFile {
    /** The metadata key holding the graph JSON. */
    public static final String METADATA_KEY = "walnut.graph";
    private static final String CONSTANT_PREFIX = "graph.constant.";
    private static final String FORMAT = "walnut-graph";
    private static final String OPS_PACKAGE = "dev.walnut.ops.";

    private GraphFile() {
    }

    /** Writes the graph with its bound weights and its constants. */
    static void save(Graph g, Path path) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Value w : g.weights()) {
            Tensor t = g.boundWeights().get(w.name());
            if (t == null) {
                throw new IllegalArgumentException("save: weight '" + w.name() + "' has no tensor; bind one with withWeights()");
            }
            tensors.put(w.name(), t);
        }
        for (Value c : g.constants()) {
            tensors.put(CONSTANT_PREFIX + c.name(), g.constant(c));
        }
        SafeTensors.save(path, tensors, Map.of(METADATA_KEY, toJson(g)));
    }

    /** Reads a graph written by {@link Graph#save}. */
    static Graph load(Path path) throws IOException {
        Map<String, String> meta = SafeTensors.loadMetadata(path);
        String json = meta.get(METADATA_KEY);
        if (json == null) {
            throw new IOException(path + ": not a saved Walnut graph (no '" + METADATA_KEY + "' metadata entry); "
                    + "load plain weights with SafeTensors.load");
        }
        Map<String, Tensor> tensors = SafeTensors.load(path);
        try {
            return fromJson(json, tensors);
        } catch (RuntimeException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ JSON

    /** The graph as JSON: one line per input, weight, constant and node. */
    public static String toJson(Graph g) {
        StringBuilder sb = new StringBuilder("{\n  \"format\": \"" + FORMAT + "\", \"version\": 1,\n  \"symbols\": [");
        for (int i = 0; i < g.symbols().size(); i++) {
            Symbol s = g.symbols().get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("input", s.input());
            m.put("dim", s.dim());
            m.put("example", s.example());
            sb.append(i > 0 ? ", " : "");
            GraphJson.write(sb, m);
        }
        sb.append("],\n");
        section(sb, "inputs", g.inputs(), GraphFile::valueJson);
        section(sb, "weights", g.weights(), GraphFile::valueJson);
        section(sb, "constants", g.constants(), GraphFile::valueJson);
        section(sb, "nodes", g.nodes(), GraphFile::nodeJson);
        sb.append("  \"outputs\": ");
        GraphJson.write(sb, g.outputs().stream().map(Value::name).toList());
        return sb.append("\n}\n").toString();
    }

    private static <T> void section(StringBuilder sb, String name, List<T> items, java.util.function.Function<T, Object> f) {
        sb.append("  \"").append(name).append("\": [");
        for (int i = 0; i < items.size(); i++) {
            sb.append(i > 0 ? "," : "").append("\n    ");
            GraphJson.write(sb, f.apply(items.get(i)));
        }
        sb.append(items.isEmpty() ? "" : "\n  ").append("],\n");
    }

    private static Object valueJson(Value v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("dtype", v.dtype().name());
        m.put("shape", shapeJson(v.dims()));
        return m;
    }

    private static List<Object> shapeJson(Dim[] dims) {
        List<Object> l = new ArrayList<>();
        for (Dim d : dims) {
            l.add(dimJson(d));
        }
        return l;
    }

    private static Object dimJson(Dim d) {
        if (d.isStatic()) {
            return d.example();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("example", d.example());
        m.put("constant", d.constant());
        List<Object> c = new ArrayList<>();
        for (int i = 0; i < d.symbolCount(); i++) {
            c.add(d.coefficient(i));
        }
        m.put("coefficients", c);
        return m;
    }

    private static Object nodeJson(Node n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", n.op().name());
        String type = n.attrs() == null ? null : n.attrs().getClass().getName();
        if (type != null && !type.startsWith(OPS_PACKAGE)) {
            throw new IllegalArgumentException("save: node " + n.outputs().get(0) + " = " + n.op().name() + " has attributes of "
                    + type + "; the graph format stores only attribute records of dev.walnut.ops");
        }
        m.put("attrsType", type == null ? null : type.substring(OPS_PACKAGE.length()));
        m.put("attrs", Attrs.toTree(n.attrs()));
        m.put("inputs", n.inputs().stream().map(Value::name).toList());
        List<Object> outs = new ArrayList<>();
        for (Value o : n.outputs()) {
            Map<String, Object> om = new LinkedHashMap<>();
            om.put("dtype", o.dtype().name());
            om.put("shape", shapeJson(o.dims()));
            outs.add(om);
        }
        m.put("outputs", outs);
        if (n.template() != null) {
            List<Object> holes = new ArrayList<>();
            for (AttrTemplate.Hole h : n.template().holes()) {
                Map<String, Object> hm = new LinkedHashMap<>();
                hm.put("path", h.path());
                hm.put("value", dimJson(h.value()));
                holes.add(hm);
            }
            m.put("dynamicAttrs", holes);
        }
        return m;
    }

    /**
     * Rebuilds a graph from {@link #toJson} text, bound to {@code tensors} (weights by name,
     * constants under {@code graph.constant.<name>}); fails with a message naming the problem.
     */
    public static Graph fromJson(String json, Map<String, Tensor> tensors) {
        Map<String, Object> root = map(GraphJson.parse(json), "the document");
        if (!FORMAT.equals(root.get("format"))) {
            throw new IllegalArgumentException("not a walnut graph (format is " + root.get("format") + ")");
        }
        if (!Long.valueOf(1).equals(root.get("version"))) {
            throw new IllegalArgumentException("unsupported graph format version " + root.get("version") + " (this build reads 1)");
        }
        List<Symbol> symbols = new ArrayList<>();
        for (Object o : list(root.get("symbols"), "symbols")) {
            Map<String, Object> s = map(o, "a symbol");
            symbols.add(new Symbol(str(s.get("name")), (int) num(s.get("input")), (int) num(s.get("dim")), num(s.get("example"))));
        }
        GraphBuilder b = new GraphBuilder(symbols);
        Map<String, Value> byName = new HashMap<>();
        for (Object o : list(root.get("inputs"), "inputs")) {
            Map<String, Object> m = map(o, "an input");
            define(byName, b.input(str(m.get("name")), dtype(m.get("dtype")), shape(m.get("shape"), symbols.size())));
        }
        for (Object o : list(root.get("weights"), "weights")) {
            Map<String, Object> m = map(o, "a weight");
            String name = str(m.get("name"));
            Tensor t = tensors.get(name);
            Value w = b.weight(name, dtype(m.get("dtype")), shape(m.get("shape"), symbols.size()), t);
            if (t == null || t.dtype() != w.dtype() || !Arrays.equals(t.shape(), w.exampleShape())) {
                throw new IllegalArgumentException("weight '" + name + "' is " + (t == null ? "missing" : TensorSpec.of(t))
                        + " but the graph expects " + new TensorSpec(w.exampleShape(), w.dtype()));
            }
            define(byName, w);
        }
        for (Object o : list(root.get("constants"), "constants")) {
            Map<String, Object> m = map(o, "a constant");
            String name = str(m.get("name"));
            Tensor t = tensors.get(CONSTANT_PREFIX + name);
            if (t == null || t.dtype() != dtype(m.get("dtype"))
                    || !Arrays.equals(t.shape(), Dim.examples(shape(m.get("shape"), symbols.size())))) {
                throw new IllegalArgumentException("constant '" + name + "' is missing or has another shape or dtype");
            }
            Value c = b.constant(t);
            c.name = name;
            define(byName, c);
        }
        int next = 0;
        for (Object o : list(root.get("nodes"), "nodes")) {
            Map<String, Object> m = map(o, "a node");
            OpDef<?> fused = FusedOps.byName(str(m.get("op")));
            OpDef<?> op = fused != null ? fused : Ops.byName(str(m.get("op")));
            Object attrs = m.get("attrsType") == null ? null : Attrs.fromTree(attrsType(str(m.get("attrsType"))), m.get("attrs"));
            List<Object> ins = list(m.get("inputs"), "node inputs");
            Value[] in = new Value[ins.size()];
            for (int i = 0; i < in.length; i++) {
                in[i] = byName.get(str(ins.get(i)));
                if (in[i] == null) {
                    throw new IllegalArgumentException("node " + next + " (" + op.name() + ") reads %" + ins.get(i)
                            + ", which is not defined before it");
                }
            }
            List<Object> outs = list(m.get("outputs"), "node outputs");
            if (outs.size() != op.outputCount()) {
                throw new IllegalArgumentException(op.name() + " has " + op.outputCount() + " outputs, the file says " + outs.size());
            }
            DType[] dtypes = new DType[outs.size()];
            Dim[][] shapes = new Dim[outs.size()][];
            for (int i = 0; i < dtypes.length; i++) {
                Map<String, Object> om = map(outs.get(i), "a node output");
                dtypes[i] = dtype(om.get("dtype"));
                shapes[i] = shape(om.get("shape"), symbols.size());
            }
            AttrTemplate template = null;
            if (m.get("dynamicAttrs") != null) {
                List<AttrTemplate.Hole> holes = new ArrayList<>();
                for (Object h : list(m.get("dynamicAttrs"), "dynamicAttrs")) {
                    Map<String, Object> hm = map(h, "a dynamic attribute");
                    List<Object> path = new ArrayList<>();
                    for (Object p : list(hm.get("path"), "a path")) {
                        path.add(p instanceof Long l ? (Object) Math.toIntExact(l) : str(p));
                    }
                    holes.add(new AttrTemplate.Hole(path, dim(hm.get("value"), symbols.size())));
                }
                template = new AttrTemplate(holes);
            }
            Value[] created = b.node(op, attrs, template, in, dtypes, shapes);
            for (Value v : created) {
                v.name = Integer.toString(next++);
                define(byName, v);
            }
            // The shape rule must agree with what the file says, so a tampered file fails here.
            TensorSpec[] specs = Arrays.stream(in).map(v -> new TensorSpec(v.exampleShape(), v.dtype())).toArray(TensorSpec[]::new);
            TensorSpec[] inferred = Graph.infer(op, attrs, specs);
            for (int i = 0; i < created.length; i++) {
                TensorSpec declared = new TensorSpec(created[i].exampleShape(), created[i].dtype());
                if (!inferred[i].equals(declared)) {
                    throw new IllegalArgumentException("node %" + created[i].name() + " = " + op.name() + " gives " + inferred[i]
                            + " but the file says " + declared);
                }
            }
        }
        for (Object o : list(root.get("outputs"), "outputs")) {
            Value v = byName.get(str(o));
            if (v == null) {
                throw new IllegalArgumentException("output %" + o + " is not defined");
            }
            b.output(v);
        }
        return b.build();
    }

    private static void define(Map<String, Value> byName, Value v) {
        if (byName.put(v.name(), v) != null) {
            throw new IllegalArgumentException("two values are named %" + v.name());
        }
    }

    private static Class<?> attrsType(String name) {
        if (!name.matches("[A-Za-z0-9_$]+")) {
            throw new IllegalArgumentException("bad attributes type '" + name + "'");
        }
        try {
            Class<?> c = Class.forName(OPS_PACKAGE + name, false, GraphFile.class.getClassLoader());
            if (!c.isRecord()) {
                throw new IllegalArgumentException("attributes type " + name + " is not a record");
            }
            return c;
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown attributes type " + name);
        }
    }

    private static Dim[] shape(Object o, int symbols) {
        List<Object> l = list(o, "a shape");
        Dim[] d = new Dim[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dim(l.get(i), symbols);
        }
        return d;
    }

    private static Dim dim(Object o, int symbols) {
        if (o instanceof Long l) {
            if (l < 0) {
                throw new IllegalArgumentException("negative size " + l);
            }
            return Dim.of(l);
        }
        Map<String, Object> m = map(o, "a dim");
        List<Object> c = list(m.get("coefficients"), "coefficients");
        if (c.size() != symbols) {
            throw new IllegalArgumentException("a dim has " + c.size() + " coefficients but the graph has " + symbols + " symbols");
        }
        long[] coef = c.stream().mapToLong(GraphFile::num).toArray();
        return Dim.affine(num(m.get("example")), num(m.get("constant")), coef);
    }

    private static DType dtype(Object o) {
        try {
            return DType.valueOf(str(o));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown dtype " + o);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String what) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException("expected an object for " + what + ", got " + o);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, String what) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException("expected an array for " + what + ", got " + o);
    }

    private static String str(Object o) {
        if (o instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("expected a string, got " + o);
    }

    private static long num(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw new IllegalArgumentException("expected an integer, got " + o);
    }
}
