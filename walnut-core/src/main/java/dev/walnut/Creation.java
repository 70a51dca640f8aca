package dev.walnut;

import dev.walnut.backend.Storage;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;

/** Tensor factories and layout-changing copies. */
final class Creation {
    private Creation() {
    }

    /** The default dtype of threads that never set one: F32, or {@code -Dwalnut.defaultDType}. */
    private static final DType STARTUP_DEFAULT = startupDefault();
    private static final ThreadLocal<DType> DEFAULT = new ThreadLocal<>();

    private static DType startupDefault() {
        String v = System.getProperty("walnut.defaultDType", "F32").trim().toUpperCase(java.util.Locale.ROOT);
        DType dt;
        try {
            dt = DType.valueOf(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("walnut.defaultDType: unknown dtype '" + v + "'; use F32 or F64", e);
        }
        return checkDefault(dt);
    }

    private static DType checkDefault(DType dt) {
        if (dt != DType.F32 && dt != DType.F64) {
            throw new IllegalArgumentException("setDefaultDType: the default dtype must be F32 or F64 (a floating-point "
                    + "type, as in PyTorch), got " + dt);
        }
        return dt;
    }

    static DType defaultDType() {
        DType dt = DEFAULT.get();
        return dt == null ? STARTUP_DEFAULT : dt;
    }

    static void setDefaultDType(DType dtype) {
        DEFAULT.set(checkDefault(java.util.Objects.requireNonNull(dtype, "dtype")));
    }

    static Tensor full(int[] shape, DType dtype, double value) {
        int n = Shapes.numel(shape);
        Backends.checkFits(dtype, n);
        return new Tensor(Backends.CPU.full(dtype, n, value), shape.clone());
    }

    static Tensor fromArray(String op, Object data, int length, long[] shape, DType dtype) {
        int[] sh = Shapes.toInts(op, shape);
        int n = Shapes.numel(sh);
        if (n != length) {
            throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " needs " + n
                    + " elements but the array has " + length);
        }
        return new Tensor(Backends.wrap(data), sh);
    }

    static Tensor fromDoubles(double[] values, int[] shape, DType dtype) {
        Tensor t = new Tensor(Backends.wrap(values.clone()), shape);
        return dtype == DType.F64 ? t : cast(t, dtype);
    }

