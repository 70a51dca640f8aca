package dev.walnut;

import dev.walnut.backend.Layout;
import dev.walnut.backend.Storage;
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
        return new Tensor(Backends.CPU.unary(op, p1, p2, c.storage, c.offset, Shapes.numel(c.shape)), x.shape.clone());
    }

    /** The layout of {@code t} read as if broadcast to {@code shape}. */
    private static Layout broadcast(Tensor t, int[] shape) {
        return t.broadcastLayout(shape);
    }

    /** Broadcasts a and b, converts both to dt and runs a binary kernel into a fresh tensor of {@code outType}. */
    static Tensor binaryKernel(String name, int op, Tensor a, Tensor b, DType dt, DType outType) {
        int[] shape = Arrays.equals(a.shape, b.shape) ? a.shape.clone() : Shapes.broadcast(name, a.shape, b.shape);
        Tensor ac = a.dtype == dt ? a : Creation.cast(a, dt);
        Tensor bc = b.dtype == dt ? b : Creation.cast(b, dt);
        Backends.checkFits(outType, Shapes.numel(shape));
        return new Tensor(Backends.CPU.binary(op, ac.storage, broadcast(ac, shape), bc.storage, broadcast(bc, shape), shape,
                outType), shape);
    }

    /** A fused elementwise program over inputs of one float dtype, broadcast to one shape. */
    static Tensor programKernel(dev.walnut.backend.ElementwiseProgram program, Tensor[] inputs) {
        int[] shape = inputs[0].shape.clone();
        for (int i = 1; i < inputs.length; i++) {
            if (!Arrays.equals(shape, inputs[i].shape)) {
                shape = Shapes.broadcast("fusedElementwise", shape, inputs[i].shape);
            }
        }
        Storage[] storages = new Storage[inputs.length];
        Layout[] layouts = new Layout[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            storages[i] = inputs[i].storage;
            layouts[i] = broadcast(inputs[i], shape);
        }
        Backends.checkFits(inputs[0].dtype, Shapes.numel(shape));
        return new Tensor(Backends.CPU.elementwise(program, storages, layouts, shape), program.sumsResult() ? new int[0] : shape);
    }

    /**
     * {@link #unaryKernel} into a contiguous {@code out} of x's shape, computed in out's dtype
     * (x converted to it first where they differ); {@code out} may be {@code x}.
     */
    static void unaryIntoKernel(int op, double p1, double p2, Tensor x, Tensor out) {
        checkOut("unary", out, out.dtype, x.shape);
        Tensor c = Creation.contiguousOf(x, out.dtype);
        Backends.CPU.unaryInto(op, p1, p2, c.storage, c.offset, Shapes.numel(c.shape), out.storage, out.offset);
        out.storage.bumpVersion();
    }

    /** {@link #binaryKernel} into a contiguous {@code out} of the broadcast shape (its dtype is the result's). */
    static void binaryIntoKernel(String name, int op, Tensor a, Tensor b, DType dt, Tensor out) {
        int[] shape = Shapes.broadcastShared(name, a.shape, b.shape);
        checkOut(name, out, out.dtype, shape);
        Tensor ac = a.dtype == dt ? a : Creation.cast(a, dt);
        Tensor bc = b.dtype == dt ? b : Creation.cast(b, dt);
        Backends.CPU.binaryInto(op, ac.storage, broadcast(ac, shape), bc.storage, broadcast(bc, shape), shape, out.storage,
                out.offset);
        out.storage.bumpVersion();
    }

    /** {@link #programKernel} into a contiguous {@code out} at offset 0 that does not overlap the inputs. */
    static void programIntoKernel(dev.walnut.backend.ElementwiseProgram program, Tensor[] inputs, Tensor out) {
        int[] shape = inputs[0].shape;
        for (int i = 1; i < inputs.length; i++) {
            shape = Shapes.broadcastShared("fusedElementwise", shape, inputs[i].shape);
        }
        checkOut("fusedElementwise", out, inputs[0].dtype, program.sumsResult() ? Shapes.SCALAR : shape);
        checkStart("fusedElementwise", out);
        ProgramArgs args = PROGRAM_ARGS.get();
        Storage[] storages = args.storages(inputs.length);
        Layout[] layouts = args.layouts(inputs.length);
        try {
            for (int i = 0; i < inputs.length; i++) {
                storages[i] = inputs[i].storage;
                layouts[i] = broadcast(inputs[i], shape);
            }
            Backends.CPU.elementwiseInto(program, storages, layouts, shape, out.storage);
        } finally {
            Arrays.fill(storages, null); // keep no caller's data alive
            Arrays.fill(layouts, null);
        }
        out.storage.bumpVersion();
    }

    /**
     * Each thread's argument arrays for {@link #programIntoKernel}, one pair per input count
     * (the back end wants arrays of exactly that length), emptied after each call: a compiled
     * graph's fused nodes then make no arrays per run.
     */
    private static final class ProgramArgs {
        private static final int KEPT = 16;
        private final Storage[][] storages = new Storage[KEPT][];
        private final Layout[][] layouts = new Layout[KEPT][];

        Storage[] storages(int n) {
            if (n >= KEPT) {
                return new Storage[n];
            }
            if (storages[n] == null) {
                storages[n] = new Storage[n];
            }
            return storages[n];
        }

        Layout[] layouts(int n) {
            if (n >= KEPT) {
                return new Layout[n];
            }
            if (layouts[n] == null) {
                layouts[n] = new Layout[n];
            }
            return layouts[n];
        }
    }

    private static final ThreadLocal<ProgramArgs> PROGRAM_ARGS = ThreadLocal.withInitial(ProgramArgs::new);

    /** Fails naming {@code op} unless {@code out} is a contiguous tensor of {@code dtype} and {@code shape}. */
    static void checkOut(String op, Tensor out, DType dtype, int... shape) {
        if (out.dtype != dtype || !Arrays.equals(out.shape, shape) || !out.isContiguous()) {
            throw new IllegalArgumentException(op + ": the preallocated output is " + out.dtype + " "
                    + Arrays.toString(out.shape) + (out.isContiguous() ? "" : " (not contiguous)") + " but the result is "
                    + dtype + " " + Arrays.toString(shape) + ", contiguous");
        }
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
        Backends.CPU.addInto(target.storage, target.layout(), other.storage, other.layout());
        target.storage.bumpVersion();
        return true;
    }

    // ------------------------------------------------------------------ the kernels op definitions run

    static Tensor whereKernel(Tensor cond, Tensor a, Tensor b, DType dt) {
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape, a.shape), b.shape);
        Tensor ac = a.dtype == dt ? a : Creation.cast(a, dt);
        Tensor bc = b.dtype == dt ? b : Creation.cast(b, dt);
        Backends.checkFits(dt, Shapes.numel(shape));
        return new Tensor(Backends.CPU.where(cond.storage, broadcast(cond, shape), ac.storage, broadcast(ac, shape),
                bc.storage, broadcast(bc, shape), shape), shape);
    }

    /** {@code g} where {@code x > threshold}, else 0 (shapes equal, g float: checked by the op definition). */
    static Tensor thresholdBackwardKernel(Tensor g, Tensor x, double threshold) {
        DType dt = g.dtype;
        Tensor gc = Creation.contiguousOf(g, dt);
        Tensor xc = Creation.contiguousOf(x, dt);
        return new Tensor(Backends.CPU.thresholdBackward(gc.storage, gc.offset, xc.storage, xc.offset, Shapes.numel(g.shape),
                threshold), g.shape.clone());
    }

    /** {@link #thresholdBackwardKernel} into a contiguous {@code out} of g's shape and dtype starting its storage. */
    static void thresholdBackwardIntoKernel(Tensor g, Tensor x, double threshold, Tensor out) {
        checkOut("thresholdBackward", out, g.dtype, g.shape);
        checkStart("thresholdBackward", out);
        Tensor gc = Creation.contiguousOf(g, g.dtype);
        Tensor xc = Creation.contiguousOf(x, g.dtype);
        Backends.CPU.thresholdBackwardInto(gc.storage, gc.offset, xc.storage, xc.offset, Shapes.numel(g.shape), threshold,
                out.storage);
        out.storage.bumpVersion();
    }

    /** {@link #whereKernel} into a contiguous {@code out} of the broadcast shape and dtype {@code dt}. */
    static void whereIntoKernel(Tensor cond, Tensor a, Tensor b, DType dt, Tensor out) {
        int[] shape = Shapes.broadcastShared("where", Shapes.broadcastShared("where", cond.shape, a.shape), b.shape);
        checkOut("where", out, dt, shape);
        Tensor ac = a.dtype == dt ? a : Creation.cast(a, dt);
        Tensor bc = b.dtype == dt ? b : Creation.cast(b, dt);
        Backends.CPU.whereInto(cond.storage, broadcast(cond, shape), ac.storage, broadcast(ac, shape), bc.storage,
                broadcast(bc, shape), shape, out.storage, out.offset);
        out.storage.bumpVersion();
    }

    /** Fails naming {@code op} unless {@code out} starts its storage (kernels without an output offset). */
    static void checkStart(String op, Tensor out) {
        if (out.offset != 0) {
            throw new IllegalArgumentException(op + ": the output must start its storage, it starts at " + out.offset);
        }
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
