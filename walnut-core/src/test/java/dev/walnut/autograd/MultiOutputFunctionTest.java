package dev.walnut.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Custom functions with several outputs and outputs marked non-differentiable (PyTorch's tuple-returning Function). */
@ExtendWith(CleanTapeExtension.class)
class MultiOutputFunctionTest {

    /** sin and cos of x in one function; the backward sees both outputs' gradients. */
    static final class SinCos extends Function {
        @Override
        protected Tensor[] forwardAll(FunctionContext ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return new Tensor[] {in[0].sin(), in[0].cos()};
        }

        @Override
        protected Tensor[] backwardAll(FunctionContext ctx, Tensor[] g) {
            Tensor x = ctx.saved(0);
            return new Tensor[] {g[0].mul(x.cos()).sub(g[1].mul(x.sin()))};
        }
    }

    /** The max of a vector and its index (as F64), the index marked non-differentiable. */
    static final class MaxWithIndex extends Function {
        @Override
        protected Tensor[] forwardAll(FunctionContext ctx, Tensor... in) {
            var vi = in[0].max(0, false);
            Tensor index = vi.indices().to(DType.F64);
            ctx.saveForBackward(vi.indices());
            ctx.markNonDifferentiable(index);
            return new Tensor[] {vi.values(), index};
        }

        @Override
        protected Tensor[] backwardAll(FunctionContext ctx, Tensor[] g) {
            assertEquals(0.0, g[1].item(), 0.0, "the marked output's gradient arrives as zeros");
            return new Tensor[] {Tensor.zeros(new long[] {3}, DType.F64).indexAdd(0, ctx.saved(0).reshape(1), g[0].reshape(1))};
        }
    }

    @Test
    void bothOutputsContributeToTheGradient() {
        Tensor x = Tensor.fromArray(new double[] {0.3, -1.2}, 2).setRequiresGrad(true);
        Tensor[] sc = new SinCos().applyAll(x);
        sc[0].sum().add(sc[1].mul(2.0).sum()).backward();
        // d/dx (sin x + 2 cos x) = cos x - 2 sin x
        assertArrayEquals(new double[] {Math.cos(0.3) - 2 * Math.sin(0.3), Math.cos(-1.2) - 2 * Math.sin(-1.2)},
                x.grad().toDoubleArray(), 1e-12);
        assertTrue(sc[0].gradFn() == sc[1].gradFn(), "one node for both outputs");
    }

    @Test
    void anUnusedOutputGetsZerosInBackward() {
        Tensor x = Tensor.fromArray(new double[] {0.5}, 1).setRequiresGrad(true);
        new SinCos().applyAll(x)[1].sum().backward(); // only cos used
        assertEquals(-Math.sin(0.5), x.grad().item(), 1e-12);
    }

    @Test
    void aMarkedOutputHasNoHistoryAndTheOthersDo() {
        Tensor x = Tensor.fromArray(new double[] {1.0, 4.0, 2.0}, 3).setRequiresGrad(true);
        Tensor[] out = new MaxWithIndex().applyAll(x);
        assertFalse(out[1].requiresGrad());
        assertNull(out[1].gradFn());
        assertEquals(1.0, out[1].item(), 0.0);
        out[0].mul(3.0).backward();
        assertArrayEquals(new double[] {0, 3, 0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void checkedLikeABuiltInOp() {
        Tensor x = Tensor.fromArray(new double[] {0.3, -1.2, 2.0}, 3).setRequiresGrad(true);
        GradCheck.check(in -> {
            Tensor[] sc = new SinCos().applyAll(in[0]);
            return sc[0].mul(sc[1]);
        }, x);
    }

    @Test
    void applyOnAFunctionWithSeveralOutputsSaysUseApplyAll() {
        var e = assertThrows(IllegalStateException.class, () -> new SinCos().apply(Tensor.of(1.0)));
        assertTrue(e.getMessage().contains("applyAll"), e.getMessage());
    }
}
