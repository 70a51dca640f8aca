package dev.walnut.cli;

import dev.walnut.onnx.Onnx;
import dev.walnut.onnx.OnnxModelInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code walnut inspect model.onnx} prints: opset, producer, inputs and outputs with their
 * declared types and shapes, the parameter count, and how many nodes of each op type the graph
 * has. The file is described, not imported, so a model Walnut cannot run is still shown, with
 * the op types (or opset) that stop it.
 */
final class OnnxSummary {
    private OnnxSummary() {
    }

    static void print(PrintStream o, Path file) throws IOException {
        OnnxModelInfo m = Onnx.describe(file);
        int nodes = m.opHistogram().values().stream().mapToInt(Integer::intValue).sum();
        o.printf(Locale.ROOT, "%s: ONNX model, opset %d, producer %s, %d node%s, %,d parameters (file %s)%n",
                InspectCommand.escape(file.toString()), m.opset(),
                m.producer().isEmpty() ? "-" : InspectCommand.escape(m.producer()), nodes, nodes == 1 ? "" : "s",
                m.parameterCount(), InspectCommand.bytes(Files.size(file)));
        if (!m.unsupportedOps().isEmpty()) {
            o.println("not imported by Walnut: " + InspectCommand.escape(String.join(", ", m.unsupportedOps())));
        }
        if (m.unsupportedOps().isEmpty() && !m.supported()) {
            o.println("not imported by Walnut: opset " + m.opset() + " (opsets 13 to 18 are)");
        }
        o.println();
        o.println("inputs:");
        m.inputs().forEach((name, type) -> o.println("  " + InspectCommand.escape(name) + "  " + type));
        o.println("outputs:");
        m.outputs().forEach((name, type) -> o.println("  " + InspectCommand.escape(name) + "  " + type));
        o.println();
        o.println("ops:");
        int width = m.opHistogram().keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, Integer> e : m.opHistogram().entrySet()) {
            o.printf(Locale.ROOT, "  %-" + width + "s %5d%n", InspectCommand.escape(e.getKey()), e.getValue());
        }
    }
}
