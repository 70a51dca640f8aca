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
 *
 * boolean ok = GradCheck.gradcheck(in -> in[0].tanh(), x);   // torch.autograd.gradcheck(..., raise_exception=False)
 * GradCheck.Result r = GradCheck.report(in -> in[0].tanh(), x);
 * r.maxAbsError(); r.maxRelError();                          // the worst errors seen
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

    /**
     * The outcome of a check, for callers that want numbers rather than an exception: whether
     * every element passed ({@code |analytic - numeric| <= atol + rtol * |numeric|}, NaN only
     * where both are NaN), the largest absolute error {@code |analytic - numeric|}, the largest
     * relative error {@code |analytic - numeric| / |numeric|} over the elements whose numeric
     * value is not 0, and where the largest absolute error is.
     *
     * <pre>{@code
     * GradCheck.Result r = GradCheck.report(in -> in[0].sin(), x);
     * if (!r.passed()) System.out.println(r.failure());
     * }</pre>
     *
     * @param passed       true when every element is within tolerance
     * @param maxAbsError  the largest absolute error (infinite where only one side is NaN)
     * @param maxRelError  the largest relative error
     * @param worstInput   index into the inputs of the element with the largest absolute error
     * @param worstElement flat (row-major) index of that element in its input
     * @param failure      the message {@link #check} throws, naming the first failing element; null when passed
     */
    public record Result(boolean passed, double maxAbsError, double maxRelError, int worstInput, long worstElement,
                         String failure) {
    }

    /**
     * Checks analytic first-order gradients of {@code fn} against central differences.
     *
     * <pre>{@code
     * GradCheck.check(in -> in[0].mul(in[1]).exp(), x, y);   // throws AssertionError on mismatch
     * }</pre>
     *
     * @throws AssertionError naming the input, the element and both values on a mismatch
     */
    public static void check(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        check(fn, EPS, ATOL, RTOL, inputs);
    }

    /** {@link #check(Function, Tensor...)} with explicit step and tolerances. */
    public static void check(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol, Tensor... inputs) {
        throwIfFailed(report(fn, eps, atol, rtol, inputs));
    }

    /**
     * {@code torch.autograd.gradcheck(fn, inputs, raise_exception=False)}: true when the
     * analytic first-order gradients match central differences, false instead of throwing
     * otherwise (invalid inputs, such as F32 ones, are still an error).
     *
     * <pre>{@code
     * assert GradCheck.gradcheck(in -> in[0].tanh(), x);
     * }</pre>
     */
    public static boolean gradcheck(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return report(fn, inputs).passed();
    }

    /**
     * {@code torch.autograd.gradgradcheck(fn, inputs, raise_exception=False)}: the second-order
     * counterpart of {@link #gradcheck}.
     *
     * <pre>{@code
     * assert GradCheck.gradgradcheck(in -> in[0].tanh(), x);
     * }</pre>
     */
    public static boolean gradgradcheck(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return reportSecondOrder(fn, inputs).passed();
    }

    /**
     * The first-order check as a {@link Result} with the worst errors, never throwing on a
     * mismatch.
     *
     * <pre>{@code
     * GradCheck.Result r = GradCheck.report(in -> in[0].pow(2), x);
     * r.passed();        // true
     * r.maxAbsError();   // about 1e-10
     * }</pre>
     */
    public static Result report(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return report(fn, EPS, ATOL, RTOL, inputs);
    }

    /**
     * {@link #report(Function, Tensor...)} with explicit step and tolerances.
     *
     * <pre>{@code
     * GradCheck.Result r = GradCheck.report(fn, 1e-6, 1e-7, 1e-5, x);   // stricter than the default
     * }</pre>
     */
    public static Result report(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol, Tensor... inputs) {
        // A private context keeps the many probe evaluations off the caller's tape.
        try (var ctx = new GradientContext()) {
            return checkFirst(fn, eps, atol, rtol, asLeaves(inputs));
        }
    }

    private static void throwIfFailed(Result r) {
        if (!r.passed()) {
            throw new AssertionError(r.failure());
        }
    }

    private static Result checkFirst(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol, Tensor... inputs) {
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
        return compare("first-order", scalarFn, eps, atol, rtol, inputs);
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
        throwIfFailed(reportSecondOrder(fn, eps, atol, rtol, inputs));
    }

    /**
     * The second-order check as a {@link Result}, never throwing on a mismatch.
     *
     * <pre>{@code
     * GradCheck.reportSecondOrder(in -> in[0].pow(3), x).maxAbsError();
     * }</pre>
     */
    public static Result reportSecondOrder(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return reportSecondOrder(fn, EPS, ATOL, RTOL, inputs);
    }

    /**
     * {@link #reportSecondOrder(Function, Tensor...)} with explicit step and tolerances.
     *
     * <pre>{@code
     * GradCheck.reportSecondOrder(fn, 1e-6, 1e-5, 1e-3, x).passed();
     * }</pre>
     */
    public static Result reportSecondOrder(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol,
                                           Tensor... inputs) {
        try (var ctx = new GradientContext()) {
            return checkSecond(fn, eps, atol, rtol, asLeaves(inputs));
        }
    }

    private static Result checkSecond(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol,
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
                Tensor[] g = Autograd.grad(new Tensor[] {y}, diffInputs, null,
                        GradOptions.defaults().createGraph().allowUnused());
                Tensor total = Tensor.zeros(new long[0], DType.F64);
                for (int k = 0; k < diffIdx.length; k++) {
                    if (g[k] != null) {
                        total = total.add(g[k].mul(gradWeights[diffIdx[k]]).sum());
                    }
                }
                return total;
            }
        };
        return compare("second-order", gradFn, eps, atol, rtol, inputs);
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

    private static Result compare(String what, Function<Tensor[], Tensor> scalarFn, double eps, double atol, double rtol,
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
                    ? Autograd.grad(new Tensor[] {y}, diffInputs, null, GradOptions.defaults().allowUnused())
                    : new Tensor[diffInputs.length];
        }
        double maxAbs = 0;
        double maxRel = 0;
        int worstInput = indexOf(inputs, diffInputs[0]);
        long worstElement = 0;
        String failure = null;
        for (int k = 0; k < diffInputs.length; k++) {
            Tensor x = diffInputs[k];
            double[] a = analytic[k] == null ? new double[(int) x.numel()] : analytic[k].contiguous().toDoubleArray();
            double[] numeric = numericGradient(scalarFn, inputs, x, eps);
            for (int i = 0; i < numeric.length; i++) {
                boolean nanMismatch = Double.isNaN(a[i]) != Double.isNaN(numeric[i]);
                double abs = nanMismatch ? Double.POSITIVE_INFINITY
                        : Double.isNaN(a[i]) ? 0 : Math.abs(a[i] - numeric[i]);
                if (abs > maxAbs) {
                    maxAbs = abs;
                    worstInput = indexOf(inputs, x);
                    worstElement = i;
                }
                if (numeric[i] != 0 && !Double.isNaN(numeric[i])) {
                    maxRel = Math.max(maxRel, abs / Math.abs(numeric[i]));
                }
                if (failure == null && (abs > atol + rtol * Math.abs(numeric[i]) || nanMismatch)) {
                    failure = "GradCheck " + what + " mismatch for input " + indexOf(inputs, x) + " (shape "
                            + Arrays.toString(TensorInternals.shapeOf(x)) + ") at flat element " + i + ": analytic " + a[i] + " vs numeric "
                            + numeric[i] + "\nanalytic: " + Arrays.toString(a) + "\nnumeric:  " + Arrays.toString(numeric);
                }
            }
        }
        return new Result(failure == null, maxAbs, maxRel, worstInput, worstElement, failure);
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
