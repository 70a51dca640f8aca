package dev.walnut.graph;

import dev.walnut.DType;
import java.util.Arrays;
import java.util.List;

/**
 * An SSA value of a {@link Graph}: defined once (a user input, a named weight, a constant, or
 * an output of one {@link Node}) and read by any number of nodes. It carries its dtype and
 * shape, whose dims may follow the graph's dynamic dims ({@link Dim}).
 *
 * <pre>{@code
 * Value x = graph.inputs().get(0);
 * x.name();          // "x0"
 * x.dtype();         // F32
 * x.typeString();    // "f32[?,784]"
 * }</pre>
 */
public final class Value {
    /** Where a value comes from. */
    public enum Kind {
        /** An argument of the traced function. */
        INPUT,
        /** A module parameter or buffer, bound by name. */
        WEIGHT,
        /** A tensor folded into the graph. */
        CONSTANT,
        /** An output of a node. */
        NODE
    }

    private final Kind kind;
    private final DType dtype;
    private final Dim[] shape;
    String name;
    int id = -1;
    Node producer;
    int outputIndex;
    List<Symbol> symbols = List.of();

    Value(Kind kind, String name, DType dtype, Dim[] shape) {
        this.kind = kind;
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
    }

    /** Where the value comes from. */
    public Kind kind() {
        return kind;
    }

    /** Its name in the printed graph, without the {@code %}. */
    public String name() {
        return name;
    }

    /** Its index in the graph's value table (inputs, weights, constants, then node outputs). */
    public int id() {
        return id;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** The dims. */
    public List<Dim> shape() {
        return List.of(shape);
    }

    Dim[] dims() {
        return shape;
    }

    /** The node that defines it, or null for inputs, weights and constants. */
    public Node producer() {
        return producer;
    }

    /** The shape when traced. */
    public long[] exampleShape() {
        return Dim.examples(shape);
    }

    /** True when a dim follows a dynamic size. */
    public boolean isDynamic() {
        return Arrays.stream(shape).anyMatch(d -> !d.isStatic());
    }

    /** Like {@code f32[?,512]}. */
    String typeString(List<Symbol> symbols) {
        return Graph.dtypeName(dtype) + shapeString(symbols);
    }

    String shapeString(List<Symbol> symbols) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? "," : "").append(shape[i].format(symbols));
        }
        return sb.append(']').toString();
    }

    /** The dtype and shape as printed, e.g. {@code f32[?,784]}. */
    public String typeString() {
        return typeString(symbols);
    }

    @Override
    public String toString() {
        return "%" + name;
    }
}
