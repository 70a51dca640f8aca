package dev.walnut.backend.vector;

import dev.walnut.backend.cpu.DepthwiseConvKernels;
import dev.walnut.backend.cpu.DepthwiseRowKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API {@link DepthwiseRowKernels}: every row kernel runs along the output row, a
 * vector of outputs at a time, with unaligned loads of the shifted scratch rows (the scratch
 * plane is phase-split, so they are contiguous for any stride). The forward keeps one vector
 * accumulator in a register across all taps (one store per vector instead of one per tap).
 * The forward of 3-wide kernels skips the scratch plane altogether ({@link #forwardDirect}).
 * Loaded reflectively (see {@link DepthwiseRowKernels#get()}); nothing else may refer to this
 * class, or the core would stop running without the {@code jdk.incubator.vector} module.
 *
 * <p>Written for JDK 17's C2, which intrinsifies a Vector API call only where it knows the exact
 * vector class, and otherwise runs the Java fallback and allocates every vector (the border rows
 * of MobileNet v2's depthwise layers did, in every start measured: a quarter to a half of the
 * steady-state allocation samples): every vector a lane-wise operation, rearrange, reduction or
 * store is called on comes straight from a load, a broadcast or an operation on one, never from
 * a loop-carried variable or a merge point (C2 types those by the declared {@code FloatVector}
 * and dispatches on {@code FloatVector}'s type profile, shared with every other user in the
 * JVM); loops that carry
 * an accumulator end with their last step peeled, so the stored value has a known class; no
 * vector is passed to or returned from a method of this class (a call the JIT does not inline,
 * which depends on what it compiled first, boxes its vectors); and each method uses one species.
 * These are the rules of {@code VectorGemm.kernel}.
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
     * Lanes 0, 2, 4, ... of a vector, twice: {@code e.rearrange(EVEN).blend(f.rearrange(EVEN), UPPER)}
     * are the even lanes of {@code e} and {@code f} side by side, the stride-2 outputs among 2L
     * stride-1 ones. Two one-vector permutes and a blend: JDK 17 does not compile the two-vector
     * {@code rearrange(shuffle, v)} (its shuffle wrapping ran in Java, 70% of a profile). Written
     * out at each use rather than in a helper taking vectors (see the class comment).
     */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.iota(S, 0, 2, true);
    private static final VectorMask<Float> UPPER = upperHalf();

    private static VectorMask<Float> upperHalf() {
        boolean[] upper = new boolean[L];
        java.util.Arrays.fill(upper, L / 2, L, true);
        return VectorMask.fromArray(S, upper, 0);
    }

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
        int kl = k - 1;
        for (; j <= len - L; j += L) {
            FloatVector acc = FloatVector.broadcast(S, bias);
            for (int t = 0; t < kl; t++) {
                acc = FloatVector.fromArray(S, p, base + taps[t] + j).fma(FloatVector.broadcast(S, w[wOff + t]), acc);
            }
            // The last tap outside the loop: the stored vector is then of a known class (see the class comment).
            FloatVector.fromArray(S, p, base + taps[kl] + j).fma(FloatVector.broadcast(S, w[wOff + kl]), acc)
                    .intoArray(out, o + j);
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
                for (int t = 0; t < kl; t++) {
                    acc = FloatVector.fromArray(S, p, base + taps[t] + j).fma(FloatVector.broadcast(S, w[wOff + t]), acc);
                }
                float[] lanes = new float[L];
                FloatVector.fromArray(S, p, base + taps[kl] + j).fma(FloatVector.broadcast(S, w[wOff + kl]), acc)
                        .intoArray(lanes, 0);
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
            // Reduced through an add to zero, whose result has a known class (s, loop-carried, has
            // not): the same bits, as s never holds -0.0 (it starts at +0.0, and a sum is -0.0
            // only when both terms are).
            float r = FloatVector.zero(S).add(s).reduceLanes(VectorOperators.ADD);
            for (; j < len; j++) {
                r = Math.fma(g[gOff + j], p[at + j], r);
            }
            acc[accOff + t] += r;
        }
    }

    /**
     * 3-wide kernels of any height, padding and vertical stride, horizontal stride 1 or 2, no
     * dilation: every depthwise layer of MobileNet v2 (3x3, stride 1 or 2, padding 1).
     */
    @Override
    public boolean direct(DepthwiseConvKernels.Geometry g) {
        return g.kw() == 3 && g.dilationH() == 1 && g.dilationW() == 1 && (g.strideW() == 1 || g.strideW() == 2);
    }

    /** A zero-bordered copy of the plane, with slack for the lanes past the last row and one vector to store through. */
    @Override
    public int directScratch(DepthwiseConvKernels.Geometry g) {
        return g.outW() < L ? (g.h() + 2 * g.padH()) * (g.w() + 2 * g.padW()) + 5 * L + 2 : 0;
    }

    /**
     * Reads the input plane where it lies: the padded, phase-split copy of the row-kernel path
     * cost as much as the arithmetic (the layers are memory bound), and its separate clamp pass
     * and row copies more. The columns whose taps are all inside the row run a vector of outputs
     * at a time (the last vector overlapping the one before it rather than a scalar tail), the
     * one or two columns at each end whose taps reach into the padding run scalar, and rows
     * whose taps reach into the vertical padding sum the kernel rows inside the plane only, so
     * padding contributes nothing (not {@code 0 * x}: that would turn an infinite input into a
     * NaN). A stride-1 "same" 3x3 plane (the output as wide as the input) is one long row over
     * its inner rows, the lanes that wrap from one row to the next falling on the border
     * columns, which are then recomputed. Stride 2 computes the stride-1 outputs of 2L columns
     * and keeps the even lanes ({@link #EVEN}). Output rows narrower than a vector (MobileNet's
     * 14- and 7-wide layers) would be all border: there the plane is copied into the
     * zero-bordered {@code scratch} (in L1, a few hundred floats) and each row is one vector.
     */
    @Override
    public void forwardDirect(float[] x, int xOff, float[] w, int wOff, float bias, float[] out, int oOff,
                              DepthwiseConvKernels.Geometry g, int i0, int i1, float min, float max,
                              float[] scratch) {
        if (i1 <= i0) {
            return;
        }
        if (g.outW() < L) {
            narrow(x, xOff, w, wOff, bias, out, oOff, g, i0, i1, min, max, scratch);
            return;
        }
        int h = g.h();
        int wd = g.w();
        int ow = g.outW();
        int sw = g.strideW();
        int sh = g.strideH();
        int pw = g.padW();
        int ph = g.padH();
        int jL = Math.min(ow, (pw + sw - 1) / sw);
        int jR = wd - 3 + pw >= 0 ? Math.min(ow, (wd - 3 + pw) / sw + 1) : 0;
        // Inner rows [ia, ib): all three kernel rows inside the plane.
        int ia = Math.max(i0, (ph + sh - 1) / sh);
        int ib = Math.min(i1, Math.floorDiv(h - 3 + ph, sh) + 1);
        if (g.kh() != 3 || ib <= ia) {
            ib = ia;
        } else if (sw == 1 && sh == 1 && pw == 1 && ph == 1) {
            if ((ib - ia) * wd - 2 >= L) {
                // Output q = i * wd + j reads x[q + (a - 1) * wd + b - 1]: one row from the
                // first inner column of row ia to the last of row ib - 1.
                rows3x3(x, xOff - wd - 1, xOff - 1, xOff + wd - 1, 0, 1, w, wOff, bias, out, oOff, 0, 1,
                        ia * wd + 1, ib * wd - 1, min, max);
                for (int i = ia; i < ib; i++) {
                    // The wrapped lanes' columns, with constant column offsets (edge3 then has no branches).
                    int r0 = xOff + (i - 1) * wd;
                    out[oOff + i * wd] = edge3(x, r0, r0 + wd, r0 + 2 * wd, -1, wd, w, wOff, bias, min, max);
                    out[oOff + i * wd + wd - 1] = edge3(x, r0, r0 + wd, r0 + 2 * wd, wd - 2, wd, w, wOff, bias, min,
                            max);
                }
            } else {
                ib = ia;
            }
        } else {
            int rb = xOff + (ia * sh - ph) * wd - pw; // kernel row 0, column 0 of output (ia, 0)
            int jEnd = jR;
            if (sw == 2) {
                // The odd lanes past the last output read one column past its taps: stop the
                // vectors before that column falls off the end of the array.
                int last = rb + ((ib - 1 - ia) * sh + 2) * wd + 2 * L + 1;
                jEnd = Math.min(jR, Math.floorDiv(x.length - 1 - last, 2) + L);
            }
            if (jEnd - jL >= L) {
                rows3x3(x, rb, rb + wd, rb + 2 * wd, sh * wd, sw, w, wOff, bias, out, oOff + ia * ow, ow, ib - ia,
                        jL, jEnd, min, max);
            } else {
                jEnd = jL;
            }
            edges(x, xOff, w, wOff, bias, out, oOff, g, ia, ib, jL, jEnd, min, max);
        }
        for (int i = i0; i < i1; i++) {
            if (i < ia || i >= ib) {
                row(x, xOff, w, wOff, bias, out, oOff + i * ow, g, i, jL, jR, min, max);
            }
        }
    }

    /** Columns {@code [0, jL)} and {@code [jEnd, outW)} of the inner rows {@code [ia, ib)} (all three kernel rows inside). */
    private static void edges(float[] x, int xOff, float[] w, int wOff, float bias, float[] out, int oOff,
                              DepthwiseConvKernels.Geometry g, int ia, int ib, int jL, int jEnd, float min, float max) {
        int wd = g.w();
        int ow = g.outW();
        for (int i = ia; i < ib; i++) {
            int r0 = xOff + (i * g.strideH() - g.padH()) * wd;
            int o = oOff + i * ow;
            for (int j = 0; j < jL; j++) {
                out[o + j] = edge(x, xOff, r0, w, wOff, bias, g, i, j, min, max);
            }
            for (int j = Math.max(jL, jEnd); j < ow; j++) {
                out[o + j] = edge(x, xOff, r0, w, wOff, bias, g, i, j, min, max);
            }
        }
    }

    /** Border output (i, j) of an inner row whose kernel row 0 starts at {@code r0}. */
    private static float edge(float[] x, int xOff, int r0, float[] w, int wOff, float bias,
                              DepthwiseConvKernels.Geometry g, int i, int j, float min, float max) {
        int wd = g.w();
        return g.padW() <= 1
                ? edge3(x, r0, r0 + wd, r0 + 2 * wd, j * g.strideW() - g.padW(), wd, w, wOff, bias, min, max)
                : point(x, xOff, g, i, j, w, wOff, bias, min, max);
    }

    /**
     * {@link #forwardDirect} for rows narrower than a vector: the input rows the block reads go
     * into the zero-bordered copy (rows {@code w + 2 pW} apart; the border was zeroed when the
     * scratch was allocated and no plane writes it), then each output row is one vector, stored
     * whole: the lanes past the row land on the rows after it, which overwrite them, except for
     * the block's last rows (those whose lanes would leave it), stored through the scratch's
     * last vectors.
     */
    private static void narrow(float[] x, int xOff, float[] w, int wOff, float bias, float[] out, int oOff,
                               DepthwiseConvKernels.Geometry g, int i0, int i1, float min, float max, float[] p) {
        int wd = g.w();
        int wp = wd + 2 * g.padW();
        int sh = g.strideH();
        int sw = g.strideW();
        int kh = g.kh();
        int ow = g.outW();
        int y1 = Math.min(g.h(), (i1 - 1) * sh - g.padH() + kh);
        for (int y = Math.max(0, i0 * sh - g.padH()); y < y1; y++) {
            // Not an element loop: C2 left that scalar, with its bounds checks, a third of a
            // 14 x 14 layer's time.
            System.arraycopy(x, xOff + y * wd, p, (y + g.padH()) * wp + g.padW(), wd);
        }
        int tmp = p.length - 3 * L;
        int through = Math.max(i0, i1 - (L + ow - 1) / ow + 1); // rows [through, i1) would spill past the block
        if (kh == 3 && sw == 2 && 2 * ow <= L) {
            // Stride 2 with every output of the row among the even lanes of one stride-1 vector.
            int rb = i0 * sh * wp;
            rows3x3s2Half(p, rb, rb + wp, rb + 2 * wp, sh * wp, w, wOff, bias, out, oOff + i0 * ow, ow, through - i0,
                    min, max);
            rb = through * sh * wp;
            rows3x3s2Half(p, rb, rb + wp, rb + 2 * wp, sh * wp, w, wOff, bias, p, tmp, ow, i1 - through, min, max);
        } else if (kh == 3) {
            int rb = i0 * sh * wp;
            rows3x3(p, rb, rb + wp, rb + 2 * wp, sh * wp, sw, w, wOff, bias, out, oOff + i0 * ow, ow, through - i0, 0,
                    L, min, max);
            rb = through * sh * wp;
            rows3x3(p, rb, rb + wp, rb + 2 * wp, sh * wp, sw, w, wOff, bias, p, tmp, ow, i1 - through, 0, L, min, max);
        } else {
            for (int i = i0; i < i1; i++) {
                boolean spill = i < through;
                rowsAny(p, i * sh * wp, 0, kh, wp, sw, w, wOff, bias, spill ? out : p,
                        spill ? oOff + i * ow : tmp + (i - through) * ow, 0, L, min, max);
            }
        }
        System.arraycopy(p, tmp, out, oOff + through * ow, (i1 - through) * ow);
    }

    /** Output row {@code i} into {@code out[o ..]} (rows at the vertical padding): vectors over the inner columns {@code [jL, jR)}, scalar elsewhere. */
    private static void row(float[] x, int xOff, float[] w, int wOff, float bias, float[] out, int o,
                            DepthwiseConvKernels.Geometry g, int i, int jL, int jR, float min, float max) {
        int wd = g.w();
        int sw = g.strideW();
        int y0 = i * g.strideH() - g.padH();
        int aLo = Math.max(0, -y0);
        int aHi = Math.min(g.kh(), g.h() - y0);
        // Input index of kernel row 0, column 0 for output column 0: tap (a, b) of output j is at
        // rb + a * wd + j * sw + b.
        int rb = xOff + y0 * wd - g.padW();
        int done = jL;
        if (aHi > aLo) {
            int jEnd = jR;
            if (sw == 2) {
                int last = rb + (aHi - 1) * wd + 2 * L + 1;
                jEnd = Math.min(jR, Math.floorDiv(x.length - 1 - last, 2) + L);
            }
            if (jEnd - jL >= L) {
                rowsAny(x, rb, aLo, aHi, wd, sw, w, wOff, bias, out, o, jL, jEnd, min, max);
                done = jEnd;
            }
        }
        for (int j = 0; j < jL; j++) {
            out[o + j] = point(x, xOff, g, i, j, w, wOff, bias, min, max);
        }
        for (int j = done; j < g.outW(); j++) {
            out[o + j] = point(x, xOff, g, i, j, w, wOff, bias, min, max);
        }
    }

    /**
     * {@code out[o + r outStep + j] = clamp(bias + sum_{a < 3, b < 3} w[wOff + 3a + b] x[r_a + r inStep + s j + b])}
     * for {@code rows} rows {@code r} and {@code j} in {@code [j0, j1)}, {@code j1 - j0 >= L},
     * the weights hoisted into registers once for all rows. The last vector of a row ends at
     * {@code j1}, overlapping the one before: it rewrites the same values.
     */
    private static void rows3x3(float[] x, int r0, int r1, int r2, int inStep, int s, float[] w, int wOff,
                                float bias, float[] out, int o, int outStep, int rows, int j0, int j1, float min,
                                float max) {
        if (rows <= 0) {
            return;
        }
        if (s == 1) {
            rows3x3s1(x, r0, r1, r2, inStep, w, wOff, bias, out, o, outStep, rows, j0, j1, min, max);
        } else {
            rows3x3s2(x, r0, r1, r2, inStep, w, wOff, bias, out, o, outStep, rows, j0, j1, min, max);
        }
    }

    // Stride 1 and 2 are separate methods: each stays small enough for C2 to inline and
    // intrinsify the Vector API calls in whichever caller runs it.

    private static void rows3x3s1(float[] x, int r0, int r1, int r2, int inStep, float[] w, int wOff, float bias,
                                  float[] out, int o, int outStep, int rows, int j0, int j1, float min, float max) {
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
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        int last = j1 - L;
        int r = 0;
        if (j1 - j0 == L) {
            // One vector per row (the narrow planes): two rows per step, so that two chains of
            // nine dependent FMAs are in flight instead of one. Each output's sum is the same;
            // row r is stored before row r + 1, whose store overwrites the lanes row r spilled.
            int j = j0;
            for (; r + 2 <= rows; r += 2, r0 += 2 * inStep, r1 += 2 * inStep, r2 += 2 * inStep, o += 2 * outStep) {
                int q0 = r0 + inStep;
                int q1 = r1 + inStep;
                int q2 = r2 + inStep;
                FloatVector acc = FloatVector.fromArray(S, x, r0 + j).fma(w0, b);
                FloatVector bcc = FloatVector.fromArray(S, x, q0 + j).fma(w0, b);
                acc = FloatVector.fromArray(S, x, r0 + j + 1).fma(w1, acc);
                bcc = FloatVector.fromArray(S, x, q0 + j + 1).fma(w1, bcc);
                acc = FloatVector.fromArray(S, x, r0 + j + 2).fma(w2, acc);
                bcc = FloatVector.fromArray(S, x, q0 + j + 2).fma(w2, bcc);
                acc = FloatVector.fromArray(S, x, r1 + j).fma(w3, acc);
                bcc = FloatVector.fromArray(S, x, q1 + j).fma(w3, bcc);
                acc = FloatVector.fromArray(S, x, r1 + j + 1).fma(w4, acc);
                bcc = FloatVector.fromArray(S, x, q1 + j + 1).fma(w4, bcc);
                acc = FloatVector.fromArray(S, x, r1 + j + 2).fma(w5, acc);
                bcc = FloatVector.fromArray(S, x, q1 + j + 2).fma(w5, bcc);
                acc = FloatVector.fromArray(S, x, r2 + j).fma(w6, acc);
                bcc = FloatVector.fromArray(S, x, q2 + j).fma(w6, bcc);
                acc = FloatVector.fromArray(S, x, r2 + j + 1).fma(w7, acc);
                bcc = FloatVector.fromArray(S, x, q2 + j + 1).fma(w7, bcc);
                acc = FloatVector.fromArray(S, x, r2 + j + 2).fma(w8, acc);
                bcc = FloatVector.fromArray(S, x, q2 + j + 2).fma(w8, bcc);
                acc.max(lo).min(hi).intoArray(out, o + j);
                bcc.max(lo).min(hi).intoArray(out, o + outStep + j);
            }
        }
        for (; r < rows; r++, r0 += inStep, r1 += inStep, r2 += inStep, o += outStep) {
            for (int k = j0; k < j1; k += L) {
                int j = Math.min(k, last);
                FloatVector acc = FloatVector.fromArray(S, x, r0 + j).fma(w0, b);
                acc = FloatVector.fromArray(S, x, r0 + j + 1).fma(w1, acc);
                acc = FloatVector.fromArray(S, x, r0 + j + 2).fma(w2, acc);
                acc = FloatVector.fromArray(S, x, r1 + j).fma(w3, acc);
                acc = FloatVector.fromArray(S, x, r1 + j + 1).fma(w4, acc);
                acc = FloatVector.fromArray(S, x, r1 + j + 2).fma(w5, acc);
                acc = FloatVector.fromArray(S, x, r2 + j).fma(w6, acc);
                acc = FloatVector.fromArray(S, x, r2 + j + 1).fma(w7, acc);
                acc = FloatVector.fromArray(S, x, r2 + j + 2).fma(w8, acc);
                acc.max(lo).min(hi).intoArray(out, o + j);
            }
        }
    }

    /**
     * {@link #rows3x3s2} for rows of at most L/2 outputs ({@link #narrow}'s stride-2 planes,
     * MobileNet's 14 -> 7 layer), one vector per row from column 0: the outputs are the even
     * lanes of the first of its two stride-1 vectors, so the second, all of whose lanes were
     * dropped, is not computed. The stored vector's upper half repeats the lower one and lands
     * on the next row, as narrow's spill rules expect. Two rows per step, as in rows3x3s1.
     * Each output is the same chain as in rows3x3s2.
     */
    private static void rows3x3s2Half(float[] x, int r0, int r1, int r2, int inStep, float[] w, int wOff,
                                      float bias, float[] out, int o, int outStep, int rows, float min, float max) {
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
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        int r = 0;
        for (; r + 2 <= rows; r += 2, r0 += 2 * inStep, r1 += 2 * inStep, r2 += 2 * inStep, o += 2 * outStep) {
            int q0 = r0 + inStep;
            int q1 = r1 + inStep;
            int q2 = r2 + inStep;
            FloatVector e = FloatVector.fromArray(S, x, r0).fma(w0, b);
            FloatVector f = FloatVector.fromArray(S, x, q0).fma(w0, b);
            e = FloatVector.fromArray(S, x, r0 + 1).fma(w1, e);
            f = FloatVector.fromArray(S, x, q0 + 1).fma(w1, f);
            e = FloatVector.fromArray(S, x, r0 + 2).fma(w2, e);
            f = FloatVector.fromArray(S, x, q0 + 2).fma(w2, f);
            e = FloatVector.fromArray(S, x, r1).fma(w3, e);
            f = FloatVector.fromArray(S, x, q1).fma(w3, f);
            e = FloatVector.fromArray(S, x, r1 + 1).fma(w4, e);
            f = FloatVector.fromArray(S, x, q1 + 1).fma(w4, f);
            e = FloatVector.fromArray(S, x, r1 + 2).fma(w5, e);
            f = FloatVector.fromArray(S, x, q1 + 2).fma(w5, f);
            e = FloatVector.fromArray(S, x, r2).fma(w6, e);
            f = FloatVector.fromArray(S, x, q2).fma(w6, f);
            e = FloatVector.fromArray(S, x, r2 + 1).fma(w7, e);
            f = FloatVector.fromArray(S, x, q2 + 1).fma(w7, f);
            e = FloatVector.fromArray(S, x, r2 + 2).fma(w8, e);
            f = FloatVector.fromArray(S, x, q2 + 2).fma(w8, f);
            e.rearrange(EVEN).max(lo).min(hi).intoArray(out, o);
            f.rearrange(EVEN).max(lo).min(hi).intoArray(out, o + outStep);
        }
        if (r < rows) {
            FloatVector e = FloatVector.fromArray(S, x, r0).fma(w0, b);
            e = FloatVector.fromArray(S, x, r0 + 1).fma(w1, e);
            e = FloatVector.fromArray(S, x, r0 + 2).fma(w2, e);
            e = FloatVector.fromArray(S, x, r1).fma(w3, e);
            e = FloatVector.fromArray(S, x, r1 + 1).fma(w4, e);
            e = FloatVector.fromArray(S, x, r1 + 2).fma(w5, e);
            e = FloatVector.fromArray(S, x, r2).fma(w6, e);
            e = FloatVector.fromArray(S, x, r2 + 1).fma(w7, e);
            e = FloatVector.fromArray(S, x, r2 + 2).fma(w8, e);
            e.rearrange(EVEN).max(lo).min(hi).intoArray(out, o);
        }
    }

    private static void rows3x3s2(float[] x, int r0, int r1, int r2, int inStep, float[] w, int wOff, float bias,
                                  float[] out, int o, int outStep, int rows, int j0, int j1, float min, float max) {
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
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        int last = j1 - L;
        for (int r = 0; r < rows; r++, r0 += inStep, r1 += inStep, r2 += inStep, o += outStep) {
            for (int k = j0; k < j1; k += L) {
                int j = Math.min(k, last);
                // Stride-1 outputs at input columns 2j .. 2j + 2L - 1 (relative), in two vectors.
                int u = 2 * j;
                FloatVector e = FloatVector.fromArray(S, x, r0 + u).fma(w0, b);
                FloatVector f = FloatVector.fromArray(S, x, r0 + u + L).fma(w0, b);
                e = FloatVector.fromArray(S, x, r0 + u + 1).fma(w1, e);
                f = FloatVector.fromArray(S, x, r0 + u + L + 1).fma(w1, f);
                e = FloatVector.fromArray(S, x, r0 + u + 2).fma(w2, e);
                f = FloatVector.fromArray(S, x, r0 + u + L + 2).fma(w2, f);
                e = FloatVector.fromArray(S, x, r1 + u).fma(w3, e);
                f = FloatVector.fromArray(S, x, r1 + u + L).fma(w3, f);
                e = FloatVector.fromArray(S, x, r1 + u + 1).fma(w4, e);
                f = FloatVector.fromArray(S, x, r1 + u + L + 1).fma(w4, f);
                e = FloatVector.fromArray(S, x, r1 + u + 2).fma(w5, e);
                f = FloatVector.fromArray(S, x, r1 + u + L + 2).fma(w5, f);
                e = FloatVector.fromArray(S, x, r2 + u).fma(w6, e);
                f = FloatVector.fromArray(S, x, r2 + u + L).fma(w6, f);
                e = FloatVector.fromArray(S, x, r2 + u + 1).fma(w7, e);
                f = FloatVector.fromArray(S, x, r2 + u + L + 1).fma(w7, f);
                e = FloatVector.fromArray(S, x, r2 + u + 2).fma(w8, e);
                f = FloatVector.fromArray(S, x, r2 + u + L + 2).fma(w8, f);
                e.rearrange(EVEN).blend(f.rearrange(EVEN), UPPER).max(lo).min(hi).intoArray(out, o + j);
            }
        }
    }

    /**
     * {@link #rows3x3} for the kernel rows {@code [aLo, aHi)} only, {@code aHi > aLo} (rows at
     * the vertical padding, kernels of other heights): tap (a, b) of output j at
     * {@code rb + a * wd + s j + b}. One loop per stride, with the last kernel row peeled (see the
     * class comment): the shared loop, whose second accumulator was updated only under stride 2
     * and whose stored vector came from a merge point, ran in the Vector API's fallback on JDK 17.
     */
    private static void rowsAny(float[] x, int rb, int aLo, int aHi, int wd, int s, float[] w, int wOff, float bias,
                                float[] out, int o, int j0, int j1, float min, float max) {
        if (s == 2) {
            rowsAny2(x, rb, aLo, aHi, wd, w, wOff, bias, out, o, j0, j1, min, max);
        } else {
            rowsAny1(x, rb, aLo, aHi, wd, w, wOff, bias, out, o, j0, j1, min, max);
        }
    }

    private static void rowsAny1(float[] x, int rb, int aLo, int aHi, int wd, float[] w, int wOff, float bias,
                                 float[] out, int o, int j0, int j1, float min, float max) {
        FloatVector b = FloatVector.broadcast(S, bias);
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        int al = aHi - 1;
        FloatVector u0 = FloatVector.broadcast(S, w[wOff + 3 * al]);
        FloatVector u1 = FloatVector.broadcast(S, w[wOff + 3 * al + 1]);
        FloatVector u2 = FloatVector.broadcast(S, w[wOff + 3 * al + 2]);
        int last = j1 - L;
        for (int j = j0; ; j = Math.min(j + L, last)) {
            FloatVector e = b;
            for (int a = aLo; a < al; a++) {
                int at = rb + a * wd + j;
                e = FloatVector.fromArray(S, x, at).fma(FloatVector.broadcast(S, w[wOff + 3 * a]), e);
                e = FloatVector.fromArray(S, x, at + 1).fma(FloatVector.broadcast(S, w[wOff + 3 * a + 1]), e);
                e = FloatVector.fromArray(S, x, at + 2).fma(FloatVector.broadcast(S, w[wOff + 3 * a + 2]), e);
            }
            int at = rb + al * wd + j;
            e = FloatVector.fromArray(S, x, at).fma(u0, e);
            e = FloatVector.fromArray(S, x, at + 1).fma(u1, e);
            FloatVector.fromArray(S, x, at + 2).fma(u2, e).max(lo).min(hi).intoArray(out, o + j);
            if (j == last) {
                break;
            }
        }
    }

    private static void rowsAny2(float[] x, int rb, int aLo, int aHi, int wd, float[] w, int wOff, float bias,
                                 float[] out, int o, int j0, int j1, float min, float max) {
        FloatVector b = FloatVector.broadcast(S, bias);
        FloatVector lo = FloatVector.broadcast(S, min);
        FloatVector hi = FloatVector.broadcast(S, max);
        int al = aHi - 1;
        FloatVector u0 = FloatVector.broadcast(S, w[wOff + 3 * al]);
        FloatVector u1 = FloatVector.broadcast(S, w[wOff + 3 * al + 1]);
        FloatVector u2 = FloatVector.broadcast(S, w[wOff + 3 * al + 2]);
        int last = j1 - L;
        for (int j = j0; ; j = Math.min(j + L, last)) {
            FloatVector e = b;
            FloatVector f = b;
            for (int a = aLo; a < al; a++) {
                int at = rb + a * wd + 2 * j;
                for (int t = 0; t < 3; t++) {
                    FloatVector wt = FloatVector.broadcast(S, w[wOff + 3 * a + t]);
                    e = FloatVector.fromArray(S, x, at + t).fma(wt, e);
                    f = FloatVector.fromArray(S, x, at + t + L).fma(wt, f);
                }
            }
            int at = rb + al * wd + 2 * j;
            e = FloatVector.fromArray(S, x, at).fma(u0, e);
            f = FloatVector.fromArray(S, x, at + L).fma(u0, f);
            e = FloatVector.fromArray(S, x, at + 1).fma(u1, e);
            f = FloatVector.fromArray(S, x, at + L + 1).fma(u1, f);
            FloatVector eo = FloatVector.fromArray(S, x, at + 2).fma(u2, e);
            FloatVector fo = FloatVector.fromArray(S, x, at + L + 2).fma(u2, f);
            eo.rearrange(EVEN).blend(fo.rearrange(EVEN), UPPER).max(lo).min(hi).intoArray(out, o + j);
            if (j == last) {
                break;
            }
        }
    }

    /**
     * Output column {@code c0 / sW} (input column {@code c0} under tap column 0) of a row whose
     * three kernel rows start at {@code r0, r1, r2} inside the plane, with padding at most 1 (the
     * middle tap column is inside the row): the border columns of the inner rows, unrolled, in
     * {@link #point}'s order.
     */
    private static float edge3(float[] x, int r0, int r1, int r2, int c0, int wd, float[] w, int wOff, float bias,
                               float min, float max) {
        boolean left = c0 >= 0;
        boolean right = c0 + 2 < wd;
        float acc = bias;
        if (left) {
            acc = Math.fma(x[r0 + c0], w[wOff], acc);
        }
        acc = Math.fma(x[r0 + c0 + 1], w[wOff + 1], acc);
        if (right) {
            acc = Math.fma(x[r0 + c0 + 2], w[wOff + 2], acc);
        }
        if (left) {
            acc = Math.fma(x[r1 + c0], w[wOff + 3], acc);
        }
        acc = Math.fma(x[r1 + c0 + 1], w[wOff + 4], acc);
        if (right) {
            acc = Math.fma(x[r1 + c0 + 2], w[wOff + 5], acc);
        }
        if (left) {
            acc = Math.fma(x[r2 + c0], w[wOff + 6], acc);
        }
        acc = Math.fma(x[r2 + c0 + 1], w[wOff + 7], acc);
        if (right) {
            acc = Math.fma(x[r2 + c0 + 2], w[wOff + 8], acc);
        }
        return Math.min(Math.max(acc, min), max);
    }

    /** Output (i, j) with every tap bounds-checked: the border columns of the rows at the vertical padding. */
    private static float point(float[] x, int xOff, DepthwiseConvKernels.Geometry g, int i, int j, float[] w, int wOff,
                               float bias, float min, float max) {
        int wd = g.w();
        int y0 = i * g.strideH() - g.padH();
        int c0 = j * g.strideW() - g.padW();
        float acc = bias;
        for (int a = Math.max(0, -y0), aHi = Math.min(g.kh(), g.h() - y0); a < aHi; a++) {
            int row = xOff + (y0 + a) * wd;
            for (int b = Math.max(0, -c0), bHi = Math.min(3, wd - c0); b < bHi; b++) {
                acc = Math.fma(x[row + c0 + b], w[wOff + 3 * a + b], acc);
            }
        }
        return Math.min(Math.max(acc, min), max);
    }
}
