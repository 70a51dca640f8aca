package dev.walnut;

import dev.walnut.OpGradCheckTest.Domain;
import dev.walnut.OpGradCheckTest.Inputs;
import dev.walnut.autograd.GradCheck;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Second-order float64 gradient checks: the gradient rules, recorded with {@code createGraph},
 * are themselves differentiated and compared with finite differences of the first gradient.
 * Ops whose gradient does not depend on their input (sum, reshape, slicing, ...) are composed
 * with a nonlinearity so that their backward op carries a non-zero second derivative.
 */
class SecondOrderGradCheckTest {

    static List<Row> cases() {
        var rows = new ArrayList<Row>();
        // Elementwise binary.
        rows.add(row("mul broadcast [3,1] * [1,4]", in -> in[0].mul(in[1]), g -> g.of(Domain.REAL, 3, 1), g -> g.of(Domain.REAL, 1, 4)));
        rows.add(row("mul x * x", in -> in[0].mul(in[0]), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("div [2,3] / [2,3]", in -> in[0].div(in[1]), g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.NONZERO, 2, 3)));
        rows.add(row("div [2,3] / 0-d", in -> in[0].div(in[1]), g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.NONZERO)));
        rows.add(row("pow tensor exponent, broadcast [3,1] ^ [1,4]", in -> in[0].pow(in[1]),
                g -> g.of(Domain.POSITIVE, 3, 1), g -> g.of(Domain.REAL, 1, 4)));
        rows.add(row("pow(3.0)", in -> in[0].pow(3.0), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("pow(0.5) of positives", in -> in[0].pow(0.5), g -> g.of(Domain.POSITIVE, 2, 3)));
        rows.add(row("pow(-1.5) of positives", in -> in[0].pow(-1.5), g -> g.of(Domain.POSITIVE, 2, 3)));
        rows.add(row("rdiv(2.0)", in -> in[0].rdiv(2.0), g -> g.of(Domain.NONZERO, 2, 3)));
        rows.add(row("maximum, squared", in -> in[0].maximum(in[1]).square(), g -> g.of(Domain.REAL, 3, 1), g -> g.of(Domain.REAL, 1, 4)));
        rows.add(row("minimum, exp", in -> in[0].minimum(in[1]).exp(), g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.REAL)));
        rows.add(row("where(cond, a^2, exp(b))", in -> Tensor.where(COND, in[0].square(), in[1].exp()),
                g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.REAL, 3)));

        // Elementwise unary.
        rows.add(row("exp", in -> in[0].exp(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("log", in -> in[0].log(), g -> g.of(Domain.POSITIVE, 2, 3)));
        rows.add(row("tanh", in -> in[0].tanh(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("sigmoid", in -> in[0].sigmoid(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("sin", in -> in[0].sin(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("cos", in -> in[0].cos(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("sqrt", in -> in[0].sqrt(), g -> g.of(Domain.POSITIVE, 2, 3)));
        rows.add(row("rsqrt", in -> in[0].rsqrt(), g -> g.of(Domain.POSITIVE, 2, 3)));
        rows.add(row("square", in -> in[0].square(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("reciprocal", in -> in[0].reciprocal(), g -> g.of(Domain.NONZERO, 2, 3)));
        rows.add(row("abs, squared", in -> in[0].abs().mul(in[0]), g -> g.of(Domain.NONZERO, 2, 3)));
        rows.add(row("relu * x", in -> in[0].relu().mul(in[0]), g -> g.of(Domain.NONZERO, 2, 3)));
        rows.add(row("clamp(-0.5, 0.5), squared", in -> in[0].clamp(-0.5, 0.5).square(), g -> g.of(Domain.AWAY_FROM_HALF, 2, 3)));
        rows.add(row("exp of transposed", in -> in[0].exp(), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row("tanh of 0-d", in -> in[0].tanh(), g -> g.of(Domain.REAL)));

        // Reductions.
        rows.add(row("sum(-1), squared", in -> in[0].sum(-1).square(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("sum() of all, cubed", in -> in[0].sum().pow(3.0), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("mean(-1, keepDim), exp", in -> in[0].mean(-1, true).exp(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("mean() of all, squared", in -> in[0].mean().square(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("prod(-1) (no zeros)", in -> in[0].prod(-1, false), g -> g.of(Domain.NONZERO, 3, 4)));
        rows.add(row("prod() of all (no zeros)", in -> in[0].prod(), g -> g.of(Domain.NONZERO, 2, 3)));
        rows.add(row("prod() with one zero", in -> in[0].prod(), g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.5}, 2, 2)));
        rows.add(row("prod() with two zeros", in -> in[0].prod(), g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.0}, 2, 2)));
        rows.add(row("prod(-1) with a zero in one row", in -> in[0].prod(-1, false),
                g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.5, 0.7, -1.1}, 2, 3)));
        rows.add(row("prod(1) of 3-d with zeros", in -> in[0].prod(1, false),
                g -> g.exact(new double[] {1.5, 0.0, -2.0, 0.5, 0.7, -1.1, 0.0, 0.3}, 2, 2, 2)));
        rows.add(row("amax(-1), squared", in -> in[0].amax(-1, false).square(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("max(0).values, exp", in -> in[0].max(0, false).values().exp(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("logsumexp(-1)", in -> in[0].logsumexp(-1, false), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("logsumexp({0, 1}, keepDim)", in -> in[0].logsumexp(new int[] {0, 1}, true), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("norm()", in -> in[0].norm(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("norm(2, {-1}, keepDim)", in -> in[0].norm(2, new int[] {-1}, true), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("var() (composite)", in -> in[0].var(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("std({-1}, 1) (composite)", in -> in[0].std(new int[] {-1}, 1, false), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("softmax(-1)", in -> in[0].softmax(-1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("softmax(1) of [2,3,4]", in -> in[0].softmax(1), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row("logSoftmax(-1)", in -> in[0].logSoftmax(-1), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("logSoftmax(0) of transposed", in -> in[0].logSoftmax(0), g -> g.transposed(Domain.REAL, 3, 4)));

        // matmul.
        rows.add(row("matmul [3,4] x [4,2]", in -> in[0].matmul(in[1]), g -> g.of(Domain.REAL, 3, 4), g -> g.of(Domain.REAL, 4, 2)));
        rows.add(row("matmul batched broadcast [2,1,3,4] x [5,4,2]", in -> in[0].matmul(in[1]),
                g -> g.of(Domain.REAL, 2, 1, 3, 4), g -> g.of(Domain.REAL, 5, 4, 2)));
        rows.add(row("matmul 1-D x 2-D", in -> in[0].matmul(in[1]), g -> g.of(Domain.REAL, 4), g -> g.of(Domain.REAL, 4, 3)));
        rows.add(row("x^T x (transpose then matmul)", in -> in[0].t().matmul(in[0]), g -> g.of(Domain.REAL, 3, 2)));

        // Shape ops composed with a nonlinearity.
        rows.add(row("cat([a^2, b], 0), exp", in -> Tensor.cat(new Tensor[] {in[0].square(), in[1]}, 0).exp(),
                g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.REAL, 1, 3)));
        rows.add(row("stack([a, b], -1), squared", in -> Tensor.stack(new Tensor[] {in[0], in[1]}, -1).square(),
                g -> g.of(Domain.REAL, 2, 3), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("slice(1, 0, 5, 2), squared", in -> in[0].slice(1, 0, 5, 2).square(), g -> g.of(Domain.REAL, 3, 5)));
        rows.add(row("slice(-1, -3, 100, 1), exp", in -> in[0].slice(-1, -3, 100, 1).exp(), g -> g.of(Domain.REAL, 2, 5)));
        rows.add(row("narrow(0, 1, 2), sin", in -> in[0].narrow(0, 1, 2).sin(), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row("select(-1, 1), exp", in -> in[0].select(-1, 1).exp(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("expand [3,1] -> [3,4], squared", in -> in[0].expand(3, 4).square(), g -> g.of(Domain.REAL, 3, 1)));
        rows.add(row("expand 0-d -> [2,3] times y", in -> in[0].expand(2, 3).mul(in[1]).exp(), g -> g.of(Domain.REAL), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("reshape(-1) of transposed, squared", in -> in[0].reshape(-1).square(), g -> g.transposed(Domain.REAL, 3, 4)));
        rows.add(row("view(2, 6), exp", in -> in[0].view(2, 6).exp(), g -> g.of(Domain.REAL, 3, 4)));
        rows.add(row("permute(2, 0, 1), sin", in -> in[0].permute(2, 0, 1).sin(), g -> g.of(Domain.REAL, 2, 3, 4)));
        rows.add(row("transpose(-1, -2), squared", in -> in[0].transpose(-1, -2).square(), g -> g.of(Domain.REAL, 2, 3)));
        rows.add(row("contiguous() of transposed, squared", in -> in[0].contiguous().square(), g -> g.transposed(Domain.REAL, 3, 4)));
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void secondOrderGradCheck(Row r) {
        GradCheck.checkSecondOrder(r.fn, r.inputs.apply(new Inputs(r.what.hashCode())));
    }

    record Row(String what, Function<Tensor[], Tensor> fn, Function<Inputs, Tensor[]> inputs) {
        @Override
        public String toString() {
            return what;
        }
    }

    @SafeVarargs
    private static Row row(String what, Function<Tensor[], Tensor> fn, Function<Inputs, Tensor>... inputs) {
        return new Row(what, fn, g -> Arrays.stream(inputs).map(f -> f.apply(g)).toArray(Tensor[]::new));
    }

    private static final Tensor COND = Tensor.fromArray(new boolean[] {true, false, true, false, false, true}, 2, 3);
}
