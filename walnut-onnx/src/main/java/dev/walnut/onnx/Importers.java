package dev.walnut.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import dev.walnut.DType;
import dev.walnut.Tensor;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** The ONNX op types Walnut imports, by name (default domain), and the Constant op. */
final class Importers {
    static final int MIN_OPSET = 13;
    static final int MAX_OPSET = 18;

    private static final Map<String, OnnxOp> OPS;

    static {
        Map<String, OnnxOp> ops = new TreeMap<>();
        MathImporters.register(ops);
        ShapeImporters.register(ops);
        NnImporters.register(ops);
        RecurrentImporters.register(ops);
        ResizeImporter.register(ops);
        IndexingImporters.register(ops);
        ops.put("Constant", n -> OnnxOp.one(constant(n)));
        OPS = Collections.unmodifiableMap(ops);
    }

    private Importers() {
    }

    /** The implementation of an op type, or null when Walnut does not import it. */
    static OnnxOp get(String opType) {
        return OPS.get(opType);
    }

    /** The value of a Constant node, from whichever value attribute it carries. */
    static Tensor constant(NodeCall n) {
        for (String name : new String[] {"value", "value_float", "value_floats", "value_int", "value_ints"}) {
            AttributeProto a = n.attribute(name);
            if (a == null) {
                continue;
            }
            return switch (name) {
                case "value" -> TensorProtos.read(a.getT(), n.describe() + " value", null);
                case "value_float" -> Tensor.scalar(a.getF(), DType.F32);
                case "value_floats" -> {
                    float[] v = n.attrFloats(name);
                    yield Tensor.fromArray(v, v.length);
                }
                case "value_int" -> Tensor.scalar(a.getI(), DType.I64);
                default -> {
                    long[] v = n.attrInts(name);
                    yield Tensor.fromArray(v, v.length);
                }
            };
        }
        throw n.fail("a Constant needs one of value, value_float(s), value_int(s); sparse and string values "
                + "are not supported");
    }
}
