package dev.walnut;

/** Single-element reads and writes by dtype; used off the hot path (item, getDouble, printing). */
final class Access {
    private Access() {
    }

    static double getDouble(Storage s, int i) {
        return switch (s.dtype) {
            case F32 -> ((float[]) s.data)[i];
            case F64 -> ((double[]) s.data)[i];
            case I32 -> ((int[]) s.data)[i];
            case I64 -> ((long[]) s.data)[i];
            case BOOL -> ((boolean[]) s.data)[i] ? 1.0 : 0.0;
        };
    }

    static long getLong(Storage s, int i) {
        return switch (s.dtype) {
            case F32 -> (long) ((float[]) s.data)[i];
            case F64 -> (long) ((double[]) s.data)[i];
            case I32 -> ((int[]) s.data)[i];
            case I64 -> ((long[]) s.data)[i];
            case BOOL -> ((boolean[]) s.data)[i] ? 1L : 0L;
        };
    }

    static void setDouble(Storage s, int i, double v) {
        switch (s.dtype) {
            case F32 -> ((float[]) s.data)[i] = (float) v;
            case F64 -> ((double[]) s.data)[i] = v;
            case I32 -> ((int[]) s.data)[i] = (int) v;
            case I64 -> ((long[]) s.data)[i] = (long) v;
            case BOOL -> ((boolean[]) s.data)[i] = v != 0;
        }
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
