package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.ops.NoAttrs;
import dev.walnut.ops.ViewOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a graph traced at fixed sizes into one with dynamic dims, from traces of the same
 * function with each symbol's dims grown by 1 and by 3 (see {@link Tracer}): the graphs must
 * have the same structure; each integer that changes (a value's dim, an attribute) becomes
 * {@code constant + sum(coefficient * symbol)}, fitted from the +1 trace and checked on the +3
 * trace.
 */
final class DynamicShapes {
    private DynamicShapes() {
    }

    /**
     * @param perturbed per symbol, the traces with its dims grown by 1 and by 3
     * @param joint     with several symbols, the trace with every symbol's dims grown by 1 (null
     *                  for one symbol): it catches sizes that multiply two symbols
     */
    static Graph generalize(Graph base, List<Symbol> symbols, List<Graph[]> perturbed, Graph joint) {
        for (int s = 0; s < perturbed.size(); s++) {
            for (Graph g : perturbed.get(s)) {
                checkStructure(base, g, symbols.get(s));
            }
        }
        if (joint != null) {
            checkStructure(base, joint, symbols.get(1));
        }
        GraphBuilder b = new GraphBuilder(symbols);
        Map<Value, Value> map = new IdentityHashMap<>();
        for (Value v : base.values()) {
            Dim[] dims = dims(base, v, symbols, perturbed, joint);
            Value nv = switch (v.kind()) {
                case INPUT -> b.input(v.name(), v.dtype(), dims);
                case WEIGHT -> b.weight(v.name(), v.dtype(), dims, base.boundWeights().get(v.name()));
                // A constant whose shape follows a symbol is rebuilt below.
                case CONSTANT -> Arrays.stream(dims).allMatch(Dim::isStatic) ? b.constant(base.constant(v)) : null;
                case NODE -> null;
            };
            if (nv != null) {
                map.put(v, nv);
            }
        }
        // A filled constant whose shape follows a dynamic dim (Tensor.zeros(batch, n), an RNN's
        // initial state) becomes clone(expand(a one-element constant)), with the expand shape
        // following the symbols: the same values, contiguous, as the creation op gave.
        for (Value c : base.constants()) {
            Dim[] dims = dims(base, c, symbols, perturbed, joint);
            if (Arrays.stream(dims).allMatch(Dim::isStatic)) {
                continue;
            }
            Tensor t = base.constant(c);
            long[] ones = new long[dims.length];
            Arrays.fill(ones, 1);
            Tensor seed = t.numel() == 0 ? Tensor.zeros(ones, t.dtype()) : t.reshape(-1).narrow(0, 0, 1).reshape(ones).clone();
            List<AttrTemplate.Hole> holes = new ArrayList<>();
            for (int d = 0; d < dims.length; d++) {
                if (!dims[d].isStatic()) {
                    holes.add(new AttrTemplate.Hole(List.of("shape", d), dims[d]));
                }
            }
            Value small = b.constant(seed);
            Value expanded = b.node(ViewOps.EXPAND, new ViewOps.Shape(c.exampleShape()), new AttrTemplate(holes),
                    new Value[] {small}, new DType[] {c.dtype()}, new Dim[][] {dims})[0];
            map.put(c, b.node(ViewOps.CLONE, NoAttrs.NONE, null, new Value[] {expanded}, new DType[] {c.dtype()},
                    new Dim[][] {dims})[0]);
        }
        for (int i = 0; i < base.nodes().size(); i++) {
            Node n = base.nodes().get(i);
            AttrTemplate template = template(base, i, symbols, perturbed, joint);
            Value[] in = n.inputs().stream().map(map::get).toArray(Value[]::new);
            var dtypes = n.outputs().stream().map(Value::dtype).toArray(DType[]::new);
            Dim[][] shapes = n.outputs().stream().map(o -> dims(base, o, symbols, perturbed, joint)).toArray(Dim[][]::new);
            Value[] out = b.node(n.op(), n.attrs(), template, in, dtypes, shapes);
            for (int j = 0; j < out.length; j++) {
                map.put(n.outputs().get(j), out[j]);
            }
        }
        for (Value o : base.outputs()) {
            b.output(map.get(o));
        }
        return b.build();
    }

    private static Dim[] dims(Graph base, Value v, List<Symbol> symbols, List<Graph[]> perturbed, Graph joint) {
        long[] e0 = v.exampleShape();
        Dim[] dims = new Dim[e0.length];
        for (int d = 0; d < dims.length; d++) {
            final int dim = d;
            dims[d] = fit(e0[d], symbols, perturbed, joint, g -> g.values().get(v.id()).exampleShape()[dim],
                    "dim " + d + " of %" + v.name() + describe(v));
        }
        return dims;
    }

    private static String describe(Value v) {
        return v.producer() == null ? "" : " (output of " + v.producer().op().name() + ")";
    }

    private static AttrTemplate template(Graph base, int node, List<Symbol> symbols, List<Graph[]> perturbed, Graph joint) {
        Node n = base.nodes().get(node);
        Object tree = Attrs.toTree(n.attrs());
        String what = "node %" + n.outputs().get(0).name() + " = " + n.op().name();
        Map<List<Object>, Boolean> paths = new LinkedHashMap<>();
        List<Graph> all = new ArrayList<>();
        perturbed.forEach(gs -> all.addAll(List.of(gs)));
        if (joint != null) {
            all.add(joint);
        }
        for (Graph g : all) {
            List<List<Object>> diffs = new ArrayList<>();
            Attrs.diff(tree, Attrs.toTree(g.nodes().get(node).attrs()), List.of(), diffs, what);
            diffs.forEach(p -> paths.put(p, Boolean.TRUE));
        }
        if (paths.isEmpty()) {
            return null;
        }
        List<AttrTemplate.Hole> holes = new ArrayList<>();
        for (List<Object> path : paths.keySet()) {
            Dim value = fit(Attrs.get(tree, path), symbols, perturbed, joint,
                    g -> Attrs.get(Attrs.toTree(g.nodes().get(node).attrs()), path), what + ", attribute " + path);
            holes.add(new AttrTemplate.Hole(path, value));
        }
        return new AttrTemplate(holes);
    }

    /** Fits {@code constant + sum(k_s * s)} to an integer seen at the traced size and at +1 and +3 per symbol. */
    private static Dim fit(long v0, List<Symbol> symbols, List<Graph[]> perturbed, Graph joint,
                           java.util.function.ToLongFunction<Graph> read, String what) {
        long[] coef = new long[symbols.size()];
        long constant = v0;
        for (int s = 0; s < coef.length; s++) {
            long v1 = read.applyAsLong(perturbed.get(s)[0]);
            long v3 = read.applyAsLong(perturbed.get(s)[1]);
            coef[s] = v1 - v0;
            if (v3 != v0 + 3 * coef[s]) {
                Symbol sym = symbols.get(s);
                throw new GraphCaptureException(what + " is " + v0 + ", " + v1 + " and " + v3 + " when dynamic dim " + sym.dim()
                        + " of input " + sym.input() + " is " + sym.example() + ", +1 and +3: not a linear function of it, so "
                        + "the graph cannot follow that size (e.g. a pooled or strided size). Do not mark that dim dynamic "
                        + "(Compiler.compile caches one graph per shape instead)");
            }
            constant -= coef[s] * symbols.get(s).example();
        }
        if (joint != null) {
            long predicted = constant;
            for (int s = 0; s < coef.length; s++) {
                predicted += coef[s] * (symbols.get(s).example() + 1);
            }
            long actual = read.applyAsLong(joint);
            if (actual != predicted) {
                throw new GraphCaptureException(what + " is " + actual + " when every dynamic dim grows by 1, not the " + predicted
                        + " that a sum of terms in each would give: it multiplies dynamic dims (e.g. flattening two of them "
                        + "into one). Mark only one of them dynamic");
            }
        }
        return Dim.affine(v0, constant, coef);
    }

    /** The bits of the one value every element holds (as a double's bits or a long), or null. */
    static Object uniform(Tensor t) {
        if (t.numel() == 0) {
            return "empty";
        }
        if (t.numel() > (1 << 20)) {
            return null;
        }
        if (t.dtype().isFloatingPoint()) {
            double[] v = t.toDoubleArray();
            long bits = Double.doubleToLongBits(v[0]);
            for (double x : v) {
                if (Double.doubleToLongBits(x) != bits) {
                    return null;
                }
            }
            return bits;
        }
        long[] v = t.to(DType.I64).toLongArray();
        for (long x : v) {
            if (x != v[0]) {
                return null;
            }
        }
        return v[0];
    }

    private static void checkStructure(Graph base, Graph g, Symbol sym) {
        String when = "when dynamic dim " + sym.dim() + " of input " + sym.input() + " changes from its traced size "
                + sym.example();
        if (base.nodes().size() != g.nodes().size() || base.constants().size() != g.constants().size()
                || base.weights().size() != g.weights().size() || base.outputs().size() != g.outputs().size()) {
            throw new GraphCaptureException("the traced function runs different ops " + when + " (" + base.nodes().size()
                    + " ops and " + base.constants().size() + " constants, then " + g.nodes().size() + " and "
                    + g.constants().size() + "): its Java code depends on that size. Do not mark it dynamic "
                    + "(Compiler.compile caches one graph per shape instead)");
        }
        for (int i = 0; i < base.weights().size(); i++) {
            if (!base.weights().get(i).name().equals(g.weights().get(i).name())) {
                throw new GraphCaptureException("the traced function reads different weights " + when);
            }
        }
        for (int i = 0; i < base.constants().size(); i++) {
            Value c = base.constants().get(i);
            long[] s0 = c.exampleShape();
            long[] s1 = g.constants().get(i).exampleShape();
            boolean liftable = c.dtype() == g.constants().get(i).dtype() && s0.length == s1.length
                    && uniform(base.constant(c)) != null && uniform(base.constant(c)).equals(uniform(g.constant(g.constants().get(i))));
            if (!liftable && (!Arrays.equals(s0, s1) || c.dtype() != g.constants().get(i).dtype())) {
                throw new GraphCaptureException("a tensor created inside the traced function (constant %" + c.name() + ", shape "
                        + Arrays.toString(s0) + ", then " + Arrays.toString(s1) + ") follows a dynamic size " + when
                        + "; tensors created with Tensor.zeros/ones/full... are not primitive ops, so the graph would keep the "
                        + "traced size. Create a fixed-size tensor and expand it with expand(), or compute it from the input "
                        + "with tensor ops");
            }
        }
        for (int i = 0; i < base.nodes().size(); i++) {
            Node a = base.nodes().get(i);
            Node b = g.nodes().get(i);
            boolean same = a.op() == b.op() && a.inputs().size() == b.inputs().size() && a.outputs().size() == b.outputs().size()
                    && (a.attrs() == null) == (b.attrs() == null)
                    && (a.attrs() == null || a.attrs().getClass() == b.attrs().getClass());
            for (int j = 0; same && j < a.inputs().size(); j++) {
                same = a.inputs().get(j).id() == b.inputs().get(j).id();
            }
            for (int j = 0; same && j < a.outputs().size(); j++) {
                same = a.outputs().get(j).dtype() == b.outputs().get(j).dtype()
                        && a.outputs().get(j).dims().length == b.outputs().get(j).dims().length;
            }
            if (!same) {
                throw new GraphCaptureException("the traced function runs different ops " + when + ": op " + i + " is "
                        + a.op().name() + a.inputs() + " at the traced size, then " + b.op().name() + b.inputs()
                        + ". Its Java code depends on that size; do not mark it dynamic (Compiler.compile caches one graph "
                        + "per shape instead)");
            }
        }
        for (int i = 0; i < base.outputs().size(); i++) {
            if (base.outputs().get(i).id() != g.outputs().get(i).id()) {
                throw new GraphCaptureException("the traced function returns different values " + when);
            }
        }
    }
}
