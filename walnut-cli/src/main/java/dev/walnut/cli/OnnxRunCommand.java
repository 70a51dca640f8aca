package dev.walnut.cli;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.graph.CompileMode;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import dev.walnut.graph.Graph;
import dev.walnut.io.Npy;
import dev.walnut.onnx.Onnx;
import dev.walnut.onnx.OnnxModel;
import dev.walnut.profiler.Profiler;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code walnut run}: runs an ONNX model (exported by PyTorch or another framework), or a
 * compiled Walnut model ({@code .walnut}, from {@code walnut export}), on inputs
 * read from {@code .npy} files, prints each output's shape and a summary of its values, and saves
 * the outputs with {@code --output} ({@code .npy}: the first output, {@code .npz}: all of them by
 * name). Floating-point inputs are converted to the dtype the model declares (numpy saves
 * float64 by default).
 *
 * <pre>{@code
 * walnut run resnet18.onnx --input image.npy --output logits.npy
 * walnut run encoder.onnx --input tokens.npy --input mask.npy --output all.npz
 * walnut run resnet18.onnx --input image.npy --compile --profile --repeat 20   # ops by total time
 * }</pre>
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Run an ONNX model (or a .walnut compiled model) on .npy inputs and print (or save) its outputs.",
                "Each node runs through Walnut ops; opsets 13 to 18 are supported."})
final class OnnxRunCommand extends BaseCommand {
    @Parameters(paramLabel = "MODEL", description = "The .onnx file, or a .walnut file written by 'walnut export'.")
    Path model;

