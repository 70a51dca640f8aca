package dev.walnut;

import dev.walnut.backend.cpu.BinaryOp;
import dev.walnut.backend.cpu.ElementwiseKernels;
import java.util.Arrays;

/**
 * The eager kernels of the elementwise primitives: dtype switch, broadcasting, contiguous fast
 * path. The ops themselves (dtype rules, gradient rules) are defined as data in
 * {@link dev.walnut.ops.ElementwiseOps}; they reach these kernels through {@link EagerKernels}.
 */
final class Elementwise {
    private Elementwise() {
    }

    // ------------------------------------------------------------------ type promotion

    /**
     * PyTorch's result type for two tensors: dimensioned operands outrank 0-d ones, and a lower
     * ranked operand only matters when it is of a higher category (bool &lt; int &lt; float).
     */
    static DType resultType(Tensor a, Tensor b) {
        boolean aDim = a.shape.length > 0;
        boolean bDim = b.shape.length > 0;
        if (aDim == bDim) {
            return DType.promote(a.dtype, b.dtype);
        }
        Tensor hi = aDim ? a : b;
        Tensor lo = aDim ? b : a;
        return lo.dtype.category() > hi.dtype.category() ? lo.dtype : hi.dtype;
    }

    /** A 0-d tensor for comparing {@code t} with a Java number without losing precision. */
    static Tensor wrapScalar(Tensor t, double value) {
        if (t.dtype.isFloatingPoint()) {
            return Tensor.scalar(value, t.dtype);
        }
        if (value == Math.rint(value) && !Double.isInfinite(value)) {
            return Tensor.scalar(value, DType.I64);
        }
        return Tensor.scalar(value, DType.F64);
    }

    // ------------------------------------------------------------------ kernels

    static Tensor unaryKernel(int op, double p1, double p2, Tensor x, DType dt) {
        Tensor c = Creation.contiguousOf(x, dt);
        int n = Shapes.numel(c.shape);
        Storage out = Storage.allocate(dt, n);
        switch (dt) {
            case F32 -> ElementwiseKernels.unary(op, p1, p2, (float[]) c.storage.data, c.offset, 1, (float[]) out.data, 0, n);
            case F64 -> ElementwiseKernels.unary(op, p1, p2, (double[]) c.storage.data, c.offset, 1, (double[]) out.data, 0, n);
            case I32 -> ElementwiseKernels.unary(op, p1, p2, (int[]) c.storage.data, c.offset, 1, (int[]) out.data, 0, n);
            case I64 -> ElementwiseKernels.unary(op, p1, p2, (long[]) c.storage.data, c.offset, 1, (long[]) out.data, 0, n);
            case BOOL -> throw new IllegalArgumentException(ElementwiseKernels.unaryName(op) + ": not defined for bool tensors");
        }
        return new Tensor(out, x.shape.clone());
    }

    /** Broadcasts a and b (already of dtype dt) and runs a binary kernel into a fresh tensor. */
    static Tensor binaryKernel(String name, int op, Tensor a, Tensor b, DType dt, DType outType) {
        int[] shape = Arrays.equals(a.shape, b.shape) ? a.shape.clone() : Shapes.broadcast(name, a.shape, b.shape);
        Tensor ac = a.dtype == dt ? a : Creation.cast(a, dt);
        Tensor bc = b.dtype == dt ? b : Creation.cast(b, dt);
        int n = Shapes.numel(shape);
        Storage out = Storage.allocate(outType, n);
        Object ad = ac.storage.data;
        Object bd = bc.storage.data;
        Object od = out.data;
        boolean compare = outType == DType.BOOL && op >= BinaryOp.EQ;
        Loops.Row row = (ao, as, bo, bs, co, cs, oo, len) -> {
            if (compare) {
                runCompare(op, dt, ad, ao, as, bd, bo, bs, (boolean[]) od, oo, len);
            } else {
                runBinary(op, dt, ad, ao, as, bd, bo, bs, od, oo, len);
            }
        };
        if (ac.isContiguous() && bc.isContiguous() && Arrays.equals(ac.shape, bc.shape)) {
            row.run(ac.offset, 1, bc.offset, 1, 0, 0, 0, n);
        } else {
            Loops.forEachRow(shape, Shapes.broadcastStrides(ac.shape, ac.strides, shape), ac.offset,
                    Shapes.broadcastStrides(bc.shape, bc.strides, shape), bc.offset, null, 0, row);
        }
        return new Tensor(out, shape);
    }

    /**
     * {@code target += other} written straight into {@code target}'s storage, for gradient
     * accumulation: no temporary and no copy back, unlike an in-place op (which computes out of
     * place first so that recorded nodes can save the old value; nothing is recorded here).
     * Applies when {@code target} is contiguous and both have the same shape and dtype; returns
     * false otherwise, leaving {@code target} untouched. Bumps the version counter.
     */
    static boolean addInto(Tensor target, Tensor other) {
        if (target.dtype != other.dtype || target.dtype == DType.BOOL || !target.isContiguous()
                || !Arrays.equals(target.shape, other.shape)) {
            return false;
        }
        DType dt = target.dtype;
        Object td = target.storage.data;
        Object od = other.storage.data;
        int base = target.offset;
        // Each element is read and then written at the same index, so reading the target while
        // writing it is safe.
        if (other.isContiguous()) {
            runBinary(BinaryOp.ADD, dt, td, base, 1, od, other.offset, 1, td, base, Shapes.numel(target.shape));
        } else {
            Loops.forEachRow(target.shape, target.strides, base, other.strides, other.offset, null, 0,
                    (ao, as, bo, bs, co, cs, oo, len) -> runBinary(BinaryOp.ADD, dt, td, ao, as, od, bo, bs, td, base + oo,
                            len));
        }
        target.storage.version++;
        return true;
    }

