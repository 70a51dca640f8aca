package dev.walnut.graph;

/**
 * A function or module could not be captured as a graph: it read a traced value into Java
 * ({@code item()}), wrote into a graph input in place, built a tensor without a primitive op
 * from a traced one, or its structure depends on a size marked dynamic. The message names the
 * op and the place, and says what to change.
 *
 * <pre>{@code
 * try {
 *     Graph.trace(in -> in[0].sum().item() > 0 ? in[0] : in[0].neg(), x);
 * } catch (GraphCaptureException e) {
 *     // "item() reads traced value %0 (output of sum) into Java at ...; ..."
 * }
 * }</pre>
 */
public class GraphCaptureException extends RuntimeException {
    /** With a message that names the op, the place and the fix. */
    public GraphCaptureException(String message) {
        super(message);
    }
}