    @Option(names = "--input", paramLabel = "FILE", required = true,
            description = "A .npy file per model input, in the model's input order (repeat the option).")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--output", paramLabel = "FILE",
            description = "Save the outputs: FILE.npy holds the first output, FILE.npz all of them by name.")
    Path output;

    @Option(names = "--compile", description = "Run an ONNX model compiled (reduce-overhead mode: the first run "
            + "captures and plans it) instead of node by node.")
    boolean compile;

    @Option(names = "--profile", description = "After the first run, time every op over --repeat more runs and print "
            + "the ops by total time.")
    boolean profile;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "10",
            description = "Runs timed by --profile (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "Untimed runs before --profile's, while the JIT compiles the kernels (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Override
    int execute() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new NoSuchFileException(model.toString());
        }
        String outName = output == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (output != null && !outName.endsWith(".npy") && !outName.endsWith(".npz")) {
            throw usageError("--output must name a .npy or .npz file, got " + output);
        }
        if (repeat < 1) {
            throw usageError("--repeat must be at least 1, got " + repeat);
        }
        if (warmup < 0) {
            throw usageError("--warmup must not be negative, got " + warmup);
        }
        if (model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".walnut")) {
            return runCompiled(outName);
        }
        OnnxModel m = Onnx.load(model);
        if (inputs.size() != m.inputNames().size()) {
            throw usageError(model + " takes " + m.inputNames().size() + " input(s) " + m.inputNames() + ", got "
                    + inputs.size() + " --input file(s)");
        }
        Tensor[] feed = new Tensor[inputs.size()];
        for (int i = 0; i < feed.length; i++) {
            feed[i] = Npy.load(inputs.get(i));
            // numpy writes float64 by default; a float32 model gets float32 (any other mismatch is an error).
            DType want = m.inputDType(m.inputNames().get(i));
            if (want != null && want != feed[i].dtype() && want.isFloatingPoint() && feed[i].dtype().isFloatingPoint()) {
                feed[i] = feed[i].to(want);
            }
        }
        m.eval();
        Supplier<List<Tensor>> call;
        if (compile) {
            CompiledFunction f = Compiler.compileAll(in -> m.forwardAll(in).toArray(new Tensor[0]))
                    .mode(CompileMode.REDUCE_OVERHEAD);
            call = () -> Arrays.asList(f.applyAll(feed));
        } else {
            call = () -> m.forwardAll(feed);
        }
        List<Tensor> outs;
        long t0 = System.nanoTime();
        try (var off = Autograd.noGrad()) {
            outs = call.get();
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        PrintStream o = out();
        o.printf(Locale.ROOT, "%s: %d node%s, %.1f ms%s%n", InspectCommand.escape(model.toString()), m.nodeCount(),
                m.nodeCount() == 1 ? "" : "s", ms, compile ? " (compiled, this first run included)" : "");
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (int i = 0; i < outs.size(); i++) {
            String name = m.outputNames().get(i);
            Tensor t = outs.get(i);
            named.put(name, t);
            o.printf(Locale.ROOT, "  %s: %s %s%s%n", InspectCommand.escape(name), t.dtype().pytorchName(),
                    Arrays.toString(t.shape()), summary(t));
        }
        if (output != null) {
            if (outName.endsWith(".npy")) {
                Npy.save(output, outs.get(0));
            } else {
                Npy.saveNpz(output, named);
            }
            o.println("saved " + (outName.endsWith(".npy") ? "output " + InspectCommand.escape(m.outputNames().get(0))
                    : outs.size() + " output(s)") + " to " + output);
        }
        if (profile) {
            printProfile(o, call::get);
        }
        return Main.OK;
    }

    /** A compiled model written by {@code walnut export} (or {@code Graph.save}): its outputs are output0, output1, ... */
    private int runCompiled(String outName) throws Exception {
        Graph g = Graph.load(model);
        if (inputs.size() != g.inputs().size()) {
            throw usageError(model + " takes " + g.inputs().size() + " input(s), got " + inputs.size() + " --input file(s)");
        }
        Tensor[] feed = new Tensor[inputs.size()];
        for (int i = 0; i < feed.length; i++) {
            feed[i] = Npy.load(inputs.get(i));
        }
        long t0 = System.nanoTime();
        Tensor[] outs;
        try {
            outs = g.run(feed);
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        PrintStream o = out();
        o.printf(Locale.ROOT, "%s: %d node%s, %.1f ms%n", InspectCommand.escape(model.toString()), g.nodes().size(),
                g.nodes().size() == 1 ? "" : "s", ms);
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (int i = 0; i < outs.length; i++) {
            named.put("output" + i, outs[i]);
            o.printf(Locale.ROOT, "  output%d: %s %s%s%n", i, outs[i].dtype().pytorchName(), Arrays.toString(outs[i].shape()),
                    summary(outs[i]));
        }
        if (output != null) {
            if (outName.endsWith(".npy")) {
                Npy.save(output, outs[0]);
            } else {
                Npy.saveNpz(output, named);
            }
            o.println("saved " + (outName.endsWith(".npy") ? "output output0" : outs.length + " output(s)") + " to " + output);
        }
        if (profile) {
            printProfile(o, () -> g.run(feed));
        }
        return Main.OK;
    }

    /** {@code --profile}: {@link #warmup} runs, then {@link #repeat} under a {@link Profiler}, then its table (ops by total time). */
    private void printProfile(PrintStream o, Supplier<?> run) {
        Profiler prof;
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < warmup; i++) {
                run.get();
            }
        }
        long t0 = System.nanoTime();
        try (var off = Autograd.noGrad(); Profiler p = Profiler.start()) {
            prof = p;
            for (int i = 0; i < repeat; i++) {
                run.get();
            }
        }
        double perRun = (System.nanoTime() - t0) / 1e6 / repeat;
        o.printf(Locale.ROOT, "profile of %d run%s (%.2f ms per run, %.2f ms of it in ops):%n", repeat,
                repeat == 1 ? "" : "s", perRun, prof.totalNanos() / 1e6 / repeat);
        o.print(prof.table(false, PROFILE_ROWS));
    }

    /** Rows of the {@code --profile} table: the ops that take the time, not every one. */
    private static final int PROFILE_ROWS = 25;

    /** Min, max and mean of a floating output, and the argmax of each row of a [N, classes] one. */
    private static String summary(Tensor t) {
        if (t.numel() == 0 || !t.dtype().isFloatingPoint()) {
            return "";
        }
        String s = String.format(Locale.ROOT, "  min %.4g  max %.4g  mean %.4g", t.min().item(), t.max().item(),
                t.mean().item());
        if (t.dim() == 2 && t.size(1) > 1) {
            s += "  argmax " + Arrays.toString(t.argmax(1, false).toLongArray());
        }
        return s;
    }
}