    /** Nested Java arrays: the leaf component type picks the dtype. */
    static Tensor fromNested(Object nested) {
        if (nested == null || !nested.getClass().isArray()) {
            throw new IllegalArgumentException("fromArray: expected a (nested) Java array, got "
                    + (nested == null ? "null" : nested.getClass().getName()));
        }
        var dims = new ArrayList<Integer>();
        Class<?> c = nested.getClass();
        Object probe = nested;
        while (c.isArray()) {
            int len = Array.getLength(probe);
            dims.add(len);
            c = c.getComponentType();
            if (c.isArray()) {
                if (len == 0) {
                    // An empty outer array still has a known rank; inner sizes are 0.
                    while (c.isArray()) {
                        dims.add(0);
                        c = c.getComponentType();
                    }
                    break;
                }
                probe = Array.get(probe, 0);
            }
        }
        DType dtype;
        if (c == float.class) {
            dtype = DType.F32;
        } else if (c == double.class) {
            dtype = DType.F64;
        } else if (c == int.class) {
            dtype = DType.I32;
        } else if (c == long.class) {
            dtype = DType.I64;
        } else if (c == boolean.class) {
            dtype = DType.BOOL;
        } else {
            throw new IllegalArgumentException("fromArray: unsupported element type " + c.getName()
                    + "; use float, double, int, long or boolean arrays");
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        int n = Shapes.numel(shape);
        Backends.checkFits(dtype, n);
        Object flat = java.lang.reflect.Array.newInstance(c, n);
        int[] pos = {0};
        flatten(nested, 0, shape, flat, pos);
        return new Tensor(Backends.wrap(flat), shape);
    }

    private static void flatten(Object arr, int depth, int[] shape, Object out, int[] pos) {
        int len = Array.getLength(arr);
        if (len != shape[depth]) {
            throw new IllegalArgumentException("fromArray: ragged nested array: expected length " + shape[depth]
                    + " at depth " + depth + " but found " + len);
        }
        if (depth == shape.length - 1) {
            System.arraycopy(arr, 0, out, pos[0], len);
            pos[0] += len;
            return;
        }
        for (int i = 0; i < len; i++) {
            flatten(Array.get(arr, i), depth + 1, shape, out, pos);
        }
    }

    static Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0 || Double.isNaN(step) || Double.isInfinite(start) || Double.isInfinite(end)) {
            throw new IllegalArgumentException("arange: step must be nonzero and bounds finite (start=" + start
                    + ", end=" + end + ", step=" + step + ")");
        }
        if ((end - start) / step < 0) {
            throw new IllegalArgumentException("arange: upper bound and larger bound inconsistent with step sign (start="
                    + start + ", end=" + end + ", step=" + step + ")");
        }
        double count = Math.ceil((end - start) / step);
        // A count beyond long saturates to Long.MAX_VALUE, which toInts rejects like any too-large size.
        int n = Shapes.toInts("arange", new long[] {(long) count})[0];
        Backends.checkFits(DType.F64, n);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = start + i * step;
        }
        Tensor t = new Tensor(Backends.wrap(d), new int[] {n});
        return dtype == DType.F64 ? t : cast(t, dtype);
    }

    static Tensor arange(long start, long end, long step, DType dtype) {
        if (step == 0) {
            throw new IllegalArgumentException("arange: step must be nonzero");
        }
        if (end != start && Long.signum(Long.compare(end, start)) != Long.signum(step)) {
            throw new IllegalArgumentException("arange: upper bound and larger bound inconsistent with step sign (start="
                    + start + ", end=" + end + ", step=" + step + ")");
        }
        // ceil((end - start) / step) without overflow: the span of two longs may need 64 unsigned bits.
        java.math.BigInteger span = java.math.BigInteger.valueOf(end).subtract(java.math.BigInteger.valueOf(start));
        java.math.BigInteger[] qr = span.divideAndRemainder(java.math.BigInteger.valueOf(step));
        java.math.BigInteger count = qr[1].signum() == 0 ? qr[0] : qr[0].add(java.math.BigInteger.ONE);
        long c = count.bitLength() < 63 ? count.longValue() : Long.MAX_VALUE;
        int n = Shapes.toInts("arange", new long[] {Math.max(c, 0)})[0];
        Backends.checkFits(DType.I64, n);
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            d[i] = start + i * step;
        }
        Tensor t = new Tensor(Backends.wrap(d), new int[] {n});
        return dtype == DType.I64 ? t : cast(t, dtype);
    }

    static Tensor linspace(double start, double end, int steps, DType dtype) {
        if (steps < 0) {
            throw new IllegalArgumentException("linspace: number of steps must be non-negative, got " + steps);
        }
        double[] d = new double[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // Fill from both ends, as PyTorch does, so the last value is exactly `end`.
        int half = steps / 2;
        for (int i = 0; i < steps; i++) {
            d[i] = i < half || steps == 1 ? start + i * step : end - (steps - 1 - i) * step;
        }
        return fromDoubles(d, new int[] {steps}, dtype);
    }

    static Tensor eye(long n, long m, DType dtype) {
        int[] sh = Shapes.toInts("eye", new long[] {n, m});
        Tensor t = full(sh, dtype, 0.0);
        int k = Math.min(sh[0], sh[1]);
        for (int i = 0; i < k; i++) {
            Access.setDouble(t.storage, i * sh[1] + i, 1.0);
        }
        return t;
    }

    static Tensor random(String op, long[] shape, DType dtype, Generator g, boolean normal) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expects a floating point dtype, got " + dtype
                    + " (use randint for integers)");
        }
        int[] sh = Shapes.toInts(op, shape);
        Backends.checkFits(DType.F64, Shapes.numel(sh)); // the samples are drawn in double first
        double[] d = new double[Shapes.numel(sh)];
        if (normal) {
            g.fillNormal(d, 0, 1);
        } else {
            g.fillUniform(d, 0, 1);
        }
        return fromDoubles(d, sh, dtype);
    }

    static Tensor randint(long low, long high, long[] shape, Generator g) {
        if (high <= low) {
            throw new IllegalArgumentException("randint: expects low < high, got low=" + low + ", high=" + high);
        }
        int[] sh = Shapes.toInts("randint", shape);
        int n = Shapes.numel(sh);
        Backends.checkFits(DType.I64, n);
        long[] d = new long[n];
        for (int i = 0; i < d.length; i++) {
            d[i] = low + g.nextLong(high - low);
        }
        return new Tensor(Backends.wrap(d), sh);
    }

    /** A contiguous tensor with fresh storage holding {@code t}'s values converted to {@code dtype}. */
    static Tensor cast(Tensor t, DType dtype) {
        Storage s = Backends.allocate(dtype, Shapes.numel(t.shape));
        int[] sh = t.shape.clone();
        Tensor out = new Tensor(s, sh);
        Backends.CPU.copy(t.storage, t.layout(), s, out.layout());
        return out;
    }

    /** A converted copy of {@code t} into a contiguous {@code out} of t's shape (out's dtype). */
    static void castInto(Tensor t, Tensor out) {
        Elementwise.checkOut("clone", out, out.dtype, t.shape);
        Backends.CPU.copy(t.storage, t.layout(), out.storage, out.layout());
        out.storage.bumpVersion();
    }

    /** {@code t} itself when contiguous and of {@code dtype}, else a contiguous converted copy (no autograd). */
    static Tensor contiguousOf(Tensor t, DType dtype) {
        return t.dtype == dtype && t.isContiguous() ? t : cast(t, dtype);
    }
}
