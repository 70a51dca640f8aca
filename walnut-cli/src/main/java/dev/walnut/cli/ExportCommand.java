package dev.walnut.cli;

import dev.walnut.Tensor;
import dev.walnut.graph.Graph;
import dev.walnut.graph.Pass;
import dev.walnut.nn.Module;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walnut export}: compiles a training run's model into one {@code .walnut} file, the
 * traced graph (with a dynamic batch, after the default passes, fusion included) and its weights
 * in safetensors, which {@code walnut run} and {@code Graph.load} run without the model's class.
 *
 * <pre>{@code
 * walnut export --checkpoint runs/mlp-20250101-120000 --out mlp.walnut
 * walnut run mlp.walnut --input images.npy
 * }</pre>
 */
@Command(name = "export", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Compile a checkpoint's model into one .walnut file (graph + weights).",
                "The graph takes images [N, 1, 28, 28] for any N; 'walnut run' and Graph.load run it without the"
                        + " model's class."},
        sortOptions = false)
final class ExportCommand extends BaseCommand {
    @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
            description = "Checkpoint written by 'walnut train' (or its run directory).")
    Path checkpoint;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The .walnut file to write.")
    Path out;

    @Mixin
    ModelClassPath classPath;

    @Override
    ModelClassPath modelClassPath() {
        return classPath;
    }

    @Override
    int execute() throws Exception {
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".walnut")) {
            throw usageError("--out must name a .walnut file, got " + out);
        }
        RunCheckpoint ckpt = RunCheckpoint.read(checkpoint);
        Module model = ckpt.loadModel();
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
}
