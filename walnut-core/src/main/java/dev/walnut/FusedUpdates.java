package dev.walnut;

/**
 * The optimizers' fused one-pass updates ({@code Kernels.sgdUpdate} / {@code adamUpdate}): when
 * they apply, and the back-end call ({@code Backend.sgdUpdate} / {@code adamUpdate}, which
 * explains why they are bitwise identical to the tensor-op formulation).
 */
final class FusedUpdates {
    private FusedUpdates() {
    }

    /** True when every tensor is contiguous, of {@code param}'s dtype (F32 or F64) and of its size. */
    static boolean applicable(Tensor param, Tensor grad, Tensor... buffers) {
        DType dt = param.dtype();
        if (dt != DType.F32 && dt != DType.F64 || !sameLayout(param, grad, dt)) {
            return false;
        }
        for (Tensor b : buffers) {
            if (b != null && !sameLayout(param, b, dt)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameLayout(Tensor param, Tensor t, DType dt) {
        return t.dtype() == dt && t.isContiguous() && param.isContiguous() && t.numel() == param.numel()
                && !t.requiresGrad();
    }

    /**
     * SGD ({@code SGD}'s formula). {@code buf} is the momentum buffer (null without momentum);
     * on the first step ({@code firstStep}) it receives a copy of the direction instead of the
     * momentum update.
     */
    static void sgd(Tensor param, Tensor grad, boolean negate, double weightDecay, double momentum, double dampening,
                    boolean nesterov, Tensor buf, boolean firstStep, double lr) {
        Backends.CPU.sgdUpdate(param.storage, param.offset, grad.storage, grad.offset, buf == null ? null : buf.storage,
                buf == null ? 0 : buf.offset, (int) param.numel(), negate, weightDecay, momentum, dampening, nesterov,
                firstStep, lr);
        param.storage.bumpVersion();
    }

    /**
     * Adam ({@code Adam.adamUpdate}'s formula) with an optional L2 term ({@code l2}, added to the
     * gradient) and an optional decoupled decay factor ({@code decay}, multiplied into the
     * parameter first, AdamW's; 1 for none). {@code vmax} is null without AMSGrad.
     */
    static void adam(Tensor param, Tensor grad, boolean negate, double l2, double decay, Tensor m, Tensor v, Tensor vmax,
                     double beta1, double beta2, double eps, double stepSize, double sqrtBias2) {
        Backends.CPU.adamUpdate(param.storage, param.offset, grad.storage, grad.offset, m.storage, m.offset, v.storage,
                v.offset, vmax == null ? null : vmax.storage, vmax == null ? 0 : vmax.offset, (int) param.numel(), negate,
                l2, decay, beta1, beta2, eps, stepSize, sqrtBias2);
        param.storage.bumpVersion();
    }
}
