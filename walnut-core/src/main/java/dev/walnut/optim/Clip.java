package dev.walnut.optim;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import java.util.List;

/**
 * Gradient clipping, as PyTorch's {@code torch.nn.utils.clip_grad_norm_} and
 * {@code clip_grad_value_}. Parameters without a gradient are skipped.
 *
 * <pre>{@code
 * double norm = Clip.clipGradNorm(model.parameters(), 1.0);        // 2-norm, as PyTorch's default
 * double inf = Clip.clipGradNorm(model.parameters(), 1.0, Double.POSITIVE_INFINITY);
 * Clip.clipGradValue(model.parameters(), 0.5);
 * }</pre>
 */
public final class Clip {
    private Clip() {
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_(params, max_norm)}: clips the total 2-norm of the
     * gradients to {@code maxNorm} (the default {@code norm_type=2.0}) and returns the norm
     * before clipping.
     *
     * <pre>{@code
     * // grads [3] and [4]: total norm 5; scaled by 1 / 5 to [0.6] and [0.8]
     * double norm = Clip.clipGradNorm(List.of(a, b), 1.0);   // 5.0
     * }</pre>
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0);
    }

    /** {@link #clipGradNorm(List, double, double, boolean)} without the non-finite check. */
    public static double clipGradNorm(List<Tensor> params, double maxNorm, double normType) {
        return clipGradNorm(params, maxNorm, normType, false);
    }

    /**
     * Scales the gradients in place so that their total {@code normType}-norm (the norm of the
     * per-parameter norms; {@code Double.POSITIVE_INFINITY} for the max-abs norm) is at most
     * {@code maxNorm}: each is multiplied by {@code min(1, maxNorm / (total + 1e-6))}. Returns the
     * total norm before clipping.
     *
     * @throws ArithmeticException if {@code errorIfNonfinite} and the total norm is NaN or infinite
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm, double normType, boolean errorIfNonfinite) {
        try (var off = Autograd.noGrad()) {
            double total = 0;
            boolean inf = Double.isInfinite(normType);
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) {
                    continue;
                }
                double n = inf ? g.abs().max().item() : g.norm(normType).item();
                total = inf ? Math.max(total, n) : total + Math.pow(n, normType);
            }
            if (!inf) {
                total = Math.pow(total, 1 / normType);
            }
            if (errorIfNonfinite && !Double.isFinite(total)) {
                throw new ArithmeticException("clipGradNorm: the total norm of order " + normType + " of the gradients "
                        + "is " + total + "; pass errorIfNonfinite = false to clip anyway");
            }
            double coef = Math.min(1.0, maxNorm / (total + 1e-6));
            for (Tensor p : params) {
                if (p.grad() != null) {
                    p.grad().mulInPlace(coef);
                }
            }
            return total;
        }
    }

    /** Clamps every gradient element into {@code [-clipValue, clipValue]} in place. */
    public static void clipGradValue(List<Tensor> params, double clipValue) {
        try (var off = Autograd.noGrad()) {
            for (Tensor p : params) {
                if (p.grad() != null) {
                    p.grad().clampInPlace(-clipValue, clipValue);
                }
            }
        }
    }
}
