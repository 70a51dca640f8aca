package dev.walnut.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.PrimitiveOp;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradOptions;
import dev.walnut.dispatch.Dispatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The op registry, checked as data (issue 12): every definition in {@link Ops#all()} has example
 * calls here, and on each one its shape and dtype inference agrees with what the kernel
 * produces, the dispatcher's eager mode records a node carrying the op and its attributes, its
 * forward rule (JVP) matches float64 central differences {@code (f(x + eps v) - f(x - eps v)) / 2
 * eps}, and its reverse rule agrees with its forward rule ({@code <u, J v> == <J^T u, v>}).
 * Non-differentiable ops give zero tangents and record nothing. Reverse rules are also checked
 * against finite differences, op by op, in {@code OpGradCheckTest}; this test fails when a
 * differentiable definition's node name has no row there.
 */
class OpRegistryTest {
    private static final double EPS = 1e-6;

    /** One call of an op: attributes and a way to make fresh float64 inputs. */
    record Example(OpDef<Object> op, Object attrs, String label, Function<Generator, Tensor[]> inputs) {
        @Override
        public String toString() {
            return op.name() + (label.isEmpty() ? "" : " (" + label + ")");
        }
    }

    /** Input domains that keep every op away from its kinks, poles and ties. */
    enum Domain {
        REAL, POSITIVE, AWAY_FROM_ZERO
    }

    static Tensor f64(Generator gen, Domain d, long... shape) {
        Tensor t = Tensor.randn(shape, DType.F64, gen);
        return switch (d) {
            case REAL -> t;
            case POSITIVE -> t.abs().add(0.5);
            case AWAY_FROM_ZERO -> t.sign().mul(t.abs().add(0.3));
        };
    }

    @SuppressWarnings("unchecked")
    static <A> Example ex(OpDef<A> op, A attrs, String label, Function<Generator, Tensor[]> inputs) {
        return new Example((OpDef<Object>) op, attrs, label, inputs);
    }

    private static Example unary(OpDef<NoAttrs> op, Domain d) {
        return ex(op, NoAttrs.NONE, "", g -> new Tensor[] {f64(g, d, 2, 3)});
    }

    private static List<Example> binary(OpDef<NoAttrs> op, Domain a, Domain b) {
        return List.of(ex(op, NoAttrs.NONE, "same shape", g -> new Tensor[] {f64(g, a, 2, 3), f64(g, b, 2, 3)}),
                ex(op, NoAttrs.NONE, "broadcast", g -> new Tensor[] {f64(g, a, 2, 3), f64(g, b, 3)}),
                ex(op, NoAttrs.NONE, "0-d second", g -> new Tensor[] {f64(g, a, 2, 3), f64(g, b)}),
                ex(op, NoAttrs.NONE, "transposed", g -> new Tensor[] {f64(g, a, 3, 2).t(), f64(g, b, 2, 1)}));
    }

    static List<Example> examples() {
        var rows = new ArrayList<Example>();
        rows.addAll(binary(ElementwiseOps.ADD, Domain.REAL, Domain.REAL));
        rows.addAll(binary(ElementwiseOps.SUB, Domain.REAL, Domain.REAL));
        rows.addAll(binary(ElementwiseOps.MUL, Domain.REAL, Domain.REAL));
        rows.addAll(binary(ElementwiseOps.DIV, Domain.REAL, Domain.AWAY_FROM_ZERO));
        rows.addAll(binary(ElementwiseOps.POW, Domain.POSITIVE, Domain.REAL));
        rows.addAll(binary(ElementwiseOps.ATAN2, Domain.REAL, Domain.AWAY_FROM_ZERO));
        rows.addAll(binary(ElementwiseOps.FMOD, Domain.REAL, Domain.AWAY_FROM_ZERO));
        rows.addAll(binary(ElementwiseOps.REMAINDER, Domain.REAL, Domain.AWAY_FROM_ZERO));
        rows.addAll(binary(ElementwiseOps.MAXIMUM, Domain.REAL, Domain.REAL));
        rows.addAll(binary(ElementwiseOps.MINIMUM, Domain.REAL, Domain.REAL));
        rows.add(unary(ElementwiseOps.NEG, Domain.REAL));
        rows.add(unary(ElementwiseOps.ABS, Domain.AWAY_FROM_ZERO));
        rows.add(unary(ElementwiseOps.SIGN, Domain.AWAY_FROM_ZERO));
        rows.add(unary(ElementwiseOps.EXP, Domain.REAL));
        rows.add(unary(ElementwiseOps.LOG, Domain.POSITIVE));
        rows.add(unary(ElementwiseOps.SQRT, Domain.POSITIVE));
        rows.add(unary(ElementwiseOps.RSQRT, Domain.POSITIVE));
        rows.add(unary(ElementwiseOps.SQUARE, Domain.REAL));
        rows.add(unary(ElementwiseOps.RECIPROCAL, Domain.AWAY_FROM_ZERO));
        rows.add(unary(ElementwiseOps.SIN, Domain.REAL));
        rows.add(unary(ElementwiseOps.COS, Domain.REAL));
        rows.add(unary(ElementwiseOps.TANH, Domain.REAL));
        rows.add(unary(ElementwiseOps.SIGMOID, Domain.REAL));
        rows.add(unary(ElementwiseOps.ERF, Domain.REAL));
        rows.add(unary(ElementwiseOps.LOG1P, Domain.POSITIVE));
        rows.add(unary(ElementwiseOps.EXPM1, Domain.REAL));
        rows.add(unary(ElementwiseOps.RELU, Domain.AWAY_FROM_ZERO));
        for (var op : List.of(ElementwiseOps.FLOOR, ElementwiseOps.CEIL, ElementwiseOps.ROUND, ElementwiseOps.TRUNC)) {
            rows.add(ex(op, NoAttrs.NONE, "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3).mul(3.0).add(0.1)}));
        }
        rows.add(ex(ElementwiseOps.RPOW_SCALAR, new ElementwiseOps.Scalar(2.5, false), "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3)}));
        rows.add(ex(ElementwiseOps.RPOW_SCALAR, new ElementwiseOps.Scalar(0.0, false), "zero base",
                g -> new Tensor[] {f64(g, Domain.POSITIVE, 2, 3)}));
        rows.add(ex(ElementwiseOps.THRESHOLD_BACKWARD, new ElementwiseOps.Threshold(0.25), "",
                g -> new Tensor[] {f64(g, Domain.REAL, 2, 3), f64(g, Domain.REAL, 2, 3).add(0.25)}));
        for (var op : List.of(ElementwiseOps.ADD_SCALAR, ElementwiseOps.RSUB_SCALAR, ElementwiseOps.MUL_SCALAR,
                ElementwiseOps.DIV_SCALAR)) {
            rows.add(ex(op, new ElementwiseOps.Scalar(-1.75, false), "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3)}));
        }
        rows.add(ex(ElementwiseOps.RDIV_SCALAR, new ElementwiseOps.Scalar(2.5, false), "",
                g -> new Tensor[] {f64(g, Domain.AWAY_FROM_ZERO, 2, 3)}));
        rows.add(ex(ElementwiseOps.POW_SCALAR, new ElementwiseOps.Scalar(2.5, false), "",
                g -> new Tensor[] {f64(g, Domain.POSITIVE, 2, 3)}));
        rows.add(ex(ElementwiseOps.POW_SCALAR, new ElementwiseOps.Scalar(0.0, false), "exponent 0",
                g -> new Tensor[] {f64(g, Domain.POSITIVE, 2, 3)}));
        rows.add(ex(ElementwiseOps.CLAMP, new ElementwiseOps.Clamp(-0.5, 0.5), "",
                g -> new Tensor[] {f64(g, Domain.REAL, 4, 5).mul(3.0).add(0.02)}));
        rows.add(ex(ElementwiseOps.CAST, new ElementwiseOps.Cast(DType.F64), "to F64", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3)}));
        rows.add(ex(ElementwiseOps.CAST, new ElementwiseOps.Cast(DType.I64), "to I64 (not differentiable)",
                g -> new Tensor[] {f64(g, Domain.REAL, 2, 3).mul(4.0)}));
        rows.add(ex(ElementwiseOps.WHERE, NoAttrs.NONE, "", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 3).gt(0.0), f64(g, Domain.REAL, 2, 3), f64(g, Domain.REAL, 3)}));
        for (var op : List.of(ElementwiseOps.EQ, ElementwiseOps.NE, ElementwiseOps.LT, ElementwiseOps.LE, ElementwiseOps.GT,
                ElementwiseOps.GE, ElementwiseOps.LOGICAL_AND, ElementwiseOps.LOGICAL_OR, ElementwiseOps.LOGICAL_XOR)) {
            rows.add(ex(op, NoAttrs.NONE, "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3), f64(g, Domain.REAL, 3)}));
        }
        rows.add(ex(ElementwiseOps.LOGICAL_NOT, NoAttrs.NONE, "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3).gt(0.0)}));

        // Reductions: all dims, one dim kept, negative dims, a transposed input.
        for (var op : List.of(ReductionOps.SUM, ReductionOps.MEAN, ReductionOps.PROD, ReductionOps.AMAX, ReductionOps.AMIN,
                ReductionOps.LOGSUMEXP, ReductionOps.NORM2)) {
            rows.add(ex(op, new ReductionOps.Reduce(null, false), "all", g -> new Tensor[] {f64(g, Domain.AWAY_FROM_ZERO, 2, 3)}));
            rows.add(ex(op, new ReductionOps.Reduce(new int[] {1}, true), "dim 1 kept",
                    g -> new Tensor[] {f64(g, Domain.AWAY_FROM_ZERO, 2, 3, 4)}));
            rows.add(ex(op, new ReductionOps.Reduce(new int[] {0, -1}, false), "dims 0 and -1 of a transpose",
                    g -> new Tensor[] {f64(g, Domain.AWAY_FROM_ZERO, 4, 3, 2).transpose(0, 2)}));
        }
        rows.add(ex(ReductionOps.PROD, new ReductionOps.Reduce(new int[] {1}, false), "with zeros",
                g -> new Tensor[] {Tensor.fromArray(new double[] {2, 0, 3, 1.5, -1, 0, 0, 4}, 2, 4)}));
        rows.add(ex(ReductionOps.SUM, new ReductionOps.Reduce(null, false), "of I32 gives I64",
                g -> new Tensor[] {Tensor.fromArray(new int[] {1, 2, 3}, 3)}));
        for (var op : List.of(ReductionOps.MAX_DIM, ReductionOps.MIN_DIM)) {
            rows.add(ex(op, new ReductionOps.Dim(1, false), "dim 1", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3, 4)}));
            rows.add(ex(op, new ReductionOps.Dim(-1, true), "dim -1 kept", g -> new Tensor[] {f64(g, Domain.REAL, 3, 4)}));
            rows.add(ex(op, new ReductionOps.Dim(0, false), "0-d", g -> new Tensor[] {f64(g, Domain.REAL)}));
        }
        for (var op : List.of(ReductionOps.SOFTMAX, ReductionOps.LOG_SOFTMAX)) {
            rows.add(ex(op, new ReductionOps.Softmax(-1), "last dim", g -> new Tensor[] {f64(g, Domain.REAL, 2, 5)}));
            rows.add(ex(op, new ReductionOps.Softmax(0), "dim 0 of a transpose", g -> new Tensor[] {f64(g, Domain.REAL, 4, 3).t()}));
        }

        // Layout ops, with the normalized attributes the tensor methods pass.
        rows.add(ex(ViewOps.RESHAPE, new ViewOps.Shape(new long[] {3, 2}), "contiguous", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3)}));
        rows.add(ex(ViewOps.RESHAPE, new ViewOps.Shape(new long[] {6}), "of a transpose (copies)",
                g -> new Tensor[] {f64(g, Domain.REAL, 3, 2).t()}));
        rows.add(ex(ViewOps.VIEW, new ViewOps.Shape(new long[] {2, 1, 3}), "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3)}));
        rows.add(ex(ViewOps.PERMUTE, new ViewOps.Permute(new int[] {2, 0, 1}), "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3, 4)}));
        rows.add(ex(ViewOps.TRANSPOSE, new ViewOps.Transpose(0, 2), "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3, 4)}));
        rows.add(ex(ViewOps.EXPAND, new ViewOps.Shape(new long[] {4, 2, 3}), "new and size-1 dims",
                g -> new Tensor[] {f64(g, Domain.REAL, 2, 1)}));
        rows.add(ex(ViewOps.SLICE, new ViewOps.Slice(1, 1, 2, 2), "step 2", g -> new Tensor[] {f64(g, Domain.REAL, 2, 5)}));
        rows.add(ex(ViewOps.SELECT, new ViewOps.Select(0, 1), "", g -> new Tensor[] {f64(g, Domain.REAL, 3, 4)}));
        rows.add(ex(ViewOps.EMBED, new ViewOps.Embed(new long[] {2, 5}, 1, 1, 2), "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 2)}));
        rows.add(ex(ViewOps.CLONE, NoAttrs.NONE, "of a transpose", g -> new Tensor[] {f64(g, Domain.REAL, 3, 2).t()}));
        rows.add(ex(ViewOps.CAT, new ViewOps.Cat(1), "three parts", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 1), f64(g, Domain.REAL, 2, 3), f64(g, Domain.REAL, 2, 2)}));
        rows.add(ex(ViewOps.CAT, new ViewOps.Cat(0), "I32 and F64 promote", g -> new Tensor[] {
                Tensor.fromArray(new int[] {1, 2}, 1, 2), f64(g, Domain.REAL, 2, 2)}));

        rows.add(ex(LinalgOps.MATMUL, NoAttrs.NONE, "2-d", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3), f64(g, Domain.REAL, 3, 4)}));
        rows.add(ex(LinalgOps.MATMUL, NoAttrs.NONE, "transposed operands", g -> new Tensor[] {
                f64(g, Domain.REAL, 3, 2).t(), f64(g, Domain.REAL, 4, 3).t()}));
        rows.add(ex(LinalgOps.MATMUL, NoAttrs.NONE, "broadcast batch", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 1, 2, 3), f64(g, Domain.REAL, 4, 3, 2)}));
        rows.add(ex(LinalgOps.MATMUL, NoAttrs.NONE, "matrix times batch", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 3), f64(g, Domain.REAL, 5, 3, 2)}));

        rows.add(ex(ShapeContentOps.PAD, new ShapeContentOps.Pad(new long[] {1, 2, -1, 1}, 0.5), "pads and a crop",
                g -> new Tensor[] {f64(g, Domain.REAL, 2, 3, 4)}));
        rows.add(ex(ShapeContentOps.FLIP, new ShapeContentOps.Dims(new int[] {0, 2}), "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3, 4)}));
        rows.add(ex(ShapeContentOps.DIAGONAL, new ShapeContentOps.Diagonal(1, 0, 2), "", g -> new Tensor[] {f64(g, Domain.REAL, 3, 2, 4)}));
        rows.add(ex(ShapeContentOps.DIAG_EMBED, new ShapeContentOps.DiagEmbed(new long[] {3, 4}, -1, 0, 1), "",
                g -> new Tensor[] {f64(g, Domain.REAL, 2)}));
        rows.add(ex(ShapeContentOps.CUMSUM, new ShapeContentOps.Dim(1), "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 4)}));
        rows.add(ex(ShapeContentOps.CUMPROD, new ShapeContentOps.Dim(1), "", g -> new Tensor[] {f64(g, Domain.AWAY_FROM_ZERO, 2, 4)}));
        rows.add(ex(ShapeContentOps.CUMPROD, new ShapeContentOps.Dim(0), "with zeros", g -> new Tensor[] {
                Tensor.fromArray(new double[] {2, 0, 1.5, 0, -1, 0.5, 3, 2}, 4, 2)}));
        rows.add(ex(ShapeContentOps.SORT, new ShapeContentOps.Sort(1, true), "", g -> new Tensor[] {f64(g, Domain.REAL, 3, 5)}));
        rows.add(ex(ShapeContentOps.TOPK, new ShapeContentOps.TopK(2, 0, false), "", g -> new Tensor[] {f64(g, Domain.REAL, 5, 3)}));
        rows.add(ex(ShapeContentOps.PERMUTE_ALONG_DIM, new ShapeContentOps.Dim(1), "", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 3), Tensor.fromArray(new long[] {2, 0, 1, 1, 2, 0}, 2, 3)}));

        var window = new WindowOps.Window(new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1});
        rows.add(ex(WindowOps.IM2COL, window, "", g -> new Tensor[] {f64(g, Domain.REAL, 1, 2, 3, 3)}));
        rows.add(ex(WindowOps.COL2IM, new WindowOps.Fold(new int[] {3, 3}, window), "", g -> new Tensor[] {f64(g, Domain.REAL, 1, 8, 4)}));
        rows.add(ex(WindowOps.CONVOLUTION, NoAttrs.NONE, "shifted GEMMs, with bias", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 2, 5, 4), f64(g, Domain.REAL, 3, 2, 3, 2), f64(g, Domain.REAL, 3)}));
        rows.add(ex(WindowOps.CONVOLUTION, NoAttrs.NONE, "direct kernels (shallow), no bias", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 1, 5, 5), f64(g, Domain.REAL, 6, 1, 2, 2)}));
        rows.add(ex(WindowOps.STRIDED_CONVOLUTION, new WindowOps.Stride(2, 2), "3x3 stride 2, with bias",
                g -> new Tensor[] {f64(g, Domain.REAL, 2, 2, 7, 6), f64(g, Domain.REAL, 3, 2, 3, 3), f64(g, Domain.REAL, 3)}));
        rows.add(ex(WindowOps.STRIDED_CONVOLUTION, new WindowOps.Stride(3, 2), "1x1 stride [3,2], no bias",
                g -> new Tensor[] {f64(g, Domain.REAL, 1, 3, 7, 5), f64(g, Domain.REAL, 2, 3, 1, 1)}));
        rows.add(ex(WindowOps.DEPTHWISE_CONV2D, new WindowOps.DepthwiseWindow(2, 1, 1, 0, 1, 2),
                "stride [2,1], padding [1,0], dilation [1,2], multiplier 2, with bias", g -> new Tensor[] {
                        f64(g, Domain.REAL, 2, 2, 5, 6), f64(g, Domain.REAL, 4, 1, 3, 2), f64(g, Domain.REAL, 4)}));
        rows.add(ex(WindowOps.DEPTHWISE_CONV2D, new WindowOps.DepthwiseWindow(1, 1, 1, 1, 1, 1), "3x3 same, no bias",
                g -> new Tensor[] {f64(g, Domain.REAL, 1, 3, 4, 4), f64(g, Domain.REAL, 3, 1, 3, 3)}));
        rows.add(ex(FusedOps.CONV2D, new FusedOps.Conv2d(null, 0, Double.POSITIVE_INFINITY), "dense + bias + relu",
                g -> new Tensor[] {f64(g, Domain.REAL, 2, 2, 5, 4), f64(g, Domain.REAL, 3, 2, 3, 2), f64(g, Domain.REAL, 3)}));
        rows.add(ex(FusedOps.CONV2D, new FusedOps.Conv2d(new WindowOps.DepthwiseWindow(2, 1, 1, 0, 1, 1), -0.5, 0.5),
                "depthwise + bias + clamp", g -> new Tensor[] {f64(g, Domain.REAL, 2, 2, 5, 6),
                        f64(g, Domain.REAL, 2, 1, 3, 2), f64(g, Domain.REAL, 2)}));
        rows.add(ex(FusedOps.CONV2D, new FusedOps.Conv2d(null, 0, 6, new long[] {0, 1, 1, 2}, true),
                "dense, asymmetric pad, bias, residual + relu6", g -> new Tensor[] {f64(g, Domain.REAL, 2, 2, 4, 5),
                        f64(g, Domain.REAL, 3, 2, 3, 2), f64(g, Domain.REAL, 3), f64(g, Domain.REAL, 2, 3, 5, 5)}));
        rows.add(ex(FusedOps.CONV2D, new FusedOps.Conv2d(null, 0, Double.POSITIVE_INFINITY, new long[] {1, 1, 1, 1}, true,
                new int[] {2, 2}), "dense stride 2, pad, bias, residual + relu", g -> new Tensor[] {
                        f64(g, Domain.REAL, 2, 2, 5, 6), f64(g, Domain.REAL, 3, 2, 3, 3), f64(g, Domain.REAL, 3),
                        f64(g, Domain.REAL, 2, 3, 3, 3)}));
        rows.add(ex(FusedOps.CONV2D, new FusedOps.Conv2d(null, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, null,
                true), "1x1, residual, no bias", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3, 3, 3),
                        f64(g, Domain.REAL, 4, 3, 1, 1), f64(g, Domain.REAL, 2, 4, 3, 3)}));
        rows.add(ex(FusedOps.MAX_POOL2D_VALUES, new WindowOps.Pool(new int[] {3, 3, 2, 2, 1, 1, 1, 1}, 3, 3, null),
                "values only, k3 stride 2 padding 1", g -> new Tensor[] {f64(g, Domain.REAL, 1, 2, 5, 6)}));
        rows.add(ex(FusedOps.ATTENTION, new FusedOps.Attention(0.5), "[B, L, d] items", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 3, 4), f64(g, Domain.REAL, 2, 5, 4), f64(g, Domain.REAL, 2, 5, 3)}));
        rows.add(ex(FusedOps.ATTENTION, new FusedOps.Attention(0.5, true), "heads-last [B, L, H, d]", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 3, 2, 4), f64(g, Domain.REAL, 2, 5, 2, 4), f64(g, Domain.REAL, 2, 5, 2, 3)}));
        int[] geometry = {2, 2, 2, 2, 0, 0, 1, 1};
        rows.add(ex(WindowOps.MAX_POOL2D, new WindowOps.Pool(geometry, 2, 2, null), "2x2 stride 2",
                g -> new Tensor[] {f64(g, Domain.REAL, 1, 2, 4, 4)}));
        rows.add(ex(WindowOps.MAX_POOL2D, new WindowOps.Pool(null, 2, 3, null), "adaptive 5x7 to 2x3",
                g -> new Tensor[] {f64(g, Domain.REAL, 1, 2, 5, 7)}));
        var avg = new WindowOps.Pool(null, 2, 2, new double[] {4, 4, 4, 4});
        rows.add(ex(WindowOps.AVG_POOL2D, avg, "adaptive 4x4 to 2x2", g -> new Tensor[] {f64(g, Domain.REAL, 1, 2, 4, 4)}));
        rows.add(ex(WindowOps.AVG_POOL2D, new WindowOps.Pool(geometry, 2, 2, new double[] {4, 4, 4, 4}), "2x2 stride 2",
                g -> new Tensor[] {f64(g, Domain.REAL, 1, 2, 4, 4)}));
        rows.add(ex(WindowOps.AVG_POOL2D_BACKWARD, new WindowOps.PoolBackward(avg, new long[] {1, 2, 4, 4}), "",
                g -> new Tensor[] {f64(g, Domain.REAL, 1, 2, 2, 2)}));
        rows.add(ex(WindowOps.MAX_UNPOOL2D, new WindowOps.Unpool("maxUnpool2d", 4, 4), "", g -> new Tensor[] {
                f64(g, Domain.REAL, 1, 1, 2, 2), Tensor.fromArray(new long[] {0, 3, 9, 14}, 1, 1, 2, 2)}));
        rows.add(ex(WindowOps.CONVOLUTION_INPUT_GRAD, new WindowOps.Plane(5, 4), "shifted GEMMs", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 3, 3, 3), f64(g, Domain.REAL, 3, 2, 3, 2)}));
        rows.add(ex(WindowOps.CONVOLUTION_INPUT_GRAD, new WindowOps.Plane(5, 5), "one input channel", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 6, 4, 4), f64(g, Domain.REAL, 6, 1, 2, 2)}));
        rows.add(ex(WindowOps.CONVOLUTION_WEIGHT_GRAD, new WindowOps.Plane(3, 2), "shifted GEMMs", g -> new Tensor[] {
                f64(g, Domain.REAL, 2, 2, 5, 4), f64(g, Domain.REAL, 2, 3, 3, 3)}));
        rows.add(ex(WindowOps.CONVOLUTION_WEIGHT_GRAD, new WindowOps.Plane(2, 2), "direct kernels (shallow)",
                g -> new Tensor[] {f64(g, Domain.REAL, 2, 1, 5, 5), f64(g, Domain.REAL, 2, 6, 4, 4)}));
        rows.add(ex(WindowOps.CONVOLUTION_BIAS_GRAD, NoAttrs.NONE, "", g -> new Tensor[] {f64(g, Domain.REAL, 2, 3, 4, 5)}));
        rows.add(ex(WindowOps.MAX_POOL2D_BACKWARD, new WindowOps.Plane(4, 4), "2x2 windows", g -> new Tensor[] {
                f64(g, Domain.REAL, 1, 2, 2, 2), Tensor.fromArray(new long[] {5, 2, 12, 15, 0, 7, 9, 10}, 1, 2, 2, 2)}));
        rows.addAll(IndexingOpExamples.rows());
        return rows;
    }

    // ------------------------------------------------------------------ registry-wide rules

    @Test
    void everyRegisteredOpHasAnExample() {
        Set<String> covered = new TreeSet<>();
        examples().forEach(e -> covered.add(e.op().name()));
        List<String> missing = Ops.all().stream().map(OpDef::name).filter(n -> !covered.contains(n)).toList();
        assertEquals(List.of(), missing, "ops without an example in OpRegistryTest.examples()");
    }

    @Test
    void namesAreUniqueAndLookedUpByName() {
        for (OpDef<?> op : Ops.all()) {
            assertSame(op, Ops.byName(op.name()));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Ops.byName("noSuchOp"));
        assertTrue(e.getMessage().contains("noSuchOp") && e.getMessage().contains("mul"), e.getMessage());
    }

    /** Reverse rules are checked against finite differences in OpGradCheckTest, keyed by node name. */
    @Test
    void everyDifferentiableOpHasAGradCheckRow() {
        Set<String> checked = new TreeSet<>();
        for (PrimitiveOp p : PrimitiveOp.values()) {
            checked.addAll(p.nodeNames());
        }
        List<String> missing = new ArrayList<>();
        for (Example e : examples()) {
            if (!e.op().differentiable(e.attrs())) {
                continue;
            }
            String node = e.op().nodeName(e.attrs(), e.inputs().apply(new Generator(1)));
            if (!checked.contains(node)) {
                missing.add(e.op().name() + " records " + node);
            }
        }
        assertEquals(List.of(), missing, "differentiable ops whose node has no OpGradCheckTest row");
    }

    // ------------------------------------------------------------------ per example

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void shapeAndDTypeInferenceAgreeWithTheKernel(Example e) {
        Tensor[] in = e.inputs().apply(new Generator(7));
        TensorSpec[] specs = Arrays.stream(in).map(TensorSpec::of).toArray(TensorSpec[]::new);
        TensorSpec[] inferred = e.op().infer(e.attrs(), specs);
        Tensor[] out = e.op().compute(e.attrs(), in);
        assertEquals(e.op().outputCount(), out.length);
        assertArrayEquals(Arrays.stream(out).map(TensorSpec::of).toArray(), inferred);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void eagerDispatchRecordsTheOpAndItsAttributes(Example e) {
        Tensor[] in = e.inputs().apply(new Generator(8));
        for (int i = 0; i < in.length; i++) {
            if (in[i].dtype().isFloatingPoint()) {
                in[i] = in[i].detach().setRequiresGrad(true);
            }
        }
        Tensor out = Dispatcher.callAll(e.op(), e.attrs(), in)[0];
        if (!e.op().differentiable(e.attrs()) || Arrays.stream(in).noneMatch(Tensor::requiresGrad)) {
            assertNull(out.gradFn(), "a non-differentiable op, or one without an input that requires grad, records nothing");
            return;
        }
        assertSame(e.op(), out.gradFn().op());
        assertEquals(e.attrs(), out.gradFn().attrs());
        assertEquals(e.op().nodeName(e.attrs(), in), out.gradFn().name());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void forwardRuleMatchesCentralDifferences(Example e) {
        var gen = new Generator(9);
        Tensor[] in = e.inputs().apply(gen);
        Tensor[] tangents = tangentsFor(in, gen);
        Tensor[] out = e.op().compute(e.attrs(), in);
        Tensor[] jvp;
        try (var off = Autograd.noGrad()) {
            jvp = e.op().jvp(e.attrs(), in, out, tangents);
        }
        assertEquals(out.length, jvp.length);
        if (!e.op().differentiable(e.attrs())) {
            assertTrue(Arrays.stream(jvp).allMatch(t -> t == null), "zero tangents");
            return;
        }
        Tensor[] plus = e.op().compute(e.attrs(), shifted(in, tangents, EPS));
        Tensor[] minus = e.op().compute(e.attrs(), shifted(in, tangents, -EPS));
        for (int j = 0; j < out.length; j++) {
            double[] fd = plus[j].to(DType.F64).sub(minus[j].to(DType.F64)).div(2 * EPS).toDoubleArray();
            double[] actual = jvp[j] == null ? new double[fd.length] : jvp[j].to(DType.F64).toDoubleArray();
            if (jvp[j] != null) {
                assertArrayEquals(out[j].shape(), jvp[j].shape(), "the tangent has the output's shape");
            }
            for (int k = 0; k < fd.length; k++) {
                assertEquals(fd[k], actual[k], 1e-6 * (1 + Math.abs(fd[k])), e + ": output " + j + ", element " + k);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void reverseRuleIsTheTransposeOfTheForwardRule(Example e) {
        if (!e.op().differentiable(e.attrs())) {
            return;
        }
        var gen = new Generator(10);
        Tensor[] in = e.inputs().apply(gen);
        Tensor[] tangents = tangentsFor(in, gen);
        Tensor[] leaves = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            leaves[i] = in[i].dtype().isFloatingPoint() ? in[i].detach().setRequiresGrad(true) : in[i];
        }
        Tensor[] out = Dispatcher.callAll(e.op(), e.attrs(), leaves);
        Tensor[] jvp;
        try (var off = Autograd.noGrad()) {
            jvp = e.op().jvp(e.attrs(), in, e.op().compute(e.attrs(), in), tangents);
        }
        double lhs = 0; // <u, J v>
        List<Tensor> wrt = new ArrayList<>();
        List<Tensor> dirs = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (tangents[i] != null) {
                wrt.add(leaves[i]);
                dirs.add(tangents[i]);
            }
        }
        if (wrt.isEmpty()) {
            return;
        }
        List<Tensor> roots = new ArrayList<>();
        List<Tensor> u = new ArrayList<>();
        for (int j = 0; j < out.length; j++) {
            if (!out[j].requiresGrad()) {
                continue; // integer outputs (indices) carry no gradient
            }
            Tensor uj = Tensor.randn(out[j].shape(), out[j].dtype(), gen);
            roots.add(out[j]);
            u.add(uj);
            if (jvp[j] != null) {
                lhs += uj.mul(jvp[j]).sum().item();
            }
        }
        Tensor[] vjp = Autograd.grad(roots.toArray(Tensor[]::new), wrt.toArray(Tensor[]::new), u.toArray(Tensor[]::new),
                GradOptions.defaults().allowUnused());
        double rhs = 0; // <J^T u, v>
        for (int i = 0; i < vjp.length; i++) {
            if (vjp[i] != null) {
                rhs += vjp[i].mul(dirs.get(i)).sum().item();
            }
        }
        assertEquals(lhs, rhs, 1e-9 * (1 + Math.abs(lhs)), e.toString());
    }

    /** A random direction for every floating-point input; null (a constant) for the others. */
    static Tensor[] tangentsFor(Tensor[] in, Generator gen) {
        Tensor[] t = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            if (in[i].dtype().isFloatingPoint()) {
                t[i] = Tensor.randn(in[i].shape(), in[i].dtype(), gen);
            }
        }
        return t;
    }

    static Tensor[] shifted(Tensor[] in, Tensor[] tangents, double eps) {
        Tensor[] out = in.clone();
        for (int i = 0; i < in.length; i++) {
            if (tangents[i] != null) {
                out[i] = in[i].add(tangents[i].mul(eps));
            }
        }
        return out;
    }
}
