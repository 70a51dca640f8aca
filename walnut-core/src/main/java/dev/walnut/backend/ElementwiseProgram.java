package dev.walnut.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A straight-line program of elementwise steps over one output shape, run by
 * {@link Backend#elementwise} as one loop over memory: the kernel walks the output in blocks
 * that stay in cache, and for each block runs every step on small registers, so the
 * intermediates of a chain such as {@code tanh(exp(x * y) + 1)} never reach main memory. Each
 * step is a {@link UnaryOp} (with its parameters {@code p1}, {@code p2}) or a {@link BinaryOp}
 * (arithmetic only: {@code ADD} through {@code REMAINDER}); an operand is an input of the program
 * ({@link #input(int)}, a negative number) or the result of an earlier step (its index). The
 * program's result is its last step, or, for a program built with {@link Builder#sum()}, the sum
 * of all its elements (one element, accumulated in double as the back end's sum is).
 *
 * <p>Steps run the same per-element code as the back end's unary and binary kernels, so a
 * program gives the same bits as running its steps one by one.
 *
 * <pre>{@code
 * ElementwiseProgram.Builder b = ElementwiseProgram.builder(2);
 * int t0 = b.binary(BinaryOp.MUL, ElementwiseProgram.input(0), ElementwiseProgram.input(1));
 * int t1 = b.unary(UnaryOp.EXP, 0, 0, t0);
 * b.unary(UnaryOp.ADD_SCALAR, 1.0, 0, t1);
 * ElementwiseProgram p = b.build();        // exp(x0 * x1) + 1
 * Storage y = backend.elementwise(p, new Storage[] {x0, x1}, new Layout[] {l0, l1}, shape);
 * }</pre>
 */
public final class ElementwiseProgram {
    /** Step kind of a {@link UnaryOp}. */
    public static final int UNARY = 0;
    /** Step kind of a {@link BinaryOp}. */
    public static final int BINARY = 1;

    private final int inputs;
    private final int[] kind;
    private final int[] op;
    private final int[] a;
    private final int[] b;
    private final double[] p1;
    private final double[] p2;
    private final boolean costly;
    private final boolean sum;
    private volatile Registers lastRegisters;
    private volatile Compiled compiled = new Compiled(new long[0], new Object[0]);

    private ElementwiseProgram(int inputs, int[] kind, int[] op, int[] a, int[] b, double[] p1, double[] p2,
                               boolean sum) {
        this.sum = sum;
        this.inputs = inputs;
        this.kind = kind;
        this.op = op;
        this.a = a;
        this.b = b;
        this.p1 = p1;
        this.p2 = p2;
        boolean c = false;
        for (int k = 0; k < kind.length; k++) {
            c |= kind[k] == UNARY ? UnaryOp.isCostly(op[k]) : op[k] == BinaryOp.POW || op[k] == BinaryOp.ATAN2;
        }
        this.costly = c;
    }

    /** The operand that names input {@code i}. */
    public static int input(int i) {
        if (i < 0) {
            throw new IllegalArgumentException("input index must be >= 0, got " + i);
        }
        return -i - 1;
    }

    /** A builder for a program over {@code inputs} inputs. */
    public static Builder builder(int inputs) {
        if (inputs < 1) {
            throw new IllegalArgumentException("an elementwise program reads at least one input, got " + inputs);
        }
        return new Builder(inputs);
    }

    /** Number of inputs. */
    public int inputs() {
        return inputs;
    }

    /** Number of steps; the last one is the result. */
    public int steps() {
        return kind.length;
    }

    /** {@link #UNARY} or {@link #BINARY}. */
    public int kind(int step) {
        return kind[step];
    }

    /** The op code of a step. */
    public int op(int step) {
        return op[step];
    }

    /** The first operand of a step: a step index, or a negative input operand (see {@link #input(int)}). */
    public int operandA(int step) {
        return a[step];
    }

    /** The second operand of a binary step (unused by a unary one). */
    public int operandB(int step) {
        return b[step];
    }

    /** The first parameter of a unary step. */
    public double p1(int step) {
        return p1[step];
    }

    /** The second parameter of a unary step. */
    public double p2(int step) {
        return p2[step];
    }

    /** Whether the result is the sum of the last step's elements (one element) rather than the last step. */
    public boolean sumsResult() {
        return sum;
    }

    /** Whether a step is a transcendental, which earns a smaller parallel grain. */
    public boolean isCostly() {
        return costly;
    }

    /**
     * Registers for one run: {@code inRegister[i]} says whether input {@code i} is loaded into a
     * register (a broadcast scalar is read in place). Returns one entry per input (its register or
     * -1) and per step (its register), then the number of registers. A register is reused once
     * its value is dead, and a step writes over an operand that dies at that step (the kernels
     * allow {@code out == in}); loaded inputs are all live from the start of a block.
     */
    public int[] assignRegisters(boolean[] inRegister) {
        int steps = kind.length;
        int[] lastUse = new int[inputs + steps];
        Arrays.fill(lastUse, -1);
        for (int k = 0; k < steps; k++) {
            lastUse[slot(a[k])] = k;
            if (kind[k] == BINARY) {
                lastUse[slot(b[k])] = k;
            }
        }
        lastUse[inputs + steps - 1] = Integer.MAX_VALUE; // the result
        int[] reg = new int[inputs + steps + 1];
        List<Integer> free = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < inputs; i++) {
            reg[i] = inRegister[i] && lastUse[i] >= 0 ? count++ : -1;
        }
        for (int k = 0; k < steps; k++) {
            for (int operand : kind[k] == BINARY ? new int[] {a[k], b[k]} : new int[] {a[k]}) {
                int s = slot(operand);
                if (lastUse[s] == k && reg[s] >= 0 && !free.contains(reg[s])) {
                    free.add(reg[s]);
                }
            }
            int r = free.isEmpty() ? count++ : free.remove(free.size() - 1);
            reg[inputs + k] = r;
            if (lastUse[inputs + k] < 0) {
                free.add(r); // never read: its register is free again at once
            }
        }
        reg[inputs + steps] = count;
        return reg;
    }

    /**
     * {@link #assignRegisters} for the inputs whose bit is set in {@code inRegister} (input
     * {@code i} is bit {@code i}), remembered for the last mask: a compiled graph runs a program
     * with the same layouts on every call, so it computes (and allocates) the assignment once.
     * The result is shared: callers only read it. Only for programs of at most 64 inputs.
     */
    public int[] registers(long inRegister) {
        Registers last = lastRegisters;
        if (last != null && last.mask == inRegister) {
            return last.reg;
        }
        boolean[] mask = new boolean[inputs];
        for (int i = 0; i < inputs; i++) {
            mask[i] = (inRegister >>> i & 1) != 0;
        }
        int[] reg = assignRegisters(mask);
        lastRegisters = new Registers(inRegister, reg);
        return reg;
    }

    /**
     * A back end's compiled form of this program for {@code key} (which says how its inputs are
     * read), made by {@code make} on the first call with that key and remembered with the
     * program, so that it lives exactly as long as the program does (a compiled graph keeps its
     * programs). A null result is remembered too (the program cannot be compiled that way). Up to
     * {@value #COMPILED_KEYS} keys are kept, the oldest dropped first. Two threads may both make
     * one; either result is kept.
     */
    public <T> T compiled(long key, Compilation<T> make) {
        Compiled c = compiled;
        for (int i = 0; i < c.keys.length; i++) {
            if (c.keys[i] == key) {
                @SuppressWarnings("unchecked")
                T value = (T) c.values[i];
                return value;
            }
        }
        T value = make.compile(this, key);
        int keep = Math.min(c.keys.length, COMPILED_KEYS - 1);
        long[] keys = new long[keep + 1];
        Object[] values = new Object[keep + 1];
        System.arraycopy(c.keys, c.keys.length - keep, keys, 0, keep);
        System.arraycopy(c.values, c.values.length - keep, values, 0, keep);
        keys[keep] = key;
        values[keep] = value;
        compiled = new Compiled(keys, values);
        return value;
    }

    private static final int COMPILED_KEYS = 4;

    /** Makes a back end's compiled form of a program (see {@link #compiled}). */
    @FunctionalInterface
    public interface Compilation<T> {
        /** The compiled form of {@code program} for {@code key}, or null when there is none. */
        T compile(ElementwiseProgram program, long key);
    }

    /** The compiled forms and their keys, replaced whole (never changed in place). */
    private record Compiled(long[] keys, Object[] values) {
    }

    /** An assignment and the mask it was made for. */
    private record Registers(long mask, int[] reg) {
    }

    /** The index of an operand in {@link #assignRegisters}' result. */
    public int slot(int operand) {
        return operand < 0 ? -operand - 1 : inputs + operand;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < kind.length; k++) {
            sb.append(k > 0 ? "; " : "").append('t').append(k).append(" = ");
            if (kind[k] == UNARY) {
                sb.append(UnaryOp.name(op[k])).append('(').append(operand(a[k])).append(", ").append(p1[k]).append(", ")
                        .append(p2[k]).append(')');
            } else {
                sb.append(BinaryOp.name(op[k])).append('(').append(operand(a[k])).append(", ").append(operand(b[k]))
                        .append(')');
            }
        }
        return sb.append(sum ? "; sum" : "").toString();
    }

    private static String operand(int o) {
        return o < 0 ? "x" + (-o - 1) : "t" + o;
    }

    /**
     * Adds steps in order; each method returns the new step's index, to be used as an operand.
     *
     * <pre>{@code
     * ElementwiseProgram.Builder b = ElementwiseProgram.builder(1);
     * b.unary(UnaryOp.TANH, 0, 0, b.unary(UnaryOp.EXP, 0, 0, ElementwiseProgram.input(0)));
     * }</pre>
     */
    public static final class Builder {
        private final int inputs;
        private final List<double[]> steps = new ArrayList<>();
        private boolean sum;

        private Builder(int inputs) {
            this.inputs = inputs;
        }

        /** A unary step {@code op(x; p1, p2)}. */
        public int unary(int op, double p1, double p2, int x) {
            if (op < 0 || op >= UnaryOp.COUNT) {
                throw new IllegalArgumentException("elementwise program: unknown unary op code " + op);
            }
            check(x);
            steps.add(new double[] {UNARY, op, x, 0, p1, p2});
            return steps.size() - 1;
        }

        /** A binary step {@code x op y} (arithmetic: {@code BinaryOp.ADD} through {@code BinaryOp.REMAINDER}). */
        public int binary(int op, int x, int y) {
            if (op < BinaryOp.ADD || op > BinaryOp.REMAINDER) {
                throw new IllegalArgumentException("elementwise program: binary op " + BinaryOp.name(op)
                        + " is not arithmetic (comparisons and logic have bool results)");
            }
            check(x);
            check(y);
            steps.add(new double[] {BINARY, op, x, y, 0, 0});
            return steps.size() - 1;
        }

        private void check(int operand) {
            if (operand < -inputs || operand >= steps.size()) {
                throw new IllegalArgumentException("elementwise program: operand " + operand + " names neither one of the "
                        + inputs + " inputs nor one of the " + steps.size() + " earlier steps");
            }
        }

        /** Makes the program's result the sum of all the last step's elements (a reduction at its end). */
        public Builder sum() {
            sum = true;
            return this;
        }

        /** The program; its result is the last step (or its sum). */
        public ElementwiseProgram build() {
            if (steps.isEmpty()) {
                throw new IllegalStateException("elementwise program: no steps");
            }
            int n = steps.size();
            int[] kind = new int[n];
            int[] op = new int[n];
            int[] a = new int[n];
            int[] b = new int[n];
            double[] p1 = new double[n];
            double[] p2 = new double[n];
            for (int k = 0; k < n; k++) {
                double[] s = steps.get(k);
                kind[k] = (int) s[0];
                op[k] = (int) s[1];
                a[k] = (int) s[2];
                b[k] = (int) s[3];
                p1[k] = s[4];
                p2[k] = s[5];
            }
            return new ElementwiseProgram(inputs, kind, op, a, b, p1, p2, sum);
        }
    }
}
