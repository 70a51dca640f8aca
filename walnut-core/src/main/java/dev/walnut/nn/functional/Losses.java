package dev.walnut.nn.functional;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import java.util.Arrays;

/**
 * Loss functions with PyTorch's names, defaults, reductions and error cases
 * ({@code torch.nn.functional}). Every loss is a composite of differentiable tensor ops, so
 * gradients of any order come from the ops' own rules.
 *
 * <p>{@code reduction} is a string, as in PyTorch: {@code "mean"} (the default), {@code "sum"} or
 * {@code "none"} (the per-element losses); {@link #klDiv} also accepts {@code "batchmean"}. Any
 * other string is an {@link IllegalArgumentException} naming the valid ones.
 *
 * <pre>{@code
 * Tensor logits = Tensor.zeros(new long[] {2, 3}, DType.F64);
 * Losses.crossEntropy(logits, Tensor.of(0L, 2L));        // log 3 = 1.0986
 * Losses.crossEntropy(logits, Tensor.of(0L, 2L), null, -100, "none", 0.1);
 * Losses.mseLoss(Tensor.of(1.0, 2.0), Tensor.of(0.0, 0.0)); // 2.5
 * }</pre>
 *
 * <p>Class dimension: inputs are {@code [N, C, d1, ...]} with class-index targets
 * {@code [N, d1, ...]}, or the unbatched {@code [C]} with a 0-d target.
 */
public final class Losses {
    private Losses() {
    }

    /** PyTorch's default {@code ignore_index}. */
    public static final long IGNORE_INDEX = -100;

    // ------------------------------------------------------------------ helpers

    private static void checkReduction(String op, String reduction, boolean allowBatchMean) {
        if ("mean".equals(reduction) || "sum".equals(reduction) || "none".equals(reduction)
                || (allowBatchMean && "batchmean".equals(reduction))) {
            return;
        }
        throw new IllegalArgumentException(op + ": reduction must be " + (allowBatchMean
                ? "\"mean\", \"sum\", \"none\" or \"batchmean\"" : "\"mean\", \"sum\" or \"none\"")
                + ", got \"" + reduction + "\"");
    }

    private static Tensor reduce(String op, Tensor loss, String reduction) {
        checkReduction(op, reduction, false);
        return switch (reduction) {
            case "mean" -> loss.mean();
            case "sum" -> loss.sum();
            default -> loss;
        };
    }

