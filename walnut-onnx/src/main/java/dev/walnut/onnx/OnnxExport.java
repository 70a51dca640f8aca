package dev.walnut.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import dev.walnut.Tensor;
import dev.walnut.graph.AlgebraicSimplification;
import dev.walnut.graph.CommonSubexpressionElimination;
import dev.walnut.graph.ConstantFolding;
import dev.walnut.graph.DeadCodeElimination;
import dev.walnut.graph.Graph;
import dev.walnut.graph.Node;
import dev.walnut.graph.Pass;
import dev.walnut.graph.Tracer;
import dev.walnut.graph.Value;
import dev.walnut.nn.Module;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Writes Walnut models as ONNX files. A module's forward is traced into a {@link Graph} (in eval
 * mode, with dim 0 of every input dynamic by default), simplified (algebraic simplification,
 * constant folding, common subexpressions, dead code; never the fusion passes, whose fused ops
 * ONNX has no names for), and each node is written as the ONNX nodes that compute it (opset 17
 * by default, or 18). Weights become initializers under their module names; the dynamic dim is a
 * symbolic dim named {@code batch}; every value carries its dtype and shape. An op ONNX cannot
 * express is an {@link OnnxException} naming the op and the node.
 *
 * <pre>{@code
 * Module mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * Onnx.export(mlp, new Tensor[] {Tensor.randn(8, 784)}, Path.of("mlp.onnx"));
 * // or with options: a fixed batch, opset 18, named inputs and outputs
 * OnnxExport.options().dynamicBatch(false).opset(18).inputNames("image").outputNames("logits")
 *         .export(mlp, new Tensor[] {Tensor.randn(8, 784)}, Path.of("mlp.onnx"));
 * }</pre>
 */
public final class OnnxExport {
    /** The opset written unless another is chosen. */
    public static final int DEFAULT_OPSET = 17;
    /** ONNX IR version 8 goes with opsets 17 and 18. */
    private static final long IR_VERSION = 8;

    private int opset = DEFAULT_OPSET;
    private boolean dynamicBatch = true;
    private final List<int[]> dynamicDims = new ArrayList<>();
    private List<String> inputNames = List.of();
    private List<String> outputNames = List.of();

    private OnnxExport() {
    }

    /**
     * Export options with the defaults: opset 17, dim 0 of every input dynamic.
     *
     * @return new options
     */
    public static OnnxExport options() {
        return new OnnxExport();
    }

    /**
     * The opset to write.
     *
     * @param opset 17 or 18
     * @return these options
     */
    public OnnxExport opset(int opset) {
        if (opset < 17 || opset > 18) {
            throw new IllegalArgumentException("ONNX export writes opset 17 or 18, not " + opset);
        }
        this.opset = opset;
        return this;
    }

    /**
     * Whether dim 0 of every input is a dynamic (symbolic) batch dim; true by default.
     *
     * @param dynamic false to write the example inputs' batch size as a fixed dim
     * @return these options
     */
    public OnnxExport dynamicBatch(boolean dynamic) {
        this.dynamicBatch = dynamic;
        return this;
    }

    /**
     * Marks dim {@code dim} of input {@code input} dynamic (e.g. dim 1, the batch of a
     * sequence-first LSTM); once any dim is marked, {@link #dynamicBatch} no longer applies.
     *
     * @param input the input's index
     * @param dim the dim (negative counts from the end)
     * @return these options
     */
    public OnnxExport markDynamic(int input, int dim) {
        dynamicDims.add(new int[] {input, dim});
        return this;
    }

    /**
     * Names of the graph inputs (default {@code x0, x1, ...}).
     *
     * @param names one per input, in order
     * @return these options
     */
    public OnnxExport inputNames(String... names) {
        this.inputNames = List.of(names);
        return this;
    }

    /**
     * Names of the graph outputs (default {@code output} for one, else {@code output0, output1, ...}).
     *
     * @param names one per output, in order
     * @return these options
     */
    public OnnxExport outputNames(String... names) {
        this.outputNames = List.of(names);
        return this;
    }

    /**
     * Traces {@code module} in eval mode on {@code exampleInputs} and writes the model to
     * {@code path}; the module's training flag is restored afterwards.
     *
     * @param module the model
     * @param exampleInputs inputs of the shapes it takes (size 2 or more along dynamic dims)
     * @param path the {@code .onnx} file to write
     * @throws OnnxException if an op cannot be exported or the file cannot be written
     */
    public void export(Module module, Tensor[] exampleInputs, Path path) {
        write(toModel(module, exampleInputs), path);
    }

    /**
     * Writes an already traced graph (its bound weights become the initializers).
     *
     * @param graph a graph from {@link Graph#tracer}, unfused
     * @param path the {@code .onnx} file to write
     * @throws OnnxException if an op cannot be exported or the file cannot be written
     */
    public void export(Graph graph, Path path) {
        write(toModel(graph), path);
    }

