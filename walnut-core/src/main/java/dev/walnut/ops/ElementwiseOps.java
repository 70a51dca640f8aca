package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.backend.BinaryOp;
import dev.walnut.backend.UnaryOp;
import dev.walnut.internal.Kernels;
import java.util.Arrays;
import java.util.List;

/**
 * The elementwise primitives: arithmetic, unary math, tensor-scalar forms, clamp, casts,
 * {@code where}, comparisons and logic. Each row holds the op's name and node name, its dtype
 * rule, what it saves, its reverse rule and its forward rule, in the spirit of PyTorch's
 * {@code derivatives.yaml}. For a one-input elementwise op both rules apply the same linear map
 * {@code d -> d * f'(x)} to a gradient or a tangent ({@code derivatives.yaml}'s
 * {@code auto_element_wise}), so each unary row writes it once.
 *
 * <pre>{@code
 * Tensor y = Dispatcher.call(ElementwiseOps.MUL, NoAttrs.NONE, a, b);   // a.mul(b)
 * ElementwiseOps.MUL.nodeName(NoAttrs.NONE);                               // "MulBackward0"
 * }</pre>
 */
public final class ElementwiseOps {
    private ElementwiseOps() {
    }

    private static final Kernels K = Kernels.get();

    /** d/dx erf(x) = 2/sqrt(pi) * e^(-x^2). */
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    // ------------------------------------------------------------------ binary arithmetic

    /** {@code a op b} with broadcasting and PyTorch's type promotion. */
    public abstract static class Binary extends OpDef<NoAttrs> {
        final int kernel;

        Binary(String name, String nodeName, int kernel) {
            super(name, 1, nodeName);
            this.kernel = kernel;
        }


        DType dtype(DType promoted) {
            return Specs.arithmetic(name(), promoted);
        }

        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(Specs.broadcast(name(), in[0].shape(), in[1].shape()), dtype(Specs.resultType(in[0], in[1])));
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            DType dt = dtype(Specs.resultType(in[0], in[1]));
            return Specs.one(K.binary(name(), kernel, in[0], in[1], dt, dt));
        }

        @Override
        public boolean hasOutKernel(NoAttrs attrs) {
            return true;
        }