    private static void runBinary(int op, DType dt, Object a, int ao, int as, Object b, int bo, int bs, Object out, int oo,
                                  int n) {
        switch (dt) {
            case F32 -> ElementwiseKernels.binary(op, (float[]) a, ao, as, (float[]) b, bo, bs, (float[]) out, oo, n);
            case F64 -> ElementwiseKernels.binary(op, (double[]) a, ao, as, (double[]) b, bo, bs, (double[]) out, oo, n);
            case I32 -> ElementwiseKernels.binary(op, (int[]) a, ao, as, (int[]) b, bo, bs, (int[]) out, oo, n);
            case I64 -> ElementwiseKernels.binary(op, (long[]) a, ao, as, (long[]) b, bo, bs, (long[]) out, oo, n);
            case BOOL -> ElementwiseKernels.logical(op, (boolean[]) a, ao, as, (boolean[]) b, bo, bs, (boolean[]) out, oo, n);
        }
    }

    private static void runCompare(int op, DType dt, Object a, int ao, int as, Object b, int bo, int bs, boolean[] out,
                                   int oo, int n) {
        switch (dt) {
            case F32 -> ElementwiseKernels.compare(op, (float[]) a, ao, as, (float[]) b, bo, bs, out, oo, n);
            case F64 -> ElementwiseKernels.compare(op, (double[]) a, ao, as, (double[]) b, bo, bs, out, oo, n);
            case I32 -> ElementwiseKernels.compare(op, (int[]) a, ao, as, (int[]) b, bo, bs, out, oo, n);
            case I64 -> ElementwiseKernels.compare(op, (long[]) a, ao, as, (long[]) b, bo, bs, out, oo, n);
            case BOOL -> ElementwiseKernels.compare(op, (boolean[]) a, ao, as, (boolean[]) b, bo, bs, out, oo, n);
        }
    }

    // ------------------------------------------------------------------ the kernels op definitions run

    static Tensor whereKernel(Tensor cond, Tensor a, Tensor b, DType dt) {
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape, a.shape), b.shape);
        Tensor ac = a.dtype == dt ? a : Creation.cast(a, dt);
        Tensor bc = b.dtype == dt ? b : Creation.cast(b, dt);
        Storage out = Storage.allocate(dt, Shapes.numel(shape));
        boolean[] cd = (boolean[]) cond.storage.data;
        Object ad = ac.storage.data;
        Object bd = bc.storage.data;
        Object od = out.data;
        Loops.forEachRow(shape, Shapes.broadcastStrides(cond.shape, cond.strides, shape), cond.offset,
                Shapes.broadcastStrides(ac.shape, ac.strides, shape), ac.offset,
                Shapes.broadcastStrides(bc.shape, bc.strides, shape), bc.offset,
                (co, cs, ao, as, bo, bs, oo, len) -> {
                    switch (dt) {
                        case F32 -> ElementwiseKernels.where(cd, co, cs, (float[]) ad, ao, as, (float[]) bd, bo, bs, (float[]) od, oo, len);
                        case F64 -> ElementwiseKernels.where(cd, co, cs, (double[]) ad, ao, as, (double[]) bd, bo, bs, (double[]) od, oo, len);
                        case I32 -> ElementwiseKernels.where(cd, co, cs, (int[]) ad, ao, as, (int[]) bd, bo, bs, (int[]) od, oo, len);
                        case I64 -> ElementwiseKernels.where(cd, co, cs, (long[]) ad, ao, as, (long[]) bd, bo, bs, (long[]) od, oo, len);
                        case BOOL -> ElementwiseKernels.where(cd, co, cs, (boolean[]) ad, ao, as, (boolean[]) bd, bo, bs, (boolean[]) od, oo, len);
                    }
                });
        return new Tensor(out, shape);
    }

    /** {@code g} where {@code x > threshold}, else 0 (shapes equal, g float: checked by the op definition). */
    static Tensor thresholdBackwardKernel(Tensor g, Tensor x, double threshold) {
        DType dt = g.dtype;
        Tensor gc = Creation.contiguousOf(g, dt);
        Tensor xc = Creation.contiguousOf(x, dt);
        int numel = Shapes.numel(g.shape);
        Storage out = Storage.allocate(dt, numel);
        if (dt == DType.F32) {
            ElementwiseKernels.thresholdBackward((float[]) gc.storage.data, gc.offset, (float[]) xc.storage.data, xc.offset,
                    threshold, (float[]) out.data, numel);
        } else {
            ElementwiseKernels.thresholdBackward((double[]) gc.storage.data, gc.offset, (double[]) xc.storage.data, xc.offset,
                    threshold, (double[]) out.data, numel);
        }
        return new Tensor(out, g.shape.clone());
    }

    static boolean allClose(Tensor a, Tensor b, double rtol, double atol) {
        if (!Arrays.equals(a.shape, b.shape)) {
            return false;
        }
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            if (x[i] == y[i]) {
                continue; // also covers equal infinities
            }
            if (!(Math.abs(x[i] - y[i]) <= atol + rtol * Math.abs(y[i]))) {
                return false;
            }
        }
        return true;
    }
}
