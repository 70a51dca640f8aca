package dev.walnut.func;

import dev.walnut.Tensor;

/**
 * A function of tensors with one tensor result: what the transforms of {@link Func} take and
 * return, so they compose ({@code Func.vmap(Func.grad(f))}).
 *
 * <pre>{@code
 * TensorFunction f = x -> x[0].sin().sum();
 * TensorFunction df = Func.grad(f);         // x -> cos(x)
 * }</pre>
 */
@FunctionalInterface
public interface TensorFunction {
    /** Applies the function. */
    Tensor apply(Tensor... inputs);
}
