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
 * <p>{@link #LINEAR} is {@code nn.Linear}'s {@code x W^T + b} (or ONNX's {@code x W + b}) with
 * an optional ReLU, on the packed GEMM. {@link #LAYER_NORM} is a last-dim layer norm (with the
 * residual add before it), {@link #ATTENTION} scaled dot-product attention on 3-d heads.
 * {@link #CONV2D} is a convolution with its bias, input padding, a residual add and a clamp
 * activation (ReLU, ReLU6) applied by the kernel as it lays out its input and stores its output.
 * {@link #MAX_POOL2D_VALUES} is max pooling without its indices.
 *
 * <pre>{@code
 * var attrs = new FusedOps.Elementwise("mul(x0, x1); exp(t0); addScalar(t1, 1.0); tanh(t2)");
 * Tensor y = Dispatcher.call(FusedOps.ELEMENTWISE, attrs, a, b);   // a.mul(b).exp().add(1.0).tanh()
 * Tensor h = Dispatcher.call(FusedOps.LINEAR, new FusedOps.Linear("relu"), x, w, bias);   // relu(x W^T + b)
 * Tensor c = Dispatcher.call(FusedOps.CONV2D, new FusedOps.Conv2d(null, 0, 6), x, w, bias);  // relu6(conv(x, w) + b)
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
     * @param weightKN false for {@code nn.Linear}'s weight {@code [n, k]} (the product is
     *     {@code x W^T}), true for a weight stored {@code [k, n]} as ONNX's {@code MatMul}
     *     reads it (the product is {@code x W})
     */
    public record Linear(String activation, boolean weightKN) {
        /** Checks the activation's name. */
        public Linear {
            if (!"none".equals(activation) && !"relu".equals(activation)) {
                throw new IllegalArgumentException("fusedLinear: activation must be 'none' or 'relu', got '" + activation + "'");
            }
        }

        /** {@code nn.Linear}'s layout: a weight {@code [n, k]}. */
        public Linear(String activation) {
            this(activation, false);
        }

        boolean relu() {
            return "relu".equals(activation);
        }
    }

    /**
     * Packed copies of the weights {@link #LINEAR} has multiplied by, so a compiled model packs
     * each weight once: weak keys, so a dropped model's weights go, and soft values (the packed
     * copy holds its weight), so memory pressure can take them too; a weight whose values changed
     * (version, storage, layout) is repacked. One map per weight layout, since a packed copy
     * says which tensor it came from, not how it was read.
     */
    private static final Map<Tensor, java.lang.ref.SoftReference<Kernels.PackedWeight>> PACKED =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private static final Map<Tensor, java.lang.ref.SoftReference<Kernels.PackedWeight>> PACKED_KN =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private static Kernels.PackedWeight packed(Tensor w, boolean kn) {
        Map<Tensor, java.lang.ref.SoftReference<Kernels.PackedWeight>> cache = kn ? PACKED_KN : PACKED;
        java.lang.ref.SoftReference<Kernels.PackedWeight> ref = cache.get(w);
        Kernels.PackedWeight p = ref == null ? null : ref.get();
        if (p == null || !p.isFor(w)) {
            p = K.packLinearWeight(w, kn);
            cache.put(w, new java.lang.ref.SoftReference<>(p));
        }
        return p;
    }

    /** {@code W^T} of a {@code [n, k]} weight, or a {@code [k, n]} weight as it is: the {@code [k, n]} right operand. */
    private static Tensor rightOperand(Tensor w, boolean kn) {
        return kn ? w : Dispatcher.call(ViewOps.TRANSPOSE, new ViewOps.Transpose(0, 1), w);
    }

    /** {@code x} as the 2-d {@code [rows, k]} of its leading dims folded (a view where the strides allow, else a copy). */
    private static Tensor rows(Tensor x) {
        if (x.dim() == 2) {
            return x;
        }
        long k = x.size(-1);
        return K.reshape(x, new long[] {k == 0 ? 0 : x.numel() / k, k}, false);
    }

    /** The output shape: x's leading dims, then {@code n}. */
    private static long[] outShape(long[] x, long n) {
        long[] s = x.clone();
        s[s.length - 1] = n;
        return s;
    }

    /**
     * {@code act(x W^T + b)} for {@code x [..., k]} (2-d or more), a weight {@code W [n, k]} (or
     * {@code [k, n]} with {@link Linear#weightKN}, the product then {@code x W}) and an optional
     * bias {@code b [n]} (inputs {@code (x, W)} or {@code (x, W, b)}), one float dtype: what
     * {@code nn.Linear} (+ {@code ReLU}) computes, and what ONNX's {@code MatMul} + {@code Add}
     * of a constant weight does. The leading dims of x are folded into the rows of one product.
     * In F32, where packing pays, it runs the packed GEMM whose store starts from the bias (as
     * {@code nn.Linear}'s inference path does, with the weight packed once and kept, see
     * {@code PACKED}), so a compiled model gives the eager module's bits; otherwise it runs
     * {@code matmul(x, W^T) + b} as the graph did. Its rules are those of the composition,
     * written with tensor ops.
     */
    public static final OpDef<Linear> LINEAR = new OpDef<>("fusedLinear", 1, "FusedLinearBackward0") {
        @Override
        public TensorSpec[] infer(Linear attrs, TensorSpec... in) {
            check(attrs, in.length, in[0].shape(), in[0].dtype(), in[1].shape(), in[1].dtype(),
                    in.length > 2 ? in[2].shape() : null, in.length > 2 ? in[2].dtype() : null);
            return Specs.one(outShape(in[0].shape(), in[1].shape()[attrs.weightKN() ? 1 : 0]), in[0].dtype());
        }

        private void check(Linear attrs, int count, long[] x, DType xt, long[] w, DType wt, long[] b, DType bt) {
            int kDim = attrs.weightKN() ? 0 : 1;
            boolean ok = (count == 2 || count == 3) && x.length >= 2 && w.length == 2 && x[x.length - 1] == w[kDim]
                    && xt.isFloatingPoint() && wt == xt && (b == null || b.length == 1 && b[0] == w[1 - kDim] && bt == xt);
            if (!ok) {
                throw new IllegalArgumentException("fusedLinear: expected x [..., k], weight "
                        + (attrs.weightKN() ? "[k, n]" : "[n, k]") + " and an optional bias [n] of one float dtype, got "
                        + xt + " " + Arrays.toString(x) + ", " + wt + " " + Arrays.toString(w)
                        + (b == null ? "" : ", " + bt + " " + Arrays.toString(b)));
            }
        }

        private void check(Linear attrs, Tensor[] in) {
            Tensor b = in.length > 2 ? in[2] : null;
            check(attrs, in.length, in[0].shape(), in[0].dtype(), in[1].shape(), in[1].dtype(), b == null ? null : b.shape(),
                    b == null ? null : b.dtype());
        }

        /** Whether the packed F32 GEMM runs this product. */
        private boolean packs(Linear attrs, Tensor x, Tensor w) {
            long k = x.size(-1);
            long m = k == 0 ? 0 : x.numel() / k;
            long n = w.size(attrs.weightKN() ? 1 : 0);
            return x.dtype() == DType.F32 && m * n <= Integer.MAX_VALUE && m <= Integer.MAX_VALUE
                    && K.packingPays((int) m, (int) n, (int) k);
        }

        @Override
        public Tensor[] compute(Linear attrs, Tensor[] in) {
            check(attrs, in);
            Tensor x = rows(in[0]);
            Tensor w = in[1];
            Tensor b = in.length > 2 ? in[2] : null;
            Tensor y;
            if (packs(attrs, in[0], w)) {
                // One output, the ReLU applied as its blocks are stored (not a second tensor).
                y = Tensor.zeros(new long[] {x.size(0), w.size(attrs.weightKN() ? 1 : 0)}, DType.F32);
                K.linearPackedInto(x, packed(w, attrs.weightKN()), b, attrs.relu(), y);
            } else {
                y = K.matmul(x, rightOperand(w, attrs.weightKN()));
                if (b != null) {
                    y = K.binary("add", BinaryOp.ADD, y, b, y.dtype(), y.dtype());
                }
                if (attrs.relu()) {
                    y = K.unary(UnaryOp.RELU, 0, 0, y, y.dtype());
                }
            }
            return Specs.one(in[0].dim() == 2 ? y : K.reshape(y, outShape(in[0].shape(), y.size(1)), false));
        }

        /** Only the packed F32 path has an out= kernel; the others compute and copy (see computeInto). */
        @Override
        public boolean hasOutKernel(Linear attrs) {
            return true;
        }

        @Override
        public void computeInto(Linear attrs, Tensor[] in, Tensor[] out) {
            check(attrs, in);
            Tensor w = in[1];
            Tensor b = in.length > 2 ? in[2] : null;
            if (packs(attrs, in[0], w) && out[0].isContiguous()) {
                // out is contiguous, so its [rows, n] reshape is a view the GEMM writes through.
                Tensor o = out[0].dim() == 2 ? out[0] : K.reshape(out[0], new long[] {out[0].numel() / Math.max(1, out[0].size(-1)), out[0].size(-1)}, true);
                K.linearPackedInto(rows(in[0]), packed(w, attrs.weightKN()), b, attrs.relu(), o);
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
            boolean kn = attrs.weightKN();
            Tensor[] out = new Tensor[inputs];
            out[0] = n.needsInputGrad(0) ? gz.matmul(kn ? w.t() : w) : null;
            Tensor gz2 = gz.dim() == 2 ? gz : gz.reshape(-1, gz.size(-1));
            if (n.needsInputGrad(1)) {
                Tensor x2 = x.dim() == 2 ? x : x.reshape(-1, x.size(-1));
                out[1] = kn ? x2.t().matmul(gz2) : gz2.t().matmul(x2);
            }
            if (inputs > 2) {
                out[2] = n.needsInputGrad(2) ? gz2.sum(0) : null;
            }
            return out;
        }

        @Override
        public Tensor[] jvp(Linear attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor x = in[0];
            Tensor w = in[1];
            boolean kn = attrs.weightKN();
            Tensor tz = null;
            if (t[0] != null) {
                tz = t[0].matmul(kn ? w : w.t());
            }
            if (t[1] != null) {
                Tensor d = x.matmul(kn ? t[1] : t[1].t());
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

    // ------------------------------------------------------------------ fused layer norm

    /**
     * Attributes of {@link #LAYER_NORM}: inputs {@code x}, then {@code r} when {@code residual},
     * {@code weight} when {@code weight}, {@code bias} when {@code bias}.
     *
     * @param eps added to the variance
     * @param residual whether a second input of x's shape is added to x first
     * @param weight whether a 1-d weight (the last dim's size) scales the result
     * @param bias whether a 1-d bias (the last dim's size) is added last
     */
    public record LayerNorm(double eps, boolean residual, boolean weight, boolean bias) {
        /** Checks eps. */
        public LayerNorm {
            if (!(eps >= 0) || Double.isInfinite(eps)) {
                throw new IllegalArgumentException("fusedLayerNorm: eps must be finite and non-negative, got " + eps);
            }
        }

        int inputs() {
            return 1 + (residual ? 1 : 0) + (weight ? 1 : 0) + (bias ? 1 : 0);
        }
    }

    /** The layer-norm inputs by role: x, r, weight, bias (null where absent). */
    private static Tensor[] roles(LayerNorm a, Tensor[] in) {
        int i = 1;
        Tensor r = a.residual() ? in[i++] : null;
        Tensor w = a.weight() ? in[i++] : null;
        Tensor b = a.bias() ? in[i] : null;
        return new Tensor[] {in[0], r, w, b};
    }

    /**
     * Layer norm over the last dim of {@code x} (plus a residual {@code r} of x's shape, added
     * first), with an optional weight and bias: {@code z = x + r},
     * {@code (z - mean(z)) * rsqrt(var(z) + eps) * weight + bias}, the biased variance, as
     * {@code nn.LayerNorm} over the last dim, and ONNX's {@code LayerNormalization}, compute it.
     * The compiler's {@code LayerNormFusion} makes it from that decomposition (and the residual
     * add in front of it), so a transformer's norm reads each row once instead of about ten
     * passes over the activation. F32 runs the one-pass row kernel; F64 (gradient checks) runs
     * the composition. Its rules are those of the composition, written with tensor ops.
     */
    public static final OpDef<LayerNorm> LAYER_NORM = new OpDef<>("fusedLayerNorm", 1, "FusedLayerNormBackward0") {
        @Override
        public TensorSpec[] infer(LayerNorm attrs, TensorSpec... in) {
            check(attrs, Arrays.stream(in).map(TensorSpec::shape).toArray(long[][]::new),
                    Arrays.stream(in).map(TensorSpec::dtype).toArray(DType[]::new));
            return Specs.one(in[0].shape(), in[0].dtype());
        }

        private void check(LayerNorm a, long[][] shapes, DType[] dtypes) {
            boolean ok = shapes.length == a.inputs() && shapes[0].length >= 1 && dtypes[0].isFloatingPoint();
            long n = shapes[0].length >= 1 ? shapes[0][shapes[0].length - 1] : -1;
            for (int i = 1; ok && i < shapes.length; i++) {
                boolean isResidual = a.residual() && i == 1;
                ok = dtypes[i] == dtypes[0] && (isResidual ? Arrays.equals(shapes[i], shapes[0])
                        : shapes[i].length == 1 && shapes[i][0] == n);
            }
            if (!ok) {
                throw new IllegalArgumentException("fusedLayerNorm: expected x [..., n] of a float dtype"
                        + (a.residual() ? ", a residual of x's shape" : "") + (a.weight() ? ", a weight [n]" : "")
                        + (a.bias() ? ", a bias [n]" : "") + ", one dtype; got " + shapes.length + " input(s): "
                        + Arrays.stream(shapes).map(Arrays::toString).toList() + " " + Arrays.toString(dtypes));
            }
        }

        private void check(LayerNorm a, Tensor[] in) {
            check(a, Arrays.stream(in).map(Tensor::shape).toArray(long[][]::new),
                    Arrays.stream(in).map(Tensor::dtype).toArray(DType[]::new));
        }

        @Override
        public Tensor[] compute(LayerNorm attrs, Tensor[] in) {
            check(attrs, in);
            Tensor[] t = roles(attrs, in);
            if (in[0].dtype() == DType.F32) {
                Tensor out = Tensor.zeros(in[0].shape(), DType.F32);
                K.layerNormInto(t[0], t[1], t[2], t[3], attrs.eps(), out);
                return Specs.one(out);
            }
            DType dt = in[0].dtype();
            int[] last = {in[0].dim() - 1};
            Tensor z = t[1] == null ? t[0] : K.binary("add", BinaryOp.ADD, t[0], t[1], dt, dt);
            Tensor mean = K.unary(UnaryOp.DIV_SCALAR, z.size(-1), 0, K.reduce("sum", dev.walnut.backend.ReduceOp.SUM, z, last,
                    true), dt);
            Tensor d = K.binary("sub", BinaryOp.SUB, z, mean, dt, dt);
            Tensor var = K.unary(UnaryOp.DIV_SCALAR, z.size(-1), 0, K.reduce("sum", dev.walnut.backend.ReduceOp.SUM,
                    K.unary(UnaryOp.SQUARE, 0, 0, d, dt), last, true), dt);
            Tensor rstd = K.unary(UnaryOp.RSQRT, 0, 0, K.unary(UnaryOp.ADD_SCALAR, attrs.eps(), 0, var, dt), dt);
            Tensor y = K.binary("mul", BinaryOp.MUL, d, rstd, dt, dt);
            y = t[2] == null ? y : K.binary("mul", BinaryOp.MUL, y, t[2], dt, dt);
            return Specs.one(t[3] == null ? y : K.binary("add", BinaryOp.ADD, y, t[3], dt, dt));
        }

        @Override
        public boolean hasOutKernel(LayerNorm attrs) {
            return true;
        }

        @Override
        public void computeInto(LayerNorm attrs, Tensor[] in, Tensor[] out) {
            check(attrs, in);
            if (in[0].dtype() == DType.F32 && out[0].dtype() == DType.F32 && out[0].isContiguous()) {
                Tensor[] t = roles(attrs, in);
                K.layerNormInto(t[0], t[1], t[2], t[3], attrs.eps(), out[0]);
            } else {
                Tensor y = compute(attrs, in)[0];
                try (var off = dev.walnut.autograd.Autograd.noGrad()) {
                    out[0].copyInPlace(y);
                }
            }
        }

        @Override
        public Tensor[] save(LayerNorm attrs, Tensor[] in, Tensor[] out) {
            return in;
        }

        /** z - mean(z) and rsqrt(var(z) + eps) of the saved or given inputs, with tensor ops (differentiable). */
        private Tensor[] centeredAndRstd(LayerNorm a, Tensor[] t) {
            Tensor z = t[1] == null ? t[0] : t[0].add(t[1]);
            int last = z.dim() - 1;
            Tensor d = z.sub(z.mean(last, true));
            return new Tensor[] {d, d.square().mean(last, true).add(a.eps()).rsqrt()};
        }

        @Override
        public Tensor[] vjp(LayerNorm attrs, Node n, Tensor[] g) {
            Tensor[] in = new Tensor[attrs.inputs()];
            for (int i = 0; i < in.length; i++) {
                in[i] = n.saved(i);
            }
            Tensor[] t = roles(attrs, in);
            Tensor[] dr = centeredAndRstd(attrs, t);
            Tensor xhat = dr[0].mul(dr[1]);
            int last = xhat.dim() - 1;
            Tensor gxhat = t[2] == null ? g[0] : g[0].mul(t[2]);
            // d/dz of (z - mean) * rstd: rstd * (g - mean(g) - xhat * mean(g * xhat)).
            Tensor gz = dr[1].mul(gxhat.sub(gxhat.mean(last, true)).sub(xhat.mul(gxhat.mul(xhat).mean(last, true))));
            long[] vec = {xhat.size(-1)};
            Tensor[] out = new Tensor[in.length];
            int i = 0;
            out[i] = n.needsInputGrad(i) ? gz : null;
            i++;
            if (attrs.residual()) {
                out[i] = n.needsInputGrad(i) ? gz : null;
                i++;
            }
            if (attrs.weight()) {
                out[i] = n.needsInputGrad(i) ? g[0].mul(xhat).sumToShape(vec) : null;
                i++;
            }
            if (attrs.bias()) {
                out[i] = n.needsInputGrad(i) ? g[0].sumToShape(vec) : null;
            }
            return out;
        }

        @Override
        public Tensor[] jvp(LayerNorm attrs, Tensor[] in, Tensor[] out, Tensor[] tangents) {
            Tensor[] t = roles(attrs, in);
            Tensor[] dt = roles(attrs, tangents);
            Tensor tz = dt[0] == null ? dt[1] : dt[1] == null ? dt[0] : dt[0].add(dt[1]);
            Tensor[] dr = centeredAndRstd(attrs, t);
            Tensor ty = null;
            if (tz != null) {
                int last = tz.dim() - 1;
                Tensor td = tz.sub(tz.mean(last, true));
                // xhat = d * rstd; d(rstd) = -rstd^3 * mean(d * td), so d(xhat) = rstd * (td - xhat * mean(xhat * td)).
                Tensor xhat = dr[0].mul(dr[1]);
                Tensor txhat = dr[1].mul(td.sub(xhat.mul(xhat.mul(td).mean(last, true))));
                ty = t[2] == null ? txhat : txhat.mul(t[2]);
            }
            if (dt[2] != null) {
                Tensor d = dr[0].mul(dr[1]).mul(dt[2]);
                ty = ty == null ? d : ty.add(d);
            }
            if (dt[3] != null) {
                ty = ty == null ? dt[3].expand(out[0].shape()) : ty.add(dt[3]);
            }
            return Specs.one(ty);
        }
    };

    // ------------------------------------------------------------------ fused attention

    /**
     * Attributes of {@link #ATTENTION}.
     *
     * @param scale the factor on the scores {@code q k^T} before the softmax (finite)
     * @param headsLast false for 3-d operands {@code [B, L, d]} (B items, e.g. batch times heads),
     *     true for 4-d heads-last operands {@code [B, L, H, d]}, the layout a projection writes
     *     and the out-projection reads (FlashAttention's {@code bshd}); each head attends on its own
     */
    public record Attention(double scale, boolean headsLast) {
        /** Checks the scale. */
        public Attention {
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("fusedAttention: scale must be finite, got " + scale);
            }
        }

        /** 3-d operands {@code [B, L, d]}. */
        public Attention(double scale) {
            this(scale, false);
        }
    }

    /** A heads-last operand {@code [B, L, H, d]} as {@code [B, H, L, d]} (a view), else the operand itself. */
    private static Tensor headsFirst(Attention a, Tensor t) {
        return a.headsLast() && t != null ? t.transpose(1, 2) : t;
    }

    /** {@code softmax(scale * q k^T)} over the last dim of heads-first operands, with tensor ops (differentiable). */
    private static Tensor attentionWeights(Attention a, Tensor q, Tensor k) {
        return q.matmul(k.transpose(-2, -1)).mul(a.scale()).softmax(-1);
    }

    /**
     * Scaled dot-product attention {@code softmax(scale * q k^T) v} over the last dim, for
     * {@code q [B, L, d]}, {@code k [B, S, d]} and {@code v [B, S, dv]} of one float dtype ({@code B}
     * items, e.g. batch times heads), or with {@link Attention#headsLast} for
     * {@code q [B, L, H, d]}, {@code k [B, S, H, d]}, {@code v [B, S, H, dv]} into
     * {@code [B, L, H, dv]}: what an imported {@code MultiheadAttention} computes between its
     * projections. The compiler's {@code AttentionFusion} makes it from
     * {@code matmul(softmax(matmul(q * c, k^T)), v)}, and {@code AttentionLayoutFolding} the
     * heads-last form, which reads the heads where the input projection wrote them and writes
     * the rows the out-projection reads. F32 runs a kernel that keeps each block of scores in
     * cache (the {@code [B, L, S]} scores are never stored); F64 runs the composition. Its rules
     * are those of the composition, written with tensor ops.
     */
    public static final OpDef<Attention> ATTENTION = new OpDef<>("fusedAttention", 1, "FusedAttentionBackward0") {
        @Override
        public TensorSpec[] infer(Attention attrs, TensorSpec... in) {
            check(attrs, in.length, in[0].shape(), in[1].shape(), in[2].shape(), in[0].dtype(), in[1].dtype(), in[2].dtype());
            return Specs.one(outShape(in[0].shape(), in[2].shape()), in[0].dtype());
        }

        /** q's shape with the last dim v's. */
        private long[] outShape(long[] q, long[] v) {
            long[] s = q.clone();
            s[s.length - 1] = v[v.length - 1];
            return s;
        }

        private void check(Attention a, int count, long[] q, long[] k, long[] v, DType qt, DType kt, DType vt) {
            int rank = a.headsLast() ? 4 : 3;
            boolean ok = count == 3 && q.length == rank && k.length == rank && v.length == rank && q[0] == k[0]
                    && k[0] == v[0] && q[rank - 1] == k[rank - 1] && k[1] == v[1] && qt.isFloatingPoint() && kt == qt
                    && vt == qt && (rank == 3 || q[2] == k[2] && k[2] == v[2]);
            if (!ok) {
                throw new IllegalArgumentException("fusedAttention: expected " + (a.headsLast()
                        ? "q [B, L, H, d], k [B, S, H, d] and v [B, S, H, dv]" : "q [B, L, d], k [B, S, d] and v [B, S, dv]")
                        + " of one float dtype, got " + qt + " " + Arrays.toString(q) + ", " + kt + " " + Arrays.toString(k)
                        + ", " + vt + " " + Arrays.toString(v));
            }
        }

        private void check(Attention a, Tensor[] in) {
            check(a, in.length, in[0].shape(), in[1].shape(), in[2].shape(), in[0].dtype(), in[1].dtype(), in[2].dtype());
        }

        /** Whether the F32 kernel runs this call (int-indexed operands and scores). */
        private boolean kernel(Tensor[] in) {
            Tensor q = in[0];
            return q.dtype() == DType.F32 && q.numel() + in[1].numel() + in[2].numel() <= Integer.MAX_VALUE
                    && q.numel() / q.size(-1) * in[1].size(1) <= Integer.MAX_VALUE;
        }

        @Override
        public Tensor[] compute(Attention attrs, Tensor[] in) {
            check(attrs, in);
            if (kernel(in)) {
                Tensor out = Tensor.zeros(outShape(in[0].shape(), in[2].shape()), DType.F32);
                K.attentionInto(in[0], in[1], in[2], attrs.scale(), out);
                return Specs.one(out);
            }
            // The composition on heads-first views: [B, L, d], or [B, H, L, d] for heads-last operands.
            int[] swap = attrs.headsLast() ? new int[] {0, 2, 1, 3} : new int[] {0, 1, 2};
            int r = swap.length;
            Tensor q = K.permute(in[0], swap);
            int[] kt = swap.clone();
            kt[r - 2] = swap[r - 1];
            kt[r - 1] = swap[r - 2];
            DType dt = q.dtype();
            Tensor s = K.unary(UnaryOp.MUL_SCALAR, attrs.scale(), 0, K.matmul(q, K.permute(in[1], kt)), dt);
            Tensor o = K.matmul(K.softmax(s, r - 1, false), K.permute(in[2], swap));
            return Specs.one(attrs.headsLast() ? K.permute(o, swap) : o);
        }

        @Override
        public boolean hasOutKernel(Attention attrs) {
            return true;
        }

        @Override
        public void computeInto(Attention attrs, Tensor[] in, Tensor[] out) {
            check(attrs, in);
            if (kernel(in) && out[0].dtype() == DType.F32 && out[0].isContiguous()) {
                K.attentionInto(in[0], in[1], in[2], attrs.scale(), out[0]);
            } else {
                Tensor y = compute(attrs, in)[0];
                try (var off = dev.walnut.autograd.Autograd.noGrad()) {
                    out[0].copyInPlace(y);
                }
            }
        }

        @Override
        public Tensor[] save(Attention attrs, Tensor[] in, Tensor[] out) {
            return in;
        }

        @Override
        public Tensor[] vjp(Attention attrs, Node n, Tensor[] g) {
            Tensor q = headsFirst(attrs, n.saved(0));
            Tensor k = headsFirst(attrs, n.saved(1));
            Tensor v = headsFirst(attrs, n.saved(2));
            Tensor go = headsFirst(attrs, g[0]);
            Tensor p = attentionWeights(attrs, q, k);
            Tensor gp = go.matmul(v.transpose(-2, -1));
            // The softmax's rule: p * (gp - sum(gp * p)) over the last dim; then the scale.
            Tensor gs = p.mul(gp.sub(gp.mul(p).sum(-1, true))).mul(attrs.scale());
            return new Tensor[] {
                n.needsInputGrad(0) ? headsFirst(attrs, gs.matmul(k)) : null,
                n.needsInputGrad(1) ? headsFirst(attrs, gs.transpose(-2, -1).matmul(q)) : null,
                n.needsInputGrad(2) ? headsFirst(attrs, p.transpose(-2, -1).matmul(go)) : null};
        }

        @Override
        public Tensor[] jvp(Attention attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor q = headsFirst(attrs, in[0]);
            Tensor k = headsFirst(attrs, in[1]);
            Tensor v = headsFirst(attrs, in[2]);
            Tensor p = attentionWeights(attrs, q, k);
            Tensor ts = null;
            if (t[0] != null) {
                ts = headsFirst(attrs, t[0]).matmul(k.transpose(-2, -1));
            }
            if (t[1] != null) {
                Tensor d = q.matmul(headsFirst(attrs, t[1]).transpose(-2, -1));
                ts = ts == null ? d : ts.add(d);
            }
            Tensor to = null;
            if (ts != null) {
                ts = ts.mul(attrs.scale());
                to = p.mul(ts.sub(p.mul(ts).sum(-1, true))).matmul(v);
            }
            if (t[2] != null) {
                Tensor d = p.matmul(headsFirst(attrs, t[2]));
                to = to == null ? d : to.add(d);
            }
            return Specs.one(headsFirst(attrs, to));
        }
    };

    // ------------------------------------------------------------------ fused convolution

    /**
     * Attributes of {@link #CONV2D}.
     *
     * @param depthwise the window of a {@link WindowOps#DEPTHWISE_CONV2D}, or null for a dense
     *                  convolution: the valid stride-1 {@link WindowOps#CONVOLUTION}, or
     *                  {@link WindowOps#STRIDED_CONVOLUTION} with {@code stride}
     * @param min       the activation's lower bound ({@code -Infinity} for none, 0 for ReLU)
     * @param max       its upper bound ({@code Infinity} for none, 6 for ReLU6)
     * @param pad       zeros around the input's planes before the dense convolution, in
     *                  {@code constantPad}'s order {@code {left, right, top, bottom}}; null (or all
     *                  zeros, kept as null) for none
     * @param residual  whether the last input is a residual {@code r} the shape of the output,
     *                  added before the activation (ResNet's {@code relu(conv(x) + b + r)})
     * @param stride    the strides {@code {rows, columns}} of a dense convolution (a
     *                  {@link WindowOps#STRIDED_CONVOLUTION}); null (or all ones, kept as null) for
     *                  stride 1
     */
    public record Conv2d(WindowOps.DepthwiseWindow depthwise, double min, double max, long[] pad, boolean residual,
                         int[] stride) {
        /** Checks the bounds, the padding and the strides. */
        public Conv2d {
            if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
                throw new IllegalArgumentException("fusedConv2d: expected activation bounds min <= max, not NaN, got min="
                        + min + ", max=" + max);
            }
            if (pad != null && (pad.length != 4 || Arrays.stream(pad).anyMatch(p -> p < 0 || p > Integer.MAX_VALUE))) {
                throw new IllegalArgumentException("fusedConv2d: expected pad {left, right, top, bottom}, each >= 0, got "
                        + Arrays.toString(pad));
            }
            pad = pad == null || Arrays.stream(pad).allMatch(p -> p == 0) ? null : pad.clone();
            if (stride != null && (stride.length != 2 || stride[0] < 1 || stride[1] < 1)) {
                throw new IllegalArgumentException("fusedConv2d: expected stride {rows, columns}, each >= 1, got "
                        + Arrays.toString(stride));
            }
            stride = stride == null || stride[0] == 1 && stride[1] == 1 ? null : stride.clone();
            if (depthwise != null && (pad != null || residual || stride != null)) {
                throw new IllegalArgumentException("fusedConv2d: a depthwise convolution takes neither pad, a residual nor "
                        + "a stride (its window has its own); got pad=" + Arrays.toString(pad) + ", residual=" + residual
                        + ", stride=" + Arrays.toString(stride));
            }
        }

        /** A stride-1 (or depthwise) convolution with its padding and residual. */
        public Conv2d(WindowOps.DepthwiseWindow depthwise, double min, double max, long[] pad, boolean residual) {
            this(depthwise, min, max, pad, residual, null);
        }

        /** A convolution with its activation only: no padding, no residual. */
        public Conv2d(WindowOps.DepthwiseWindow depthwise, double min, double max) {
            this(depthwise, min, max, null, false);
        }

        @Override
        public long[] pad() {
            return pad == null ? null : pad.clone();
        }

        @Override
        public int[] stride() {
            return stride == null ? null : stride.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Conv2d c && java.util.Objects.equals(depthwise, c.depthwise)
                    && Double.compare(min, c.min) == 0 && Double.compare(max, c.max) == 0 && Arrays.equals(pad, c.pad)
                    && residual == c.residual && Arrays.equals(stride, c.stride);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(depthwise, min, max, Arrays.hashCode(pad), residual, Arrays.hashCode(stride));
        }

        @Override
        public String toString() {
            return "Conv2d[depthwise=" + depthwise + ", min=" + min + ", max=" + max + ", pad=" + Arrays.toString(pad)
                    + ", residual=" + residual + (stride == null ? "" : ", stride=" + Arrays.toString(stride)) + "]";
        }

        @SuppressWarnings("unchecked")
        OpDef<Object> base() {
            return (OpDef<Object>) (OpDef<?>) (depthwise != null ? WindowOps.DEPTHWISE_CONV2D
                    : stride != null ? WindowOps.STRIDED_CONVOLUTION : WindowOps.CONVOLUTION);
        }

        Object baseAttrs() {
            return depthwise != null ? depthwise : stride != null ? new WindowOps.Stride(stride[0], stride[1]) : NoAttrs.NONE;
        }

        /** The row stride (1 for none). */
        int sh() {
            return stride == null ? 1 : stride[0];
        }

        /** The column stride (1 for none). */
        int sw() {
            return stride == null ? 1 : stride[1];
        }

        /** {@code t} with this padding (or as it is): what the convolution proper reads. */
        Tensor padded(Tensor t) {
            return pad == null || t == null ? t : Dispatcher.call(ShapeContentOps.PAD, new ShapeContentOps.Pad(pad, 0.0), t);
        }
    }

    /**
     * {@code d} passed where {@code min < y < max}: the reverse and forward rule of the clamp
     * that produced {@code y}, from its output alone. At the bounds it follows ReLU's rule (zero
     * where {@code y == 0}); clamp's own rule passes where the input equals a bound, which differs
     * only where the pre-activation is exactly {@code min} or {@code max}.
     */
    private static Tensor inside(Tensor d, Tensor y, Conv2d attrs) {
        Tensor r = d;
        if (attrs.min() != Double.NEGATIVE_INFINITY) {
            r = ElementwiseOps.thresholdBackward(r, y, attrs.min());
        }
        if (attrs.max() != Double.POSITIVE_INFINITY) {
            r = ElementwiseOps.thresholdBackward(r, y.neg(), -attrs.max());
        }
        return r;
    }

    /**
     * {@code clamp(conv(pad(x), W) + b + r, min, max)}: a convolution ({@link WindowOps#CONVOLUTION},
     * {@link WindowOps#STRIDED_CONVOLUTION} with its strides, or {@link WindowOps#DEPTHWISE_CONV2D}
     * with its window) with its bias, the zero padding of
     * its input, a residual and a ReLU/ReLU6/clamp activation applied by the convolution kernel:
     * the padding as it lays out the input for its GEMMs (a copy it makes anyway), the residual
     * and the activation as it stores each output plane, while it is in cache, instead of by
     * passes over the whole tensors (ResNet's 16 pads before its 3x3 convolutions and its
     * residual add + ReLU, MobileNet's 35 Clip layers and residual adds). Inputs
     * {@code (x, W)}, {@code (x, W, b)}, then {@code r} when {@code residual}. Its rules are those of
     * the composition: the activation's mask (see {@code inside}), which is also the residual's
     * gradient, then the convolution's own adjoints on the padded input, the input gradient
     * cropped back as {@code constantPad}'s rule does, so the gradients are the convolution's
     * kernels'.
     */
    public static final OpDef<Conv2d> CONV2D = new OpDef<>("fusedConv2d", 1, "FusedConv2DBackward0") {
        @Override
        public TensorSpec[] infer(Conv2d attrs, TensorSpec... in) {
            int convInputs = in.length - (attrs.residual() ? 1 : 0);
            if (convInputs < 2 || convInputs > 3 || !in[0].dtype().isFloatingPoint()) {
                throw new IllegalArgumentException("fusedConv2d: expected a float input, a weight, an optional bias"
                        + (attrs.residual() ? " and a residual" : "") + ", got " + in.length + " inputs"
                        + (in.length > 0 ? " (input " + in[0].dtype() + ")" : ""));
            }
            TensorSpec[] conv = Arrays.copyOf(in, convInputs);
            long[] pad = attrs.pad();
            if (pad != null) {
                long[] s = in[0].shape();
                if (s.length != 4) {
                    throw new IllegalArgumentException("fusedConv2d: padding needs a [N, C, H, W] input, got "
                            + Arrays.toString(s));
                }
                s[3] += pad[0] + pad[1];
                s[2] += pad[2] + pad[3];
                conv[0] = new TensorSpec(s, in[0].dtype());
            }
            TensorSpec[] out = attrs.base().infer(attrs.baseAttrs(), conv);
            if (attrs.residual()) {
                TensorSpec r = in[in.length - 1];
                if (!Arrays.equals(r.shape(), out[0].shape()) || r.dtype() != out[0].dtype()) {
                    throw new IllegalArgumentException("fusedConv2d: the residual must have the output's shape and dtype "
                            + Arrays.toString(out[0].shape()) + " " + out[0].dtype() + ", got "
                            + Arrays.toString(r.shape()) + " " + r.dtype());
                }
            }
            return out;
        }

        @Override
        public Tensor[] compute(Conv2d attrs, Tensor[] in) {
            int convInputs = in.length - (attrs.residual() ? 1 : 0);
            Tensor b = convInputs > 2 ? in[2] : null;
            if (attrs.depthwise() != null) {
                return Specs.one(K.depthwiseConv2d(in[0], in[1], b, attrs.depthwise().array(), attrs.min(), attrs.max()));
            }
            Tensor r = null;
            if (attrs.residual()) {
                // The kernel reads the residual at the output's indices: its shape is checked first.
                infer(attrs, Arrays.stream(in).map(TensorSpec::of).toArray(TensorSpec[]::new));
                r = in[in.length - 1];
            }
            return Specs.one(K.conv2d(in[0], in[1], b, r, attrs.pad(), attrs.sh(), attrs.sw(), attrs.min(), attrs.max()));
        }

        /**
         * Both kernels store straight into a preplanned output, so a compiled CNN's arena keeps
         * its activations instead of allocating (and zeroing) one per convolution per call.
         */
        @Override
        public boolean hasOutKernel(Conv2d attrs) {
            return true;
        }

        @Override
        public void computeInto(Conv2d attrs, Tensor[] in, Tensor[] out) {
            int convInputs = in.length - (attrs.residual() ? 1 : 0);
            Tensor b = convInputs > 2 ? in[2] : null;
            if (attrs.depthwise() != null) {
                K.depthwiseConv2dInto(in[0], in[1], b, attrs.depthwise().array(), attrs.min(), attrs.max(), out[0]);
                return;
            }
            Tensor r = null;
            if (attrs.residual()) {
                r = in[in.length - 1];
                if (!Arrays.equals(r.shape(), out[0].shape()) || r.dtype() != out[0].dtype()) {
                    // Checked without building specs, which a compiled graph's run would allocate.
                    infer(attrs, Arrays.stream(in).map(TensorSpec::of).toArray(TensorSpec[]::new));
                }
            }
            K.conv2dInto(in[0], in[1], b, r, attrs.pad(), attrs.sh(), attrs.sw(), attrs.min(), attrs.max(), out[0]);
        }

        @Override
        public Tensor[] save(Conv2d attrs, Tensor[] in, Tensor[] out) {
            return new Tensor[] {in[0], in[1], out[0]};
        }

        /**
         * The depthwise convolution's own rule; for the dense one the convolution's adjoints on
         * the padded input (as its rule calls them), the residual taking the masked gradient.
         */
        @Override
        public Tensor[] vjp(Conv2d attrs, Node n, Tensor[] g) {
            Tensor gz = inside(g[0], n.saved(2), attrs);
            if (attrs.depthwise() != null) {
                return attrs.base().vjp(attrs.baseAttrs(), n, new Tensor[] {gz});
            }
            Tensor xp = attrs.padded(n.saved(0));
            Tensor w = n.saved(1);
            Tensor[] grads = new Tensor[n.inputCount()];
            Tensor[] strided = attrs.stride() == null ? null : WindowOps.stridedConvolutionGrads(xp, w, gz,
                    (WindowOps.Stride) attrs.baseAttrs(), n.needsInputGrad(0), n.needsInputGrad(1));
            if (n.needsInputGrad(0)) {
                long[] s = xp.shape();
                Tensor gx = strided != null ? strided[0] : Dispatcher.call(WindowOps.CONVOLUTION_INPUT_GRAD,
                        new WindowOps.Plane((int) s[2], (int) s[3]), gz, w);
                long[] pad = attrs.pad();
                grads[0] = pad == null ? gx : Dispatcher.call(ShapeContentOps.PAD,
                        new ShapeContentOps.Pad(Arrays.stream(pad).map(p -> -p).toArray(), 0.0), gx);
            }
            if (n.needsInputGrad(1)) {
                long[] ws = w.shape();
                grads[1] = strided != null ? strided[1] : Dispatcher.call(WindowOps.CONVOLUTION_WEIGHT_GRAD,
                        new WindowOps.Plane((int) ws[2], (int) ws[3]), xp, gz);
            }
            int convInputs = grads.length - (attrs.residual() ? 1 : 0);
            if (convInputs > 2 && n.needsInputGrad(2)) {
                grads[2] = Dispatcher.call(WindowOps.CONVOLUTION_BIAS_GRAD, NoAttrs.NONE, gz);
            }
            if (attrs.residual() && n.needsInputGrad(grads.length - 1)) {
                grads[grads.length - 1] = gz;
            }
            return grads;
        }

        @Override
        public Tensor[] jvp(Conv2d attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            int convInputs = in.length - (attrs.residual() ? 1 : 0);
            Tensor[] conv = Arrays.copyOf(in, convInputs);
            Tensor[] tc = Arrays.copyOf(t, convInputs);
            conv[0] = attrs.padded(conv[0]);
            tc[0] = attrs.padded(tc[0]);
            Tensor tz = attrs.base().jvp(attrs.baseAttrs(), conv, out, tc)[0];
            if (attrs.residual() && t[in.length - 1] != null) {
                tz = tz == null ? t[in.length - 1] : tz.add(t[in.length - 1]);
            }
            return Specs.one(tz == null ? null : inside(tz, out[0], attrs));
        }
    };

    // ------------------------------------------------------------------ max pooling without indices

    /**
     * {@link WindowOps#MAX_POOL2D}'s values without its argmax output, for graphs that never read
     * the indices (inference): a separable kernel of long contiguous max loops, and no 8-byte
     * index per output. Same attributes and values as {@code maxPool2d} (a tie of {@code -0.0}
     * and {@code 0.0} may give either zero). Its rules recompute the indices with
     * {@code maxPool2d} and use that op's own, so its gradients are max pooling's.
     */
    public static final OpDef<WindowOps.Pool> MAX_POOL2D_VALUES = new OpDef<>("maxPool2dValues", 1,
            "MaxPool2DValuesBackward0") {
        @Override
        public TensorSpec[] infer(WindowOps.Pool attrs, TensorSpec... in) {
            return Specs.one(WindowOps.MAX_POOL2D.infer(attrs, in)[0].shape(), in[0].dtype());
        }

        @Override
        public Tensor[] compute(WindowOps.Pool attrs, Tensor[] in) {
            long[] s = in[0].shape();
            return Specs.one(K.maxPoolValues(in[0], attrs.windows(s[2], s[3]), attrs.outH(), attrs.outW()));
        }

        /** The kernel writes every output, so a compiled graph's arena holds it (no fresh array per call). */
        @Override
        public boolean hasOutKernel(WindowOps.Pool attrs) {
            return true;
        }

        @Override
        public void computeInto(WindowOps.Pool attrs, Tensor[] in, Tensor[] out) {
            long[] s = in[0].shape();
            K.maxPoolValuesInto(in[0], attrs.windows(s[2], s[3]), attrs.outH(), attrs.outW(), out[0]);
        }

        @Override
        public Tensor[] save(WindowOps.Pool attrs, Tensor[] in, Tensor[] out) {
            return in;
        }

        @Override
        public Tensor[] vjp(WindowOps.Pool attrs, Node n, Tensor[] g) {
            Tensor x = n.saved(0);
            long[] s = x.shape();
            Tensor indices = Dispatcher.callAll(WindowOps.MAX_POOL2D, attrs, x)[1];
            return Specs.one(Dispatcher.call(WindowOps.MAX_POOL2D_BACKWARD, new WindowOps.Plane((int) s[2], (int) s[3]),
                    g[0], indices));
        }

        @Override
        public Tensor[] jvp(WindowOps.Pool attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
            Tensor[] full = Dispatcher.callAll(WindowOps.MAX_POOL2D, attrs, in[0]);
            return Specs.one(WindowOps.MAX_POOL2D.jvp(attrs, in, full, t)[0]);
        }
    };

    /** Every definition of this family. */
    static final List<OpDef<?>> ALL = List.of(ELEMENTWISE, LINEAR, LAYER_NORM, ATTENTION, CONV2D, MAX_POOL2D_VALUES);

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
