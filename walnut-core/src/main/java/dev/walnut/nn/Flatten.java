package dev.walnut.nn;

import dev.walnut.Tensor;

/**
 * Flattens dims {@code startDim..endDim} (defaults 1..-1, keeping the batch dim).
 *
 * <p>Example: {@code new Flatten().forward(x)} turns {@code [N, C, H, W]} into {@code [N, C*H*W]}
 */
public class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    /** Flattens every dim after the batch dim (start 1, end -1), as in PyTorch. */
    public Flatten() {
        this(1, -1);
    }

    /** Flattens dims {@code startDim..endDim} inclusive; negative dims count from the end. */
    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor input) {
        return input.flatten(startDim, endDim);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
