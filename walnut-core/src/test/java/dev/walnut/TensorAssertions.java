package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

/** Assertions and small literals shared by the walnut-core tests. */
public final class TensorAssertions {

    private TensorAssertions() {
    }

    /** A shape literal: {@code shape(2, 3)}, {@code shape()} for zero-dim. */
    public static long[] shape(long... dims) {
        return dims;
    }

    /** Checks dtype, shape and values (|actual - expected| <= 1e-5 + 1e-6 |expected|; NaN matches NaN). */
    public static void assertValues(Tensor actual, DType dtype, long[] shape, double... expected) {
        assertEquals(dtype, actual.dtype(), "dtype");
        assertArrayEquals(shape, actual.shape(), "shape");
        double[] got = actual.toDoubleArray();
        assertEquals(expected.length, got.length, "number of elements");
        for (int i = 0; i < got.length; i++) {
            boolean same = Double.compare(got[i], expected[i]) == 0
                    || Math.abs(got[i] - expected[i]) <= 1e-5 + 1e-6 * Math.abs(expected[i]);
            assertTrue(same, "element " + i + ": expected " + expected[i] + " but was " + got[i] + " in "
                    + Arrays.toString(got));
        }
    }

    /** Checks dtype, shape and values to within an absolute {@code tolerance} (NaN matches NaN). */
    public static void assertValuesWithin(double tolerance, Tensor actual, DType dtype, long[] shape,
            double... expected) {
        assertEquals(dtype, actual.dtype(), "dtype");
        assertValuesWithin(tolerance, actual, shape, expected);
    }

    /** Checks shape and values, whatever the dtype, to within an absolute {@code tolerance} (NaN matches NaN). */
    public static void assertValuesWithin(double tolerance, Tensor actual, long[] shape, double... expected) {
        assertArrayEquals(shape, actual.shape(), "shape");
        assertArrayEquals(expected, actual.toDoubleArray(), tolerance, "values");
    }

    /** Checks that {@code message} (typically an exception's) contains every one of {@code phrases}. */
    public static void assertContains(String message, String... phrases) {
        for (String p : phrases) {
            assertTrue(message.contains(p), "expected \"" + p + "\" in: " + message);
        }
    }
}
