package dev.walnut.backend.cpu;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * An independent, slow reference for erf: its Maclaurin series summed in 80-digit decimal
 * arithmetic, so cancellation between the large alternating terms costs nothing that shows in a
 * double. Used to hold the kernel to a few ulp.
 */
final class ErfReference {
    private ErfReference() {
    }

    private static final MathContext MC = new MathContext(80);
    private static final BigDecimal TWO_OVER_SQRT_PI = BigDecimal.valueOf(2).divide(new BigDecimal(
            "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803")
            .sqrt(MC), MC);
    private static final BigDecimal STOP = new BigDecimal("1e-45");

    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (Math.abs(x) >= 6.5) {
            return Math.copySign(1.0, x); // erfc(6.5) ~ 4e-20, far below half an ulp of 1
        }
        if (x == 0.0) {
            return x;
        }
        BigDecimal bx = new BigDecimal(x);
        BigDecimal minusX2 = bx.multiply(bx, MC).negate();
        BigDecimal term = bx; // x^(2n+1) (-1)^n / n!
        BigDecimal sum = BigDecimal.ZERO;
        for (int n = 0; ; n++) {
            if (n > 0) {
                term = term.multiply(minusX2, MC).divide(BigDecimal.valueOf(n), MC);
            }
            BigDecimal contribution = term.divide(BigDecimal.valueOf(2L * n + 1), MC);
            sum = sum.add(contribution, MC);
            if (n > x * x && contribution.abs().compareTo(STOP.multiply(sum.abs())) < 0) {
                break;
            }
        }
        return sum.multiply(TWO_OVER_SQRT_PI, MC).doubleValue();
    }
}
