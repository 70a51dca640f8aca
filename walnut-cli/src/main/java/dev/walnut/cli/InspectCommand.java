package dev.walnut.cli;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.io.Npy;
import dev.walnut.io.SafeTensors;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code walnut inspect}: a table of the tensors in a {@code .safetensors} (checkpoints included),
 * {@code .npy} or {@code .npz} file (name, dtype, shape, elements, bytes, min, max, mean), then the
 * file's metadata when it has any.
 *
 * <pre>{@code
 * walnut inspect runs/mlp-20250101-120000/checkpoint.safetensors
 * walnut inspect weights.npz
 * }</pre>
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"List the tensors of a .safetensors, .npy or .npz file (checkpoints included): name, dtype,",
                "shape, elements, bytes, min, max and mean, then the file's metadata."})
final class InspectCommand extends BaseCommand {
    @Parameters(paramLabel = "FILE", description = "A .safetensors, .npy or .npz file (the format is told by the name).")
    Path file;

    @Override
    int execute() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Map<String, Tensor> tensors;
        Map<String, String> metadata = Map.of();
        String format;
        if (name.endsWith(".safetensors")) {
            tensors = SafeTensors.load(file);
            metadata = SafeTensors.loadMetadata(file);
            format = metadata.containsKey("walnut.checkpoint") ? "safetensors (Walnut checkpoint)" : "safetensors";
        } else if (name.endsWith(".npy")) {
            tensors = new LinkedHashMap<>();
            tensors.put(file.getFileName().toString(), Npy.load(file));
            format = "npy";
        } else if (name.endsWith(".npz")) {
            tensors = Npy.loadNpz(file);
            format = "npz";
        } else {
            throw usageError("cannot tell the format of " + file + " from its name; expected .safetensors, .npy or .npz");
        }
        PrintStream o = out();
        long elements = 0;
        long bytes = 0;
        for (Tensor t : tensors.values()) {
            elements += t.numel();
            bytes += t.numel() * t.dtype().byteSize();
        }
        o.printf(Locale.ROOT, "%s: %s, %d tensor%s, %,d elements, %s (file %s)%n%n", file, format, tensors.size(),
                tensors.size() == 1 ? "" : "s", elements, bytes(bytes), bytes(Files.size(file)));
        printTable(o, tensors);
        if (!metadata.isEmpty()) {
            o.println();
            o.println("metadata:");
            printMetadata(o, metadata);
        }
        return Main.OK;
    }

    static void printTable(PrintStream o, Map<String, Tensor> tensors) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", "dtype", "shape", "elements", "bytes", "min", "max", "mean"});
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            String[] stats = stats(t);
            rows.add(new String[] {e.getKey(), t.dtype().pytorchName().replace("torch.", ""), Arrays.toString(t.shape()),
                    String.format(Locale.ROOT, "%,d", t.numel()), bytes(t.numel() * t.dtype().byteSize()), stats[0],
                    stats[1], stats[2]});
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

    /** min, max and mean as text, computed in double precision; '-' for an empty tensor. */
    static String[] stats(Tensor t) {
        if (t.numel() == 0) {
            return new String[] {"-", "-", "-"};
        }
        double[] v = t.to(DType.F64).contiguous().toDoubleArray();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (double x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
            sum += x;
        }
        return new String[] {number(min), number(max), number(sum / v.length)};
    }

    private static String number(double x) {
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
        return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
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
                    o.println("    " + m.getKey() + ": " + shorten(String.valueOf(m.getValue())));
                }
            } else {
                o.println("  " + e.getKey() + ": " + shorten(json == null ? value : Json.write(json, false)));
            }
        }
    }

    private static String shorten(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "... (" + s.length() + " characters)";
    }
}
