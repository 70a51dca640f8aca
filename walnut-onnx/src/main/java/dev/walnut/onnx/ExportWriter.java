package dev.walnut.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.graph.Dim;
import dev.walnut.graph.Graph;
import dev.walnut.graph.Node;
import dev.walnut.graph.Symbol;
import dev.walnut.graph.Value;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds the ONNX graph of one Walnut {@link Graph}: unique names for values, helper constants
 * (initializers, deduplicated by content), shape tensors for dims that follow the graph's
 * symbols, and errors that name the node being exported. {@link ExportOps} holds the rule of
 * each op and writes through this class.
 */
final class ExportWriter {
    final Graph graph;
    final int opset;
    final GraphProto.Builder proto = GraphProto.newBuilder();
    private final String[] names;
    private final Set<String> taken = new HashSet<>();
    private final Map<ByteString, String> constantCache = new HashMap<>();
    private final String[] symbolNames;
    private final Set<Integer> read = new HashSet<>();
    private Node current;
    private int nodeCount;

    ExportWriter(Graph graph, int opset, List<String> inputNames, List<String> outputNames) {
        this.graph = graph;
        this.opset = opset;
        names = new String[graph.values().size()];
        symbolNames = new String[graph.symbols().size()];
        for (int i = 0; i < graph.inputs().size(); i++) {
            names[graph.inputs().get(i).id()] = claim(i < inputNames.size() ? inputNames.get(i) : graph.inputs().get(i).name());
        }
        for (Value w : graph.weights()) {
            names[w.id()] = claim(w.name());
        }
        // Graph outputs take the requested names; a value returned twice, or an input returned
        // as it is, goes through an Identity so that each output has a name of its own.
        for (Node n : graph.nodes()) {
            n.inputs().forEach(v -> read.add(v.id()));
        }
        Set<Integer> named = new HashSet<>();
        for (int i = 0; i < graph.outputs().size(); i++) {
            Value o = graph.outputs().get(i);
            if (o.kind() == Value.Kind.NODE && named.add(o.id()) && i < outputNames.size()) {
                names[o.id()] = claim(outputNames.get(i));
            }
        }
    }

