package dev.walnut.internal;

import java.util.function.Supplier;

/**
 * Which lowering the 2-d convolutions of {@code nn.functional.Convolution} take on the calling
 * thread: the compiler's max-autotune mode traces a model once per choice and keeps the fastest
 * graph. Each is exact; they differ in speed only, by shape. A choice that does not apply to a
 * convolution (e.g. {@link #DIRECT} for a strided one) leaves that convolution to the
 * heuristic. Not for application use.
 *
 * <pre>{@code
 * Graph g = ConvolutionChoice.with(ConvolutionChoice.IM2COL, () -> tracer.trace(inputs));
 * }</pre>
 */
public enum ConvolutionChoice {
    /** The built-in heuristic per convolution (the default). */
    AUTO,
    /**
     * The fused convolution primitive for every stride-1, undilated, ungrouped convolution (the
     * caller pads): direct kernels for shallow products, shifted GEMMs otherwise.
     */
    DIRECT,
    /** The batch stacked along the height into one im2col and one wide GEMM (row stride 1, batch above 1). */
    STACKED,
    /** im2col and a GEMM per batch item (every convolution can). */
    IM2COL;

    private static final ThreadLocal<ConvolutionChoice> CURRENT = ThreadLocal.withInitial(() -> AUTO);

    /** The calling thread's choice. */
    public static ConvolutionChoice current() {
        return CURRENT.get();
    }

    /** Runs {@code body} with {@code choice} on the calling thread, then restores the previous one. */
    public static <T> T with(ConvolutionChoice choice, Supplier<T> body) {
        ConvolutionChoice previous = CURRENT.get();
        CURRENT.set(choice);
        try {
            return body.get();
        } finally {
            CURRENT.set(previous);
        }
    }
}