    /**
     * The ONNX model of {@code module} traced on {@code exampleInputs}, without writing it.
     *
     * @param module the model, traced in eval mode
     * @param exampleInputs inputs of the shapes it takes
     * @return the model message, e.g. to write with {@code writeTo}
     * @throws OnnxException if an op cannot be exported
     */
    public ModelProto toModel(Module module, Tensor... exampleInputs) {
        boolean training = module.isTraining();
        module.eval();
        try {
            Tracer tracer = Graph.tracer(module);
            if (!inputNames.isEmpty()) {
                tracer.inputNames(inputNames.toArray(String[]::new));
            }
            if (!dynamicDims.isEmpty()) {
                dynamicDims.forEach(d -> tracer.markDynamic(d[0], d[1]));
            } else if (dynamicBatch) {
                for (int i = 0; i < exampleInputs.length; i++) {
                    if (exampleInputs[i].dim() > 0) {
                        tracer.markDynamic(i, 0);
                    }
                }
            }
            return toModel(tracer.trace(exampleInputs));
        } finally {
            module.train(training);
        }
    }

    /**
     * The ONNX model of a traced graph, after the simplification passes.
     *
     * @param traced a graph from {@link Graph#tracer}, unfused
     * @return the model message
     * @throws OnnxException if an op cannot be exported
     */
    public ModelProto toModel(Graph traced) {
        Graph graph = Pass.run(traced, List.of(new AlgebraicSimplification(), new ConstantFolding(),
                new CommonSubexpressionElimination(), new DeadCodeElimination()));
        List<String> outs = new ArrayList<>(outputNames);
        for (int i = outs.size(); i < graph.outputs().size(); i++) {
            outs.add(graph.outputs().size() == 1 && outputNames.isEmpty() ? "output" : "output" + i);
        }
        ExportWriter w = new ExportWriter(graph, opset, inputNames, outs);
        w.proto.setName("walnut");
        for (Value in : graph.inputs()) {
            w.proto.addInput(w.valueInfo(w.name(in), in));
        }
        Map<String, Tensor> bound = graph.boundWeights();
        for (Value wt : graph.weights()) {
            Tensor t = bound.get(wt.name());
            if (t == null) {
                throw new OnnxException("ONNX export: the graph has no tensor bound for weight '" + wt.name()
                        + "'; use graph.withWeights(...) first");
            }
            w.proto.addInitializer(ExportWriter.tensor(w.name(wt), t));
        }
        for (Value c : graph.constants()) {
            w.proto.addInitializer(ExportWriter.tensor(w.name(c), graph.constant(c)));
        }
        for (Node n : graph.nodes()) {
            ExportOps.Rule rule = ExportOps.rule(n.op().name());
            w.begin(n);
            if (rule == null) {
                throw w.fail("op '" + n.op().name() + "' cannot be exported to ONNX: " + ExportOps.reason(n.op().name()));
            }
            rule.write(w);
        }
        w.begin(null);
        Set<String> written = new HashSet<>();
        for (int i = 0; i < graph.outputs().size(); i++) {
            Value o = graph.outputs().get(i);
            String name = w.name(o);
            // An output that is an input, a weight, or returned twice needs a node of its own.
            if (o.kind() != Value.Kind.NODE || !written.add(name)) {
                String alias = w.claim(outs.get(i));
                w.emitTo("Identity", List.of(name), List.of(alias));
                name = alias;
            }
            w.proto.addOutput(w.valueInfo(name, o));
        }
        Set<String> declared = new HashSet<>(written);
        for (Node n : graph.nodes()) {
            for (Value v : n.outputs()) {
                String name = w.name(v);
                if (declared.add(name) && w.isUsed(v)) {
                    w.proto.addValueInfo(w.valueInfo(name, v));
                }
            }
        }
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("walnut")
                .setProducerVersion(version()).setDomain("dev.walnut").setModelVersion(1)
                .setDocString("Exported by Walnut from a traced graph (" + graph.nodes().size() + " nodes)")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("walnut.graph.symbols")
                        .setValue(graph.symbols().toString()))
                .setGraph(w.proto).build();
    }

    private static void write(ModelProto model, Path path) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(path)) {
                model.writeTo(out);
            }
        } catch (IOException e) {
            throw new OnnxException(path + ": cannot write the ONNX model: " + e, e);
        }
    }

    /** Walnut's version, from the properties file Maven fills in at build time. */
    static String version() {
        try (InputStream in = OnnxExport.class.getResourceAsStream("walnut-onnx.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // Falls through: the version is informative only.
        }
        return "unknown";
    }
}
