package dev.walnut.graph;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.nn.Module;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Captures a function or a module's forward into a {@link Graph}, with dims marked dynamic.
 *
 * <p>Capture runs the function for real under a trace interpreter (and with grad mode off, so
 * nothing is recorded on any tape): every primitive call becomes a node, Java control flow is
 * captured as the branch taken, and tensors that are neither inputs nor computed from them
 * become constants (a module's parameters and buffers become named weights instead). Reading a
 * traced value into Java ({@code item()}, {@code toFloatArray()}, ...), writing in place into an
 * input, a weight or a captured constant, and building a tensor from a traced one without a
 * primitive op fail with a {@link GraphCaptureException} naming the op and the place.
 *
 * <p><b>Dynamic dims.</b> {@link #markDynamic} makes a dim (typically the batch) a symbol of
 * the graph. Sizes that depend on it, in value shapes and in attributes that embed sizes (a
 * reshape target, an expand shape, a slice length), are found by tracing again with that dim
 * grown by 1 and by 3 and fitting {@code constant + coefficient * size} to the integers that
 * change; the graph then stores those expressions and re-derives the attributes for each run.
 * A whole-number double attribute is fitted the same way, so a scalar derived from a size
 * (the element count that {@code mean()}'s gradient divides by) follows it, as torch.compile's
 * symbolic scalars do. A structure or another attribute that changes with the size, or an integer that is not
 * affine in it (e.g. a pooled size), fails at capture; at run time every node's shape rule is
 * re-checked once per new size. Marked dims with the same traced size share one symbol. A
 * filled tensor created inside the function with a dynamic size ({@code Tensor.zeros(batch, n)},
 * an RNN's initial state) becomes {@code clone(expand(a one-element constant))}; any other
 * constant whose shape follows a dynamic dim fails at capture.
 *
 * <pre>{@code
 * Graph g = Graph.tracer(model).markDynamic(0, 0).trace(Tensor.randn(8, 1, 28, 28));
 * g.run(Tensor.randn(3, 1, 28, 28));   // any batch size
 * }</pre>
 */
public final class Tracer {
    private static final System.Logger LOG = System.getLogger("dev.walnut.graph");
    private final Function<Tensor[], Tensor[]> fn;
    private final Module module;
    private final List<int[]> dynamic = new ArrayList<>();
    private final List<Tensor[]> checks = new ArrayList<>();
    private String[] names;
    /** Set by {@link CompiledTrainStep}: it traces training mode on purpose, so no warning. */
    boolean trainStep;

    Tracer(Function<Tensor[], Tensor[]> fn, Module module) {
        this.fn = fn;
        this.module = module;
    }

    /** Marks dim {@code dim} (negative counts from the end) of input {@code input} dynamic. */
    public Tracer markDynamic(int input, int dim) {
        dynamic.add(new int[] {input, dim});
        return this;
    }

    /** Names of the inputs in the printed graph (default {@code x0, x1, ...}). */
    public Tracer inputNames(String... names) {
        this.names = names.clone();
        return this;
    }

    /** Captures the graph on these example inputs. */
    public Graph trace(Tensor... examples) {
        List<int[]> marks = new ArrayList<>();
        for (int[] m : dynamic) {
            if (m[0] < 0 || m[0] >= examples.length) {
                throw new IllegalArgumentException("markDynamic: input " + m[0] + " does not exist; the function takes "
                        + examples.length + " input(s)");
            }
            int rank = examples[m[0]].dim();
            int d = m[1] < 0 ? m[1] + rank : m[1];
            if (d < 0 || d >= rank) {
                throw new IllegalArgumentException("markDynamic: dim " + m[1] + " is out of range for input " + m[0]
                        + " of shape " + Arrays.toString(examples[m[0]].shape()));
            }
            long size = examples[m[0]].shape()[d];
            if (size < 2) {
                throw new IllegalArgumentException("markDynamic: input " + m[0] + " has size " + size + " along dim " + d
                        + "; trace with an example of size 2 or more along a dynamic dim (sizes 0 and 1 broadcast "
                        + "differently, so the trace would specialise them)");
            }
            marks.add(new int[] {m[0], d});
        }
        if (module != null && module.isTraining() && !trainStep) {
            LOG.log(System.Logger.Level.WARNING, "tracing " + module.getClass().getSimpleName() + " in training mode: "
                    + "random masks (Dropout) are captured as constants and BatchNorm's buffer updates cannot be traced; "
                    + "call eval() first to trace inference");
        }
        Graph base = capture(examples, List.of());
        if (marks.isEmpty()) {
            check(base);
            return base;
        }
        // Duck sizing: marked dims of equal traced size are one symbol.
        List<Symbol> symbols = new ArrayList<>();
        Map<Long, Integer> bySize = new LinkedHashMap<>();
        List<List<int[]>> dimsOf = new ArrayList<>();
        for (int[] m : marks) {
            long size = examples[m[0]].shape()[m[1]];
            Integer s = bySize.get(size);
            if (s == null) {
                s = symbols.size();
                bySize.put(size, s);
                symbols.add(new Symbol("s" + s, m[0], m[1], size));
                dimsOf.add(new ArrayList<>());
            }
            dimsOf.get(s).add(m);
        }
        List<Graph[]> perturbed = new ArrayList<>();
        for (List<int[]> dims : dimsOf) {
            Graph g1 = capture(grow(examples, dims, 1), symbols);
            Graph g3 = capture(grow(examples, dims, 3), symbols);
            perturbed.add(new Graph[] {g1, g3});
        }
        Graph joint = null;
        if (symbols.size() > 1) {
            List<int[]> all = new ArrayList<>();
            dimsOf.forEach(all::addAll);
            joint = capture(grow(examples, all, 1), symbols);
        }
        Graph g = DynamicShapes.generalize(base, symbols, perturbed, joint);
        check(g);
        return g;
    }

    /**
     * Also runs the graph and the function eagerly on {@code inputs} after capture and fails
     * when they differ, like {@code torch.jit.trace}'s {@code check_inputs}: a guard against
     * code the tracer cannot see (a kernel called directly, data read through internals).
     */
    public Tracer checkInputs(Tensor... inputs) {
        checks.add(inputs.clone());
        return this;
    }

    private void check(Graph g) {
        for (Tensor[] in : checks) {
            Tensor[] expected;
            try (var off = Autograd.noGrad()) {
                expected = fn.apply(in.clone());
            }
            Tensor[] actual = g.run(in);
            for (int i = 0; i < expected.length; i++) {
                if (!sameValues(expected[i], actual[i])) {
                    throw new GraphCaptureException("checkInputs: output " + i + " of the graph differs from the eager function "
                            + "on the check inputs: the function computes something the tracer does not see (a kernel called "
                            + "without the dispatcher, tensor data read through internals), which the graph kept as a "
                            + "constant. Route it through tensor ops, or run it eagerly (Compiler.compile(fn).eagerFallback)");
                }
            }
        }
    }

    private static boolean sameValues(Tensor a, Tensor b) {
        if (a.dtype() != b.dtype() || !Arrays.equals(a.shape(), b.shape())) {
            return false;
        }
        if (a.dtype().isFloatingPoint()) {
            return Arrays.equals(a.toDoubleArray(), b.toDoubleArray());
        }
        return a.dtype() == dev.walnut.DType.BOOL ? Arrays.equals(a.toBooleanArray(), b.toBooleanArray())
                : Arrays.equals(a.toLongArray(), b.toLongArray());
    }

    private Tensor[] grow(Tensor[] examples, List<int[]> dims, long delta) {
        Tensor[] grown = examples.clone();
        for (int[] m : dims) {
            Tensor x = grown[m[0]];
            long size = x.shape()[m[1]];
            List<Tensor> parts = new ArrayList<>(List.of(x));
            for (long left = delta; left > 0; left -= Math.min(left, size)) {
                parts.add(x.narrow(m[1], 0, Math.min(left, size)));
            }
            grown[m[0]] = Tensor.cat(parts.toArray(Tensor[]::new), m[1]);
        }
        return grown;
    }

    private Graph capture(Tensor[] examples, List<Symbol> symbols) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        if (module != null) {
            weights.putAll(module.namedParameters());
            weights.putAll(module.namedBuffers());
        }
        TraceSession session = new TraceSession(weights);
        for (int i = 0; i < examples.length; i++) {
            session.input(names != null && i < names.length ? names[i] : "x" + i, examples[i]);
        }
        Tensor[] outs;
        try (var off = Autograd.noGrad(); var scope = Dispatcher.push(session)) {
            outs = fn.apply(examples.clone());
        }
        if (outs == null || Arrays.stream(outs).anyMatch(o -> o == null)) {
            throw new GraphCaptureException("the traced function returned null; return the output tensor(s)");
        }
        for (Tensor o : outs) {
            session.output(o);
        }
        return session.builder.build();
    }
}
