package dev.walnut.autograd;

import dev.walnut.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The implementations behind {@link Autograd}'s functional API (torch.autograd.functional).
 * Each runs in a private {@link GradientContext} on detached copies of the inputs, so nothing is
 * left on the caller's tape and no {@code .grad} is touched; results are detached.
 */
final class FunctionalGradients {
    private FunctionalGradients() {
    }

    static Tensor[] jacobian(Function<Tensor[], Tensor> f, Tensor[] inputs) {
        try (var ctx = new GradientContext(); var on = Autograd.enableGrad()) {
            Tensor[] in = leaves("jacobian", inputs);
            return jacobianOf(evaluate("jacobian", f, in), in);
        }
    }

    static Tensor[][] hessian(Function<Tensor[], Tensor> f, Tensor[] inputs) {
        try (var ctx = new GradientContext(); var on = Autograd.enableGrad()) {
            Tensor[] in = leaves("hessian", inputs);
            Tensor y = evaluate("hessian", f, in);
            requireSingleElement("hessian", y);
            Tensor[] g = y.requiresGrad() ? Autograd.grad(new Tensor[] {y}, in, null,
                    GradOptions.defaults().createGraph().allowUnused())
                    : new Tensor[in.length];
            Tensor[][] h = new Tensor[in.length][];
            for (int i = 0; i < in.length; i++) {
                // A gradient without history (null, or constant in the inputs) has a zero Jacobian.
                Tensor gi = g[i] != null ? g[i] : Tensor.zerosLike(in[i]);
                h[i] = jacobianOf(gi, in);
            }
            return h;
        }
    }

