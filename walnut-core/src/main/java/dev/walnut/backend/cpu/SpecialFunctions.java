package dev.walnut.backend.cpu;

/**
 * Scalar special functions behind the unary kernels that {@link Math} lacks.
 *
 * <p>{@link #erf} follows the method of W. J. Cody, "Rational Chebyshev approximations for the
 * error function", Math. Comp. 23 (1969) 631-637, as in his CALERF routine (SPECFUN, netlib): a
 * rational function of x&sup2; near zero, and erfc as {@code exp(-x^2)} times a rational function
 * of x (or of 1/x&sup2; in the tail) elsewhere. The published coefficients are used; the code is
 * ours.
 */
final class SpecialFunctions {
    private SpecialFunctions() {
    }

    // erf(x) = x * A(x^2) / B(x^2) for |x| <= 0.46875.
    private static final double A0 = 3.16112374387056560e00;
    private static final double A1 = 1.13864154151050156e02;
    private static final double A2 = 3.77485237685302021e02;
    private static final double A3 = 3.20937758913846947e03;
    private static final double A4 = 1.85777706184603153e-1;
    private static final double B0 = 2.36012909523441209e01;
    private static final double B1 = 2.44024637934444173e02;
    private static final double B2 = 1.28261652607737228e03;
    private static final double B3 = 2.84423683343917062e03;

    // erfc(x) = exp(-x^2) * C(x) / D(x) for 0.46875 < x <= 4.
    private static final double[] C = {
        5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
        8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
        2.15311535474403846e-8,
    };
    private static final double[] D = {
        1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
        3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
    };

    // erfc(x) = exp(-x^2) / x * (1/sqrt(pi) - z P(z) / Q(z)), z = 1/x^2, for x > 4.
    private static final double[] P = {
        3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
        6.58749161529837803e-4, 1.63153871373020978e-2,
    };
    private static final double[] Q = {
        2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
        2.33520497626869185e-3,
    };

    private static final double ONE_OVER_SQRT_PI = 0.56418958354775628695;

    /** Beyond this |x|, erfc(x) is below half an ulp of 1, so erf(x) rounds to +-1. */
    private static final double SATURATION = 6.0;

    /** The error function in double precision; NaN stays NaN, {@code erf(-0.0) = -0.0}. */
    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double y = Math.abs(x);
        if (y <= 0.46875) {
            double z = y * y;
            double num = A4 * z;
            double den = z;
            num = (num + A0) * z;
            den = (den + B0) * z;
            num = (num + A1) * z;
            den = (den + B1) * z;
            num = (num + A2) * z;
            den = (den + B2) * z;
            return x * (num + A3) / (den + B3);
        }
        if (y >= SATURATION) {
            return Math.copySign(1.0, x);
        }
        double ratio;
        if (y <= 4.0) {
            double num = C[8] * y;
            double den = y;
            for (int i = 0; i < 7; i++) {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            ratio = (num + C[7]) / (den + D[7]);
        } else {
            double z = 1.0 / (y * y);
            double num = P[5] * z;
            double den = z;
            for (int i = 0; i < 4; i++) {
                num = (num + P[i]) * z;
                den = (den + Q[i]) * z;
            }
            ratio = (ONE_OVER_SQRT_PI - z * (num + P[4]) / (den + Q[4])) / y;
        }
        // exp(-y^2) with y^2 split into a part exact in double (y rounded down to 1/16) and a small
        // remainder, so the rounding error of y*y is not amplified by exp.
        double head = Math.floor(y * 16.0) / 16.0;
        double remainder = (y - head) * (y + head);
        double erfc = Math.exp(-head * head) * Math.exp(-remainder) * ratio;
        double result = (0.5 - erfc) + 0.5;
        return x < 0 ? -result : result;
    }
}
