// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/TypeFusedElementwise.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import dev.walnut.backend.ElementwiseProgram;
import dev.walnut.backend.Layout;
import java.util.Arrays;

/**
 * {@code double} runner of an {@link ElementwiseProgram} (a fused chain or tree of elementwise
 * ops): the output is walked in blocks of {@link #BLOCK} elements; for each block the inputs are
 * loaded into registers (contiguous inputs copied, broadcast ones gathered, one-element inputs
 * read in place with stride 0), every step runs on registers with the same loops the unary and
 * binary kernels use ({@link DoubleUnary#run}, {@link DoubleBinary#run}), and the result
 * register is copied out (or, for a program that ends with a sum, summed in double with the
 * reduction kernels' pairwise sum, block by block, and the parts added in a fixed order, so the
 * result does not depend on how many threads were free). A block's registers stay in L1/L2, so a chain of ten ops streams its
 * inputs and output through memory once instead of ten times, and gives the same bits as the ops
 * run one by one. Large outputs split across {@link Parallel}, each range with its own registers.
 */
final class DoubleFusedElementwise {
    private DoubleFusedElementwise() {
    }

    /** Elements per register: a multiple of every vector length, small enough for a few to sit in L1. */
    static final int BLOCK = 1024;

    /** How an input is read: copied block by block, gathered through its strides, or one element in place. */
    static final int CONTIGUOUS = 0;
    static final int GATHER = 1;
    static final int SCALAR = 2;

    /**
     * Runs {@code p} over inputs read through {@code layouts} (each of the output's {@code shape},
     * broadcast strides allowed) into {@code out[0 .. numel)}, or its sum into {@code out[0]}.
     */
    static void run(ElementwiseProgram p, double[][] in, Layout[] layouts, int[] shape, double[] out) {
        int n = 1;
        for (int size : shape) {
            n *= size;
        }
        int inputs = p.inputs();
        // The caller's own work object carries this run to the threads that share it (each
        // range uses its own thread's registers): a run allocates nothing, no lambda included.
        Work w = WORK.get();
        int[] mode = w.mode(inputs);
        long mask = 0;
        for (int i = 0; i < inputs; i++) {
            mode[i] = mode(layouts[i]);
            mask |= mode[i] != SCALAR ? 1L << i : 0;
        }
        // The remembered assignment saves its lists and arrays on every run of a compiled graph.
        int[] reg = inputs <= Long.SIZE ? p.registers(mask) : p.assignRegisters(inRegister(mode, inputs));
        int grain = p.isCostly() ? ElementwiseKernels.COSTLY_GRAIN : ElementwiseKernels.CHEAP_GRAIN;
        w.set(p, in, layouts, shape, reg, n);
        try {
            if (!p.sumsResult()) {
                w.out = out;
                Parallel.forRange(n, grain, w);
                return;
            }
            // Parts fixed by n alone (not by which threads are free), added in order.
            int parts = Math.max(1, Math.min(Parallel.threads(), n / grain));
            w.parts = parts;
            double[] part = w.sums(parts);
            Parallel.forRange(parts, 1, w);
            double total = 0;
            for (int c = 0; c < parts; c++) {
                total += part[c];
            }
            out[0] = (double) total;
        } finally {
            w.clear();
        }
    }

    private static boolean[] inRegister(int[] mode, int inputs) {
        boolean[] r = new boolean[inputs];
        for (int i = 0; i < inputs; i++) {
            r[i] = mode[i] != SCALAR;
        }
        return r;
    }

    /**
     * An array of at least {@code n} input slots for {@link #run}, the calling thread's own
     * (emptied when a run ends), so that the back end passes the inputs without making one.
     */
    static double[][] inputSlots(int n) {
        Work w = WORK.get();
        if (w.slots.length < n) {
            w.slots = new double[n][];
        }
        return w.slots;
    }

    private static int mode(Layout l) {
        boolean scalar = true;
        for (int d = 0; d < l.shape().length; d++) {
            scalar &= l.shape()[d] == 1 || l.strides()[d] == 0;
        }
        return scalar ? SCALAR : l.isContiguous() ? CONTIGUOUS : GATHER;
    }

    /** Blocks {@code [lo, hi)} into {@code out}, or, when {@code out} is null, their sum into {@code sums[part]}. */
    private static void range(ElementwiseProgram p, double[][] in, Layout[] layouts, int[] shape, int[] mode, int[] reg,
                              double[] out, int lo, int hi, double[] sums, int part) {
        double sum = 0;
        int inputs = p.inputs();
        int steps = p.steps();
        Work w = WORK.get();
        double[][] r = registers(w, reg[reg.length - 1]);
        int[] index = null;
        for (int start = lo; start < hi; start += BLOCK) {
            int m = Math.min(BLOCK, hi - start);
            for (int i = 0; i < inputs; i++) {
                if (reg[i] < 0) {
                    continue;
                }
                Layout l = layouts[i];
                if (mode[i] == CONTIGUOUS) {
                    System.arraycopy(in[i], l.offset() + start, r[reg[i]], 0, m);
                } else {
                    if (index == null) {
                        if (w.index.length < shape.length) {
                            w.index = new int[shape.length];
                        }
                        index = w.index;
                    }
                    gather(in[i], l, start, m, r[reg[i]], index);
                }
            }
            for (int k = 0; k < steps; k++) {
                double[] dst = r[reg[inputs + k]];
                int a = p.slot(p.operandA(k));
                double[] aa = reg[a] >= 0 ? r[reg[a]] : in[a];
                int ao = reg[a] >= 0 ? 0 : layouts[a].offset();
                int as = reg[a] >= 0 ? 1 : 0;
                if (p.kind(k) == ElementwiseProgram.UNARY) {
                    if (as == 1) {
                        DoubleUnary.run(p.op(k), p.p1(k), p.p2(k), aa, dst, 0, m);
                    } else {
                        DoubleUnary.apply(p.op(k), p.p1(k), p.p2(k), aa, ao, 0, dst, 0, m);
                    }
                } else {
                    int b = p.slot(p.operandB(k));
                    double[] bb = reg[b] >= 0 ? r[reg[b]] : in[b];
                    int bo = reg[b] >= 0 ? 0 : layouts[b].offset();
                    int bs = reg[b] >= 0 ? 1 : 0;
                    DoubleBinary.run(p.op(k), aa, ao, as, bb, bo, bs, dst, 0, m);
                }
            }
            if (out != null) {
                System.arraycopy(r[reg[inputs + steps - 1]], 0, out, start, m);
            } else {
                sum += DoubleReduce.sum(r[reg[inputs + steps - 1]], 0, m);
            }
        }
        if (sums != null) {
            sums[part] = sum;
        }
    }