    static ValueAndProduct vjp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor v) {
        try (var ctx = new GradientContext(); var on = Autograd.enableGrad()) {
            Tensor[] in = leaves("vjp", inputs);
            Tensor y = evaluate("vjp", f, in);
            Tensor gv = vectorOrOnes("vjp", "v", v, y, "the output of f");
            Tensor[] g = y.requiresGrad()
                    ? Autograd.grad(new Tensor[] {y}, in, new Tensor[] {gv}, GradOptions.defaults().allowUnused())
                    : new Tensor[in.length];
            return new ValueAndProduct(y.detach(), zerosForNull(g, in));
        }
    }

    static ValueAndProduct jvp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor[] v) {
        try (var ctx = new GradientContext(); var on = Autograd.enableGrad()) {
            Tensor[] in = leaves("jvp", inputs);
            Tensor[] tangents = vectorsOrOnes("jvp", v, in);
            Tensor y = evaluate("jvp", f, in);
            if (!y.requiresGrad()) {
                return new ValueAndProduct(y.detach(), new Tensor[] {Tensor.zerosLike(y)});
            }
            // The double-vjp trick (as torch.autograd.functional.jvp): g(u) = J^T u is linear in
            // u, so the vjp of g with the tangent v is (J^T)^T v = J v.
            Tensor u = Tensor.zeros(y.shape(), y.dtype()).setRequiresGrad(true);
            Tensor[] g = Autograd.grad(new Tensor[] {y}, in, new Tensor[] {u},
                    GradOptions.defaults().createGraph().allowUnused());
            Tensor jv = vjpOfUsed(g, tangents, new Tensor[] {u})[0];
            return new ValueAndProduct(y.detach(), new Tensor[] {jv != null ? jv : Tensor.zerosLike(y)});
        }
    }

    static ValueAndProduct hvp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor[] v) {
        try (var ctx = new GradientContext(); var on = Autograd.enableGrad()) {
            Tensor[] in = leaves("hvp", inputs);
            Tensor[] vs = vectorsOrOnes("hvp", v, in);
            Tensor y = evaluate("hvp", f, in);
            requireSingleElement("hvp", y);
            if (!y.requiresGrad()) {
                return new ValueAndProduct(y.detach(), zerosForNull(new Tensor[in.length], in));
            }
            Tensor[] g = Autograd.grad(new Tensor[] {y}, in, null, GradOptions.defaults().createGraph().allowUnused());
            return new ValueAndProduct(y.detach(), zerosForNull(vjpOfUsed(g, vs, in), in));
        }
    }

    /** {@code sum_i vjp(outputs[i], weights[i])} w.r.t. {@code wrt}, over the outputs that have history. */
    private static Tensor[] vjpOfUsed(Tensor[] outputs, Tensor[] weights, Tensor[] wrt) {
        List<Tensor> outs = new ArrayList<>();
        List<Tensor> ws = new ArrayList<>();
        for (int i = 0; i < outputs.length; i++) {
            if (outputs[i] != null && outputs[i].requiresGrad()) {
                outs.add(outputs[i]);
                ws.add(weights[i]);
            }
        }
        if (outs.isEmpty()) {
            return new Tensor[wrt.length];
        }
        return Autograd.grad(outs.toArray(Tensor[]::new), wrt, ws.toArray(Tensor[]::new),
                GradOptions.defaults().allowUnused());
    }

    /** One tensor per input, of shape {@code y.shape ++ in[j].shape}; one backward per element of {@code y}. */
    private static Tensor[] jacobianOf(Tensor y, Tensor[] in) {
        long m = y.numel();
        Tensor[] out = new Tensor[in.length];
        if (m == 0 || !y.requiresGrad()) {
            for (int j = 0; j < in.length; j++) {
                out[j] = Tensor.zeros(concat(y.shape(), in[j].shape()), in[j].dtype());
            }
            return out;
        }
        Tensor flatY = y.reshape(m);
        Tensor[][] rows = new Tensor[in.length][(int) m];
        for (int i = 0; i < m; i++) {
            Tensor e = Tensor.zeros(new long[] {m}, y.dtype());
            try (var off = Autograd.noGrad()) {
                e.select(0, i).fillInPlace(1.0);
            }
            Tensor[] r = Autograd.grad(new Tensor[] {flatY}, in, new Tensor[] {e},
                    GradOptions.defaults().retainGraph().allowUnused());
            for (int j = 0; j < in.length; j++) {
                rows[j][i] = r[j] != null ? r[j] : Tensor.zerosLike(in[j]);
            }
        }
        for (int j = 0; j < in.length; j++) {
            out[j] = Tensor.stack(rows[j], 0).reshape(concat(y.shape(), in[j].shape()));
        }
        return out;
    }

    private static Tensor[] leaves(String op, Tensor[] inputs) {
        Objects.requireNonNull(inputs, op + ": inputs must not be null");
        if (inputs.length == 0) {
            throw new IllegalArgumentException(op + ": at least one input is needed");
        }
        Tensor[] in = new Tensor[inputs.length];
        for (int i = 0; i < in.length; i++) {
            if (inputs[i] == null) {
                throw new IllegalArgumentException(op + ": input " + i + " is null");
            }
            if (!inputs[i].dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(op + ": input " + i + " has dtype " + inputs[i].dtype()
                        + ", but only floating-point inputs can be differentiated; convert it with to(DType.F64)");
            }
            in[i] = inputs[i].detach().setRequiresGrad(true);
        }
        return in;
    }

    private static Tensor evaluate(String op, Function<Tensor[], Tensor> f, Tensor[] in) {
        Tensor y = f.apply(in);
        if (y == null) {
            throw new IllegalArgumentException(op + ": f returned null; it must return a tensor");
        }
        return y;
    }

    private static void requireSingleElement(String op, Tensor y) {
        if (y.numel() != 1) {
            throw new IllegalArgumentException(op + ": f must return a single-element tensor, got shape "
                    + Arrays.toString(y.shape()) + "; reduce it first (sum(), mean())");
        }
    }

    private static Tensor[] vectorsOrOnes(String op, Tensor[] v, Tensor[] in) {
        if (v != null && v.length != in.length) {
            throw new IllegalArgumentException(op + ": got " + v.length + " vectors v for " + in.length
                    + " inputs; pass one per input, shaped like it");
        }
        Tensor[] out = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = vectorOrOnes(op, "v[" + i + "]", v == null ? null : v[i], in[i], "input " + i);
        }
        return out;
    }

    /** {@code v} checked against {@code like}'s shape; null means ones, allowed only when {@code like} has one element. */
    private static Tensor vectorOrOnes(String op, String name, Tensor v, Tensor like, String what) {
        if (v == null) {
            if (like.numel() != 1) {
                throw new IllegalArgumentException(op + ": " + name + " can be omitted only when " + what
                        + " has a single element, but it has shape " + Arrays.toString(like.shape())
                        + "; pass " + name + " with that shape");
            }
            return Tensor.onesLike(like).detach();
        }
        if (!Arrays.equals(v.shape(), like.shape())) {
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(v.shape())
                    + " but " + what + " has shape " + Arrays.toString(like.shape()) + "; they must be equal");
        }
        return v.detach();
    }

    private static Tensor[] zerosForNull(Tensor[] g, Tensor[] in) {
        Tensor[] out = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = g[i] != null ? g[i].detach() : Tensor.zerosLike(in[i]).detach();
        }
        return out;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
