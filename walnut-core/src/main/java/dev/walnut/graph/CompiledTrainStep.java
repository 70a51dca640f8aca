package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradOptions;
import dev.walnut.autograd.GradientContext;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import dev.walnut.internal.OptimizerInternals;
import dev.walnut.nn.Module;
import dev.walnut.ops.OpDef;
import dev.walnut.optim.Adam;
import dev.walnut.optim.AdamW;
import dev.walnut.optim.Optimizer;
import dev.walnut.optim.ParamGroup;
import dev.walnut.optim.SGD;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A whole training step compiled into one graph: forward, loss, backward (the joint graph that
 * tracing each op's VJP rule gives, since the rules are written with tensor ops) and the
 * optimizer update (one fused update node per parameter, see {@link OptimizerUpdateOps}). Like
 * {@link CompiledFunction}, the first call with a new input signature traces and optimizes;
 * later calls run the cached graph, with no tape built. Each call updates the model's
 * parameters in place and advances the optimizer's own state (step counts, momentum buffers,
 * Adam's moments), exactly as {@code loss.backward(); optimizer.step()} would, so eager and
 * compiled steps can be mixed freely: k compiled steps then k eager ones give the parameters of
 * 2k eager steps.
 *
 * <p><b>What a compiled step does to tapes and gradients.</b> Nothing: it records no node on any
 * gradient context's tape (not even while it traces on its first call, which records into a
 * private context it closes), and it neither reads nor writes any parameter's {@code .grad}: the
 * gradients exist only inside the plan. So there is nothing to {@code zeroGrad()} between
 * compiled steps, and a {@code .grad} left by earlier eager code stays as it was.
 *
 * <p><b>What is read when.</b> The learning rate of each parameter group is read at every step
 * (so {@code setLr} and the schedulers work); the other options (momentum, betas, eps, weight
 * decay, maximize) are fixed in the graph, and changing one compiles a new graph on the next
 * call. SGD (with or without momentum, Nesterov, dampening, weight decay), Adam and AdamW are
 * supported, without AMSGrad; every parameter the optimizer updates must be a parameter of the
 * model, of dtype F32 or F64. What a graph cannot capture fails at the first call with a
 * {@link GraphCaptureException}: training-mode BatchNorm (it updates its running statistics in
 * place); Dropout in training mode would be captured with a fixed mask, so use models without it.
 *
 * <p><b>Equality with eager.</b> The update nodes run the eager optimizers' fused kernels with
 * the same doubles, and with {@code passes(List.of())} an MLP's losses, parameters and
 * optimizer state equal the eager ones bit for bit (the default passes keep them within
 * rounding). Where the eager backward takes a fused kernel that the recorded form does not
 * (convolution's weight and input gradients), the traced backward is the primitive composite
 * (im2col and matmul), equal up to summation order (~1e-7 relative in F32).
 *
 * <p><b>Memory.</b> A step runs its graph on an {@link ArenaExecutor} (what
 * {@link CompileMode#REDUCE_OVERHEAD} gives a compiled function, here always on: it costs
 * nothing and saves every activation and gradient allocation): one static {@link MemoryPlan} per
 * input shape, values with disjoint lifetimes sharing buffers, each node writing with its out=
 * kernel, and the fused updates writing the parameters and the optimizer's buffers in place.
 * After warm-up (the first step per input shape, and the JIT's compiling of the kernels) a
 * step of an MLP allocates only the loss tensor {@link #step} returns, a copy of the arena's;
 * {@link #stepLoss} returns it as a double and allocates nothing ({@code -prof gc} on
 * {@code CompiledTrainBenchmark.compiledLoss}). Nodes without an out= kernel still run,
 * allocating their outputs as before. The arena is held by the step (one per input
 * shape, at most {@code ArenaExecutors.LIMIT}), as large as the live activations and gradients.
 *
 * <p><b>Dynamic batch.</b> {@link #markDynamic} makes one graph serve every batch size:
 * sizes in attributes (reshape targets, expand shapes) and whole-number scalars derived from
 * sizes (the element count that {@code mean()}'s gradient divides by, so {@code mseLoss} and
 * {@code crossEntropy} both work) follow the batch, bit-identical to the eager step. A
 * non-integer scalar that depends on the batch (e.g. {@code 1.0 / batch}) fails at capture
 * naming the node (compile one graph per batch size instead, the default).
 *
 * <pre>{@code
 * var model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 10));
 * var opt = new Adam(model.parameters(), 1e-3);
 * CompiledTrainStep step = Compiler.compileTrainStep(model, Losses::crossEntropy, opt)
 *         .markDynamic(0, 0).markDynamic(1, 0);          // any batch size, one graph
 * for (Tensor[] batch : loader) {
 *     Tensor loss = step.step(batch[0], batch[1]);   // forward, backward and update; no tape, no .grad
 * }
 * }</pre>
 */
public final class CompiledTrainStep {
    private static final System.Logger LOG = System.getLogger("dev.walnut.graph");

    /** The update a parameter gets, from its optimizer and group. */
    private enum Kind { SGD, SGD_MOMENTUM, ADAM, ADAMW }

    /**
     * One compiled graph: which parameters it updates (those the loss depends on), and whether
     * its update nodes may write in place (see {@link OptimizerUpdateOps}).
     */
    private record Plan(Graph graph, boolean[] updated, boolean inPlace, ArenaExecutors arenas) {
    }

    private static final Kernels K = Kernels.get();

    private final Module model;
    private final Function<Tensor[], Tensor> loss;
    private final Optimizer optimizer;
    private final OptimizerInternals state;
    private final Tensor[] params;
    private final ParamGroup[] groups;
    private final String name;
    private final List<int[]> dynamic = new ArrayList<>();
    private final Map<List<Object>, Plan> cache = new ConcurrentHashMap<>();
    private volatile List<Pass> passes = defaultPasses();
    private volatile boolean started;

    // What a step reuses from the last (step is synchronized, so one call at a time uses them):
    // the plan and the options it was compiled for, the executor's input array, each
    // parameter's scalars tensor and step count. With them a step after warm-up allocates only
    // the loss it returns.
    private Plan last;
    private ArenaExecutor lastExecutor;
    private Object[][] lastOptions;
    private Tensor[] callInputs = new Tensor[0];
    private Tensor[] results = new Tensor[0];
    private final Tensor[] pair = new Tensor[2];
    private final Tensor[] scalarInputs;
    private final long[] next;

    CompiledTrainStep(Module model, Function<Tensor[], Tensor> loss, Optimizer optimizer) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.state = OptimizerInternals.get();
        this.name = "train step of " + model.getClass().getSimpleName() + " with " + optimizer.getClass().getSimpleName();
        List<Tensor> ps = new ArrayList<>();
        List<ParamGroup> gs = new ArrayList<>();
        for (ParamGroup g : optimizer.paramGroups()) {
            for (Tensor p : g.params()) {
                ps.add(p);
                gs.add(g);
            }
        }
        if (ps.isEmpty()) {
            // The seed style: the optimizer holds no parameters and step(params) uses its first group.
            for (Tensor p : model.parameters()) {
                ps.add(p);
                gs.add(optimizer.paramGroups().get(0));
            }
        }
        IdentityHashMap<Tensor, String> modelParams = new IdentityHashMap<>();
        model.namedParameters().forEach((k, v) -> modelParams.put(v, k));
        for (Tensor p : ps) {
            if (!modelParams.containsKey(p)) {
                throw new IllegalArgumentException("compileTrainStep: the optimizer updates a tensor of shape "
                        + Arrays.toString(p.shape()) + " that is not a parameter of " + model.getClass().getSimpleName()
                        + "; a compiled step can only update the model's own parameters (register it in the module)");
            }
        }
        this.params = ps.toArray(Tensor[]::new);
        this.groups = gs.toArray(ParamGroup[]::new);
        this.scalarInputs = new Tensor[params.length];
        this.next = new long[params.length];
        for (ParamGroup g : groups) {
            kind(g); // fails early for an optimizer or option without a compiled update
        }
    }

    private Kind kind(ParamGroup g) {
        if (optimizer instanceof SGD) {
            return g.getDouble("momentum") != 0 ? Kind.SGD_MOMENTUM : Kind.SGD;
        }
        if (optimizer instanceof Adam || optimizer instanceof AdamW) {
            if (g.getBoolean("amsgrad")) {
                throw new UnsupportedOperationException("compileTrainStep: " + optimizer.getClass().getSimpleName()
                        + " with amsgrad has no compiled update; run it eagerly (loss.backward(); optimizer.step())");
            }
            return optimizer instanceof AdamW ? Kind.ADAMW : Kind.ADAM;
        }
        throw new UnsupportedOperationException("compileTrainStep: " + optimizer.getClass().getSimpleName() + " has no "
                + "compiled update (SGD, Adam and AdamW have); run it eagerly (loss.backward(); optimizer.step())");
    }

    /** Marks dim {@code dim} of input {@code input} dynamic (before the first call), e.g. the batch of inputs and targets. */
    public CompiledTrainStep markDynamic(int input, int dim) {
        checkNotStarted("markDynamic");
        dynamic.add(new int[] {input, dim});
        return this;
    }

    /**
     * The passes a training step runs by default: {@link Pass#defaults()} without
     * {@link LinearFusion}, whose packed copy of each weight pays off when the weight stays
     * fixed; a training step changes every weight, so it would repack them all at every step
     * (measured on the benchmark MLP: about 2.3 MB more allocated and 20-40% more time per step, best of
     * interleaved runs on a shared machine).
     */
    public static List<Pass> defaultPasses() {
        return Pass.defaults().stream().filter(p -> !(p instanceof LinearFusion)).toList();
    }

    /** The passes run after capture (default {@link #defaultPasses()}; empty for none). */
    public CompiledTrainStep passes(List<Pass> passes) {
        checkNotStarted("passes");
        this.passes = List.copyOf(passes);
        return this;
    }

    private void checkNotStarted(String what) {
        if (started) {
            throw new IllegalStateException(what + ": the train step was already compiled; configure it before the first "
                    + "step");
        }
    }

    /**
     * Runs one training step on {@code inputs} (the model's inputs, then the targets, as the
     * loss function takes them): updates the parameters and the optimizer state in place and
     * returns the loss (computed before the update), a fresh tensor that requires no grad (the
     * one allocation of a step after warm-up; {@link #stepLoss} avoids it).
     */
    public synchronized Tensor step(Tensor... inputs) {
        return run(inputs).clone(); // the arena's loss tensor is rewritten by the next step
    }

    /**
     * {@link #step} returning the loss as a number, {@code step(inputs).item()} without the
     * tensor: after warm-up (the first step for an input shape) it allocates nothing, as
     * measured with JMH's {@code -prof gc} ({@code CompiledTrainBenchmark.compiledLoss}) and
     * asserted by {@code CompiledTrainStepArenaTest.stepLossAllocatesNothingOnceCompiled}.
     *
     * <pre>{@code
     * double loss = step.stepLoss(x, y);   // forward, backward and update; nothing allocated
     * }</pre>
     */
    public synchronized double stepLoss(Tensor... inputs) {
        return K.elementAt(run(inputs), 0);
    }

    /**
     * {@link #stepLoss(Tensor...)} for the usual two inputs (the model's input and the
     * targets), without the varargs array a call would otherwise make.
     */
    public synchronized double stepLoss(Tensor input, Tensor target) {
        pair[0] = input;
        pair[1] = target;
        try {
            return K.elementAt(run(pair), 0);
        } finally {
            pair[0] = null; // hold no caller tensors between steps
            pair[1] = null;
        }
    }

    /** One step; returns the loss in the arena (valid until the next step). */
    private Tensor run(Tensor[] inputs) {
        // Recording off, set and restored by hand: Autograd.noGrad() would allocate its scope object per step.
        boolean gradWas = Autograd.isGradEnabled();
        Autograd.setGradEnabled(false);
        try {
            return runWithoutGrad(inputs);
        } finally {
            Autograd.setGradEnabled(gradWas);
        }
    }

    private Tensor runWithoutGrad(Tensor[] inputs) {
        started = true;
        Plan plan = last;
        ArenaExecutor x = null;
        if (plan != null && sameOptions()) {
            x = plan.arenas.find(withState(inputs, next, plan.inPlace, true));
        }
        if (x == null) {
            plan = planFor(inputs);
            last = plan;
            lastOptions = options();
            Tensor[] all = withState(inputs, next, plan.inPlace, true);
            x = plan.arenas.find(all);
            if (x == null) {
                // The loss is read (or copied) before the next step: it may stay in the arena.
                x = plan.arenas.create(plan.graph, all).reuseOutputs();
            }
        }
        lastExecutor = x;
        int outputs = plan.graph.outputs().size();
        if (results.length != outputs) {
            results = new Tensor[outputs];
        }
        Tensor[] out = x.run(x.weights(), callInputs, results);
        Arrays.fill(callInputs, null); // hold no caller tensors between steps
        int k = 1;
        for (int i = 0; i < params.length; i++) {
            if (!plan.updated[i]) {
                continue; // like the eager step, which skips a parameter without a gradient
            }
            Tensor p = params[i];
            state.setStep(optimizer, p, next[i]);
            Tensor updatedParam = out[k++];
            if (updatedParam != p) {
                p.copyInPlace(updatedParam);
            }
            Map<String, Tensor> buffers = state.buffers(optimizer, p);
            switch (kind(groups[i])) {
                case SGD_MOMENTUM -> buffers.put("momentum_buffer", out[k++]);
                case ADAM, ADAMW -> {
                    buffers.put("exp_avg", out[k++]);
                    buffers.put("exp_avg_sq", out[k++]);
                }
                default -> {
                }
            }
        }
        Tensor loss = out[0];
        Arrays.fill(out, null); // hold no tensors between steps
        return loss;
    }

    /** Every group's options now, as keys and values (lr included, though {@link #sameOptions} skips it). */
    private Object[][] options() {
        Object[][] snapshot = new Object[groups.length * 2][];
        for (int i = 0; i < groups.length; i++) {
            Map<String, Object> o = groups[i].options();
            snapshot[2 * i] = o.keySet().toArray();
            snapshot[2 * i + 1] = o.values().toArray();
        }
        return snapshot;
    }

    /**
     * True when no group's options but the learning rate changed since {@link #last} was picked,
     * checked without allocating (a changed option picks another graph, see {@link #key}).
     */
    private boolean sameOptions() {
        for (int i = 0; i < groups.length; i++) {
            Map<String, Object> o = groups[i].options();
            Object[] keys = lastOptions[2 * i];
            Object[] values = lastOptions[2 * i + 1];
            if (o.size() != keys.length) {
                return false;
            }
            for (int j = 0; j < keys.length; j++) {
                if (!keys[j].equals("lr") && !keys[j].equals("initialLr") && !Objects.equals(o.get(keys[j]), values[j])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Compiles the graph for inputs like these now (the warm-up a first {@link #step} would do) and returns it. */
    public synchronized Graph graphFor(Tensor... inputs) {
        started = true;
        return planFor(inputs).graph;
    }

    /** The executor the last step ran (null before the first): for tests of its plan. */
    synchronized ArenaExecutor lastExecutor() {
        return lastExecutor;
    }

    /** The graphs compiled so far, one per input signature and set of optimizer options. */
    public int cachedGraphs() {
        return cache.size();
    }

    private Plan planFor(Tensor[] inputs) {
        List<Object> key = key(inputs);
        Plan plan = cache.get(key);
        if (plan == null) {
            if (!cache.isEmpty()) {
                LOG.log(Level.INFO, "compileTrainStep: recompiling the " + name + " for " + key + " (" + cache.size()
                        + " graph(s) cached); mark the dims that vary dynamic to share one graph");
            }
            // Traced with the functional updates: tracing runs every node, and must change nothing.
            plan = compile(inputs.length, withState(inputs, new long[params.length], false, false));
            cache.put(key, plan);
        }
        return plan;
    }

    /**
     * The user's inputs followed by each parameter's state inputs (buffers, then the per-step
     * scalars of {@link OptimizerUpdateOps}); {@code next} receives each parameter's step count
     * after this step. Missing buffers are zeros, as the eager optimizers create them. With
     * {@code reuse}, the array is {@link #callInputs} and the scalars are written into
     * {@link #scalarInputs} (nothing allocated once they exist); else everything is fresh (for
     * tracing, which keeps its example inputs).
     */
    private Tensor[] withState(Tensor[] inputs, long[] next, boolean inPlace, boolean reuse) {
        double flag = inPlace ? 1 : 0;
        int count = inputs.length;
        for (ParamGroup g : groups) {
            count += switch (kind(g)) {
                case SGD -> 1;
                case SGD_MOMENTUM -> 2;
                default -> 3;
            };
        }
        Tensor[] all = reuse && callInputs.length == count ? callInputs : new Tensor[count];
        if (reuse) {
            callInputs = all;
        }
        System.arraycopy(inputs, 0, all, 0, inputs.length);
        int s = inputs.length;
        // Nothing here records (fresh zeros, raw element writes): no noGrad scope needed.
        for (int i = 0; i < params.length; i++) {
            Tensor p = params[i];
            ParamGroup g = groups[i];
            long t = state.step(optimizer, p) + 1;
            next[i] = t;
            Map<String, Tensor> buffers = t == 1 ? Map.of() : state.buffers(optimizer, p);
            double lr = g.lr();
            switch (kind(g)) {
                case SGD -> all[s++] = scalars(i, reuse, lr, flag, 0, 0, 2);
                case SGD_MOMENTUM -> {
                    Tensor buf = buffers.get("momentum_buffer");
                    all[s++] = buf != null ? buf : Tensor.zerosLike(p);
                    all[s++] = scalars(i, reuse, lr, buf == null ? 1 : 0, flag, 0, 3);
                }
                case ADAM, ADAMW -> {
                    Tensor m = buffers.get("exp_avg");
                    Tensor v = buffers.get("exp_avg_sq");
                    all[s++] = m != null ? m : Tensor.zerosLike(p);
                    all[s++] = v != null ? v : Tensor.zerosLike(p);
                    // The same doubles as the eager Adam.fusedAdam / AdamW.fusedUpdate compute.
                    double bias1 = 1 - Math.pow(g.getDouble("beta1"), t);
                    double bias2 = 1 - Math.pow(g.getDouble("beta2"), t);
                    double wd = g.getDouble("weightDecay");
                    double decay = kind(g) == Kind.ADAMW && wd != 0 ? 1 - lr * wd : 1.0;
                    all[s++] = scalars(i, reuse, lr / bias1, Math.sqrt(bias2), decay, flag, 4);
                }
                default -> throw new IllegalStateException();
            }
        }
        return all;
    }

    /** Parameter {@code i}'s F64 scalars input: the first {@code n} of {@code a, b, c, d}, in a reused or fresh tensor. */
    private Tensor scalars(int i, boolean reuse, double a, double b, double c, double d, int n) {
        Tensor t = reuse ? scalarInputs[i] : null;
        if (t == null || t.numel() != n) {
            t = Tensor.zeros(new long[] {n}, DType.F64);
            if (reuse) {
                scalarInputs[i] = t;
            }
        }
        K.setElementAt(t, 0, a);
        K.setElementAt(t, 1, b);
        if (n > 2) {
            K.setElementAt(t, 2, c);
        }
        if (n > 3) {
            K.setElementAt(t, 3, d);
        }
        return t;
    }

    private Plan compile(int userInputs, Tensor[] examples) {
        boolean[] updated = new boolean[params.length];
        OpDef<?>[] ops = new OpDef<?>[params.length];
        Object[] attrs = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            ParamGroup g = groups[i];
            Kind k = kind(g);
            boolean maximize = g.getBoolean("maximize");
            double wd = g.getDouble("weightDecay");
            switch (k) {
                case SGD, SGD_MOMENTUM -> {
                    ops[i] = k == Kind.SGD ? OptimizerUpdateOps.SGD : OptimizerUpdateOps.SGD_MOMENTUM;
                    attrs[i] = new OptimizerUpdateOps.Sgd(maximize, wd, g.getDouble("momentum"), g.getDouble("dampening"),
                            g.getBoolean("nesterov"));
                }
                default -> {
                    ops[i] = OptimizerUpdateOps.ADAM;
                    attrs[i] = new OptimizerUpdateOps.Adam(maximize, k == Kind.ADAM ? wd : 0.0, g.getDouble("beta1"),
                            g.getDouble("beta2"), g.getDouble("eps"));
                }
            }
        }
        Function<Tensor[], Tensor[]> joint = in -> joint(in, userInputs, ops, attrs, updated);
        Tracer tracer = new Tracer(joint, model);
        tracer.trainStep = true;
        tracer.inputNames(inputNames(userInputs));
        for (int[] d : dynamic) {
            tracer.markDynamic(d[0], d[1]);
        }
        Graph g = tracer.trace(examples);
        for (Pass p : passes) {
            g = p.apply(g);
        }
        return new Plan(g, updated, updatesLast(g, updated), new ArenaExecutors());
    }

    /** True when the graph ends with its update nodes, so that writing the parameters in place is safe. */
    private static boolean updatesLast(Graph g, boolean[] updated) {
        int count = 0;
        for (boolean u : updated) {
            count += u ? 1 : 0;
        }
        List<Node> nodes = g.nodes();
        int updates = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (isUpdate(nodes.get(i).op())) {
                if (i < nodes.size() - count) {
                    return false;
                }
                updates++;
            }
        }
        return updates == count;
    }

    private static boolean isUpdate(OpDef<?> op) {
        return op == OptimizerUpdateOps.SGD || op == OptimizerUpdateOps.SGD_MOMENTUM || op == OptimizerUpdateOps.ADAM;
    }

    /**
     * The traced body: forward and loss with grad on (in a private gradient context, so the
     * caller's tape is untouched), the gradients by {@code Autograd.grad} (whose VJP rules are
     * tensor ops, so the tracer records the backward too), then one update node per parameter.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Tensor[] joint(Tensor[] in, int userInputs, OpDef<?>[] ops, Object[] attrs, boolean[] updated) {
        Tensor[] user = Arrays.copyOf(in, userInputs);
        List<Tensor> outs = new ArrayList<>();
        try (var ctx = new GradientContext(); var on = Autograd.enableGrad()) {
            Tensor l = loss.apply(user);
            if (l == null || l.numel() != 1) {
                throw new GraphCaptureException("compileTrainStep: the loss function must return a one-element tensor, got "
                        + (l == null ? "null" : "shape " + Arrays.toString(l.shape())));
            }
            if (!l.requiresGrad()) {
                throw new GraphCaptureException("compileTrainStep: the loss does not depend on any parameter that requires "
                        + "grad; nothing to train");
            }
            List<Integer> trainable = new ArrayList<>();
            for (int i = 0; i < params.length; i++) {
                if (params[i].requiresGrad()) {
                    trainable.add(i);
                }
            }
            Tensor[] wrt = trainable.stream().map(i -> params[i]).toArray(Tensor[]::new);
            Tensor[] grads = Autograd.grad(new Tensor[] {l}, wrt, null, GradOptions.defaults().allowUnused());
            outs.add(l);
            int s = userInputs;
            Tensor[] gradOf = new Tensor[params.length];
            for (int j = 0; j < wrt.length; j++) {
                gradOf[trainable.get(j)] = grads[j];
            }
            for (int i = 0; i < params.length; i++) {
                int stateInputs = ops[i].name().equals("sgdUpdate") ? 1 : ops[i].name().equals("sgdMomentumUpdate") ? 2 : 3;
                Tensor[] args = new Tensor[2 + stateInputs];
                args[0] = params[i];
                args[1] = gradOf[i];
                System.arraycopy(in, s, args, 2, stateInputs);
                s += stateInputs;
                updated[i] = gradOf[i] != null;
                if (updated[i]) {
                    outs.addAll(Arrays.asList(Dispatcher.callAll((OpDef) ops[i], attrs[i], args)));
                }
            }
        }
        return outs.toArray(Tensor[]::new);
    }

    private String[] inputNames(int userInputs) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < userInputs; i++) {
            names.add("x" + i);
        }
        IdentityHashMap<Tensor, String> paramNames = new IdentityHashMap<>();
        model.namedParameters().forEach((k, v) -> paramNames.put(v, k));
        for (int i = 0; i < params.length; i++) {
            String p = paramNames.get(params[i]);
            switch (kind(groups[i])) {
                case SGD -> names.add(p + ".lr");
                case SGD_MOMENTUM -> {
                    names.add(p + ".momentum_buffer");
                    names.add(p + ".lr_first");
                }
                default -> {
                    names.add(p + ".exp_avg");
                    names.add(p + ".exp_avg_sq");
                    names.add(p + ".step_scalars");
                }
            }
        }
        return names.toArray(String[]::new);
    }

    /** Input dtypes and shapes (dynamic dims as -1) and every group's options but the learning rate. */
    private List<Object> key(Tensor[] inputs) {
        List<Object> key = CompiledFunction.signature(inputs, dynamic);
        for (ParamGroup g : optimizer.paramGroups()) {
            TreeMap<String, Object> options = new TreeMap<>(g.options());
            options.remove("lr");
            options.remove("initialLr");
            key.add(options.toString());
        }
        return key;
    }
}
