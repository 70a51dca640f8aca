package dev.walnut.nn;

/**
 * Batch normalisation of {@code [N, C, H, W]}; see {@link BatchNorm}.
 *
 * <p>Example: {@code new BatchNorm2d(64).forward(x)}
 */
public class BatchNorm2d extends BatchNorm {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine. */
    public BatchNorm2d(long numFeatures) {
        this(numFeatures, 1e-5, 0.1, true);
    }

    /** Like {@code nn.BatchNorm2d(num_features, eps, momentum, affine)}. */
    public BatchNorm2d(long numFeatures, double eps, double momentum, boolean affine) {
        super(numFeatures, eps, momentum, affine);
    }

    @Override
    protected boolean acceptsDim(int dim) {
        return dim == 4;
    }
}
