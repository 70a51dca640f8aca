package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The scalar float exp of {@link FloatUnary} against {@code Math.exp} in double. */
class FloatExpTest {
    @Test
    void isWithinOneAndAHalfUlpOverTheWholeFloatRange() {
        int batch = 4096;
        float[] in = new float[batch], out = new float[batch];
        double worst = 0;
        float worstAt = Float.NaN;
        int filled = 0;
        for (long bits = 0; bits < 0x1_0000_0000L; bits += 97) {
            in[filled++] = Float.intBitsToFloat((int) bits);
            if (filled == batch || bits + 97 >= 0x1_0000_0000L) {
                FloatUnary.exp(in, out, 0, filled);
                for (int i = 0; i < filled; i++) {
                    double exact = Math.exp(in[i]);
                    float rounded = (float) exact;
                    double err;
                    if (Float.isNaN(rounded) || Float.isInfinite(rounded) || Float.isInfinite(out[i])
                            || Float.isNaN(out[i])) {
                        err = Float.compare(rounded, out[i]) == 0 ? 0 : Double.POSITIVE_INFINITY;
                    } else {
                        err = Math.abs(out[i] - exact) / Math.ulp(rounded);
                    }
                    if (err > worst) {
                        worst = err;
                        worstAt = in[i];
                    }
                }
                filled = 0;
            }
        }
        assertTrue(worst <= 1.5, "exp max error " + worst + " ulp at x=" + worstAt);
    }

    @Test
    void edgeCases() {
        float[] x = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f, -0f, 88.7229f, -103.2789f, -104f, 1f};
        float[] y = new float[x.length];
        FloatUnary.exp(x, y, 0, x.length);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(0f, y[1]);
        assertEquals(Float.POSITIVE_INFINITY, y[2]);
        assertEquals(1f, y[3]);
        assertEquals(1f, y[4]);
        assertEquals(Float.POSITIVE_INFINITY, y[5]);
        assertEquals(Float.MIN_VALUE, y[6]);
        assertEquals(0f, y[7]);
        assertEquals((float) Math.E, y[8], Math.ulp((float) Math.E));
    }
}