        @Override
        public void computeInto(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            K.binaryInto(name(), kernel, in[0], in[1], dtype(Specs.resultType(in[0], in[1])), out[0]);
        }

        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return in;
        }
    }

    public static final OpDef<NoAttrs> ADD = new Binary("add", "AddBackward0", BinaryOp.ADD) {
        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return Specs.NONE;
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return new Tensor[] {g[0], g[0]};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(Specs.sum(out[0], t[0], t[1]));
        }
    };

    public static final OpDef<NoAttrs> SUB = new Binary("sub", "SubBackward0", BinaryOp.SUB) {
        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return Specs.NONE;
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return new Tensor[] {g[0], n.needsInputGrad(1) ? g[0].neg() : null};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(Specs.sum(out[0], t[0], t[1] == null ? null : t[1].neg()));
        }
    };

    public static final OpDef<NoAttrs> MUL = new Binary("mul", "MulBackward0", BinaryOp.MUL) {
        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return new Tensor[] {
                    n.needsInputGrad(0) ? g[0].mul(n.saved(1)) : null,
                    n.needsInputGrad(1) ? g[0].mul(n.saved(0)) : null};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(Specs.sum(out[0], t[0] == null ? null : t[0].mul(in[1]), t[1] == null ? null : in[0].mul(t[1])));
        }
    };

    public static final OpDef<NoAttrs> DIV = new Binary("div", "DivBackward0", BinaryOp.DIV) {
        @Override
        DType dtype(DType promoted) {
            DType dt = super.dtype(promoted);
            return dt.isFloatingPoint() ? dt : Tensor.defaultDType(); // true division, as in PyTorch
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            Tensor b = n.saved(1);
            return new Tensor[] {
                    n.needsInputGrad(0) ? g[0].div(b) : null,
                    n.needsInputGrad(1) ? g[0].neg().mul(n.saved(0)).div(b.mul(b)) : null};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor b = in[1];
            return Specs.one(Specs.sum(out[0], t[0] == null ? null : t[0].div(b),
                    t[1] == null ? null : t[1].neg().mul(in[0]).div(b.mul(b))));
        }
    };

    public static final OpDef<NoAttrs> POW = new Binary("pow", "PowBackward1", BinaryOp.POW) {
        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], in[1], out[0]};
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            Tensor base = n.saved(0);
            Tensor exponent = n.saved(1);
            return new Tensor[] {
                    n.needsInputGrad(0) ? g[0].mul(baseDerivative(base, exponent)) : null,
                    n.needsInputGrad(1) ? g[0].mul(exponentDerivative(base, exponent, n.saved(2), g[0].dtype())) : null};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(Specs.sum(out[0], t[0] == null ? null : t[0].mul(baseDerivative(in[0], in[1])),
                    t[1] == null ? null : t[1].mul(exponentDerivative(in[0], in[1], out[0], out[0].dtype()))));
        }

        private Tensor baseDerivative(Tensor base, Tensor exponent) {
            return exponent.mul(base.pow(exponent.sub(1.0)));
        }

        /** d/db a^b = a^b log a; PyTorch defines it as 0 where a == 0 and b >= 0. */
        private Tensor exponentDerivative(Tensor base, Tensor exponent, Tensor result, DType dt) {
            Tensor zeroBase = base.eq(0.0).logicalAnd(exponent.ge(0.0));
            return Tensor.where(zeroBase, Tensor.scalar(0.0, dt), result.mul(base.log()));
        }
    };

    /** {@code atan2(y, x)}: the angle of (x, y), float only; d/dy = x / r^2, d/dx = -y / r^2. */
    public static final OpDef<NoAttrs> ATAN2 = new Binary("atan2", "Atan2Backward0", BinaryOp.ATAN2) {
        @Override
        DType dtype(DType promoted) {
            DType dt = super.dtype(promoted);
            return dt.isFloatingPoint() ? dt : Tensor.defaultDType();
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            Tensor y = n.saved(0);
            Tensor x = n.saved(1);
            Tensor r2 = x.square().add(y.square());
            return new Tensor[] {
                    n.needsInputGrad(0) ? g[0].mul(x).div(r2) : null,
                    n.needsInputGrad(1) ? g[0].mul(y).neg().div(r2) : null};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor y = in[0];
            Tensor x = in[1];
            Tensor r2 = x.square().add(y.square());
            return Specs.one(Specs.sum(out[0], t[0] == null ? null : t[0].mul(x).div(r2),
                    t[1] == null ? null : t[1].mul(y).neg().div(r2)));
        }
    };

    /**
     * fmod / remainder: {@code a - q(a / b) * b} with {@code q} trunc (C's fmod, the dividend's
     * sign) or floor (Python's modulo, the divisor's sign). The quotient is piecewise constant,
     * so d/da = 1 and d/db = -q(a / b), as in PyTorch.
     */
    private static final class Modulo extends Binary {
        private final boolean floor;

        Modulo(String name, String nodeName, int kernel, boolean floor) {
            super(name, nodeName, kernel);
            this.floor = floor;
        }

        private Tensor quotient(Tensor a, Tensor b) {
            Tensor q = a.div(b);
            return floor ? q.floor() : q.trunc();
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return new Tensor[] {
                    n.needsInputGrad(0) ? g[0] : null,
                    n.needsInputGrad(1) ? g[0].mul(quotient(n.saved(0), n.saved(1))).neg() : null};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(Specs.sum(out[0], t[0], t[1] == null ? null : t[1].mul(quotient(in[0], in[1])).neg()));
        }
    }

    /** {@code fmod(a, b)}: the remainder of truncated division, with the dividend's sign ({@code torch.fmod}). */
    public static final OpDef<NoAttrs> FMOD = new Modulo("fmod", "FmodBackward1", BinaryOp.FMOD, false);
    /** {@code remainder(a, b)}: Python's {@code a % b}, with the divisor's sign ({@code torch.remainder}). */
    public static final OpDef<NoAttrs> REMAINDER = new Modulo("remainder", "RemainderBackward1", BinaryOp.REMAINDER, true);

    /** maximum / minimum: the gradient goes to the winner, split evenly on ties (PyTorch's rule). */
    private static final class Extremum extends Binary {
        Extremum(String name, String nodeName, int kernel) {
            super(name, nodeName, kernel);
        }

        /** The share of the result that comes from the first operand: 1, 0, or 0.5 on ties. */
        private Tensor weightOfFirst(Tensor x, Tensor y, DType dt) {
            Tensor wins = kernel == BinaryOp.MAXIMUM ? x.gt(y) : x.lt(y);
            return wins.to(dt).add(x.eq(y).to(dt).mul(0.5));
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            Tensor w = weightOfFirst(n.saved(0), n.saved(1), g[0].dtype());
            return new Tensor[] {
                    n.needsInputGrad(0) ? g[0].mul(w) : null,
                    n.needsInputGrad(1) ? g[0].mul(w.rsub(1.0)) : null};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor w = weightOfFirst(in[0], in[1], out[0].dtype());
            return Specs.one(Specs.sum(out[0], t[0] == null ? null : t[0].mul(w), t[1] == null ? null : t[1].mul(w.rsub(1.0))));
        }
    }

    public static final OpDef<NoAttrs> MAXIMUM = new Extremum("maximum", "MaximumBackward0", BinaryOp.MAXIMUM);
    public static final OpDef<NoAttrs> MINIMUM = new Extremum("minimum", "MinimumBackward0", BinaryOp.MINIMUM);

    // ------------------------------------------------------------------ unary math

    /** The linear map {@code d -> d * f'(x)}, from the saved tensor (x or the result y). */
    @FunctionalInterface
    interface Chain {
        Tensor apply(Tensor d, Tensor saved);
    }

    /** One-input elementwise math; integer inputs of float-only ops compute in F32, as in PyTorch. */
    public static final class Unary extends OpDef<NoAttrs> {
        private final int kernel;
        private final boolean floatOnly;
        private final boolean savesResult;
        private final Chain chain;

        Unary(String name, String nodeName, int kernel, boolean floatOnly, boolean savesResult, Chain chain) {
            super(name, 1, nodeName);
            this.kernel = kernel;
            this.floatOnly = floatOnly;
            this.savesResult = savesResult;
            this.chain = chain;
        }


        private DType dtype(DType dt) {
            if (!dt.isFloatingPoint() && floatOnly) {
                return Tensor.defaultDType(); // exp, log, ... of integers and bools give the default float
            }
            if (dt == DType.BOOL) {
                throw new IllegalArgumentException(name() + ": not defined for bool tensors; convert with to(DType."
                        + Tensor.defaultDType() + ") first");
            }
            return dt;
        }

        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), dtype(in[0].dtype()));
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            return Specs.one(K.unary(kernel, 0, 0, in[0], dtype(in[0].dtype())));
        }

        @Override
        public boolean hasOutKernel(NoAttrs attrs) {
            return true;
        }

        @Override
        public void computeInto(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            K.unaryInto(kernel, 0, 0, in[0], out[0]);
        }

        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return Specs.one(savesResult ? out[0] : in[0]);
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return Specs.one(chain.apply(g[0], n.saved(0)));
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : chain.apply(t[0], savesResult ? out[0] : in[0]));
        }
    }

    private static final boolean X = false;
    private static final boolean Y = true;

    public static final OpDef<NoAttrs> NEG = new Unary("neg", "NegBackward0", UnaryOp.NEG, false, X, (d, x) -> d.neg());
    public static final OpDef<NoAttrs> ABS = new Unary("abs", "AbsBackward0", UnaryOp.ABS, false, X, (d, x) -> d.mul(x.sign()));
    public static final OpDef<NoAttrs> SIGN = new Unary("sign", "SignBackward0", UnaryOp.SIGN, false, X,
            (d, x) -> Tensor.zerosLike(d));
    public static final OpDef<NoAttrs> EXP = new Unary("exp", "ExpBackward0", UnaryOp.EXP, true, Y, (d, y) -> d.mul(y));
    public static final OpDef<NoAttrs> LOG = new Unary("log", "LogBackward0", UnaryOp.LOG, true, X, (d, x) -> d.div(x));
    public static final OpDef<NoAttrs> SQRT = new Unary("sqrt", "SqrtBackward0", UnaryOp.SQRT, true, Y,
            (d, y) -> d.div(y.mul(2.0)));
    public static final OpDef<NoAttrs> RSQRT = new Unary("rsqrt", "RsqrtBackward0", UnaryOp.RSQRT, true, Y,
            (d, y) -> d.mul(y.pow(3.0)).mul(-0.5));
    public static final OpDef<NoAttrs> SQUARE = new Unary("square", "PowBackward0", UnaryOp.SQUARE, false, X,
            (d, x) -> d.mul(x.mul(2.0)));
    public static final OpDef<NoAttrs> RECIPROCAL = new Unary("reciprocal", "ReciprocalBackward0", UnaryOp.RECIPROCAL, true, Y,
            (d, y) -> d.mul(y.square()).neg());
    public static final OpDef<NoAttrs> SIN = new Unary("sin", "SinBackward0", UnaryOp.SIN, true, X, (d, x) -> d.mul(x.cos()));
    public static final OpDef<NoAttrs> COS = new Unary("cos", "CosBackward0", UnaryOp.COS, true, X,
            (d, x) -> d.mul(x.sin()).neg());
    public static final OpDef<NoAttrs> TANH = new Unary("tanh", "TanhBackward0", UnaryOp.TANH, true, Y,
            (d, y) -> d.mul(y.square().rsub(1.0)));
    public static final OpDef<NoAttrs> SIGMOID = new Unary("sigmoid", "SigmoidBackward0", UnaryOp.SIGMOID, true, Y,
            (d, y) -> d.mul(y).mul(y.rsub(1.0)));
    public static final OpDef<NoAttrs> ERF = new Unary("erf", "ErfBackward0", UnaryOp.ERF, true, X,
            (d, x) -> d.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI)));
    public static final OpDef<NoAttrs> LOG1P = new Unary("log1p", "Log1pBackward0", UnaryOp.LOG1P, true, X,
            (d, x) -> d.div(x.add(1.0)));
    public static final OpDef<NoAttrs> EXPM1 = new Unary("expm1", "Expm1Backward0", UnaryOp.EXPM1, true, Y,
            (d, y) -> d.mul(y.add(1.0)));
    /**
     * PyTorch's threshold_backward(d, y, 0): one fused pass, and a masked-off inf or NaN in the
     * gradient gives 0 (d * mask would give NaN).
     */
    public static final OpDef<NoAttrs> RELU = new Unary("relu", "ReluBackward0", UnaryOp.RELU, false, Y,
            (d, y) -> thresholdBackward(d, y, 0.0));

    /**
     * Rounding to an integral value (floor, ceil, round half to even, trunc). The result is
     * piecewise constant, so both rules give zero, as PyTorch's do; integer inputs are returned
     * as a copy.
     */
    private static final class Rounding extends OpDef<NoAttrs> {
        private final int kernel;

        Rounding(String name, String nodeName, int kernel) {
            super(name, 1, nodeName);
            this.kernel = kernel;
        }


        private DType dtype(DType dt) {
            if (dt == DType.BOOL) {
                throw new IllegalArgumentException(name() + ": not defined for bool tensors; convert with to(DType."
                        + Tensor.defaultDType() + ") first");
            }
            return dt;
        }

        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), dtype(in[0].dtype()));
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            DType dt = dtype(in[0].dtype());
            return Specs.one(dt.isFloatingPoint() ? K.unary(kernel, 0, 0, in[0], dt) : K.cast(in[0], dt));
        }

        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return Specs.NONE;
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            return Specs.one(Tensor.zerosLike(g[0]));
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(null);
        }
    }

    public static final OpDef<NoAttrs> FLOOR = new Rounding("floor", "FloorBackward0", UnaryOp.FLOOR);
    public static final OpDef<NoAttrs> CEIL = new Rounding("ceil", "CeilBackward0", UnaryOp.CEIL);
    public static final OpDef<NoAttrs> ROUND = new Rounding("round", "RoundBackward0", UnaryOp.ROUND);
    public static final OpDef<NoAttrs> TRUNC = new Rounding("trunc", "TruncBackward0", UnaryOp.TRUNC);

    // ------------------------------------------------------------------ threshold_backward

    /** Attributes of {@link #THRESHOLD_BACKWARD}. */
    public record Threshold(double threshold) {
    }

    /**
     * PyTorch's {@code threshold_backward(g, x, t)}: {@code g} where {@code x > t}, else 0. ReLU's
     * gradient rule, and a primitive so that the rule is one pass and still differentiable:
     * linear in {@code g}, piecewise constant in {@code x}.
     */
    public static final OpDef<Threshold> THRESHOLD_BACKWARD = new OpDef<>("thresholdBackward", 1, "ThresholdBackwardBackward0") {
        @Override
        public TensorSpec[] infer(Threshold attrs, TensorSpec... in) {
            check(in[0].shape(), in[0].dtype(), in[1].shape(), in[1].dtype());
            return Specs.one(in[0].shape(), in[0].dtype());
        }

        private void check(long[] gShape, DType gType, long[] xShape, DType xType) {
            if (!Arrays.equals(gShape, xShape) || !gType.isFloatingPoint()) {
                throw new IllegalArgumentException("thresholdBackward: expected a float gradient and an input of the same "
                        + "shape, got " + gType + " " + Arrays.toString(gShape) + " and " + xType + " " + Arrays.toString(xShape));
            }
        }

        @Override
        public Tensor[] compute(Threshold attrs, Tensor[] in) {
            check(in[0].shape(), in[0].dtype(), in[1].shape(), in[1].dtype());
            return Specs.one(K.thresholdBackward(in[0], in[1], attrs.threshold()));
        }

        @Override
        public boolean hasOutKernel(Threshold attrs) {
            return true;
        }

        @Override
        public void computeInto(Threshold attrs, Tensor[] in, Tensor[] out) {
            if (!Specs.sameShape(in[0], in[1]) || !in[0].dtype().isFloatingPoint()) {
                check(in[0].shape(), in[0].dtype(), in[1].shape(), in[1].dtype()); // throws, naming the shapes
            }
            K.thresholdBackwardInto(in[0], in[1], attrs.threshold(), out[0]);
        }

        @Override
        public Tensor[] save(Threshold attrs, Tensor[] in, Tensor[] out) {
            return Specs.one(in[1]);
        }

        @Override
        public Tensor[] vjp(Threshold attrs, Node n, Tensor[] g) {
            return new Tensor[] {n.needsInputGrad(0) ? thresholdBackward(g[0], n.saved(0), attrs.threshold()) : null, null};
        }

        @Override
        public Tensor[] jvp(Threshold attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : thresholdBackward(t[0], in[1], attrs.threshold()));
        }
    };

    /** {@code g} where {@code x > threshold}, else 0, through the dispatcher. */
    public static Tensor thresholdBackward(Tensor g, Tensor x, double threshold) {
        return dev.walnut.dispatch.Dispatcher.call(THRESHOLD_BACKWARD, new Threshold(threshold), g, x);
    }

    // ------------------------------------------------------------------ tensor-scalar forms

    /**
     * Attributes of a tensor-scalar op. {@code integral} marks a Java {@code long} scalar, which
     * keeps integer tensors integer (PyTorch's wrapped-number rule); a double makes them float.
     */
    public record Scalar(double value, boolean integral) {
    }

    /** {@code x op s}: one kernel pass, the node names PyTorch records for the tensor-tensor op. */
    public static final class ScalarOp extends OpDef<Scalar> {
        private final int kernel;
        private final boolean keepsInteger;
        private final boolean savesInput;
        private final boolean savesResult;
        private final ScalarChain chain;

        /** The linear map {@code d -> d * df/dx}; x and y are null unless saved. */
        @FunctionalInterface
        interface ScalarChain {
            Tensor apply(Tensor d, double s, Tensor x, Tensor y);
        }

        ScalarOp(String name, String nodeName, int kernel, boolean keepsInteger, boolean savesInput, boolean savesResult,
                 ScalarChain chain) {
            super(name, 1, nodeName);
            this.kernel = kernel;
            this.keepsInteger = keepsInteger;
            this.savesInput = savesInput;
            this.savesResult = savesResult;
            this.chain = chain;
        }


        private DType dtype(DType dt, Scalar attrs) {
            if (dt.isFloatingPoint()) {
                return dt;
            }
            return keepsInteger && attrs.integral() ? (dt == DType.BOOL ? DType.I64 : dt) : Tensor.defaultDType();
        }

        @Override
        public TensorSpec[] infer(Scalar attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), dtype(in[0].dtype(), attrs));
        }

        @Override
        public Tensor[] compute(Scalar attrs, Tensor[] in) {
            return Specs.one(K.unary(kernel, attrs.value(), 0, in[0], dtype(in[0].dtype(), attrs)));
        }

        @Override
        public boolean hasOutKernel(Scalar attrs) {
            return true;
        }

        @Override
        public void computeInto(Scalar attrs, Tensor[] in, Tensor[] out) {
            K.unaryInto(kernel, attrs.value(), 0, in[0], out[0]);
        }

        @Override
        public Tensor[] save(Scalar attrs, Tensor[] in, Tensor[] out) {
            if (savesInput && savesResult) {
                return new Tensor[] {in[0], out[0]};
            }
            return savesInput ? in : savesResult ? out : Specs.NONE;
        }

        @Override
        public Tensor[] vjp(Scalar attrs, Node n, Tensor[] g) {
            Tensor x = savesInput ? n.saved(0) : null;
            Tensor y = savesResult ? n.saved(savesInput ? 1 : 0) : null;
            return Specs.one(chain.apply(g[0], attrs.value(), x, y));
        }

        @Override
        public Tensor[] jvp(Scalar attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : Specs.fit(chain.apply(t[0], attrs.value(), in[0], out[0]), out[0]));
        }
    }

    public static final OpDef<Scalar> ADD_SCALAR = new ScalarOp("addScalar", "AddBackward0", UnaryOp.ADD_SCALAR, true,
            false, false, (d, s, x, y) -> d);
    public static final OpDef<Scalar> RSUB_SCALAR = new ScalarOp("rsubScalar", "RsubBackward1", UnaryOp.RSUB_SCALAR, true,
            false, false, (d, s, x, y) -> d.neg());
    public static final OpDef<Scalar> MUL_SCALAR = new ScalarOp("mulScalar", "MulBackward0", UnaryOp.MUL_SCALAR, true,
            false, false, (d, s, x, y) -> d.mul(s));
    public static final OpDef<Scalar> DIV_SCALAR = new ScalarOp("divScalar", "DivBackward0", UnaryOp.DIV_SCALAR, false,
            false, false, (d, s, x, y) -> d.div(s));
    public static final OpDef<Scalar> RDIV_SCALAR = new ScalarOp("rdivScalar", "DivBackward0", UnaryOp.RDIV_SCALAR, false,
            true, true, (d, s, x, y) -> d.mul(y).div(x).neg());
    /**
     * {@code s ^ x} for a scalar base (PyTorch's {@code pow(Scalar, Tensor)}): d/dx = s^x ln s,
     * defined as 0 where s == 0 and x >= 0, as PyTorch does.
     */
    public static final OpDef<Scalar> RPOW_SCALAR = new ScalarOp("rpowScalar", "PowBackward2", UnaryOp.RPOW_SCALAR, false,
            true, true, (d, s, x, y) -> s == 0.0
                    ? d.mul(Tensor.where(x.ge(0.0), Tensor.scalar(0.0, y.dtype()), y.mul(Math.log(s))))
                    : d.mul(y).mul(Math.log(s)));
    public static final OpDef<Scalar> POW_SCALAR = new ScalarOp("powScalar", "PowBackward0", UnaryOp.POW_SCALAR, false,
            true, false, (d, s, x, y) -> s == 0.0 ? Tensor.zerosLike(d) : d.mul(x.pow(s - 1.0).mul(s)));

    // ------------------------------------------------------------------ clamp, cast, where

    /** Attributes of {@link #CLAMP}: inclusive bounds (infinite for none). */
    public record Clamp(double min, double max) {
    }

    public static final OpDef<Clamp> CLAMP = new OpDef<>("clamp", 1, "ClampBackward1") {
        private DType dtype(DType in, Clamp attrs) {
            if (Double.isNaN(attrs.min()) || Double.isNaN(attrs.max())) {
                throw new IllegalArgumentException("clamp: bounds must not be NaN (min=" + attrs.min() + ", max=" + attrs.max() + ")");
            }
            DType dt = in == DType.BOOL ? DType.I64 : in;
            boolean integerBounds = (attrs.min() == Math.rint(attrs.min()) || Double.isInfinite(attrs.min()))
                    && (attrs.max() == Math.rint(attrs.max()) || Double.isInfinite(attrs.max()));
            return !dt.isFloatingPoint() && !integerBounds ? Tensor.defaultDType() : dt;
        }

        @Override
        public TensorSpec[] infer(Clamp attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), dtype(in[0].dtype(), attrs));
        }

        @Override
        public Tensor[] compute(Clamp attrs, Tensor[] in) {
            return Specs.one(K.unary(UnaryOp.CLAMP, attrs.min(), attrs.max(), in[0], dtype(in[0].dtype(), attrs)));
        }

        @Override
        public boolean hasOutKernel(Clamp attrs) {
            return true;
        }

        @Override
        public void computeInto(Clamp attrs, Tensor[] in, Tensor[] out) {
            K.unaryInto(UnaryOp.CLAMP, attrs.min(), attrs.max(), in[0], out[0]);
        }

        @Override
        public Tensor[] save(Clamp attrs, Tensor[] in, Tensor[] out) {
            return in;
        }

        /** The gradient passes where min <= x <= max, including at the bounds (PyTorch's convention). */
        private Tensor inside(Tensor x, Clamp attrs, DType dt) {
            return x.ge(attrs.min()).logicalAnd(x.le(attrs.max())).to(dt);
        }

        @Override
        public Tensor[] vjp(Clamp attrs, Node n, Tensor[] g) {
            return Specs.one(g[0].mul(inside(n.saved(0), attrs, g[0].dtype())));
        }

        @Override
        public Tensor[] jvp(Clamp attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(t[0] == null ? null : t[0].mul(inside(in[0], attrs, t[0].dtype())));
        }
    };

    /** Attributes of {@link #CAST}: the target dtype. */
    public record Cast(DType dtype) {
    }

    /** A converted copy; differentiable between floating types (the engine converts the gradient back). */
    public static final OpDef<Cast> CAST = new OpDef<>("to", 1, "ToCopyBackward0") {
        @Override
        public TensorSpec[] infer(Cast attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), attrs.dtype());
        }

        @Override
        public Tensor[] compute(Cast attrs, Tensor[] in) {
            return Specs.one(K.cast(in[0], attrs.dtype()));
        }

        @Override
        public boolean differentiable(Cast attrs) {
            return attrs.dtype().isFloatingPoint();
        }

        @Override
        public Tensor[] save(Cast attrs, Tensor[] in, Tensor[] out) {
            return Specs.NONE;
        }

        @Override
        public Tensor[] vjp(Cast attrs, Node n, Tensor[] g) {
            return g;
        }

        @Override
        public Tensor[] jvp(Cast attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return Specs.one(!attrs.dtype().isFloatingPoint() || t[0] == null ? null : t[0].to(attrs.dtype()));
        }
    };

    /** {@code cond ? a : b} with broadcasting; the condition gets no gradient. */
    public static final OpDef<NoAttrs> WHERE = new OpDef<>("where", 1, "WhereBackward0") {
        private void checkCondition(DType cond) {
            if (cond != DType.BOOL) {
                throw new IllegalArgumentException("where: condition must be a bool tensor, got " + cond
                        + "; build it with a comparison such as x.gt(0)");
            }
        }

        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            checkCondition(in[0].dtype());
            long[] shape = Specs.broadcast("where", Specs.broadcast("where", in[0].shape(), in[1].shape()), in[2].shape());
            return Specs.one(shape, Specs.resultType(in[1], in[2]));
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            checkCondition(in[0].dtype());
            return Specs.one(K.where(in[0], in[1], in[2], Specs.resultType(in[1], in[2])));
        }

        @Override
        public Tensor[] save(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            return Specs.one(in[0]);
        }

        @Override
        public Tensor[] vjp(NoAttrs attrs, Node n, Tensor[] g) {
            Tensor c = n.saved(0);
            Tensor zero = Tensor.scalar(0.0, g[0].dtype());
            return new Tensor[] {null,
                    n.needsInputGrad(1) ? Tensor.where(c, g[0], zero) : null,
                    n.needsInputGrad(2) ? Tensor.where(c, zero, g[0]) : null};
        }

        @Override
        public Tensor[] jvp(NoAttrs attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            if (t[1] == null && t[2] == null) {
                return Specs.one(null);
            }
            Tensor zero = Tensor.scalar(0.0, out[0].dtype());
            return Specs.one(Specs.fit(Tensor.where(in[0], t[1] == null ? zero : t[1], t[2] == null ? zero : t[2]), out[0]));
        }
    };

    // ------------------------------------------------------------------ comparisons and logic

    /** An op whose outputs carry no derivative (bool results): never recorded, zero tangents. */
    public abstract static class NonDifferentiable<A> extends OpDef<A> {
        protected NonDifferentiable(String name, int outputs) {
            super(name, outputs);
        }

        @Override
        public final boolean differentiable(A attrs) {
            return false;
        }

        @Override
        public String nodeName(A attrs) {
            throw new IllegalStateException(name() + " is not differentiable and records no node");
        }

        @Override
        public final Tensor[] save(A attrs, Tensor[] in, Tensor[] out) {
            throw new IllegalStateException(name() + " is not differentiable and saves nothing");
        }

        @Override
        public final Tensor[] vjp(A attrs, Node n, Tensor[] g) {
            throw new IllegalStateException(name() + " is not differentiable");
        }

        @Override
        public final Tensor[] jvp(A attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            return new Tensor[outputCount()];
        }
    }

    /** {@code a op b} to bool, compared in the promoted dtype. */
    private static final class Compare extends NonDifferentiable<NoAttrs> {
        private final int kernel;
        private final boolean logical;

        Compare(String name, int kernel, boolean logical) {
            super(name, 1);
            this.kernel = kernel;
            this.logical = logical;
        }

        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(Specs.broadcast(name(), in[0].shape(), in[1].shape()), DType.BOOL);
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            if (logical) {
                Tensor a = in[0].dtype() == DType.BOOL ? in[0] : in[0].ne(0.0);
                Tensor b = in[1].dtype() == DType.BOOL ? in[1] : in[1].ne(0.0);
                return Specs.one(K.binary(name(), kernel, a, b, DType.BOOL, DType.BOOL));
            }
            return Specs.one(K.binary(name(), kernel, in[0], in[1], Specs.resultType(in[0], in[1]), DType.BOOL));
        }

        /** Comparisons only: the logical ops convert their operands to bool first. */
        @Override
        public boolean hasOutKernel(NoAttrs attrs) {
            return !logical;
        }

        @Override
        public void computeInto(NoAttrs attrs, Tensor[] in, Tensor[] out) {
            if (logical) {
                super.computeInto(attrs, in, out);
            }
            K.binaryInto(name(), kernel, in[0], in[1], Specs.resultType(in[0], in[1]), out[0]);
        }
    }

    public static final OpDef<NoAttrs> EQ = new Compare("eq", BinaryOp.EQ, false);
    public static final OpDef<NoAttrs> NE = new Compare("ne", BinaryOp.NE, false);
    public static final OpDef<NoAttrs> LT = new Compare("lt", BinaryOp.LT, false);
    public static final OpDef<NoAttrs> LE = new Compare("le", BinaryOp.LE, false);
    public static final OpDef<NoAttrs> GT = new Compare("gt", BinaryOp.GT, false);
    public static final OpDef<NoAttrs> GE = new Compare("ge", BinaryOp.GE, false);
    public static final OpDef<NoAttrs> LOGICAL_AND = new Compare("logicalAnd", BinaryOp.LOGICAL_AND, true);
    public static final OpDef<NoAttrs> LOGICAL_OR = new Compare("logicalOr", BinaryOp.LOGICAL_OR, true);
    public static final OpDef<NoAttrs> LOGICAL_XOR = new Compare("logicalXor", BinaryOp.LOGICAL_XOR, true);

    public static final OpDef<NoAttrs> LOGICAL_NOT = new NonDifferentiable<>("logicalNot", 1) {
        @Override
        public TensorSpec[] infer(NoAttrs attrs, TensorSpec... in) {
            return Specs.one(in[0].shape(), DType.BOOL);
        }

        @Override
        public Tensor[] compute(NoAttrs attrs, Tensor[] in) {
            return Specs.one(K.logicalNot(in[0].dtype() == DType.BOOL ? in[0] : in[0].ne(0.0)));
        }
    };

    /** Every definition of this family, in declaration order. */
    static final List<OpDef<?>> ALL = List.of(ADD, SUB, MUL, DIV, POW, ATAN2, FMOD, REMAINDER, MAXIMUM, MINIMUM,
            NEG, ABS, SIGN, EXP, LOG, SQRT, RSQRT, SQUARE, RECIPROCAL, SIN, COS, TANH, SIGMOID, ERF, LOG1P, EXPM1, RELU,
            FLOOR, CEIL, ROUND, TRUNC, THRESHOLD_BACKWARD, ADD_SCALAR, RSUB_SCALAR, MUL_SCALAR, DIV_SCALAR, RDIV_SCALAR,
            RPOW_SCALAR, POW_SCALAR,
            CLAMP, CAST, WHERE, EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR, LOGICAL_NOT);
}
