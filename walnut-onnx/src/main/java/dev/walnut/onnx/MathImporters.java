package dev.walnut.onnx;

import static dev.walnut.onnx.OnnxOp.one;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.nn.functional.Activations;

import java.util.Arrays;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * Elementwise arithmetic, comparisons, activations, reductions, softmax and matrix products.
 * ONNX's broadcasting is NumPy's, as is Walnut's, so binary ops map one to one; only integer
 * division and {@code Mod} need care (ONNX truncates and picks the divisor's sign).
 */
final class MathImporters {
    private MathImporters() {
    }

    static void register(Map<String, OnnxOp> ops) {
        unary(ops, "Relu", Tensor::relu);
        unary(ops, "Sigmoid", Tensor::sigmoid);
        unary(ops, "Tanh", Tensor::tanh);
        unary(ops, "Erf", Tensor::erf);
        unary(ops, "Exp", Tensor::exp);
        unary(ops, "Log", Tensor::log);
        unary(ops, "Sqrt", Tensor::sqrt);
        unary(ops, "Reciprocal", Tensor::reciprocal);
        unary(ops, "Neg", Tensor::neg);
        unary(ops, "Abs", Tensor::abs);
        unary(ops, "Floor", Tensor::floor);
        unary(ops, "Ceil", Tensor::ceil);
        unary(ops, "Round", Tensor::round);
        unary(ops, "Sin", Tensor::sin);
        unary(ops, "Cos", Tensor::cos);
        unary(ops, "Sign", Tensor::sign);
        unary(ops, "Not", Tensor::logicalNot);
        unary(ops, "IsNaN", x -> x.ne(x));
        ops.put("IsInf", n -> {
            Tensor x = n.required(0);
            boolean positive = n.attrInt("detect_positive", 1) != 0, negative = n.attrInt("detect_negative", 1) != 0;
            Tensor pos = x.eq(Double.POSITIVE_INFINITY), neg = x.eq(Double.NEGATIVE_INFINITY);
            return one(positive && negative ? pos.logicalOr(neg) : positive ? pos : negative ? neg
                    : Tensor.zeros(x.shape(), DType.BOOL));
        });
        unary(ops, "Softsign", x -> x.div(x.abs().add(1.0)));
        unary(ops, "Softplus", Activations::softplus);
        unary(ops, "HardSwish", Activations::hardswish);
        unary(ops, "Mish", Activations::mish);
        ops.put("LeakyRelu", n -> one(Activations.leakyRelu(n.required(0), n.attrFloat("alpha", 0.01))));
        ops.put("Elu", n -> one(Activations.elu(n.required(0), n.attrFloat("alpha", 1.0))));
        ops.put("Celu", n -> {
            Tensor x = n.required(0);
            double alpha = n.attrFloat("alpha", 1.0);
            return one(x.clampMin(0).add(x.div(alpha).clampMax(0).expm1().mul(alpha)));
        });
        ops.put("Selu", n -> {
            Tensor x = n.required(0);
            double alpha = n.attrFloat("alpha", 1.67326319217681884765625);
            double gamma = n.attrFloat("gamma", 1.05070102214813232421875);
            return one(x.clampMin(0).add(x.clampMax(0).expm1().mul(alpha)).mul(gamma));
        });
        ops.put("HardSigmoid", n -> {
            Tensor x = n.required(0);
            return one(x.mul(n.attrFloat("alpha", 0.2)).add(n.attrFloat("beta", 0.5)).clamp(0, 1));
        });
        ops.put("ThresholdedRelu", n -> {
            Tensor x = n.required(0);
            return one(x.mul(x.gt(n.attrFloat("alpha", 1.0)).to(x.dtype())));
        });
        ops.put("PRelu", n -> {
            Tensor x = n.required(0), slope = n.required(1);
            return one(Tensor.where(x.lt(0), x.mul(slope), x));
        });
        ops.put("Gelu", n -> one(Activations.gelu(n.required(0), n.attrString("approximate", "none"))));
        ops.put("Clip", n -> {
            Tensor x = n.required(0);
            Tensor min = n.input(1), max = n.input(2);
            Tensor y = x;
            if (min != null) {
                y = y.clampMin(min.reshape().item());
            }
            if (max != null) {
                y = y.clampMax(max.reshape().item());
            }
            return one(y);
        });
        ops.put("Dropout", n -> {
            Tensor mode = n.input(2);
            if (mode != null && mode.reshape().item() != 0) {
                throw n.fail("training_mode = true is not supported: an imported Dropout runs as in inference");
            }
            Tensor x = n.required(0);
            return new Tensor[] {x, n.wantsOutput(1) ? Tensor.ones(x.shape(), DType.BOOL) : null};
        });

        binary(ops, "Add", Tensor::add);
        binary(ops, "Sub", Tensor::sub);
        binary(ops, "Mul", Tensor::mul);
        binary(ops, "Div", MathImporters::div);
        binary(ops, "Pow", MathImporters::pow);
        binary(ops, "Equal", Tensor::eq);
        binary(ops, "Less", Tensor::lt);
        binary(ops, "LessOrEqual", Tensor::le);
        binary(ops, "Greater", Tensor::gt);
        binary(ops, "GreaterOrEqual", Tensor::ge);
        binary(ops, "And", Tensor::logicalAnd);
        binary(ops, "Or", Tensor::logicalOr);
        binary(ops, "Xor", Tensor::logicalXor);
        variadic(ops, "Max", Tensor::maximum);
        variadic(ops, "Min", Tensor::minimum);
        variadic(ops, "Sum", Tensor::add);
        ops.put("Mean", n -> {
            Tensor s = n.required(0);
            for (int i = 1; i < n.inputCount(); i++) {
                s = s.add(n.required(i));
            }
            return one(s.div((double) n.inputCount()));
        });
        ops.put("Mod", n -> {
            Tensor a = n.required(0), b = n.required(1);
            return one(n.attrInt("fmod", 0) != 0 ? a.fmod(b) : a.remainder(b));
        });
        ops.put("Where", n -> one(Tensor.where(n.required(0), n.required(1), n.required(2))));

        ops.put("MatMul", n -> one(n.required(0).matmul(n.required(1))));
        ops.put("Gemm", MathImporters::gemm);
        ops.put("Softmax", n -> {
            Tensor x = n.required(0);
            return one(x.softmax(n.axis(n.attrInt("axis", -1), x.dim(), "axis")));
        });
        ops.put("LogSoftmax", n -> {
            Tensor x = n.required(0);
            return one(x.logSoftmax(n.axis(n.attrInt("axis", -1), x.dim(), "axis")));
        });

        reduce(ops, "ReduceSum", 13, (x, d, k) -> x.sum(d, k));
        reduce(ops, "ReduceMean", 18, (x, d, k) -> x.mean(d, k));
        reduce(ops, "ReduceMax", 18, (x, d, k) -> x.amax(d, k));
        reduce(ops, "ReduceMin", 18, (x, d, k) -> x.amin(d, k));
        reduce(ops, "ReduceProd", 18, (x, d, k) -> {
            Tensor y = x;
            for (int i = d.length - 1; i >= 0; i--) {
                y = y.prod(d[i], k);
            }
            return y;
        });
        reduce(ops, "ReduceL1", 18, (x, d, k) -> x.abs().sum(d, k));
        reduce(ops, "ReduceL2", 18, (x, d, k) -> x.square().sum(d, k).sqrt());
        reduce(ops, "ReduceSumSquare", 18, (x, d, k) -> x.square().sum(d, k));
        reduce(ops, "ReduceLogSumExp", 18, (x, d, k) -> x.logsumexp(d, k));
        reduce(ops, "ReduceLogSum", 18, (x, d, k) -> x.sum(d, k).log());
        ops.put("Hardmax", n -> {
            Tensor x = n.required(0);
            int axis = n.axis(n.attrInt("axis", -1), x.dim(), "axis");
            Tensor idx = x.argmax(axis, true);
            long[] shape = new long[x.dim()];
            java.util.Arrays.fill(shape, 1);
            shape[axis] = x.size(axis);
            return one(idx.eq(Tensor.arange(x.size(axis)).reshape(shape)).to(x.dtype()));
        });
        ops.put("Shrink", n -> {
            Tensor x = n.required(0);
            double lambd = n.attrFloat("lambd", 0.5), bias = n.attrFloat("bias", 0.0);
            Tensor zero = Tensor.zerosLike(x);
            return one(Tensor.where(x.lt(-lambd), x.add(bias), Tensor.where(x.gt(lambd), x.sub(bias), zero)));
        });
        ops.put("ArgMax", n -> argReduce(n, true));
        ops.put("ArgMin", n -> argReduce(n, false));
        ops.put("TopK", n -> {
            Tensor x = n.required(0);
            int axis = n.axis(n.attrInt("axis", -1), x.dim(), "axis");
            var r = x.topk(n.longs(1)[0], axis, n.attrInt("largest", 1) != 0, true);
            return new Tensor[] {r.values(), r.indices()};
        });
    }

    private static void unary(Map<String, OnnxOp> ops, String name, UnaryOperator<Tensor> f) {
        ops.put(name, n -> one(f.apply(n.required(0))));
    }

    private static void binary(Map<String, OnnxOp> ops, String name, BinaryOperator<Tensor> f) {
        ops.put(name, n -> one(f.apply(n.required(0), n.required(1))));
    }

    private static void variadic(Map<String, OnnxOp> ops, String name, BinaryOperator<Tensor> f) {
        ops.put(name, n -> {
            Tensor acc = n.required(0);
            for (int i = 1; i < n.inputCount(); i++) {
                acc = f.apply(acc, n.required(i));
            }
            return one(acc);
        });
    }

    /** ONNX Div: true division for floats, truncating division for integers (Walnut's div gives floats). */
    static Tensor div(Tensor a, Tensor b) {
        if (a.dtype().isFloatingPoint() || b.dtype().isFloatingPoint()) {
            return a.div(b);
        }
        DType dt = DType.promote(a.dtype(), b.dtype());
        return a.to(DType.F64).div(b.to(DType.F64)).trunc().to(dt);
    }

    /**
     * ONNX Pow. A constant scalar exponent (the exporters' {@code x ^ 2} in decomposed norms) goes
     * through {@code pow(double)}, whose gradient never evaluates {@code log(x)} for negative x.
     */
    static Tensor pow(Tensor x, Tensor y) {
        if (y.numel() == 1 && !y.requiresGrad() && y.dim() <= x.dim()) {
            return x.pow(y.reshape().item());
        }
        return x.pow(y.to(x.dtype()));
    }

    private static Tensor[] gemm(NodeCall n) {
        Tensor a = n.required(0), b = n.required(1), c = n.input(2);
        double alpha = n.attrFloat("alpha", 1.0), beta = n.attrFloat("beta", 1.0);
        if (a.dim() != 2 || b.dim() != 2) {
            throw n.fail("A and B must be matrices");
        }
        if (n.attrInt("transA", 0) != 0) {
            a = a.t();
        }
        if (n.attrInt("transB", 0) != 0) {
            b = b.t();
        }
        Tensor y = a.matmul(b);
        if (alpha != 1.0) {
            y = y.mul(alpha);
        }
        if (c != null) {
            y = y.add(beta == 1.0 ? c : c.mul(beta));
        }
        return one(y);
    }

    @FunctionalInterface
    private interface Reduction {
        Tensor apply(Tensor x, int[] dims, boolean keepDim);
    }

    /**
     * A Reduce* op. From {@code axesInputSince} on the axes are the second input, before an
     * attribute; no axes means all of them, or the identity with noop_with_empty_axes.
     */
    private static void reduce(Map<String, OnnxOp> ops, String name, int axesInputSince, Reduction r) {
        ops.put(name, n -> {
            Tensor x = n.required(0);
            long[] axes = n.opset() >= axesInputSince ? (n.input(1) == null ? null : n.longs(1)) : n.attrInts("axes");
            boolean keep = n.attrInt("keepdims", 1) != 0;
            if (axes == null || axes.length == 0) {
                if (n.attrInt("noop_with_empty_axes", 0) != 0) {
                    return one(x);
                }
                axes = new long[x.dim()];
                for (int i = 0; i < axes.length; i++) {
                    axes[i] = i;
                }
            }
            int[] dims = new int[axes.length];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = n.axis(axes[i], x.dim(), "axis");
            }
            Arrays.sort(dims);
            if (x.dim() == 0) {
                return one(x);
            }
            return one(r.apply(x, dims, keep));
        });
    }

    private static Tensor[] argReduce(NodeCall n, boolean max) {
        Tensor x = n.required(0);
        int axis = n.axis(n.attrInt("axis", 0), x.dim(), "axis");
        boolean keep = n.attrInt("keepdims", 1) != 0;
        if (n.attrInt("select_last_index", 0) != 0) {
            // The last of equal values: the first on the flipped axis, mirrored back.
            Tensor flipped = x.flip(axis);
            Tensor i = max ? flipped.argmax(axis, keep) : flipped.argmin(axis, keep);
            return one(i.rsub(x.size(axis) - 1).to(DType.I64));
        }
        return one(max ? x.argmax(axis, keep) : x.argmin(axis, keep));
    }
}
