package dev.walnut.autograd;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.internal.TensorInternals;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Float64 finite-difference checks of gradients, first and second order. Use it to verify a
 * custom {@link dev.walnut.autograd.Function} the way Walnut verifies its own ops.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(new long[] {3, 4}, DType.F64).setRequiresGrad(true);
 * GradCheck.check(in -> in[0].tanh(), x);          // throws AssertionError with details on mismatch
 * GradCheck.checkSecondOrder(in -> in[0].tanh(), x);
 * }</pre>
 *
 * <p>Inputs must be F64 (finite differences in float32 are too noisy to mean anything). The
 * function's output may be any shape: it is reduced with a fixed random projection.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** Default step and tolerances, matching torch.autograd.gradcheck. */
    public static final double EPS = 1e-6;
    public static final double ATOL = 1e-5;
    public static final double RTOL = 1e-3;

    /** Checks analytic first-order gradients of {@code fn} against central differences. */
    public static void check(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        check(fn, EPS, ATOL, RTOL, inputs);
    }

    /** {@link #check(Function, Tensor...)} with explicit step and tolerances. */
    public static void check(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol, Tensor... inputs) {
        // A private context keeps the many probe evaluations off the caller's tape.
        try (var ctx = new GradientContext()) {
            checkFirst(fn, eps, atol, rtol, asLeaves(inputs));
        }
    }

    private static void checkFirst(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol, Tensor... inputs) {
        for (Tensor in : inputs) {
            if (in.requiresGrad() && in.dtype() != DType.F64) {
                throw new IllegalArgumentException("GradCheck: inputs that require grad must be F64, got " + in.dtype()
                        + "; create them with DType.F64 or convert with to(DType.F64)");
            }
        }
        Tensor probe;
        try (var on = Autograd.enableGrad()) {
            probe = fn.apply(inputs);
        }
        // A fixed random projection turns any output shape into a scalar without special-casing.
        Tensor weights = Tensor.randn(probe.shape(), DType.F64, new dev.walnut.Generator(1234));
        Function<Tensor[], Tensor> scalarFn = in -> fn.apply(in).to(DType.F64).mul(weights).sum();
        compare("first-order", scalarFn, eps, atol, rtol, inputs);
    }

    /**
     * Checks second-order gradients: the gradient of (the analytic first-order gradient,
     * projected to a scalar) against finite differences of that gradient.
     */
    public static void checkSecondOrder(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        checkSecondOrder(fn, EPS, ATOL, RTOL, inputs);
    }

    /** {@link #checkSecondOrder(Function, Tensor...)} with explicit step and tolerances. */
    public static void checkSecondOrder(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol,
                                        Tensor... inputs) {
        try (var ctx = new GradientContext()) {
            checkSecond(fn, eps, atol, rtol, asLeaves(inputs));
        }
    }

    private static void checkSecond(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol,
                                    Tensor... inputs) {
        Tensor probe;
        try (var on = Autograd.enableGrad()) {
            probe = fn.apply(inputs);
        }
        Tensor weights = Tensor.randn(probe.shape(), DType.F64, new dev.walnut.Generator(4321));
        int[] diffIdx = Arrays.stream(range(inputs.length)).filter(i -> inputs[i].requiresGrad()).toArray();
        Tensor[] gradWeights = new Tensor[inputs.length];
        var gen = new dev.walnut.Generator(99);
        for (int i : diffIdx) {
            gradWeights[i] = Tensor.randn(inputs[i].shape(), DType.F64, gen);
        }
        // g(x) = sum_i <w_i, d(<weights, f(x)>)/dx_i>: a scalar whose gradient needs second derivatives.
        Function<Tensor[], Tensor> gradFn = in -> {
            try (var on = Autograd.enableGrad()) {
                Tensor y = fn.apply(in).to(DType.F64).mul(weights).sum();
                Tensor[] diffInputs = Arrays.stream(diffIdx).mapToObj(i -> in[i]).toArray(Tensor[]::new);
                Tensor[] g = Autograd.grad(new Tensor[] {y}, diffInputs, null, true, true, true);
                Tensor total = Tensor.zeros(new long[0], DType.F64);
                for (int k = 0; k < diffIdx.length; k++) {
                    if (g[k] != null) {
                        total = total.add(g[k].mul(gradWeights[diffIdx[k]]).sum());
                    }
                }
                return total;
            }
        };
        compare("second-order", gradFn, eps, atol, rtol, inputs);
    }

    /**
     * Non-leaf inputs become leaves sharing their storage and layout (strided inputs stay
     * strided): their history lives on the caller's tape, which the private context cannot see.
     */
    private static Tensor[] asLeaves(Tensor[] inputs) {
        Tensor[] out = inputs.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] != null && out[i].requiresGrad() && !out[i].isLeaf()) {
                out[i] = out[i].detach().setRequiresGrad(true);
            }
        }
        return out;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static void compare(String what, Function<Tensor[], Tensor> scalarFn, double eps, double atol, double rtol,
                                Tensor[] inputs) {
        Tensor[] diffInputs = Arrays.stream(inputs).filter(Tensor::requiresGrad).toArray(Tensor[]::new);
        if (diffInputs.length == 0) {
            throw new IllegalArgumentException("GradCheck: no input requires grad; call setRequiresGrad(true) on the "
                    + "inputs to check");
        }
        Tensor[] analytic;
        try (var on = Autograd.enableGrad()) {
            Tensor y = scalarFn.apply(inputs);
            analytic = y.requiresGrad()
                    ? Autograd.grad(new Tensor[] {y}, diffInputs, null, false, false, true)
                    : new Tensor[diffInputs.length];
        }
        for (int k = 0; k < diffInputs.length; k++) {
            Tensor x = diffInputs[k];
            double[] a = analytic[k] == null ? new double[(int) x.numel()] : analytic[k].contiguous().toDoubleArray();
            double[] numeric = numericGradient(scalarFn, inputs, x, eps);
            for (int i = 0; i < numeric.length; i++) {
                if (Math.abs(a[i] - numeric[i]) > atol + rtol * Math.abs(numeric[i]) || Double.isNaN(a[i]) != Double.isNaN(numeric[i])) {
                    throw new AssertionError("GradCheck " + what + " mismatch for input " + indexOf(inputs, x) + " (shape "
                            + Arrays.toString(TensorInternals.shapeOf(x)) + ") at flat element " + i + ": analytic " + a[i] + " vs numeric "
                            + numeric[i] + "\nanalytic: " + Arrays.toString(a) + "\nnumeric:  " + Arrays.toString(numeric));
                }
            }
        }
    }

    private static int indexOf(Tensor[] inputs, Tensor x) {
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static double[] numericGradient(Function<Tensor[], Tensor> scalarFn, Tensor[] inputs, Tensor x, double eps) {
        int n = (int) x.numel();
        double[] out = new double[n];
        // Perturb through a contiguous copy's elements and write back via the strided view, so
        // non-contiguous inputs are handled and the version bump is harmless (no graph held).
        try (var off = Autograd.noGrad()) {
            Tensor flat = x.detach();
            for (int i = 0; i < n; i++) {
                long[] idx = unravel(i, x.shape());
                double orig = flat.getDouble(idx);
                flat.setDouble(orig + eps, idx);
                double plus = scalarFn.apply(inputs).item();
                flat.setDouble(orig - eps, idx);
                double minus = scalarFn.apply(inputs).item();
                flat.setDouble(orig, idx);
                out[i] = (plus - minus) / (2 * eps);
            }
        }
        return out;
    }

    private static long[] unravel(int flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= (int) shape[d];
        }
        return idx;
    }
}
