package dev.walnut.nn.functional;

import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.WindowOps;

/**
 * The two primitives behind convolution, im2col and its adjoint col2im
 * ({@link WindowOps#IM2COL}, {@link WindowOps#COL2IM}): each is the other's gradient, so both
 * differentiate to any order.
 *
 * <p>Both take the window grid ({@code blocks}) explicitly rather than deriving it from the
 * sizes: a transposed convolution with {@code outputPadding >= stride} folds onto an output
 * whose derived grid would be larger than its input's, and the gradient of that fold must unfold
 * the same grid back. Arguments are validated by the public callers in {@link Convolution}.
 */
final class Im2Col {
    private Im2Col() {
    }

    /** [N, C, *size] -> [N, C * prod(kernel), prod(blocks)]. */
    static Tensor im2col(Tensor input, int[] blocks, int[] kernel, int[] dilation, int[] padding, int[] stride) {
        return Dispatcher.call(WindowOps.IM2COL, new WindowOps.Window(blocks, kernel, dilation, padding, stride), input);
    }

    /** [N, C * prod(kernel), prod(blocks)] -> [N, C, *outputSize], summing overlapping windows. */
    static Tensor col2im(Tensor input, int[] outputSize, int[] blocks, int[] kernel, int[] dilation, int[] padding,
                         int[] stride) {
        return Dispatcher.call(WindowOps.COL2IM,
                new WindowOps.Fold(outputSize, new WindowOps.Window(blocks, kernel, dilation, padding, stride)), input);
    }
}