    /**
     * Each thread's registers and scratch, kept between calls: a program runs once per block on
     * a thread, and never inside another, so one set per thread is enough, and a compiled
     * graph's fused nodes allocate nothing. The calling thread's object also holds the run's
     * arguments while it runs, as the range body every thread calls.
     */
    private static final class Work implements Parallel.RangeBody {
        double[][] registers = new double[0][];
        double[][] slots = new double[0][];
        int[] index = new int[0];
        private int[] mode = new int[0];
        private double[] sums = new double[0];
        private ElementwiseProgram p;
        private double[][] in;
        private Layout[] layouts;
        private int[] shape;
        private int[] reg;
        private double[] out;
        private int n;
        private int parts;

        int[] mode(int inputs) {
            if (mode.length < inputs) {
                mode = new int[inputs];
            }
            return mode;
        }

        double[] sums(int count) {
            if (sums.length < count) {
                sums = new double[count];
            }
            return sums;
        }

        void set(ElementwiseProgram p, double[][] in, Layout[] layouts, int[] shape, int[] reg, int n) {
            this.p = p;
            this.in = in;
            this.layouts = layouts;
            this.shape = shape;
            this.reg = reg;
            this.n = n;
        }

        /** Drops the run's arrays, so that a thread keeps no caller's data alive. */
        void clear() {
            Arrays.fill(slots, null);
            p = null;
            in = null;
            layouts = null;
            shape = null;
            reg = null;
            out = null;
        }

        @Override
        public void apply(int lo, int hi) {
            if (out != null) {
                range(p, in, layouts, shape, mode, reg, out, lo, hi, null, 0);
                return;
            }
            for (int c = lo; c < hi; c++) {
                range(p, in, layouts, shape, mode, reg, null, (int) ((long) n * c / parts),
                        (int) ((long) n * (c + 1) / parts), sums, c);
            }
        }
    }

    private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

    private static double[][] registers(Work w, int count) {
        if (w.registers.length < count) {
            w.registers = new double[count][BLOCK];
        }
        return w.registers;
    }

    /**
     * {@code dst[0 .. m)} = the elements of flat output positions {@code [start, start + m)} read
     * through {@code l}. The trailing dims that continue the last one's stride (or have size 1)
     * are read as one: a per-channel bias {@code [C, 1, 1]} broadcast over {@code [N, C, H, W]} is
     * runs of {@code H*W} equal values, filled at once, not runs of {@code W}. A bias add and ReLU
     * of [1, 128, 28, 28] took 92-95 us on one thread before, 49-60 after; of [1, 512, 7, 7] 31-42
     * before, 15-19 after (JDK 17; Temurin 25: 79 -> 53 and 38 -> 16).
     */
    private static void gather(double[] src, Layout l, int start, int m, double[] dst, int[] index) {
        int[] shape = l.shape();
        int[] strides = l.strides();
        int last = shape.length - 1;
        int st = strides[last];
        int inner = shape[last];
        int k = last; // dims [k, last] are read as one of size inner
        while (k > 0 && (shape[k - 1] == 1 || (long) st * inner == strides[k - 1])) {
            inner *= shape[k - 1];
            k--;
        }
        int rem = start;
        int at = rem % inner;
        rem /= inner;
        int pos = l.offset() + at * st;
        for (int d = k - 1; d >= 0; d--) {
            index[d] = rem % shape[d];
            rem /= shape[d];
            pos += index[d] * strides[d];
        }
        for (int i = 0; i < m; ) {
            int run = Math.min(m - i, inner - at);
            if (st == 1) {
                System.arraycopy(src, pos, dst, i, run);
            } else if (st == 0) {
                Arrays.fill(dst, i, i + run, src[pos]);
            } else {
                for (int j = 0; j < run; j++) dst[i + j] = src[pos + j * st];
            }
            i += run;
            pos += run * st;
            at += run;
            if (at == inner) {
                // Carry into the outer dims.
                pos -= inner * st;
                at = 0;
                for (int d = k - 1; d >= 0; d--) {
                    index[d]++;
                    pos += strides[d];
                    if (index[d] < shape[d]) {
                        break;
                    }
                    pos -= shape[d] * strides[d];
                    index[d] = 0;
                }
            }
        }
    }
}
