package dev.walnut.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.walnut.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads ONNX models into Walnut. The whole file is checked before anything runs: the protobuf,
 * the opset (13 to 18 of the default domain), that every op type is one Walnut imports, that
 * every node input is produced somewhere, that the graph has no cycle, and that each initializer
 * holds as many bytes as its shape needs. Each problem is an {@link OnnxException} naming the
 * file and node.
 *
 * <pre>{@code
 * OnnxModel model = Onnx.load(Path.of("mlp.onnx"));
 * Tensor y = model.forward(Tensor.randn(4, 8));
 * System.out.println(model.opHistogram());   // {Gemm=3, Relu=2}
 * }</pre>
 */
public final class Onnx {
    /** The largest file read; protobuf messages cannot exceed 2 GiB, larger models use external data. */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private Onnx() {
    }

    /**
     * Loads a model file. Initializers stored as external data are read from files in the model's
     * directory (never from outside it).
     *
     * @param path the {@code .onnx} file
     * @return the model, ready to run
     * @throws OnnxException if the file cannot be read, is not a valid ONNX model, or uses an op or
     *     opset Walnut does not import
     */
    public static OnnxModel load(Path path) {
        long size;
        byte[] bytes;
        try {
            size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw new OnnxException(path + ": " + size + " bytes is more than a protobuf message may hold (2 GiB); "
                        + "store the weights as external data");
            }
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new OnnxException(path + ": cannot read the model: " + e, e);
        }
        Path dir = path.toAbsolutePath().getParent();
        return load(bytes, path.toString(), dir);
    }

    /**
     * Loads a model from bytes (e.g. a class-path resource). External data is refused, since there
     * is no directory to read it from.
     *
     * @param bytes the serialized ModelProto
     * @param source a name for the model in error messages
     * @return the model
     * @throws OnnxException as {@link #load(Path)}
     */
    public static OnnxModel load(byte[] bytes, String source) {
        return load(bytes, source, null);
    }

    /**
     * Reads what a model file declares (opset, inputs, outputs, op histogram, parameter count, the
     * op types Walnut does not import) without importing it, so it works for any well-formed file.
     *
     * @param path the {@code .onnx} file
     * @return the declared facts
     * @throws OnnxException if the file cannot be read or is not a valid ONNX protobuf
     */
    public static OnnxModelInfo describe(Path path) {
        byte[] bytes;
        try {
            if (Files.size(path) > MAX_FILE_BYTES) {
                throw new OnnxException(path + ": more than a protobuf message may hold (2 GiB)");
            }
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new OnnxException(path + ": cannot read the model: " + e, e);
        }
        String source = path.toString();
        ModelProto model = parse(bytes, source);
        if (!model.hasGraph()) {
            throw new OnnxException(source + ": not an ONNX model (no graph; " + bytes.length + " bytes)");
        }
        int opset = 0;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) o.getVersion();
            }
        }
        GraphProto g = model.getGraph();
        Set<String> statistics = statistics(g);
        Set<String> initializers = new HashSet<>();
        long parameters = 0;
        for (TensorProto t : g.getInitializerList()) {
            initializers.add(t.getName());
            int type = t.getDataType();
            boolean floating = type == TensorProtos.FLOAT || type == TensorProtos.DOUBLE
                    || type == TensorProtos.FLOAT16 || type == TensorProtos.BFLOAT16;
            if (floating && !statistics.contains(t.getName())) {
                long n = 1;
                for (long d : t.getDimsList()) {
                    n = d <= 0 ? 0 : (n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d);
                }
                parameters = n > Long.MAX_VALUE - parameters ? Long.MAX_VALUE : parameters + n;
            }
        }
        Map<String, String> inputs = new LinkedHashMap<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!initializers.contains(v.getName())) {
                inputs.put(v.getName(), OnnxModel.describe(v));
            }
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (ValueInfoProto v : g.getOutputList()) {
            outputs.put(v.getName(), OnnxModel.describe(v));
        }
        Map<String, Integer> histogram = new java.util.TreeMap<>();
        Set<String> unsupported = new TreeSet<>();
        for (NodeProto n : g.getNodeList()) {
            histogram.merge(n.getOpType(), 1, Integer::sum);
            boolean defaultDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            if (!defaultDomain || Importers.get(n.getOpType()) == null) {
                unsupported.add(defaultDomain ? n.getOpType() : n.getDomain() + "::" + n.getOpType());
            }
        }
        String producer = (model.getProducerName() + " " + model.getProducerVersion()).trim();
        return new OnnxModelInfo(source, opset, producer, java.util.Collections.unmodifiableMap(inputs),
                java.util.Collections.unmodifiableMap(outputs), java.util.Collections.unmodifiableMap(histogram),
                parameters, java.util.Collections.unmodifiableSet(unsupported));
    }

    /** BatchNormalization's running mean and variance: imported as buffers, not parameters. */
    private static Set<String> statistics(GraphProto g) {
        Set<String> statistics = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("BatchNormalization")) {
                for (int i = 3; i < Math.min(5, n.getInputCount()); i++) {
                    statistics.add(n.getInput(i));
                }
            }
        }
        return statistics;
    }

    /** Parses the protobuf of a model; a malformed one is an OnnxException naming the source. */
    static ModelProto parse(byte[] bytes, String source) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setSizeLimit(Integer.MAX_VALUE);
            ModelProto m = ModelProto.parseFrom(in);
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxException(source + ": not a valid ONNX model (truncated or malformed protobuf: "
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxException(source + ": cannot parse the model: " + e, e);
        }
    }

    private static OnnxModel load(byte[] bytes, String source, Path dir) {
        ModelProto model = parse(bytes, source);
        if (!model.hasGraph()) {
            throw new OnnxException(source + ": not an ONNX model (no graph; " + bytes.length + " bytes)");
        }
        int opset = opset(model, source);
        GraphProto g = model.getGraph();

        // Initializers: floating-point ones are trainable, the rest (shapes, indices) constants;
        // BatchNormalization's statistics are buffers.
        Set<String> statistics = statistics(g);
        Map<String, Tensor> parameters = new LinkedHashMap<>();
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        Map<String, Tensor> constants = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            Tensor v = TensorProtos.read(t, source + ": initializer \"" + t.getName() + "\"", dir);
            if (statistics.contains(t.getName()) && v.dtype().isFloatingPoint()) {
                buffers.put(t.getName(), v);
            } else if (v.dtype().isFloatingPoint()) {
                parameters.put(t.getName(), v);
            } else {
                constants.put(t.getName(), v);
            }
        }
        if (g.getSparseInitializerCount() > 0) {
            throw new OnnxException(source + ": sparse initializers are not supported");
        }
        Set<String> known = new HashSet<>(parameters.keySet());
        known.addAll(buffers.keySet());
        known.addAll(constants.keySet());
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto in : g.getInputList()) {
            if (!known.contains(in.getName())) {
                inputs.add(in);
                known.add(in.getName());
            }
        }
        checkOps(g, source, opset);
        List<NodeProto> order = topologicalOrder(g, known, source, opset);

        // Constant nodes are evaluated once, here.
        List<NodeProto> run = new ArrayList<>();
        for (NodeProto n : order) {
            if (n.getOpType().equals("Constant")) {
                NodeCall call = new NodeCall(source, n, opset, new Tensor[0]);
                constants.put(n.getOutput(0), Importers.constant(call));
            } else {
                run.add(n);
            }
        }
        String producer = (model.getProducerName() + " " + model.getProducerVersion()).trim();
        return new OnnxModel(source, opset, producer, run, constants, parameters, buffers, inputs, g.getOutputList(),
                g.getNodeList());
    }

    private static int opset(ModelProto model, String source) {
        Integer version = null;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                version = (int) o.getVersion();
            }
        }
        if (version == null) {
            throw new OnnxException(source + ": the model imports no opset of the default ONNX domain");
        }
        if (version < Importers.MIN_OPSET || version > Importers.MAX_OPSET) {
            throw new OnnxException(source + ": opset " + version + " is not supported (Walnut imports opsets "
                    + Importers.MIN_OPSET + " to " + Importers.MAX_OPSET + "); convert the model with "
                    + "onnx.version_converter or export it again with opset_version=17");
        }
        return version;
    }

    private static void checkOps(GraphProto g, String source, int opset) {
        Set<String> unknown = new TreeSet<>();
        NodeProto first = null;
        for (NodeProto n : g.getNodeList()) {
            boolean defaultDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            if (!defaultDomain || Importers.get(n.getOpType()) == null) {
                unknown.add(defaultDomain ? n.getOpType() : n.getDomain() + "::" + n.getOpType());
                if (first == null) {
                    first = n;
                }
            }
        }
        if (first != null) {
            throw new OnnxException(source + ": node " + NodeCall.label(first) + " (" + first.getOpType() + ", opset "
                    + opset + "): op type" + (unknown.size() > 1 ? "s " : " ") + unknown
                    + " not supported by Walnut's ONNX import");
        }
    }

    /**
     * The nodes in an order where each runs after the producers of its inputs (Kahn's algorithm;
     * ONNX requires files to be sorted already, but a stable sort costs little and tolerates
     * files that are not). Missing inputs and cycles are errors naming a node.
     */
    private static List<NodeProto> topologicalOrder(GraphProto g, Set<String> available, String source, int opset) {
        List<NodeProto> nodes = g.getNodeList();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).getOutputList()) {
                if (out.isEmpty()) {
                    continue;
                }
                if (available.contains(out) || producer.putIfAbsent(out, i) != null) {
                    throw new OnnxException(source + ": node " + NodeCall.label(nodes.get(i)) + " ("
                            + nodes.get(i).getOpType() + ", opset " + opset + "): output \"" + out
                            + "\" is already defined by another node, input or initializer");
                }
            }
        }
        int[] pending = new int[nodes.size()];
        Map<Integer, List<Integer>> consumers = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (String in : n.getInputList()) {
                if (in.isEmpty() || available.contains(in)) {
                    continue;
                }
                Integer p = producer.get(in);
                if (p == null) {
                    throw new OnnxException(source + ": node " + NodeCall.label(n) + " (" + n.getOpType() + ", opset "
                            + opset + "): input \"" + in + "\" is not a graph input, an initializer or the output "
                            + "of any node");
                }
                pending[i]++;
                consumers.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (pending[i] == 0) {
                ready.add(i);
            }
        }
        List<NodeProto> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(nodes.get(i));
            for (int c : consumers.getOrDefault(i, List.of())) {
                if (--pending[c] == 0) {
                    ready.add(c);
                }
            }
        }
        if (order.size() != nodes.size()) {
            List<String> stuck = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                if (pending[i] > 0) {
                    stuck.add(NodeCall.label(nodes.get(i)) + " (" + nodes.get(i).getOpType() + ")");
                }
            }
            throw new OnnxException(source + ": the graph has a cycle through node" + (stuck.size() > 1 ? "s " : " ")
                    + String.join(", ", stuck));
        }
        Set<String> produced = new HashSet<>(available);
        produced.addAll(producer.keySet());
        for (ValueInfoProto o : g.getOutputList()) {
            if (!produced.contains(o.getName())) {
                throw new OnnxException(source + ": graph output \"" + o.getName() + "\" is not produced by any node");
            }
        }
        return order;
    }

    /**
     * Exports a module as an ONNX model (opset 17, dim 0 of each input dynamic, weights as
     * initializers); {@link OnnxExport#options()} chooses the opset, dynamic dims and names.
     *
     * @param module the model; traced in eval mode on the example inputs
     * @param exampleInputs inputs of the shapes the model takes (batch size 2 or more)
     * @param path the {@code .onnx} file to write
     * @throws OnnxException if an op has no ONNX form (the error names the op and node) or the
     *     file cannot be written
     */
    public static void export(dev.walnut.nn.Module module, Tensor[] exampleInputs, Path path) {
        OnnxExport.options().export(module, exampleInputs, path);
    }
}
