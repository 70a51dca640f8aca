package dev.walnut;

import static dev.walnut.PrimitiveOp.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradOptions;
import dev.walnut.autograd.GradCheck;
import dev.walnut.autograd.GradientContext;
import dev.walnut.autograd.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every primitive in {@link PrimitiveOp} against float64 central differences, one table row per
 * case (in the spirit of tinygrad's op tests and PyTorch's OpInfo): broadcasting where the op
 * broadcasts, non-contiguous inputs, 0-d tensors and negative dims where the op takes dims.
 * Inputs stay away from the points where an op is not differentiable (kinks, ties, log of 0).
 *
 * <p>Two registry tests keep the table and the registry honest: every primitive has a row, and
 * every node name recorded anywhere in {@code src/main} is registered in {@link PrimitiveOp}.
 */
class OpGradCheckTest {

    // ------------------------------------------------------------------ the table

    static List<Case> cases() {
        var rows = new ArrayList<Case>();

        // Binary arithmetic: same shape, broadcast both ways, with a 0-d operand, non-contiguous.
        rows.addAll(binaryRows(ADD, Domain.REAL, Domain.REAL, (a, b) -> a.add(b)));
        rows.addAll(binaryRows(SUB, Domain.REAL, Domain.REAL, (a, b) -> a.sub(b)));
        rows.addAll(binaryRows(MUL, Domain.REAL, Domain.REAL, (a, b) -> a.mul(b)));
        rows.addAll(binaryRows(DIV, Domain.REAL, Domain.NONZERO, (a, b) -> a.div(b)));
        rows.addAll(binaryRows(POW, Domain.POSITIVE, Domain.REAL, (a, b) -> a.pow(b)));
        rows.addAll(binaryRows(MAXIMUM, Domain.REAL, Domain.REAL, (a, b) -> a.maximum(b)));
        rows.addAll(binaryRows(MINIMUM, Domain.REAL, Domain.REAL, (a, b) -> a.minimum(b)));
        rows.addAll(binaryRows(ATAN2, Domain.REAL, Domain.NONZERO, (a, b) -> a.atan2(b)));
        rows.addAll(binaryRows(FMOD, Domain.REAL, Domain.NONZERO, (a, b) -> a.fmod(b)));
        rows.addAll(binaryRows(REMAINDER, Domain.REAL, Domain.NONZERO, (a, b) -> a.remainder(b)));
        rows.add(row(ADD, "add with alpha (x + 2.5 y)", in -> in[0].add(in[1], 2.5), g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row(ADD, "F64 leaf + I64 constant [3] (promotes to F64)", in -> in[0].add(Tensor.of(1L, 2L, 3L)), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row(MUL, "x * x (same tensor twice)", in -> in[0].mul(in[0]), g -> g.of(Domain.REAL, 3)));
        // d/db a^b at a == 0, b > 0 is 0 by PyTorch's convention (a^b log a has no limit issue there).
        rows.add(row(POW, "exponent gradient with a constant zero base", in -> Tensor.of(0.0, 1.5, 2.0).to(DType.F64).pow(in[0]),
                g -> g.exact(new double[] {2.5, 1.5, 3.0}, 3)));
        rows.add(row(MAXIMUM, "maximum at a tie splits the gradient evenly", in -> in[0].maximum(in[1]),
                g -> g.exact(new double[] {1.0, -2.0, 0.5}, 3), g -> g.exact(new double[] {1.0, 3.0, 0.25}, 3)));
        rows.add(row(MINIMUM, "minimum at a tie splits the gradient evenly", in -> in[0].minimum(in[1]),
                g -> g.exact(new double[] {1.0, -2.0, 0.5}, 3), g -> g.exact(new double[] {1.0, 3.0, 0.25}, 3)));

        // Tensor-scalar ops.
        rows.addAll(unaryRows(ADD_SCALAR, "add(2.0)", Domain.REAL, x -> x.add(2.0)));
        rows.add(row(ADD_SCALAR, "sub(1.5) (add of -1.5)", in -> in[0].sub(1.5), g -> g.of(Domain.REAL, 2, 3)));
        rows.addAll(unaryRows(RSUB_SCALAR, "rsub(2.0)", Domain.REAL, x -> x.rsub(2.0)));
        rows.addAll(unaryRows(MUL_SCALAR, "mul(-2.5)", Domain.REAL, x -> x.mul(-2.5)));
        rows.addAll(unaryRows(DIV_SCALAR, "div(4.0)", Domain.REAL, x -> x.div(4.0)));
        rows.addAll(unaryRows(RDIV_SCALAR, "rdiv(3.0)", Domain.NONZERO, x -> x.rdiv(3.0)));
        rows.addAll(unaryRows(POW_SCALAR, "pow(3.0)", Domain.REAL, x -> x.pow(3.0)));
        rows.addAll(unaryRows(RPOW_SCALAR, "rpow(2.5)", Domain.REAL, x -> Tensor.pow(2.5, x)));
        rows.addAll(unaryRows(FLOOR, "floor (gradient 0)", Domain.REAL, Tensor::floor));
        rows.addAll(unaryRows(CEIL, "ceil (gradient 0)", Domain.REAL, Tensor::ceil));
        rows.addAll(unaryRows(ROUND, "round (gradient 0)", Domain.REAL, Tensor::round));
        rows.addAll(unaryRows(TRUNC, "trunc (gradient 0)", Domain.REAL, Tensor::trunc));
        rows.add(row(POW_SCALAR, "pow(0.5) of positives", in -> in[0].pow(0.5), g -> g.of(Domain.POSITIVE, 2, 3)));
        rows.add(row(POW_SCALAR, "pow(-2.0) of non-zeros", in -> in[0].pow(-2.0), g -> g.of(Domain.NONZERO, 2, 3)));
        rows.add(row(POW_SCALAR, "pow(0.0) has zero gradient", in -> in[0].pow(0.0), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row(POW_SCALAR, "pow(2.0) at zero", in -> in[0].pow(2.0), g -> g.exact(new double[] {0.0, -1.0, 2.0}, 3)));

        // Unary ops.
        rows.addAll(unaryRows(SQUARE, "square", Domain.REAL, Tensor::square));
        rows.addAll(unaryRows(NEG, "neg", Domain.REAL, Tensor::neg));
        rows.addAll(unaryRows(ABS, "abs", Domain.NONZERO, Tensor::abs));
        rows.addAll(unaryRows(SIGN, "sign", Domain.NONZERO, Tensor::sign));
        rows.addAll(unaryRows(EXP, "exp", Domain.REAL, Tensor::exp));
        rows.addAll(unaryRows(LOG, "log", Domain.POSITIVE, Tensor::log));
        rows.addAll(unaryRows(SQRT, "sqrt", Domain.POSITIVE, Tensor::sqrt));
        rows.addAll(unaryRows(RSQRT, "rsqrt", Domain.POSITIVE, Tensor::rsqrt));
        rows.addAll(unaryRows(RECIPROCAL, "reciprocal", Domain.NONZERO, Tensor::reciprocal));
        rows.addAll(unaryRows(SIN, "sin", Domain.REAL, Tensor::sin));
        rows.addAll(unaryRows(COS, "cos", Domain.REAL, Tensor::cos));
        rows.addAll(unaryRows(TANH, "tanh", Domain.REAL, Tensor::tanh));
        rows.addAll(unaryRows(SIGMOID, "sigmoid", Domain.REAL, Tensor::sigmoid));
        rows.addAll(unaryRows(RELU, "relu", Domain.NONZERO, Tensor::relu));
        rows.add(row(THRESHOLD_BACKWARD, "thresholdBackward(g, x, 0) is linear in g",
                in -> dev.walnut.ops.ElementwiseOps.thresholdBackward(in[0], X_3x4, 0.0), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(THRESHOLD_BACKWARD, "thresholdBackward(g, x, 0.5) of transposed g",
                in -> dev.walnut.ops.ElementwiseOps.thresholdBackward(in[0], X_3x4, 0.5), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(THRESHOLD_BACKWARD, "gradient of relu, differentiated",
                in -> gradOfSquaredSum(in[0], Tensor::relu), g -> g.of(Domain.NONZERO, 3, 4)));
        rows.addAll(unaryRows(CLAMP, "clamp(-0.5, 0.5)", Domain.AWAY_FROM_HALF, x -> x.clamp(-0.5, 0.5)));
        rows.add(row(CLAMP, "clampMin(0.0) (one-sided)", in -> in[0].clampMin(0.0), g -> g.of(Domain.NONZERO, 3, 4)));
        rows.add(row(CLAMP, "clampMax(0.0) (one-sided)", in -> in[0].clampMax(0.0), g -> g.of(Domain.NONZERO, 3, 4)));

        // where: the condition, a and b all broadcast.
        rows.add(row(WHERE, "cond [3,1], a [1,4], b 0-d", in -> Tensor.where(COND_3x1, in[0], in[1]),
                g -> g.of(Domain.REAL, 1, 4), g -> g.of(Domain.REAL)));
        rows.add(row(WHERE, "cond [3,4], a transposed [3,4], b [4]", in -> Tensor.where(COND_3x4, in[0], in[1]),
                g -> g.transposed(Domain.REAL, 3, 4), g -> g.of(Domain.REAL, 4)));
        rows.add(row(WHERE, "0-d cond, 0-d a and b", in -> Tensor.where(Tensor.of(true).reshape(), in[0], in[1]),
                g -> g.of(Domain.REAL), g -> g.of(Domain.REAL)));
        rows.add(row(WHERE, "method form a.where(cond, b)", in -> in[0].where(COND_3x4, in[1]),
                g -> g.of(Domain.REAL, 3, 4), g -> g.of(Domain.REAL, 3, 4)));

        // Casts between float types: the function is linear, so with inputs and a step that
        // are exact in float32 the central difference has no rounding at all.
        rows.add(Case.of(TO_DTYPE, "F64 -> F32", in -> in[0].to(DType.F32),
                g -> new Tensor[] {g.exact(new double[] {0.5, -1.25, 2.0, 3.75}, 2, 2)}).eps(0.25));
        rows.add(Case.of(TO_DTYPE, "F64 -> F32 -> F64 of a transposed input", in -> in[0].to(DType.F32).to(DType.F64),
                g -> new Tensor[] {g.exactTransposed(new double[] {0.5, -1.25, 2.0, 3.75, 1.0, -0.5}, 2, 3)}).eps(0.25));
        rows.add(Case.of(TO_DTYPE, "0-d F64 -> F32", in -> in[0].to(DType.F32),
                g -> new Tensor[] {g.exact(new double[] {1.5})}).eps(0.25));

        // Reductions.
        rows.add(row(SUM, "sum() of all", in -> in[0].sum(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(SUM, "sum(-1)", in -> in[0].sum(-1), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(SUM, "sum({0, -1}, keepDim)", in -> in[0].sum(new int[] {0, -1}, true), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(SUM, "sum(0) of transposed", in -> in[0].sum(0), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(SUM, "sum(1) of step slice", in -> in[0].sum(1), g -> g.stepSliced(Domain.REAL, 3, 4)));
        rows.add(row(SUM, "sum() of 0-d", in -> in[0].sum(), g -> g.of(Domain.REAL)));
        rows.add(row(SUM, "sum(0, keepDim) of 0-d", in -> in[0].sum(0, true), g -> g.of(Domain.REAL)));
        rows.add(row(MEAN, "mean() of all", in -> in[0].mean(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(MEAN, "mean(new int[]{}, false) means all", in -> in[0].mean(new int[] {}, false), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(MEAN, "mean(-2, keepDim)", in -> in[0].mean(-2, true), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(MEAN, "mean({0, 2})", in -> in[0].mean(0, 2), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(MEAN, "mean(1) of transposed", in -> in[0].mean(1, false), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(MEAN, "mean() of 0-d", in -> in[0].mean(), g -> g.of(Domain.REAL)));
        rows.add(row(PROD, "prod() of all, no zeros", in -> in[0].prod(), g -> g.of(Domain.NONZERO, 2, 3)));
        rows.add(row(PROD, "prod() with one zero", in -> in[0].prod(), g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.5}, 2, 2)));
        rows.add(row(PROD, "prod() with two zeros", in -> in[0].prod(), g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.0}, 2, 2)));
        rows.add(row(PROD, "prod(-1, keepDim) with a zero in one row", in -> in[0].prod(-1, true),
                g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.5, 3.0, -1.25}, 2, 3)));
        rows.add(row(PROD, "prod(0) of transposed", in -> in[0].prod(0, false), g -> g.transposed(Domain.NONZERO, 3, 4)));
        rows.add(row(PROD, "prod() of 0-d", in -> in[0].prod(), g -> g.of(Domain.NONZERO)));
        rows.add(row(AMAX, "amax(-1, keepDim)", in -> in[0].amax(-1, true), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(AMAX, "amax({0, -1})", in -> in[0].amax(new int[] {0, -1}, false), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(AMAX, "max() of all", in -> in[0].max(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(AMAX, "amax(0) of transposed", in -> in[0].amax(0, false), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(AMAX, "amax with a 2-way tie splits the gradient evenly", in -> in[0].amax(-1, false),
                g -> g.exact(new double[] {1.0, 3.0, 3.0, 2.0}, 1, 4)));
        rows.add(row(AMAX, "amax of 0-d", in -> in[0].amax(new int[0], false), g -> g.of(Domain.REAL)));
        rows.add(row(AMIN, "amin(-1, keepDim)", in -> in[0].amin(-1, true), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(AMIN, "min() of all", in -> in[0].min(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(AMIN, "amin(1) of step slice", in -> in[0].amin(1, false), g -> g.stepSliced(Domain.REAL, 3, 4)));
        rows.add(row(AMIN, "amin with a 2-way tie splits the gradient evenly", in -> in[0].amin(-1, false),
                g -> g.exact(new double[] {1.0, -3.0, -3.0, 2.0}, 1, 4)));
        rows.add(row(AMIN, "amin of 0-d", in -> in[0].amin(new int[0], false), g -> g.of(Domain.REAL)));
        rows.add(row(MAX_DIM, "max(-1).values", in -> in[0].max(-1, false).values(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(MAX_DIM, "max(0, keepDim).values", in -> in[0].max(0, true).values(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(MAX_DIM, "max(1).values of [2,3,4]", in -> in[0].max(1, false).values(), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(MAX_DIM, "max(0).values of transposed", in -> in[0].max(0, false).values(), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(MAX_DIM, "max(0).values of 0-d", in -> in[0].max(0, false).values(), g -> g.of(Domain.REAL)));
        rows.add(row(MIN_DIM, "min(-1).values", in -> in[0].min(-1, false).values(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(MIN_DIM, "min(-2, keepDim).values of step slice", in -> in[0].min(-2, true).values(), g -> g.stepSliced(Domain.REAL, 3, 4)));
        rows.add(row(MIN_DIM, "min(-1).values of 0-d", in -> in[0].min(-1, false).values(), g -> g.of(Domain.REAL)));
        rows.add(row(LOGSUMEXP, "logsumexp(-1)", in -> in[0].logsumexp(-1, false), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(LOGSUMEXP, "logsumexp({0, -1}, keepDim)", in -> in[0].logsumexp(new int[] {0, -1}, true), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(LOGSUMEXP, "logsumexp(0) of transposed", in -> in[0].logsumexp(0, false), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(LOGSUMEXP, "logsumexp of 0-d", in -> in[0].logsumexp(0, false), g -> g.of(Domain.REAL)));
        rows.add(row(NORM, "norm() of all", in -> in[0].norm(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(NORM, "norm(2, {-1}, keepDim)", in -> in[0].norm(2, new int[] {-1}, true), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(NORM, "norm(2, {0}) of transposed", in -> in[0].norm(2, new int[] {0}, false), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(NORM, "norm() of 0-d", in -> in[0].norm(), g -> g.of(Domain.NONZERO)));
        rows.add(row(SOFTMAX, "softmax(-1)", in -> in[0].softmax(-1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(SOFTMAX, "softmax(1) of [2,3,4] (inner dim > 1)", in -> in[0].softmax(1), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(SOFTMAX, "softmax(0) of transposed", in -> in[0].softmax(0), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(SOFTMAX, "softmax of 0-d", in -> in[0].softmax(0), g -> g.of(Domain.REAL)));
        rows.add(row(LOG_SOFTMAX, "logSoftmax(-1)", in -> in[0].logSoftmax(-1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(LOG_SOFTMAX, "logSoftmax(-2) of [2,3,4]", in -> in[0].logSoftmax(-2), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(LOG_SOFTMAX, "logSoftmax(1) of step slice", in -> in[0].logSoftmax(1), g -> g.stepSliced(Domain.REAL, 3, 4)));
        rows.add(row(LOG_SOFTMAX, "logSoftmax of 0-d", in -> in[0].logSoftmax(-1), g -> g.of(Domain.REAL)));

        // matmul in every rank combination PyTorch defines.
        rows.add(row(MATMUL, "[3,4] x [4,2]", in -> in[0].matmul(in[1]), g -> g.of(Domain.REAL, 3, 4), g -> g.of(Domain.REAL, 4, 2)));
        rows.add(row(MATMUL, "1-D x 1-D (dot)", in -> in[0].matmul(in[1]), g -> g.of(Domain.REAL, 4), g -> g.of(Domain.REAL, 4)));
        rows.add(row(MATMUL, "1-D x 2-D", in -> in[0].matmul(in[1]), g -> g.of(Domain.REAL, 4), g -> g.of(Domain.REAL, 4, 3)));
        rows.add(row(MATMUL, "2-D x 1-D", in -> in[0].matmul(in[1]), g -> g.of(Domain.REAL, 3, 4), g -> g.of(Domain.REAL, 4)));
        rows.add(row(MATMUL, "batched broadcast [2,1,3,4] x [5,4,2]", in -> in[0].matmul(in[1]),
                g -> g.of(Domain.REAL, 2, 1, 3, 4), g -> g.of(Domain.REAL, 5, 4, 2)));
        rows.add(row(MATMUL, "[2,3,4] x 2-D [4,5]", in -> in[0].matmul(in[1]), g -> g.of(Domain.REAL, 2, 3, 4), g -> g.of(Domain.REAL, 4, 5)));
        rows.add(row(MATMUL, "1-D x batched [2,4,3]", in -> in[0].matmul(in[1]), g -> g.of(Domain.REAL, 4), g -> g.of(Domain.REAL, 2, 4, 3)));
        rows.add(row(MATMUL, "transposed x step slice", in -> in[0].matmul(in[1]),
                g -> g.transposed(Domain.REAL, 3, 4), g -> g.stepSliced(Domain.REAL, 4, 2)));
        rows.add(row(MATMUL, "dot()", in -> in[0].dot(in[1]), g -> g.of(Domain.REAL, 5), g -> g.of(Domain.REAL, 5)));

        // Views and copies.
        rows.add(row(RESHAPE, "reshape(2, -1) of contiguous (a view)", in -> in[0].reshape(2, -1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(RESHAPE, "reshape(-1) of transposed (a copy)", in -> in[0].reshape(-1), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(RESHAPE, "reshape(1, 1) of 0-d", in -> in[0].reshape(1, 1), g -> g.of(Domain.REAL)));
        rows.add(row(RESHAPE, "reshape() of [1] to 0-d", in -> in[0].reshape(), g -> g.of(Domain.REAL, 1)));
        rows.add(row(RESHAPE, "flatten(1, -1)", in -> in[0].flatten(1, -1), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(RESHAPE, "squeeze() and unsqueeze(-1)", in -> in[0].squeeze().unsqueeze(-1), g -> g.of(Domain.REAL, 3, 1, 4)));
        rows.add(row(VIEW, "view(4, 3)", in -> in[0].view(4, 3), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(VIEW, "view(3, 1, 4) of transposed (compatible strides)", in -> in[0].view(3, 1, 4), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(VIEW, "view(1) of 0-d", in -> in[0].view(1), g -> g.of(Domain.REAL)));
        rows.add(row(PERMUTE, "permute(2, 0, 1)", in -> in[0].permute(2, 0, 1), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(PERMUTE, "permute(-1, 0, -2) of step slice", in -> in[0].permute(-1, 0, -2).exp(), g -> g.stepSliced(Domain.REAL, 2, 3, 4)));
        rows.add(row(PERMUTE, "permute() of 0-d", in -> in[0].permute(), g -> g.of(Domain.REAL)));
        rows.add(row(TRANSPOSE, "transpose(0, 1)", in -> in[0].transpose(0, 1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(TRANSPOSE, "transpose(-1, -3)", in -> in[0].transpose(-1, -3), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(TRANSPOSE, "t() of transposed", in -> in[0].t(), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(EXPAND, "expand [3,1] -> [2,3,4]", in -> in[0].expand(2, 3, 4), g -> g.of(Domain.REAL, 3, 1)));
        rows.add(row(EXPAND, "expand(-1, 5) of [3,1]", in -> in[0].expand(-1, 5), g -> g.of(Domain.REAL, 3, 1)));
        rows.add(row(EXPAND, "expand 0-d -> [2,3]", in -> in[0].expand(2, 3), g -> g.of(Domain.REAL)));
        rows.add(row(EXPAND, "expand of a transposed [1,3] column", in -> in[0].expand(4, 3), g -> g.transposed(Domain.REAL, 1, 3)));
        rows.add(row(SLICE, "slice(1, 1, 6, 2)", in -> in[0].slice(1, 1, 6, 2), g -> g.of(Domain.REAL, 3, 7)));
        rows.add(row(SLICE, "slice(-1, -5, -1, 2) (negative dim and indices)", in -> in[0].slice(-1, -5, -1, 2), g -> g.of(Domain.REAL, 3, 7)));
        rows.add(row(SLICE, "slice(0, 1, 100, 1) (end clamps)", in -> in[0].slice(0, 1, 100, 1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(SLICE, "narrow(0, 1, 2) of transposed", in -> in[0].narrow(0, 1, 2), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(SLICE, "narrow(-1, -3, 2)", in -> in[0].narrow(-1, -3, 2), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(SLICE, "split(2, -1) pieces", in -> Tensor.cat(reversed(in[0].split(2, -1)), -1), g -> g.of(Domain.REAL, 3, 5)));
        rows.add(row(SELECT, "select(0, 1)", in -> in[0].select(0, 1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(SELECT, "select(-1, -2)", in -> in[0].select(-1, -2), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row(SELECT, "select(1, 0) of step slice", in -> in[0].select(1, 0), g -> g.stepSliced(Domain.REAL, 3, 4)));
        rows.add(row(SELECT, "select(0, 0) of [1] to 0-d", in -> in[0].select(0, 0), g -> g.of(Domain.REAL, 1)));
        rows.add(row(SLICE_BACKWARD, "gradient of slice(1, 1, 6, 2), differentiated",
                in -> gradOfSquaredSum(in[0], x -> x.slice(1, 1, 6, 2)), g -> g.of(Domain.REAL, 3, 7)));
        rows.add(row(SLICE_BACKWARD, "gradient of slice(-1, -4, 100, 3), differentiated",
                in -> gradOfSquaredSum(in[0], x -> x.slice(-1, -4, 100, 3)), g -> g.of(Domain.REAL, 2, 7)));
        rows.add(row(SLICE_BACKWARD, "gradient of select(-1, 2), differentiated",
                in -> gradOfSquaredSum(in[0], x -> x.select(-1, 2)), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(SLICE_BACKWARD, "gradient of narrow(0, 1, 2) of transposed, differentiated",
                in -> gradOfSquaredSum(in[0], x -> x.narrow(0, 1, 2)), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(SLICE_BACKWARD, "gradient of select(0, 0) of [1] (a 0-d slice), differentiated",
                in -> gradOfSquaredSum(in[0], x -> x.select(0, 0)), g -> g.of(Domain.REAL, 1)));
        rows.add(row(CLONE, "clone()", in -> in[0].clone(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(CLONE, "contiguous() of transposed", in -> in[0].contiguous(), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(CLONE, "clone() of 0-d", in -> in[0].clone(), g -> g.of(Domain.REAL)));
        rows.add(row(CAT, "cat of [2,1], [2,3], [2,2] along -1", in -> Tensor.cat(new Tensor[] {in[0], in[1], in[2]}, -1),
                g -> g.of(Domain.REAL, 2, 1), g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.REAL, 2, 2)));
        rows.add(row(CAT, "cat along 0 of transposed and step slice", in -> Tensor.cat(List.of(in[0], in[1]), 0),
                g -> g.transposed(Domain.REAL, 2, 4), g -> g.stepSliced(Domain.REAL, 3, 4)));
        rows.add(row(CAT, "cat of a leaf and an I64 constant (promotes to F64)",
                in -> Tensor.cat(new Tensor[] {in[0], Tensor.of(1L, 2L, 3L)}, 0), g -> g.of(Domain.REAL, 2)));
        rows.add(row(CAT, "cat skips a 1-d empty tensor", in -> Tensor.cat(new Tensor[] {in[0], Tensor.zeros(0), in[1]}, 0),
                g -> g.of(Domain.REAL, 2), g -> g.of(Domain.REAL, 3)));
        rows.add(row(CAT, "stack of three 0-d", in -> Tensor.stack(new Tensor[] {in[0], in[1], in[0]}, 0),
                g -> g.of(Domain.REAL), g -> g.of(Domain.REAL)));
        rows.add(row(CAT, "stack along -1", in -> Tensor.stack(List.of(in[0], in[1]), -1),
                g -> g.of(Domain.REAL, 2, 3), g -> g.transposed(Domain.REAL, 2, 3)));
        // Tables of later op families live in their own files (XxxOpCases.rows()), added here.
        // OP-CASE-TABLES
        rows.addAll(PoolingOpCases.rows());
        rows.addAll(ActivationOpCases.rows());
        rows.addAll(ConvolutionOpCases.rows());
        rows.addAll(ShapeContentOpCases.rows());
        rows.addAll(IndexingOpCases.rows());
        rows.addAll(FusedOpCases.rows());
        return rows;
    }

    /** Composites (no gradient rule of their own) checked end to end through their primitives. */
    static List<Case> compositeCases() {
        var rows = new ArrayList<Case>();
        rows.add(row(null, "var() (correction 1)", in -> in[0].var(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(null, "var({-1}, 0, keepDim)", in -> in[0].var(new int[] {-1}, 0, true), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(null, "std({0}, 1) of transposed", in -> in[0].std(new int[] {0}, 1, false), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row(null, "norm(1)", in -> in[0].norm(1), g -> g.of(Domain.NONZERO, 3, 4)));
        rows.add(row(null, "norm(inf, {-1}, false)", in -> in[0].norm(Double.POSITIVE_INFINITY, new int[] {-1}, false), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(null, "norm(3, {0}, true)", in -> in[0].norm(3, new int[] {0}, true), g -> g.of(Domain.NONZERO, 3, 4)));
        rows.add(row(null, "outer()", in -> in[0].outer(in[1]), g -> g.of(Domain.REAL, 3), g -> g.of(Domain.REAL, 4)));
        rows.add(row(null, "chunk(3, 0) recombined", in -> Tensor.cat(reversed(in[0].chunk(3, 0)), 0).exp(), g -> g.of(Domain.REAL, 5, 2)));
        rows.add(row(null, "expandAs + broadcastTo", in -> in[0].expandAs(in[1]).mul(in[1]).broadcastTo(2, 3, 4),
                g -> g.of(Domain.REAL, 1, 4), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(null, "log-softmax via logsumexp", in -> in[0].sub(in[0].logsumexp(-1, true)), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row(null, "sumToShape(1, 4)", in -> in[0].sumToShape(1, 4), g -> g.of(Domain.REAL, 2, 3, 4)));
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradCheck(Case c) {
        c.check();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseRecordsItsPrimitive(Case c) {
        Set<String> recorded = recordedNodeNames(c);
        assertTrue(recorded.stream().anyMatch(c.op.nodeNames()::contains),
                c + ": expected a node named one of " + c.op.nodeNames() + " in the recorded graph, found " + recorded);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compositeCases")
    void compositeGradCheck(Case c) {
        c.check();
    }

    /** The checker is not vacuous: a function whose recorded graph misses half the dependence fails. */
    @Test
    void gradCheckRejectsAWrongGradient() {
        Tensor x = Tensor.fromArray(new double[] {1.0, -2.0, 3.0}, 3).setRequiresGrad(true);
        // x.detach() * x has derivative 2x, but autograd sees only x.
        assertThrows(AssertionError.class, () -> GradCheck.check(in -> in[0].detach().mul(in[0]), x));
    }

    /**
     * A non-leaf input (here {@code 2a}, recorded in the caller's context) must be checked like a
     * leaf, as torch.autograd.gradcheck does: d/dx sum(w * x^2) = 2 w x, not 0.
     */
    @Test
    void gradCheckOfANonLeafInputSeesItsGradient() {
        Tensor a = Tensor.fromArray(new double[] {1.0, -2.0, 3.0}, 3).setRequiresGrad(true);
        Tensor x = a.mul(2.0);
        GradCheck.check(in -> in[0].square(), x);
    }

    @Test
    void everyDifferentiablePrimitiveHasAGradCheckCase() {
        Set<PrimitiveOp> covered = EnumSet.noneOf(PrimitiveOp.class);
        cases().forEach(c -> covered.add(c.op));
        Set<PrimitiveOp> missing = EnumSet.complementOf(EnumSet.copyOf(covered));
        assertTrue(missing.isEmpty(), "primitive ops without a float64 gradcheck case in OpGradCheckTest: " + missing);
    }

    @Test
    void everyRecordedNodeNameIsRegisteredInPrimitiveOp() throws IOException {
        Set<String> registered = new TreeSet<>();
        for (PrimitiveOp op : PrimitiveOp.values()) {
            registered.addAll(op.nodeNames());
        }
        var found = new TreeMap<String, String>(); // node name -> where
        var unresolved = new ArrayList<String>();
        Path root = mainSourceRoot();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().collect(Collectors.toList())) {
                if (p.getFileName().toString().equals("PrimitiveOp.java")) {
                    continue; // the registry itself
                }
                String code = stripComments(Files.readString(p));
                collectNodeNames(code, root.relativize(p).toString(), found, unresolved);
            }
        }
        // Guard against a scanner that silently finds nothing.
        assertTrue(found.keySet().containsAll(List.of("AddBackward0", "SumBackward0", "SumBackward1", "MmBackward0",
                "BmmBackward0", "CloneBackward0", "SliceBackwardBackward0")), "scanner found only " + found.keySet());
        assertTrue(unresolved.isEmpty(), "node names built in a way the scanner cannot expand: " + unresolved);
        var unregistered = new TreeMap<String, String>();
        found.forEach((name, where) -> {
            if (!registered.contains(name)) {
                unregistered.put(name, where);
            }
        });
        assertTrue(unregistered.isEmpty(), "node names recorded in src/main but missing from PrimitiveOp.nodeNames(): "
                + unregistered);
    }

    @Test
    void everyRegisteredNodeNameIsRecordedSomewhere() throws IOException {
        var found = new TreeMap<String, String>();
        Path root = mainSourceRoot();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).collect(Collectors.toList())) {
                if (!p.getFileName().toString().equals("PrimitiveOp.java")) {
                    collectNodeNames(stripComments(Files.readString(p)), p.toString(), found, new ArrayList<>());
                }
            }
        }
        var stale = new TreeSet<String>();
        for (PrimitiveOp op : PrimitiveOp.values()) {
            op.nodeNames().stream().filter(n -> !found.containsKey(n)).forEach(n -> stale.add(op + "=" + n));
        }
        assertTrue(stale.isEmpty(), "registered node names that no source file records: " + stale);
    }

    // ------------------------------------------------------------------ case machinery

    /** Which values an input takes, chosen so the op is differentiable there. */
    enum Domain {
        /** Standard normal. */
        REAL,
        /** Uniform in [0.5, 2]. */
        POSITIVE,
        /** |x| uniform in [0.3, 1.5], random sign. */
        NONZERO,
        /** Normal values at least 0.05 away from +-0.5 (clamp's bounds). */
        AWAY_FROM_HALF;

        double sample(Generator g) {
            switch (this) {
                case REAL:
                    return g.nextGaussian();
                case POSITIVE:
                    return 0.5 + 1.5 * g.nextDouble();
                case NONZERO:
                    return (g.nextDouble() < 0.5 ? -1 : 1) * (0.3 + 1.2 * g.nextDouble());
                default:
                    double v;
                    do {
                        v = 1.5 * g.nextGaussian();
                    } while (Math.abs(Math.abs(v) - 0.5) < 0.05);
                    return v;
            }
        }
    }

    /** Makes float64 leaves that require grad, from a generator seeded per case. */
    static final class Inputs {
        private final Generator g;

        Inputs(long seed) {
            g = new Generator(seed);
        }

        private double[] values(Domain d, int n) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = d.sample(g);
            }
            return v;
        }

        /** A contiguous leaf of the given shape (no sizes: 0-d). */
        Tensor of(Domain d, long... shape) {
            int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            return Tensor.fromArray(values(d, n), shape).setRequiresGrad(true);
        }

        /** A leaf with exactly these values. */
        Tensor exact(double[] values, long... shape) {
            long[] s = shape.length == 0 && values.length == 1 ? new long[0] : shape;
            return Tensor.fromArray(values, s).setRequiresGrad(true);
        }

        /** A leaf of shape [cols, rows] that is the transpose of a [rows, cols] tensor with these values. */
        Tensor exactTransposed(double[] values, long rows, long cols) {
            return Tensor.fromArray(values, rows, cols).t().setRequiresGrad(true);
        }

        /** A non-contiguous leaf of shape [rows, cols]: the transpose of a [cols, rows] tensor. */
        Tensor transposed(Domain d, long rows, long cols) {
            Tensor t = Tensor.fromArray(values(d, (int) (rows * cols)), cols, rows).t();
            assertFalse(rows > 1 && cols > 1 && t.isContiguous());
            return t.setRequiresGrad(true);
        }

        /** A non-contiguous leaf: every other element of the last dim of a tensor twice as wide. */
        Tensor stepSliced(Domain d, long... shape) {
            long[] wide = shape.clone();
            wide[wide.length - 1] *= 2;
            int n = (int) Arrays.stream(wide).reduce(1, (a, b) -> a * b);
            Tensor t = Tensor.fromArray(values(d, n), wide).slice(-1, 0, wide[wide.length - 1], 2);
            assertFalse(t.isContiguous());
            return t.setRequiresGrad(true);
        }
    }

    /** One row of the table. */
    static final class Case {
        final PrimitiveOp op;
        final String what;
        final Function<Tensor[], Tensor> fn;
        final Function<Inputs, Tensor[]> inputs;
        double eps = GradCheck.EPS;

        private Case(PrimitiveOp op, String what, Function<Tensor[], Tensor> fn, Function<Inputs, Tensor[]> inputs) {
            this.op = op;
            this.what = what;
            this.fn = fn;
            this.inputs = inputs;
        }

        static Case of(PrimitiveOp op, String what, Function<Tensor[], Tensor> fn, Function<Inputs, Tensor[]> inputs) {
            return new Case(op, what, fn, inputs);
        }

        Case eps(double eps) {
            this.eps = eps;
            return this;
        }

        Tensor[] freshInputs() {
            return inputs.apply(new Inputs(toString().hashCode()));
        }

        void check() {
            GradCheck.check(fn, eps, GradCheck.ATOL, GradCheck.RTOL, freshInputs());
        }

        @Override
        public String toString() {
            return (op == null ? "composite" : op.toString()) + ": " + what;
        }
    }

    @SafeVarargs
    static Case row(PrimitiveOp op, String what, Function<Tensor[], Tensor> fn, Function<Inputs, Tensor>... inputs) {
        return Case.of(op, what, fn, g -> Arrays.stream(inputs).map(f -> f.apply(g)).toArray(Tensor[]::new));
    }

    interface Binary {
        Tensor apply(Tensor a, Tensor b);
    }

    /** Same shape, [3,1] with [1,4], [2,3] with 0-d, 0-d with [2,3], 0-d with 0-d, transposed with step slice. */
    static List<Case> binaryRows(PrimitiveOp op, Domain da, Domain db, Binary f) {
        Function<Tensor[], Tensor> fn = in -> f.apply(in[0], in[1]);
        String name = op.toString().toLowerCase();
        return List.of(
                row(op, name + " [2,3] with [2,3]", fn, g -> g.of(da, 2, 3), g -> g.of(db, 2, 3)),
                row(op, name + " broadcast [3,1] with [1,4]", fn, g -> g.of(da, 3, 1), g -> g.of(db, 1, 4)),
                row(op, name + " broadcast [2,3] with 0-d", fn, g -> g.of(da, 2, 3), g -> g.of(db)),
                row(op, name + " broadcast 0-d with [4]", fn, g -> g.of(da), g -> g.of(db, 4)),
                row(op, name + " 0-d with 0-d", fn, g -> g.of(da), g -> g.of(db)),
                row(op, name + " transposed with step slice", fn, g -> g.transposed(da, 3, 4), g -> g.stepSliced(db, 3, 4)));
    }

    /** [3,4], 0-d, transposed and step-sliced inputs. */
    static List<Case> unaryRows(PrimitiveOp op, String name, Domain d, Function<Tensor, Tensor> f) {
        Function<Tensor[], Tensor> fn = in -> f.apply(in[0]);
        return List.of(
                row(op, name + " [3,4]", fn, g -> g.of(d, 3, 4)),
                row(op, name + " 0-d", fn, g -> g.of(d)),
                row(op, name + " transposed", fn, g -> g.transposed(d, 3, 4)),
                row(op, name + " step slice", fn, g -> g.stepSliced(d, 2, 3)));
    }

    private static final Tensor COND_3x1 = Tensor.of(true, false, true).reshape(3, 1);
    private static final Tensor COND_3x4 = Tensor.fromArray(
            new boolean[] {true, false, false, true, false, true, true, false, true, true, false, false}, 3, 4);

    /** Values on both sides of 0 and 0.5, with ties at both (a tie is not above the threshold). */
    private static final Tensor X_3x4 = Tensor.fromArray(
            new double[] {1.0, -2.0, 0.0, 0.5, 0.75, -0.25, 3.0, 0.25, -1.0, 2.0, 0.5, 0.0}, 3, 4);

    private static List<Tensor> reversed(List<Tensor> pieces) {
        var r = new ArrayList<>(pieces);
        Collections.reverse(r);
        return r;
    }

    /**
     * d/dx sum(view(x)^2), recorded (createGraph) so that the slice's backward op is itself
     * differentiated: this is how {@code SliceBackwardBackward0} gets exercised.
     */
    static Tensor gradOfSquaredSum(Tensor x, Function<Tensor, Tensor> view) {
        try (var on = Autograd.enableGrad()) {
            Tensor y = view.apply(x).square().sum();
            return Autograd.grad(new Tensor[] {y}, new Tensor[] {x}, null, GradOptions.defaults().createGraph())[0];
        }
    }

    /** Names of all nodes reachable from the case's output. */
    static Set<String> recordedNodeNames(Case c) {
        var names = new TreeSet<String>();
        try (var ctx = new GradientContext(); var on = Autograd.enableGrad()) {
            Tensor out = c.fn.apply(c.freshInputs());
            var seen = Collections.newSetFromMap(new IdentityHashMap<Node, Boolean>());
            var todo = new ArrayDeque<Node>();
            if (out.gradFn() != null) {
                todo.add(out.gradFn());
            }
            while (!todo.isEmpty()) {
                Node n = todo.poll();
                if (seen.add(n)) {
                    names.add(n.name());
                    n.nextFunctions().stream().filter(x -> x != null).forEach(todo::add);
                }
            }
        }
        return names;
    }

    // ------------------------------------------------------------------ source scanning

    static Path mainSourceRoot() {
        for (String candidate : List.of("src/main/java/dev/walnut", "walnut-core/src/main/java/dev/walnut")) {
            Path p = Path.of(candidate);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        fail("cannot find walnut-core/src/main/java/dev/walnut from " + Path.of("").toAbsolutePath());
        return null;
    }

    /** Removes // and block comments, keeping string and char literals intact. */
    static String stripComments(String src) {
        var out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && src.charAt(j) != c) {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                out.append(src, i, Math.min(j + 1, n));
                i = j + 1;
            } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
                while (i < n && src.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
                int end = src.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    // A node-name literal such as "MulBackward0", or a prefix such as "SumBackward" that is
    // completed by concatenation ("SumBackward" + (all ? "0" : "1")).
    private static final Pattern NODE_LITERAL = Pattern.compile("\"([A-Z][A-Za-z0-9]*Backward)(\\d*)\"(\\s*\\+)?");
    private static final Pattern DIGIT_LITERAL = Pattern.compile("\"(\\d+)\"");

    static void collectNodeNames(String code, String where, TreeMap<String, String> found, List<String> unresolved) {
        Matcher m = NODE_LITERAL.matcher(code);
        while (m.find()) {
            String prefix = m.group(1);
            String digits = m.group(2);
            String line = where + ":" + (code.substring(0, m.start()).chars().filter(ch -> ch == '\n').count() + 1);
            if (!digits.isEmpty() || m.group(3) == null) {
                found.putIfAbsent(prefix + digits, line);
                continue;
            }
            // Expand the suffix expression up to the end of the argument.
            String rest = argumentTail(code, m.end());
            Matcher d = DIGIT_LITERAL.matcher(rest);
            boolean any = false;
            while (d.find()) {
                found.putIfAbsent(prefix + d.group(1), line);
                any = true;
            }
            if (!any) {
                unresolved.add(prefix + " + " + rest.strip() + " at " + line);
            }
        }
    }

    /** The text from {@code from} to the next ',' or ')' or ';' at bracket depth 0. */
    private static String argumentTail(String code, int from) {
        int depth = 0;
        for (int i = from; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (depth == 0) {
                    return code.substring(from, i);
                }
                depth--;
            } else if ((c == ',' || c == ';') && depth == 0) {
                return code.substring(from, i);
            }
        }
        return code.substring(from);
    }

    @Test
    void scannerExpandsConcatenatedNames() {
        var found = new TreeMap<String, String>();
        var unresolved = new ArrayList<String>();
        collectNodeNames("Node.record(\"FooBackward\" + (all ? \"0\" : \"1\"), rule); x(\"BarBackward2\"); y(\"Backward\");"
                + " z(\"BazBackward\" + suffix, r);", "snippet", found, unresolved);
        assertEquals(Set.of("FooBackward0", "FooBackward1", "BarBackward2"), found.keySet());
        assertEquals(1, unresolved.size(), unresolved.toString());
        String stripped = stripComments("x /* c \"QuxBackward0\" */ y(\"a//b\"); // \"ZapBackward0\"\n");
        assertEquals("x   y(\"a//b\"); ", stripped.replace("\n", ""));
    }
}
