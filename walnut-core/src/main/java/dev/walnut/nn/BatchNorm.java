package dev.walnut.nn;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.nn.functional.Normalization;

/**
 * Shared body of {@link BatchNorm1d} and {@link BatchNorm2d}: affine weight (ones) and bias
 * (zeros), buffers {@code running_mean} (zeros), {@code running_var} (ones) and
 * {@code num_batches_tracked} (I64 0), PyTorch's names and momentum convention
 * ({@code running = (1 - momentum) running + momentum batchStat}, unbiased variance). Training
 * mode normalises with batch statistics and updates the running ones; eval mode uses the running ones.
 *
 * <p>Example: {@code new BatchNorm2d(64).forward(x)}
 */
public abstract class BatchNorm extends Module {
    private final long numFeatures;
    private final double eps;
    private final double momentum;
    private Tensor weight;
    private Tensor bias;

    /** Common state of the batch-norm modules; eps, momentum and affine mean what they do in PyTorch. */
    protected BatchNorm(long numFeatures, double eps, double momentum, boolean affine) {
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = registerParameter("weight", affine ? Tensor.ones(numFeatures) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(numFeatures) : null);
        registerBuffer("running_mean", Tensor.zeros(numFeatures));
        registerBuffer("running_var", Tensor.ones(numFeatures));
        registerBuffer("num_batches_tracked", Tensor.zeros(new long[0], DType.I64));
    }

    /** The number of input dims this layer accepts ({@code [N, C]} / {@code [N, C, L]}, or {@code [N, C, H, W]}). */
    protected abstract boolean acceptsDim(int dim);

    /** The learnable scale (gamma), or null when not affine. */
    public Tensor weight() {
        return weight;
    }

    /** The learnable shift (beta), or null when not affine. */
    public Tensor bias() {
        return bias;
    }

    /** The running mean used in eval mode (a buffer, not a parameter). */
    public Tensor runningMean() {
        return namedBuffers().get("running_mean");
    }

    /** The running variance used in eval mode (a buffer, not a parameter). */
    public Tensor runningVar() {
        return namedBuffers().get("running_var");
    }

    @Override
    public Tensor forward(Tensor input) {
        if (!acceptsDim(input.dim())) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": unexpected input shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        var b = namedBuffers();
        if (isTraining()) {
            Autograd.noGrad(() -> {
                Tensor n = b.get("num_batches_tracked");
                n.fillInPlace(n.itemLong() + 1);
            });
        }
        return Normalization.batchNorm(input, b.get("running_mean"), b.get("running_var"), weight, bias,
                isTraining(), momentum, eps);
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + PyRepr.pyFloat(eps) + ", momentum=" + PyRepr.pyFloat(momentum)
                + ", affine=" + pyBool(weight != null)
                + ", track_running_stats=True";
    }
}
