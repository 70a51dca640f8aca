package dev.walnut.func;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradOptions;
import dev.walnut.autograd.GradientContext;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.Module;
import dev.walnut.ops.ViewOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Function transforms, PyTorch's {@code torch.func} for Java: {@link #grad}, {@link #vjp},
 * {@link #jvp} (true forward mode through each primitive's forward rule), {@link #linearize},
 * {@link #jacrev}, {@link #jacfwd}, {@link #hessian}, {@link #hvp}, {@link #vmap} and
 * {@link #functionalCall}. Each takes and returns functions, so they compose in any order:
 * {@code vmap(grad(f))} gives per-sample gradients, {@code jacfwd(jacrev(f))} a Hessian.
 *
 * <pre>{@code
 * TensorFunction loss = a -> Losses.crossEntropy(Func.functionalCall(model, Map.of(...), a[0]), a[1]);
 * TensorFunction f = x -> x[0].sin().sum();
 * Tensor g = Func.grad(f).apply(x);                                  // cos(x)
 * Tensor perExample = Func.vmap(Func.grad(f)).apply(xs);              // one gradient per row of xs
 * Func.JvpResult r = Func.jvp(x -> x[0].exp(), new Tensor[] {x}, new Tensor[] {v});   // exp(x), exp(x) * v
 * }</pre>
 *
 * <p>Forward mode ({@code jvp}) and batching ({@code vmap}) are interpreters on the dispatcher;
 * reverse mode runs the ops' reverse rules on a gradient tape. Transforms leave user state alone:
 * the outermost transform records on a gradient context of its own, so the active context's tape is neither read nor extended, no {@code .grad} is
 * touched, and they work inside {@code Autograd.noGrad()} and user {@code GradientContext}s.
 * Their results are detached (differentiate through a transform with another transform, not with
 * {@code backward()}). Tensors that the function sees are the transform's own (batched or dual);
 * storing one and using it after the transform returned is an error that names the transform, and
 * so is reading a batched tensor's values ({@code item()}) inside {@code vmap}.
 */
public final class Func {
    private Func() {
    }

    /** An {@code inDims} / {@code outDims} entry for an argument that {@link #vmap} does not batch (PyTorch's {@code None}). */
    public static final int UNBATCHED = Integer.MIN_VALUE;

    /** What {@link #vjp} returns: the function's outputs and the pullback (cotangents of the outputs to those of the inputs). */
    public record VjpResult(Tensor[] outputs, TensorsFunction pullback) {
        /** The first output. */
        public Tensor output() {
            return outputs[0];
        }
    }

    /** What {@link #jvp} returns: the outputs and their tangents (zeros where an output does not depend on the inputs). */
    public record JvpResult(Tensor[] outputs, Tensor[] tangents) {
        /** The first output. */
        public Tensor output() {
            return outputs[0];
        }

        /** The first output's tangent. */
        public Tensor tangent() {
            return tangents[0];
        }
    }

    /** What {@link #linearize} returns: the outputs and the function from input tangents to output tangents at the primals. */
    public record Linearized(Tensor[] outputs, TensorsFunction jvp) {
    }

    // ------------------------------------------------------------------ reverse mode

    /**
     * The gradient of a function with a single-element floating-point result w.r.t. its first
     * argument ({@code torch.func.grad}).
     *
     * <pre>{@code
     * Tensor g = Func.grad(x -> x[0].pow(3).sum()).apply(Tensor.of(2.0));   // [12.]
     * }</pre>
     */
    public static TensorFunction grad(TensorFunction f) {
        return args -> gradImpl("grad", f, new int[] {0}, args, false)[0];
    }

    /** Gradients w.r.t. the arguments numbered {@code argnums}, one per entry. */
    public static TensorsFunction grad(TensorFunction f, int... argnums) {
        int[] nums = argnums.clone();
        return args -> gradImpl("grad", f, nums, args, false);
    }

    /**
     * Like {@link #grad(TensorFunction, int...)}, with the function's value appended: the result
     * is {@code [grad_0, ..., grad_k, value]} ({@code torch.func.grad_and_value}).
     */
    public static TensorsFunction gradAndValue(TensorFunction f, int... argnums) {
        int[] nums = argnums.length == 0 ? new int[] {0} : argnums.clone();
        return args -> gradImpl("gradAndValue", f, nums, args, true);
    }

    private static Tensor[] gradImpl(String name, TensorFunction f, int[] argnums, Tensor[] args, boolean withValue) {
        checkArgnums(name, argnums, args.length);
        // Only an enclosing grad differentiates this one's result: then its backward is recorded.
        boolean nested = Level.insideGrad();
        try (TransformScope scope = TransformScope.open(Level.Kind.GRAD, name, false)) {
            Tensor[] in = args.clone();
            Tensor[] wrt = new Tensor[argnums.length];
            for (int k = 0; k < argnums.length; k++) {
                wrt[k] = in[argnums[k]] = differentiable(name, args[argnums[k]], argnums[k]);
            }
            Tensor y = f.apply(in);
            if (y == null || y.numel() != 1 || !y.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(name + ": the function must return a single-element floating-point "
                        + "tensor, got " + (y == null ? "null" : y.dtype() + " of shape " + Arrays.toString(y.shape()))
                        + "; reduce it (sum(), mean()) or use vjp / jacrev for other outputs");
            }
            Tensor[] g = y.requiresGrad()
                    ? Autograd.grad(new Tensor[] {y}, wrt, null,
                            GradOptions.defaults().createGraph(nested).allowUnused())
                    : new Tensor[wrt.length];
            Tensor[] out = Arrays.copyOf(g, g.length + (withValue ? 1 : 0));
            for (int k = 0; k < g.length; k++) {
                if (out[k] == null) {
                    out[k] = Tensor.zerosLike(wrt[k]);
                }
            }
            if (withValue) {
                out[g.length] = nested ? y : y.detach();
            }
            return out;
        }
    }

    /**
     * The outputs of {@code f} at {@code primals} and its pullback, which maps cotangents (one per
     * output, its shape) to the cotangents of all inputs ({@code torch.func.vjp}). The pullback
     * can be called several times.
     *
     * <pre>{@code
     * Func.VjpResult r = Func.vjp(x -> x[0].sin(), x);
     * Tensor g = r.pullback().apply(Tensor.onesLike(x))[0];   // cos(x)
     * }</pre>
     */
    public static VjpResult vjp(TensorFunction f, Tensor... primals) {
        return vjpMulti(x -> new Tensor[] {f.apply(x)}, primals);
    }

    /** {@link #vjp} of a function with several outputs. */
    public static VjpResult vjpMulti(TensorsFunction f, Tensor... primals) {
        String name = "vjp";
        Tensor[] in = new Tensor[primals.length];
        Tensor[] outs;
        GradientContext ctx;
        boolean root;
        try (TransformScope scope = TransformScope.open(Level.Kind.GRAD, name, true)) {
            for (int i = 0; i < primals.length; i++) {
                in[i] = differentiable(name, primals[i], i);
            }
            outs = f.apply(in);
            ctx = scope.context;
            root = scope.root();
        }
        Tensor[] results = outs.clone();
        if (root) {
            for (int j = 0; j < results.length; j++) {
                results[j] = results[j].detach();
            }
        }
        TensorsFunction pullback = cotangents -> {
            if (cotangents.length != outs.length) {
                throw new IllegalArgumentException(name + ": the pullback takes one cotangent per output (" + outs.length
                        + "), got " + cotangents.length);
            }
            var used = new ArrayList<Tensor>();
            var seeds = new ArrayList<Tensor>();
            for (int j = 0; j < outs.length; j++) {
                if (!Arrays.equals(cotangents[j].shape(), outs[j].shape())) {
                    throw new IllegalArgumentException(name + ": cotangent " + j + " has shape "
                            + Arrays.toString(cotangents[j].shape()) + " but output " + j + " has shape "
                            + Arrays.toString(outs[j].shape()));
                }
                if (outs[j].requiresGrad()) {
                    used.add(outs[j]);
                    seeds.add(cotangents[j]);
                }
            }
            Tensor[] g = new Tensor[in.length];
            if (!used.isEmpty()) {
                boolean nested = Level.insideGrad();
                try (var entered = ctx != null && !ctx.isActive() ? ctx.enter() : null;
                     var on = Autograd.enableGrad()) {
                    g = Autograd.grad(used.toArray(new Tensor[0]), in, seeds.toArray(new Tensor[0]),
                            GradOptions.defaults().createGraph(nested).retainGraph().allowUnused());
                }
            }
            for (int i = 0; i < g.length; i++) {
                if (g[i] == null) {
                    g[i] = Tensor.zerosLike(in[i]);
                }
            }
            return g;
        };
        return new VjpResult(results, pullback);
    }

    // ------------------------------------------------------------------ forward mode

    /**
     * The outputs of {@code f} at {@code primals} and their directional derivatives along
     * {@code tangents} (one per primal, same shape), in one forward pass: each primitive's forward
     * rule carries the tangents ({@code torch.func.jvp}; no double backward).
     *
     * <pre>{@code
     * Func.JvpResult r = Func.jvp(x -> x[0].mul(x[0]), new Tensor[] {x}, new Tensor[] {v});
     * r.tangent();   // 2 x v
     * }</pre>
     */
    public static JvpResult jvp(TensorFunction f, Tensor[] primals, Tensor[] tangents) {
        return jvpMulti(x -> new Tensor[] {f.apply(x)}, primals, tangents);
    }

    /** {@link #jvp} of a function with several outputs. */
    public static JvpResult jvpMulti(TensorsFunction f, Tensor[] primals, Tensor[] tangents) {
        String name = "jvp";
        if (primals.length != tangents.length) {
            throw new IllegalArgumentException(name + ": one tangent per primal expected, got " + tangents.length
                    + " tangents for " + primals.length + " primals");
        }
        for (int i = 0; i < primals.length; i++) {
            if (!Arrays.equals(primals[i].shape(), tangents[i].shape())) {
                throw new IllegalArgumentException(name + ": tangent " + i + " has shape " + Arrays.toString(tangents[i].shape())
                        + " but primal " + i + " has shape " + Arrays.toString(primals[i].shape()));
            }
            if (!primals[i].dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(name + ": primal " + i + " is " + primals[i].dtype()
                        + "; only floating-point inputs carry tangents (convert with to(DType.F32))");
            }
        }
        try (TransformScope scope = TransformScope.open(Level.Kind.JVP, name, false)) {
            JvpInterpreter it = new JvpInterpreter(scope.level);
            Tensor[] in = new Tensor[primals.length];
            for (int i = 0; i < primals.length; i++) {
                Tensor t = tangents[i].dtype() == primals[i].dtype() ? tangents[i] : tangents[i].to(primals[i].dtype());
                in[i] = it.dual(primals[i], t);
            }
            Tensor[] outs;
            try (var pushed = Dispatcher.push(it)) {
                outs = f.apply(in);
            }
            Tensor[] values = new Tensor[outs.length];
            Tensor[] tans = new Tensor[outs.length];
            for (int j = 0; j < outs.length; j++) {
                JvpInterpreter.Dual d = it.dualOf(outs[j]);
                values[j] = d == null ? outs[j] : d.primal;
                tans[j] = d == null || d.tangent == null ? Tensor.zerosLike(values[j]) : d.tangent;
                if (scope.root()) {
                    values[j] = values[j].detach();
                    tans[j] = tans[j].detach();
                }
            }
            return new JvpResult(values, tans);
        }
    }

    /**
     * The outputs of {@code f} at {@code primals} and its Jacobian-vector product there as a
     * function of the tangents ({@code torch.func.linearize}). Each call of the returned function
     * runs {@code f} again in forward mode (Walnut does not keep a partial evaluation).
     */
    public static Linearized linearize(TensorFunction f, Tensor... primals) {
        Tensor[] fixed = primals.clone();
        Tensor[] outs = {noTransformValue(f, fixed)};
        return new Linearized(outs, tangents -> new Tensor[] {jvp(f, fixed, tangents).tangent()});
    }

    private static Tensor noTransformValue(TensorFunction f, Tensor[] args) {
        // The value as jvp computes it (on the private tape), without tangents.
        Tensor[] zeros = new Tensor[args.length];
        for (int i = 0; i < args.length; i++) {
            zeros[i] = Tensor.zerosLike(args[i]);
        }
        return jvp(f, args, zeros).output();
    }

    // ------------------------------------------------------------------ Jacobians and Hessians

    /**
     * The Jacobian of {@code f} w.r.t. argument {@code argnum} by reverse mode (the pullback vmapped
     * over the output's basis): shape {@code f(x).shape ++ x.shape} ({@code torch.func.jacrev}).
     *
     * <pre>{@code
     * Tensor j = Func.jacrev(x -> x[0].sin(), 0).apply(x);   // diag(cos(x))
     * }</pre>
     */
    public static TensorFunction jacrev(TensorFunction f, int argnum) {
        return args -> {
            checkArgnums("jacrev", new int[] {argnum}, args.length);
            VjpResult r = vjp(x -> f.apply(with(args, argnum, x[0])), args[argnum]);
            Tensor y = r.output();
            int m = Math.toIntExact(y.numel());
            long[] xShape = args[argnum].shape();
            if (m == 0) {
                return Tensor.zeros(concat(y.shape(), xShape), args[argnum].dtype());
            }
            // All rows in one backward pass: the pullback vmapped over the basis of the output
            // space, as torch.func.jacrev does (the batching rules run the reverse rules batched).
            Tensor basis = Tensor.eye(m, m, y.dtype()).reshape(BatchingRules.prepend(m, y.shape()));
            Tensor rows = vmap(ct -> r.pullback().apply(ct[0])[0]).apply(basis);
            return rows.reshape(concat(y.shape(), xShape));
        };
    }

    /**
     * Jacobians w.r.t. several arguments, one per entry of {@code argnums}, each of shape
     * {@code f(x).shape ++ x_k.shape}, from one batched backward pass
     * ({@code torch.func.jacrev(f, argnums=(...))}).
     *
     * <pre>{@code
     * Tensor[] j = Func.jacrev(a -> a[0].mul(a[1]), new int[] {0, 1}).apply(x, y);   // diag(y), diag(x)
     * }</pre>
     */
    public static TensorsFunction jacrev(TensorFunction f, int[] argnums) {
        int[] nums = argnums.clone();
        return args -> {
            checkArgnums("jacrev", nums, args.length);
            Tensor[] primals = new Tensor[nums.length];
            for (int k = 0; k < nums.length; k++) {
                primals[k] = args[nums[k]];
            }
            VjpResult r = vjp(x -> {
                Tensor[] a = args.clone();
                for (int k = 0; k < nums.length; k++) {
                    a[nums[k]] = x[k];
                }
                return f.apply(a);
            }, primals);
            Tensor y = r.output();
            int m = Math.toIntExact(y.numel());
            Tensor[] out = new Tensor[nums.length];
            if (m == 0) {
                for (int k = 0; k < nums.length; k++) {
                    out[k] = Tensor.zeros(concat(y.shape(), primals[k].shape()), primals[k].dtype());
                }
                return out;
            }
            Tensor basis = Tensor.eye(m, m, y.dtype()).reshape(BatchingRules.prepend(m, y.shape()));
            int[] outDims = new int[nums.length];
            Tensor[] rows = vmapMulti(ct -> r.pullback().apply(ct[0]), null, outDims).apply(basis);
            for (int k = 0; k < nums.length; k++) {
                out[k] = rows[k].reshape(concat(y.shape(), primals[k].shape()));
            }
            return out;
        };
    }

    /**
     * Jacobians w.r.t. several arguments by forward mode, one per entry of {@code argnums} (one
     * batched forward pass per argument).
     */
    public static TensorsFunction jacfwd(TensorFunction f, int[] argnums) {
        int[] nums = argnums.clone();
        return args -> {
            checkArgnums("jacfwd", nums, args.length);
            Tensor[] out = new Tensor[nums.length];
            for (int k = 0; k < nums.length; k++) {
                out[k] = jacfwd(f, nums[k]).apply(args);
            }
            return out;
        };
    }

    /** {@link #jacrev(TensorFunction, int)} w.r.t. the first argument. */
    public static TensorFunction jacrev(TensorFunction f) {
        return jacrev(f, 0);
    }

    /**
     * The Jacobian of {@code f} w.r.t. argument {@code argnum} by forward mode ({@link #jvp} vmapped
     * over the input's basis): shape {@code f(x).shape ++ x.shape} ({@code torch.func.jacfwd}).
     */
    public static TensorFunction jacfwd(TensorFunction f, int argnum) {
        return args -> {
            checkArgnums("jacfwd", new int[] {argnum}, args.length);
            Tensor x = args[argnum];
            // All columns in one forward pass: jvp vmapped over the basis of the input space,
            // the columns landing in the last dim (as torch.func.jacfwd does).
            TensorFunction column = t -> jvp(a -> f.apply(with(args, argnum, a[0])), new Tensor[] {x},
                    new Tensor[] {t[0]}).tangent();
            return columnsAsBlock(vmap(column, null, -1).apply(basis("jacfwd", x, argnum)), x);
        };
    }

    /** {@link #jacfwd(TensorFunction, int)} w.r.t. the first argument. */
    public static TensorFunction jacfwd(TensorFunction f) {
        return jacfwd(f, 0);
    }

    /** The standard basis of {@code x}'s space, one direction per leading index: {@code [n] ++ x.shape}. */
    private static Tensor basis(String transform, Tensor x, int argnum) {
        int n = Math.toIntExact(x.numel());
        if (n == 0) {
            throw new IllegalArgumentException(transform + ": argument " + argnum + " has no elements");
        }
        return Tensor.eye(n, n, x.dtype()).reshape(BatchingRules.prepend(n, x.shape()));
    }

    /** Forward-mode columns stacked in the last dim, reshaped to {@code y.shape ++ x.shape}. */
    private static Tensor columnsAsBlock(Tensor cols, Tensor x) {
        long[] yShape = java.util.Arrays.copyOf(cols.shape(), cols.dim() - 1);
        return cols.reshape(concat(yShape, x.shape()));
    }

    /**
     * The Hessian of a single-element function w.r.t. argument {@code argnum}, forward over
     * reverse ({@code jacfwd(jacrev(f))}, as {@code torch.func.hessian}): shape {@code x.shape ++ x.shape}.
     */
    public static TensorFunction hessian(TensorFunction f, int argnum) {
        return jacfwd(jacrev(f, argnum), argnum);
    }

    /**
     * The Hessian of a single-element function w.r.t. several arguments, forward over reverse
     * ({@code torch.func.hessian(f, argnums=(...))}): the blocks {@code d2f / dx_i dx_j} for
     * {@code i, j} over {@code argnums}, row by row ({@code i * argnums.length + j}), each of shape
     * {@code f(x).shape ++ x_i.shape ++ x_j.shape}. One batched reverse pass gives every gradient;
     * its forward derivative along argument {@code j}'s basis, one batched forward pass per
     * argument, gives column {@code j} of the blocks.
     *
     * <pre>{@code
     * Tensor[] h = Func.hessian(a -> a[0].mul(a[1]).sum(), new int[] {0, 1}).apply(x, y);
     * // h[0] = 0, h[1] = I (d2/dx dy), h[2] = I, h[3] = 0
     * }</pre>
     */
    public static TensorsFunction hessian(TensorFunction f, int[] argnums) {
        int[] nums = argnums.clone();
        TensorsFunction grads = jacrev(f, nums);
        return args -> {
            checkArgnums("hessian", nums, args.length);
            int n = nums.length;
            Tensor[] blocks = new Tensor[n * n];
            int[] outDims = new int[n];
            java.util.Arrays.fill(outDims, -1);
            for (int j = 0; j < n; j++) {
                int argnum = nums[j];
                Tensor x = args[argnum];
                TensorsFunction columns = t -> jvpMulti(a -> grads.apply(with(args, argnum, a[0])), new Tensor[] {x},
                        new Tensor[] {t[0]}).tangents();
                Tensor[] cols = vmapMulti(columns, null, outDims).apply(basis("hessian", x, argnum));
                for (int i = 0; i < n; i++) {
                    blocks[i * n + j] = columnsAsBlock(cols[i], x);
                }
            }
            return blocks;
        };
    }

    /** {@link #hessian(TensorFunction, int)} w.r.t. the first argument. */
    public static TensorFunction hessian(TensorFunction f) {
        return hessian(f, 0);
    }

    /**
     * Hessian-vector products of a single-element function: {@code H v} w.r.t. every argument, by
     * forward mode over reverse mode ({@code jvp(grad(f))}), without forming the Hessian.
     *
     * <pre>{@code
     * Tensor[] hv = Func.hvp(x -> x[0].pow(3).sum(), new Tensor[] {x}, new Tensor[] {v});   // 6 x v
     * }</pre>
     */
    public static Tensor[] hvp(TensorFunction f, Tensor[] primals, Tensor[] tangents) {
        int[] all = new int[primals.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return jvpMulti(grad(f, all)::apply, primals, tangents).tangents();
    }

    // ------------------------------------------------------------------ vmap

    /**
     * {@code f} over a batch: every argument is batched along dim 0 and the result gets the batch
     * as dim 0 ({@code torch.func.vmap}). Inside, {@code f} sees one example; its primitives run
     * batched through their batching rules. Tensors that {@code f} creates (zeros, random draws,
     * a dropout mask) are not batched: every example sees the same ones (PyTorch's
     * {@code randomness="same"}); in-place writes to batched tensors, and reading their values,
     * are errors.
     *
     * <pre>{@code
     * Tensor perExample = Func.vmap(Func.grad(loss)).apply(xs);    // xs: [64, 784] -> [64, 784]
     * }</pre>
     */
    public static TensorFunction vmap(TensorFunction f) {
        return vmap(f, null, 0);
    }

    /**
     * {@code f} over a batch: argument {@code i} is batched along {@code inDims[i]}
     * ({@link #UNBATCHED}: shared by every example; null: all along 0), and the result's batch
     * dim is {@code outDim}.
     */
    public static TensorFunction vmap(TensorFunction f, int[] inDims, int outDim) {
        return args -> vmapImpl(x -> new Tensor[] {f.apply(x)}, inDims, new int[] {outDim}, args)[0];
    }

    /** {@link #vmap(TensorFunction, int[], int)} of a function with several outputs, one out dim each (null: all 0). */
    public static TensorsFunction vmapMulti(TensorsFunction f, int[] inDims, int[] outDims) {
        return args -> vmapImpl(f, inDims, outDims, args);
    }

    private static Tensor[] vmapImpl(TensorsFunction f, int[] inDims, int[] outDims, Tensor[] args) {
        String name = "vmap";
        if (inDims != null && inDims.length != args.length) {
            throw new IllegalArgumentException(name + ": inDims has " + inDims.length + " entries for " + args.length
                    + " arguments");
        }
        int size = -1;
        Tensor[] physical = new Tensor[args.length];
        for (int i = 0; i < args.length; i++) {
            int d = inDims == null ? 0 : inDims[i];
            if (d == UNBATCHED) {
                continue;
            }
            Tensor a = args[i];
            if (a.dim() == 0) {
                throw new IllegalArgumentException(name + ": argument " + i + " is 0-d and has no dim " + d
                        + " to batch over; pass Func.UNBATCHED for it in inDims");
            }
            int w = d < 0 ? d + a.dim() : d;
            if (w < 0 || w >= a.dim()) {
                throw new IllegalArgumentException(name + ": inDims[" + i + "] = " + d + " is out of range for argument "
                        + i + " of shape " + Arrays.toString(a.shape()));
            }
            int n = Math.toIntExact(a.size(w));
            if (size >= 0 && n != size) {
                throw new IllegalArgumentException(name + ": batched arguments disagree on the batch size: " + size
                        + " vs " + n + " (argument " + i + " of shape " + Arrays.toString(a.shape()) + " at dim " + w + ")");
            }
            size = n;
            physical[i] = w == 0 ? a : moveDim(a, w, 0);
        }
        if (size < 0) {
            throw new IllegalArgumentException(name + ": no argument is batched (every inDims entry is UNBATCHED)");
        }
        try (TransformScope scope = TransformScope.open(Level.Kind.VMAP, name, false)) {
            BatchInterpreter it = new BatchInterpreter(scope.level, size);
            Tensor[] in = args.clone();
            for (int i = 0; i < args.length; i++) {
                if (physical[i] != null) {
                    in[i] = it.batched(physical[i]);
                }
            }
            Tensor[] outs;
            try (var pushed = Dispatcher.push(it)) {
                outs = f.apply(in);
            }
            if (outDims != null && outDims.length != outs.length) {
                throw new IllegalArgumentException(name + ": outDims has " + outDims.length + " entries for "
                        + outs.length + " outputs");
            }
            Tensor[] result = new Tensor[outs.length];
            for (int j = 0; j < outs.length; j++) {
                Tensor p = it.physicalOf(outs[j]);
                if (p == null) {
                    // Independent of the batched inputs: the same for every example.
                    p = outs[j].unsqueeze(0).expand(BatchingRules.prepend(size, outs[j].shape()));
                }
                int d = outDims == null ? 0 : outDims[j];
                int w = d < 0 ? d + p.dim() : d;
                if (w < 0 || w >= p.dim()) {
                    throw new IllegalArgumentException(name + ": outDims[" + j + "] = " + d + " is out of range for output "
                            + j + " with " + (p.dim() - 1) + " dims per example");
                }
                p = w == 0 ? p : moveDim(p, 0, w);
                result[j] = scope.root() ? p.detach() : p;
            }
            return result;
        }
    }

    private static Tensor moveDim(Tensor t, int from, int to) {
        int r = t.dim();
        var order = new ArrayList<Integer>();
        for (int d = 0; d < r; d++) {
            if (d != from) {
                order.add(d);
            }
        }
        order.add(to, from);
        return t.permute(order.stream().mapToInt(Integer::intValue).toArray());
    }

    // ------------------------------------------------------------------ modules

    /**
     * Runs {@code module} with some of its parameters and buffers replaced by the tensors in
     * {@code tensors} (keyed by {@code namedParameters()} / {@code namedBuffers()} names), then
     * puts the originals back ({@code torch.func.functional_call}). The module is swapped while the
     * call runs, so don't call it concurrently from another thread.
     *
     * <pre>{@code
     * Map<String, Tensor> params = model.namedParameters();
     * TensorFunction loss = p -> Losses.mseLoss(Func.functionalCall(model, Map.of("0.weight", p[0]), x), y);
     * Tensor g = Func.grad(loss).apply(params.get("0.weight"));
     * }</pre>
     */
    public static Tensor functionalCall(Module module, Map<String, Tensor> tensors, Tensor... inputs) {
        Map<String, Tensor> named = new LinkedHashMap<>(module.namedParameters());
        named.putAll(module.namedBuffers());
        Map<Tensor, Tensor> swap = new IdentityHashMap<>();
        for (var e : tensors.entrySet()) {
            Tensor original = named.get(e.getKey());
            if (original == null) {
                throw new IllegalArgumentException("functionalCall: " + module.getClass().getSimpleName()
                        + " has no parameter or buffer named '" + e.getKey() + "'; known: " + named.keySet());
            }
            Tensor t = e.getValue();
            if (!Arrays.equals(original.shape(), t.shape())) {
                throw new IllegalArgumentException("functionalCall: '" + e.getKey() + "' has shape "
                        + Arrays.toString(original.shape()) + " but the replacement has shape " + Arrays.toString(t.shape()));
            }
            swap.put(original, t);
        }
        Map<Tensor, Tensor> undo = module.replaceTensors(swap);
        try {
            return module.forward(inputs);
        } finally {
            module.replaceTensors(undo);
        }
    }

    /**
     * The parameters and buffers of {@code models} (same architecture) stacked along a new dim 0,
     * keyed by name: with {@link #vmap} over them and {@link #functionalCall}, an ensemble runs as
     * one batched model ({@code torch.func.stack_module_state}, parameters and buffers in one map).
     *
     * <pre>{@code
     * Map<String, Tensor> stacked = Func.stackModuleState(List.of(m1, m2, m3));
     * }</pre>
     */
    public static Map<String, Tensor> stackModuleState(List<? extends Module> models) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("stackModuleState: no models given");
        }
        Map<String, List<Tensor>> parts = new LinkedHashMap<>();
        for (Module m : models) {
            Map<String, Tensor> named = new LinkedHashMap<>(m.namedParameters());
            named.putAll(m.namedBuffers());
            if (!parts.isEmpty() && !parts.keySet().equals(named.keySet())) {
                throw new IllegalArgumentException("stackModuleState: the models differ: " + parts.keySet() + " vs "
                        + named.keySet());
            }
            named.forEach((k, v) -> parts.computeIfAbsent(k, key -> new ArrayList<>()).add(v.detach()));
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        parts.forEach((k, v) -> out.put(k, Tensor.stack(v, 0)));
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static void checkArgnums(String name, int[] argnums, int count) {
        if (argnums.length == 0) {
            throw new IllegalArgumentException(name + ": argnums is empty");
        }
        for (int a : argnums) {
            if (a < 0 || a >= count) {
                throw new IllegalArgumentException(name + ": argnum " + a + " is out of range for " + count + " arguments");
            }
        }
    }

    /** A fresh tensor equal to {@code x} that the tape differentiates: a recorded view, or a new leaf. */
    private static Tensor differentiable(String name, Tensor x, int index) {
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(name + ": argument " + index + " is " + x.dtype() + "; only floating-point "
                    + "arguments can be differentiated (convert with to(DType." + DType.F32 + ") or leave it out of argnums)");
        }
        // A view recorded on the tape keeps the path to x for an enclosing grad, while the inner
        // grad differentiates w.r.t. this tensor only (no confusion between levels).
        Tensor v = Dispatcher.call(ViewOps.VIEW, new ViewOps.Shape(x.shape()), x);
        if (v == x) {
            v = x.detach();
        }
        if (!v.requiresGrad()) {
            v.setRequiresGrad(true);
        }
        return v;
    }

    private static Tensor[] with(Tensor[] args, int index, Tensor value) {
        Tensor[] a = args.clone();
        a[index] = value;
        return a;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] s = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, s, a.length, b.length);
        return s;
    }

}
