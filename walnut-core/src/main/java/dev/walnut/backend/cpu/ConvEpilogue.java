package dev.walnut.backend.cpu;

/**
 * What a convolution kernel does to its output as it stores it, while the rows are in cache:
 * add a residual (the skip connection of a ResNet basic block or a MobileNet v2 block), then
 * clamp (ReLU, ReLU6). Each was a pass of its own over the whole activation. The residual has
 * the output's shape and layout and is read at the output's flat index plus
 * {@code residualOffset}; the sum is the one {@code add} rounds ({@code conv + r}, commutative),
 * and the clamp is {@link ShiftedGemmConvKernels#clamp}'s, so a fused convolution gives the bits
 * of the ops it replaces.
 *
 * <pre>{@code
 * var e = new ConvEpilogue(residual, 0, 0, Double.POSITIVE_INFINITY); // relu(conv(x) + residual)
 * e.store(full, src, out, dst, len);                                   // one row: out = full + residual
 * e.clamp(out, planeOffset, planeLength);
 * }</pre>
 *
 * @param residual       a float[] or double[] like the output, or null for none
 * @param residualOffset where the residual's element 0 is
 * @param min            the clamp's lower bound ({@code -Infinity} for none)
 * @param max            its upper bound ({@code Infinity} for none)
 */
public record ConvEpilogue(Object residual, int residualOffset, double min, double max) {
    /** No residual and no clamp. */
    public static final ConvEpilogue NONE = new ConvEpilogue(null, 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);

    /** {@code out[dst .. dst+len) = src[srcOff .. srcOff+len) + residual at dst} (a copy without a residual). */
    void store(Object src, int srcOff, Object out, int dst, int len) {
        if (residual == null) {
            System.arraycopy(src, srcOff, out, dst, len);
        } else if (out instanceof float[] o) {
            float[] s = (float[]) src;
            float[] r = (float[]) residual;
            int ro = residualOffset + dst;
            for (int j = 0; j < len; j++) {
                o[dst + j] = s[srcOff + j] + r[ro + j];
            }
        } else {
            double[] o = (double[]) out;
            double[] s = (double[]) src;
            double[] r = (double[]) residual;
            int ro = residualOffset + dst;
            for (int j = 0; j < len; j++) {
                o[dst + j] = s[srcOff + j] + r[ro + j];
            }
        }
    }

    /** {@code out[off .. off+len)}: the residual added, then clamped. */
    void apply(Object out, int off, int len) {
        if (residual != null) {
            store(out, off, out, off, len);
        }
        clamp(out, off, len);
    }

    /** {@code out[off .. off+len)} clamped to {@code [min, max]} (nothing for infinite bounds). */
    void clamp(Object out, int off, int len) {
        ShiftedGemmConvKernels.clamp(out, off, len, min, max);
    }
}
