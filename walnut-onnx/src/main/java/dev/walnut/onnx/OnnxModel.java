package dev.walnut.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.nn.Module;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An imported ONNX model as a Walnut {@link Module}. Its floating-point initializers are
 * parameters (named as in the file, so {@code fc1.weight} is {@code namedParameters()}' key
 * {@code fc1.weight}); BatchNormalization statistics are buffers. {@link #forward(Tensor...)}
 * runs the graph node by node through Walnut tensor ops, so the outputs record on the gradient
 * tape and the model can be fine-tuned with any optimizer.
 *
 * <p>Nodes run with ONNX's inference semantics whatever {@link #train()} says: an exported
 * model's Dropout is the identity and its BatchNormalization uses the stored statistics.
 *
 * <pre>{@code
 * OnnxModel model = Onnx.load(Path.of("resnet18.onnx"));
 * Tensor logits = model.forward(Tensor.randn(1, 3, 224, 224));
 *
 * var opt = new Adam(model.parameters(), 1e-4);          // fine-tune the imported weights
 * Tensor loss = Losses.crossEntropy(model.forward(x), y);
 * loss.backward();
 * opt.step();
 * }</pre>
 */
public final class OnnxModel extends Module {
    // transient: Module discovers parameters from fields; these maps are bookkeeping only.
    private final transient String source;
    private final transient int opset;
    private final transient String producer;
    private final transient List<NodeProto> nodes;
    private final transient Map<String, Tensor> constants;
    // ONNX initializer name -> dotted name in namedParameters()/namedBuffers(); looked up on
    // every run, since to(DType) and friends replace the registered tensors.
    private final transient Map<String, String> weights;
    private final transient List<ValueInfoProto> inputs;
    private final transient List<ValueInfoProto> outputs;
    private final transient Map<String, Integer> lastUse;
    private final transient Map<String, Integer> histogram;

    OnnxModel(String source, int opset, String producer, List<NodeProto> nodes, Map<String, Tensor> constants,
              Map<String, Tensor> parameters, Map<String, Tensor> buffers, List<ValueInfoProto> inputs,
              List<ValueInfoProto> outputs, List<NodeProto> allNodes) {
        this.source = source;
        this.histogram = new TreeMap<>();
        for (NodeProto n : allNodes) {
            histogram.merge(n.getOpType(), 1, Integer::sum);
        }
        this.opset = opset;
        this.producer = producer;
        this.nodes = List.copyOf(nodes);
        this.constants = constants;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.weights = new HashMap<>();
        Scopes scopes = new Scopes(this);
        parameters.forEach((name, t) -> weights.put(name, scopes.register(name, t, true)));
        buffers.forEach((name, t) -> weights.put(name, scopes.register(name, t, false)));
        for (ValueInfoProto in : this.inputs) {
            if (TensorProtos.dtype(in.getType().getTensorType().getElemType()) == null) {
                throw new OnnxException(source + ": input \"" + in.getName() + "\" has type "
                        + TensorProtos.typeName(in.getType().getTensorType().getElemType())
                        + ", which Walnut has no dtype for");
            }
        }
        // Free each intermediate after the last node that reads it, so a deep model holds only
        // what it still needs (unless the tape keeps it for the backward pass).
        this.lastUse = new HashMap<>();
        for (int i = 0; i < this.nodes.size(); i++) {
            for (String in : this.nodes.get(i).getInputList()) {
                lastUse.put(in, i);
            }
        }
        for (ValueInfoProto o : outputs) {
            lastUse.put(o.getName(), Integer.MAX_VALUE);
        }
    }

    /**
     * The graph inputs the caller feeds, in order (initializers listed as inputs are left out).
     *
     * @return the input names
     */
    public List<String> inputNames() {
        return inputs.stream().map(ValueInfoProto::getName).toList();
    }

    /**
     * The graph outputs, in order.
     *
     * @return the output names
     */
    public List<String> outputNames() {
        return outputs.stream().map(ValueInfoProto::getName).toList();
    }

    /**
     * A graph input's or output's declared type and shape, e.g. {@code float32 [batch, 3, 224, 224]}
     * (named dims are dynamic).
     *
     * @param name an input or output name
     * @return the description, or null for an unknown name
     */
    public String describeValue(String name) {
        for (List<ValueInfoProto> list : List.of(inputs, outputs)) {
            for (ValueInfoProto v : list) {
                if (v.getName().equals(name)) {
                    return describe(v);
                }
            }
        }
        return null;
    }

    /**
     * The dtype a graph input declares.
     *
     * @param name an input name
     * @return its dtype, or null for an unknown name
     */
    public DType inputDType(String name) {
        for (ValueInfoProto v : inputs) {
            if (v.getName().equals(name)) {
                return TensorProtos.dtype(v.getType().getTensorType().getElemType());
            }
        }
        return null;
    }

    static String describe(ValueInfoProto v) {
        int elem = v.getType().getTensorType().getElemType();
        DType dt = TensorProtos.dtype(elem);
        String type = dt == null ? TensorProtos.typeName(elem) : dt.pytorchName().replace("torch.", "");
        if (!v.getType().getTensorType().hasShape()) {
            return type + " [?]";
        }
        List<String> dims = new ArrayList<>();
        for (TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList()) {
            dims.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
        }
        return type + " " + dims;
    }

    /**
     * The opset of the default ONNX domain the model was written for.
     *
     * @return the opset version
     */
    public int opsetVersion() {
        return opset;
    }

    /**
     * The producer the file names (e.g. {@code pytorch 1.13.1}).
     *
     * @return producer name and version, or an empty string
     */
    public String producer() {
        return producer;
    }

    /**
     * Where the model came from, as errors name it.
     *
     * @return the file (or the name given to {@link Onnx#load(byte[], String)})
     */
    public String source() {
        return source;
    }

    /**
     * How many nodes of each op type the graph has (Constant nodes included).
     *
     * @return counts by op type, sorted by op type
     */
    public Map<String, Integer> opHistogram() {
        return Collections.unmodifiableMap(histogram);
    }

    /**
     * The number of nodes that run (Constant nodes are evaluated once at load time).
     *
     * @return the node count
     */
    public int nodeCount() {
        return nodes.size();
    }

    /**
     * The number of trainable values: the elements of all parameters.
     *
     * @return the parameter count
     */
    public long parameterCount() {
        return parameters().stream().mapToLong(Tensor::numel).sum();
    }

    /**
     * Runs the graph on one input.
     *
     * @param input the graph's only input
     * @return the first output
     */
    @Override
    public Tensor forward(Tensor input) {
        return forward(new Tensor[] {input});
    }

    /**
     * Runs the graph on its inputs.
     *
     * @param inputs one tensor per graph input, in {@link #inputNames()} order
     * @return the first output
     */
    @Override
    public Tensor forward(Tensor... inputs) {
        return forwardAll(inputs).get(0);
    }

    /**
     * Runs the graph and returns every output, in {@link #outputNames()} order.
     *
     * @param inputs one tensor per graph input, in {@link #inputNames()} order
     * @return the outputs
     */
    public List<Tensor> forwardAll(Tensor... inputs) {
        if (inputs.length != this.inputs.size()) {
            throw new OnnxException(source + ": the model takes " + this.inputs.size() + " input(s) "
                    + inputNames() + ", got " + inputs.length);
        }
        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            feed.put(this.inputs.get(i).getName(), inputs[i]);
        }
        return new ArrayList<>(run(feed).values());
    }

    /**
     * Runs the graph on named inputs.
     *
     * @param feed a tensor for each name of {@link #inputNames()}
     * @return the outputs by name, in {@link #outputNames()} order
     */
    public Map<String, Tensor> run(Map<String, Tensor> feed) {
        Map<String, Tensor> values = new HashMap<>(constants);
        Map<String, Tensor> registered = new HashMap<>(namedParameters());
        registered.putAll(namedBuffers());
        weights.forEach((onnxName, path) -> values.put(onnxName, registered.get(path)));
        for (ValueInfoProto in : inputs) {
            Tensor t = feed.get(in.getName());
            if (t == null) {
                throw new OnnxException(source + ": input \"" + in.getName() + "\" (" + describe(in)
                        + ") is missing; the model takes " + inputNames());
            }
            checkInput(in, t);
            values.put(in.getName(), t);
        }
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto node = nodes.get(i);
            Tensor[] args = new Tensor[node.getInputCount()];
            for (int j = 0; j < args.length; j++) {
                String name = node.getInput(j);
                args[j] = name.isEmpty() ? null : values.get(name);
            }
            NodeCall call = new NodeCall(source, node, opset, args);
            Tensor[] out;
            try {
                out = Importers.get(node.getOpType()).apply(call);
            } catch (OnnxException e) {
                throw e;
            } catch (RuntimeException e) {
                throw call.fail(e.getMessage() == null ? e.toString() : e.getMessage(), e);
            }
            for (int j = 0; j < node.getOutputCount(); j++) {
                String name = node.getOutput(j);
                if (name.isEmpty()) {
                    continue;
                }
                if (j >= out.length || out[j] == null) {
                    throw call.fail("output " + j + " (\"" + name + "\") is not supported");
                }
                values.put(name, out[j]);
            }
            for (String name : node.getInputList()) {
                Integer last = lastUse.get(name);
                if (last != null && last == i && !weights.containsKey(name) && !constants.containsKey(name)) {
                    values.remove(name);
                }
            }
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (ValueInfoProto o : outputs) {
            result.put(o.getName(), values.get(o.getName()));
        }
        return Collections.unmodifiableMap(result);
    }

    private void checkInput(ValueInfoProto in, Tensor t) {
        var type = in.getType().getTensorType();
        DType want = TensorProtos.dtype(type.getElemType());
        // A float model converted with to(DType.F64) takes F64 inputs (and the reverse).
        boolean floats = want != null && want.isFloatingPoint() && t.dtype().isFloatingPoint();
        if (want != null && want != t.dtype() && !floats) {
            throw new OnnxException(source + ": input \"" + in.getName() + "\" must be " + describe(in) + ", got "
                    + t.dtype().pytorchName() + " " + Arrays.toString(t.shape()));
        }
        if (!type.hasShape()) {
            return;
        }
        List<TensorShapeProto.Dimension> dims = type.getShape().getDimList();
        boolean ok = dims.size() == t.dim();
        for (int i = 0; ok && i < dims.size(); i++) {
            ok = !dims.get(i).hasDimValue() || dims.get(i).getDimValue() == t.size(i);
        }
        if (!ok) {
            throw new OnnxException(source + ": input \"" + in.getName() + "\" must be " + describe(in) + ", got "
                    + t.dtype().pytorchName() + " " + Arrays.toString(t.shape()));
        }
    }

    @Override
    protected String extraRepr() {
        return "source=" + source + ", opset=" + opset + ", nodes=" + nodes.size();
    }

    /** Child modules for dotted initializer names, so {@code layer1.0.conv1.weight} keeps its name. */
    private static final class Scopes {
        private final OnnxModel root;
        private final Map<String, Scope> scopes = new HashMap<>();
        private final java.util.Set<String> taken = new java.util.HashSet<>();

        Scopes(OnnxModel root) {
            this.root = root;
        }

        /** Registers an initializer and returns its dotted name in the module tree. */
        String register(String name, Tensor t, boolean parameter) {
            String[] parts = name.split("\\.", -1);
            boolean nestable = parts.length > 1 && Arrays.stream(parts).noneMatch(String::isEmpty);
            String path = "";
            Module owner = root;
            if (nestable) {
                for (int i = 0; i < parts.length - 1 && nestable; i++) {
                    String p = path.isEmpty() ? parts[i] : path + "." + parts[i];
                    if (taken.contains(p)) {
                        nestable = false;       // a tensor already holds this name: fall back to a flat name
                        break;
                    }
                    path = p;
                }
            }
            String leaf;
            if (nestable && !taken.contains(name) && !scopes.containsKey(name)) {
                path = "";
                for (int i = 0; i < parts.length - 1; i++) {
                    String p = path.isEmpty() ? parts[i] : path + "." + parts[i];
                    Module parent = owner;
                    String part = parts[i];
                    owner = scopes.computeIfAbsent(p, k -> parent == root ? root.registerModule(part, new Scope())
                            : ((Scope) parent).child(part));
                    path = p;
                }
                leaf = parts[parts.length - 1];
            } else {
                owner = root;
                leaf = name.replace('.', '_');
                if (leaf.isEmpty()) {
                    leaf = "_";
                }
                while (taken.contains(leaf) || scopes.containsKey(leaf)) {
                    leaf = leaf + "_";
                }
            }
            String dotted = owner == root ? leaf : path + "." + leaf;
            taken.add(dotted);
            if (owner == root) {
                if (parameter) {
                    root.registerParameter(leaf, t);
                } else {
                    root.registerBuffer(leaf, t);
                }
            } else if (parameter) {
                ((Scope) owner).parameter(leaf, t);
            } else {
                ((Scope) owner).buffer(leaf, t);
            }
            return dotted;
        }
    }

    /** A namespace module holding imported tensors (never run on its own). */
    private static final class Scope extends Module {
        Scope child(String name) {
            return registerModule(name, new Scope());
        }

        Tensor parameter(String name, Tensor t) {
            return registerParameter(name, t);
        }

        Tensor buffer(String name, Tensor t) {
            return registerBuffer(name, t);
        }
    }
}
