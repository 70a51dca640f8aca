package dev.walnut.graph;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.internal.ConvolutionChoice;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A function or module compiled on first call, like {@code torch.compile}: the first call with
 * a new input signature (dtypes and shapes, dynamic dims excepted) traces the function, runs
 * the optimization passes and caches the graph; later calls with that signature run the cached
 * graph. Each further signature compiles again, with one log line ({@code System.Logger}
 * {@code dev.walnut.graph}, INFO) saying so; marking dims dynamic avoids that. Compiled calls
 * record nothing on any tape and may run on several threads at once. {@link #mode} picks how
 * calls run: {@link CompileMode#REDUCE_OVERHEAD} runs each input shape from a preplanned memory
 * arena (no intermediate allocated per call; outputs fresh), {@link CompileMode#DEFAULT} allocates
 * as eager mode does.
 *
 * <pre>{@code
 * CompiledFunction f = Compiler.compile(model).markDynamic(0, 0);
 * Tensor y = f.apply(x);               // traces, optimizes, runs
 * Tensor y2 = f.apply(otherBatch);      // reuses the graph
 * CompiledFunction fast = Compiler.compile(model).mode(CompileMode.REDUCE_OVERHEAD);
 * }</pre>
 */
public final class CompiledFunction {
    private static final System.Logger LOG = System.getLogger("dev.walnut.graph");

    private final Tracer tracer;
    private final java.util.function.Function<Tensor[], Tensor[]> eager;
    private final String name;
    private final List<int[]> dynamic = new ArrayList<>();
    private final Map<List<Object>, Graph> cache = new ConcurrentHashMap<>();
    private final Map<List<Object>, GraphCaptureException> uncapturable = new ConcurrentHashMap<>();
    private volatile List<Pass> passes = Pass.defaults();
    private volatile boolean eagerFallback;
    private volatile boolean debug;
    private volatile boolean started;
    private volatile CompileMode mode = CompileMode.DEFAULT;
    private final ArenaExecutors arenas = new ArenaExecutors();

    CompiledFunction(Tracer tracer, java.util.function.Function<Tensor[], Tensor[]> eager, String name) {
        this.tracer = tracer;
        this.eager = eager;
        this.name = name;
    }

    /** Marks dim {@code dim} of input {@code input} dynamic (before the first call). */
    public CompiledFunction markDynamic(int input, int dim) {
        checkNotStarted("markDynamic");
        tracer.markDynamic(input, dim);
        dynamic.add(new int[] {input, dim});
        return this;
    }

    /** The passes run after capture (default {@link Pass#defaults()}; empty for none). */
    public CompiledFunction passes(List<Pass> passes) {
        checkNotStarted("passes");
        this.passes = List.copyOf(passes);
        return this;
    }

    /**
     * When true, a function that cannot be captured (see {@link GraphCaptureException}) runs
     * eagerly for that signature instead of failing, with one warning in the log.
     */
    public CompiledFunction eagerFallback(boolean enabled) {
        this.eagerFallback = enabled;
        return this;
    }

    /** How calls run (before the first call); see {@link CompileMode}. */
    public CompiledFunction mode(CompileMode mode) {
        checkNotStarted("mode");
        this.mode = java.util.Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** The mode calls run in. */
    public CompileMode mode() {
        return mode;
    }

    /** When true, logs the graph after capture and after each pass (INFO). */
    public CompiledFunction debug(boolean enabled) {
        this.debug = enabled;
        return this;
    }

    private void checkNotStarted(String what) {
        if (started) {
            throw new IllegalStateException(what + ": the function was already compiled by a call; configure it before the "
                    + "first call");
        }
    }

    /** Runs the compiled function and returns its first output. */
    public Tensor apply(Tensor... inputs) {
        return applyAll(inputs)[0];
    }

    /** Runs the compiled function and returns all its outputs. */
    public Tensor[] applyAll(Tensor... inputs) {
        started = true;
        boolean arena = mode != CompileMode.DEFAULT;
        if (arena) {
            ArenaExecutor x = arenas.find(inputs); // no signature to build when the shapes were seen
            if (x != null) {
                return x.run(x.weights(), inputs);
            }
        }
        List<Object> key = signature(inputs);
        Graph g = cache.get(key);
        if (g == null) {
            if (uncapturable.containsKey(key)) {
                return runEagerly(inputs);
            }
            g = compile(key, inputs);
            if (g == null) {
                return runEagerly(inputs);
            }
        }
        if (arena) {
            ArenaExecutor x = arenas.create(g, inputs);
            return x.run(x.weights(), inputs);
        }
        return g.run(inputs);
    }

    private Tensor[] runEagerly(Tensor[] inputs) {
        try (var off = Autograd.noGrad()) {
            return eager.apply(inputs.clone());
        }
    }

    private synchronized Graph compile(List<Object> key, Tensor[] inputs) {
        Graph g = cache.get(key);
        if (g != null) {
            return g;
        }
        if (!cache.isEmpty()) {
            LOG.log(Level.INFO, "compile: recompiling " + name + " for new input signature " + key + " (" + cache.size()
                    + " graph(s) cached); mark the dims that vary dynamic to share one graph");
        }
        try {
            g = tracer.trace(inputs);
        } catch (GraphCaptureException e) {
            if (!eagerFallback) {
                throw e;
            }
            LOG.log(Level.WARNING, "compile: " + name + " runs eagerly for input signature " + key + ": " + e.getMessage());
            uncapturable.put(key, e);
            return null;
        }
        if (debug) {
            LOG.log(Level.INFO, "compile: " + name + " captured:\n" + g);
        }
        if (mode == CompileMode.MAX_AUTOTUNE) {
            // Other convolution algorithms trace the same ops in other lowerings, so a capture
            // that succeeded once succeeds again.
            Graph auto = g;
            g = Autotuner.pick(c -> c == ConvolutionChoice.AUTO ? auto
                    : ConvolutionChoice.with(c, () -> tracer.trace(inputs)), passes, inputs, name);
            if (debug) {
                LOG.log(Level.INFO, "compile: " + name + " after autotuning:\n" + g);
            }
        } else {
            for (Pass p : passes) {
                g = p.apply(g);
                if (debug) {
                    LOG.log(Level.INFO, "compile: " + name + " after " + p.name() + ":\n" + g);
                }
            }
        }
        cache.put(key, g);
        return g;
    }

    private List<Object> signature(Tensor[] inputs) {
        return signature(inputs, dynamic);
    }

    /**
     * Dtypes and shapes, with the dynamic dims ({input, dim} pairs, dim possibly negative) as -1:
     * the cache key of a compiled function, and the start of a compiled train step's.
     */
    static List<Object> signature(Tensor[] inputs, List<int[]> dynamic) {
        List<Object> key = new ArrayList<>(inputs.length * 2);
        for (int i = 0; i < inputs.length; i++) {
            long[] shape = inputs[i].shape();
            for (int[] d : dynamic) {
                int dim = d[1] < 0 ? d[1] + shape.length : d[1];
                if (d[0] == i && dim >= 0 && dim < shape.length) {
                    shape[dim] = -1;
                }
            }
            key.add(inputs[i].dtype());
            key.add(Arrays.toString(shape));
        }
        return key;
    }

    /** The graphs compiled so far, one per input signature. */
    public int cachedGraphs() {
        return cache.size();
    }

    /** The graph that runs for inputs like these, compiling it if needed. */
    public Graph graphFor(Tensor... inputs) {
        started = true;
        List<Object> key = signature(inputs);
        Graph g = cache.get(key);
        return g != null ? g : compile(key, inputs);
    }
}
