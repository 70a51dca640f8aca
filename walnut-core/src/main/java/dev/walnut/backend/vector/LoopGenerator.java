package dev.walnut.backend.vector;

import dev.walnut.backend.BinaryOp;
import dev.walnut.backend.ElementwiseProgram;
import dev.walnut.backend.UnaryOp;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Writes an {@link ElementwiseProgram} as a hidden class ({@link GeneratedLoop}) whose loops keep
 * every value in a local: per iteration, each contiguous input is loaded once per vector, the
 * steps run as straight-line Vector API calls, and the result is stored once. The interpreter
 * ({@code FloatFusedElementwise}) instead runs each step over a 1024-float block in L1, so eight
 * cheap ops of a ten-op chain cost eight block passes and its input and output blocks are copied.
 *
 * <p>What it writes, as Java, for {@code relu(x0 * x1 + 1)} with two vectors per iteration
 * (the most; see {@link #CALL_BUDGET}):
 * <pre>{@code
 * public void general(float[][] in, int[] offsets, float[] out, int lo, int hi) {
 *     float[] a0 = in[0]; int o0 = offsets[0]; float[] a1 = in[1]; int o1 = offsets[1];
 *     for (int q = lo; q < hi; q += 2 * L) {
 *         FloatVector x0 = FloatVector.fromArray(S, a0, o0 + q), y0 = FloatVector.fromArray(S, a0, o0 + q + L);
 *         FloatVector x1 = FloatVector.fromArray(S, a1, o1 + q), y1 = FloatVector.fromArray(S, a1, o1 + q + L);
 *         FloatVector t0 = x0.mul(x1), u0 = y0.mul(y1);
 *         FloatVector t1 = t0.add(1f), u1 = u0.add(1f);
 *         t1.max(0f).intoArray(out, q); u1.max(0f).intoArray(out, q + L);
 *     }
 * }
 * }</pre>
 * The unrolled vectors are interleaved op by op, so the out-of-order core overlaps their
 * dependency chains (one vector's ten-op chain, exp and tanh included, is a few hundred cycles of
 * latency). The benchmark chain on 1M floats, one thread, output preallocated: 0.78 ms with two
 * vectors per iteration, 0.97-1.0 with one (what the call budget gives it), JDK 17; the
 * compiled graph's whole call, fresh output included, went from 1.6-1.7 to 1.2 ms (see
 * walnut-bench/results/compiled-notes.md).
 *
 * <p>The transcendentals are written out into the loop, op for op as {@link VectorMath}'s loops
 * compute them (same constants, same operations in the same order), so each lane gets the bits
 * the eager op and the interpreter give. They are not calls to vector-level helpers: C2 inlines a
 * helper of exp's size only while it is not yet compiled on its own, and one left out of line
 * would box every vector it takes or returns; the Vector API's own methods are always inlined.
 *
 * <p>Written only for programs whose every step has a lane-wise Vector API form with the scalar
 * kernels' bits (see {@link #supports}); anything else, and any failure to define the class,
 * leaves the program to the interpreter.
 */
final class LoopGenerator {
    /**
     * The most Vector API calls one generated method may make per iteration. Every call is
     * inlined by C2 with its whole template tree, and past C2's node budget for inlining
     * ({@code NodeCountInliningCutoff}) the calls it inlines late are not intrinsified and every
     * vector is boxed: 4 to 5 times slower and tens of megabytes per million floats (measured on
     * JDK 17). The benchmark chain (ten ops, exp and tanh) makes 91 calls per vector: as one
     * vector per iteration it always compiled to registers here; as two (166 calls) it was
     * boxed in 3 of 6 JVMs of one series (and in none of about 20 others); as four (316) always.
     * So a program gets two vectors per iteration while they make at most 128 calls (64 per
     * vector), one vector up to 128 calls, and the interpreter beyond: the limit lies between
     * what was seen to work and what was seen to fail.
     */
    static final int CALL_BUDGET = 128;

    /**
     * Vectors per iteration, overriding the choice by {@link #CALL_BUDGET}, for measurements:
     * {@code -Dwalnut.fusedLoop.unroll=N} (0, the default, lets the budget choose).
     */
    static final int UNROLL = Math.max(0, Math.min(8, Integer.getInteger("walnut.fusedLoop.unroll", 0)));

    private static final int L = GeneratedLoop.S.length();
    private static final String DESCRIPTOR_FAST = "([[F[I[FII)I";
    private static final String DESCRIPTOR_GENERAL = "([[F[I[FII)V";
    private static final Map<String, Method> METHODS = new HashMap<>();

    private final ElementwiseProgram p;
    private final long broadcast;
    private final int unroll;
    private final BytecodeWriter w;
    private BytecodeWriter.Code c;

    private LoopGenerator(ElementwiseProgram p, long broadcastInputs, int unroll) {
        this.p = p;
        this.broadcast = broadcastInputs;
        this.unroll = unroll;
        this.w = new BytecodeWriter(BytecodeWriter.internal(GeneratedLoop.class) + "$Program", GeneratedLoop.class);
    }

    /**
     * Whether every step of {@code p} can be written: the arithmetic binary ops with IEEE
     * lane-wise forms, and the unary ops that are one lane-wise operation or one of VectorMath's
     * exp, tanh and sigmoid. No sum: its order of additions belongs to the interpreter.
     */
    static boolean supports(ElementwiseProgram p) {
        if (p.sumsResult() || p.inputs() > 64) {
            return false;
        }
        for (int k = 0; k < p.steps(); k++) {
            int op = p.op(k);
            boolean ok = p.kind(k) == ElementwiseProgram.BINARY
                    ? op == BinaryOp.ADD || op == BinaryOp.SUB || op == BinaryOp.MUL || op == BinaryOp.DIV
                            || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM
                    : switch (op) {
                        case UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SQRT, UnaryOp.SQUARE, UnaryOp.RECIPROCAL, UnaryOp.EXP,
                                UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.RELU, UnaryOp.ADD_SCALAR, UnaryOp.MUL_SCALAR,
                                UnaryOp.RSUB_SCALAR, UnaryOp.DIV_SCALAR, UnaryOp.RDIV_SCALAR, UnaryOp.CLAMP,
                                UnaryOp.MAX_SCALAR, UnaryOp.MIN_SCALAR -> true;
                        default -> false;
                    };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * The loop for {@code p} with the inputs whose bit is set in {@code broadcastInputs} read as
     * one element, or null when {@code p} is not {@link #supports supported}, outgrows the
     * {@link #CALL_BUDGET}, or the class cannot be written or defined on this JVM (logged at
     * DEBUG; the caller runs the interpreter).
     */
    static GeneratedLoop generate(ElementwiseProgram p, long broadcastInputs) {
        if (!supports(p)) {
            return null;
        }
        int unroll = UNROLL;
        if (unroll == 0) {
            // Sized by writing it once with one vector per iteration.
            LoopGenerator one = new LoopGenerator(p, broadcastInputs, 1);
            try {
                one.classFile();
            } catch (RuntimeException e) {
                return failed(p, e);
            }
            unroll = 2 * one.calls <= CALL_BUDGET ? 2 : one.calls <= CALL_BUDGET ? 1 : 0;
        }
        return unroll == 0 ? null : generate(p, broadcastInputs, unroll);
    }

    static GeneratedLoop generate(ElementwiseProgram p, long broadcastInputs, int unroll) {
        if (!supports(p)) {
            return null;
        }
        try {
            LoopGenerator g = new LoopGenerator(p, broadcastInputs, unroll);
            byte[] bytes = g.classFile();
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(bytes, true);
            GeneratedLoop loop = (GeneratedLoop) hidden.findConstructor(hidden.lookupClass(),
                    MethodType.methodType(void.class)).invoke();
            return loop.init(unroll * L, g.hasFast(), p.toString());
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                throw (VirtualMachineError) e;
            }
            return failed(p, e);
        }
    }

    private static GeneratedLoop failed(ElementwiseProgram p, Throwable e) {
        System.getLogger("dev.walnut.backend").log(System.Logger.Level.DEBUG,
                "fused elementwise loop not generated for [" + p + "]: " + e);
        return null;
    }

    private boolean hasFast() {
        for (int k = 0; k < p.steps(); k++) {
            if (p.kind(k) == ElementwiseProgram.UNARY && (p.op(k) == UnaryOp.EXP || p.op(k) == UnaryOp.TANH)) {
                return true;
            }
        }
        return false;
    }

    /** The most Vector API calls either method of the last {@link #classFile} has. */
    private int calls;

    private byte[] classFile() {
        w.constructor();
        c = w.code(1);
        loop(true);
        calls = c.invokes();
        w.method(BytecodeWriter.ACC_PUBLIC, "fast", DESCRIPTOR_FAST, c);
        c = w.code(1);
        loop(false);
        calls = Math.max(calls, c.invokes());
        w.method(BytecodeWriter.ACC_PUBLIC, "general", DESCRIPTOR_GENERAL, c);
        return w.toBytes(BytecodeWriter.ACC_FINAL | BytecodeWriter.ACC_SUPER);
    }

    // ---------------------------------------------------------------- values

    /** A value of the loop body: one local per unrolled vector (one shared local for a constant). */
    private record V(int[] slots, Class<?> type) {
    }

    /** A {@link VectorOperators} constant, read with getstatic. */
    private record Op(String name) {
    }

    /** The loop's float species ({@code GeneratedLoop.S}) or int species ({@code GeneratedLoop.IS}) as an argument. */
    private enum Species { FLOAT, INT }

    /**
     * A cheap-form site of {@link #fast}: the range of |x|'s bits (as ints, which order
     * non-negative floats as floats, with NaN above infinity) where the cheap form gives the
     * general form's bits; {@code minBits} 0 when there is no lower limit.
     */
    private record Site(int maxBits, int minBits) {
    }

    private int[] arrays;
    private int[] offsets;
    private int[] scalars;
    private int q;
    private int bad;
    private final List<Site> sites = new ArrayList<>();
    private Map<Integer, Site> siteOfStep;

    /**
     * One method: {@code fast} (cheap forms, range accumulators, returns 0 when all arguments were
     * in range) or {@code general}. Parameters: 1 in, 2 offsets, 3 out, 4 lo, 5 hi.
     */
    private void loop(boolean fast) {
        c.parameter(float[][].class);
        c.parameter(int[].class);
        c.parameter(float[].class);
        c.parameter(int.class);
        c.parameter(int.class);
        int inputs = p.inputs();
        arrays = new int[inputs];
        offsets = new int[inputs];
        scalars = new int[inputs];
        boolean[] read = new boolean[inputs];
        for (int k = 0; k < p.steps(); k++) {
            int a = p.operandA(k);
            if (a < 0) {
                read[-a - 1] = true;
            }
            int b = p.operandB(k);
            if (p.kind(k) == ElementwiseProgram.BINARY && b < 0) {
                read[-b - 1] = true;
            }
        }
        for (int i = 0; i < inputs; i++) {
            if (!read[i]) {
                continue;
            }
            if (isBroadcast(i)) {
                // in[i][offsets[i]]
                c.aload(1);
                c.ldc(i);
                c.aaload();
                c.aload(2);
                c.ldc(i);
                c.iaload();
                c.faload();
                scalars[i] = c.newLocal(float.class);
                c.fstore(scalars[i]);
            } else {
                c.aload(1);
                c.ldc(i);
                c.aaload();
                arrays[i] = c.newLocal(float[].class);
                c.astore(arrays[i]);
                c.aload(2);
                c.ldc(i);
                c.iaload();
                offsets[i] = c.newLocal(int.class);
                c.istore(offsets[i]);
            }
        }
        sites.clear();
        siteOfStep = new HashMap<>();
        if (fast) {
            for (int k = 0; k < p.steps(); k++) {
                if (p.kind(k) != ElementwiseProgram.UNARY || (p.op(k) != UnaryOp.EXP && p.op(k) != UnaryOp.TANH)) {
                    continue;
                }
                // exp: |x| <= 86 lies inside expOneScale's [-86, 88]; tanh: |x| in [0.625, 43] (tanhLarge).
                Site s = p.op(k) == UnaryOp.TANH
                        ? new Site(Float.floatToRawIntBits(VectorMath.TANH_LARGE_HI),
                                Float.floatToRawIntBits(VectorMath.TANH_SMALL))
                        : new Site(Float.floatToRawIntBits(-VectorMath.EXP_ONE_SCALE_LO), 0);
                sites.add(s);
                siteOfStep.put(k, s);
            }
            // The count of vectors with a lane out of its site's range: an int carried around
            // the loop, not a vector (a vector loop phi lost its exact class in some C2
            // compilations, and every vector of the loop was then boxed).
            c.ldc(0);
            bad = c.newLocal(int.class);
            c.istore(bad);
        }
        c.iload(4);
        q = c.newLocal(int.class);
        c.istore(q);
        int frame = c.locals();
        BytecodeWriter.Label head = c.label();
        BytecodeWriter.Label exit = c.label();
        c.bind(head, frame);
        c.iload(q);
        c.iload(5);
        c.ifIcmpge(exit);
        body(fast);
        c.iinc(q, unroll * L);
        c.gotoLabel(head);
        c.bind(exit, frame);
        if (!fast) {
            c.vreturn();
            return;
        }
        if (sites.isEmpty()) {
            c.ldc(1); // never called: without sites the driver runs general only
        } else {
            c.iload(bad);
        }
        c.ireturn();
    }

    private boolean isBroadcast(int input) {
        return (broadcast >>> input & 1) != 0;
    }

    /** One iteration: the program on {@code unroll} vectors at q, q + L, ... */
    private void body(boolean fast) {
        V[] inputs = new V[p.inputs()];
        V[] steps = new V[p.steps()];
        for (int k = 0; k < p.steps(); k++) {
            V a = operand(p.operandA(k), inputs, steps);
            if (p.kind(k) == ElementwiseProgram.BINARY) {
                V b = operand(p.operandB(k), inputs, steps);
                steps[k] = binary(p.op(k), a, b);
            } else {
                steps[k] = unary(p.op(k), (float) p.p1(k), (float) p.p2(k), a, fast ? siteOfStep.get(k) : null);
            }
        }
        V result = steps[p.steps() - 1];
        Method into = method(FloatVector.class, "intoArray", new Object[] {float[].class, int.class});
        for (int u = 0; u < unroll; u++) {
            c.aload(result.slots()[u]);
            c.aload(3);
            c.iload(q);
            if (u > 0) {
                c.ldc(u * L);
                c.iadd();
            }
            c.invoke(FloatVector.class, into);
        }
    }

    private V operand(int operand, V[] inputs, V[] steps) {
        if (operand >= 0) {
            return steps[operand];
        }
        int i = -operand - 1;
        if (inputs[i] == null) {
            if (isBroadcast(i)) {
                c.getstatic(species(Species.FLOAT));
                c.fload(scalars[i]);
                c.invoke(FloatVector.class, method(FloatVector.class, "broadcast", new Object[] {Species.FLOAT, 0f}));
                int slot = c.newLocal(FloatVector.class);
                c.astore(slot);
                inputs[i] = shared(slot, FloatVector.class);
            } else {
                Method from = method(FloatVector.class, "fromArray", new Object[] {Species.FLOAT, float[].class, int.class});
                int[] slots = new int[unroll];
                for (int u = 0; u < unroll; u++) {
                    c.getstatic(species(Species.FLOAT));
                    c.aload(arrays[i]);
                    c.iload(offsets[i]);
                    c.iload(q);
                    c.iadd();
                    if (u > 0) {
                        c.ldc(u * L);
                        c.iadd();
                    }
                    c.invoke(FloatVector.class, from);
                    slots[u] = c.newLocal(FloatVector.class);
                    c.astore(slots[u]);
                }
                inputs[i] = new V(slots, FloatVector.class);
            }
        }
        return inputs[i];
    }

    private V shared(int slot, Class<?> type) {
        int[] slots = new int[unroll];
        Arrays.fill(slots, slot);
        return new V(slots, type);
    }

    // ---------------------------------------------------------------- ops

    /** A binary step, with FloatBinary's IEEE rules (a - s is a + (-s), max and min are symmetric). */
    private V binary(int op, V a, V b) {
        return switch (op) {
            case BinaryOp.ADD -> call(a, "add", b);
            case BinaryOp.SUB -> call(a, "sub", b);
            case BinaryOp.MUL -> call(a, "mul", b);
            case BinaryOp.DIV -> call(a, "div", b);
            case BinaryOp.MAXIMUM -> call(a, "max", b);
            case BinaryOp.MINIMUM -> call(a, "min", b);
            default -> throw new IllegalArgumentException("not generated: binary " + BinaryOp.name(op));
        };
    }

    /**
     * A unary step, as the active provider computes it: the scalar loops' IEEE operations
     * lane-wise, VectorKernelProvider's clamp (an infinite bound skipped), VectorMath's functions.
     */
    private V unary(int op, float p1, float p2, V x, Site site) {
        return switch (op) {
            case UnaryOp.NEG -> call(x, "neg");
            case UnaryOp.ABS -> call(x, "abs");
            case UnaryOp.SQRT -> call(x, "sqrt");
            case UnaryOp.SQUARE -> call(x, "mul", x);
            case UnaryOp.RECIPROCAL -> call(constant(1f), "div", x);
            case UnaryOp.RELU -> call(x, "max", 0f);
            case UnaryOp.ADD_SCALAR -> call(x, "add", p1);
            case UnaryOp.MUL_SCALAR -> call(x, "mul", p1);
            case UnaryOp.RSUB_SCALAR -> call(constant(p1), "sub", x);
            case UnaryOp.DIV_SCALAR -> call(x, "div", p1);
            case UnaryOp.RDIV_SCALAR -> call(constant(p1), "div", x);
            case UnaryOp.MAX_SCALAR -> call(x, "max", p1);
            case UnaryOp.MIN_SCALAR -> call(x, "min", p1);
            case UnaryOp.CLAMP -> p2 == Float.POSITIVE_INFINITY ? call(x, "max", p1)
                    : p1 == Float.NEGATIVE_INFINITY ? call(x, "min", p2)
                    : call(call(x, "max", p1), "min", p2);
            case UnaryOp.EXP -> site == null ? exp(x) : expOneScale(x, site);
            case UnaryOp.TANH -> site == null ? tanh(x) : tanhLarge(x, site);
            case UnaryOp.SIGMOID -> sigmoid(x);
            default -> throw new IllegalArgumentException("not generated: unary " + UnaryOp.name(op));
        };
    }

    /** {@code FloatVector.broadcast(S, value)}, once, shared by the unrolled vectors. */
    private V constant(float value) {
        c.getstatic(species(Species.FLOAT));
        c.ldc(value);
        c.invoke(FloatVector.class, method(FloatVector.class, "broadcast", new Object[] {Species.FLOAT, 0f}));
        int slot = c.newLocal(FloatVector.class);
        c.astore(slot);
        return shared(slot, FloatVector.class);
    }

    /** Adds to {@link #bad} the unrolled vectors with a lane of |x| outside the site's range. */
    private void track(V x, Site s) {
        V bits = call(call(x, "reinterpretAsInts"), "and", 0x7FFFFFFF);
        V out = call(bits, "compare", new Op("GT"), s.maxBits());
        if (s.minBits() != 0) {
            out = call(out, "or", call(bits, "compare", new Op("LT"), s.minBits()));
        }
        Method any = method(out.type(), "anyTrue", new Object[0]);
        for (int u = 0; u < unroll; u++) {
            c.iload(bad);
            c.aload(out.slots()[u]);
            c.invoke(out.type(), any);
            c.iadd();
            c.istore(bad);
        }
    }

    // The transcendentals, op for op as in VectorMath (see the class comment): exp, expOneScale,
    // tanh, tanhLarge and sigmoid there are the reference for each line here.

    /** Cephes' e^r on the reduced argument: {@code 1 + r + r^2 P(r)}. */
    private V expPolynomial(V r) {
        V e = call(r, "fma", VectorMath.EXP_P0, VectorMath.EXP_P1);
        e = horner(e, r, VectorMath.EXP_P2);
        e = horner(e, r, VectorMath.EXP_P3);
        e = horner(e, r, VectorMath.EXP_P4);
        e = horner(e, r, VectorMath.EXP_P5);
        return call(call(e, "fma", call(r, "mul", r), r), "add", 1f);
    }

    /** {@code x - n ln2} in two steps (ln2 split in a high and a low part). */
    private V reduced(V n, V x) {
        V r = madd(n, -VectorMath.LN2_HI, x);
        return madd(n, -VectorMath.LN2_LO, r);
    }

    private V exp(V x) {
        V xc = call(call(x, "max", VectorMath.EXP_LO), "min", VectorMath.EXP_HI);
        V t = call(xc, "fma", VectorMath.LOG2E, VectorMath.ROUND_MAGIC);
        V n = call(t, "sub", VectorMath.ROUND_MAGIC);
        V ni = call(call(t, "reinterpretAsInts"), "sub", VectorMath.ROUND_MAGIC_BITS);
        V pe = expPolynomial(reduced(n, xc));
        V n1 = call(ni, "lanewise", new Op("ASHR"), 1);
        V s1 = call(call(call(n1, "add", 127), "lanewise", new Op("LSHL"), 23), "reinterpretAsFloats");
        V s2 = call(call(call(call(ni, "sub", n1), "add", 127), "lanewise", new Op("LSHL"), 23), "reinterpretAsFloats");
        return call(call(pe, "mul", s1), "mul", s2);
    }

    private V expOneScale(V x, Site site) {
        track(x, site);
        V t = call(x, "fma", VectorMath.LOG2E, VectorMath.ROUND_MAGIC);
        V n = call(t, "sub", VectorMath.ROUND_MAGIC);
        V pe = expPolynomial(reduced(n, x));
        V shift = call(call(t, "reinterpretAsInts"), "lanewise", new Op("LSHL"), 23);
        return call(call(call(pe, "reinterpretAsInts"), "add", shift), "reinterpretAsFloats");
    }

    private V tanh(V x) {
        V ax = call(x, "abs");
        V wv = call(call(ax, "mul", -2f), "max", VectorMath.TANH_W_LO);
        V wt = call(wv, "fma", VectorMath.LOG2E, VectorMath.ROUND_MAGIC);
        V wn = call(wt, "sub", VectorMath.ROUND_MAGIC);
        V wni = call(call(wt, "reinterpretAsInts"), "sub", VectorMath.ROUND_MAGIC_BITS);
        V wp = expPolynomial(reduced(wn, wv));
        V scale = call(call(call(wni, "add", 127), "lanewise", new Op("LSHL"), 23), "reinterpretAsFloats");
        V e = call(wp, "mul", scale);
        V one = constant(1f);
        V large = call(call(one, "sub", e), "div", call(one, "add", e));
        large = call(large, "blend", call(large, "neg"), call(x, "compare", new Op("LT"), 0f));
        V z = call(x, "mul", x);
        V small = call(z, "fma", VectorMath.TANH_Q0, VectorMath.TANH_Q1);
        small = horner(small, z, VectorMath.TANH_Q2);
        small = horner(small, z, VectorMath.TANH_Q3);
        small = horner(small, z, VectorMath.TANH_Q4);
        small = call(call(small, "mul", z), "fma", x, x);
        V mixed = call(large, "blend", small, call(ax, "compare", new Op("LT"), VectorMath.TANH_SMALL));
        return call(mixed, "blend", x, call(ax, "compare", new Op("LT"), VectorMath.TANH_TINY));
    }

    private V tanhLarge(V x, Site site) {
        track(x, site);
        V wv = call(call(x, "abs"), "mul", -2f);
        V wt = call(wv, "fma", VectorMath.LOG2E, VectorMath.ROUND_MAGIC);
        V wn = call(wt, "sub", VectorMath.ROUND_MAGIC);
        V wp = expPolynomial(reduced(wn, wv));
        V shift = call(call(wt, "reinterpretAsInts"), "lanewise", new Op("LSHL"), 23);
        V e = call(call(call(wp, "reinterpretAsInts"), "add", shift), "reinterpretAsFloats");
        V one = constant(1f);
        V q = call(call(call(one, "sub", e), "div", call(one, "add", e)), "reinterpretAsInts");
        V sign = call(call(x, "reinterpretAsInts"), "and", Integer.MIN_VALUE);
        return call(call(q, "or", sign), "reinterpretAsFloats");
    }

    /** VectorMath.sigmoid: e = e^-|x| by exp's own steps (VectorMath writes them out again only for C2's sake). */
    private V sigmoid(V x) {
        V e = exp(call(call(x, "abs"), "neg"));
        V picked = call(constant(1f), "blend", e, call(x, "compare", new Op("LT"), 0f));
        return call(picked, "div", call(e, "add", 1f));
    }

    /** VectorMath.horner: {@code p * r + c}, one rounding. */
    private V horner(V pv, V r, float k) {
        return call(pv, "fma", r, constant(k));
    }

    /** VectorMath.madd: {@code a * b + c}, one rounding. */
    private V madd(V a, float b, V cv) {
        return call(a, "fma", constant(b), cv);
    }

    // ---------------------------------------------------------------- calls

    /**
     * {@code receiver.name(args)} on every unrolled vector, each result in a new local. An
     * argument is a {@link V} (its local for that vector), a Float or Integer constant, an
     * {@link Op} or a {@link Species}.
     */
    private V call(V receiver, String name, Object... args) {
        Class<?> owner = receiver.type();
        Method m = method(owner, name, args);
        int[] slots = new int[unroll];
        boolean shared = isShared(receiver);
        for (Object a : args) {
            shared &= !(a instanceof V v) || isShared(v);
        }
        for (int u = 0; u < unroll; u++) {
            if (shared && u > 0) {
                slots[u] = slots[0]; // every operand is one shared local: so is the result
                continue;
            }
            c.aload(receiver.slots()[u]);
            for (Object a : args) {
                push(a, u);
            }
            c.invoke(owner, m);
            slots[u] = c.newLocal(m.getReturnType());
            c.astore(slots[u]);
        }
        return new V(slots, m.getReturnType());
    }

    /** Whether every unrolled vector reads one local: a constant or a broadcast input. */
    private static boolean isShared(V v) {
        for (int slot : v.slots()) {
            if (slot != v.slots()[0]) {
                return false;
            }
        }
        return true;
    }

    private void push(Object a, int u) {
        if (a instanceof V v) {
            c.aload(v.slots()[u]);
        } else if (a instanceof Float f) {
            c.ldc(f);
        } else if (a instanceof Integer i) {
            c.ldc(i);
        } else if (a instanceof Op o) {
            c.getstatic(operator(o.name()));
        } else if (a instanceof Species s) {
            c.getstatic(species(s));
        } else {
            throw new IllegalArgumentException("argument " + a);
        }
    }

    private static Field operator(String name) {
        try {
            return VectorOperators.class.getField(name);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field species(Species s) {
        try {
            return GeneratedLoop.class.getDeclaredField(s == Species.FLOAT ? "S" : "IS");
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The public method {@code owner.name} whose parameters take {@code args} (a Class stands for
     * an argument of that type), the most specific return type first: the Vector API overloads
     * by vector against scalar against operator arguments, which the kinds tell apart.
     */
    private static Method method(Class<?> owner, String name, Object[] args) {
        StringBuilder key = new StringBuilder(owner.getName()).append('.').append(name);
        for (Object a : args) {
            key.append(',').append(kind(a).getName());
        }
        synchronized (METHODS) {
            Method cached = METHODS.get(key.toString());
            if (cached != null) {
                return cached;
            }
            Method best = null;
            for (Method m : owner.getMethods()) {
                if (!m.getName().equals(name) || m.getParameterCount() != args.length) {
                    continue;
                }
                boolean fits = true;
                for (int i = 0; i < args.length && fits; i++) {
                    Class<?> param = m.getParameterTypes()[i];
                    Class<?> k = kind(args[i]);
                    fits = k.isPrimitive() ? param == k : param.isAssignableFrom(k);
                }
                // A public bridge stands for a method of the package-private AbstractVector
                // (reinterpretAsInts); a covariant one is never more specific than its target.
                if (fits && (best == null || best.getReturnType() != m.getReturnType()
                        && best.getReturnType().isAssignableFrom(m.getReturnType())
                        || best.getReturnType() == m.getReturnType() && best.isBridge() && !m.isBridge())) {
                    best = m;
                }
            }
            if (best == null || !Modifier.isPublic(best.getModifiers())) {
                throw new IllegalStateException("no method " + key);
            }
            METHODS.put(key.toString(), best);
            return best;
        }
    }

    private static Class<?> kind(Object a) {
        if (a instanceof V v) {
            return v.type();
        } else if (a instanceof Float) {
            return float.class;
        } else if (a instanceof Integer) {
            return int.class;
        } else if (a instanceof Op o) {
            return operator(o.name()).getType();
        } else if (a instanceof Species) {
            return VectorSpecies.class;
        } else if (a instanceof Class<?> cl) {
            return cl;
        }
        throw new IllegalArgumentException("argument " + a);
    }
}
