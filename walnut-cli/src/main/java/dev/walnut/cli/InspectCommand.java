package dev.walnut.cli;

import dev.walnut.io.Npy;
import dev.walnut.io.SafeTensors;
import dev.walnut.io.TensorSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code walnut inspect}: a table of the tensors in a {@code .safetensors} (checkpoints included),
 * {@code .npy} or {@code .npz} file (name, stored dtype, shape, elements, bytes, min, max, mean),
 * then the file's metadata when it has any; for an {@code .onnx} model its opset, inputs,
 * outputs, parameter count and op histogram ({@link OnnxSummary}). The data are streamed in chunks
 * ({@link SafeTensors#summarize}, {@link Npy#summarize}, {@link Npy#summarizeNpz}), so memory stays
 * bounded on multi-GB files and a {@code bfloat16} tensor shows as {@code bfloat16}. Names and
 * metadata are printed with control characters escaped, so a file cannot rewrite the terminal.
 *
 * <pre>{@code
 * walnut inspect runs/mlp-20250101-120000/checkpoint.safetensors
 * walnut inspect weights.npz
 * walnut inspect resnet18.onnx
 * }</pre>
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"List the tensors of a .safetensors, .npy or .npz file, or summarize an .onnx model.",
                "Tensor files (checkpoints too): their metadata, and per tensor",
                "name, stored dtype, shape, elements, bytes, min, max and mean (read in chunks).",
                "ONNX models: opset, inputs, outputs, op histogram and parameter count."})
final class InspectCommand extends BaseCommand {
    @Parameters(paramLabel = "FILE",
            description = "A .safetensors, .npy, .npz or .onnx file (the format is told by the name).")
    Path file;

    @Override
    int execute() throws Exception {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory; give a .safetensors, .npy or .npz file");
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            OnnxSummary.print(out(), file);
            return Main.OK;
        }
        List<TensorSummary> tensors;
        Map<String, String> metadata = Map.of();
        String format;
        if (name.endsWith(".safetensors")) {
            metadata = SafeTensors.loadMetadata(file);
            tensors = SafeTensors.summarize(file);
            format = metadata.containsKey("walnut.checkpoint") ? "safetensors (Walnut checkpoint)" : "safetensors";
        } else if (name.endsWith(".npy")) {
            tensors = List.of(Npy.summarize(file));
            format = "npy";
        } else if (name.endsWith(".npz")) {
            tensors = Npy.summarizeNpz(file);
            format = "npz";
        } else if (name.endsWith(".walnut")) {
            // A compiled model (walnut export): its graph, then its weights and constants.
            out().print(escape(dev.walnut.graph.Graph.load(file).toString()));
            tensors = SafeTensors.summarize(file);
            format = "safetensors (Walnut compiled model)";
        } else {
            throw usageError("cannot tell the format of " + file + " from its name; expected .safetensors, .npy, .npz, "
                    + ".onnx or .walnut");
        }
        PrintStream o = out();
        long elements = 0;
        long bytes = 0;
        for (TensorSummary t : tensors) {
            elements += t.elements();
            bytes += t.bytes();
        }
        o.printf(Locale.ROOT, "%s: %s, %d tensor%s, %,d elements, %s (file %s)%n%n", escape(file.toString()), format,
                tensors.size(), tensors.size() == 1 ? "" : "s", elements, bytes(bytes), bytes(Files.size(file)));
        printTable(o, tensors);
        if (!metadata.isEmpty()) {
            o.println();
            o.println("metadata:");
            printMetadata(o, metadata);
        }
        return Main.OK;
    }

    static void printTable(PrintStream o, List<TensorSummary> tensors) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", "dtype", "shape", "elements", "bytes", "min", "max", "mean"});
        for (TensorSummary t : tensors) {
            boolean empty = t.elements() == 0;
            rows.add(new String[] {escape(t.name()), t.dtype(), Arrays.toString(t.shape()),
                    String.format(Locale.ROOT, "%,d", t.elements()), bytes(t.bytes()), empty ? "-" : number(t.min()),
                    empty ? "-" : number(t.max()), empty ? "-" : number(t.mean())});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            StringBuilder line = new StringBuilder(" ");
            for (int i = 0; i < r.length; i++) {
                // Text columns align left, numbers right.
                String fmt = i < 3 ? "%-" + width[i] + "s" : "%" + width[i] + "s";
                line.append(' ').append(String.format(Locale.ROOT, fmt, r[i]));
            }
            o.println(line.toString().stripTrailing());
            if (k == 0) {
                int total = Arrays.stream(width).sum() + width.length;
                o.println("  " + "-".repeat(total - 1));
            }
        }
    }

    private static String number(double x) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (x == Math.rint(x) && Math.abs(x) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) x);
        }
        return String.format(Locale.ROOT, Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? "%.4f" : "%.3e", x);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.1f GiB", n / (1024.0 * 1024 * 1024));
    }

    /** Metadata entries; JSON values (a checkpoint's 'metadata' and 'optimizer') are shown indented, long ones cut. */
    static void printMetadata(PrintStream o, Map<String, String> metadata) {
        for (var e : metadata.entrySet()) {
            String value = e.getValue();
            Object json = null;
            if (value.startsWith("{") || value.startsWith("[")) {
                try {
                    json = Json.parse(value);
                } catch (IllegalArgumentException notJson) {
                    json = null;
                }
            }
            if (json instanceof Map<?, ?> map && e.getKey().equals("metadata")) {
                // A walnut train checkpoint keeps its own entries as JSON strings inside this object.
                o.println("  metadata:");
                for (var m : map.entrySet()) {
                    o.println("    " + escape(String.valueOf(m.getKey())) + ": "
                            + shorten(escape(String.valueOf(m.getValue()))));
                }
            } else {
                o.println("  " + escape(e.getKey()) + ": " + shorten(escape(json == null ? value : Json.write(json, false))));
            }
        }
    }

    /**
     * {@code s} with control characters (C0, DEL, C1) and bidirectional overrides written as
     * escapes (a line feed as {@code \\n}, ESC as {@code \\u001b}), so text from a file can neither move the cursor,
     * recolour the terminal nor reorder what is shown.
     */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x061C || c == 0x200E || c == 0x200F
                    || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
                b.append(switch (c) {
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    default -> String.format(Locale.ROOT, "\\u%04x", c);
                });
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    private static String shorten(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "... (" + s.length() + " characters)";
    }
}
