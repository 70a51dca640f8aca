package dev.walnut.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.walnut.Tensor;
import dev.walnut.graph.Graph;
import dev.walnut.graph.Pass;
import dev.walnut.nn.Module;
import dev.walnut.onnx.OnnxExport;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walnut export}: compiles a training run's model into one {@code .walnut} file, the
 * traced graph (with a dynamic batch, after the default passes, fusion included) and its weights
 * in safetensors, which {@code walnut run} and {@code Graph.load} run without the model's class;
 * or, with {@code --format onnx}, into an ONNX model (opset 17 by default, a symbolic batch dim,
 * weights as initializers) for ONNX Runtime and other tools.
 *
 * <pre>{@code
 * walnut export --checkpoint runs/mlp-20250101-120000 --out mlp.walnut
 * walnut run mlp.walnut --input images.npy
 * walnut export --format onnx --checkpoint runs/cnn-20250101-120000 --out cnn.onnx
 * }</pre>
 */
@Command(name = "export", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Compile a checkpoint's model into one .walnut file (graph + weights), or an ONNX model"
                + " with --format onnx.",
                "The graph takes images [N, 1, 28, 28] for any N; 'walnut run' and Graph.load run it without the"
                        + " model's class."},
        sortOptions = false)
final class ExportCommand extends BaseCommand {
    @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
            description = "Checkpoint written by 'walnut train' (or its run directory).")
    Path checkpoint;

    @Option(names = "--out", paramLabel = "FILE", required = true,
            description = "The file to write: .walnut, or .onnx with --format onnx.")
    Path out;

    /** The file formats export writes. */
    enum Format { walnut, onnx }

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "walnut",
            description = "walnut (graph + safetensors weights, default) or onnx (input 'images', output 'logits').")
    Format format;

    @Option(names = "--opset", paramLabel = "N", defaultValue = "17",
            description = "ONNX opset to write with --format onnx: 17 (default) or 18.")
    int opset;

    @Mixin
    ModelClassPath classPath;

    @Override
    ModelClassPath modelClassPath() {
        return classPath;
    }

    @Override
    int execute() throws Exception {
        String extension = format == Format.onnx ? ".onnx" : ".walnut";
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(extension)) {
            throw usageError("--out must name a " + extension + " file, got " + out
                    + (format == Format.walnut && out.toString().endsWith(".onnx") ? " (add --format onnx to write ONNX)" : ""));
        }
        if (opset < 17 || opset > 18) {
            throw usageError("--opset must be 17 or 18, got " + opset);
        }
        RunCheckpoint ckpt = RunCheckpoint.read(checkpoint);
        Module model = ckpt.loadModel();
        if (format == Format.onnx) {
            return exportOnnx(ckpt, model);
        }
        // Two examples, not one: a batch of 1 could let the trace specialise a size-1 dim.
        Graph traced = Graph.tracer(model).markDynamic(0, 0).trace(Tensor.zeros(2, 1, 28, 28));
        Graph g = Pass.run(traced, Pass.defaults());
        g.save(out);
        PrintStream o = out();
        o.printf(Locale.ROOT, "exported %s (%s) to %s: %d nodes (%d traced), %d weights, input %s%n",
                InspectCommand.escape(ckpt.path().toString()), ckpt.config().model(), InspectCommand.escape(out.toString()),
                g.nodes().size(), traced.nodes().size(), g.weights().size(), g.inputs().get(0).typeString());
        return Main.OK;
    }

    /** Traces in eval mode with a dynamic batch and the simplification passes only (ONNX has no fused ops). */
    private int exportOnnx(RunCheckpoint ckpt, Module model) throws Exception {
        ModelProto m = OnnxExport.options().opset(opset).inputNames("images").outputNames("logits")
                .toModel(model, Tensor.zeros(2, 1, 28, 28));
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream os = Files.newOutputStream(out)) {
            m.writeTo(os);
        }
        out().printf(Locale.ROOT, "exported %s (%s) to %s: ONNX opset %d, %d nodes, %d initializers, input images "
                        + "float32 [batch, 1, 28, 28], output logits%n",
                InspectCommand.escape(ckpt.path().toString()), ckpt.config().model(), InspectCommand.escape(out.toString()),
                opset, m.getGraph().getNodeCount(), m.getGraph().getInitializerCount());
        return Main.OK;
    }
}
