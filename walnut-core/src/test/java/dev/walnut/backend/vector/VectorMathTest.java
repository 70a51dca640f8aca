package dev.walnut.backend.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The vectorized transcendentals against {@code Math} in double, rounded to float: the ulp
 * bounds documented in {@link VectorMath} are asserted over a sweep of every 97th float bit
 * pattern (all signs and exponents, subnormals included) plus the IEEE edge cases.
 */
class VectorMathTest {
    private static final int STEP = 97;
    private static final int BATCH = 4096;

    /** Error of {@code actual} in units of the float grid spacing at the correctly rounded value. */
    static double ulps(float actual, double exact) {
        float rounded = (float) exact;
        if (Float.isNaN(rounded) || Float.isNaN(actual)) {
            return Float.isNaN(rounded) == Float.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Float.isInfinite(rounded) || Float.isInfinite(actual)) {
            return rounded == actual ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(actual - exact) / Math.ulp(rounded);
    }

    /** Largest ulp error of {@code fn} against {@code reference} over the sweep; also fails on a NaN/inf mismatch. */
    private static double maxUlps(int fn, DoubleUnaryOperator reference, float lo, float hi) {
        // Odd batch lengths, so the padded last block of each call is exercised too.
        float[] in = new float[BATCH + 3], out = new float[BATCH + 3];
        double worst = 0;
        float worstAt = Float.NaN;
        int filled = 0;
        for (long bits = 0; bits <= 0x1_0000_0000L; bits += STEP) {
            float v = Float.intBitsToFloat((int) bits);
            boolean last = bits + STEP > 0x1_0000_0000L;
            if (v >= lo && v <= hi && !last) {
                in[filled++] = v;
            }
            if (filled == in.length || last && filled > 0) {
                VectorMath.apply(fn, in, out, 0, filled);
                for (int i = 0; i < filled; i++) {
                    double e = ulps(out[i], reference.applyAsDouble(in[i]));
                    if (e > worst) {
                        worst = e;
                        worstAt = in[i];
                    }
                }
                filled = 0;
            }
        }
        assertTrue(worst < Double.POSITIVE_INFINITY, "special-value mismatch at x=" + worstAt);
        return worst;
    }

    private static float[] apply(int fn, float... xs) {
        float[] out = new float[xs.length];
        VectorMath.apply(fn, xs, out, 0, xs.length);
        return out;
    }

    @Test
    void expIsWithinOneAndAHalfUlpOverTheWholeFloatRange() {
        double worst = maxUlps(VectorMath.EXP, Math::exp, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
        assertTrue(worst <= 1.5, "exp max error " + worst + " ulp");
    }

    @Test
    void inPlaceAndOffsetRunsMatchTheSeparateArrayResult() {
        float[] x = new float[1100];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 550) * 0.037f;
        }
        for (int fn : new int[] {VectorMath.EXP, VectorMath.TANH, VectorMath.SIGMOID}) {
            float[] expected = new float[x.length];
            VectorMath.apply(fn, x, expected, 0, x.length);
            float[] inPlace = x.clone();
            VectorMath.apply(fn, inPlace, inPlace, 7, 1031);
            for (int i = 0; i < x.length; i++) {
                float want = i >= 7 && i < 7 + 1031 ? expected[i] : x[i];
                assertEquals(want, inPlace[i], "fn " + fn + " at " + i);
            }
        }
    }

