package dev.walnut.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Small hand-built ONNX models for the tests, written with the generated protobuf builders. */
final class Models {
    private Models() {
    }

    static ModelProto model(int opset, GraphProto graph) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("walnut-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph).build();
    }

    static ValueInfoProto floatInput(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProtos.FLOAT).setShape(shape))).build();
    }

    static NodeProto node(String name, String op, String[] inputs, String[] outputs, AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setName(name).setOpType(op);
        for (String i : inputs) {
            b.addInput(i);
        }
        for (String o : outputs) {
            b.addOutput(o);
        }
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        return b.build();
    }

    /**
     * A model of one node of {@code op} whose inputs {@code i0, i1, ...} are graph inputs of the
     * given tensors' dtypes (a null tensor: the input is left out, an empty name), with
     * {@code outputs} outputs {@code o0, o1, ...}.
     */
    static ModelProto singleNode(int opset, String op, int outputs, java.util.List<AttributeProto> attrs,
                                 dev.walnut.Tensor... inputs) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("one");
        NodeProto.Builder n = NodeProto.newBuilder().setName("n0").setOpType(op).addAllAttribute(attrs);
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                n.addInput("");
                continue;
            }
            n.addInput("i" + i);
            g.addInput(ValueInfoProto.newBuilder().setName("i" + i).setType(TypeProto.newBuilder().setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(TensorProtos.onnxType(inputs[i].dtype())))));
        }
        for (int i = 0; i < outputs; i++) {
            n.addOutput("o" + i);
            g.addOutput(ValueInfoProto.newBuilder().setName("o" + i));
        }
        return model(opset, g.addNode(n).build());
    }

    static AttributeProto strAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProtos.FLOAT)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    static TensorProto longs(String name, long... values) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProtos.INT64).addDims(values.length)
                .addAllInt64Data(java.util.Arrays.stream(values).boxed().toList()).build();
    }
}
