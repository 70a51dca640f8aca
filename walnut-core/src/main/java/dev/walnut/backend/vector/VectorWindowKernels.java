package dev.walnut.backend.vector;

import dev.walnut.backend.cpu.WindowKernelProvider;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API {@link WindowKernelProvider}: a 2x2 max-pool over sliding vectors, a direct
 * convolution that vectorizes along the output row, plane sums and finiteness checks. Loaded reflectively (see
 * {@link WindowKernelProvider#get()}); nothing else may refer to this class, or the core would
 * stop running without the {@code jdk.incubator.vector} module.
 *
 * <p>Only the preferred species is used (float and the int species of the same width): mixing
 * shapes pollutes the type profiles the JIT relies on to intrinsify the API (see
 * {@code VectorKernelProvider}).
 *
 * <pre>{@code
 * // java --add-modules jdk.incubator.vector ...
 * WindowKernelProvider.get();   // a VectorWindowKernels
 * }</pre>
 */
public final class VectorWindowKernels extends WindowKernelProvider {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final int L = S.length();

    /**
     * Creates the provider (called reflectively).
     *
     * @throws UnsupportedOperationException when the preferred float vector holds fewer than 4
     *         lanes (no usable SIMD)
     */
    public VectorWindowKernels() {
        if (L < 4 || I.length() != L) {
            throw new UnsupportedOperationException("preferred float species " + S + " is narrower than 128 bits");
        }
    }

    /**
     * Sliding 2x2 windows: lane {@code l} of one step holds the window whose top-left tap is
     * column {@code c + l} (four unaligned loads, no gathers, which measured 6x slower on
     * JDK 17), and the even lanes are the pooling windows, copied out through a small buffer.
     * Taps compare with a plain float {@code >}, which keeps the first of equal taps and the
     * exact bits of the winner; that is PyTorch's rule only without NaNs, so a step whose taps
     * hold a NaN (their sum is NaN; an inf - inf false alarm is harmless) runs the scalar
     * order-key loop instead. Standalone, 64 x 32 planes of 26 x 26: 0.68 ms against 2.4 for
     * the scalar branch-free loop (one thread).
     */
    @Override
    public void maxPool2x2(float[] x, int in, float[] y, long[] idx, int out, int p0, int p1, int height, int width,
                           int outH, int outW) {
        float[] tv = new float[L];
        int[] ta = new int[L];
        IntVector iota = IntVector.zero(I).addIndex(1);
        int w = width;
        int span = 2 * outW;
        for (int p = p0; p < p1; p++) {
            int base = in + p * height * width;
            for (int i = 0; i < outH; i++) {
                int row = 2 * i * w;
                int o = out + (p * outH + i) * outW;
                int c = 0;
                for (; c < span && base + row + w + c + L < x.length; c += L) {
                    int k = base + row + c;
                    FloatVector a = FloatVector.fromArray(S, x, k);
                    FloatVector b = FloatVector.fromArray(S, x, k + 1);
                    FloatVector d = FloatVector.fromArray(S, x, k + w);
                    FloatVector e = FloatVector.fromArray(S, x, k + w + 1);
                    int j0 = c >> 1;
                    int j1 = Math.min(outW, (c + L) >> 1);
                    FloatVector sum = a.add(b).add(d).add(e);
                    if (sum.compare(VectorOperators.NE, sum).anyTrue()) {
                        maxPool2x2Row(x, base, y, idx, o + j0, width, i, j0, j1);
                        continue;
                    }
                    IntVector arg = iota.add(row + c);
                    VectorMask<Float> m = b.compare(VectorOperators.GT, a);
                    FloatVector best = a.blend(b, m);
                    IntVector at = arg.blend(arg.add(1), m.cast(I));
                    m = d.compare(VectorOperators.GT, best);
                    best = best.blend(d, m);
                    at = at.blend(arg.add(w), m.cast(I));
                    m = e.compare(VectorOperators.GT, best);
                    best = best.blend(e, m);
                    at = at.blend(arg.add(w + 1), m.cast(I));
                    best.intoArray(tv, 0);
                    at.intoArray(ta, 0);
                    for (int j = j0, l = 0; j < j1; j++, l += 2) {
                        y[o + j] = tv[l];
                        idx[o + j] = ta[l];
                    }
                }
                if (c < span) {
                    maxPool2x2Row(x, base, y, idx, o + (c >> 1), width, i, c >> 1, outW);
                }
            }
        }
    }

    /**
     * Four float accumulators (a plane of a few hundred elements puts a few dozen terms in each
     * lane), summed in double at the end. Written here rather than calling
     * {@code KernelProvider.sum}, whose double-lane widening uses a second float species: called
     * once per plane from the bias gradient it made that species common enough in
     * {@code FloatVector}'s shared type profiles for the GEMM kernel's stores to compile boxed in
     * some starts (the step then ran at 25-30 ms instead of 16).
     */
    @Override
    public double planeSum(float[] x, int off, int len) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        int i = 0;
        for (; i + 2 * L <= len; i += 2 * L) {
            s0 = FloatVector.fromArray(S, x, off + i).add(s0);
            s1 = FloatVector.fromArray(S, x, off + i + L).add(s1);
        }
        // Lanes summed in a fixed order: reduceLanes(ADD) leaves the order unspecified, and the
        // intrinsic and the interpreter's fallback do differ, so a result would depend on when
        // the JIT compiled this method (a resumed training run then differed in the last bit).
        float[] lanes = new float[L];
        FloatVector.zero(S).add(s0).add(s1).intoArray(lanes, 0);
        double s = 0;
        for (float lane : lanes) {
            s += lane;
        }
        for (; i < len; i++) {
            s += x[off + i];
        }
        return s;
    }

    /** {@code v - v} is 0 for a finite lane and NaN otherwise; NaNs stay NaN through the sum. */
    @Override
    public boolean allFinite(float[] x, int off, int len) {
        FloatVector s = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= len; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, off + i);
            s = v.sub(v).add(s);
        }
        boolean finite = FloatVector.zero(S).add(s).reduceLanes(VectorOperators.ADD) == 0f;
        for (; i < len; i++) {
            finite &= Float.isFinite(x[off + i]);
        }
        return finite;
    }

    /**
     * Output rows in vectors of L columns (a row whose length is not a multiple of L ends with a
     * vector overlapping the previous one: the shared columns are computed and stored twice,
     * which beats a masked tail), eight output channels at a time so that each input vector
     * loaded feeds eight independent FMA chains. Rows narrower than L run the scalar loops.
     */
    @Override
    public void conv2dForward(float[] x, int xOff, float[] w, float[] bias, float[] out, int n0, int n1, int cIn,
                              int h, int width, int cOut, int kh, int kw) {
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        if (ow < L) {
            scalar().conv2dForward(x, xOff, w, bias, out, n0, n1, cIn, h, width, cOut, kh, kw);
            return;
        }
        int plane = oh * ow;
        int ck = cIn * kh * kw;
        int o8 = cOut - cOut % 8;
        int[] taps = tapOffsets(cIn, h, width, kh, kw);
        for (int n = n0; n < n1; n++) {
            int xn = xOff + n * cIn * h * width;
            for (int i = 0; i < oh; i++) {
                for (int j0 = 0; j0 < ow; j0 += L) {
                    int j = Math.min(j0, ow - L);
                    int yo = n * cOut * plane + i * ow + j;
                    for (int o = 0; o < o8; o += 8) {
                        forward8(x, xn + i * width + j, taps, w, bias, out, yo + o * plane, plane, o, ck);
                    }
                    for (int o = o8; o < cOut; o++) {
                        FloatVector acc = FloatVector.broadcast(S, bias == null ? 0f : bias[o]);
                        for (int t = 0; t < ck; t++) {
                            acc = FloatVector.fromArray(S, x, xn + i * width + j + taps[t])
                                    .fma(FloatVector.broadcast(S, w[o * ck + t]), acc);
                        }
                        FloatVector.zero(S).add(acc).intoArray(out, yo + o * plane); // see forward8
                    }
                }
            }
        }
    }

    private static void forward8(float[] x, int xi0, int[] taps, float[] w, float[] bias, float[] out, int yo,
                                 int plane, int o, int ck) {
        FloatVector a0 = FloatVector.broadcast(S, bias == null ? 0f : bias[o]);
        FloatVector a1 = FloatVector.broadcast(S, bias == null ? 0f : bias[o + 1]);
        FloatVector a2 = FloatVector.broadcast(S, bias == null ? 0f : bias[o + 2]);
        FloatVector a3 = FloatVector.broadcast(S, bias == null ? 0f : bias[o + 3]);
        FloatVector a4 = FloatVector.broadcast(S, bias == null ? 0f : bias[o + 4]);
        FloatVector a5 = FloatVector.broadcast(S, bias == null ? 0f : bias[o + 5]);
        FloatVector a6 = FloatVector.broadcast(S, bias == null ? 0f : bias[o + 6]);
        FloatVector a7 = FloatVector.broadcast(S, bias == null ? 0f : bias[o + 7]);
        int t0 = o * ck;
        for (int t = 0; t < ck; t++) {
            FloatVector v = FloatVector.fromArray(S, x, xi0 + taps[t]);
            int q = t0 + t;
            a0 = v.fma(FloatVector.broadcast(S, w[q]), a0);
            a1 = v.fma(FloatVector.broadcast(S, w[q + ck]), a1);
            a2 = v.fma(FloatVector.broadcast(S, w[q + 2 * ck]), a2);
            a3 = v.fma(FloatVector.broadcast(S, w[q + 3 * ck]), a3);
            a4 = v.fma(FloatVector.broadcast(S, w[q + 4 * ck]), a4);
            a5 = v.fma(FloatVector.broadcast(S, w[q + 5 * ck]), a5);
            a6 = v.fma(FloatVector.broadcast(S, w[q + 6 * ck]), a6);
            a7 = v.fma(FloatVector.broadcast(S, w[q + 7 * ck]), a7);
        }
        // Stored through a vector of known class (zero + acc), never through the accumulators
        // themselves: they are loop phis whose exact class C2 may not know, and then intoArray
        // dispatches on FloatVector's shared type profile, which other float species pollute
        // (see VectorKernelProvider and VectorGemm.kernel): the step then ran bimodally, 16 or
        // 30 ms, boxing the accumulators in the slow starts.
        FloatVector z = FloatVector.zero(S);
        z.add(a0).intoArray(out, yo);
        z.add(a1).intoArray(out, yo + plane);
        z.add(a2).intoArray(out, yo + 2 * plane);
        z.add(a3).intoArray(out, yo + 3 * plane);
        z.add(a4).intoArray(out, yo + 4 * plane);
        z.add(a5).intoArray(out, yo + 5 * plane);
        z.add(a6).intoArray(out, yo + 6 * plane);
        z.add(a7).intoArray(out, yo + 7 * plane);
    }

    /** Offset of each kernel tap {@code (c, a, b)}, in weight order, from the window's top-left input element. */
    private static int[] tapOffsets(int cIn, int h, int width, int kh, int kw) {
        int[] taps = new int[cIn * kh * kw];
        for (int c = 0, t = 0; c < cIn; c++) {
            for (int a = 0; a < kh; a++) {
                for (int b = 0; b < kw; b++, t++) {
                    taps[t] = (c * h + a) * width + b;
                }
            }
        }
        return taps;
    }

    /**
     * One dot product per weight over every (item, output position), in vectors along the
     * output rows: a row's last, partial vector overlaps the previous one with the shared lanes of
     * g zeroed, so nothing is counted twice. The vectors of a plane are listed once (offsets into
     * g and x) so each dot product is one flat loop, two accumulators per list to cover the FMA
     * latency; vector accumulators carried through nested loops ran about 10x slower on JDK 17.
     * Lanes are summed once per weight at the end. Rows narrower than L run the scalar loops.
     */
    @Override
    public void conv2dWeightGrad(float[] x, int xOff, float[] g, int gOff, float[] gw, int n, int o0, int o1,
                                 int cIn, int h, int width, int cOut, int kh, int kw) {
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        if (ow < L) {
            scalar().conv2dWeightGrad(x, xOff, g, gOff, gw, n, o0, o1, cIn, h, width, cOut, kh, kw);
            return;
        }
        int plane = oh * ow;
        int ck = cIn * kh * kw;
        int perRow = ow / L;
        int rem = ow % L;
        // Full vectors: offset in the g plane, then offset in the x plane, interleaved.
        int[] full = new int[2 * oh * perRow];
        int[] part = new int[rem == 0 ? 0 : 2 * oh];
        for (int i = 0, f = 0; i < oh; i++) {
            for (int j = 0; j < perRow * L; j += L, f += 2) {
                full[f] = i * ow + j;
                full[f + 1] = i * width + j;
            }
            if (rem != 0) {
                part[2 * i] = i * ow + ow - L;
                part[2 * i + 1] = i * width + ow - L;
            }
        }
        float[] keep = new float[L];
        for (int l = L - rem; l < L; l++) {
            keep[l] = 1f;
        }
        FloatVector tailMask = FloatVector.fromArray(S, keep, 0);
        int[] taps = tapOffsets(cIn, h, width, kh, kw);
        float[] acc = new float[ck * L];
        for (int o = o0; o < o1; o++) {
            java.util.Arrays.fill(acc, 0f);
            for (int m = 0; m < n; m++) {
                int gb = gOff + (m * cOut + o) * plane;
                int xm = xOff + m * cIn * h * width;
                int t = 0;
                for (; t + 3 < ck; t += 4) {
                    dot4(g, gb, x, xm + taps[t], xm + taps[t + 1], xm + taps[t + 2], xm + taps[t + 3], full, part,
                            tailMask, acc, t);
                }
                for (; t < ck; t++) {
                    dot4(g, gb, x, xm + taps[t], xm + taps[t], xm + taps[t], xm + taps[t], full, part, tailMask, acc, t);
                }
            }
            for (int t = 0; t < ck; t++) {
                // A fixed lane order (see planeSum: reduceLanes' order depends on JIT state).
                float v = 0f;
                for (int l = t * L; l < (t + 1) * L; l++) {
                    v += acc[l];
                }
                gw[o * ck + t] = v;
            }
        }
    }

    /**
     * {@code acc[t + q] += <g plane, x plane shifted by tap q>} for four taps q at once (so one g
     * load feeds four independent FMA chains); a lone tap passes its offset four times and only
     * the first sum is kept, into {@code acc[t]}.
     */
    private static void dot4(float[] g, int gb, float[] x, int x0, int x1, int x2, int x3, int[] full, int[] part,
                             FloatVector tailMask, float[] acc, int t) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        for (int f = 0; f < full.length; f += 2) {
            FloatVector gv = FloatVector.fromArray(S, g, gb + full[f]);
            int xo = full[f + 1];
            s0 = gv.fma(FloatVector.fromArray(S, x, x0 + xo), s0);
            s1 = gv.fma(FloatVector.fromArray(S, x, x1 + xo), s1);
            s2 = gv.fma(FloatVector.fromArray(S, x, x2 + xo), s2);
            s3 = gv.fma(FloatVector.fromArray(S, x, x3 + xo), s3);
        }
        for (int f = 0; f < part.length; f += 2) {
            FloatVector gv = FloatVector.fromArray(S, g, gb + part[f]).mul(tailMask);
            int xo = part[f + 1];
            s0 = gv.fma(FloatVector.fromArray(S, x, x0 + xo), s0);
            s1 = gv.fma(FloatVector.fromArray(S, x, x1 + xo), s1);
            s2 = gv.fma(FloatVector.fromArray(S, x, x2 + xo), s2);
            s3 = gv.fma(FloatVector.fromArray(S, x, x3 + xo), s3);
        }
        FloatVector.fromArray(S, acc, t * L).add(s0).intoArray(acc, t * L);
        if (x1 != x0) {
            FloatVector.fromArray(S, acc, (t + 1) * L).add(s1).intoArray(acc, (t + 1) * L);
            FloatVector.fromArray(S, acc, (t + 2) * L).add(s2).intoArray(acc, (t + 2) * L);
            FloatVector.fromArray(S, acc, (t + 3) * L).add(s3).intoArray(acc, (t + 3) * L);
        }
    }
}