    /**
     * Whole vectors are transformed in place and only a call's last, partial vector goes through
     * the padded scratch: a value must give the same bits on either path, whatever its
     * neighbours (NaN, infinities, zeros, subnormals, both tanh formulas) and wherever the call
     * starts and ends. Each value computed alone (always the padded path) is the reference.
     */
    @Test
    void aValueGetsTheSameBitsInAWholeVectorAsInThePaddedTail() {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, 1e-40f, 0x1p-13f, 0.3f, -0.6249f, 0.625f, -0.7f, 3f, 9.5f, -20f, 88.72283f, 89f, -103.2789f,
            -104f, Float.MAX_VALUE, -Float.MAX_VALUE, 0.5f, 1f, 2f};
        java.util.Random rnd = new java.util.Random(15);
        for (int fn : new int[] {VectorMath.EXP, VectorMath.LOG, VectorMath.TANH, VectorMath.SIGMOID}) {
            for (int trial = 0; trial < 200; trial++) {
                int off = rnd.nextInt(40);
                int n = 1 + rnd.nextInt(trial < 100 ? 40 : 600);
                float[] x = new float[off + n + rnd.nextInt(20)];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextInt(3) == 0 ? specials[rnd.nextInt(specials.length)] : (float) rnd.nextGaussian() * 4;
                }
                float[] out = new float[x.length];
                boolean inPlace = trial % 2 == 0;
                float[] dst = inPlace ? x.clone() : out;
                VectorMath.apply(fn, inPlace ? dst : x, dst, off, n);
                for (int i = 0; i < x.length; i++) {
                    float want = i >= off && i < off + n ? apply(fn, x[i])[0] : inPlace ? x[i] : 0f;
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(dst[i]),
                            "fn " + fn + ", x = " + x[i] + " at " + i + " of a call over [" + off + ", " + (off + n) + ")");
                }
            }
        }
    }

    /**
     * A call whose every {@code |x|} is in [0.625, 43] runs tanh's exponential form alone
     * ({@code tanhLarge}); the same values in a call with one small value run both forms and
     * blend: the bits must agree, across both thresholds, both signs and the padded tail.
     */
    @Test
    void tanhOfOnlyLargeInputsGivesTheBitsOfAMixedCall() {
        java.util.Random rnd = new java.util.Random(16);
        float[] specials = {0.625f, -0.625f, Math.nextUp(0.625f), 9.5f, -9.5f, 43f, -43f, Math.nextDown(43f), 9.01f};
        for (int n : new int[] {1, 15, 16, 17, 1000, 1031}) {
            float[] mixed = new float[n + 1];
            for (int i = 0; i < n; i++) {
                float m = rnd.nextInt(4) == 0 ? specials[rnd.nextInt(specials.length)] : 0.625f + rnd.nextFloat() * 12;
                mixed[i] = rnd.nextBoolean() ? m : -m;
            }
            mixed[n] = 0.1f; // one small lane: this call takes the blended path
            float[] large = Arrays.copyOf(mixed, n);
            float[] want = apply(VectorMath.TANH, mixed);
            float[] got = apply(VectorMath.TANH, large);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                        "tanh(" + large[i] + ") at " + i + " of " + n);
            }
        }
    }

    /**
     * A call whose every x is in [-86, 88] scales by 2^n in one step ({@code expOneScale}); the
     * same values next to one NaN (which sends the call to the two-factor loop) must give the same
     * bits: every 97th float of the range plus its ends, zeros, subnormals and the padded tail.
     */
    @Test
    void expInTheOneScaleRangeGivesTheBitsOfTheTwoFactorPath() {
        assertFastPathGivesTheGeneralBits(VectorMath.EXP, v -> v >= -86f && v <= 88f, Float.NaN, -86f, 88f,
                Math.nextUp(-86f), Math.nextDown(88f), 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
                1f, -1f, 87.5f, -85.9f);
        assertTrue(maxUlps(VectorMath.EXP, Math::exp, -86f, 88f) <= 1.5);
    }

    /** The same for tanh's large-only loop ({@code tanhLarge}, |x| in [0.625, 43]) against the blended one. */
    @Test
    void tanhOfOnlyLargeInputsGivesTheBitsOfTheBlendedPathEverywhere() {
        assertFastPathGivesTheGeneralBits(VectorMath.TANH, v -> Math.abs(v) >= 0.625f && Math.abs(v) <= 43f, 0.1f,
                0.625f, -0.625f, 43f, -43f, Math.nextUp(0.625f), Math.nextDown(43f), 9.01f, -9.01f);
    }

    /**
     * Every 97th float that {@code fast} accepts (with {@code edges} first in each call) gives the
     * same bits alone, where the call takes the fast loop, as next to {@code poison}, a value that
     * sends the call to the general loop.
     */
    private static void assertFastPathGivesTheGeneralBits(int fn, java.util.function.Predicate<Float> fast,
                                                         float poison, float... edges) {
        float[] range = new float[BATCH];
        int filled = 0;
        long compared = 0;
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += STEP) {
            float v = Float.intBitsToFloat((int) bits);
            if (fast.test(v)) {
                range[filled++] = v;
            }
            boolean last = bits + STEP > 0xFFFF_FFFFL;
            if (filled == range.length || last) {
                // The edges first, and an odd length for the padded tail.
                float[] in = new float[filled + edges.length];
                System.arraycopy(edges, 0, in, 0, edges.length);
                System.arraycopy(range, 0, in, edges.length, filled);
                float[] mixed = Arrays.copyOf(in, in.length + 1);
                mixed[in.length] = poison;
                float[] want = apply(fn, mixed);
                float[] got = apply(fn, in);
                for (int i = 0; i < in.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "x = " + in[i]);
                }
                compared += in.length;
                filled = 0;
            }
        }
        assertTrue(compared > 1_000_000, "swept " + compared);
    }

    @Test
    void expEdgeCases() {
        float[] r = apply(VectorMath.EXP, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f, -0f,
                88.72283f, 88.7229f, 89f, 1000f, -87.33655f, -103.2789f, -104f, -1000f, 1f);
        assertTrue(Float.isNaN(r[0]));
        assertEquals(0f, r[1]);
        assertEquals(Float.POSITIVE_INFINITY, r[2]);
        assertEquals(1f, r[3]);
        assertEquals(1f, r[4]);
        assertEquals((float) Math.exp(88.72283f), r[5], Math.ulp((float) Math.exp(88.72283f)));
        assertEquals(Float.POSITIVE_INFINITY, r[6]);
        assertEquals(Float.POSITIVE_INFINITY, r[7]);
        assertEquals(Float.POSITIVE_INFINITY, r[8]);
        assertEquals((float) Math.exp(-87.33655f), r[9], Math.ulp((float) Math.exp(-87.33655f)));
        assertEquals(Float.MIN_VALUE, r[10]);
        assertEquals(0f, r[11]);
        assertEquals(0f, r[12]);
        assertEquals((float) Math.E, r[13], Math.ulp((float) Math.E));
    }

    @Test
    void logIsWithinOneUlpForEveryPositiveFloat() {
        double worst = maxUlps(VectorMath.LOG, Math::log, 0f, Float.POSITIVE_INFINITY);
        assertTrue(worst <= 1.0, "log max error " + worst + " ulp");
    }

    @Test
    void logEdgeCases() {
        float[] r = apply(VectorMath.LOG, Float.NaN, -1f, Float.NEGATIVE_INFINITY, 0f, -0f, Float.POSITIVE_INFINITY,
                1f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MIN_VALUE);
        assertTrue(Float.isNaN(r[0]));
        assertTrue(Float.isNaN(r[1]));
        assertTrue(Float.isNaN(r[2]));
        assertEquals(Float.NEGATIVE_INFINITY, r[3]);
        assertEquals(Float.NEGATIVE_INFINITY, r[4]);
        assertEquals(Float.POSITIVE_INFINITY, r[5]);
        assertEquals(0f, r[6]);
        assertEquals((float) Math.log(Float.MIN_VALUE), r[7], Math.ulp((float) Math.log(Float.MIN_VALUE)));
        assertEquals((float) Math.log(Float.MAX_VALUE), r[8], Math.ulp((float) Math.log(Float.MAX_VALUE)));
        assertTrue(Float.isNaN(r[9]));
    }

    @Test
    void tanhIsWithinOneAndAHalfUlpEverywhere() {
        double worst = maxUlps(VectorMath.TANH, Math::tanh, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
        assertTrue(worst <= 1.5, "tanh max error " + worst + " ulp");
    }

    /** Calls whose every |x| is in [0.625, 43] run tanhLarge (no clamp, integer scale and sign): its own sweep, each sign alone. */
    @Test
    void tanhOfOnlyLargeInputsIsWithinOneAndAHalfUlp() {
        assertTrue(maxUlps(VectorMath.TANH, Math::tanh, 0.625f, 43f) <= 1.5);
        assertTrue(maxUlps(VectorMath.TANH, Math::tanh, -43f, -0.625f) <= 1.5);
    }

    @Test
    void tanhEdgeCases() {
        float[] r = apply(VectorMath.TANH, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f,
                50f, -50f, 1e-30f);
        assertTrue(Float.isNaN(r[0]));
        assertEquals(-1f, r[1]);
        assertEquals(1f, r[2]);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(r[3]));
        assertEquals(0f, r[4]);
        assertEquals(1f, r[5]);
        assertEquals(-1f, r[6]);
        assertEquals(1e-30f, r[7]);
    }

    @Test
    void sigmoidIsWithinTwoAndAHalfUlpEverywhere() {
        double worst = maxUlps(VectorMath.SIGMOID, x -> 1.0 / (1.0 + Math.exp(-x)),
                Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
        assertTrue(worst <= 2.5, "sigmoid max error " + worst + " ulp");
    }

    @Test
    void sigmoidEdgeCases() {
        float[] r = apply(VectorMath.SIGMOID, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f,
                -100f, 100f);
        assertTrue(Float.isNaN(r[0]));
        assertEquals(0f, r[1]);
        assertEquals(1f, r[2]);
        assertEquals(0.5f, r[3]);
        assertEquals((float) Math.exp(-100.0), r[4], Math.ulp((float) Math.exp(-100.0)));
        assertEquals(1f, r[5]);
    }
}
