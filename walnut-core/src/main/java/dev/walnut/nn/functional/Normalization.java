package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import java.util.Arrays;

/**
 * Normalization layers with PyTorch's semantics ({@code torch.nn.functional.layer_norm},
 * {@code batch_norm}, {@code group_norm}, {@code instance_norm}, {@code rms_norm},
 * {@code normalize}). Each is a composite of tensor ops (mean, biased variance, {@code rsqrt}),
 * so gradients, including second order, come from the primitives' rules. {@code weight} and
 * {@code bias} are optional (null = no affine transform).
 *
 * <pre>{@code
 * Tensor y = Normalization.layerNorm(x, new long[] {512}, gamma, beta);          // over the last dim
 * Tensor z = Normalization.batchNorm(img, runMean, runVar, gamma, beta, true);   // updates runMean/runVar
 * Tensor u = Normalization.normalize(x);                                          // rows to unit L2 norm
 * }</pre>
 */
public final class Normalization {
    private Normalization() {
    }

    /** PyTorch's default {@code eps} for the normalization layers. */
    public static final double DEFAULT_EPS = 1e-5;
    /** PyTorch's default running-stat {@code momentum}. */
    public static final double DEFAULT_MOMENTUM = 0.1;

    // ------------------------------------------------------------------ layer norm

