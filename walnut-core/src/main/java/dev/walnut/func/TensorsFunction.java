package dev.walnut.func;

import dev.walnut.Tensor;

/**
 * A function of tensors with several tensor results: the multi-output form that
 * {@link Func#vjpMulti}, {@link Func#jvpMulti} and {@link Func#vmapMulti} accept
 * and that {@link Func#grad(TensorFunction, int...)} returns for several arguments.
 *
 * <pre>{@code
 * TensorsFunction f = x -> new Tensor[] {x[0].sin(), x[0].cos()};
 * }</pre>
 */
@FunctionalInterface
public interface TensorsFunction {
    /** Applies the function. */
    Tensor[] apply(Tensor... inputs);
}
