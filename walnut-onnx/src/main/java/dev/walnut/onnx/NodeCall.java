package dev.walnut.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.walnut.Tensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX node as an op implementation sees it: its attributes (with ONNX's defaults applied by
 * the caller), its inputs (null where an optional input is left out), how many outputs are asked
 * for, and {@link #fail} for errors that name the node.
 */
final class NodeCall {
    private final String source;
    private final NodeProto node;
    private final int opset;
    private final Tensor[] inputs;
    private final Map<String, AttributeProto> attributes = new HashMap<>();

    NodeCall(String source, NodeProto node, int opset, Tensor[] inputs) {
        this.source = source;
        this.node = node;
        this.opset = opset;
        this.inputs = inputs;
        for (AttributeProto a : node.getAttributeList()) {
            attributes.put(a.getName(), a);
        }
    }

    int opset() {
        return opset;
    }

    /** Input {@code i}, or null when the node leaves it out (empty name or fewer inputs). */
    Tensor input(int i) {
        return i < inputs.length ? inputs[i] : null;
    }

    /** Input {@code i}, which the op requires. */
    Tensor required(int i) {
        Tensor t = input(i);
        if (t == null) {
            throw fail("required input " + i + " is missing");
        }
        return t;
    }

    int inputCount() {
        return inputs.length;
    }

    /** How many outputs the node names (trailing optional outputs may be left out). */
    int outputCount() {
        return node.getOutputCount();
    }

    /** Whether output {@code i} is asked for (named, not empty). */
    boolean wantsOutput(int i) {
        return i < node.getOutputCount() && !node.getOutput(i).isEmpty();
    }

    boolean has(String name) {
        return attributes.containsKey(name);
    }

    long attrInt(String name, long defaultValue) {
        AttributeProto a = attributes.get(name);
        return a == null ? defaultValue : a.getI();
    }

    double attrFloat(String name, double defaultValue) {
        AttributeProto a = attributes.get(name);
        return a == null ? defaultValue : a.getF();
    }

    String attrString(String name, String defaultValue) {
        AttributeProto a = attributes.get(name);
        return a == null ? defaultValue : a.getS().toStringUtf8();
    }

    /** An ints attribute, or null when absent. */
    long[] attrInts(String name) {
        AttributeProto a = attributes.get(name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    float[] attrFloats(String name) {
        AttributeProto a = attributes.get(name);
        if (a == null) {
            return null;
        }
        float[] out = new float[a.getFloatsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.getFloats(i);
        }
        return out;
    }

    List<String> attrStrings(String name) {
        AttributeProto a = attributes.get(name);
        return a == null ? null : a.getStringsList().stream().map(b -> b.toStringUtf8()).toList();
    }

    AttributeProto attribute(String name) {
        return attributes.get(name);
    }

    /** An axis attribute or input value wrapped into {@code [0, rank)}; out of range is an error naming it. */
    int axis(long axis, int rank, String what) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw fail(what + " " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    /** The values of a small integer input (shapes, axes, pads) as longs. */
    long[] longs(int i) {
        Tensor t = required(i);
        if (t.dtype().isFloatingPoint()) {
            throw fail("input " + i + " must be an integer tensor, got " + t.dtype());
        }
        return t.toLongArray();
    }

    /**
     * Checks that an output of {@code shape} fits in the JVM's heap before an op allocates it, so
     * that a file asking for a huge tensor (ConstantOfShape, Tile, Range, Pad) gets an error naming
     * the node rather than an OutOfMemoryError.
     */
    void checkAllocation(long[] shape, dev.walnut.DType dtype) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw fail("negative dimension in output shape " + Arrays.toString(shape));
            }
            n = d == 0 ? 0 : (n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d);
        }
        long bytes = n > Long.MAX_VALUE / 8 ? Long.MAX_VALUE : n * dtype.byteSize();
        if (n > Integer.MAX_VALUE - 8 || bytes > Runtime.getRuntime().maxMemory()) {
            throw fail("output shape " + Arrays.toString(shape) + " needs " + bytes + " bytes, more than the JVM's heap ("
                    + Runtime.getRuntime().maxMemory() + " bytes) or a Java array holds");
        }
    }

    /** An error naming the file, the node, its op type and opset, and the shapes of its inputs. */
    OnnxException fail(String problem) {
        return new OnnxException(describe() + ": " + problem);
    }

    OnnxException fail(String problem, Throwable cause) {
        return new OnnxException(describe() + ": " + problem, cause);
    }

    String describe() {
        StringBuilder shapes = new StringBuilder();
        for (int i = 0; i < inputs.length; i++) {
            shapes.append(i == 0 ? "" : ", ");
            shapes.append(inputs[i] == null ? "-" : Arrays.toString(inputs[i].shape()) + " " + inputs[i].dtype());
        }
        return source + ": node " + label(node) + " (" + node.getOpType() + ", opset " + opset
                + ", inputs " + shapes + ")";
    }

    /** A node's name in quotes, or for an unnamed node the first output it writes. */
    static String label(NodeProto node) {
        if (!node.getName().isEmpty() || node.getOutputCount() == 0) {
            return "\"" + node.getName() + "\"";
        }
        return "writing \"" + node.getOutput(0) + "\"";
    }
}