    static void checkFloating(String op, String what, Tensor t) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + what + " must be floating point, got " + t.dtype());
        }
    }

    /** The broadcast shape of {@code a} and {@code b}, or an error naming the op and both shapes. */
    static long[] broadcastShape(String op, String nameA, Tensor a, String nameB, Tensor b) {
        long[] x = a.shape();
        long[] y = b.shape();
        int n = Math.max(x.length, y.length);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long dx = i < n - x.length ? 1 : x[i - (n - x.length)];
            long dy = i < n - y.length ? 1 : y[i - (n - y.length)];
            if (dx != dy && dx != 1 && dy != 1) {
                throw new IllegalArgumentException(op + ": " + nameA + " shape " + Arrays.toString(x) + " and "
                        + nameB + " shape " + Arrays.toString(y) + " are not broadcastable");
            }
            out[i] = dx == 1 ? dy : dx;
        }
        return out;
    }

    private static void checkSameShape(String op, String nameA, Tensor a, String nameB, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": " + nameA + " shape " + Arrays.toString(a.shape())
                    + " must equal " + nameB + " shape " + Arrays.toString(b.shape()));
        }
    }

    /** Elementwise binary losses take broadcastable inputs (PyTorch broadcasts, with a warning). */
    private static void checkPair(String op, Tensor input, Tensor target) {
        checkFloating(op, "input", input);
        checkFloating(op, "target", target);
        broadcastShape(op, "input", input, "target", target);
    }

    // ------------------------------------------------------------------ classification

    /** {@link #crossEntropy(Tensor, Tensor, Tensor, long, String, double)} with no weight, mean, no smoothing. */
    public static Tensor crossEntropy(Tensor input, Tensor target) {
        return crossEntropy(input, target, null, IGNORE_INDEX, "mean", 0.0);
    }

    /** {@link #crossEntropy(Tensor, Tensor, Tensor, long, String, double)} with no weight and no smoothing. */
    public static Tensor crossEntropy(Tensor input, Tensor target, String reduction) {
        return crossEntropy(input, target, null, IGNORE_INDEX, reduction, 0.0);
    }

    /**
     * Cross entropy between logits {@code input} ({@code [N, C, d1, ...]} or {@code [C]}) and
     * {@code target}, computed from {@code logSoftmax} so large logits neither overflow nor
     * underflow. Like {@code torch.nn.functional.cross_entropy}:
     * <ul>
     * <li>Integer targets are class indices ({@code [N, d1, ...]} or 0-d) in {@code [0, C)}, or
     * {@code ignoreIndex} (contributes 0 and is left out of the mean). The loss is
     * {@code -w[y] logp[y]}; the weighted mean divides by the sum of {@code w[y]} over non-ignored
     * targets (NaN when all are ignored, as in PyTorch).</li>
     * <li>Floating targets are class probabilities with the input's shape; the loss is
     * {@code -sum_c w[c] t[c] logp[c]} and the mean divides by the number of samples
     * ({@code N * d1 * ...}), not by the weights. {@code ignoreIndex} does not apply.</li>
     * <li>Label smoothing {@code eps} mixes the target with the uniform distribution: for indices
     * {@code (1 - eps) * nll + eps / C * sum_c (-w[c] logp[c])}, with the smoothing term zeroed for
     * ignored targets and, for a weighted mean, divided by the same weight sum; for probabilities
     * the target becomes {@code t (1 - eps) + eps / C}.</li>
     * </ul>
     *
     * @param weight per-class rescaling of shape {@code [C]}, or null
     * @param labelSmoothing in {@code [0, 1]}
     */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex, String reduction,
                                      double labelSmoothing) {
        String op = "crossEntropy";
        checkReduction(op, reduction, false);
        if (!(labelSmoothing >= 0.0 && labelSmoothing <= 1.0)) {
            throw new IllegalArgumentException(op + ": labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
        checkFloating(op, "input", input);
        int classDim = classDim(op, input);
        long classes = input.size(classDim);
        checkWeight(op, weight, input, classes);
        Tensor logp = input.logSoftmax(classDim);
        if (target.dtype().isFloatingPoint()) {
            if (!Arrays.equals(input.shape(), target.shape())) {
                throw new IllegalArgumentException(op + ": a floating-point target is read as class probabilities and "
                        + "must have the input's shape " + Arrays.toString(input.shape()) + ", got " + Arrays.toString(
                        target.shape()) + "; class-index targets must be integers: convert them with to(DType.I64)");
            }
            Tensor t = labelSmoothing > 0 ? target.mul(1.0 - labelSmoothing).add(labelSmoothing / classes) : target;
            Tensor terms = logp.mul(t);
            if (weight != null) {
                terms = terms.mul(classBroadcast(weight, input.dim(), classDim));
            }
            Tensor loss = terms.sum(classDim, false).neg();
            return reduce(op, loss, reduction);
        }
        Tensor nll = nll(op, logp, target, weight, ignoreIndex, reduction, classDim);
        if (labelSmoothing == 0.0) {
            return nll;
        }
        Tensor ignored = target.eq((double) ignoreIndex);
        Tensor terms = weight == null ? logp : logp.mul(classBroadcast(weight, input.dim(), classDim));
        Tensor smooth = terms.sum(classDim, false).neg().maskedFill(ignored, 0.0);
        Tensor smoothReduced = switch (reduction) {
            case "mean" -> smooth.sum().div(targetWeights(target, weight, ignoreIndex, ignored, input).sum());
            case "sum" -> smooth.sum();
            default -> smooth;
        };
        return nll.mul(1.0 - labelSmoothing).add(smoothReduced.mul(labelSmoothing / classes));
    }

    /** {@link #nllLoss(Tensor, Tensor, Tensor, long, String)} with no weight and mean reduction. */
    public static Tensor nllLoss(Tensor input, Tensor target) {
        return nllLoss(input, target, null, IGNORE_INDEX, "mean");
    }

    /**
     * Negative log-likelihood of log-probabilities {@code input} ({@code [N, C, d1, ...]} or
     * {@code [C]}) at class indices {@code target} ({@code [N, d1, ...]} or 0-d), like
     * {@code torch.nn.functional.nll_loss}: the loss is {@code -w[y] input[y]}, 0 where
     * {@code y == ignoreIndex}; the mean divides by the sum of {@code w[y]} over non-ignored targets.
     *
     * @param weight per-class rescaling of shape {@code [C]}, or null
     */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, String reduction) {
        String op = "nllLoss";
        checkReduction(op, reduction, false);
        checkFloating(op, "input", input);
        int classDim = classDim(op, input);
        checkWeight(op, weight, input, input.size(classDim));
        return nll(op, input, target, weight, ignoreIndex, reduction, classDim);
    }

    private static int classDim(String op, Tensor input) {
        if (input.dim() == 0) {
            throw new IllegalArgumentException(op + ": input must have a class dimension ([C] or [N, C, ...]), got a 0-d tensor");
        }
        return input.dim() == 1 ? 0 : 1;
    }

    private static void checkWeight(String op, Tensor weight, Tensor input, long classes) {
        if (weight == null) {
            return;
        }
        if (weight.dim() != 1 || weight.size(0) != classes) {
            throw new IllegalArgumentException(op + ": weight must have shape [" + classes + "] (one per class), got "
                    + Arrays.toString(weight.shape()));
        }
        if (weight.dtype() != input.dtype()) {
            throw new IllegalArgumentException(op + ": weight dtype " + weight.dtype() + " must match input dtype "
                    + input.dtype());
        }
    }

    /** The [C] weight viewed as [1, C, 1, ...] so it broadcasts along {@code classDim}. */
    private static Tensor classBroadcast(Tensor weight, int rank, int classDim) {
        long[] shape = new long[rank];
        Arrays.fill(shape, 1);
        shape[classDim] = weight.size(0);
        return weight.reshape(shape);
    }

    /** Checks index targets: integral, the input's shape without the class dim, values in range. */
    private static void checkIndexTarget(String op, Tensor input, Tensor target, long ignoreIndex, int classDim) {
        if (!target.dtype().isIntegral()) {
            throw new IllegalArgumentException(op + ": class-index target must be I64 or I32, got " + target.dtype());
        }
        long[] expected = new long[input.dim() - 1];
        for (int i = 0, j = 0; i < input.dim(); i++) {
            if (i != classDim) {
                expected[j++] = input.size(i);
            }
        }
        if (!Arrays.equals(expected, target.shape())) {
            throw new IllegalArgumentException(op + ": input shape " + Arrays.toString(input.shape())
                    + " needs a target of shape " + Arrays.toString(expected) + ", got target shape "
                    + Arrays.toString(target.shape()));
        }
        if (Dispatcher.isTransformed(target) || Dispatcher.isInterpreting()) {
            // vmap's batched target: its values are not one tensor's; under a tracer they are one
            // example's, and reading them would tie the graph to them. gather checks each index.
            return;
        }
        long classes = input.size(classDim);
        for (long v : target.toLongArray()) {
            if (v != ignoreIndex && (v < 0 || v >= classes)) {
                throw new IndexOutOfBoundsException(op + ": target " + v + " is out of bounds for " + classes
                        + " classes (valid: 0 to " + (classes - 1) + ", or ignoreIndex " + ignoreIndex + ")");
            }
        }
    }

    /** {@code w[y]} per target (ones without a weight), 0 where ignored; the denominator of the mean. */
    private static Tensor targetWeights(Tensor target, Tensor weight, long ignoreIndex, Tensor ignored, Tensor input) {
        Tensor w;
        if (weight == null) {
            w = Tensor.ones(target.shape(), input.dtype());
        } else {
            Tensor safe = target.to(DType.I64).maskedFill(ignored, 0.0);
            w = weight.indexSelect(0, safe.reshape(-1)).reshape(target.shape());
        }
        return w.maskedFill(ignored, 0.0);
    }

    private static Tensor nll(String op, Tensor logp, Tensor target, Tensor weight, long ignoreIndex, String reduction,
                              int classDim) {
        checkIndexTarget(op, logp, target, ignoreIndex, classDim);
        Tensor ignored = target.eq((double) ignoreIndex);
        // Ignored positions gather class 0 (always valid) and are then weighted by 0.
        Tensor safe = target.to(DType.I64).maskedFill(ignored, 0.0);
        Tensor picked = logp.gather(classDim, safe.unsqueeze(classDim)).squeeze(classDim);
        Tensor w = targetWeights(target, weight, ignoreIndex, ignored, logp);
        Tensor loss = picked.mul(w).neg();
        return switch (reduction) {
            case "mean" -> loss.sum().div(w.sum());
            case "sum" -> loss.sum();
            default -> loss;
        };
    }

    /** {@link #binaryCrossEntropy(Tensor, Tensor, Tensor, String)} with no weight and mean reduction. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return binaryCrossEntropy(input, target, null, "mean");
    }

    /**
     * Binary cross entropy of probabilities {@code input} in {@code [0, 1]} against {@code target}
     * (same shape), like {@code torch.nn.functional.binary_cross_entropy}:
     * {@code -w (t log x + (1 - t) log(1 - x))} with each log clamped to at least -100, so
     * {@code x = 0} or {@code 1} gives a finite loss. An input outside {@code [0, 1]} is an error;
     * prefer {@link #binaryCrossEntropyWithLogits} for logits.
     *
     * @param weight broadcastable to the input, or null
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, String reduction) {
        String op = "binaryCrossEntropy";
        checkReduction(op, reduction, false);
        checkFloating(op, "input", input);
        checkFloating(op, "target", target);
        checkSameShape(op, "input", input, "target", target);
        for (double v : input.detach().toDoubleArray()) {
            if (!(v >= 0.0 && v <= 1.0)) {
                throw new IllegalArgumentException(op + ": input values must be probabilities in [0, 1], got " + v
                        + "; use binaryCrossEntropyWithLogits for logits");
            }
        }
        Tensor logX = input.log().clampMin(-100.0);
        Tensor logOneMinusX = input.rsub(1.0).log().clampMin(-100.0);
        Tensor loss = target.mul(logX).add(target.rsub(1.0).mul(logOneMinusX)).neg();
        if (weight != null) {
            broadcastShape(op, "input", input, "weight", weight);
            loss = loss.mul(weight);
        }
        return reduce(op, loss, reduction);
    }

    /** {@link #binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor, Tensor, String)} with defaults. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, null, null, "mean");
    }

    /**
     * Binary cross entropy on logits, like
     * {@code torch.nn.functional.binary_cross_entropy_with_logits}:
     * {@code w ((1 - t) x - (1 + (p - 1) t) logSigmoid(x))} with {@code p = posWeight} (broadcast
     * along the last, class, dim), which equals {@code -w (p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))}.
     * {@code logSigmoid} is computed stably, so logits of any magnitude give finite losses and
     * gradients.
     *
     * @param weight broadcastable to the input, or null
     * @param posWeight weight of positive examples, broadcastable to the input, or null
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight,
                                                      String reduction) {
        String op = "binaryCrossEntropyWithLogits";
        checkReduction(op, reduction, false);
        checkFloating(op, "input", input);
        checkFloating(op, "target", target);
        checkSameShape(op, "input", input, "target", target);
        Tensor logSig = Activations.logSigmoid(input);
        Tensor coefficient = posWeight == null ? null : posWeight.sub(1.0).mul(target).add(1.0);
        if (posWeight != null) {
            broadcastShape(op, "input", input, "posWeight", posWeight);
        }
        Tensor loss = target.rsub(1.0).mul(input).sub(coefficient == null ? logSig : coefficient.mul(logSig));
        if (weight != null) {
            broadcastShape(op, "input", input, "weight", weight);
            loss = loss.mul(weight);
        }
        return reduce(op, loss, reduction);
    }

    // ------------------------------------------------------------------ regression

    /** Mean squared error {@code (input - target)^2}, reduced by mean. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, "mean");
    }

    /** Squared error {@code (input - target)^2} ({@code torch.nn.functional.mse_loss}); the two broadcast. */
    public static Tensor mseLoss(Tensor input, Tensor target, String reduction) {
        checkReduction("mseLoss", reduction, false);
        checkPair("mseLoss", input, target);
        return reduce("mseLoss", input.sub(target).square(), reduction);
    }

    /** Mean absolute error {@code |input - target|}. */
    public static Tensor l1Loss(Tensor input, Tensor target) {
        return l1Loss(input, target, "mean");
    }

    /** Absolute error {@code |input - target|} ({@code torch.nn.functional.l1_loss}); the gradient at 0 is 0. */
    public static Tensor l1Loss(Tensor input, Tensor target, String reduction) {
        checkReduction("l1Loss", reduction, false);
        checkPair("l1Loss", input, target);
        return reduce("l1Loss", input.sub(target).abs(), reduction);
    }

    /** {@link #smoothL1Loss(Tensor, Tensor, String, double)} with mean reduction and {@code beta = 1}. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target) {
        return smoothL1Loss(input, target, "mean", 1.0);
    }

    /**
     * Smooth L1 ({@code torch.nn.functional.smooth_l1_loss}): with {@code d = input - target},
     * {@code 0.5 d^2 / beta} where {@code |d| < beta}, else {@code |d| - 0.5 beta}. {@code beta = 0}
     * is the L1 loss; a negative beta is an error.
     */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, String reduction, double beta) {
        String op = "smoothL1Loss";
        checkReduction(op, reduction, false);
        if (!(beta >= 0.0)) {
            throw new IllegalArgumentException(op + ": beta must be non-negative, got " + beta);
        }
        checkPair(op, input, target);
        Tensor diff = input.sub(target).abs();
        if (beta == 0.0) {
            return reduce(op, diff, reduction);
        }
        Tensor loss = Tensor.where(diff.lt(beta), diff.square().mul(0.5 / beta), diff.sub(0.5 * beta));
        return reduce(op, loss, reduction);
    }

    /** {@link #huberLoss(Tensor, Tensor, String, double)} with mean reduction and {@code delta = 1}. */
    public static Tensor huberLoss(Tensor input, Tensor target) {
        return huberLoss(input, target, "mean", 1.0);
    }

    /**
     * Huber loss ({@code torch.nn.functional.huber_loss}): {@code 0.5 d^2} where {@code |d| < delta},
     * else {@code delta (|d| - 0.5 delta)}; equal to {@code delta * smoothL1Loss(beta = delta)}.
     * {@code delta} must be positive.
     */
    public static Tensor huberLoss(Tensor input, Tensor target, String reduction, double delta) {
        String op = "huberLoss";
        checkReduction(op, reduction, false);
        if (!(delta > 0.0)) {
            throw new IllegalArgumentException(op + ": delta must be positive, got " + delta);
        }
        checkPair(op, input, target);
        Tensor diff = input.sub(target).abs();
        Tensor loss = Tensor.where(diff.lt(delta), diff.square().mul(0.5), diff.sub(0.5 * delta).mul(delta));
        return reduce(op, loss, reduction);
    }

    // ------------------------------------------------------------------ distributions

    /** {@link #klDiv(Tensor, Tensor, String, boolean)} with mean reduction and probability targets. */
    public static Tensor klDiv(Tensor input, Tensor target) {
        return klDiv(input, target, "mean", false);
    }

    /**
     * Kullback-Leibler divergence {@code KL(target || exp(input))} pointwise
     * ({@code torch.nn.functional.kl_div}); {@code input} holds log-probabilities. The pointwise loss
     * is {@code t (log t - input)}, 0 where {@code t = 0}, or with {@code logTarget}
     * {@code e^t (t - input)}. {@code "batchmean"} divides the sum by {@code input.size(0)} and is
     * the true KL divergence per sample; {@code "mean"} (PyTorch's default) divides by the element
     * count.
     */
    public static Tensor klDiv(Tensor input, Tensor target, String reduction, boolean logTarget) {
        String op = "klDiv";
        checkReduction(op, reduction, true);
        checkPair(op, input, target);
        Tensor loss;
        if (logTarget) {
            loss = target.exp().mul(target.sub(input));
        } else {
            // xlogy(t, t): the log is taken of 1 where t <= 0 so neither value nor gradient is NaN.
            Tensor positive = target.gt(0.0);
            Tensor safe = Tensor.where(positive, target, Tensor.onesLike(target));
            Tensor tLogT = Tensor.where(positive, target.mul(safe.log()), Tensor.zerosLike(target));
            loss = tLogT.sub(target.mul(input));
        }
        if ("batchmean".equals(reduction)) {
            return input.dim() == 0 ? loss.sum() : loss.sum().div((double) input.size(0));
        }
        return reduce(op, loss, reduction);
    }

    // ------------------------------------------------------------------ embeddings and ranking

    /** {@link #cosineEmbeddingLoss(Tensor, Tensor, Tensor, double, String)} with margin 0 and mean. */
    public static Tensor cosineEmbeddingLoss(Tensor x1, Tensor x2, Tensor y) {
        return cosineEmbeddingLoss(x1, x2, y, 0.0, "mean");
    }

    /**
     * Cosine embedding loss ({@code torch.nn.functional.cosine_embedding_loss}) of {@code [N, D]} (or
     * {@code [D]}) inputs with labels {@code y} of {@code [N]} (or 0-d): {@code 1 - cos} where
     * {@code y = 1}, {@code max(0, cos - margin)} where {@code y = -1}, 0 for other labels. As in
     * PyTorch, {@code cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))}.
     */
    public static Tensor cosineEmbeddingLoss(Tensor x1, Tensor x2, Tensor y, double margin, String reduction) {
        String op = "cosineEmbeddingLoss";
        checkReduction(op, reduction, false);
        checkFloating(op, "x1", x1);
        checkFloating(op, "x2", x2);
        checkSameShape(op, "x1", x1, "x2", x2);
        if (x1.dim() != 1 && x1.dim() != 2) {
            throw new IllegalArgumentException(op + ": inputs must be [N, D] or [D], got shape "
                    + Arrays.toString(x1.shape()));
        }
        int d = x1.dim() - 1;
        long[] expected = d == 1 ? new long[] {x1.size(0)} : new long[0];
        if (!Arrays.equals(expected, y.shape())) {
            throw new IllegalArgumentException(op + ": inputs of shape " + Arrays.toString(x1.shape())
                    + " need a target of shape " + Arrays.toString(expected) + ", got " + Arrays.toString(y.shape()));
        }
        Tensor dot = x1.mul(x2).sum(d, false);
        Tensor denominator = x1.square().sum(d, false).add(1e-12).mul(x2.square().sum(d, false).add(1e-12)).sqrt();
        Tensor cos = dot.div(denominator);
        Tensor zero = Tensor.zerosLike(cos);
        Tensor labels = y.to(x1.dtype());
        Tensor loss = Tensor.where(labels.eq(1.0), cos.rsub(1.0), zero)
                .add(Tensor.where(labels.eq(-1.0), cos.sub(margin).clampMin(0.0), zero));
        return reduce(op, loss, reduction);
    }

    /** {@link #marginRankingLoss(Tensor, Tensor, Tensor, double, String)} with margin 0 and mean. */
    public static Tensor marginRankingLoss(Tensor x1, Tensor x2, Tensor y) {
        return marginRankingLoss(x1, x2, y, 0.0, "mean");
    }

    /**
     * Margin ranking loss {@code max(0, -y (x1 - x2) + margin)}
     * ({@code torch.nn.functional.margin_ranking_loss}); {@code y} is 1 where {@code x1} should rank
     * higher and -1 where {@code x2} should. All three broadcast.
     */
    public static Tensor marginRankingLoss(Tensor x1, Tensor x2, Tensor y, double margin, String reduction) {
        String op = "marginRankingLoss";
        checkReduction(op, reduction, false);
        checkFloating(op, "x1", x1);
        checkFloating(op, "x2", x2);
        broadcastShape(op, "x1", x1, "x2", x2);
        broadcastShape(op, "x1", x1, "y", y);
        Tensor loss = x1.sub(x2).mul(y.to(x1.dtype())).neg().add(margin).clampMin(0.0);
        return reduce(op, loss, reduction);
    }

    /** {@link #tripletMarginLoss(Tensor, Tensor, Tensor, double, double, double, boolean, String)} with defaults. */
    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative) {
        return tripletMarginLoss(anchor, positive, negative, 1.0, 2.0, 1e-6, false, "mean");
    }

    /**
     * Triplet margin loss ({@code torch.nn.functional.triplet_margin_loss}):
     * {@code max(d(a, p) - d(a, n) + margin, 0)} with the pairwise distance
     * {@code d(x, y) = |x - y + eps|_p} along the last dim. With {@code swap}, {@code d(a, n)} is
     * replaced by {@code min(d(a, n), d(p, n))} (Balntas et al. 2016). Inputs are {@code [N, D]} or
     * {@code [D]} of one shape.
     */
    public static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p,
                                           double eps, boolean swap, String reduction) {
        String op = "tripletMarginLoss";
        checkReduction(op, reduction, false);
        if (!(p > 0)) {
            throw new IllegalArgumentException(op + ": p must be positive, got " + p);
        }
        checkFloating(op, "anchor", anchor);
        checkSameShape(op, "anchor", anchor, "positive", positive);
        checkSameShape(op, "anchor", anchor, "negative", negative);
        if (anchor.dim() != 1 && anchor.dim() != 2) {
            throw new IllegalArgumentException(op + ": inputs must be [N, D] or [D], got shape "
                    + Arrays.toString(anchor.shape()));
        }
        Tensor positiveDistance = Distances.pairwiseDistance(anchor, positive, p, eps, false);
        Tensor negativeDistance = Distances.pairwiseDistance(anchor, negative, p, eps, false);
        if (swap) {
            negativeDistance = negativeDistance.minimum(Distances.pairwiseDistance(positive, negative, p, eps, false));
        }
        Tensor loss = positiveDistance.sub(negativeDistance).add(margin).clampMin(0.0);
        return reduce(op, loss, reduction);
    }

}
