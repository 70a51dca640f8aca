package dev.walnut.nn;

import java.math.BigDecimal;

/** Python's {@code repr} of numbers, so {@code extraRepr()} strings match PyTorch's character for character. */
final class PyRepr {
    private PyRepr() {
    }

    /**
     * Python's shortest round-trip float repr: positional for decimal exponents in [-4, 16)
     * ({@code 0.1}, {@code 0.0001}, {@code 2.0}), otherwise scientific with a two-digit exponent
     * ({@code 1e-05}, {@code 1e+16}) — unlike Java's {@code 1.0E-5}.
     */
    static String pyFloat(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return 1 / v < 0 ? "-0.0" : "0.0";
        }
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        String digits = d.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - d.scale();
        String sign = v < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = d.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + String.format("%+03d", exponent);
    }
}
