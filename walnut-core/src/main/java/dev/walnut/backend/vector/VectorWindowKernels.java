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
     * Each step reads 16 columns of the window's two rows (8 windows), takes the taps' order with
     * plain float {@code >} compares in the even lanes (the odd columns moved there by shifting
     * each pair of lanes as one long), and compacts the even lanes by narrowing the longs to ints:
     * no gathers (6x slower on JDK 17) and no two-vector rearranges (JDK 17 does not compile them
     * well: 1.1 ms against 0.32 on Temurin 25 for a values-only pool of 64 x 32 planes of 26 x 26).
     * The plane's values and indices go through buffers, copied out whole. A plain {@code >}
     * keeps the first of equal taps and the winner's exact bits, PyTorch's rule only without NaNs:
     * a plane where a step's taps hold a NaN (their sum is NaN; an inf - inf false alarm is
     * harmless), or whose last rows a vector would read past the array, runs the scalar order-key
     * loop again over the whole plane. 64 x 32 planes of 26 x 26, two threads, fresh output and
     * index arrays included (CpuBackend.maxPool): 1.08 ms against 1.52 for the sliding-window form
     * this replaced, which computed every column's window and copied the even ones out one by one;
     * 64 x 64 planes of 11 x 11: 0.39 against 0.49.
     */
    @Override
    public void maxPool2x2(float[] x, int in, float[] y, long[] idx, int out, int p0, int p1, int height, int width,
                           int outH, int outW) {
        int plane = outH * outW;
        float[] values = new float[plane + L];
        int[] args = new int[plane + L];
        IntVector iota = IntVector.zero(I).addIndex(1);
        int w = width;
        for (int p = p0; p < p1; p++) {
            int base = in + p * height * width;
            boolean scalar = false;
            for (int i = 0, o = 0; i < outH && !scalar; i++, o += outW) {
                int row = 2 * i * w;
                for (int j = 0; j < outW; j += L / 2) {
                    int k = base + row + 2 * j;
                    if (k + w + L > x.length) {
                        scalar = true;
                        break;
                    }
                    FloatVector a = FloatVector.fromArray(S, x, k);
                    FloatVector c = FloatVector.fromArray(S, x, k + w);
                    FloatVector sum = a.add(c);
                    if (sum.compare(VectorOperators.NE, sum).anyTrue()) {
                        scalar = true;
                        break;
                    }
                    FloatVector b = oddToEven(a);
                    FloatVector d = oddToEven(c);
                    IntVector arg = iota.add(row + 2 * j);
                    VectorMask<Float> m = b.compare(VectorOperators.GT, a);
                    FloatVector best = a.blend(b, m);
                    IntVector at = arg.blend(arg.add(1), m.cast(I));
                    m = c.compare(VectorOperators.GT, best);
                    best = best.blend(c, m);
                    at = at.blend(arg.add(w), m.cast(I));
                    m = d.compare(VectorOperators.GT, best);
                    best = best.blend(d, m);
                    at = at.blend(arg.add(w + 1), m.cast(I));
                    evenLanes(best).intoArray(values, o + j);
                    evenLanes(at.reinterpretAsFloats()).reinterpretAsInts().intoArray(args, o + j);
                }
            }
            int o = out + p * plane;
            if (scalar) {
                for (int i = 0; i < outH; i++) {
                    maxPool2x2Row(x, base, y, idx, o + i * outW, width, i, 0, outW);
                }
                continue;
            }
            System.arraycopy(values, 0, y, o, plane);
            for (int j = 0; j < plane; j++) {
                idx[o + j] = args[j];
            }
        }
    }

    /** Lane {@code 2k + 1} of {@code v} in lane {@code 2k} (each pair of lanes shifted as one long), odd lanes zero. */
    private static FloatVector oddToEven(FloatVector v) {
        return v.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats();
    }

    /** The even lanes of {@code v} in lanes {@code 0 .. L/2} (each long narrowed to its low int), zeros above. */
    private static FloatVector evenLanes(FloatVector v) {
        return v.reinterpretAsLongs().convert(VectorOperators.L2I, 0).reinterpretAsFloats();
    }

    /**
     * {@link #maxPoolValues} of 2x2 windows at stride 2 inside the plane: per step the vertical
     * max of 16 columns of the two rows, then each pair of columns' max in the even lanes,
     * compacted as {@link #maxPool2x2} compacts them, through a buffer copied out per plane.
     * Two threads, fresh output included (CpuBackend.maxPoolValues): 64 x 32 planes of 26 x 26
     * 0.51 ms against 0.90 for the separable rows (vectors of 16 on rows of 26); 64 x 64 planes of
     * 11 x 11 (narrower than a vector, which ran the scalar loops) 0.27 against 0.78.
     */
    private static void maxPool2x2Values(float[] x, int in, float[] y, int out, int p0, int p1, int height,
                                         int width, int outH, int outW) {
        int plane = outH * outW;
        float[] values = new float[plane + L];
        for (int p = p0; p < p1; p++) {
            int base = in + p * height * width;
            for (int i = 0, o = 0; i < outH; i++, o += outW) {
                int r0 = base + 2 * i * width;
                int r1 = r0 + width;
                int j = 0;
                for (; j < outW && r1 + 2 * j + L <= x.length; j += L / 2) {
                    FloatVector v = FloatVector.fromArray(S, x, r0 + 2 * j).max(FloatVector.fromArray(S, x, r1 + 2 * j));
                    evenLanes(v.max(oddToEven(v))).intoArray(values, o + j);
                }
                for (; j < outW; j++) {
                    float even = Math.max(x[r0 + 2 * j], x[r1 + 2 * j]);
                    values[o + j] = Math.max(even, Math.max(x[r0 + 2 * j + 1], x[r1 + 2 * j + 1]));
                }
            }
            System.arraycopy(values, 0, y, out + p * plane, plane);
        }
    }

    /**
     * Separable, one output row at a time: the element-wise vector max of the row's window rows
     * into a buffer laid out like the padded input row (its padding and the slack past the
     * last window stay {@code -inf}, the max's identity), then the vector max of {@code kw}
     * shifted loads of that buffer gives every window start {@code t} at once, and the outputs
     * are the starts {@code j * sw}. Both vector loops end with an overlapping step instead of a
     * scalar tail (recomputing a few lanes writes the same values; scalar {@code Math.max}
     * costs about as much as a vector one): with ResNet's 112-wide rows the scalar tails were
     * half the time. Rows narrower than a vector run the scalar loops. [1, 64, 112, 112], 3x3
     * stride 2, one thread: 0.28 ms against 0.85 for the scalar separable loops.
     */
    @Override
    public void maxPoolValues(float[] x, int in, float[] y, int out, int p0, int p1, int height, int width, int kh,
                              int kw, int sh, int sw, int ph, int pw, int outH, int outW) {
        if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && 2 * outH <= height
                && 2 * outW <= width && outW > 0) {
            maxPool2x2Values(x, in, y, out, p0, p1, height, width, outH, outW);
            return;
        }
        int span = (outW - 1) * sw + kw;         // buffer index t holds input column t - pw
        int cols = Math.min(width, span - pw);   // the input columns some window reads
        if (cols < L || outW < 1) {
            scalar().maxPoolValues(x, in, y, out, p0, p1, height, width, kh, kw, sh, sw, ph, pw, outH, outW);
            return;
        }
        int starts = (outW - 1) * sw + 1;
        float[] buf = new float[Math.max(span, (starts + L - 1) / L * L + kw - 1)];
        float[] h = new float[(starts + L - 1) / L * L];
        java.util.Arrays.fill(buf, Float.NEGATIVE_INFINITY);
        for (int p = p0; p < p1; p++) {
            int plane = in + p * height * width;
            int o = out + p * outH * outW;
            for (int i = 0; i < outH; i++, o += outW) {
                int r0 = Math.max(0, i * sh - ph);
                int rows = Math.min(height, i * sh - ph + kh) - r0;
                if (rows <= 0) {
                    java.util.Arrays.fill(y, o, o + outW, Float.NEGATIVE_INFINITY);
                    continue;
                }
                int row = plane + r0 * width;
                for (int c = 0; ; c += L) {
                    c = Math.min(c, cols - L);
                    FloatVector m = FloatVector.fromArray(S, x, row + c);
                    for (int r = 1; r < rows; r++) {
                        m = m.max(FloatVector.fromArray(S, x, row + r * width + c));
                    }
                    m.intoArray(buf, pw + c);
                    if (c == cols - L) {
                        break;
                    }
                }
                for (int t = 0; t < starts; t += L) {
                    FloatVector m = FloatVector.fromArray(S, buf, t);
                    for (int b = 1; b < kw; b++) {
                        m = m.max(FloatVector.fromArray(S, buf, t + b));
                    }
                    m.intoArray(h, t);
                }
                if (sw == 1) {
                    System.arraycopy(h, 0, y, o, outW);
                } else {
                    for (int j = 0; j < outW; j++) {
                        y[o + j] = h[j * sw];
                    }
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
     * which beats a masked tail), eight output channels by two vectors at a time: each weight
     * broadcast feeds two FMAs and each input vector loaded eight, sixteen independent
     * accumulator chains in all (one vector of eight channels, the previous kernel, ran the
     * 16-to-96-channel 1x1 convolution of MobileNet v2 at about 35 GFLOP/s on one thread). The
     * weights are repacked once per call, tap-major with the eight channels of a block side by
     * side, so a block's broadcasts read consecutive floats; taps that are zero in every channel
     * are left out (see the contract). A row's last single vector runs eight channels by one
     * vector: an overlapping pair instead redoes up to 2L - 1 columns (14% more work on the
     * 112 columns of the stems, and measured slower). Rows narrower than L run the scalar loops.
     */
    @Override
    public void conv2dForward(float[] x, int xOff, float[] w, float[] bias, float[] out, int r0, int r1, int cIn,
                              int h, int width, int cOut, int kh, int kw, float min, float max) {
        int oh = h - kh + 1;
        int ow = width - kw + 1;
        if (ow < L) {
            scalar().conv2dForward(x, xOff, w, bias, out, r0, r1, cIn, h, width, cOut, kh, kw, min, max);
            return;
        }
        int plane = oh * ow;
        int ck = cIn * kh * kw;
        int o8 = cOut - cOut % 8;
        Scratch sc = SCRATCH.get();
        int[] taps = sc.ints(0, ck);
        int nt = activeTaps(w, cOut, ck, taps);
        int[] off = sc.ints(1, nt);
        tapOffsets(taps, nt, h, width, kh, kw, off);
        float[] packed = sc.floats(cOut * nt);
        for (int o = 0; o < cOut; o++) {
            int base = o < o8 ? (o & ~7) * nt + (o & 7) : o * nt;
            int step = o < o8 ? 8 : 1;
            for (int q = 0; q < nt; q++) {
                packed[base + q * step] = w[o * ck + taps[q]];
            }
        }
        for (int r = r0; r < r1; r++) {
            int n = r / oh;
            int i = r % oh;
            int xr = xOff + n * cIn * h * width + i * width;
            int yr = n * cOut * plane + i * ow;
            int j = 0;
            for (; j + 2 * L <= ow; j += 2 * L) {
                for (int o = 0; o < o8; o += 8) {
                    forward8x2(x, xr + j, off, nt, packed, o * nt, bias, o, out, yr + o * plane + j, plane, min, max);
                }
                for (int o = o8; o < cOut; o++) {
                    forward1(x, xr + j, off, nt, packed, o * nt, bias, o, out, yr + o * plane + j, min, max);
                    forward1(x, xr + j + L, off, nt, packed, o * nt, bias, o, out, yr + o * plane + j + L, min, max);
                }
            }
            for (; j < ow; j += L) {
                int jj = Math.min(j, ow - L);
                for (int o = 0; o < o8; o += 8) {
                    forward8(x, xr + jj, off, nt, packed, o * nt, bias, o, out, yr + o * plane + jj, plane, min, max);
                }
                for (int o = o8; o < cOut; o++) {
                    forward1(x, xr + jj, off, nt, packed, o * nt, bias, o, out, yr + o * plane + jj, min, max);
                }
            }
        }
    }

    /**
     * A thread's tap lists and packed weights, kept between calls: {@code DirectConvKernels}
     * calls {@link #conv2dForward} once per range of output rows, every inference, and fresh
     * arrays there were most of what a planned (reduce-overhead) CNN inference still allocated.
     * One range body runs at a time on a thread ({@code Parallel} never nests), so one set each.
     */
    private static final class Scratch {
        private final int[][] ints = {new int[0], new int[0]};
        private float[] floats = new float[0];

        int[] ints(int slot, int n) {
            if (ints[slot].length < n) {
                ints[slot] = new int[n];
            }
            return ints[slot];
        }

        float[] floats(int n) {
            if (floats.length < n) {
                floats = new float[n];
            }
            return floats;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static FloatVector biasVector(float[] bias, int o) {
        return FloatVector.broadcast(S, bias == null ? 0f : bias[o]);
    }

    // Stored through a vector of known class (zero + acc), never through the accumulators
    // themselves: they are loop phis whose exact class C2 may not know, and then intoArray
    // dispatches on FloatVector's shared type profile, which other float species pollute (see
    // VectorKernelProvider and VectorGemm.kernel): the step then ran bimodally, 16 or 30 ms,
    // boxing the accumulators in the slow starts. The clamp's bounds come in as floats and are
    // broadcast here for the same reason: vectors passed in are boxed at every call, and their
    // max and min dispatch on the profile (that cost a boxed vector per store, 60% more time).
    private static void forward8x2(float[] x, int xi0, int[] off, int nt, float[] wp, int wb, float[] bias, int o,
                                   float[] out, int yo, int plane, float min, float max) {
        FloatVector a0 = biasVector(bias, o);
        FloatVector a1 = biasVector(bias, o + 1);
        FloatVector a2 = biasVector(bias, o + 2);
        FloatVector a3 = biasVector(bias, o + 3);
        FloatVector a4 = biasVector(bias, o + 4);
        FloatVector a5 = biasVector(bias, o + 5);
        FloatVector a6 = biasVector(bias, o + 6);
        FloatVector a7 = biasVector(bias, o + 7);
        FloatVector b0 = a0;
        FloatVector b1 = a1;
        FloatVector b2 = a2;
        FloatVector b3 = a3;
        FloatVector b4 = a4;
        FloatVector b5 = a5;
        FloatVector b6 = a6;
        FloatVector b7 = a7;
        for (int t = 0, q = wb; t < nt; t++, q += 8) {
            FloatVector u = FloatVector.fromArray(S, x, xi0 + off[t]);
            FloatVector v = FloatVector.fromArray(S, x, xi0 + off[t] + L);
            FloatVector w = FloatVector.broadcast(S, wp[q]);
            a0 = u.fma(w, a0);
            b0 = v.fma(w, b0);
            w = FloatVector.broadcast(S, wp[q + 1]);
            a1 = u.fma(w, a1);
            b1 = v.fma(w, b1);
            w = FloatVector.broadcast(S, wp[q + 2]);
            a2 = u.fma(w, a2);
            b2 = v.fma(w, b2);
            w = FloatVector.broadcast(S, wp[q + 3]);
            a3 = u.fma(w, a3);
            b3 = v.fma(w, b3);
            w = FloatVector.broadcast(S, wp[q + 4]);
            a4 = u.fma(w, a4);
            b4 = v.fma(w, b4);
            w = FloatVector.broadcast(S, wp[q + 5]);
            a5 = u.fma(w, a5);
            b5 = v.fma(w, b5);
            w = FloatVector.broadcast(S, wp[q + 6]);
            a6 = u.fma(w, a6);
            b6 = v.fma(w, b6);
            w = FloatVector.broadcast(S, wp[q + 7]);
            a7 = u.fma(w, a7);
            b7 = v.fma(w, b7);
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        z.add(a0).max(lo).min(hi).intoArray(out, yo);
        z.add(a1).max(lo).min(hi).intoArray(out, yo + plane);
        z.add(a2).max(lo).min(hi).intoArray(out, yo + 2 * plane);
        z.add(a3).max(lo).min(hi).intoArray(out, yo + 3 * plane);
        z.add(a4).max(lo).min(hi).intoArray(out, yo + 4 * plane);
        z.add(a5).max(lo).min(hi).intoArray(out, yo + 5 * plane);
        z.add(a6).max(lo).min(hi).intoArray(out, yo + 6 * plane);
        z.add(a7).max(lo).min(hi).intoArray(out, yo + 7 * plane);
        z.add(b0).max(lo).min(hi).intoArray(out, yo + L);
        z.add(b1).max(lo).min(hi).intoArray(out, yo + plane + L);
        z.add(b2).max(lo).min(hi).intoArray(out, yo + 2 * plane + L);
        z.add(b3).max(lo).min(hi).intoArray(out, yo + 3 * plane + L);
        z.add(b4).max(lo).min(hi).intoArray(out, yo + 4 * plane + L);
        z.add(b5).max(lo).min(hi).intoArray(out, yo + 5 * plane + L);
        z.add(b6).max(lo).min(hi).intoArray(out, yo + 6 * plane + L);
        z.add(b7).max(lo).min(hi).intoArray(out, yo + 7 * plane + L);
    }

    private static void forward8(float[] x, int xi0, int[] off, int nt, float[] wp, int wb, float[] bias, int o,
                                 float[] out, int yo, int plane, float min, float max) {
        FloatVector a0 = biasVector(bias, o);
        FloatVector a1 = biasVector(bias, o + 1);
        FloatVector a2 = biasVector(bias, o + 2);
        FloatVector a3 = biasVector(bias, o + 3);
        FloatVector a4 = biasVector(bias, o + 4);
        FloatVector a5 = biasVector(bias, o + 5);
        FloatVector a6 = biasVector(bias, o + 6);
        FloatVector a7 = biasVector(bias, o + 7);
        for (int t = 0, q = wb; t < nt; t++, q += 8) {
            FloatVector v = FloatVector.fromArray(S, x, xi0 + off[t]);
            a0 = v.fma(FloatVector.broadcast(S, wp[q]), a0);
            a1 = v.fma(FloatVector.broadcast(S, wp[q + 1]), a1);
            a2 = v.fma(FloatVector.broadcast(S, wp[q + 2]), a2);
            a3 = v.fma(FloatVector.broadcast(S, wp[q + 3]), a3);
            a4 = v.fma(FloatVector.broadcast(S, wp[q + 4]), a4);
            a5 = v.fma(FloatVector.broadcast(S, wp[q + 5]), a5);
            a6 = v.fma(FloatVector.broadcast(S, wp[q + 6]), a6);
            a7 = v.fma(FloatVector.broadcast(S, wp[q + 7]), a7);
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        z.add(a0).max(lo).min(hi).intoArray(out, yo);
        z.add(a1).max(lo).min(hi).intoArray(out, yo + plane);
        z.add(a2).max(lo).min(hi).intoArray(out, yo + 2 * plane);
        z.add(a3).max(lo).min(hi).intoArray(out, yo + 3 * plane);
        z.add(a4).max(lo).min(hi).intoArray(out, yo + 4 * plane);
        z.add(a5).max(lo).min(hi).intoArray(out, yo + 5 * plane);
        z.add(a6).max(lo).min(hi).intoArray(out, yo + 6 * plane);
        z.add(a7).max(lo).min(hi).intoArray(out, yo + 7 * plane);
    }

    /** One output channel's vector (the channels past the last block of eight). */
    private static void forward1(float[] x, int xi0, int[] off, int nt, float[] wp, int wb, float[] bias, int o,
                                 float[] out, int yo, float min, float max) {
        FloatVector acc = biasVector(bias, o);
        for (int t = 0; t < nt; t++) {
            acc = FloatVector.fromArray(S, x, xi0 + off[t]).fma(FloatVector.broadcast(S, wp[wb + t]), acc);
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        z.add(acc).max(lo).min(hi).intoArray(out, yo);
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
        int[] taps = tapOffsets(java.util.stream.IntStream.range(0, ck).toArray(), h, width, kh, kw);
        float[] acc = new float[ck * L];
        for (int o = o0; o < o1; o++) {
            java.util.Arrays.fill(acc, 0f);
            for (int m = 0; m < n; m++) {
                int gb = gOff + (m * cOut + o) * plane;
                int xm = xOff + m * cIn * h * width;
                int t = 0;
                for (; t + 8 < ck; t += 9) {
                    dot9(g, gb, x, xm, taps, t, full, part, tailMask, acc);
                }
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
    /**
     * {@link #dot4} for the nine taps {@code t .. t + 8} (a 3x3 kernel on one input channel) in one
     * pass over the gradient plane: each output-gradient vector is loaded once for nine FMAs, where
     * three {@code dot4} calls (the last on one tap repeated) loaded it three times for twelve. Each
     * tap's sum runs the same FMAs in the same order as in {@code dot4}, so the same bits.
     */
    private static void dot9(float[] g, int gb, float[] x, int xm, int[] taps, int t, int[] full, int[] part,
                             FloatVector tailMask, float[] acc) {
        int x0 = xm + taps[t], x1 = xm + taps[t + 1], x2 = xm + taps[t + 2], x3 = xm + taps[t + 3],
                x4 = xm + taps[t + 4], x5 = xm + taps[t + 5], x6 = xm + taps[t + 6], x7 = xm + taps[t + 7],
                x8 = xm + taps[t + 8];
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S), s4 = FloatVector.zero(S), s5 = FloatVector.zero(S);
        FloatVector s6 = FloatVector.zero(S), s7 = FloatVector.zero(S), s8 = FloatVector.zero(S);
        for (int f = 0; f < full.length; f += 2) {
            FloatVector gv = FloatVector.fromArray(S, g, gb + full[f]);
            int xo = full[f + 1];
            s0 = gv.fma(FloatVector.fromArray(S, x, x0 + xo), s0);
            s1 = gv.fma(FloatVector.fromArray(S, x, x1 + xo), s1);
            s2 = gv.fma(FloatVector.fromArray(S, x, x2 + xo), s2);
            s3 = gv.fma(FloatVector.fromArray(S, x, x3 + xo), s3);
            s4 = gv.fma(FloatVector.fromArray(S, x, x4 + xo), s4);
            s5 = gv.fma(FloatVector.fromArray(S, x, x5 + xo), s5);
            s6 = gv.fma(FloatVector.fromArray(S, x, x6 + xo), s6);
            s7 = gv.fma(FloatVector.fromArray(S, x, x7 + xo), s7);
            s8 = gv.fma(FloatVector.fromArray(S, x, x8 + xo), s8);
        }
        for (int f = 0; f < part.length; f += 2) {
            FloatVector gv = FloatVector.fromArray(S, g, gb + part[f]).mul(tailMask);
            int xo = part[f + 1];
            s0 = gv.fma(FloatVector.fromArray(S, x, x0 + xo), s0);
            s1 = gv.fma(FloatVector.fromArray(S, x, x1 + xo), s1);
            s2 = gv.fma(FloatVector.fromArray(S, x, x2 + xo), s2);
            s3 = gv.fma(FloatVector.fromArray(S, x, x3 + xo), s3);
            s4 = gv.fma(FloatVector.fromArray(S, x, x4 + xo), s4);
            s5 = gv.fma(FloatVector.fromArray(S, x, x5 + xo), s5);
            s6 = gv.fma(FloatVector.fromArray(S, x, x6 + xo), s6);
            s7 = gv.fma(FloatVector.fromArray(S, x, x7 + xo), s7);
            s8 = gv.fma(FloatVector.fromArray(S, x, x8 + xo), s8);
        }
        FloatVector.fromArray(S, acc, t * L).add(s0).intoArray(acc, t * L);
        FloatVector.fromArray(S, acc, (t + 1) * L).add(s1).intoArray(acc, (t + 1) * L);
        FloatVector.fromArray(S, acc, (t + 2) * L).add(s2).intoArray(acc, (t + 2) * L);
        FloatVector.fromArray(S, acc, (t + 3) * L).add(s3).intoArray(acc, (t + 3) * L);
        FloatVector.fromArray(S, acc, (t + 4) * L).add(s4).intoArray(acc, (t + 4) * L);
        FloatVector.fromArray(S, acc, (t + 5) * L).add(s5).intoArray(acc, (t + 5) * L);
        FloatVector.fromArray(S, acc, (t + 6) * L).add(s6).intoArray(acc, (t + 6) * L);
        FloatVector.fromArray(S, acc, (t + 7) * L).add(s7).intoArray(acc, (t + 7) * L);
        FloatVector.fromArray(S, acc, (t + 8) * L).add(s8).intoArray(acc, (t + 8) * L);
    }

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
