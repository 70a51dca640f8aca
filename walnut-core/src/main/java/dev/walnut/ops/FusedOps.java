package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.backend.BinaryOp;
import dev.walnut.backend.ElementwiseProgram;
import dev.walnut.backend.UnaryOp;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Op definitions that the graph compiler's fusion passes create: no tensor method reaches them,
 * so they are not primitives and {@link Ops#all()} does not list them ({@link #byName} finds
 * them for loading a saved graph). Each stands for a composition of primitives and is tested
 * against it.
 *
 * <p>{@link #ELEMENTWISE} runs a chain or tree of float elementwise primitives as one loop over
 * memory ({@link ElementwiseProgram}); its attributes are the program as text, one step per
 * {@code ;}, where {@code x0, x1, ...} are the inputs and {@code t0, t1, ...} the results of the
 * earlier steps; the result is the last step, unless that is {@code sum(tK)} of the step before
 * it, a reduction over every element fused into the same loop:
 *
 * <p>{@link #LINEAR} is {@code nn.Linear}'s {@code x W^T + b} with an optional ReLU, on the
 * packed GEMM.
 *
 * <pre>{@code
 * var attrs = new FusedOps.Elementwise("mul(x0, x1); exp(t0); addScalar(t1, 1.0); tanh(t2)");
 * Tensor y = Dispatcher.call(FusedOps.ELEMENTWISE, attrs, a, b);   // a.mul(b).exp().add(1.0).tanh()
 * Tensor h = Dispatcher.call(FusedOps.LINEAR, new FusedOps.Linear("relu"), x, w, bias);   // relu(x W^T + b)
 * }</pre>
 */
public final class FusedOps {
    private FusedOps() {
    }

    private static final Kernels K = Kernels.get();

    /** How a fusable primitive becomes a program step. */
    private enum Kind { UNARY, SCALAR, CLAMP, BINARY, SUM }

    private record Fusable(OpDef<?> op, Kind kind, int code) {
    }

    private static final Map<String, Fusable> FUSABLE = new java.util.LinkedHashMap<>();

    private static void fusable(OpDef<?> op, Kind kind, int code) {
        FUSABLE.put(op.name(), new Fusable(op, kind, code));
    }

    static {
        fusable(ElementwiseOps.ADD, Kind.BINARY, BinaryOp.ADD);
        fusable(ElementwiseOps.SUB, Kind.BINARY, BinaryOp.SUB);
        fusable(ElementwiseOps.MUL, Kind.BINARY, BinaryOp.MUL);
        fusable(ElementwiseOps.DIV, Kind.BINARY, BinaryOp.DIV);
        fusable(ElementwiseOps.POW, Kind.BINARY, BinaryOp.POW);
        fusable(ElementwiseOps.ATAN2, Kind.BINARY, BinaryOp.ATAN2);
        fusable(ElementwiseOps.FMOD, Kind.BINARY, BinaryOp.FMOD);
        fusable(ElementwiseOps.REMAINDER, Kind.BINARY, BinaryOp.REMAINDER);
        fusable(ElementwiseOps.MAXIMUM, Kind.BINARY, BinaryOp.MAXIMUM);
        fusable(ElementwiseOps.MINIMUM, Kind.BINARY, BinaryOp.MINIMUM);
        fusable(ElementwiseOps.NEG, Kind.UNARY, UnaryOp.NEG);
        fusable(ElementwiseOps.ABS, Kind.UNARY, UnaryOp.ABS);
        fusable(ElementwiseOps.SIGN, Kind.UNARY, UnaryOp.SIGN);
        fusable(ElementwiseOps.EXP, Kind.UNARY, UnaryOp.EXP);
        fusable(ElementwiseOps.LOG, Kind.UNARY, UnaryOp.LOG);
        fusable(ElementwiseOps.SQRT, Kind.UNARY, UnaryOp.SQRT);
        fusable(ElementwiseOps.RSQRT, Kind.UNARY, UnaryOp.RSQRT);
        fusable(ElementwiseOps.SQUARE, Kind.UNARY, UnaryOp.SQUARE);
        fusable(ElementwiseOps.RECIPROCAL, Kind.UNARY, UnaryOp.RECIPROCAL);
        fusable(ElementwiseOps.SIN, Kind.UNARY, UnaryOp.SIN);
        fusable(ElementwiseOps.COS, Kind.UNARY, UnaryOp.COS);
        fusable(ElementwiseOps.TANH, Kind.UNARY, UnaryOp.TANH);
        fusable(ElementwiseOps.SIGMOID, Kind.UNARY, UnaryOp.SIGMOID);
        fusable(ElementwiseOps.ERF, Kind.UNARY, UnaryOp.ERF);
        fusable(ElementwiseOps.LOG1P, Kind.UNARY, UnaryOp.LOG1P);
        fusable(ElementwiseOps.EXPM1, Kind.UNARY, UnaryOp.EXPM1);
        fusable(ElementwiseOps.RELU, Kind.UNARY, UnaryOp.RELU);
        fusable(ElementwiseOps.FLOOR, Kind.UNARY, UnaryOp.FLOOR);
        fusable(ElementwiseOps.CEIL, Kind.UNARY, UnaryOp.CEIL);
        fusable(ElementwiseOps.ROUND, Kind.UNARY, UnaryOp.ROUND);
        fusable(ElementwiseOps.TRUNC, Kind.UNARY, UnaryOp.TRUNC);
        fusable(ElementwiseOps.ADD_SCALAR, Kind.SCALAR, UnaryOp.ADD_SCALAR);
        fusable(ElementwiseOps.RSUB_SCALAR, Kind.SCALAR, UnaryOp.RSUB_SCALAR);
        fusable(ElementwiseOps.MUL_SCALAR, Kind.SCALAR, UnaryOp.MUL_SCALAR);
        fusable(ElementwiseOps.DIV_SCALAR, Kind.SCALAR, UnaryOp.DIV_SCALAR);
        fusable(ElementwiseOps.RDIV_SCALAR, Kind.SCALAR, UnaryOp.RDIV_SCALAR);
        fusable(ElementwiseOps.POW_SCALAR, Kind.SCALAR, UnaryOp.POW_SCALAR);
        fusable(ElementwiseOps.RPOW_SCALAR, Kind.SCALAR, UnaryOp.RPOW_SCALAR);
        fusable(ElementwiseOps.CLAMP, Kind.CLAMP, UnaryOp.CLAMP);
        fusable(ReductionOps.SUM, Kind.SUM, -1);
    }

    /** The attributes of a sum over every element ({@code x.sum()}), the one reduction a program may end with. */
    private static final ReductionOps.Reduce SUM_ALL = new ReductionOps.Reduce(new int[0], false);

    /**
     * Whether {@link #ELEMENTWISE} can run {@code op}: float elementwise arithmetic and math whose
     * result keeps its inputs' float dtype (not comparisons, casts, {@code where}).
     */
    public static boolean isFusable(OpDef<?> op) {
        Fusable f = FUSABLE.get(op.name());
        return f != null && f.op() == op && f.kind() != Kind.SUM;
    }

    /**
     * Whether a program may end with this reduction: {@code sum} over every element, without
     * keeping dims ({@code x.sum()}).
     */
    public static boolean isFusableReduction(OpDef<?> op, Object attrs) {
        return op == ReductionOps.SUM && attrs instanceof ReductionOps.Reduce r && r.dims().length == 0 && !r.keepDim();
    }

    /** The text of one program step: {@code name(args)}, with a scalar op's value and clamp's bounds as arguments. */
    public static String step(OpDef<?> op, Object attrs, List<String> args) {
        if (!isFusable(op) && !isFusableReduction(op, attrs)) {
            throw new IllegalArgumentException("fusedElementwise: " + op.name() + " cannot be fused");
        }
        List<String> all = new ArrayList<>(args);
        if (attrs instanceof ElementwiseOps.Scalar s) {
            all.add(s.integral() ? Long.toString((long) s.value()) : Double.toString(s.value()));
        } else if (attrs instanceof ElementwiseOps.Clamp c) {
            all.add(Double.toString(c.min()));
            all.add(Double.toString(c.max()));
        }
        return op.name() + "(" + String.join(", ", all) + ")";
    }

    // ------------------------------------------------------------------ fused elementwise

    /**
     * Attributes of {@link #ELEMENTWISE}: the program text (see {@link FusedOps}); parsed and
     * checked when constructed, so a malformed saved graph fails on load.
     *
     * @param program steps separated by {@code ;}, e.g. {@code "mul(x0, x1); exp(t0)"}
     */
    public record Elementwise(String program) {
        /** Checks the program text. */
        public Elementwise {
            parse(program);
        }

        /** Number of inputs the program reads ({@code x0 .. x(n-1)}, each at least once). */
        public int inputs() {
            return parse(program).inputs;
        }
    }

    /** One parsed step: the primitive, its attributes and operands (inputs negative as in ElementwiseProgram). */
    private record Step(Fusable f, Object attrs, int[] operands) {
    }

    private record Parsed(List<Step> steps, int inputs, ElementwiseProgram program) {
    }

    private static final Map<String, Parsed> PARSED = new ConcurrentHashMap<>();

    private static Parsed parse(String text) {
        Parsed p = PARSED.get(text);
        if (p == null) {
            p = parseUncached(text);
            if (PARSED.size() > 4096) {
                PARSED.clear();
            }
            PARSED.put(text, p);
        }
        return p;
    }

    private static Parsed parseUncached(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("fusedElementwise: empty program");
        }
        List<Step> steps = new ArrayList<>();
        int maxInput = -1;
        for (String raw : text.split(";")) {
            String s = raw.strip();
            int open = s.indexOf('(');
            if (open <= 0 || !s.endsWith(")")) {
                throw new IllegalArgumentException("fusedElementwise: step " + steps.size() + " '" + s + "' is not name(args)");
            }
            String name = s.substring(0, open);
            Fusable f = FUSABLE.get(name);
            if (f == null) {
                throw new IllegalArgumentException("fusedElementwise: step " + steps.size() + ": '" + name + "' is not a fusable "
                        + "op; known: " + FUSABLE.keySet());
            }
            String[] args = s.substring(open + 1, s.length() - 1).split(",");
            if (!steps.isEmpty() && steps.get(steps.size() - 1).f().kind() == Kind.SUM) {
                throw new IllegalArgumentException("fusedElementwise: step " + steps.size() + " '" + s + "' follows the sum, "
                        + "which must be the last step");
            }
            int operands = f.kind() == Kind.BINARY ? 2 : 1;
            int params = f.kind() == Kind.SCALAR ? 1 : f.kind() == Kind.CLAMP ? 2 : 0;
            if (args.length != operands + params) {
                throw new IllegalArgumentException("fusedElementwise: step " + steps.size() + " '" + s + "' needs " + operands
                        + " operand(s) and " + params + " number(s)");
            }
            int[] ops = new int[operands];
            for (int i = 0; i < operands; i++) {
                String a = args[i].strip();
                int idx = parseIndex(a, steps.size(), s);
                if (a.charAt(0) == 'x') {
                    ops[i] = ElementwiseProgram.input(idx);
                    maxInput = Math.max(maxInput, idx);
                } else if (idx >= steps.size()) {
                    throw new IllegalArgumentException("fusedElementwise: step " + steps.size() + " '" + s + "' reads " + a
                            + ", which is not an earlier step");
                } else {
                    ops[i] = idx;
                }
            }
            Object attrs = NoAttrs.NONE;
            if (f.kind() == Kind.SCALAR) {
                String v = args[operands].strip();
                boolean integral = v.matches("-?\\d+");
                attrs = new ElementwiseOps.Scalar(number(v, s), integral);
            } else if (f.kind() == Kind.CLAMP) {
                attrs = new ElementwiseOps.Clamp(number(args[1].strip(), s), number(args[2].strip(), s));
            } else if (f.kind() == Kind.SUM) {
                if (steps.isEmpty() || ops[0] != steps.size() - 1) {
                    throw new IllegalArgumentException("fusedElementwise: step " + steps.size() + " '" + s + "': the sum "
                            + "must read the step before it");
                }
                attrs = SUM_ALL;
            }
            steps.add(new Step(f, attrs, ops));
        }
        int inputs = maxInput + 1;
        boolean[] read = new boolean[Math.max(inputs, 0)];
        ElementwiseProgram.Builder b = ElementwiseProgram.builder(Math.max(inputs, 1));
        for (Step st : steps) {
            for (int o : st.operands()) {
                if (o < 0) {
                    read[-o - 1] = true;
                }
            }
            switch (st.f().kind()) {
                case BINARY -> b.binary(st.f().code(), st.operands()[0], st.operands()[1]);
                case UNARY -> b.unary(st.f().code(), 0, 0, st.operands()[0]);
                case SCALAR -> b.unary(st.f().code(), ((ElementwiseOps.Scalar) st.attrs()).value(), 0, st.operands()[0]);
                case CLAMP -> {
                    ElementwiseOps.Clamp c = (ElementwiseOps.Clamp) st.attrs();
                    b.unary(st.f().code(), c.min(), c.max(), st.operands()[0]);
                }
                case SUM -> b.sum();
            }
        }
        for (int i = 0; i < read.length; i++) {
            if (!read[i]) {
                throw new IllegalArgumentException("fusedElementwise: input x" + i + " is never read in '" + text + "'");
            }
        }
        if (inputs == 0) {
            throw new IllegalArgumentException("fusedElementwise: the program reads no input: '" + text + "'");
        }
        return new Parsed(List.copyOf(steps), inputs, b.build());
    }

    private static int parseIndex(String a, int step, String s) {
        if (a.length() < 2 || (a.charAt(0) != 'x' && a.charAt(0) != 't')) {
            throw new IllegalArgumentException("fusedElementwise: step " + step + " '" + s + "': operand '" + a
                    + "' is neither xN (an input) nor tN (a step)");
        }
        try {
            int idx = Integer.parseInt(a.substring(1));
            if (idx < 0 || idx > 1 << 16) {
                throw new NumberFormatException();
            }
            return idx;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fusedElementwise: step " + step + " '" + s + "': bad operand '" + a + "'");
        }
    }

    private static double number(String v, String s) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fusedElementwise: step '" + s + "': '" + v + "' is not a number");
        }
    }

    /** Runs the steps one primitive at a time through the dispatcher (the reference decomposition). */
    public static Tensor decompose(Elementwise attrs, Tensor... inputs) {
        Tensor[] values = values(parse(attrs.program()), inputs);
        return values[values.length - 1];
    }

    /** The value of every step, computed with the primitives. */
    private static Tensor[] values(Parsed p, Tensor[] inputs) {
        Tensor[] t = new Tensor[p.steps().size()];
        for (int k = 0; k < t.length; k++) {
            Step s = p.steps().get(k);
            t[k] = Dispatcher.call(op(s), s.attrs(), args(s, inputs, t));
        }
        return t;
    }

    private static Tensor[] args(Step s, Tensor[] inputs, Tensor[] t) {
        Tensor[] a = new Tensor[s.operands().length];
        for (int i = 0; i < a.length; i++) {
            int o = s.operands()[i];
            a[i] = o < 0 ? inputs[-o - 1] : t[o];
        }
        return a;
    }

    @SuppressWarnings("unchecked")
    private static OpDef<Object> op(Step s) {
        return (OpDef<Object>) s.f().op();
    }

    /**
     * A fused chain or tree of float elementwise primitives over inputs of one dtype (F32 or F64),
     * broadcast to one shape: one pass over memory, the same bits as the primitives run one by
     * one. Its rules are its steps' rules: the forward rule pushes tangents through each step's
     * JVP; the reverse rule walks the steps backwards, and since an elementwise step's Jacobian is
     * diagonal once its operands are expanded to its shape, each step's VJP is its JVP applied to
     * the incoming gradient (summed back to a broadcast operand's shape).
     */
    public static final OpDef<Elementwise> ELEMENTWISE = new OpDef<>("fusedElementwise", 1, "FusedElementwiseBackward0") {
        @Override
        public TensorSpec[] infer(Elementwise attrs, TensorSpec... in) {
            Parsed p = parse(attrs.program());
            check(p, in.length, Arrays.stream(in).map(TensorSpec::dtype).toArray(DType[]::new));
            TensorSpec[] t = new TensorSpec[p.steps().size()];
            for (int k = 0; k < t.length; k++) {
                Step s = p.steps().get(k);
                TensorSpec[] a = new TensorSpec[s.operands().length];
                for (int i = 0; i < a.length; i++) {
                    int o = s.operands()[i];
                    a[i] = o < 0 ? in[-o - 1] : t[o];
                }
                t[k] = op(s).infer(s.attrs(), a)[0];
            }
            return new TensorSpec[] {t[t.length - 1]};
        }

        private void check(Parsed p, int given, DType[] dtypes) {
            if (given != p.inputs()) {
                throw new IllegalArgumentException("fusedElementwise: the program reads " + p.inputs() + " input(s), got " + given);
            }
            for (DType dt : dtypes) {
                if (dt != dtypes[0] || !dt.isFloatingPoint()) {
                    throw new IllegalArgumentException("fusedElementwise: inputs must share one float dtype (F32 or F64), got "
                            + Arrays.toString(dtypes));
                }
            }
        }

        @Override
        public Tensor[] compute(Elementwise attrs, Tensor[] in) {
            Parsed p = parse(attrs.program());
            check(p, in.length, Arrays.stream(in).map(Tensor::dtype).toArray(DType[]::new));
            return Specs.one(K.elementwise(p.program(), in));
        }

        @Override
        public boolean hasOutKernel(Elementwise attrs) {
            return true;
        }

        @Override
        public void computeInto(Elementwise attrs, Tensor[] in, Tensor[] out) {
            Parsed p = parse(attrs.program());
            DType first = in.length == 0 ? null : in[0].dtype();
            boolean ok = in.length == p.inputs() && first != null && first.isFloatingPoint();
            for (int i = 1; ok && i < in.length; i++) {
                ok = in[i].dtype() == first;
            }
            if (!ok) { // checked without building the dtype array, which a compiled graph's run would allocate
                check(p, in.length, Arrays.stream(in).map(Tensor::dtype).toArray(DType[]::new));
            }
            K.elementwiseInto(p.program(), in, out[0]);
        }

        @Override
        public Tensor[] save(Elementwise attrs, Tensor[] in, Tensor[] out) {
            return in;
        }

        @Override
        public Tensor[] vjp(Elementwise attrs, Node n, Tensor[] g) {
            Parsed p = parse(attrs.program());
            Tensor[] in = new Tensor[p.inputs()];
            for (int i = 0; i < in.length; i++) {
                in[i] = n.saved(i);
            }
            Tensor[] t = values(p, in);
            Tensor[] gt = new Tensor[t.length];
            Tensor[] gin = new Tensor[in.length];
            gt[t.length - 1] = g[0];
            for (int k = t.length - 1; k >= 0; k--) {
                if (gt[k] == null) {
                    continue;
                }
                Step s = p.steps().get(k);
                Tensor[] a = args(s, in, t);
                if (s.f().kind() == Kind.SUM) {
                    // The sum's rule is not its JVP transposed: the gradient spreads over its input.
                    gt[s.operands()[0]] = gt[k].expand(a[0].shape());
                    continue;
                }
                long[] shape = t[k].shape();
                Tensor[] full = new Tensor[a.length];
                for (int i = 0; i < a.length; i++) {
                    full[i] = Arrays.equals(a[i].shape(), shape) ? a[i] : a[i].expand(shape);
                }
                for (int i = 0; i < a.length; i++) {
                    Tensor[] tangents = new Tensor[a.length];
                    tangents[i] = gt[k];
                    Tensor d = op(s).jvp(s.attrs(), full, new Tensor[] {t[k]}, tangents)[0];
                    if (d == null) {
                        continue;
                    }
                    if (!Arrays.equals(d.shape(), a[i].shape())) {
                        d = d.sumToShape(a[i].shape());
                    }
                    int o = s.operands()[i];
                    if (o < 0) {
                        gin[-o - 1] = gin[-o - 1] == null ? d : gin[-o - 1].add(d);
                    } else {
                        gt[o] = gt[o] == null ? d : gt[o].add(d);
                    }
                }
            }
            for (int i = 0; i < gin.length; i++) {
                if (!n.needsInputGrad(i)) {
                    gin[i] = null;
                } else if (gin[i] == null) {
                    gin[i] = Tensor.zerosLike(in[i]);
                }
            }
            return gin;
        }

        @Override
        public Tensor[] jvp(Elementwise attrs, Tensor[] in, Tensor[] out, Tensor[] tangents) {
            Parsed p = parse(attrs.program());
            Tensor[] t = values(p, in);
            Tensor[] dt = new Tensor[t.length];
            for (int k = 0; k < t.length; k++) {
                Step s = p.steps().get(k);
                Tensor[] ta = new Tensor[s.operands().length];
                boolean any = false;
                for (int i = 0; i < ta.length; i++) {
                    int o = s.operands()[i];
                    ta[i] = o < 0 ? tangents[-o - 1] : dt[o];
                    any |= ta[i] != null;
                }
                dt[k] = any ? op(s).jvp(s.attrs(), args(s, in, t), new Tensor[] {t[k]}, ta)[0] : null;
            }
            return Specs.one(dt[t.length - 1]);
        }
    };

    // ------------------------------------------------------------------ fused linear

    /**
     * Attributes of {@link #LINEAR}.
     *
     * @param activation {@code "none"} or {@code "relu"}, applied to {@code x W^T + b}
     */
    public record Linear(String activation) {
        /** Checks the activation's name. */
        public Linear {
            if (!"none".equals(activation) && !"relu".equals(activation)) {
                throw new IllegalArgumentException("fusedLinear: activation must be 'none' or 'relu', got '" + activation + "'");
            }
        }

        boolean relu() {
            return "relu".equals(activation);
        }
    }

    /**
     * Packed copies of the weights {@link #LINEAR} has multiplied by, so a compiled model packs
     * each weight once: weak keys, so a dropped model's weights go, and soft values (the packed
     * copy holds its weight), so memory pressure can take them too; a weight whose values changed
     * (version, storage, layout) is repacked.
     */
    private static final Map<Tensor, java.lang.ref.SoftReference<Kernels.PackedWeight>> PACKED =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private static Kernels.PackedWeight packed(Tensor w) {
        java.lang.ref.SoftReference<Kernels.PackedWeight> ref = PACKED.get(w);
        Kernels.PackedWeight p = ref == null ? null : ref.get();
        if (p == null || !p.isFor(w)) {
            p = K.packLinearWeight(w);
            PACKED.put(w, new java.lang.ref.SoftReference<>(p));
        }
        return p;
    }

    /**
     * {@code act(x W^T + b)} for a 2-d {@code x [m, k]}, a weight {@code W [n, k]} and an optional
     * bias {@code b [n]} (inputs {@code (x, W)} or {@code (x, W, b)}), one float dtype: what
     * {@code nn.Linear} (+ {@code ReLU}) computes. In F32, where packing pays, it runs the packed
     * GEMM whose store starts from the bias (as {@code nn.Linear}'s inference path does, with the
     * weight packed once and kept, see {@code PACKED}), so a compiled model gives the eager
     * module's bits; otherwise it runs {@code matmul(x, W^T) + b} as the graph did. Its rules are
     * those of the composition, written with tensor ops.
     */
    public static final OpDef<Linear> LINEAR = new OpDef<>("fusedLinear", 1, "FusedLinearBackward0") {
        @Override
        public TensorSpec[] infer(Linear attrs, TensorSpec... in) {
            check(in.length, in[0].shape(), in[0].dtype(), in[1].shape(), in[1].dtype(),
                    in.length > 2 ? in[2].shape() : null, in.length > 2 ? in[2].dtype() : null);
            return Specs.one(new long[] {in[0].shape()[0], in[1].shape()[0]}, in[0].dtype());
        }

        private void check(int count, long[] x, DType xt, long[] w, DType wt, long[] b, DType bt) {
            boolean ok = (count == 2 || count == 3) && x.length == 2 && w.length == 2 && x[1] == w[1]
                    && xt.isFloatingPoint() && wt == xt && (b == null || b.length == 1 && b[0] == w[0] && bt == xt);
            if (!ok) {
                throw new IllegalArgumentException("fusedLinear: expected x [m, k], weight [n, k] and an optional bias [n] of "
                        + "one float dtype, got " + xt + " " + Arrays.toString(x) + ", " + wt + " " + Arrays.toString(w)
                        + (b == null ? "" : ", " + bt + " " + Arrays.toString(b)));
            }
        }

        @Override
        public Tensor[] compute(Linear attrs, Tensor[] in) {
            Tensor x = in[0];
            Tensor w = in[1];
            Tensor b = in.length > 2 ? in[2] : null;
            check(in.length, x.shape(), x.dtype(), w.shape(), w.dtype(), b == null ? null : b.shape(),
                    b == null ? null : b.dtype());
            int m = (int) x.shape()[0];
            int n = (int) w.shape()[0];
            int k = (int) w.shape()[1];
            Tensor y;
            if (x.dtype() == DType.F32 && (long) m * n <= Integer.MAX_VALUE && K.packingPays(m, n, k)) {
                y = K.linearPacked(x, packed(w), b);
            } else {
                y = K.matmul(x, Dispatcher.call(ViewOps.TRANSPOSE, new ViewOps.Transpose(0, 1), w));
                if (b != null) {
                    y = K.binary("add", BinaryOp.ADD, y, b, y.dtype(), y.dtype());
                }
            }
            return Specs.one(attrs.relu() ? K.unary(UnaryOp.RELU, 0, 0, y, y.dtype()) : y);
        }

        /** Only the packed F32 path has an out= kernel; the others compute and copy (see computeInto). */
        @Override
        public boolean hasOutKernel(Linear attrs) {
            return true;
        }

        @Override
        public void computeInto(Linear attrs, Tensor[] in, Tensor[] out) {
            Tensor x = in[0];
            Tensor w = in[1];
            Tensor b = in.length > 2 ? in[2] : null;
            int m = (int) x.size(0);
            int n = (int) w.size(0);
            int k = (int) w.size(1);
            if (x.dtype() == DType.F32 && w.dtype() == DType.F32 && (b == null || b.dtype() == DType.F32) && x.dim() == 2
                    && w.dim() == 2 && x.size(1) == k && (long) m * n <= Integer.MAX_VALUE && K.packingPays(m, n, k)) {
                K.linearPackedInto(x, packed(w), b, out[0]);
                if (attrs.relu()) {
                    K.unaryInto(UnaryOp.RELU, 0, 0, out[0], out[0]); // in place: each element is read, then written
                }
            } else {
                // The unpacked path is matmul + add + relu, each allocating; copying keeps the bits.
                Tensor y = compute(attrs, in)[0];
                try (var off = dev.walnut.autograd.Autograd.noGrad()) {
                    out[0].copyInPlace(y);
                }
            }
        }

        @Override
        public Tensor[] save(Linear attrs, Tensor[] in, Tensor[] out) {
            Tensor[] s = Arrays.copyOf(in, in.length + 1);
            s[in.length] = out[0];
            return s;
        }

        @Override
        public Tensor[] vjp(Linear attrs, Node n, Tensor[] g) {
            Tensor x = n.saved(0);
            Tensor w = n.saved(1);
            int inputs = n.savedCount() - 1;
            Tensor y = n.saved(inputs);
            Tensor gz = attrs.relu() ? ElementwiseOps.thresholdBackward(g[0], y, 0.0) : g[0];
            Tensor[] out = new Tensor[inputs];
            out[0] = n.needsInputGrad(0) ? gz.matmul(w) : null;
            out[1] = n.needsInputGrad(1) ? gz.t().matmul(x) : null;
            if (inputs > 2) {
                out[2] = n.needsInputGrad(2) ? gz.sum(0) : null;
            }
            return out;
        }

        @Override
        public Tensor[] jvp(Linear attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor x = in[0];
            Tensor w = in[1];
            Tensor tz = null;
            if (t[0] != null) {
                tz = t[0].matmul(w.t());
            }
            if (t[1] != null) {
                Tensor d = x.matmul(t[1].t());
                tz = tz == null ? d : tz.add(d);
            }
            if (in.length > 2 && t[2] != null) {
                tz = tz == null ? t[2].expand(out[0].shape()) : tz.add(t[2]);
            }
            if (tz == null) {
                return Specs.one(null);
            }
            return Specs.one(attrs.relu() ? ElementwiseOps.thresholdBackward(tz, out[0], 0.0) : tz);
        }
    };

    /** Every definition of this family. */
    static final List<OpDef<?>> ALL = List.of(ELEMENTWISE, LINEAR);

    /** The fused op named {@code name}, or null. */
    public static OpDef<?> byName(String name) {
        for (OpDef<?> op : ALL) {
            if (op.name().equals(name)) {
                return op;
            }
        }
        return null;
    }
}
