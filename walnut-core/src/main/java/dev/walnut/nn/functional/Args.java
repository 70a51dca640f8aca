package dev.walnut.nn.functional;

import java.util.Arrays;

/** Validation of per-dim int arguments (kernel sizes, strides, padding) shared by the functional ops. */
final class Args {
    private Args() {
    }

    /** One value per dim, or one value for all dims. */
    static int[] expand(String op, String name, int[] v, int nd) {
        if (v == null || (v.length != 1 && v.length != nd)) {
            throw new IllegalArgumentException(op + ": " + name + " must have 1 or " + nd + " values, got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        int[] r = new int[nd];
        for (int i = 0; i < nd; i++) {
            r[i] = v.length == 1 ? v[0] : v[i];
        }
        return r;
    }

    static int[] positive(String op, String name, int[] v, int nd) {
        int[] r = expand(op, name, v, nd);
        for (int x : r) {
            if (x <= 0) {
                throw new IllegalArgumentException(op + ": non-positive " + name + " is not supported: " + name
                        + " must be greater than zero, but got " + name + "=" + Arrays.toString(r));
            }
        }
        return r;
    }

    static int[] nonNegative(String op, String name, int[] v, int nd) {
        int[] r = expand(op, name, v, nd);
        for (int x : r) {
            if (x < 0) {
                throw new IllegalArgumentException(op + ": negative " + name + " is not supported: " + name
                        + " must be non-negative, but got " + name + "=" + Arrays.toString(r));
            }
        }
        return r;
    }
}
