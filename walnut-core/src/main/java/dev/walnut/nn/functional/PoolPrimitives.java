package dev.walnut.nn.functional;

import dev.walnut.Tensor;
import dev.walnut.ValuesAndIndices;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.WindowOps;

/**
 * The pooling primitives behind {@link Pooling} ({@link WindowOps#MAX_POOL2D},
 * {@link WindowOps#AVG_POOL2D}, {@link WindowOps#MAX_UNPOOL2D}), over batched 2-d input
 * {@code [N, C, H, W]} (1-d pooling uses a height-1 plane). Arguments are validated by the
 * public callers.
 */
final class PoolPrimitives {
    private PoolPrimitives() {
    }

    /**
     * Window max and argmax (flat index into each input plane, I64) of {@code [N, C, H, W]};
     * {@code geometry} is {kH, kW, sH, sW, pH, pW, dH, dW}, or null for adaptive pooling.
     */
    static ValuesAndIndices maxPool(Tensor input, int[] geometry, int outH, int outW, double[] divisor) {
        Tensor[] r = Dispatcher.callAll(WindowOps.MAX_POOL2D, new WindowOps.Pool(geometry, outH, outW, divisor), input);
        return new ValuesAndIndices(r[0], r[1]);
    }

    /** Window sums divided by {@code divisor} (one entry per window of a plane); geometry as for {@link #maxPool}. */
    static Tensor avgPool(Tensor input, int[] geometry, int outH, int outW, double[] divisor) {
        return Dispatcher.call(WindowOps.AVG_POOL2D, new WindowOps.Pool(geometry, outH, outW, divisor), input);
    }

    /**
     * Scatters {@code input [N, C, H, W]} into zeros {@code [N, C, outH, outW]} at the in-plane
     * positions {@code indices} (same shape as input, I64). An index outside the output plane is
     * an error naming it.
     */
    static Tensor maxUnpool(String op, Tensor input, Tensor indices, int outH, int outW) {
        return Dispatcher.call(WindowOps.MAX_UNPOOL2D, new WindowOps.Unpool(op, outH, outW), input, indices);
    }
}
