package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.internal.GemmChoice;
import dev.walnut.internal.TensorInternals;
import dev.walnut.ops.OpDef;
import dev.walnut.profiler.Profiler;
import dev.walnut.ops.TensorSpec;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs one graph for one concrete input signature (dtypes and shapes, dynamic dims included)
 * from a preplanned arena: what {@link CompileMode#REDUCE_OVERHEAD} runs. Everything that
 * depends only on the signature is done once: the inputs' check against the graph, each node's
 * attributes, the {@link MemoryPlan}. The first run executes every node with
 * {@link OpDef#compute}, as {@link Graph#run} does, and notes which outputs are views of an
 * input (they share its storage); the plan is built from that. Later runs write each node with
 * an out= kernel into its planned buffer, so after warm-up they allocate only what reaches the
 * caller (the outputs, fresh on every call: a caller's tensors are never overwritten by a later
 * call; {@link #reuseOutputs} trades that for no allocation) and what nodes without an out=
 * kernel allocate. The out= kernels, the CPU kernels under them and {@code Parallel} allocate
 * nothing per call once the JIT has compiled them (per-thread range bodies and scratch arrays,
 * memoized offset tables and broadcast layouts; JMH {@code -prof gc} on
 * {@code CompiledTrainBenchmark} and {@code CompiledMlpBenchmark} measures it). A training step's fused optimizer
 * updates ({@link OptimizerUpdateOps}) that ran in place on the first run (they returned their
 * parameter and buffer inputs) run in place again without allocating, so a {@link CompiledTrainStep}
 * gets the same plan: its outputs are the updated parameters and buffers themselves.
 *
 * <p>Thread-safe: each call takes an arena (buffers and the tensors over them) from a pool and
 * gives it back, so concurrent calls use different arenas and the pool holds as many arenas as
 * calls ran at once. Same bits as {@link Graph#run}: the same kernels run in the same order.
 *
 * <pre>{@code
 * ArenaExecutor x = new ArenaExecutor(graph, exampleInputs);
 * Tensor[] y = x.run(graph.boundWeights(), inputs);  // inputs like exampleInputs
 * }</pre>
 */
final class ArenaExecutor {
    private static final TensorInternals TI = TensorInternals.get();

    private final Graph graph;
    private final DType[] inputTypes;
    private final int[][] inputShapes;
    private final Value[] weightValues;
    private final int[][] weightShapes;
    // The leaves' value ids and the constants' tensors as arrays: binding them each call walks
    // no list (an iterator per list per call is garbage a preplanned run should not make).
    private final int[] inputIds;
    private final int[] constantIds;
    private final Tensor[] constantTensors;
    private final OpDef<?>[] ops;
    private final Object[] attrs;
    private final int[][] nodeInputs;
    private final int[][] nodeOutputs;
    private final int[][] freeAfter;
    private final int[] outputIds;
    private final long[][] valueShapes;
    private final boolean[] outKernel;
    private final boolean[] returned;
    private final ArrayDeque<Arena> pool = new ArrayDeque<>();
    private volatile boolean reuseOutputs;
    private volatile MemoryPlan plan;
    private volatile boolean[] cachedViews;
    private volatile List<String> allocating;

    /** Prepares {@code graph} for inputs with the dtypes and shapes of {@code example}; checks them. */
    ArenaExecutor(Graph graph, Tensor[] example) {
        this.graph = graph;
        long[] sizes = graph.bind(example);
        inputTypes = new DType[example.length];
        inputShapes = new int[example.length][];
        for (int i = 0; i < example.length; i++) {
            inputTypes[i] = example[i].dtype();
            inputShapes[i] = TI.shape(example[i]).clone();
        }
        weightValues = graph.weights().toArray(Value[]::new);
        weightShapes = new int[weightValues.length][];
        for (int i = 0; i < weightValues.length; i++) {
            weightShapes[i] = Arrays.stream(weightValues[i].exampleShape()).mapToInt(s -> (int) s).toArray();
        }
        inputIds = graph.inputs().stream().mapToInt(Value::id).toArray();
        constantIds = graph.constants().stream().mapToInt(Value::id).toArray();
        constantTensors = graph.constants().stream().map(graph::constant).toArray(Tensor[]::new);
        List<Node> nodes = graph.nodes();
        int count = nodes.size();
        ops = new OpDef<?>[count];
        attrs = new Object[count];
        nodeInputs = new int[count][];
        nodeOutputs = new int[count][];
        outKernel = new boolean[count];
        returned = new boolean[count];
        int[] lastUse = new int[graph.values().size()];
        Arrays.fill(lastUse, -1);
        outputIds = graph.outputs().stream().mapToInt(Value::id).toArray();
        for (int i = 0; i < count; i++) {
            Node n = nodes.get(i);
            ops[i] = n.op();
            attrs[i] = n.attrsFor(sizes);
            nodeInputs[i] = n.inputs().stream().mapToInt(Value::id).toArray();
            nodeOutputs[i] = n.outputs().stream().mapToInt(Value::id).toArray();
            outKernel[i] = hasOutKernel(ops[i], attrs[i]);
            for (int id : nodeInputs[i]) {
                lastUse[id] = i;
            }
            for (Value o : n.outputs()) {
                returned[i] |= graph.outputs().contains(o);
            }
        }
        List<Value> values = graph.values();
        valueShapes = new long[values.size()][];
        for (Value v : values) {
            long[] s = new long[v.dims().length];
            for (int d = 0; d < s.length; d++) {
                s[d] = v.dims()[d].eval(sizes);
            }
            valueShapes[v.id()] = s;
        }
        // Like Graph.run: drop what nodes without an out= kernel allocated after its last use.
        int[][] free = new int[count][];
        for (int i = 0; i < count; i++) {
            free[i] = new int[0];
        }
        for (Value v : values) {
            int i = lastUse[v.id()];
            if (v.kind() == Value.Kind.NODE && i >= 0 && !graph.outputs().contains(v)) {
                free[i] = Arrays.copyOf(free[i], free[i].length + 1);
                free[i][free[i].length - 1] = v.id();
            }
        }
        freeAfter = free;
    }

    @SuppressWarnings("unchecked")
    private static <A> boolean hasOutKernel(OpDef<A> op, Object attrs) {
        return op.hasOutKernel((A) attrs);
    }

    /**
     * Makes later calls write the outputs that an out= kernel computes into tensors their arena
     * keeps, instead of fresh ones: a call then allocates nothing for them, but its outputs are
     * overwritten by a later call that gets the same arena, so only a caller that reads them
     * (or copies them) before its next call and never calls concurrently may ask for it, as
     * {@link CompiledTrainStep} does with its loss. Outputs that are inputs, weights or updated
     * buffers are what they were either way.
     */
    ArenaExecutor reuseOutputs() {
        reuseOutputs = true;
        return this;
    }

    /** True when {@code inputs} have exactly the dtypes and shapes this executor was prepared for. */
    boolean matches(Tensor[] inputs) {
        if (inputs.length != inputTypes.length) {
            return false;
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].dtype() != inputTypes[i] || !Arrays.equals(TI.shape(inputs[i]), inputShapes[i])) {
                return false;
            }
        }
        return true;
    }

    /** The weights the graph is bound to. */
    Map<String, Tensor> weights() {
        return graph.boundWeights();
    }

    /** The plan, once the first run has built it (else null). */
    MemoryPlan plan() {
        return plan;
    }

    /**
     * The ops of the nodes that allocate their outputs on every call after warm-up (no out=
     * kernel, not a cached view, not an optimizer update run in place), in program order; null
     * before the first run.
     */
    List<String> allocatingNodes() {
        return allocating;
    }

    /**
     * Runs the graph on inputs that {@link #matches} with {@code weights} by name, under the
     * graph's GEMM blocking.
     */
    Tensor[] run(Map<String, Tensor> weights, Tensor[] inputs) {
        return run(weights, inputs, null);
    }

    /**
     * {@link #run(Map, Tensor[])} writing the outputs into {@code result} (one slot per graph
     * output) when it is not null, so that a caller that reuses its array allocates nothing for
     * it; returns the array the outputs are in.
     */
    Tensor[] run(Map<String, Tensor> weights, Tensor[] inputs, Tensor[] result) {
        int choice = graph.gemmChoice();
        return choice == 0 ? runArena(weights, inputs, result)
                : GemmChoice.with(choice, () -> runArena(weights, inputs, result));
    }

    private Tensor[] runArena(Map<String, Tensor> weights, Tensor[] inputs, Tensor[] result) {
        if (!matches(inputs)) {
            graph.bind(inputs); // fails naming the input that differs
            throw new IllegalArgumentException("run: the inputs are " + Arrays.toString(Arrays.stream(inputs)
                    .map(TensorSpec::of).toArray()) + " but this arena was planned for " + Arrays.toString(inputShapes)
                    + "; Compiler.compile(...).mode(REDUCE_OVERHEAD) plans one arena per input shape");
        }
        if (plan == null) {
            Tensor[] first = discover(weights, inputs);
            if (result == null) {
                return first;
            }
            System.arraycopy(first, 0, result, 0, first.length);
            return result;
        }
        Arena arena;
        synchronized (pool) {
            arena = pool.poll();
        }
        if (arena == null) {
            arena = new Arena(plan, cachedViews);
        }
        try {
            return arena.run(weights, inputs, result != null ? result : new Tensor[outputIds.length]);
        } finally {
            synchronized (pool) {
                pool.push(arena);
            }
        }
    }

    /** The first run: computes every node like Graph.run, notes views, builds the plan. */
    private synchronized Tensor[] discover(Map<String, Tensor> weights, Tensor[] inputs) {
        if (plan != null) {
            return runArena(weights, inputs, null);
        }
        Tensor[] env = new Tensor[valueShapes.length];
        bindLeaves(env, weights, inputs);
        int[] aliasOf = new int[valueShapes.length];
        Arrays.fill(aliasOf, -1);
        boolean[] views = new boolean[ops.length];
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < ops.length; i++) {
                Tensor[] args = new Tensor[nodeInputs[i].length];
                for (int j = 0; j < args.length; j++) {
                    args[j] = env[nodeInputs[i][j]];
                }
                Tensor[] out = compute(ops[i], attrs[i], args);
                for (int j = 0; j < out.length; j++) {
                    int id = nodeOutputs[i][j];
                    env[id] = out[j];
                    Object key = TI.storageKey(out[j]);
                    for (int k = 0; k < args.length; k++) {
                        if (TI.storageKey(args[k]) == key) {
                            aliasOf[id] = nodeInputs[i][k];
                            views[i] = true;
                            if (outKernel[i]) {
                                throw new IllegalStateException("run: " + ops[i].name() + " has an out= kernel but its "
                                        + "output %" + graph.values().get(id).name() + " shares its input's storage");
                            }
                        }
                    }
                }
            }
        }
        MemoryPlan p = MemoryPlan.plan(graph, graph.bind(inputs), aliasOf, outKernel);
        // A view node is rerun only when its arguments change identity: it is cached when every
        // argument is a weight, a constant, an arena tensor or a cached view of those, and its
        // outputs do not reach the caller (who then gets a new view object each call, as from eager).
        boolean[] stable = new boolean[valueShapes.length];
        for (Value w : weightValues) {
            stable[w.id()] = true;
        }
        for (Value c : graph.constants()) {
            stable[c.id()] = true;
        }
        boolean[] cacheable = new boolean[ops.length];
        for (int i = 0; i < ops.length; i++) {
            boolean allStable = true;
            for (int id : nodeInputs[i]) {
                allStable &= stable[id];
            }
            cacheable[i] = views[i] && allStable && !returned[i];
            for (int id : nodeOutputs[i]) {
                stable[id] = p.bufferOf(id) >= 0 || cacheable[i];
            }
        }
        cachedViews = cacheable;
        List<String> computed = new java.util.ArrayList<>();
        for (int i = 0; i < ops.length; i++) {
            // An update that returned its own inputs ran in place, as it will on later calls.
            boolean inPlaceUpdate = ops[i] instanceof OptimizerUpdateOps.Update<?> && views[i];
            if (!outKernel[i] && !cacheable[i] && !inPlaceUpdate) {
                computed.add(ops[i].name());
            }
        }
        allocating = List.copyOf(computed);
        plan = p;
        Tensor[] result = new Tensor[outputIds.length];
        for (int i = 0; i < result.length; i++) {
            result[i] = env[outputIds[i]];
        }
        return result;
    }

    private void bindLeaves(Tensor[] env, Map<String, Tensor> weights, Tensor[] inputs) {
        for (int i = 0; i < inputs.length; i++) {
            env[inputIds[i]] = inputs[i];
        }
        for (int i = 0; i < weightValues.length; i++) {
            Value w = weightValues[i];
            Tensor t = weights.get(w.name());
            if (t == null) {
                throw new IllegalArgumentException("run: no tensor for weight '" + w.name() + "'; pass it in the weights map "
                        + "(graph.boundWeights() has the traced module's tensors)");
            }
            if (t.dtype() != w.dtype() || !Arrays.equals(TI.shape(t), weightShapes[i])) {
                throw new IllegalArgumentException("run: weight '" + w.name() + "' is " + TensorSpec.of(t) + " but the graph "
                        + "was traced with " + new TensorSpec(w.exampleShape(), w.dtype()));
            }
            env[w.id()] = t;
        }
        for (int i = 0; i < constantIds.length; i++) {
            env[constantIds[i]] = constantTensors[i];
        }
    }

    @SuppressWarnings("unchecked")
    private static <A> Tensor[] compute(OpDef<A> op, Object attrs, Tensor[] args) {
        return op.compute((A) attrs, args);
    }

    @SuppressWarnings("unchecked")
    private static <A> void computeInto(OpDef<A> op, Object attrs, Tensor[] args, Tensor[] out) {
        op.computeInto((A) attrs, args, out);
    }

    /**
     * A training step's fused optimizer update run in place, allocating nothing: it writes its
     * parameter and buffer inputs, which become its outputs (see {@link OptimizerUpdateOps}).
     * False for every other node, and for an update that must run functionally.
     */
    @SuppressWarnings("unchecked")
    private static <A> boolean updateInPlace(OpDef<A> op, Object attrs, Tensor[] args, Tensor[] out) {
        return op instanceof OptimizerUpdateOps.Update<?> && ((OptimizerUpdateOps.Update<A>) op).updateInPlace((A) attrs,
                args, out);
    }

    /** One call's memory: the planned buffers, the tensors over them, and the per-node argument arrays. */
    private final class Arena {
        private final Tensor[] env;
        private final Tensor[] planned;
        private final Tensor[][] args;
        private final Tensor[][] outs;
        private final boolean[] views;
        private final Tensor[][] viewArgs;
        private final Tensor[][] viewOuts;
        /** The outputs' tensors when {@link #reuseOutputs} is on, made on first use. */
        private final Tensor[] kept;

        Arena(MemoryPlan plan, boolean[] views) {
            this.views = views;
            int count = valueShapes.length;
            env = new Tensor[count];
            planned = new Tensor[count];
            Tensor[] buffers = new Tensor[plan.buffers()];
            try (var off = Autograd.noGrad()) {
                for (int b = 0; b < buffers.length; b++) {
                    buffers[b] = Tensor.zeros(new long[] {plan.capacity(b)}, plan.dtype(b));
                }
                for (int v = 0; v < count; v++) {
                    int b = plan.bufferOf(v);
                    if (b >= 0) {
                        long numel = Arrays.stream(valueShapes[v]).reduce(1, (x, y) -> x * y);
                        planned[v] = buffers[b].narrow(0, 0, numel).view(valueShapes[v]);
                    }
                }
            }
            args = new Tensor[ops.length][];
            outs = new Tensor[ops.length][];
            viewArgs = new Tensor[ops.length][];
            viewOuts = new Tensor[ops.length][];
            kept = new Tensor[count];
            for (int i = 0; i < ops.length; i++) {
                args[i] = new Tensor[nodeInputs[i].length];
                outs[i] = new Tensor[nodeOutputs[i].length];
            }
        }

        Tensor[] run(Map<String, Tensor> weights, Tensor[] inputs, Tensor[] result) {
            bindLeaves(env, weights, inputs);
            // Set and restored by hand: Autograd.noGrad() would allocate its scope object per call.
            boolean gradWas = Autograd.isGradEnabled();
            Autograd.setGradEnabled(false);
            Profiler prof = Profiler.current();
            try {
                for (int i = 0; i < ops.length; i++) {
                    long t0 = prof == null ? 0 : System.nanoTime();
                    Tensor[] a = args[i];
                    int[] in = nodeInputs[i];
                    for (int j = 0; j < a.length; j++) {
                        a[j] = env[in[j]];
                    }
                    int[] ids = nodeOutputs[i];
                    Tensor[] out = outs[i];
                    if (outKernel[i]) {
                        for (int j = 0; j < ids.length; j++) {
                            Tensor t = planned[ids[j]];
                            // Outputs that reach the caller are fresh on every call, unless it asked to reuse them.
                            out[j] = t != null ? t : reuseOutputs ? keptOutput(ids[j]) : newOutput(ids[j]);
                        }
                        computeInto(ops[i], attrs[i], a, out);
                    } else if (views[i] && sameArgs(i, a)) {
                        // A view of the same tensors as last time is the same view: the arena's tensors and the
                        // weights keep their identity across calls, and the view sees their new contents.
                        System.arraycopy(viewOuts[i], 0, out, 0, out.length);
                    } else if (!updateInPlace(ops[i], attrs[i], a, out)) {
                        Tensor[] r = compute(ops[i], attrs[i], a);
                        System.arraycopy(r, 0, out, 0, out.length);
                        if (views[i]) {
                            viewArgs[i] = a.clone();
                            viewOuts[i] = r;
                        }
                    }
                    for (int j = 0; j < ids.length; j++) {
                        env[ids[j]] = out[j];
                    }
                    if (prof != null) {
                        prof.record(ops[i].name(), a, System.nanoTime() - t0, true);
                    }
                    // The node's argument and output slots let go at once, as env does after a
                    // value's last use. Kept to the end of the call (arguments) or to the next
                    // call (outputs), they held every tensor the nodes without an out= kernel
                    // allocated reachable from this long-lived arena: at batch 8 all of
                    // mobilenet_v2's activations (230 MB per call), which in the default executor
                    // die young. G1 logs showed young pauses that freed next to nothing
                    // (1317M->1297M), pauses of 20-165 ms against 2-10 ms, and twice the
                    // concurrent cycles: reduce-overhead ran slower than the default mode.
                    Arrays.fill(a, null);
                    Arrays.fill(out, null);
                    for (int id : freeAfter[i]) {
                        env[id] = null;
                    }
                }
                for (int i = 0; i < outputIds.length; i++) {
                    result[i] = env[outputIds[i]];
                }
                Arrays.fill(env, null); // the arena holds no caller tensors between calls
                return result;
            } finally {
                Autograd.setGradEnabled(gradWas);
            }
        }

        private Tensor keptOutput(int id) {
            Tensor t = kept[id];
            if (t == null) {
                t = newOutput(id);
                kept[id] = t;
            }
            return t;
        }

        private Tensor newOutput(int id) {
            return Tensor.zeros(valueShapes[id], graph.values().get(id).dtype());
        }

        private boolean sameArgs(int i, Tensor[] a) {
            Tensor[] last = viewArgs[i];
            if (last == null) {
                return false;
            }
            for (int j = 0; j < a.length; j++) {
                if (last[j] != a[j]) {
                    return false;
                }
            }
            return true;
        }
    }
}
