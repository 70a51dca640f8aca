package dev.walnut.graph;

import dev.walnut.ops.OpDef;
import java.util.List;

/**
 * One primitive call in a {@link Graph}: an op definition, its typed attributes (the record
 * the tensor method passed to the dispatcher), the values it reads and the values it defines.
 * When the graph has dynamic dims and an attribute embeds a size that follows them (a reshape
 * target, an expand shape), the node also carries the template that re-derives the attributes
 * for each run's sizes.
 *
 * <pre>{@code
 * for (Node n : graph.nodes()) {
 *     System.out.println(n.op().name() + " " + n.attrs());
 * }
 * }</pre>
 */
public final class Node {
    private final OpDef<?> op;
    private final Object attrs;
    private final AttrTemplate template;
    private final List<Value> inputs;
    private final List<Value> outputs;

    Node(OpDef<?> op, Object attrs, AttrTemplate template, List<Value> inputs, List<Value> outputs) {
        this.op = op;
        this.attrs = attrs;
        this.template = template;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    /** The op definition. */
    public OpDef<?> op() {
        return op;
    }

    /** The attributes as traced. */
    public Object attrs() {
        return attrs;
    }

    /** True when some attribute follows the graph's dynamic dims. */
    public boolean hasDynamicAttrs() {
        return template != null;
    }

    AttrTemplate template() {
        return template;
    }

    /**
     * The size expression of the integer attribute {@code name} (a component of the attributes
     * record, e.g. a slice's {@code length}) when it follows the graph's dynamic dims; null when
     * its traced value holds for every run. ONNX export computes such attributes from the
     * inputs' runtime shapes.
     */
    public Dim dynamicAttr(String name) {
        if (template != null) {
            for (AttrTemplate.Hole h : template.holes()) {
                if (h.path().equals(List.of(name))) {
                    return h.value();
                }
            }
        }
        return null;
    }

    /** The attributes for these symbol values (the traced ones when none is dynamic). */
    Object attrsFor(long[] symbols) {
        return template == null ? attrs : template.materialize(attrs, symbols);
    }

    /** The values read, in argument order. */
    public List<Value> inputs() {
        return inputs;
    }

    /** The values defined. */
    public List<Value> outputs() {
        return outputs;
    }

    @Override
    public String toString() {
        return op.name() + inputs + " -> " + outputs;
    }
}
