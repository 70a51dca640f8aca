package dev.walnut.backend.vector;

import dev.walnut.backend.cpu.DepthwiseRowKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API {@link DepthwiseRowKernels}: every row kernel runs along the output row, a
 * vector of outputs at a time, with unaligned loads of the shifted scratch rows (the scratch
 * plane is phase-split, so they are contiguous for any stride). The forward keeps one vector
 * accumulator in a register across all taps (one store per vector instead of one per tap).
 * Loaded reflectively (see {@link DepthwiseRowKernels#get()}); nothing else may refer to this
 * class, or the core would stop running without the {@code jdk.incubator.vector} module.
 *
 * <pre>{@code
 * // java --add-modules jdk.incubator.vector ...
 * DepthwiseRowKernels.get();   // a VectorDepthwiseRowKernels
 * }</pre>
 */
public final class VectorDepthwiseRowKernels extends DepthwiseRowKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /**
     * Creates the provider (called reflectively).
     *
     * @throws UnsupportedOperationException when the preferred float vector holds fewer than 4
     *         lanes (no usable SIMD)
     */
    public VectorDepthwiseRowKernels() {
        if (L < 4) {
            throw new UnsupportedOperationException("preferred float species " + S + " is narrower than 128 bits");
        }
    }

    @Override
    public void forwardRow(float[] p, int base, int[] taps, int k, float[] w, int wOff, float bias, float[] out,
                           int o, int len) {
        int j = 0;
        if (k == 9) {
            j = forwardRow3x3(p, base, taps, w, wOff, bias, out, o, len);
        }
        for (; j <= len - L; j += L) {
            FloatVector acc = FloatVector.broadcast(S, bias);
            for (int t = 0; t < k; t++) {
                acc = FloatVector.fromArray(S, p, base + taps[t] + j).fma(FloatVector.broadcast(S, w[wOff + t]), acc);
            }
            acc.intoArray(out, o + j);
        }
        if (j < len) {
            // A whole vector through a small buffer rather than scalar steps (MobileNet's late
            // rows, 7 or 14 wide, are all tail) or masked loads and stores (JDK 17 runs masked
            // stores in Java, 80% of a profile); the lanes past the row read the scratch plane's
            // slack or the next row and are dropped.
            int reach = 0;
            for (int t = 0; t < k; t++) {
                reach = Math.max(reach, taps[t]);
            }
            if (base + reach + j + L <= p.length) {
                FloatVector acc = FloatVector.broadcast(S, bias);
                for (int t = 0; t < k; t++) {
                    acc = FloatVector.fromArray(S, p, base + taps[t] + j).fma(FloatVector.broadcast(S, w[wOff + t]), acc);
                }
                float[] lanes = new float[L];
                acc.intoArray(lanes, 0);
                System.arraycopy(lanes, 0, out, o + j, len - j);
                return;
            }
        }
        for (; j < len; j++) {
            float acc = bias;
            for (int t = 0; t < k; t++) {
                acc = Math.fma(p[base + taps[t] + j], w[wOff + t], acc);
            }
            out[o + j] = acc;
        }
    }

    /**
     * The whole vectors of a 3x3 row (MobileNet's every depthwise layer) with the taps' offsets
     * and weights hoisted out of the loop: with the offsets read from the array inside it, the
     * nine loads' bounds checks could not be hoisted and took a quarter of a MobileNet profile.
     * Returns the first column not written.
     */
    private static int forwardRow3x3(float[] p, int base, int[] taps, float[] w, int wOff, float bias, float[] out,
                                     int o, int len) {
        int t0 = base + taps[0];
        int t1 = base + taps[1];
        int t2 = base + taps[2];
        int t3 = base + taps[3];
        int t4 = base + taps[4];
        int t5 = base + taps[5];
        int t6 = base + taps[6];
        int t7 = base + taps[7];
        int t8 = base + taps[8];
        FloatVector w0 = FloatVector.broadcast(S, w[wOff]);
        FloatVector w1 = FloatVector.broadcast(S, w[wOff + 1]);
        FloatVector w2 = FloatVector.broadcast(S, w[wOff + 2]);
        FloatVector w3 = FloatVector.broadcast(S, w[wOff + 3]);
        FloatVector w4 = FloatVector.broadcast(S, w[wOff + 4]);
        FloatVector w5 = FloatVector.broadcast(S, w[wOff + 5]);
        FloatVector w6 = FloatVector.broadcast(S, w[wOff + 6]);
        FloatVector w7 = FloatVector.broadcast(S, w[wOff + 7]);
        FloatVector w8 = FloatVector.broadcast(S, w[wOff + 8]);
        FloatVector b = FloatVector.broadcast(S, bias);
        int j = 0;
        for (; j <= len - L; j += L) {
            FloatVector acc = FloatVector.fromArray(S, p, t0 + j).fma(w0, b);
            acc = FloatVector.fromArray(S, p, t1 + j).fma(w1, acc);
            acc = FloatVector.fromArray(S, p, t2 + j).fma(w2, acc);
            acc = FloatVector.fromArray(S, p, t3 + j).fma(w3, acc);
            acc = FloatVector.fromArray(S, p, t4 + j).fma(w4, acc);
            acc = FloatVector.fromArray(S, p, t5 + j).fma(w5, acc);
            acc = FloatVector.fromArray(S, p, t6 + j).fma(w6, acc);
            acc = FloatVector.fromArray(S, p, t7 + j).fma(w7, acc);
            acc = FloatVector.fromArray(S, p, t8 + j).fma(w8, acc);
            acc.intoArray(out, o + j);
        }
        return j;
    }

    @Override
    public void scatterRow(float[] g, int gOff, int len, float[] w, int wOff, int[] taps, int k, float[] p, int base) {
        for (int t = 0; t < k; t++) {
            float wt = w[wOff + t];
            FloatVector wv = FloatVector.broadcast(S, wt);
            int at = base + taps[t];
            int j = 0;
            for (; j <= len - L; j += L) {
                FloatVector.fromArray(S, g, gOff + j).fma(wv, FloatVector.fromArray(S, p, at + j)).intoArray(p, at + j);
            }
            for (; j < len; j++) {
                p[at + j] = Math.fma(g[gOff + j], wt, p[at + j]);
            }
        }
    }

    @Override
    public void weightGradRow(float[] g, int gOff, int len, float[] p, int base, int[] taps, int k, float[] acc,
                              int accOff) {
        for (int t = 0; t < k; t++) {
            int at = base + taps[t];
            FloatVector s = FloatVector.zero(S);
            int j = 0;
            for (; j <= len - L; j += L) {
                s = FloatVector.fromArray(S, g, gOff + j).fma(FloatVector.fromArray(S, p, at + j), s);
            }
            float r = s.reduceLanes(VectorOperators.ADD);
            for (; j < len; j++) {
                r = Math.fma(g[gOff + j], p[at + j], r);
            }
            acc[accOff + t] += r;
        }
    }
}
