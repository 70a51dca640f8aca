package dev.walnut;

/**
 * A tensor's elements: one primitive array shared by every view of it, plus the version
 * counter that in-place writes bump (views share it, so a write through any view is seen by the
 * autograd checks of all of them).
 */
final class Storage {
    final Object data;
    final DType dtype;
    int version;

    Storage(Object data, DType dtype) {
        this.data = data;
        this.dtype = dtype;
    }

    static Storage allocate(DType dtype, int n) {
        return new Storage(switch (dtype) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case BOOL -> new boolean[n];
        }, dtype);
    }

    int length() {
        return switch (dtype) {
            case F32 -> ((float[]) data).length;
            case F64 -> ((double[]) data).length;
            case I32 -> ((int[]) data).length;
            case I64 -> ((long[]) data).length;
            case BOOL -> ((boolean[]) data).length;
        };
    }
}
