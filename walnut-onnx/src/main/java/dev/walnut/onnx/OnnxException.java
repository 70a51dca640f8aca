package dev.walnut.onnx;

/**
 * An ONNX model could not be read or run: a malformed or truncated file, a tensor whose stated
 * size does not match its data, an unknown op or opset, a graph with a cycle or a missing input,
 * or a node that failed on the shapes it was given. The message names the file and, where one is
 * at fault, the node (its name, op type and the model's opset) and the input shapes.
 *
 * <pre>{@code
 * try {
 *     OnnxModel model = Onnx.load(Path.of("model.onnx"));
 * } catch (OnnxException e) {
 *     System.err.println(e.getMessage());   // model.onnx: node "Conv_3" (Conv, opset 17): ...
 * }
 * }</pre>
 */
public class OnnxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with a complete message.
     *
     * @param message what went wrong, naming the file and node
     */
    public OnnxException(String message) {
        super(message);
    }

    /**
     * An error caused by another exception (a protobuf parse error, an I/O error, or a Walnut op
     * that rejected its arguments).
     *
     * @param message what went wrong, naming the file and node
     * @param cause the underlying exception
     */
    public OnnxException(String message, Throwable cause) {
        super(message, cause);
    }
}
