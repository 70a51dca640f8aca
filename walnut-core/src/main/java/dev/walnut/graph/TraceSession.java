package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.dispatch.Interpreter;
import dev.walnut.internal.TensorInternals;
import dev.walnut.ops.OpDef;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One tracing run: an interpreter that runs every primitive call for real (so the traced
 * function sees real values and takes real branches) and records it as a node. Tensors are
 * matched to graph values by identity; a tensor met for the first time is a module weight, an
 * alias of a traced value made without a primitive op (same memory and layout, e.g.
 * {@code detach()}: the same value; another layout: an error), or else a constant.
 */
final class TraceSession implements Interpreter {
    private static final TensorInternals TI = TensorInternals.get();

    final GraphBuilder builder = new GraphBuilder(List.of());
    private final IdentityHashMap<Tensor, Value> known = new IdentityHashMap<>();
    /** Backing arrays of traced (non-constant) tensors, to recognise aliases made without an op. */
    private final IdentityHashMap<Object, List<Tensor>> byData = new IdentityHashMap<>();
    /** Module weights by identity and by backing array; they become weight values when first read. */
    private final IdentityHashMap<Tensor, String> weightNames = new IdentityHashMap<>();
    private final IdentityHashMap<Object, Tensor> weightData = new IdentityHashMap<>();
    private final IdentityHashMap<Object, Boolean> constantData = new IdentityHashMap<>();
    /** Values computed from inputs or weights (what a data read must not steer). */
    private final IdentityHashMap<Value, Boolean> live = new IdentityHashMap<>();
    /** How a value came about, for messages (names are given only when the graph is built). */
    private final IdentityHashMap<Value, String> origin = new IdentityHashMap<>();

    TraceSession(Map<String, Tensor> weights) {
        for (var e : weights.entrySet()) {
            if (e.getValue() != null) {
                weightNames.put(e.getValue(), e.getKey());
                weightData.putIfAbsent(TI.storageKey(e.getValue()), e.getValue());
            }
        }
    }

    void input(String name, Tensor t) {
        Value v = builder.input(name, t.dtype(), Dim.fixed(t.shape()));
        register(t, v, "input " + name);
    }

    void output(Tensor t) {
        builder.output(lookup(t, "the returned tensor"));
    }

    private void register(Tensor t, Value v, String how) {
        known.put(t, v);
        byData.computeIfAbsent(TI.storageKey(t), k -> new ArrayList<>()).add(t);
        live.put(v, Boolean.TRUE);
        origin.put(v, how);
    }