    /** {@link #layerNorm(Tensor, long[], Tensor, Tensor, double)} without affine and with eps 1e-5. */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape) {
        return layerNorm(x, normalizedShape, null, null, DEFAULT_EPS);
    }

    /** {@link #layerNorm(Tensor, long[], Tensor, Tensor, double)} with eps 1e-5. */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias) {
        return layerNorm(x, normalizedShape, weight, bias, DEFAULT_EPS);
    }

    /**
     * Normalizes over the trailing {@code normalizedShape.length} dims:
     * {@code (x - mean) / sqrt(var + eps) * weight + bias}, with the biased variance.
     * {@code weight} and {@code bias}, if given, have shape {@code normalizedShape}.
     *
     * @throws IllegalArgumentException if {@code normalizedShape} does not match x's trailing dims,
     *     or weight/bias have another shape
     */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        int[] dims = trailingDims("layerNorm", x, normalizedShape);
        checkShape("layerNorm", "weight", weight, normalizedShape);
        checkShape("layerNorm", "bias", bias, normalizedShape);
        Tensor mean = x.mean(dims, true);
        Tensor var = x.var(dims, 0, true);
        Tensor y = x.sub(mean).mul(var.add(eps).rsqrt());
        return affine(y, weight, bias);
    }

    // ------------------------------------------------------------------ batch norm

    /** {@link #batchNorm(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, double, double)} with momentum 0.1 and eps 1e-5. */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training) {
        return batchNorm(x, runningMean, runningVar, weight, bias, training, DEFAULT_MOMENTUM, DEFAULT_EPS);
    }

    /**
     * Batch normalization of {@code x} of shape {@code [N, C, *]} per channel {@code C}.
     *
     * <p>Training: normalizes with the batch mean and biased batch variance over {@code (N, *)};
     * if the running stats are non-null they are updated in place (without recording a graph) as
     * {@code running = (1 - momentum) * running + momentum * batchStat}, where the variance stat is
     * the <em>unbiased</em> one (PyTorch's convention). Null running stats mean no tracking.
     * Evaluation ({@code training == false}): normalizes with the running stats, which are required.
     *
     * @throws IllegalArgumentException if x has fewer than 2 dims, a running stat, weight or bias
     *     does not have C elements, running stats are missing in eval, or a training batch has only
     *     one value per channel
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batchNorm: expected input of shape [N, C, *] (at least 2 dims), got "
                    + Arrays.toString(x.shape()));
        }
        long c = x.size(1);
        checkChannels("batchNorm", "runningMean", runningMean, c, x);
        checkChannels("batchNorm", "runningVar", runningVar, c, x);
        checkChannels("batchNorm", "weight", weight, c, x);
        checkChannels("batchNorm", "bias", bias, c, x);
        int[] dims = allBut(x.dim(), 1);
        long[] statShape = channelShape(x.dim(), c);
        Tensor y;
        if (training) {
            long n = x.numel() / Math.max(c, 1);
            if (n <= 1) {
                throw new IllegalArgumentException("batchNorm: Expected more than 1 value per channel when training, "
                        + "got input size " + Arrays.toString(x.shape()));
            }
            Tensor mean = x.mean(dims, true);
            Tensor var = x.var(dims, 0, true);
            updateRunning(runningMean, runningVar, mean, var, n, momentum);
            y = x.sub(mean).mul(var.add(eps).rsqrt());
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batchNorm: runningMean and runningVar are required in evaluation "
                        + "mode (training == false); pass them or use training == true");
            }
            Tensor mean = runningMean.reshape(statShape).to(x.dtype());
            Tensor var = runningVar.reshape(statShape).to(x.dtype());
            y = x.sub(mean).mul(var.add(eps).rsqrt());
        }
        return affine(y, reshapeOrNull(weight, statShape), reshapeOrNull(bias, statShape));
    }

    // ------------------------------------------------------------------ instance norm

    /** {@link #instanceNorm(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, double, double)}: input stats, no tracking, no affine. */
    public static Tensor instanceNorm(Tensor x) {
        return instanceNorm(x, null, null, null, null, true, DEFAULT_MOMENTUM, DEFAULT_EPS);
    }

    /**
     * Instance normalization of {@code x} of shape {@code [N, C, *]}: each (sample, channel) is
     * normalized over its spatial dims. With {@code useInputStats} the per-instance mean and biased
     * variance are used, and non-null running stats (C elements) are updated in place like
     * {@link #batchNorm} with the per-instance stats averaged over the batch (the variance stat
     * unbiased), which is what PyTorch's reshape-to-batch-norm implementation does. Without it,
     * the running stats are used.
     *
     * @throws IllegalArgumentException if x has fewer than 3 dims, a parameter does not have C
     *     elements, running stats are missing without {@code useInputStats}, or there is only one
     *     spatial element while using input stats
     */
    public static Tensor instanceNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                      boolean useInputStats, double momentum, double eps) {
        if (x.dim() < 3) {
            throw new IllegalArgumentException("instanceNorm: expected input of shape [N, C, *spatial] (at least 3 dims), got "
                    + Arrays.toString(x.shape()));
        }
        long c = x.size(1);
        checkChannels("instanceNorm", "runningMean", runningMean, c, x);
        checkChannels("instanceNorm", "runningVar", runningVar, c, x);
        checkChannels("instanceNorm", "weight", weight, c, x);
        checkChannels("instanceNorm", "bias", bias, c, x);
        long[] statShape = channelShape(x.dim(), c);
        int[] spatial = new int[x.dim() - 2];
        for (int i = 0; i < spatial.length; i++) {
            spatial[i] = i + 2;
        }
        Tensor y;
        if (useInputStats) {
            long n = x.numel() / Math.max(x.size(0) * c, 1);
            if (n <= 1) {
                throw new IllegalArgumentException("instanceNorm: Expected more than 1 spatial element when training, "
                        + "got input size " + Arrays.toString(x.shape()));
            }
            Tensor mean = x.mean(spatial, true);
            Tensor var = x.var(spatial, 0, true);
            updateRunning(runningMean, runningVar, mean.mean(0, true), var.mean(0, true), n, momentum);
            y = x.sub(mean).mul(var.add(eps).rsqrt());
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("instanceNorm: runningMean and runningVar are required when "
                        + "useInputStats == false");
            }
            y = x.sub(runningMean.reshape(statShape).to(x.dtype()))
                    .mul(runningVar.reshape(statShape).to(x.dtype()).add(eps).rsqrt());
        }
        return affine(y, reshapeOrNull(weight, statShape), reshapeOrNull(bias, statShape));
    }

    // ------------------------------------------------------------------ group norm

    /** {@link #groupNorm(Tensor, long, Tensor, Tensor, double)} with eps 1e-5. */
    public static Tensor groupNorm(Tensor x, long numGroups, Tensor weight, Tensor bias) {
        return groupNorm(x, numGroups, weight, bias, DEFAULT_EPS);
    }

    /**
     * Group normalization of {@code x} of shape {@code [N, C, *]}: the C channels are split into
     * {@code numGroups} consecutive groups and each (sample, group) is normalized over its channels
     * and spatial dims with the biased variance; then the per-channel {@code weight}/{@code bias}.
     *
     * @throws IllegalArgumentException if x has fewer than 2 dims, C is not divisible by
     *     {@code numGroups}, or weight/bias do not have C elements
     */
    public static Tensor groupNorm(Tensor x, long numGroups, Tensor weight, Tensor bias, double eps) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException("groupNorm: expected input of shape [N, C, *] (at least 2 dims), got "
                    + Arrays.toString(x.shape()));
        }
        long c = x.size(1);
        if (numGroups <= 0 || c % numGroups != 0) {
            throw new IllegalArgumentException("groupNorm: Expected number of channels in input to be divisible by "
                    + "numGroups, but got input of shape " + Arrays.toString(x.shape()) + " and numGroups=" + numGroups);
        }
        checkChannels("groupNorm", "weight", weight, c, x);
        checkChannels("groupNorm", "bias", bias, c, x);
        long n = x.size(0);
        long perGroup = n * numGroups == 0 ? 0 : x.numel() / (n * numGroups);
        Tensor g = x.reshape(n, numGroups, perGroup);
        Tensor mean = g.mean(new int[] {2}, true);
        Tensor var = g.var(new int[] {2}, 0, true);
        Tensor y = g.sub(mean).mul(var.add(eps).rsqrt()).reshape(x.shape());
        long[] statShape = channelShape(x.dim(), c);
        return affine(y, reshapeOrNull(weight, statShape), reshapeOrNull(bias, statShape));
    }

    // ------------------------------------------------------------------ RMS norm

    /** {@link #rmsNorm(Tensor, long[], Tensor, Double)} without weight and with the dtype's machine epsilon. */
    public static Tensor rmsNorm(Tensor x, long[] normalizedShape) {
        return rmsNorm(x, normalizedShape, null, null);
    }

    /**
     * Root-mean-square normalization over the trailing {@code normalizedShape} dims:
     * {@code x / sqrt(mean(x^2) + eps) * weight}. A null {@code eps} means the machine epsilon of
     * x's dtype ({@code torch.finfo(dtype).eps}: 2^-23 for F32, 2^-52 for F64), as PyTorch does.
     *
     * @throws IllegalArgumentException if {@code normalizedShape} does not match x's trailing dims
     *     or weight has another shape
     */
    public static Tensor rmsNorm(Tensor x, long[] normalizedShape, Tensor weight, Double eps) {
        int[] dims = trailingDims("rmsNorm", x, normalizedShape);
        checkShape("rmsNorm", "weight", weight, normalizedShape);
        double e = eps != null ? eps : x.dtype() == DType.F64 ? Math.ulp(1.0) : Math.ulp(1.0f);
        Tensor y = x.mul(x.square().mean(dims, true).add(e).rsqrt());
        return weight == null ? y : y.mul(weight);
    }

    // ------------------------------------------------------------------ Lp normalize

    /** {@link #normalize(Tensor, double, int, double)} with p = 2, dim = 1, eps = 1e-12. */
    public static Tensor normalize(Tensor x) {
        return normalize(x, 2.0, 1, 1e-12);
    }

    /** {@link #normalize(Tensor, double, int, double)} with eps = 1e-12. */
    public static Tensor normalize(Tensor x, double p, int dim) {
        return normalize(x, p, dim, 1e-12);
    }

    /**
     * {@code x / max(||x||_p, eps)} along {@code dim} (negative dims count from the end), so
     * slices with norm below {@code eps} are divided by {@code eps} rather than by zero.
     */
    public static Tensor normalize(Tensor x, double p, int dim, double eps) {
        int d = wrapDim("normalize", dim, x.dim());
        return x.div(x.norm(p, new int[] {d}, true).clampMin(eps));
    }

    // ------------------------------------------------------------------ helpers

    /** Updates running stats in place from the batch stats; nothing is recorded. */
    private static void updateRunning(Tensor runningMean, Tensor runningVar, Tensor mean, Tensor biasedVar, long n,
                                      double momentum) {
        try (var off = Autograd.noGrad()) {
            if (runningMean != null) {
                Tensor m = mean.detach().reshape(runningMean.shape()).to(runningMean.dtype());
                runningMean.mulInPlace(1.0 - momentum).addInPlace(m, momentum);
            }
            if (runningVar != null) {
                Tensor v = biasedVar.detach().mul((double) n / (n - 1)).reshape(runningVar.shape())
                        .to(runningVar.dtype());
                runningVar.mulInPlace(1.0 - momentum).addInPlace(v, momentum);
            }
        }
    }

    private static Tensor affine(Tensor y, Tensor weight, Tensor bias) {
        if (weight != null) {
            y = y.mul(weight);
        }
        if (bias != null) {
            y = y.add(bias);
        }
        return y;
    }

    private static Tensor reshapeOrNull(Tensor t, long[] shape) {
        return t == null ? null : t.reshape(shape);
    }

    /** {@code [1, C, 1, ...]} with {@code rank} dims, to broadcast per-channel vectors. */
    private static long[] channelShape(int rank, long c) {
        long[] s = new long[rank];
        Arrays.fill(s, 1);
        s[1] = c;
        return s;
    }

    private static int[] allBut(int rank, int skip) {
        int[] dims = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != skip) {
                dims[j++] = i;
            }
        }
        return dims;
    }

    private static int[] trailingDims(String op, Tensor x, long[] normalizedShape) {
        int k = normalizedShape.length;
        long[] shape = x.shape();
        boolean ok = k >= 1 && shape.length >= k;
        for (int i = 0; ok && i < k; i++) {
            ok = shape[shape.length - k + i] == normalizedShape[i];
        }
        if (!ok) {
            String star = Arrays.toString(normalizedShape).replace("[", "[*, ");
            throw new IllegalArgumentException(op + ": given normalizedShape=" + Arrays.toString(normalizedShape)
                    + ", expected input with shape " + star + ", but got input of shape " + Arrays.toString(shape));
        }
        int[] dims = new int[k];
        for (int i = 0; i < k; i++) {
            dims[i] = shape.length - k + i;
        }
        return dims;
    }

    private static void checkShape(String op, String name, Tensor t, long[] expected) {
        if (t != null && !Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + name + " must have shape normalizedShape="
                    + Arrays.toString(expected) + ", got " + Arrays.toString(t.shape()));
        }
    }

    private static void checkChannels(String op, String name, Tensor t, long c, Tensor x) {
        if (t != null && (t.dim() != 1 || t.size(0) != c)) {
            throw new IllegalArgumentException(op + ": " + name + " should be 1-d with " + c
                    + " elements (the channels, dim 1, of input of shape " + Arrays.toString(x.shape()) + "), got shape "
                    + Arrays.toString(t.shape()));
        }
    }

    static int wrapDim(String op, int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.max(rank, 1)) {
            throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for a tensor of rank " + rank
                    + " (expected in [" + -Math.max(rank, 1) + ", " + (Math.max(rank, 1) - 1) + "])");
        }
        return d;
    }
}
