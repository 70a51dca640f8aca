package dev.walnut.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.DType;
import dev.walnut.Tensor;

/** Shared helpers: bit-identical tensor comparison. */
final class GraphTestSupport {
    private GraphTestSupport() {
    }

    /** Same dtype, shape and bits of every element (NaN payloads aside, -0.0 and 0.0 differ). */
    static void assertBitIdentical(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), "dtype");
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        if (expected.dtype() == DType.BOOL) {
            assertArrayEquals(expected.toBooleanArray(), actual.toBooleanArray());
        } else if (expected.dtype().isFloatingPoint()) {
            double[] e = expected.toDoubleArray();
            double[] a = actual.toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Double.doubleToLongBits(e[i]), Double.doubleToLongBits(a[i]), "element " + i + ": " + e[i] + " vs " + a[i]);
            }
        } else {
            assertArrayEquals(expected.toLongArray(), actual.toLongArray());
        }
    }

    static void assertBitIdentical(Tensor[] expected, Tensor[] actual) {
        assertEquals(expected.length, actual.length, "number of outputs");
        for (int i = 0; i < expected.length; i++) {
            assertBitIdentical(expected[i], actual[i]);
        }
    }
}
