package dev.walnut.onnx;

import java.util.Map;
import java.util.Set;

/**
 * What an ONNX file declares, read without importing it (so also for models Walnut cannot run):
 * see {@link Onnx#describe(java.nio.file.Path)}.
 *
 * <pre>{@code
 * OnnxModelInfo info = Onnx.describe(Path.of("model.onnx"));
 * if (!info.unsupportedOps().isEmpty()) {
 *     System.out.println("cannot import: " + info.unsupportedOps());
 * }
 * }</pre>
 *
 * @param source the file, as errors name it
 * @param opset the opset of the default ONNX domain, or 0 when the file imports none
 * @param producer producer name and version, or an empty string
 * @param inputs the graph inputs callers feed (initializers left out), each with its declared
 *     type and shape, e.g. {@code float32 [batch, 3, 224, 224]}
 * @param outputs the graph outputs with their declared types and shapes
 * @param opHistogram how many nodes of each op type the graph has, sorted by op type
 * @param parameterCount the elements of the floating-point initializers that an import makes
 *     trainable (BatchNormalization statistics excluded)
 * @param unsupportedOps op types (with their domain unless it is the default one) that Walnut
 *     does not import; empty when every node is supported
 */
public record OnnxModelInfo(String source, int opset, String producer, Map<String, String> inputs,
                            Map<String, String> outputs, Map<String, Integer> opHistogram, long parameterCount,
                            Set<String> unsupportedOps) {
    /**
     * Whether {@link Onnx#load(java.nio.file.Path)} can import the model's ops and opset (the file
     * can still fail other checks, such as a missing input).
     *
     * @return true when every op type and the opset are supported
     */
    public boolean supported() {
        return unsupportedOps.isEmpty() && opset >= Importers.MIN_OPSET && opset <= Importers.MAX_OPSET;
    }
}
