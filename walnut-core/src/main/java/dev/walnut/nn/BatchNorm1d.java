package dev.walnut.nn;

/**
 * Batch normalisation of {@code [N, C]} or {@code [N, C, L]}; see {@link BatchNorm}.
 *
 * <p>Example: {@code new BatchNorm1d(128).forward(x)}
 */
public class BatchNorm1d extends BatchNorm {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine. */
    public BatchNorm1d(long numFeatures) {
        this(numFeatures, 1e-5, 0.1, true);
    }

    /** Like {@code nn.BatchNorm1d(num_features, eps, momentum, affine)}. */
    public BatchNorm1d(long numFeatures, double eps, double momentum, boolean affine) {
        super(numFeatures, eps, momentum, affine);
    }

    @Override
    protected boolean acceptsDim(int dim) {
        return dim == 2 || dim == 3;
    }
}
