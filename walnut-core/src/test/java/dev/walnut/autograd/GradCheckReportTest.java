package dev.walnut.autograd;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link GradCheck} as torch.autograd.gradcheck with {@code raise_exception=False}: a boolean,
 * or a {@link GradCheck.Result} with the worst errors, while {@code check} still throws.
 */
@ExtendWith(CleanTapeExtension.class)
class GradCheckReportTest {

    /** x^2 with a wrong backward: x * grad instead of 2x * grad, so analytic / numeric = 1/2 everywhere. */
    static final class HalfWrongSquare extends Function {
        @Override
        protected Tensor forward(FunctionContext ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return in[0].pow(2);
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor grad) {
            return new Tensor[] {grad.mul(ctx.saved(0))};
        }
    }

    private static Tensor leaf64(double... values) {
        return Tensor.fromArray(values, values.length).setRequiresGrad(true);
    }

    @Test
    void gradcheckIsTrueForACorrectGradient() {
        assertTrue(GradCheck.gradcheck(in -> in[0].pow(3), leaf64(1, -2, 0.5)));
        assertTrue(GradCheck.gradgradcheck(in -> in[0].pow(3), leaf64(1, -2, 0.5)));
    }

    @Test
    void gradcheckIsFalseForAWrongGradientInsteadOfThrowing() {
        var wrong = new HalfWrongSquare();
        assertFalse(GradCheck.gradcheck(in -> wrong.apply(in[0]), leaf64(1, 2, 3)));
    }

    @Test
    void reportOfACorrectGradientHasOnlyFiniteDifferenceNoise() {
        GradCheck.Result r = GradCheck.report(in -> in[0].mul(in[1]), leaf64(1, 2), leaf64(3, 4));
        assertTrue(r.passed());
        assertNull(r.failure());
        assertTrue(r.maxAbsError() < 1e-8, "abs error " + r.maxAbsError());
        assertTrue(r.maxRelError() < 1e-8, "rel error " + r.maxRelError());
    }

    @Test
    void reportOfAGradientOffByHalfHasRelativeErrorOneHalf() {
        // analytic = w x, numeric = 2 w x for the check's projection weights w: |wx - 2wx| / |2wx| = 0.5
        var wrong = new HalfWrongSquare();
        GradCheck.Result r = GradCheck.report(in -> wrong.apply(in[0]), leaf64(1, 2, 30));
        assertFalse(r.passed());
        assertEquals(0.5, r.maxRelError(), 1e-5);
        assertEquals(0, r.worstInput());
        assertEquals(2, r.worstElement());          // the error |w x| is largest where x = 30
        assertContains(r.failure(), "first-order mismatch for input 0");
    }

    @Test
    void reportNamesTheInputWithTheWorstError() {
        // f(x, y) = x^2 (correct) + wrong(y)^2: only input 1 is wrong
        var wrong = new HalfWrongSquare();
        GradCheck.Result r = GradCheck.report(in -> in[0].pow(2).add(wrong.apply(in[1])), leaf64(1, 2), leaf64(3, 4));
        assertFalse(r.passed());
        assertEquals(1, r.worstInput());
        assertContains(r.failure(), "mismatch for input 1");
    }

    @Test
    void checkStillThrowsTheReportsFailure() {
        var wrong = new HalfWrongSquare();
        Tensor x = leaf64(1, 2, 3);
        var e = assertThrows(AssertionError.class, () -> GradCheck.check(in -> wrong.apply(in[0]), x));
        assertEquals(GradCheck.report(in -> wrong.apply(in[0]), x).failure(), e.getMessage());
    }

    @Test
    void reportSecondOrderOfACorrectFunctionPasses() {
        GradCheck.Result r = GradCheck.reportSecondOrder(in -> in[0].sin(), leaf64(0.3, 1.1));
        assertTrue(r.passed(), r.failure());
    }

    @Test
    void reportLeavesTheCallersTapeEmpty() {
        GradCheck.report(in -> in[0].exp(), leaf64(1, 2));
        assertEquals(0, GradientContext.current().tapeSize());
    }
}
