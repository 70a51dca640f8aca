package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Cody's approximations, evaluated in double, measure at most 3 ulp from the exact value on this grid. */
class SpecialFunctionsTest {

    @Test
    void erfIsWithinFourUlpOfAnEightyDigitReferenceAcrossItsRange() {
        double worst = 0;
        for (int k = -900; k <= 900; k++) {
            double x = k / 128.0 + 1e-7 * (k % 7); // grid through every interval boundary, off-grid too
            double expected = ErfReference.erf(x);
            double ulps = Math.abs(SpecialFunctions.erf(x) - expected) / Math.ulp(expected);
            worst = Math.max(worst, ulps);
        }
        assertTrue(worst <= 4, "worst error " + worst + " ulp");
    }

    @Test
    void erfSpecialValues() {
        assertEquals(0.5204998778130465, SpecialFunctions.erf(0.5));
        assertEquals(-0.9953222650189527, SpecialFunctions.erf(-2));
        assertEquals(1.0, SpecialFunctions.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, SpecialFunctions.erf(Double.NEGATIVE_INFINITY));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(SpecialFunctions.erf(-0.0)));
        assertEquals(1.1283791670955126e-300, SpecialFunctions.erf(1e-300), 1e-315);
        assertTrue(Double.isNaN(SpecialFunctions.erf(Double.NaN)));
    }
}