    @Override
    public <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next) {
        Value[] in = new Value[inputs.length];
        boolean anyLive = false;
        for (int i = 0; i < inputs.length; i++) {
            in[i] = lookup(inputs[i], op.name() + " (argument " + i + ")");
            anyLive |= live.containsKey(in[i]);
        }
        Tensor[] out = next.call(op, attrs, inputs);
        DType[] dtypes = new DType[out.length];
        Dim[][] shapes = new Dim[out.length][];
        for (int i = 0; i < out.length; i++) {
            dtypes[i] = out[i].dtype();
            shapes[i] = Dim.fixed(out[i].shape());
        }
        Value[] values = builder.node(op, attrs, null, in, dtypes, shapes);
        for (int i = 0; i < out.length; i++) {
            known.put(out[i], values[i]);
            byData.computeIfAbsent(TI.storageKey(out[i]), k -> new ArrayList<>()).add(out[i]);
            origin.put(values[i], "the output of " + op.name());
            if (anyLive) {
                live.put(values[i], Boolean.TRUE);
            }
        }
        return out;
    }

    /** The value of a tensor read by an op (or returned): see the class comment. */
    private Value lookup(Tensor t, String reader) {
        Value v = known.get(t);
        if (v != null) {
            return v;
        }
        v = alias(t);
        if (v != null) {
            return v;
        }
        Object data = TI.storageKey(t);
        if (byData.containsKey(data)) {
            throw new GraphCaptureException(reader + " reads a tensor of shape " + Arrays.toString(t.shape()) + " that shares "
                    + "memory with a traced value but was not made by a primitive op (a view built directly, or an op that "
                    + "bypasses the dispatcher), at " + where() + ". Build it with tensor ops (view, narrow, transpose, ...)");
        }
        String name = weightNames.get(t);
        Tensor weight = t;
        if (name == null && weightData.containsKey(data)) {
            weight = weightData.get(data);
            if (!sameLayout(weight, t)) {
                throw new GraphCaptureException(reader + " reads a view of weight '" + weightNames.get(weight) + "' that was not "
                        + "made by a primitive op, at " + where() + ". Build it from the weight with tensor ops inside the "
                        + "traced function");
            }
            name = weightNames.get(weight);
        }
        if (name != null) {
            Value w = builder.weight(name, weight.dtype(), Dim.fixed(weight.shape()), weight);
            register(weight, w, "weight '" + name + "'");
            if (weight != t) {
                known.put(t, w);
            }
            return w;
        }
        Value c = builder.constant(t);
        known.put(t, c);
        constantData.put(data, Boolean.TRUE);
        origin.put(c, "a constant");
        return c;
    }

    /** A traced tensor with the same memory and layout as {@code t} (t is e.g. its detach()). */
    private Value alias(Tensor t) {
        List<Tensor> same = byData.get(TI.storageKey(t));
        if (same != null) {
            for (Tensor k : same) {
                if (sameLayout(k, t)) {
                    Value v = known.get(k);
                    known.put(t, v);
                    return v;
                }
            }
        }
        return null;
    }

    private static boolean sameLayout(Tensor a, Tensor b) {
        return a.dtype() == b.dtype() && TI.offset(a) == TI.offset(b) && Arrays.equals(TI.shape(a), TI.shape(b))
                && Arrays.equals(TI.strides(a), TI.strides(b));
    }

    @Override
    public void onDataRead(String method, Tensor t) {
        Value v = known.containsKey(t) ? known.get(t) : alias(t);
        if (v != null && live.containsKey(v)) {
            throw new GraphCaptureException(method + " reads " + origin.get(v) + ", a value computed from the graph's "
                    + "inputs, into Java at " + where() + ". A graph keeps what this trace read (the branch taken, a count, "
                    + "converted indices) fixed, so it cannot capture Java code that depends on tensor values: compute with "
                    + "tensor ops instead (Tensor.where, clamp, maximum), or run this function eagerly "
                    + "(Compiler.compile(fn).eagerFallback(true))");
        }
    }

    @Override
    public void onInPlaceWrite(String method, Tensor target, Tensor newValue) {
        Object data = TI.storageKey(target);
        Value v = known.containsKey(target) ? known.get(target) : alias(target);
        if (v == null) {
            if (byData.containsKey(data)) {
                throw inPlace(method, "a view of a traced value", "compute the new value out of place");
            }
            if (weightData.containsKey(data)) {
                throw inPlace(method, "weight '" + weightNames.get(weightData.get(data)) + "'",
                        "trace the module in eval() mode (training-mode layers such as BatchNorm update buffers in place)");
            }
            if (constantData.containsKey(data)) {
                throw inPlace(method, "a constant the graph already captured", "finish building the tensor before using it");
            }
            return; // a fresh tensor being built before its first use: it becomes a constant as written
        }
        switch (v.kind()) {
            case INPUT -> throw inPlace(method, origin.get(v), "compute the new value out of place (e.g. x.add(y) "
                    + "instead of x.addInPlace(y))");
            case WEIGHT -> throw inPlace(method, origin.get(v),
                    "trace the module in eval() mode (training-mode layers such as BatchNorm update buffers in place)");
            case CONSTANT -> throw inPlace(method, "a constant the graph already captured",
                    "finish building the tensor before using it");
            default -> {
            }
        }
        // An intermediate: the graph can follow the write as a rebinding, when nothing else shares
        // its memory (another view would silently keep the old value) and no cast is involved.
        if (newValue == null || newValue.dtype() != target.dtype() || !Arrays.equals(newValue.shape(), target.shape())) {
            throw inPlace(method, origin.get(v), "compute the new value out of place");
        }
        for (Tensor other : byData.get(data)) {
            if (known.get(other) != v) {
                throw inPlace(method, origin.get(v) + " (which has views)", "compute the new value out of place");
            }
        }
        Value nv = lookup(newValue, method);
        for (Tensor alias : byData.get(data)) {
            known.put(alias, nv);
        }
    }

    private GraphCaptureException inPlace(String method, String what, String fix) {
        return new GraphCaptureException(method + " writes in place into " + what + " at " + where()
                + "; a graph cannot capture in-place writes to its inputs, weights, constants or shared memory: " + fix);
    }

    /** The first stack frame outside walnut-core (the user's code), e.g. {@code Model.forward(Model.java:12)}. */
    static String where() {
        CodeSource lib = Tensor.class.getProtectionDomain().getCodeSource();
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .filter(f -> {
                    CodeSource cs = f.getDeclaringClass().getProtectionDomain().getCodeSource();
                    boolean outside = cs != null && (lib == null || !Objects.equals(cs.getLocation(), lib.getLocation()));
                    // In one fat jar everything shares a code source: then the first class outside dev.walnut.
                    return outside || cs != null && !f.getClassName().startsWith("dev.walnut.");
                })
                .findFirst()
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")")
                .orElse("an unknown place (no frame outside walnut-core)"));
    }
}
