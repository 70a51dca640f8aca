package dev.walnut;

import static dev.walnut.backend.cpu.UnaryOp.*;

import dev.walnut.autograd.Node;
import dev.walnut.backend.cpu.BinaryOp;
import dev.walnut.backend.cpu.ElementwiseKernels;
import java.util.Arrays;

/**
 * Elementwise primitives: each op's kernel dispatch and its gradient rule side by side. The
 * rules are written with tensor ops so that recording them gives higher-order derivatives.
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

    private static Tensor unaryKernel(int op, double p1, double p2, Tensor x, DType dt) {
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

    /** Runs a unary kernel in the input's dtype without recording (for ops that record their own node). */
    static Tensor unaryNoGrad(int op, double p1, Tensor x) {
        return unaryKernel(op, p1, 0, x, x.dtype);
    }

    /** Broadcasts a and b (already of dtype dt) and runs a binary kernel into a fresh tensor. */
    private static Tensor binaryKernel(String name, int op, Tensor a, Tensor b, DType dt, DType outType) {
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

    // ------------------------------------------------------------------ binary arithmetic

    private static DType arithmeticType(String name, Tensor a, Tensor b) {
        DType dt = resultType(a, b);
        if (dt == DType.BOOL) {
            throw new IllegalArgumentException(name + ": arithmetic on two bool tensors is not defined; convert with "
                    + "to(DType.I64) or use logicalAnd/logicalOr");
        }
        return dt;
    }

    static Tensor add(Tensor a, Tensor b) {
        DType dt = arithmeticType("add", a, b);
        Tensor out = binaryKernel("add", BinaryOp.ADD, a, b, dt, dt);
        Node.record("AddBackward0", (n, g) -> new Tensor[] {g[0], g[0]}, new Tensor[] {a, b}, new Tensor[] {out});
        return out;
    }

    static Tensor sub(Tensor a, Tensor b) {
        DType dt = arithmeticType("sub", a, b);
        Tensor out = binaryKernel("sub", BinaryOp.SUB, a, b, dt, dt);
        Node.record("SubBackward0", (n, g) -> new Tensor[] {g[0], n.needsInputGrad(1) ? g[0].neg() : null},
                new Tensor[] {a, b}, new Tensor[] {out});
        return out;
    }

    static Tensor mul(Tensor a, Tensor b) {
        DType dt = arithmeticType("mul", a, b);
        Tensor out = binaryKernel("mul", BinaryOp.MUL, a, b, dt, dt);
        Node.record("MulBackward0", (n, g) -> new Tensor[] {
                n.needsInputGrad(0) ? g[0].mul(n.saved(1)) : null,
                n.needsInputGrad(1) ? g[0].mul(n.saved(0)) : null},
                new Tensor[] {a, b}, new Tensor[] {out}, a, b);
        return out;
    }

    static Tensor div(Tensor a, Tensor b) {
        DType dt = arithmeticType("div", a, b);
        if (!dt.isFloatingPoint()) {
            dt = DType.F32; // true division, as in PyTorch
        }
        Tensor out = binaryKernel("div", BinaryOp.DIV, a, b, dt, dt);
        Node.record("DivBackward0", (n, g) -> {
            Tensor bb = n.saved(1);
            return new Tensor[] {
                    n.needsInputGrad(0) ? g[0].div(bb) : null,
                    n.needsInputGrad(1) ? g[0].neg().mul(n.saved(0)).div(bb.mul(bb)) : null};
        }, new Tensor[] {a, b}, new Tensor[] {out}, a, b);
        return out;
    }

    static Tensor pow(Tensor a, Tensor b) {
        DType dt = arithmeticType("pow", a, b);
        Tensor out = binaryKernel("pow", BinaryOp.POW, a, b, dt, dt);
        Node.record("PowBackward1", (n, g) -> {
            Tensor base = n.saved(0);
            Tensor exponent = n.saved(1);
            Tensor ga = null;
            Tensor gb = null;
            if (n.needsInputGrad(0)) {
                ga = g[0].mul(exponent).mul(base.pow(exponent.sub(1.0)));
            }
            if (n.needsInputGrad(1)) {
                // d/db a^b = a^b log a; PyTorch defines it as 0 where a == 0 and b >= 0.
                Tensor zeroBase = base.eq(0.0).logicalAnd(exponent.ge(0.0));
                Tensor d = Tensor.where(zeroBase, Tensor.scalar(0.0, g[0].dtype), n.saved(2).mul(base.log()));
                gb = g[0].mul(d);
            }
            return new Tensor[] {ga, gb};
        }, new Tensor[] {a, b}, new Tensor[] {out}, a, b, out);
        return out;
    }

    /** maximum / minimum: the gradient goes to the winner, split evenly on ties (PyTorch's rule). */
    static Tensor binary(String name, int op, Tensor a, Tensor b) {
        DType dt = arithmeticType(name, a, b);
        Tensor out = binaryKernel(name, op, a, b, dt, dt);
        String nodeName = op == BinaryOp.MAXIMUM ? "MaximumBackward0" : "MinimumBackward0";
        Node.record(nodeName, (n, g) -> {
            Tensor x = n.saved(0);
            Tensor y = n.saved(1);
            Tensor wins = op == BinaryOp.MAXIMUM ? x.gt(y) : x.lt(y);
            Tensor weightA = wins.to(g[0].dtype).add(x.eq(y).to(g[0].dtype).mul(0.5));
            return new Tensor[] {
                    n.needsInputGrad(0) ? g[0].mul(weightA) : null,
                    n.needsInputGrad(1) ? g[0].mul(weightA.rsub(1.0)) : null};
        }, new Tensor[] {a, b}, new Tensor[] {out}, a, b);
        return out;
    }

    static Tensor compare(String name, int op, Tensor a, Tensor b) {
        return binaryKernel(name, op, a, b, resultType(a, b), DType.BOOL);
    }

    static Tensor logical(String name, int op, Tensor a, Tensor b) {
        Tensor ab = a.dtype == DType.BOOL ? a : a.ne(0.0);
        Tensor bb = b.dtype == DType.BOOL ? b : b.ne(0.0);
        return binaryKernel(name, op, ab, bb, DType.BOOL, DType.BOOL);
    }

    static Tensor logicalNot(Tensor x) {
        Tensor c = Creation.contiguousOf(x.dtype == DType.BOOL ? x : x.ne(0.0), DType.BOOL);
        int n = Shapes.numel(c.shape);
        Storage out = Storage.allocate(DType.BOOL, n);
        ElementwiseKernels.logicalNot((boolean[]) c.storage.data, c.offset, 1, (boolean[]) out.data, 0, n);
        return new Tensor(out, x.shape.clone());
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        if (cond.dtype != DType.BOOL) {
            throw new IllegalArgumentException("where: condition must be a bool tensor, got " + cond.dtype
                    + "; build it with a comparison such as x.gt(0)");
        }
        DType dt = resultType(a, b);
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
        Tensor result = new Tensor(out, shape);
        Node.record("WhereBackward0", (n, g) -> {
            Tensor c = n.saved(0);
            Tensor zero = Tensor.scalar(0.0, g[0].dtype);
            return new Tensor[] {null,
                    n.needsInputGrad(1) ? Tensor.where(c, g[0], zero) : null,
                    n.needsInputGrad(2) ? Tensor.where(c, zero, g[0]) : null};
        }, new Tensor[] {cond, a, b}, new Tensor[] {result}, cond);
        return result;
    }

    // ------------------------------------------------------------------ unary

    private static boolean floatOnly(int op) {
        return switch (op) {
            case NEG, ABS, SIGN, SQUARE, RELU -> false;
            default -> true;
        };
    }

    /** d/dx erf(x) = 2/sqrt(pi) * e^(-x^2). */
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    static Tensor unary(String name, int op, Tensor x) {
        DType dt = x.dtype;
        if (!dt.isFloatingPoint() && floatOnly(op)) {
            dt = DType.F32; // exp, log, ... of integers and bools give the default float, as in PyTorch
        } else if (dt == DType.BOOL) {
            throw new IllegalArgumentException(name + ": not defined for bool tensors; convert with to(DType.F32) first");
        }
        Tensor out = unaryKernel(op, 0, 0, x, dt);
        if (!Node.needsRecording(x)) {
            return out;
        }
        switch (op) {
            case NEG -> Node.record("NegBackward0", (n, g) -> new Tensor[] {g[0].neg()}, x, out);
            case ABS -> Node.record("AbsBackward0", (n, g) -> new Tensor[] {g[0].mul(n.saved(0).sign())}, x, out, x);
            case SIGN -> Node.record("SignBackward0", (n, g) -> new Tensor[] {Tensor.zerosLike(g[0])}, x, out);
            case EXP -> Node.record("ExpBackward0", (n, g) -> new Tensor[] {g[0].mul(n.saved(0))}, x, out, out);
            case LOG -> Node.record("LogBackward0", (n, g) -> new Tensor[] {g[0].div(n.saved(0))}, x, out, x);
            case SQRT -> Node.record("SqrtBackward0", (n, g) -> new Tensor[] {g[0].div(n.saved(0).mul(2.0))}, x, out, out);
            case RSQRT -> Node.record("RsqrtBackward0",
                    (n, g) -> new Tensor[] {g[0].mul(n.saved(0).pow(3.0)).mul(-0.5)}, x, out, out);
            case SQUARE -> Node.record("PowBackward0", (n, g) -> new Tensor[] {g[0].mul(n.saved(0).mul(2.0))}, x, out, x);
            case RECIPROCAL -> Node.record("ReciprocalBackward0",
                    (n, g) -> new Tensor[] {g[0].mul(n.saved(0).square()).neg()}, x, out, out);
            case SIN -> Node.record("SinBackward0", (n, g) -> new Tensor[] {g[0].mul(n.saved(0).cos())}, x, out, x);
            case COS -> Node.record("CosBackward0", (n, g) -> new Tensor[] {g[0].mul(n.saved(0).sin()).neg()}, x, out, x);
            case TANH -> Node.record("TanhBackward0",
                    (n, g) -> new Tensor[] {g[0].mul(n.saved(0).square().rsub(1.0))}, x, out, out);
            case SIGMOID -> Node.record("SigmoidBackward0", (n, g) -> {
                Tensor y = n.saved(0);
                return new Tensor[] {g[0].mul(y).mul(y.rsub(1.0))};
            }, x, out, out);
            case ERF -> Node.record("ErfBackward0", (n, g) -> new Tensor[] {
                    g[0].mul(n.saved(0).square().neg().exp().mul(TWO_OVER_SQRT_PI))}, x, out, x);
            case LOG1P -> Node.record("Log1pBackward0", (n, g) -> new Tensor[] {g[0].div(n.saved(0).add(1.0))}, x, out, x);
            case EXPM1 -> Node.record("Expm1Backward0", (n, g) -> new Tensor[] {g[0].mul(n.saved(0).add(1.0))}, x, out, out);
            // PyTorch's threshold_backward(g, out, 0): one fused pass, and a masked-off inf or
            // NaN in g gives 0 (g * mask would give NaN).
            case RELU -> Node.record("ReluBackward0", (n, g) -> new Tensor[] {
                    thresholdBackward(g[0], n.saved(0), 0.0)}, x, out, out);
            default -> throw new IllegalStateException("no gradient rule for " + name);
        }
        return out;
    }

    /**
     * PyTorch's {@code threshold_backward}: {@code g} where {@code x > threshold}, else 0, with
     * {@code g}'s dtype ({@code g} and {@code x} of one shape). It is ReLU's gradient rule, and a
     * primitive of its own so that the rule is one pass and still differentiable: the result is
     * linear in {@code g} (its gradient masks {@code gg} the same way) and piecewise constant in
     * {@code x} (no gradient).
     */
    static Tensor thresholdBackward(Tensor g, Tensor x, double threshold) {
        if (!Arrays.equals(g.shape, x.shape) || !g.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("thresholdBackward: expected a float gradient and an input of the same shape, got "
                    + g.dtype + " " + Arrays.toString(g.shape) + " and " + x.dtype + " " + Arrays.toString(x.shape));
        }
        DType dt = g.dtype;
        Tensor gc;
        Tensor xc;
        try (var off = dev.walnut.autograd.Autograd.noGrad()) {
            gc = g.contiguous();
            xc = (x.dtype == dt ? x : Creation.cast(x, dt)).contiguous();
        }
        int numel = Shapes.numel(g.shape);
        Storage out = Storage.allocate(dt, numel);
        if (dt == DType.F32) {
            ElementwiseKernels.thresholdBackward((float[]) gc.storage.data, gc.offset, (float[]) xc.storage.data, xc.offset,
                    threshold, (float[]) out.data, numel);
        } else {
            ElementwiseKernels.thresholdBackward((double[]) gc.storage.data, gc.offset, (double[]) xc.storage.data, xc.offset,
                    threshold, (double[]) out.data, numel);
        }
        Tensor result = new Tensor(out, g.shape.clone());
        Node.record("ThresholdBackwardBackward0", (n, gg) -> new Tensor[] {
                n.needsInputGrad(0) ? thresholdBackward(gg[0], n.saved(0), threshold) : null, null},
                new Tensor[] {g, x}, new Tensor[] {result}, x);
        return result;
    }

    /**
     * Tensor-scalar ops. {@code integral} marks a Java {@code long} scalar, which keeps integer
     * tensors integer (PyTorch's wrapped-number rule); a double scalar makes them float.
     */
    static Tensor scalarOp(String name, int op, Tensor x, double s, boolean integral) {
        DType dt = x.dtype;
        boolean keepsInteger = integral && (op == ADD_SCALAR || op == MUL_SCALAR || op == RSUB_SCALAR);
        if (!dt.isFloatingPoint()) {
            dt = keepsInteger ? (dt == DType.BOOL ? DType.I64 : dt) : DType.F32;
        }
        Tensor out = unaryKernel(op, s, 0, x, dt);
        if (!Node.needsRecording(x)) {
            return out;
        }
        switch (op) {
            case ADD_SCALAR -> Node.record("AddBackward0", (n, g) -> new Tensor[] {g[0]}, x, out);
            case RSUB_SCALAR -> Node.record("RsubBackward1", (n, g) -> new Tensor[] {g[0].neg()}, x, out);
            case MUL_SCALAR -> Node.record("MulBackward0", (n, g) -> new Tensor[] {g[0].mul(s)}, x, out);
            case DIV_SCALAR -> Node.record("DivBackward0", (n, g) -> new Tensor[] {g[0].div(s)}, x, out);
            case RDIV_SCALAR -> Node.record("DivBackward0",
                    (n, g) -> new Tensor[] {g[0].mul(n.saved(1)).div(n.saved(0)).neg()}, x, out, x, out);
            case POW_SCALAR -> Node.record("PowBackward0", (n, g) -> new Tensor[] {
                    s == 0.0 ? Tensor.zerosLike(g[0]) : g[0].mul(n.saved(0).pow(s - 1.0).mul(s))}, x, out, x);
            default -> throw new IllegalStateException("no gradient rule for " + name);
        }
        return out;
    }

    static Tensor clamp(Tensor x, double min, double max) {
        if (Double.isNaN(min) || Double.isNaN(max)) {
            throw new IllegalArgumentException("clamp: bounds must not be NaN (min=" + min + ", max=" + max + ")");
        }
        DType dt = x.dtype == DType.BOOL ? DType.I64 : x.dtype;
        boolean integerBounds = min == Math.rint(min) || Double.isInfinite(min);
        integerBounds &= max == Math.rint(max) || Double.isInfinite(max);
        if (!dt.isFloatingPoint() && !integerBounds) {
            dt = DType.F32;
        }
        Tensor out = unaryKernel(CLAMP, min, max, x, dt);
        // Gradient passes where min <= x <= max, including at the bounds (PyTorch's convention).
        Node.record("ClampBackward1", (n, g) -> {
            Tensor in = n.saved(0);
            Tensor inside = in.ge(min).logicalAnd(in.le(max));
            return new Tensor[] {g[0].mul(inside.to(g[0].dtype))};
        }, x, out, x);
        return out;
    }

    static Tensor cast(Tensor x, DType dtype) {
        Tensor out = Creation.cast(x, dtype);
        if (dtype.isFloatingPoint() && x.dtype.isFloatingPoint()) {
            // The engine converts the gradient back to the input's dtype.
            Node.record("ToCopyBackward0", (n, g) -> new Tensor[] {g[0]}, x, out);
        }
        return out;
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
