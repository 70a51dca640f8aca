package dev.walnut.nn;

/** Batch normalisation of {@code [N, C, H, W]}; see {@link BatchNorm}. */
public class BatchNorm2d extends BatchNorm {
    public BatchNorm2d(long numFeatures) {
        this(numFeatures, 1e-5, 0.1, true);
    }

    public BatchNorm2d(long numFeatures, double eps, double momentum, boolean affine) {
        super(numFeatures, eps, momentum, affine);
    }

    @Override
    protected boolean acceptsDim(int dim) {
        return dim == 4;
    }
}