    /** A name no other value uses: {@code base}, else {@code base_1}, {@code base_2}, ... */
    String claim(String base) {
        String name = base;
        for (int k = 1; !taken.add(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }

    /** The ONNX name of a graph value. */
    String name(Value v) {
        String n = names[v.id()];
        if (n == null) {
            n = claim(v.kind() == Value.Kind.CONSTANT ? "const_" + v.name() : "t" + v.name());
            names[v.id()] = n;
        }
        return n;
    }

    /** Whether any node reads the value or the graph returns it. */
    boolean isUsed(Value v) {
        return read.contains(v.id()) || graph.outputs().contains(v);
    }

    void begin(Node n) {
        current = n;
    }

    Node node() {
        return current;
    }

    /** Input {@code i} of the current node. */
    String in(int i) {
        return name(current.inputs().get(i));
    }

    /** The value of input {@code i} of the current node. */
    Value inValue(int i) {
        return current.inputs().get(i);
    }

    int inputCount() {
        return current.inputs().size();
    }

    /** Output {@code j} of the current node. */
    String out(int j) {
        return name(current.outputs().get(j));
    }

    Value outValue(int j) {
        return current.outputs().get(j);
    }

    /** Input {@code i} converted to {@code dtype} (a Cast node when its dtype differs). */
    String inAs(int i, DType dtype) {
        return cast(in(i), inValue(i).dtype(), dtype);
    }

    String cast(String name, DType from, DType to) {
        if (from == to) {
            return name;
        }
        return emit("Cast", List.of(name), attr("to", elemType(to)));
    }

    /** A fresh name for a helper value of the current node. */
    String temp() {
        return claim((current == null ? "aux" : "t" + current.outputs().get(0).name()) + "_aux");
    }

    /** Adds a node with one fresh output and returns that output's name. */
    String emit(String opType, List<String> inputs, AttributeProto... attrs) {
        String out = temp();
        emitTo(opType, inputs, List.of(out), attrs);
        return out;
    }

    /** Adds a node writing {@code outputs}. */
    void emitTo(String opType, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(opType)
                .setName((current == null ? "shape" : current.op().name() + "_" + current.outputs().get(0).name())
                        + "_" + nodeCount++)
                .addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        proto.addNode(b);
    }

    /** A 1-d int64 constant. */
    String ints(long... values) {
        return constant(Tensor.fromArray(values.clone(), values.length));
    }

    /** A 0-d constant of {@code dtype}. */
    String scalar(double value, DType dtype) {
        Tensor t = switch (dtype) {
            case F32, F64 -> Tensor.scalar(value, dtype);
            case I32, I64 -> Tensor.scalar((double) (long) value, dtype);
            case BOOL -> Tensor.scalar(value != 0 ? 1.0 : 0.0, DType.F32).to(DType.BOOL);
        };
        return constant(t);
    }

    /** An initializer holding {@code t}; equal helper constants share one initializer. */
    String constant(Tensor t) {
        TensorProto body = tensor("", t);
        ByteString key = body.toByteString();
        String cached = constantCache.get(key);
        if (cached != null) {
            return cached;
        }
        String name = claim("const");
        proto.addInitializer(body.toBuilder().setName(name));
        constantCache.put(key, name);
        return name;
    }

    /**
     * An int64 1-d tensor holding these sizes: a constant when all are fixed, else computed from
     * the inputs' runtime shapes ({@code Shape} of the input each symbol is read from, then the
     * affine expression of each dim).
     */
    String shape(List<Dim> dims) {
        if (dims.stream().allMatch(Dim::isStatic)) {
            return ints(dims.stream().mapToLong(Dim::example).toArray());
        }
        List<String> parts = new ArrayList<>();
        List<Long> run = new ArrayList<>();
        for (Dim d : dims) {
            if (d.isStatic()) {
                run.add(d.example());
                continue;
            }
            if (!run.isEmpty()) {
                parts.add(ints(run.stream().mapToLong(Long::longValue).toArray()));
                run.clear();
            }
            parts.add(dimValue(d));
        }
        if (!run.isEmpty()) {
            parts.add(ints(run.stream().mapToLong(Long::longValue).toArray()));
        }
        return parts.size() == 1 ? parts.get(0) : emit("Concat", parts, attr("axis", 0));
    }

    /** A [1] int64 tensor holding {@code constant + sum(coefficient_i * symbol_i)}. */
    String dimValue(Dim d) {
        if (d.isStatic()) {
            return ints(d.example());
        }
        String acc = null;
        long constant = d.eval(new long[graph.symbols().size()]);
        for (int s = 0; s < graph.symbols().size(); s++) {
            long c = d.coefficient(s);
            if (c == 0) {
                continue;
            }
            String term = c == 1 ? symbol(s) : emit("Mul", List.of(symbol(s), ints(c)));
            acc = acc == null ? term : emit("Add", List.of(acc, term));
        }
        return constant == 0 ? acc : emit("Add", List.of(acc, ints(constant)));
    }

    /** The [1] int64 runtime size of symbol {@code s}, read once from its input's shape. */
    private String symbol(int s) {
        if (symbolNames[s] == null) {
            Symbol sym = graph.symbols().get(s);
            Node saved = current;
            current = null;
            symbolNames[s] = claim(sym.name());
            emitTo("Shape", List.of(name(graph.inputs().get(sym.input()))), List.of(symbolNames[s]),
                    attr("start", sym.dim()), attr("end", sym.dim() + 1));
            current = saved;
        }
        return symbolNames[s];
    }

    /** The ONNX dim name of symbol {@code s}: {@code batch} when the graph has one symbol. */
    String symbolParam(int s) {
        return graph.symbols().size() == 1 ? "batch" : graph.symbols().get(s).name();
    }

    /** An error naming the current node, its inputs' types and the problem. */
    OnnxException fail(String problem) {
        return new OnnxException("ONNX export: node " + describe(current) + ": " + problem);
    }

    String describe(Node n) {
        String outs = n.outputs().stream().map(Value::toString).collect(Collectors.joining(", "));
        String ins = n.inputs().stream().map(v -> v + ": " + v.typeString()).collect(Collectors.joining(", "));
        Object attrs = n.attrs();
        String a = attrs == null || attrs.toString().endsWith("[]") ? "" : " " + attrs;
        return outs + " = " + n.op().name() + "(" + ins + ")" + a;
    }

    // ------------------------------------------------------------------ protobuf helpers

    static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto attr(String name, long[] v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    static AttributeProto attr(String name, int[] v) {
        return attr(name, Arrays.stream(v).asLongStream().toArray());
    }

    static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    static int elemType(DType dt) {
        return switch (dt) {
            case F32 -> TensorProtos.FLOAT;
            case F64 -> TensorProtos.DOUBLE;
            case I32 -> TensorProtos.INT32;
            case I64 -> TensorProtos.INT64;
            case BOOL -> TensorProtos.BOOL;
        };
    }

    /** A tensor as little-endian raw data, as ONNX stores initializers. */
    static TensorProto tensor(String name, Tensor t) {
        long[] shape = t.shape();
        int n = Math.toIntExact(t.numel());
        ByteBuffer b;
        switch (t.dtype()) {
            case F32 -> {
                b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.toFloatArray()) {
                    b.putFloat(v);
                }
            }
            case F64 -> {
                b = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (double v : t.toDoubleArray()) {
                    b.putDouble(v);
                }
            }
            case I32 -> {
                b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (long v : t.toLongArray()) {
                    b.putInt((int) v);
                }
            }
            case I64 -> {
                b = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (long v : t.toLongArray()) {
                    b.putLong(v);
                }
            }
            default -> {
                b = ByteBuffer.allocate(n);
                for (boolean v : t.toBooleanArray()) {
                    b.put((byte) (v ? 1 : 0));
                }
            }
        }
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(elemType(t.dtype()))
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : shape) {
            p.addDims(d);
        }
        return p.build();
    }

    /** The declared type of a value: dtype and dims, a dim that is one symbol as its name. */
    ValueInfoProto valueInfo(String name, Value v) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Dim d : v.shape()) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d.isStatic()) {
                dim.setDimValue(d.example());
            } else {
                int single = -1;
                boolean plain = d.eval(new long[graph.symbols().size()]) == 0;
                for (int s = 0; s < graph.symbols().size() && plain; s++) {
                    long c = d.coefficient(s);
                    if (c == 1 && single < 0) {
                        single = s;
                    } else if (c != 0) {
                        plain = false;
                    }
                }
                if (plain && single >= 0) {
                    dim.setDimParam(symbolParam(single));
                }
                // Other expressions (2*batch) have no ONNX spelling: the dim stays unnamed.
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType(v.dtype())).setShape(shape))).build();
    }
}
