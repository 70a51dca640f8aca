package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.ops.OpDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Graph} in program order: inputs, weights, constants and nodes, then outputs.
 * Values are named when the graph is built ({@code x0}, weight names, {@code c0}, then node
 * outputs {@code 0, 1, ...} in order), so a rewritten graph prints with fresh, dense numbers.
 */
final class GraphBuilder {
    final List<Symbol> symbols;
    final List<Value> inputs = new ArrayList<>();
    final List<Value> weights = new ArrayList<>();
    final Map<String, Tensor> boundWeights = new LinkedHashMap<>();
    final List<Value> constants = new ArrayList<>();
    final Map<Value, Tensor> constantData = new IdentityHashMap<>();
    final List<Node> nodes = new ArrayList<>();
    final List<Value> outputs = new ArrayList<>();

    GraphBuilder(List<Symbol> symbols) {
        this.symbols = List.copyOf(symbols);
    }

    Value input(String name, DType dtype, Dim[] shape) {
        Value v = new Value(Value.Kind.INPUT, name, dtype, shape);
        inputs.add(v);
        return v;
    }

    /** A named weight; {@code bound} (may be null) is the tensor the graph runs with by default. */
    Value weight(String name, DType dtype, Dim[] shape, Tensor bound) {
        Value v = new Value(Value.Kind.WEIGHT, name, dtype, shape);
        weights.add(v);
        if (bound != null) {
            boundWeights.put(name, bound);
        }
        return v;
    }

    Value constant(Tensor t) {
        Value v = new Value(Value.Kind.CONSTANT, null, t.dtype(), Dim.fixed(t.shape()));
        constants.add(v);
        constantData.put(v, t);
        return v;
    }

    Value[] node(OpDef<?> op, Object attrs, AttrTemplate template, Value[] in, DType[] dtypes, Dim[][] shapes) {
        Value[] out = new Value[dtypes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Value(Value.Kind.NODE, null, dtypes[i], shapes[i]);
            out[i].outputIndex = i;
        }
        Node n = new Node(op, attrs, template, Arrays.asList(in), Arrays.asList(out));
        for (Value v : out) {
            v.producer = n;
        }
        nodes.add(n);
        return out;
    }

    void output(Value v) {
        outputs.add(v);
    }

    Graph build() {
        List<Value> all = new ArrayList<>(inputs);
        all.addAll(weights);
        for (int i = 0; i < constants.size(); i++) {
            constants.get(i).name = "c" + i;
        }
        all.addAll(constants);
        int k = 0;
        for (Node n : nodes) {
            for (Value v : n.outputs()) {
                v.name = Integer.toString(k++);
                all.add(v);
            }
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Value v : all) {
            if (!names.add(v.name())) {
                throw new IllegalArgumentException("two graph values are named %" + v.name() + "; input and weight names must "
                        + "differ from each other, from constants (c0, c1, ...) and from node numbers (0, 1, ...)");
            }
        }
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id >= 0) {
                throw new IllegalStateException("value " + all.get(i) + " already belongs to a graph");
            }
            all.get(i).id = i;
            all.get(i).symbols = symbols;
        }
        Map<String, Tensor> bound = new LinkedHashMap<>();
        for (Value w : weights) {
            Tensor t = boundWeights.get(w.name());
            if (t != null) {
                bound.put(w.name(), t);
            }
        }
        Tensor[] data = new Tensor[all.size()];
        for (Value c : constants) {
            data[c.id] = constantData.get(c);
        }
        return new Graph(symbols, inputs, weights, constants, nodes, outputs, all, data, bound);
    }

    /**
     * Copies a graph's inputs and symbols into a new builder; weights and constants are copied
     * when first read, so a pass that drops their last use drops them too.
     */
    static final class Rebuild {
        final Graph source;
        final GraphBuilder builder;
        private final Map<Value, Value> map = new IdentityHashMap<>();
        private final Map<Value, Tensor> pendingConstants = new IdentityHashMap<>();

        Rebuild(Graph source) {
            this.source = source;
            this.builder = new GraphBuilder(source.symbols());
            for (Value v : source.inputs()) {
                map.put(v, builder.input(v.name(), v.dtype(), v.dims()));
            }
        }

        /** The new value for an old one. */
        Value get(Value old) {
            Value v = map.get(old);
            if (v != null) {
                return v;
            }
            Tensor pending = pendingConstants.get(old);
            v = pending != null ? builder.constant(pending) : switch (old.kind()) {
                case WEIGHT -> builder.weight(old.name(), old.dtype(), old.dims(), source.boundWeights().get(old.name()));
                case CONSTANT -> builder.constant(source.constant(old));
                default -> throw new IllegalStateException(old + " is used before it is defined");
            };
            map.put(old, v);
            return v;
        }

        /** The new values for old ones, in order: a fused node's inputs. */
        Value[] get(Value[] old) {
            Value[] mapped = new Value[old.length];
            for (int i = 0; i < old.length; i++) {
                mapped[i] = get(old[i]);
            }
            return mapped;
        }

        /** Makes reads of {@code old} read {@code replacement} (a value of the new graph). */
        void replace(Value old, Value replacement) {
            map.put(old, replacement);
        }

        /** Makes reads of {@code old} read a constant holding {@code t}, added when first read. */
        void replaceWithConstant(Value old, Tensor t) {
            pendingConstants.put(old, t);
        }

        /** Copies a node unchanged (its inputs mapped). */
        void copy(Node n) {
            emit(n, n.op(), n.attrs(), n.template(), n.inputs().stream().map(this::get).toArray(Value[]::new));
        }

        /** Adds a node in place of {@code old}, whose outputs it defines. */
        void emit(Node old, OpDef<?> op, Object attrs, AttrTemplate template, Value[] inputs) {
            List<Value> outs = old.outputs();
            DType[] dtypes = new DType[outs.size()];
            Dim[][] shapes = new Dim[outs.size()][];
            for (int i = 0; i < dtypes.length; i++) {
                dtypes[i] = outs.get(i).dtype();
                shapes[i] = outs.get(i).dims();
            }
            Value[] created = builder.node(op, attrs, template, inputs, dtypes, shapes);
            for (int i = 0; i < created.length; i++) {
                map.put(outs.get(i), created[i]);
            }
        }

        Graph finish() {
            for (Value o : source.outputs()) {
                builder.output(get(o));
            }
            return builder.build();
        }
    }
}
