package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.internal.GemmChoice;
import dev.walnut.nn.Module;
import dev.walnut.ops.OpDef;
import dev.walnut.profiler.Profiler;
import dev.walnut.ops.TensorSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A captured computation in SSA form (DESIGN.md §7): user inputs, named weights (a module's
 * parameters and buffers), constants, nodes (op definition + typed attributes + input and
 * output values, in program order) and outputs. Graphs are immutable; passes return new ones.
 * {@link #run} executes a graph on new inputs by calling each node's {@link OpDef#compute} in
 * order, freeing each intermediate after its last use, with the same numbers as eager mode; it
 * records nothing on any tape, and one graph may run on many threads at once.
 *
 * <pre>{@code
 * Graph g = Graph.trace(in -> in[0].matmul(w).relu(), Tensor.randn(8, 4));
 * System.out.println(g);
 * // graph(%x0: f32[8,4]):
 * //   %c0 = constant : f32[4,3]
 * //   %0 = matmul(%x0, %c0) : f32[8,3]
 * //   %1 = relu(%0) : f32[8,3]
 * //   return (%1)
 * Tensor y = g.run(Tensor.randn(8, 4))[0];
 * }</pre>
 */
public final class Graph {
    private final List<Symbol> symbols;
    private final List<Value> inputs;
    private final List<Value> weights;
    private final List<Value> constants;
    private final List<Node> nodes;
    private final List<Value> outputs;
    private final List<Value> values;
    private final Tensor[] constantData;
    private final Map<String, Tensor> boundWeights;

    // The executor's plan: value ids per node, and what to free after each node.
    private final int[][] nodeInputs;
    private final int[][] nodeOutputs;
    private final int[][] freeAfter;
    private final int[] outputIds;
    private final Set<List<Long>> checkedSizes = ConcurrentHashMap.newKeySet();
    /**
     * The GEMM blocking ({@link GemmChoice} index, 0: the default) max-autotune tuned this graph
     * to; set once before the graph is published, applied by every run. Not part of the graph's
     * text or file form: a loaded graph runs under the default until compiled again.
     */
    private volatile int gemmChoice;

    Graph(List<Symbol> symbols, List<Value> inputs, List<Value> weights, List<Value> constants, List<Node> nodes,
          List<Value> outputs, List<Value> values, Tensor[] constantData, Map<String, Tensor> boundWeights) {
        this.symbols = List.copyOf(symbols);
        this.inputs = List.copyOf(inputs);
        this.weights = List.copyOf(weights);
        this.constants = List.copyOf(constants);
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        this.values = List.copyOf(values);
        this.constantData = constantData;
        this.boundWeights = Collections.unmodifiableMap(new LinkedHashMap<>(boundWeights));
        nodeInputs = new int[nodes.size()][];
        nodeOutputs = new int[nodes.size()][];
        int[] lastUse = new int[values.size()];
        Arrays.fill(lastUse, -1);
        for (int i = 0; i < nodes.size(); i++) {
            nodeInputs[i] = nodes.get(i).inputs().stream().mapToInt(Value::id).toArray();
            nodeOutputs[i] = nodes.get(i).outputs().stream().mapToInt(Value::id).toArray();
            for (int id : nodeInputs[i]) {
                lastUse[id] = i;
            }
        }
        outputIds = outputs.stream().mapToInt(Value::id).toArray();
        List<List<Integer>> free = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            free.add(new ArrayList<>());
        }
        Set<Integer> kept = new java.util.HashSet<>();
        for (int id : outputIds) {
            kept.add(id);
        }
        for (Value v : values) {
            if (v.kind() == Value.Kind.NODE && !kept.contains(v.id()) && lastUse[v.id()] >= 0) {
                free.get(lastUse[v.id()]).add(v.id());
            }
        }
        freeAfter = free.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }

    // ------------------------------------------------------------------ capture

    /**
     * Traces {@code fn} on {@code exampleInputs} (fixed shapes; see {@link #tracer} for dynamic
     * dims). Tensors the function reads that are neither inputs nor computed from them become
     * constants.
     */
    public static Graph trace(Function<Tensor[], Tensor> fn, Tensor... exampleInputs) {
        return tracer(fn).trace(exampleInputs);
    }

    /** Traces a module's forward; its parameters and buffers become named weights. */
    public static Graph trace(Module module, Tensor... exampleInputs) {
        return tracer(module).trace(exampleInputs);
    }

    /** A tracer for a one-output function, to mark dynamic dims before tracing. */
    public static Tracer tracer(Function<Tensor[], Tensor> fn) {
        return new Tracer(in -> new Tensor[] {fn.apply(in)}, null);
    }

    /** A tracer for a function with several outputs. */
    public static Tracer tracerAll(Function<Tensor[], Tensor[]> fn) {
        return new Tracer(fn, null);
    }

    /** A tracer for a module's forward. */
    public static Tracer tracer(Module module) {
        return new Tracer(in -> new Tensor[] {module.forward(in)}, module);
    }

    // ------------------------------------------------------------------ structure

    /** The dynamic sizes, each read from one input dim. */
    public List<Symbol> symbols() {
        return symbols;
    }

    /** The user inputs, in argument order. */
    public List<Value> inputs() {
        return inputs;
    }

    /** The named weights (parameters and buffers) the graph reads. */
    public List<Value> weights() {
        return weights;
    }

    /** The constants. */
    public List<Value> constants() {
        return constants;
    }

    /** The tensor of a constant of this graph. */
    public Tensor constant(Value c) {
        if (c.kind() != Value.Kind.CONSTANT || c.id() >= values.size() || values.get(c.id()) != c) {
            throw new IllegalArgumentException(c + " is not a constant of this graph");
        }
        return constantData[c.id()];
    }

    /** The nodes in program order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The outputs. */
    public List<Value> outputs() {
        return outputs;
    }

    /**
     * Who reads each value, each reader once and in node order (values by identity): the
     * def-use chains the rewriting passes match patterns on.
     */
    Map<Value, List<Node>> readers() {
        Map<Value, List<Node>> readers = new IdentityHashMap<>();
        for (Node n : nodes()) {
            for (Value v : n.inputs()) {
                List<Node> r = readers.computeIfAbsent(v, k -> new ArrayList<>());
                if (!r.contains(n)) {
                    r.add(n);
                }
            }
        }
        return readers;
    }

    /** The one node reading {@code v}, or null when it has no reader, several, or is a graph output. */
    static Node soleReader(Value v, Map<Value, List<Node>> readers, Set<Value> outputs) {
        List<Node> r = readers.get(v);
        return r == null || r.size() != 1 || outputs.contains(v) ? null : r.get(0);
    }

    /** The graph's outputs as a set by identity. */
    Set<Value> outputSet() {
        Set<Value> outputs = Collections.newSetFromMap(new IdentityHashMap<>());
        outputs.addAll(outputs());
        return outputs;
    }

    /** Every value: inputs, weights, constants, then node outputs; {@link Value#id()} indexes it. */
    public List<Value> values() {
        return values;
    }

    /** The weights the graph runs with unless others are given: for a traced module, its own tensors. */
    public Map<String, Tensor> boundWeights() {
        return boundWeights;
    }

    /** The same graph running with {@code weights} (by name) instead of the bound ones. */
    public Graph withWeights(Map<String, Tensor> weights) {
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(this);
        for (Value w : this.weights) {
            if (!weights.containsKey(w.name())) {
                throw new IllegalArgumentException("withWeights: no tensor for weight '" + w.name() + "'; given "
                        + weights.keySet());
            }
            r.builder.boundWeights.put(w.name(), weights.get(w.name()));
            r.replace(w, r.builder.weight(w.name(), w.dtype(), w.dims(), weights.get(w.name())));
        }
        nodes.forEach(r::copy);
        Graph g = r.finish();
        g.gemmChoice = gemmChoice;
        return g;
    }

    /** The GEMM blocking this graph runs under, as a {@link GemmChoice} index (0: the default). */
    int gemmChoice() {
        return gemmChoice;
    }

    /** Makes every run of this graph use GEMM blocking {@code choice}; for the autotuner, before publishing. */
    void gemmChoice(int choice) {
        gemmChoice = choice;
    }

    // ------------------------------------------------------------------ execution

    /** Runs the graph with its bound weights. */
    public Tensor[] run(Tensor... inputs) {
        return run(boundWeights, inputs);
    }

    /**
     * Runs the graph on {@code inputs} with {@code weights} by name. Shapes and dtypes are checked
     * against the traced ones, dynamic dims excepted.
     */
    public Tensor[] run(Map<String, Tensor> weights, Tensor... inputs) {
        int choice = gemmChoice;
        return choice == 0 ? interpret(weights, inputs) : GemmChoice.with(choice, () -> interpret(weights, inputs));
    }

    private Tensor[] interpret(Map<String, Tensor> weights, Tensor[] inputs) {
        long[] sizes = bind(inputs);
        Tensor[] env = new Tensor[values.size()];
        for (int i = 0; i < inputs.length; i++) {
            env[this.inputs.get(i).id()] = inputs[i];
        }
        for (Value w : this.weights) {
            Tensor t = weights.get(w.name());
            if (t == null) {
                throw new IllegalArgumentException("run: no tensor for weight '" + w.name() + "'; pass it in the weights map "
                        + "(graph.boundWeights() has the traced module's tensors)");
            }
            if (t.dtype() != w.dtype() || !Arrays.equals(t.shape(), w.exampleShape())) {
                throw new IllegalArgumentException("run: weight '" + w.name() + "' is " + TensorSpec.of(t) + " but the graph "
                        + "was traced with " + new TensorSpec(w.exampleShape(), w.dtype()));
            }
            env[w.id()] = t;
        }
        for (Value c : constants) {
            env[c.id()] = constantData[c.id()];
        }
        Profiler prof = Profiler.current();
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < nodeInputs.length; i++) {
                long t0 = prof == null ? 0 : System.nanoTime();
                Node n = nodes.get(i);
                int[] in = nodeInputs[i];
                Tensor[] args = new Tensor[in.length];
                for (int j = 0; j < in.length; j++) {
                    args[j] = env[in[j]];
                }
                Tensor[] out = compute(n.op(), n.attrsFor(sizes), args);
                if (prof != null) {
                    prof.record(n.op().name(), args, System.nanoTime() - t0, true);
                }
                int[] ids = nodeOutputs[i];
                for (int j = 0; j < ids.length; j++) {
                    env[ids[j]] = out[j];
                }
                for (int id : freeAfter[i]) {
                    env[id] = null;
                }
            }
        }
        Tensor[] result = new Tensor[outputIds.length];
        for (int i = 0; i < result.length; i++) {
            result[i] = env[outputIds[i]];
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static <A> Tensor[] compute(OpDef<A> op, Object attrs, Tensor[] args) {
        return op.compute((A) attrs, args);
    }

    /** Checks the inputs and returns the symbol values they give. */
    long[] bind(Tensor[] args) {
        if (args.length != inputs.size()) {
            throw new IllegalArgumentException("run: the graph takes " + inputs.size() + " input(s), got " + args.length);
        }
        long[] sizes = new long[symbols.size()];
        for (int s = 0; s < sizes.length; s++) {
            Symbol sym = symbols.get(s);
            long[] shape = args[sym.input()].shape();
            sizes[s] = sym.dim() < shape.length ? shape[sym.dim()] : -1;
        }
        for (int i = 0; i < args.length; i++) {
            Value v = inputs.get(i);
            Tensor t = args[i];
            long[] shape = t.shape();
            boolean ok = t.dtype() == v.dtype() && shape.length == v.dims().length;
            for (int d = 0; ok && d < shape.length; d++) {
                ok = shape[d] == v.dims()[d].eval(sizes);
            }
            if (!ok) {
                throw new IllegalArgumentException("run: input " + i + " (%" + v.name() + ") is " + TensorSpec.of(t)
                        + " but the graph takes " + v.typeString(symbols) + (symbols.isEmpty()
                        ? "; mark the dims that vary dynamic (Graph.tracer(fn).markDynamic(input, dim)) or retrace "
                        + "(Compiler.compile caches one graph per shape)" : ""));
            }
        }
        if (sizes.length > 0) {
            checkSizes(sizes);
        }
        return sizes;
    }

    /**
     * Once per set of sizes: re-infers every node's output shapes with its definition and checks
     * them against the graph's symbolic shapes, so a size the trace did not anticipate fails here
     * with the node named, never with a wrong result.
     */
    private void checkSizes(long[] sizes) {
        List<Long> key = Arrays.stream(sizes).boxed().toList();
        if (checkedSizes.contains(key)) {
            return;
        }
        for (Node n : nodes) {
            TensorSpec[] in = n.inputs().stream().map(v -> spec(v, sizes)).toArray(TensorSpec[]::new);
            TensorSpec[] out;
            try {
                out = infer(n.op(), n.attrsFor(sizes), in);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("run: node " + n.outputs().get(0) + " = " + n.op().name() + " fails for "
                        + symbolString(sizes) + ": " + e.getMessage(), e);
            }
            for (int j = 0; j < out.length; j++) {
                TensorSpec expected = spec(n.outputs().get(j), sizes);
                if (!out[j].equals(expected)) {
                    throw new IllegalArgumentException("run: node " + n.outputs().get(j) + " = " + n.op().name() + " gives "
                            + out[j] + " for " + symbolString(sizes) + " but the graph expects " + expected + "; the traced "
                            + "function specialises this size, so trace without marking it dynamic");
                }
            }
        }
        if (checkedSizes.size() > 1024) {
            checkedSizes.clear();
        }
        checkedSizes.add(key);
    }

    private String symbolString(long[] sizes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sizes.length; i++) {
            sb.append(i > 0 ? ", " : "").append(symbols.get(i).name()).append(" = ").append(sizes[i]);
        }
        return sb.toString();
    }

    private static TensorSpec spec(Value v, long[] sizes) {
        long[] s = new long[v.dims().length];
        for (int i = 0; i < s.length; i++) {
            s[i] = v.dims()[i].eval(sizes);
        }
        return new TensorSpec(s, v.dtype());
    }

    @SuppressWarnings("unchecked")
    static <A> TensorSpec[] infer(OpDef<A> op, Object attrs, TensorSpec[] in) {
        return op.infer((A) attrs, in);
    }

    // ------------------------------------------------------------------ saving

    /** Writes the graph and its bound weights and constants to one safetensors file; see {@link GraphFile}. */
    public void save(Path path) throws IOException {
        GraphFile.save(this, path);
    }

    /** Reads a graph written by {@link #save}; it runs with the weights stored in the file. */
    public static Graph load(Path path) throws IOException {
        return GraphFile.load(path);
    }

    // ------------------------------------------------------------------ printing

    static String dtypeName(DType dt) {
        return switch (dt) {
            case BOOL -> "bool";
            case I32 -> "i32";
            case I64 -> "i64";
            case F32 -> "f32";
            case F64 -> "f64";
        };
    }

    /**
     * One line per node, like {@code torch.fx}'s tabular print:
     * {@code %3 = matmul(%x0, %2) : f32[?,512]}.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("graph(");
        List<Value> params = new ArrayList<>(inputs);
        params.addAll(weights);
        for (int i = 0; i < params.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(params.get(i)).append(": ").append(params.get(i).typeString(symbols));
        }
        sb.append("):\n");
        for (Value c : constants) {
            sb.append("  ").append(c).append(" = constant").append(constantText(constantData[c.id()])).append(" : ")
                    .append(c.typeString(symbols)).append('\n');
        }
        for (Node n : nodes) {
            sb.append("  ").append(join(n.outputs())).append(" = ").append(n.op().name()).append('(')
                    .append(join(n.inputs())).append(')');
            String attrs = Attrs.format(n.attrs());
            if (!attrs.isEmpty()) {
                sb.append(' ').append(n.template() == null ? attrs : attrsWithSymbols(n));
            }
            sb.append(" : ");
            for (int j = 0; j < n.outputs().size(); j++) {
                sb.append(j > 0 ? ", " : "").append(n.outputs().get(j).typeString(symbols));
            }
            sb.append('\n');
        }
        return sb.append("  return (").append(join(outputs)).append(")\n").toString();
    }

    /** The attributes with the dynamic integers printed as their expressions. */
    private String attrsWithSymbols(Node n) {
        Object tree = Attrs.toTree(n.attrs());
        for (AttrTemplate.Hole h : n.template().holes()) {
            setString(tree, h.path(), h.value().format(symbols));
        }
        return Attrs.formatTree(tree);
    }

    @SuppressWarnings("unchecked")
    private static void setString(Object tree, List<Object> path, String s) {
        Object parent = tree;
        for (int i = 0; i < path.size() - 1; i++) {
            Object p = path.get(i);
            parent = p instanceof String k ? ((Map<?, ?>) parent).get(k) : ((List<?>) parent).get((Integer) p);
        }
        Object last = path.get(path.size() - 1);
        if (last instanceof String k) {
            ((Map<String, Object>) parent).put(k, s);
        } else {
            ((List<Object>) parent).set((Integer) last, s);
        }
    }

    private static String join(List<Value> vs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < vs.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(vs.get(i));
        }
        return sb.toString();
    }

    /** Small constants show their values: {@code constant(2.0)}, {@code constant([1, 2])}. */
    private static String constantText(Tensor t) {
        if (t.numel() > 8) {
            return "";
        }
        Object list = t.toList();
        return "(" + (list instanceof List<?> l ? l.toString() : String.valueOf(list)) + ")";
    }

    /** The graph in Graphviz DOT: inputs, weights and constants as ellipses, nodes as boxes. */
    public String toDot() {
        StringBuilder sb = new StringBuilder("digraph walnut {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n");
        for (Value v : inputs) {
            sb.append("  v").append(v.id()).append(" [shape=ellipse, label=\"").append(v).append("\\n")
                    .append(v.typeString(symbols)).append("\"];\n");
        }
        for (Value v : weights) {
            sb.append("  v").append(v.id()).append(" [shape=ellipse, style=filled, fillcolor=lightyellow, label=\"")
                    .append(v).append("\\n").append(v.typeString(symbols)).append("\"];\n");
        }
        for (Value v : constants) {
            sb.append("  v").append(v.id()).append(" [shape=ellipse, style=filled, fillcolor=lightgrey, label=\"").append(v)
                    .append("\\n").append(v.typeString(symbols)).append("\"];\n");
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            String attrs = Attrs.format(n.attrs()).replace("\"", "\\\"");
            sb.append("  n").append(i).append(" [shape=box, label=\"").append(join(n.outputs())).append(" = ")
                    .append(n.op().name()).append(attrs.isEmpty() ? "" : "\\n" + attrs).append("\\n");
            for (int j = 0; j < n.outputs().size(); j++) {
                sb.append(j > 0 ? ", " : "").append(n.outputs().get(j).typeString(symbols));
            }
            sb.append("\"];\n");
            for (Value in : n.inputs()) {
                sb.append("  ").append(source(in)).append(" -> n").append(i).append(";\n");
            }
        }
        sb.append("  out [shape=doublecircle, label=\"return\"];\n");
        for (Value o : outputs) {
            sb.append("  ").append(source(o)).append(" -> out;\n");
        }
        return sb.append("}\n").toString();
    }

    private String source(Value v) {
        return v.producer() == null ? "v" + v.id() : "n" + nodes.indexOf(v.producer());
    }
}
