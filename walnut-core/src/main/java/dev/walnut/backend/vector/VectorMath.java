package dev.walnut.backend.vector;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized {@code float} transcendentals: {@code exp}, {@code log}, {@code tanh} and the
 * logistic sigmoid, each a range reduction plus a minimax polynomial (the coefficients are
 * Stephen Moshier's single-precision Cephes ones). Every lane follows the same IEEE rules as
 * {@code (float) Math.f((double) x)}: NaN in gives NaN out, {@code exp(-inf) = 0},
 * {@code exp(+inf) = +inf}, overflow gives {@code +inf}, underflow goes through the subnormals to
 * {@code 0}, {@code log(0) = -inf}, {@code log(x < 0) = NaN}, {@code tanh(±inf) = ±1}.
 *
 * <p>Maximum error against the correctly rounded float of {@code Math}'s double result, measured
 * over every 97th float bit pattern (all signs and exponents, subnormals included) and asserted
 * with some margin by {@code VectorMathTest}:
 * <ul>
 *   <li>{@code exp}: 1.003 ulp measured (1.010 over every float; asserted 1.5) over the whole
 *       float range; subnormal results are rounded once, onto the subnormal grid;</li>
 *   <li>{@code log}: 0.79 ulp measured (asserted 1) for every positive float, subnormals
 *       included;</li>
 *   <li>{@code tanh}: 1.31 ulp measured (asserted 1.5); a sweep of every float finds 1.509 ulp
 *       at x = ±1.2711887, from the three roundings of {@code (1 - e) / (1 + e)};</li>
 *   <li>{@code sigmoid}: 2.28 ulp measured (asserted 2.5), worst for negative x, where it is
 *       {@code e^x / (1 + e^x)}.</li>
 * </ul>
 * Lanes are independent, so a value gets the same result wherever it sits in an array.
 *
 * <p>Two loops are chosen per call, after a scan of the input: {@code exp} of a call whose every
 * x is in [-86, 88] and {@code tanh} of a call whose every |x| is in [0.625, 43] skip the clamps
 * and apply 2^n as an add to the exponent field. They give the same bits as the general loops
 * (tested over sweeps of both ranges) in about 40% (exp) and 20% (tanh) less time.
 */
final class VectorMath {
    static final int EXP = 0;
    static final int LOG = 1;
    static final int TANH = 2;
    static final int SIGMOID = 3;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /**
     * One vector of scratch per thread, for the last, partial vector of a call: the fused
     * elementwise runner calls these functions once per block, where allocating it per call would
     * be its only allocation. The functions never call each other, so one per thread is enough.
     */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[L]);

    private VectorMath() {
    }

    /**
     * {@code out[o + i] = fn(x[o + i])} for {@code i < n}, fn one of {@link #EXP}, {@link #LOG},
     * {@link #TANH}, {@link #SIGMOID}; {@code x == out} is allowed.
     *
     * <p>Each function reads and writes whole vectors in place; only the last, partial vector is
     * copied into a zero-padded scratch vector ({@link #tail}) and transformed there: no masked
     * tail (slow on JDK 17) and no scalar tail (whose results would differ from the lanes'). (They
     * used to copy every 512-element block through scratch; the copies and the fill cost about
     * 40% of an exp on 1024 floats in L1, measured on JDK 17.)
     *
     * <p>Why each function is one self-contained method, with {@code exp} written out again inside
     * {@code tanh} and {@code sigmoid}: C2 compiles Vector API code to SIMD instructions only while
     * the whole compilation stays within its inlining budget; past it, calls are left out of line
     * and every vector they pass is boxed on the heap, which made a kernel 5 to 10 times slower
     * and allocate gigabytes per second (measured on JDK 17, whenever these loops were inlined
     * into each other or into their callers). So the math lives in the loop bodies (only the
     * tiny {@link #horner} and {@link #madd} are called), and each function's bytecode is kept
     * above C2's hot-call inlining limit ({@code FreqInlineSize}, 325 bytes: exp is 343) so that
     * it is always compiled as a root of its own.
     */
    static void apply(int fn, float[] x, float[] out, int o, int n) {
        switch (fn) {
            case EXP:
                if (allWithin(x, o, n, -1, EXP_ONE_SCALE_LO, EXP_ONE_SCALE_HI)) {
                    expOneScale(x, out, o, n);
                } else {
                    exp(x, out, o, n);
                }
                break;
            case LOG: log(x, out, o, n); break;
            case TANH:
                if (allWithin(x, o, n, 0x7FFFFFFF, TANH_SMALL, TANH_LARGE_HI)) {
                    tanhLarge(x, out, o, n);
                } else {
                    tanh(x, out, o, n);
                }
                break;
            case SIGMOID: sigmoid(x, out, o, n); break;
            default: throw new IllegalArgumentException("VectorMath: unknown function " + fn);
        }
    }

    // exp: x = n ln2 + r with |r| <= ln2/2, e^x = 2^n e^r. ln2 is split in two so n * LN2_HI is
    // exact for the |n| <= 150 that occur. 2^n is applied as two factors, 2^(n/2) and
    // 2^(n - n/2): each is a normal float for n in [-150, 129], so results near the overflow
    // threshold stay finite until they should not, and subnormal results are rounded once, by
    // the last multiply. Clamping x to [-104, 89] first keeps n in that range (and sends -inf to
    // 0, +inf to +inf); NaN needs no special case, since max, min and the arithmetic all
    // propagate it.
    static final float EXP_HI = 89f;
    static final float EXP_LO = -104f;
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    // 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer in the low mantissa
    // bits, which gives round-to-nearest without a rounding instruction.
    static final float ROUND_MAGIC = 12582912f;
    static final int ROUND_MAGIC_BITS = 0x4B400000;
    // Cephes' minimax polynomial for e^r - 1 - r on [-ln2/2, ln2/2], as
    // r^2 (P5 + r (P4 + r (P3 + r (P2 + r (P1 + r P0))))), shared by exp, tanh and sigmoid (and by
    // the loops LoopGenerator writes, which must give the same bits).
    static final float EXP_P0 = 1.9875691500e-4f;
    static final float EXP_P1 = 1.3981999507e-3f;
    static final float EXP_P2 = 8.3334519073e-3f;
    static final float EXP_P3 = 4.1665795894e-2f;
    static final float EXP_P4 = 1.6666665459e-1f;
    static final float EXP_P5 = 5.0000001201e-1f;
    // tanh's odd polynomial for |x| < 0.625: x + x^3 (Q4 + z (Q3 + z (Q2 + z (Q1 + z Q0)))), z = x^2.
    static final float TANH_Q0 = -5.70498872745e-3f;
    static final float TANH_Q1 = 2.06390887954e-2f;
    static final float TANH_Q2 = -5.37397155531e-2f;
    static final float TANH_Q3 = 1.33314422036e-1f;
    static final float TANH_Q4 = -3.33332819422e-1f;
    /** tanh's clamp of -2|x| on its general path: 2^n stays normal, and e below 2^-126 no longer matters. */
    static final float TANH_W_LO = -87f;
    /** Below this {@code |x|}, x itself is tanh(x) correctly rounded. */
    static final float TANH_TINY = 0x1p-12f;

    /** {@code out[o + i] = e^x[o + i]} for {@code i < n}, vector by vector (see {@link #apply}). */
    private static void exp(float[] src, float[] dst, int off, int count) {
        for (int i = 0; i < count; i += L) {
            boolean whole = count - i >= L;
            float[] a = whole ? src : tail(src, off + i, count - i);
            float[] b = whole ? dst : a;
            int at = whole ? off + i : 0;
            FloatVector x = FloatVector.fromArray(S, a, at);
            FloatVector xc = x.max(EXP_LO).min(EXP_HI);
            FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
            FloatVector n = t.sub(ROUND_MAGIC);
            IntVector ni = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            FloatVector r = madd(n, -LN2_HI, xc);
            r = madd(n, -LN2_LO, r);
            FloatVector p = r.fma(EXP_P0, EXP_P1);
            p = horner(p, r, EXP_P2);
            p = horner(p, r, EXP_P3);
            p = horner(p, r, EXP_P4);
            p = horner(p, r, EXP_P5);
            p = p.fma(r.mul(r), r).add(1f);
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
            FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector y = p.mul(s1).mul(s2);
            y.intoArray(b, at);
            if (!whole) {
                System.arraycopy(a, 0, dst, off + i, count - i);
            }
        }
    }

    // Within [-86, 88], n = round(x log2 e) is in [-124, 127] and e^x = p 2^n is a normal float
    // (p >= 2^-0.5), so 2^n can be applied in one step, exactly, as n added to p's exponent
    // field: the bits exp's two-factor scaling gives, for 5 fewer vector ops out of about 23,
    // and no clamp (nothing outside the range reaches this loop, NaN included).
    static final float EXP_ONE_SCALE_LO = -86f;
    static final float EXP_ONE_SCALE_HI = 88f;

    /**
     * {@link #exp} for calls whose every {@code x} is in [{@link #EXP_ONE_SCALE_LO},
     * {@link #EXP_ONE_SCALE_HI}]: the same reduction and polynomial, so the same bits, with the
     * scale applied as one integer add to the exponent field. n's bits are the low bits of
     * {@code t}'s (t = x log2 e + 1.5 2^23), and {@code (t_bits - ROUND_MAGIC_BITS) << 23} equals
     * {@code t_bits << 23} because the magic's low 23 bits shift out, which saves the subtraction.
     * A separate loop chosen per call, as {@link #tanhLarge} is, for the same reason; its body
     * repeats exp's reduction and polynomial rather than sharing a vector helper, for the reason
     * exp is written out inside tanh (see {@link #apply}).
     */
    private static void expOneScale(float[] src, float[] dst, int off, int count) {
        for (int i = 0; i < count; i += L) {
            boolean whole = count - i >= L;
            float[] a = whole ? src : tail(src, off + i, count - i);
            float[] b = whole ? dst : a;
            int at = whole ? off + i : 0;
            FloatVector x = FloatVector.fromArray(S, a, at);
            FloatVector t = x.fma(LOG2E, ROUND_MAGIC);
            FloatVector n = t.sub(ROUND_MAGIC);
            FloatVector r = madd(n, -LN2_HI, x);
            r = madd(n, -LN2_LO, r);
            FloatVector p = r.fma(EXP_P0, EXP_P1);
            p = horner(p, r, EXP_P2);
            p = horner(p, r, EXP_P3);
            p = horner(p, r, EXP_P4);
            p = horner(p, r, EXP_P5);
            p = p.fma(r.mul(r), r).add(1f);
            p.reinterpretAsInts()
                    .add(t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23))
                    .reinterpretAsFloats()
                    .intoArray(b, at);
            if (!whole) {
                System.arraycopy(a, 0, dst, off + i, count - i);
            }
        }
    }

    /** Below this {@code |x|}, tanh takes its odd polynomial; at or above it, the exponential form. */
    static final float TANH_SMALL = 0.625f;
    /**
     * Up to this {@code |x|}, -2|x| >= -86 keeps tanh's 2^n normal without a clamp, so
     * {@link #tanhLarge} needs none (a lane-wise max is several instructions on x86 with Java's
     * NaN and -0 rules); tanh rounds to +-1 from |x| = 9.01 on, so larger values are rare in calls
     * that are not saturated anyway, and those calls take {@link #tanh}.
     */
    static final float TANH_LARGE_HI = 43f;

    private static final float SQRT_HALF = 0.707106781186547524f;

    /** {@code out[o + i] = log(x[o + i])} for {@code i < n}, vector by vector (see {@link #apply}). */
    private static void log(float[] src, float[] dst, int off, int count) {
        for (int i = 0; i < count; i += L) {
            boolean whole = count - i >= L;
            float[] a = whole ? src : tail(src, off + i, count - i);
            float[] b = whole ? dst : a;
            int at = whole ? off + i : 0;
            FloatVector x = FloatVector.fromArray(S, a, at);
            // Subnormals are scaled into the normal range first, so the exponent field is meaningful.
            VectorMask<Float> sub = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
            FloatVector xs = x.blend(x.mul(8388608f), sub);
            IntVector bits = xs.reinterpretAsInts();
            FloatVector e = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(126)
                    .convert(VectorOperators.I2F, 0);
            e = e.blend(e.sub(23f), sub);
            // Mantissa in [0.5, 1); then moved to [sqrt(1/2), sqrt(2)) - 1 so the polynomial's
            // argument is small on both sides of 1.
            FloatVector m = bits.and(0x807FFFFF).or(0x3F000000).reinterpretAsFloats();
            VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
            e = e.blend(e.sub(1f), low);
            m = m.sub(1f).blend(m.add(m).sub(1f), low);
            FloatVector z = m.mul(m);
            FloatVector y = m.fma(7.0376836292e-2f, -1.1514610310e-1f);
            y = horner(y, m, 1.1676998740e-1f);
            y = horner(y, m, -1.2420140846e-1f);
            y = horner(y, m, 1.4249322787e-1f);
            y = horner(y, m, -1.6668057665e-1f);
            y = horner(y, m, 2.0000714765e-1f);
            y = horner(y, m, -2.4999993993e-1f);
            y = horner(y, m, 3.3333331174e-1f);
            y = y.mul(m).mul(z);
            y = madd(e, LN2_LO, y);
            y = madd(z, -0.5f, y);
            FloatVector result = m.add(y);
            result = madd(e, LN2_HI, result);
            // IEEE edge cases, in increasing priority: +inf, 0 (either sign), negative or NaN.
            result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
            result = result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
            VectorMask<Float> invalid = x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN));
            result.blend(Float.NaN, invalid).intoArray(b, at);
            if (!whole) {
                System.arraycopy(a, 0, dst, off + i, count - i);
            }
        }
    }

    /** {@code out[o + i] = tanh(x[o + i])} for {@code i < n}, vector by vector (see {@link #apply}). */
    private static void tanh(float[] src, float[] dst, int off, int count) {
        for (int i = 0; i < count; i += L) {
            boolean whole = count - i >= L;
            float[] a = whole ? src : tail(src, off + i, count - i);
            float[] b = whole ? dst : a;
            int at = whole ? off + i : 0;
            FloatVector x = FloatVector.fromArray(S, a, at);
            FloatVector ax = x.abs();
            // |x| >= 0.625: (1 - e) / (1 + e) with e = e^-2|x|, and the sign of x put back. e is
            // in [0, 0.29] there, so nothing overflows or cancels; for large |x| the quotient
            // rounds to exactly 1, and NaN stays NaN. Once e is below 2^-126 it no longer
            // matters, so the argument is clamped to keep 2^n normal and the scale is a single
            // factor: this loop is kept shorter than exp's on purpose (see apply).
            FloatVector w = ax.mul(-2f).max(TANH_W_LO);
            FloatVector wt = w.fma(LOG2E, ROUND_MAGIC);
            FloatVector wn = wt.sub(ROUND_MAGIC);
            IntVector wni = wt.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            FloatVector wr = madd(wn, -LN2_HI, w);
            wr = madd(wn, -LN2_LO, wr);
            FloatVector wp = wr.fma(EXP_P0, EXP_P1);
            wp = horner(wp, wr, EXP_P2);
            wp = horner(wp, wr, EXP_P3);
            wp = horner(wp, wr, EXP_P4);
            wp = horner(wp, wr, EXP_P5);
            wp = wp.fma(wr.mul(wr), wr).add(1f);
            FloatVector e = wp.mul(wni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector one = FloatVector.broadcast(S, 1f);
            FloatVector large = one.sub(e).div(one.add(e));
            large = large.blend(large.neg(), x.compare(VectorOperators.LT, 0f));
            // |x| < 0.625: odd polynomial, x + x^3 P(x^2).
            FloatVector z = x.mul(x);
            FloatVector small = z.fma(TANH_Q0, TANH_Q1);
            small = horner(small, z, TANH_Q2);
            small = horner(small, z, TANH_Q3);
            small = horner(small, z, TANH_Q4);
            small = small.mul(z).fma(x, x);
            // Below 2^-12, x itself is tanh(x) correctly rounded; taking it also keeps -0 (the
            // polynomial would turn -0 into +0).
            large.blend(small, ax.compare(VectorOperators.LT, TANH_SMALL))
                    .blend(x, ax.compare(VectorOperators.LT, TANH_TINY))
                    .intoArray(b, at);
            if (!whole) {
                System.arraycopy(a, 0, dst, off + i, count - i);
            }
        }
    }

    /**
     * {@link #tanh} for calls whose every {@code |x|} is in [{@link #TANH_SMALL},
     * {@link #TANH_LARGE_HI}]: only the
     * large side's formula, whose lanes are the ones tanh would have kept, so the bits are the
     * same; the small side's polynomial and both blends (about a quarter of tanh's work) are
     * skipped, and with NaN excluded the scale and the sign are put in with integer ops (three
     * fewer vector ops; tanh's multiply and blend would have to guard NaN's payload). A separate loop rather than a branch per vector: on JDK 17 a branch inside the
     * vector loop made C2 lose the vectors' exact classes (lanewise calls without a static
     * binding, 18 KB boxed per 1024 floats, tanh 2.5 to 4 times slower on JDK 25 and 17). Its
     * body is tanh's large side written out again (same polynomial), for the reason exp is written out inside tanh
     * (see {@link #apply}): a shared vector helper would shrink both loops below the 325-byte
     * inlining limit that keeps each one a compilation root of its own.
     */
    private static void tanhLarge(float[] src, float[] dst, int off, int count) {
        for (int i = 0; i < count; i += L) {
            boolean whole = count - i >= L;
            float[] a = whole ? src : tail(src, off + i, count - i);
            float[] b = whole ? dst : a;
            int at = whole ? off + i : 0;
            FloatVector x = FloatVector.fromArray(S, a, at);
            FloatVector w = x.abs().mul(-2f);
            FloatVector wt = w.fma(LOG2E, ROUND_MAGIC);
            FloatVector wn = wt.sub(ROUND_MAGIC);
            FloatVector wr = madd(wn, -LN2_HI, w);
            wr = madd(wn, -LN2_LO, wr);
            FloatVector wp = wr.fma(EXP_P0, EXP_P1);
            wp = horner(wp, wr, EXP_P2);
            wp = horner(wp, wr, EXP_P3);
            wp = horner(wp, wr, EXP_P4);
            wp = horner(wp, wr, EXP_P5);
            wp = wp.fma(wr.mul(wr), wr).add(1f);
            // |x| <= 43, so n >= -124 and 2^n is applied exactly as n added to the exponent field
            // (see expOneScale), with no clamp. NaN never gets here.
            FloatVector e = wp.reinterpretAsInts()
                    .add(wt.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23))
                    .reinterpretAsFloats();
            FloatVector one = FloatVector.broadcast(S, 1f);
            // The quotient is >= +0, so x's sign bit or-ed in is tanh's blend of the negation.
            one.sub(e).div(one.add(e)).reinterpretAsInts()
                    .or(x.reinterpretAsInts().and(Integer.MIN_VALUE))
                    .reinterpretAsFloats()
                    .intoArray(b, at);
            if (!whole) {
                System.arraycopy(a, 0, dst, off + i, count - i);
            }
        }
    }

    /**
     * Whether every {@code x[o + i]}, {@code i < n}, with its bits and-ed with {@code bits}
     * ({@code 0x7FFFFFFF} for {@code |x|}, {@code -1} for x itself), is in [lo, hi] (false when
     * one is NaN), stopping at the first vector with a lane outside, so that other data costs
     * about one vector's test. It chooses the loop of a call ({@link #expOneScale},
     * {@link #tanhLarge}): per call, because a branch per vector inside a loop made C2 box its
     * vectors on JDK 17.
     */
    private static boolean allWithin(float[] x, int o, int n, int bits, float lo, float hi) {
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + i).reinterpretAsInts().and(bits).reinterpretAsFloats();
            if (!v.compare(VectorOperators.GE, lo).and(v.compare(VectorOperators.LE, hi)).allTrue()) {
                return false;
            }
        }
        for (; i < n; i++) {
            // Not "< lo || > hi": NaN must fail the test.
            float v = Float.intBitsToFloat(Float.floatToRawIntBits(x[o + i]) & bits);
            if (!(v >= lo && v <= hi)) {
                return false;
            }
        }
        return true;
    }

    /** {@code out[o + i] = sigmoid(x[o + i])} for {@code i < n}, vector by vector (see {@link #apply}). */
    private static void sigmoid(float[] src, float[] dst, int off, int count) {
        for (int i = 0; i < count; i += L) {
            boolean whole = count - i >= L;
            float[] a = whole ? src : tail(src, off + i, count - i);
            float[] b = whole ? dst : a;
            int at = whole ? off + i : 0;
            FloatVector x = FloatVector.fromArray(S, a, at);
            // e = e^-|x| never overflows: for x >= 0 the result is 1 / (1 + e); for x < 0 it is
            // e / (1 + e), which keeps full relative accuracy down to the subnormal results.
            FloatVector negAbs = x.abs().neg();
            FloatVector exc = negAbs.max(EXP_LO).min(EXP_HI);
            FloatVector et = exc.fma(LOG2E, ROUND_MAGIC);
            FloatVector en = et.sub(ROUND_MAGIC);
            IntVector eni = et.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            FloatVector er = madd(en, -LN2_HI, exc);
            er = madd(en, -LN2_LO, er);
            FloatVector ep = er.fma(EXP_P0, EXP_P1);
            ep = horner(ep, er, EXP_P2);
            ep = horner(ep, er, EXP_P3);
            ep = horner(ep, er, EXP_P4);
            ep = horner(ep, er, EXP_P5);
            ep = ep.fma(er.mul(er), er).add(1f);
            IntVector en1 = eni.lanewise(VectorOperators.ASHR, 1);
            FloatVector es1 = en1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector es2 = eni.sub(en1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = ep.mul(es1).mul(es2);
            FloatVector.broadcast(S, 1f).blend(e, x.compare(VectorOperators.LT, 0f))
                    .div(e.add(1f))
                    .intoArray(b, at);
            if (!whole) {
                System.arraycopy(a, 0, dst, off + i, count - i);
            }
        }
    }

    /**
     * The thread's scratch vector holding {@code src[from .. from + len)}, {@code len < L},
     * zero-padded: the input of a call's last, partial vector, which is transformed in place there.
     */
    private static float[] tail(float[] src, int from, int len) {
        float[] a = SCRATCH.get();
        System.arraycopy(src, from, a, 0, len);
        Arrays.fill(a, len, L, 0f);
        return a;
    }

    /** {@code p * r + c}, one rounding: a Horner step. */
    private static FloatVector horner(FloatVector p, FloatVector r, float c) {
        return p.fma(r, FloatVector.broadcast(S, c));
    }

    /** {@code a * b + c}, one rounding. */
    private static FloatVector madd(FloatVector a, float b, FloatVector c) {
        return a.fma(FloatVector.broadcast(S, b), c);
    }
}
