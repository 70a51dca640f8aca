package dev.walnut.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

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
 *   <li>{@code exp}: 1.003 ulp measured (asserted 1.5) over the whole float range; subnormal
 *       results are rounded once, onto the subnormal grid;</li>
 *   <li>{@code log}: 0.79 ulp measured (asserted 1) for every positive float, subnormals
 *       included;</li>
 *   <li>{@code tanh}: 1.31 ulp measured (asserted 1.5);</li>
 *   <li>{@code sigmoid}: 2.28 ulp measured (asserted 2.5), worst for negative x, where it is
 *       {@code e^x / (1 + e^x)}.</li>
 * </ul>
 * Lanes are independent, so a value gets the same result wherever it sits in an array (the
 * loops handle their tails with masked vectors rather than scalar code).
 */
final class VectorMath {
    private VectorMath() {
    }

    // exp: x = n ln2 + r with |r| <= ln2/2, e^x = 2^n e^r. ln2 is split in two so n * LN2_HI is
    // exact for the |n| <= 150 that occur.
    private static final float EXP_HI = 89f;
    private static final float EXP_LO = -104f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer in the low mantissa
    // bits, which gives round-to-nearest without a rounding instruction.
    private static final float ROUND_MAGIC = 12582912f;
    private static final int ROUND_MAGIC_BITS = 0x4B400000;

    /** {@code e^x} per lane; see the class comment for the error bound. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        IntVector ni = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
        FloatVector r = madd(n, -LN2_HI, xc);
        r = madd(n, -LN2_LO, r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = horner(p, r, 8.3334519073e-3f);
        p = horner(p, r, 4.1665795894e-2f);
        p = horner(p, r, 1.6666665459e-1f);
        p = horner(p, r, 5.0000001201e-1f);
        p = p.fma(r.mul(r), r).add(1f);
        // 2^n in two factors, 2^(n/2) and 2^(n - n/2): each is a normal float for n in
        // [-150, 129], so results near the overflow threshold stay finite until they should not,
        // and subnormal results are rounded once, by the last multiply.
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float MIN_NORMAL = Float.MIN_NORMAL;

    /** Natural logarithm per lane; see the class comment for the error bound. */
    static FloatVector log(FloatVector x) {
        // Subnormals are scaled into the normal range first, so the exponent field is meaningful.
        VectorMask<Float> sub = x.compare(VectorOperators.LT, MIN_NORMAL);
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
        return result.blend(Float.NaN, invalid);
    }

    /** Hyperbolic tangent per lane; saturates to exactly ±1, keeps -0. */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        // |x| >= 0.625: 1 - 2 / (e^2|x| + 1), with the sign of x put back; e^2|x| overflows to
        // +inf for large |x| and the quotient to 0, so the result saturates at exactly 1.
        FloatVector e = exp(ax.add(ax));
        FloatVector one = FloatVector.broadcast(x.species(), 1f);
        FloatVector large = one.sub(FloatVector.broadcast(x.species(), 2f).div(e.add(1f)));
        large = large.reinterpretAsInts()
                .or(x.reinterpretAsInts().and(0x80000000))
                .reinterpretAsFloats();
        // |x| < 0.625: odd polynomial, x + x^3 P(x^2).
        FloatVector z = x.mul(x);
        FloatVector small = z.fma(-5.70498872745e-3f, 2.06390887954e-2f);
        small = horner(small, z, -5.37397155531e-2f);
        small = horner(small, z, 1.33314422036e-1f);
        small = horner(small, z, -3.33332819422e-1f);
        small = small.mul(z).fma(x, x);
        // Below 2^-12, x itself is tanh(x) correctly rounded; taking it also keeps -0 (the
        // polynomial would turn -0 into +0).
        return large.blend(small, ax.compare(VectorOperators.LT, 0.625f))
                .blend(x, ax.compare(VectorOperators.LT, 0x1p-12f));
    }

    /** Logistic sigmoid {@code 1 / (1 + e^-x)} per lane. */
    static FloatVector sigmoid(FloatVector x) {
        // e = e^-|x| never overflows: for x >= 0 the result is 1 / (1 + e); for x < 0 it is
        // e / (1 + e), which keeps full relative accuracy down to the subnormal results.
        FloatVector e = exp(x.abs().neg());
        FloatVector numerator = FloatVector.broadcast(x.species(), 1f).blend(e, x.compare(VectorOperators.LT, 0f));
        return numerator.div(e.add(1f));
    }

    /** {@code p * r + c}, one rounding: a Horner step. */
    private static FloatVector horner(FloatVector p, FloatVector r, float c) {
        return p.fma(r, FloatVector.broadcast(p.species(), c));
    }

    /** {@code a * b + c}, one rounding. */
    private static FloatVector madd(FloatVector a, float b, FloatVector c) {
        return a.fma(FloatVector.broadcast(a.species(), b), c);
    }
}
