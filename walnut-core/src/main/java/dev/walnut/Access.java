package dev.walnut;

import dev.walnut.backend.Storage;
/** Single-element reads and writes by dtype; used off the hot path (item, getDouble, printing). */
final class Access {
    private Access() {
    }

    static double getDouble(Storage s, int i) {
        return Backends.CPU.getDouble(s, i);
    }

    static long getLong(Storage s, int i) {
        return Backends.CPU.getLong(s, i);
    }

    static void setDouble(Storage s, int i, double v) {
        Backends.CPU.setDouble(s, i, v);
    }

    static int flatIndex(String op, Tensor t, long[] index) {
        if (index.length != t.shape.length) {
            throw new IllegalArgumentException(op + ": got " + index.length + " indices for a tensor of rank "
                    + t.shape.length + " (shape " + Shapes.str(t.shape) + ")");
        }
        int flat = t.offset;
        for (int d = 0; d < index.length; d++) {
            long i = index[d] < 0 ? index[d] + t.shape[d] : index[d];
            if (i < 0 || i >= t.shape[d]) {
                throw new IndexOutOfBoundsException(op + ": index " + index[d] + " is out of bounds for dim " + d
                        + " with size " + t.shape[d]);
            }
            flat += (int) i * t.strides[d];
        }
        return flat;
    }
}
