package dev.walnut.cli;

import dev.walnut.onnx.Onnx;
import dev.walnut.onnx.OnnxModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code walnut inspect model.onnx} prints: opset, producer, inputs and outputs with their
 * declared types and shapes, the parameter count, and how many nodes of each op type the graph has.
 */
final class OnnxSummary {
    private OnnxSummary() {
    }

    static void print(PrintStream o, Path file) throws IOException {
        OnnxModel m = Onnx.load(file);
        long bytes = m.parameters().stream().mapToLong(t -> t.numel() * t.dtype().byteSize()).sum();
        o.printf(Locale.ROOT, "%s: ONNX model, opset %d, producer %s, %d node%s, %,d parameters (%s, file %s)%n",
                InspectCommand.escape(file.toString()), m.opsetVersion(),
                m.producer().isEmpty() ? "-" : InspectCommand.escape(m.producer()),
                m.opHistogram().values().stream().mapToInt(Integer::intValue).sum(),
                m.opHistogram().size() == 1 ? "" : "s", m.parameterCount(), InspectCommand.bytes(bytes),
                InspectCommand.bytes(Files.size(file)));
        o.println();
        o.println("inputs:");
        for (String name : m.inputNames()) {
            o.println("  " + InspectCommand.escape(name) + "  " + m.describeValue(name));
        }
        o.println("outputs:");
        for (String name : m.outputNames()) {
            o.println("  " + InspectCommand.escape(name) + "  " + m.describeValue(name));
        }
        o.println();
        o.println("ops:");
        int width = m.opHistogram().keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, Integer> e : m.opHistogram().entrySet()) {
            o.printf(Locale.ROOT, "  %-" + width + "s %5d%n", e.getKey(), e.getValue());
        }
    }
}
