package dev.walnut.backend.cpu;

import dev.walnut.backend.BinaryOp;
import dev.walnut.DType;
import dev.walnut.backend.Backend;
import dev.walnut.backend.ElementwiseProgram;
import dev.walnut.backend.Layout;
import dev.walnut.backend.Storage;
import java.util.Arrays;

/**
 * The pure-Java back end: {@link Backend} over heap arrays ({@link CpuStorage}). Each method
 * switches on the dtype once and hands the typed arrays to a monomorphic kernel (scalar, or the
 * Vector API provider where one is loaded); large work splits across the shared fork-join pool.
 *
 * <pre>{@code
 * Backend cpu = CpuBackend.INSTANCE;
 * Storage s = cpu.full(DType.F32, 4, 1.0);
 * }</pre>
 */
public final class CpuBackend implements Backend {
    /** The one instance. */
    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {
    }

    private static Object a(Storage s) {
        return ((CpuStorage) s).array;
    }

    private static CpuStorage wrap(Object array, DType dtype) {
        return new CpuStorage(array, dtype);
    }

    // ------------------------------------------------------------------ storage

    @Override
    public Storage allocate(DType dtype, int n) {
        return wrap(switch (dtype) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case BOOL -> new boolean[n];
        }, dtype);
    }

    @Override
    public Storage full(DType dtype, int n, double value) {
        Storage s = allocate(dtype, n);
        // A new array is already +0.0; -0.0 == 0.0, yet a float tensor full of -0.0 keeps the sign.
        boolean zeros = dtype.isFloatingPoint() ? Double.doubleToRawLongBits(value) == 0L : value == 0.0;
        if (!zeros) {
            switch (dtype) {
                case F32 -> Arrays.fill((float[]) a(s), (float) value);
                case F64 -> Arrays.fill((double[]) a(s), value);
                case I32 -> Arrays.fill((int[]) a(s), (int) value);
                case I64 -> Arrays.fill((long[]) a(s), (long) value);
                case BOOL -> Arrays.fill((boolean[]) a(s), true);
            }
        }
        return s;
    }

    @Override
    public Storage fromArray(Object array) {
        DType dt;
        if (array instanceof float[]) {
            dt = DType.F32;
        } else if (array instanceof double[]) {
            dt = DType.F64;
        } else if (array instanceof int[]) {
            dt = DType.I32;
        } else if (array instanceof long[]) {
            dt = DType.I64;
        } else if (array instanceof boolean[]) {
            dt = DType.BOOL;
        } else {
            throw new IllegalArgumentException("fromArray: expected a float[], double[], int[], long[] or boolean[], got "
                    + (array == null ? "null" : array.getClass().getTypeName()));
        }
        return wrap(array, dt);
    }

    @Override
    public Object toArray(Storage s, int off, int n) {
        Object src = a(s);
        Object out = a(allocate(s.dtype(), n));
        System.arraycopy(src, off, out, 0, n);
        return out;
    }

    @Override
    public double getDouble(Storage s, int i) {
        Object d = a(s);
        return switch (s.dtype()) {
            case F32 -> ((float[]) d)[i];
            case F64 -> ((double[]) d)[i];
            case I32 -> ((int[]) d)[i];
            case I64 -> ((long[]) d)[i];
            case BOOL -> ((boolean[]) d)[i] ? 1.0 : 0.0;
        };
    }

    @Override
    public long getLong(Storage s, int i) {
        Object d = a(s);
        return switch (s.dtype()) {
            case F32 -> (long) ((float[]) d)[i];
            case F64 -> (long) ((double[]) d)[i];
            case I32 -> ((int[]) d)[i];
            case I64 -> ((long[]) d)[i];
            case BOOL -> ((boolean[]) d)[i] ? 1L : 0L;
        };
    }

    @Override
    public void setDouble(Storage s, int i, double v) {
        Object d = a(s);
        switch (s.dtype()) {
            case F32 -> ((float[]) d)[i] = (float) v;
            case F64 -> ((double[]) d)[i] = v;
            case I32 -> ((int[]) d)[i] = (int) v;
            case I64 -> ((long[]) d)[i] = (long) v;
            case BOOL -> ((boolean[]) d)[i] = v != 0;
        }
    }

    @Override
    public void copy(Storage src, Layout from, Storage dst, Layout to) {
        CopyKernels.copy(a(src), from.offset(), from.shape(), from.strides(), a(dst), to.offset(), to.strides());
    }

    @Override
    public void fill(Storage dst, Layout to, double value) {
        if (dst.dtype().isIntegral()) {
            CopyKernels.fill(a(dst), to.offset(), to.shape(), to.strides(), (long) value);
        } else {
            CopyKernels.fill(a(dst), to.offset(), to.shape(), to.strides(), value);
        }
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public Storage unary(int op, double p1, double p2, Storage x, int off, int n) {
        Storage out = allocate(x.dtype(), n);
        unaryInto(op, p1, p2, x, off, n, out, 0);
        return out;
    }

    @Override
    public void unaryInto(int op, double p1, double p2, Storage x, int off, int n, Storage out, int outOff) {
        DType dt = x.dtype();
        Object in = a(x);
        Object o = a(out);
        switch (dt) {
            case F32 -> ElementwiseKernels.unary(op, p1, p2, (float[]) in, off, 1, (float[]) o, outOff, n);
            case F64 -> ElementwiseKernels.unary(op, p1, p2, (double[]) in, off, 1, (double[]) o, outOff, n);
            case I32 -> ElementwiseKernels.unary(op, p1, p2, (int[]) in, off, 1, (int[]) o, outOff, n);
            case I64 -> ElementwiseKernels.unary(op, p1, p2, (long[]) in, off, 1, (long[]) o, outOff, n);
            case BOOL -> throw new IllegalArgumentException(ElementwiseKernels.unaryName(op) + ": not defined for bool tensors");
        }
    }

    @Override
    public Storage binary(int op, Storage a, Layout la, Storage b, Layout lb, int[] shape, DType outType) {
        Storage out = allocate(outType, la.numel());
        binaryInto(op, a, la, b, lb, shape, out, 0);
        return out;
    }

    @Override
    public void binaryInto(int op, Storage a, Layout la, Storage b, Layout lb, int[] shape, Storage out, int outOff) {
        DType dt = a.dtype();
        int n = la.numel();
        Object ad = a(a);
        Object bd = a(b);
        Object od = a(out);
        boolean compare = out.dtype() == DType.BOOL && op >= BinaryOp.EQ;
        BinaryRow row = BINARY_ROW.get();
        row.set(op, dt, compare, ad, bd, od, outOff);
        try {
            if (la.isContiguous() && lb.isContiguous()) {
                row.run(la.offset(), 1, lb.offset(), 1, 0, 0, 0, n);
            } else {
                Loops.forEachRow(shape, la.strides(), la.offset(), lb.strides(), lb.offset(), null, 0, row);
            }
        } finally {
            row.clear();
        }
    }

    /**
     * A binary op's row body, one per thread, refilled per call: a binary kernel allocates
     * nothing (a capturing lambda would be an object per call), which a compiled graph's runs
     * need. The caller waits for every row, so the fields stay put while threads read them.
     */
    private static final class BinaryRow implements Loops.Row {
        private int op;
        private DType dt;
        private boolean compare;
        private Object a;
        private Object b;
        private Object out;
        private int outOff;

        void set(int op, DType dt, boolean compare, Object a, Object b, Object out, int outOff) {
            this.op = op;
            this.dt = dt;
            this.compare = compare;
            this.a = a;
            this.b = b;
            this.out = out;
            this.outOff = outOff;
        }

        void clear() {
            a = b = out = null; // keep no caller's arrays alive
        }

        @Override
        public void run(int ao, int as, int bo, int bs, int co, int cs, int oo, int len) {
            if (compare) {
                runCompare(op, dt, a, ao, as, b, bo, bs, (boolean[]) out, outOff + oo, len);
            } else {
                runBinary(op, dt, a, ao, as, b, bo, bs, out, outOff + oo, len);
            }
        }
    }

    private static final ThreadLocal<BinaryRow> BINARY_ROW = ThreadLocal.withInitial(BinaryRow::new);

    @Override
    public void addInto(Storage target, Layout lt, Storage other, Layout lo) {
        DType dt = target.dtype();
        Object td = a(target);
        Object od = a(other);
        int base = lt.offset();
        // Each element is read and then written at the same index, so reading the target while
        // writing it is safe.
        if (lo.isContiguous()) {
            runBinary(BinaryOp.ADD, dt, td, base, 1, od, lo.offset(), 1, td, base, lt.numel());
        } else {
            Loops.forEachRow(lt.shape(), lt.strides(), base, lo.strides(), lo.offset(), null, 0,
                    (ao, as, bo, bs, co, cs, oo, len) -> runBinary(BinaryOp.ADD, dt, td, ao, as, od, bo, bs, td, base + oo,
                            len));
        }
    }

    private static void runBinary(int op, DType dt, Object a, int ao, int as, Object b, int bo, int bs, Object out, int oo,
                                  int n) {
        switch (dt) {
            case F32 -> ElementwiseKernels.binary(op, (float[]) a, ao, as, (float[]) b, bo, bs, (float[]) out, oo, n);
            case F64 -> ElementwiseKernels.binary(op, (double[]) a, ao, as, (double[]) b, bo, bs, (double[]) out, oo, n);
            case I32 -> ElementwiseKernels.binary(op, (int[]) a, ao, as, (int[]) b, bo, bs, (int[]) out, oo, n);
            case I64 -> ElementwiseKernels.binary(op, (long[]) a, ao, as, (long[]) b, bo, bs, (long[]) out, oo, n);
            case BOOL -> ElementwiseKernels.logical(op, (boolean[]) a, ao, as, (boolean[]) b, bo, bs, (boolean[]) out, oo, n);
        }
    }

    private static void runCompare(int op, DType dt, Object a, int ao, int as, Object b, int bo, int bs, boolean[] out,
                                   int oo, int n) {
        switch (dt) {
            case F32 -> ElementwiseKernels.compare(op, (float[]) a, ao, as, (float[]) b, bo, bs, out, oo, n);
            case F64 -> ElementwiseKernels.compare(op, (double[]) a, ao, as, (double[]) b, bo, bs, out, oo, n);
            case I32 -> ElementwiseKernels.compare(op, (int[]) a, ao, as, (int[]) b, bo, bs, out, oo, n);
            case I64 -> ElementwiseKernels.compare(op, (long[]) a, ao, as, (long[]) b, bo, bs, out, oo, n);
            case BOOL -> ElementwiseKernels.compare(op, (boolean[]) a, ao, as, (boolean[]) b, bo, bs, out, oo, n);
        }
    }

    @Override
    public Storage where(Storage cond, Layout lc, Storage a, Layout la, Storage b, Layout lb, int[] shape) {
        Storage out = allocate(a.dtype(), la.numel());
        whereInto(cond, lc, a, la, b, lb, shape, out, 0);
        return out;
    }

    @Override
    public void whereInto(Storage cond, Layout lc, Storage a, Layout la, Storage b, Layout lb, int[] shape, Storage out,
                          int outOff) {
        DType dt = a.dtype();
        boolean[] cd = (boolean[]) a(cond);
        Object ad = a(a);
        Object bd = a(b);
        Object od = a(out);
        WhereRow row = WHERE_ROW.get();
        row.set(dt, cd, ad, bd, od, outOff);
        try {
            Loops.forEachRow(shape, lc.strides(), lc.offset(), la.strides(), la.offset(), lb.strides(), lb.offset(), row);
        } finally {
            row.clear();
        }
    }

    /** where()'s row body, one per thread like {@link BinaryRow}. */
    private static final class WhereRow implements Loops.Row {
        private DType dt;
        private boolean[] cd;
        private Object ad;
        private Object bd;
        private Object od;
        private int outOff;

        void set(DType dt, boolean[] cd, Object ad, Object bd, Object od, int outOff) {
            this.dt = dt;
            this.cd = cd;
            this.ad = ad;
            this.bd = bd;
            this.od = od;
            this.outOff = outOff;
        }

        void clear() {
            cd = null; // keep no caller's arrays alive
            ad = bd = od = null;
        }

        @Override
        public void run(int co, int cs, int ao, int as, int bo, int bs, int oo, int len) {
            switch (dt) {
                case F32 -> ElementwiseKernels.where(cd, co, cs, (float[]) ad, ao, as, (float[]) bd, bo, bs, (float[]) od, outOff + oo, len);
                case F64 -> ElementwiseKernels.where(cd, co, cs, (double[]) ad, ao, as, (double[]) bd, bo, bs, (double[]) od, outOff + oo, len);
                case I32 -> ElementwiseKernels.where(cd, co, cs, (int[]) ad, ao, as, (int[]) bd, bo, bs, (int[]) od, outOff + oo, len);
                case I64 -> ElementwiseKernels.where(cd, co, cs, (long[]) ad, ao, as, (long[]) bd, bo, bs, (long[]) od, outOff + oo, len);
                case BOOL -> ElementwiseKernels.where(cd, co, cs, (boolean[]) ad, ao, as, (boolean[]) bd, bo, bs, (boolean[]) od, outOff + oo, len);
            }
        }
    }

    private static final ThreadLocal<WhereRow> WHERE_ROW = ThreadLocal.withInitial(WhereRow::new);

    @Override
    public Storage thresholdBackward(Storage g, int gOff, Storage x, int xOff, int n, double threshold) {
        Storage out = allocate(g.dtype(), n);
        thresholdBackwardInto(g, gOff, x, xOff, n, threshold, out);
        return out;
    }

    @Override
    public void thresholdBackwardInto(Storage g, int gOff, Storage x, int xOff, int n, double threshold, Storage out) {
        if (g.dtype() == DType.F32) {
            ElementwiseKernels.thresholdBackward((float[]) a(g), gOff, (float[]) a(x), xOff, threshold, (float[]) a(out), n);
        } else {
            ElementwiseKernels.thresholdBackward((double[]) a(g), gOff, (double[]) a(x), xOff, threshold, (double[]) a(out),
                    n);
        }
    }

    @Override
    public Storage logicalNot(Storage x, int off, int n) {
        Storage out = allocate(DType.BOOL, n);
        ElementwiseKernels.logicalNot((boolean[]) a(x), off, 1, (boolean[]) a(out), 0, n);
        return out;
    }

    @Override
    public Storage elementwise(ElementwiseProgram program, Storage[] inputs, Layout[] layouts, int[] shape) {
        Storage out = allocate(inputs.length == 0 ? DType.F32 : inputs[0].dtype(),
                program.sumsResult() ? 1 : Layout.contiguous(shape).numel());
        elementwiseInto(program, inputs, layouts, shape, out);
        return out;
    }

    @Override
    public void elementwiseInto(ElementwiseProgram program, Storage[] inputs, Layout[] layouts, int[] shape, Storage out) {
        DType dt = inputs[0].dtype();
        if (inputs.length != program.inputs() || layouts.length != inputs.length) {
            throw new IllegalArgumentException("elementwise: the program reads " + program.inputs() + " inputs, got "
                    + inputs.length + " storages and " + layouts.length + " layouts");
        }
        for (Storage s : inputs) {
            if (s.dtype() != dt || !dt.isFloatingPoint()) {
                throw new IllegalArgumentException("elementwise: fused programs run on F32 or F64 inputs of one dtype, got "
                        + Arrays.stream(inputs).map(Storage::dtype).toList());
            }
        }
        if (out.dtype() != dt) {
            throw new IllegalArgumentException("elementwise: the output storage is " + out.dtype() + ", the inputs " + dt);
        }
        // The runners' own per-thread slots (at least as many as the inputs), emptied after the run.
        if (dt == DType.F32) {
            float[][] in = FloatFusedElementwise.inputSlots(inputs.length);
            for (int i = 0; i < inputs.length; i++) {
                in[i] = (float[]) a(inputs[i]);
            }
            FloatFusedElementwise.run(program, in, layouts, shape, (float[]) a(out));
        } else {
            double[][] in = DoubleFusedElementwise.inputSlots(inputs.length);
            for (int i = 0; i < inputs.length; i++) {
                in[i] = (double[]) a(inputs[i]);
            }
            DoubleFusedElementwise.run(program, in, layouts, shape, (double[]) a(out));
        }
    }

    // ------------------------------------------------------------------ reductions, scans, sorting

    @Override
    public Storage reduce(int rop, Storage x, int off, int outer, int len, int inner, DType outType) {
        Storage out = allocate(outType, outer * inner);
        reduceInto(rop, x, off, outer, len, inner, out, 0);
        return out;
    }

    @Override
    public void reduceInto(int rop, Storage x, int off, int outer, int len, int inner, Storage out, int outOff) {
        DType outType = out.dtype();
        Object in = a(x);
        Object o = a(out);
        switch (x.dtype()) {
            case F32 -> ReduceKernels.reduce(rop, (float[]) in, off, outer, len, inner, (float[]) o, outOff);
            case F64 -> ReduceKernels.reduce(rop, (double[]) in, off, outer, len, inner, (double[]) o, outOff);
            case I64 -> ReduceKernels.reduce(rop, (long[]) in, off, outer, len, inner, (long[]) o, outOff);
            case I32 -> {
                if (outType == DType.I64) {
                    ReduceKernels.reduce(rop, (int[]) in, off, outer, len, inner, (long[]) o, outOff);
                } else {
                    ReduceKernels.reduce(rop, (int[]) in, off, outer, len, inner, (int[]) o, outOff);
                }
            }
            case BOOL -> {
                if (outType == DType.I64) {
                    ReduceKernels.reduce(rop, (boolean[]) in, off, outer, len, inner, (long[]) o, outOff);
                } else {
                    ReduceKernels.reduce(rop, (boolean[]) in, off, outer, len, inner, (boolean[]) o, outOff);
                }
            }
        }
    }

    @Override
    public Storage[] argReduce(int rop, Storage x, int off, int outer, int len, int inner) {
        int n = outer * inner;
        Storage values = allocate(x.dtype(), n);
        Storage idx = allocate(DType.I64, n);
        long[] id = (long[]) a(idx);
        Object in = a(x);
        Object v = a(values);
        switch (x.dtype()) {
            case F32 -> ReduceKernels.argReduce(rop, (float[]) in, off, outer, len, inner, (float[]) v, 0, id, 0);
            case F64 -> ReduceKernels.argReduce(rop, (double[]) in, off, outer, len, inner, (double[]) v, 0, id, 0);
            case I32 -> ReduceKernels.argReduce(rop, (int[]) in, off, outer, len, inner, (int[]) v, 0, id, 0);
            case I64 -> ReduceKernels.argReduce(rop, (long[]) in, off, outer, len, inner, (long[]) v, 0, id, 0);
            case BOOL -> throw new IllegalArgumentException("argReduce: not supported for bool tensors");
        }
        return new Storage[] {values, idx};
    }

    @Override
    public Storage logSumExp(Storage x, int off, int outer, int len, int inner) {
        Storage out = allocate(x.dtype(), outer * inner);
        if (x.dtype() == DType.F32) {
            ReduceKernels.logSumExp((float[]) a(x), off, outer, len, inner, (float[]) a(out), 0);
        } else {
            ReduceKernels.logSumExp((double[]) a(x), off, outer, len, inner, (double[]) a(out), 0);
        }
        return out;
    }

    @Override
    public Storage softmax(Storage x, int off, int outer, int len, int inner, boolean log) {
        Storage out = allocate(x.dtype(), outer * len * inner);
        softmaxInto(x, off, outer, len, inner, log, out, 0);
        return out;
    }

    @Override
    public void attentionInto(Storage q, Layout lq, Storage k, Layout lk, Storage v, Layout lv, float scale, Storage out,
                              int outOff) {
        int[] shape = lq.shape();
        boolean headsLast = shape.length == 4;
        int batches = shape[0];
        int heads = headsLast ? shape[2] : 1;
        int l = shape[1];
        int s = lk.shape()[1];
        int dv = lv.shape()[lv.shape().length - 1];
        // Out is contiguous [B, L, dv] or [B, L, H, dv]: {batch, head, row} strides.
        int[] os = headsLast ? new int[] {l * heads * dv, dv, heads * dv} : new int[] {l * dv, 0, dv};
        AttentionKernels.attention(batches, heads, l, s, shape[shape.length - 1], dv, scale, (float[]) a(q), lq.offset(),
                attentionStrides(lq), (float[]) a(k), lk.offset(), attentionStrides(lk), (float[]) a(v), lv.offset(),
                attentionStrides(lv), (float[]) a(out), outOff, os);
    }

    /** {batch, head, row, column} strides of a 3-d [B, L, d] or heads-last 4-d [B, L, H, d] operand. */
    private static int[] attentionStrides(Layout l) {
        int[] st = l.strides();
        return st.length == 4 ? new int[] {st[0], st[2], st[1], st[3]} : new int[] {st[0], 0, st[1], st[2]};
    }

    @Override
    public void layerNormInto(Storage x, int xOff, Storage r, int rOff, Storage w, int wOff, Storage b, int bOff, int rows,
                              int n, double eps, Storage out, int outOff) {
        NormKernels.layerNorm((float[]) a(x), xOff, r == null ? null : (float[]) a(r), rOff, w == null ? null : (float[]) a(w),
                wOff, b == null ? null : (float[]) a(b), bOff, rows, n, eps, (float[]) a(out), outOff);
    }

    @Override
    public void softmaxInto(Storage x, int off, int outer, int len, int inner, boolean log, Storage out, int outOff) {
        if (x.dtype() == DType.F32) {
            ReduceKernels.softmax((float[]) a(x), off, outer, len, inner, (float[]) a(out), outOff, log);
        } else {
            ReduceKernels.softmax((double[]) a(x), off, outer, len, inner, (double[]) a(out), outOff, log);
        }
    }

    @Override
    public Storage scan(Storage x, int off, int outer, int len, int inner, boolean prod) {
        DType dt = x.dtype();
        Storage s = allocate(dt, outer * len * inner);
        Object in = a(x);
        Object o = a(s);
        switch (dt) {
            case F32 -> {
                if (prod) {
                    ScanKernels.cumprod((float[]) in, off, outer, len, inner, (float[]) o);
                } else {
                    ScanKernels.cumsum((float[]) in, off, outer, len, inner, (float[]) o);
                }
            }
            case F64 -> {
                if (prod) {
                    ScanKernels.cumprod((double[]) in, off, outer, len, inner, (double[]) o);
                } else {
                    ScanKernels.cumsum((double[]) in, off, outer, len, inner, (double[]) o);
                }
            }
            case I64 -> {
                if (prod) {
                    ScanKernels.cumprod((long[]) in, off, outer, len, inner, (long[]) o);
                } else {
                    ScanKernels.cumsum((long[]) in, off, outer, len, inner, (long[]) o);
                }
            }
            default -> throw new IllegalArgumentException("scan: expects F32, F64 or I64, got " + dt);
        }
        return s;
    }

    @Override
    public Storage argsort(Storage x, int off, int outer, int len, int inner, boolean descending) {
        long[] perm = new long[outer * len * inner];
        Object in = a(x);
        switch (x.dtype()) {
            case F32 -> SortKernels.argsort((float[]) in, off, outer, len, inner, descending, perm);
            case F64 -> SortKernels.argsort((double[]) in, off, outer, len, inner, descending, perm);
            case I32 -> SortKernels.argsort((int[]) in, off, outer, len, inner, descending, perm);
            case I64 -> SortKernels.argsort((long[]) in, off, outer, len, inner, descending, perm);
            case BOOL -> SortKernels.argsort((boolean[]) in, off, outer, len, inner, descending, perm);
        }
        return wrap(perm, DType.I64);
    }

    @Override
    public Storage takeSorted(Storage x, int off, int outer, int len, int inner, Storage perm, int k) {
        Storage s = allocate(x.dtype(), outer * k * inner);
        SortKernels.gather(a(x), off, outer, len, inner, (long[]) a(perm), len, k, a(s));
        return s;
    }

    @Override
    public Storage invertPermutation(Storage perm, int outer, int len, int inner) {
        return wrap(SortKernels.invert((long[]) a(perm), outer, len, inner), DType.I64);
    }

    // ------------------------------------------------------------------ linear algebra

    @Override
    public Storage matmul(Storage a, Layout la, Storage b, Layout lb) {
        int ra = la.shape().length;
        int batches = 1;
        for (int d = 0; d < ra - 2; d++) {
            batches *= la.shape()[d];
        }
        Storage out = allocate(a.dtype(), batches * la.shape()[ra - 2] * lb.shape()[lb.shape().length - 1]);
        matmulInto(a, la, b, lb, out, 0);
        return out;
    }

    @Override
    public void matmulInto(Storage a, Layout la, Storage b, Layout lb, Storage out, int outOff) {
        DType dt = a.dtype();
        int ra = la.shape().length;
        int rb = lb.shape().length;
        int m = la.shape()[ra - 2];
        int k = la.shape()[ra - 1];
        int n = lb.shape()[rb - 1];
        int[] sa = la.strides();
        int[] sb = lb.strides();
        int aRs = sa[ra - 2];
        int aCs = sa[ra - 1];
        int bRs = sb[rb - 2];
        int bCs = sb[rb - 1];
        Object ad = a(a);
        Object bd = a(b);
        Object od = a(out);
        if (ra == 2 && k != 1) {
            // One product: no batch index and no lambda, so a preallocating executor allocates nothing here.
            gemm(dt, m, n, k, ad, la.offset(), aRs, aCs, bd, lb.offset(), bRs, bCs, od, outOff);
            return;
        }
        int[] batch = Arrays.copyOf(la.shape(), ra - 2);
        int batches = 1;
        for (int size : batch) {
            batches *= size;
        }
        if (k == 1 && (dt == DType.F32 || dt == DType.F64)) {
            // Outer products (vmap's per-sample weight gradients): store-bound, no packing.
            OuterProducts.batched(ad, la.offset(), aRs, sa, bd, lb.offset(), bCs, sb, batch, od, outOff, m, n);
            return;
        }
        if (batches > 1 && (dt == DType.F32 || dt == DType.F64) && broadcastAcross(batch, sb)) {
            // One B for every batch item (x [B, T, k] times a weight [k, n]): fold the batch into
            // the rows of one product, so B is packed once and the GEMM sees a tall A it can split
            // across threads, instead of packing B again for each of many short products.
            int rows = batches * m;
            int rs = foldedRowStride(batch, sa, m, aRs);
            Object rowData = ad;
            int ao = la.offset();
            int cs = aCs;
            if (rs == UNEVEN) {
                // A's rows are not one stride apart (a permuted [T, B, k] view): gather them into
                // [rows, k] first, O(rows * k) next to the product's O(rows * k * n).
                rowData = gatherRows(dt, ad, la.offset(), batch, sa, m, k, aRs, aCs);
                ao = 0;
                rs = k;
                cs = 1;
            }
            gemm(dt, rows, n, k, rowData, ao, rs, cs, bd, lb.offset(), bRs, bCs, od, outOff);
            return;
        }
        Parallel.RangeBody body = (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int rem = t;
                int ao = la.offset();
                int bo = lb.offset();
                for (int d = batch.length - 1; d >= 0; d--) {
                    int i = rem % batch[d];
                    rem /= batch[d];
                    ao += i * sa[d];
                    bo += i * sb[d];
                }
                gemm(dt, m, n, k, ad, ao, aRs, aCs, bd, bo, bRs, bCs, od, outOff + t * m * n);
            }
        };
        long work = (long) m * n * k;
        if (batches > 1 && work < Gemm.PARALLEL_MIN) {
            // Products too small for the GEMM to split (attention's [B*h, T, d] x [B*h, d, T]):
            // split across batch items instead; each GEMM then runs single-threaded.
            Parallel.forRange(batches, (int) Math.max(1, (1L << 18) / Math.max(work, 1)), body);
        } else {
            body.apply(0, batches);
        }
    }

    /** One {@code [m, k] x [k, n]} product of dtype {@code dt} into the row-major C at {@code co}. */
    private static void gemm(DType dt, int m, int n, int k, Object ad, int ao, int aRs, int aCs, Object bd, int bo,
                             int bRs, int bCs, Object od, int co) {
        switch (dt) {
            case F32 -> Gemm.sgemm(m, n, k, 1f, (float[]) ad, ao, aRs, aCs, (float[]) bd, bo, bRs, bCs, (float[]) od, co, n,
                    false);
            case F64 -> Gemm.dgemm(m, n, k, 1.0, (double[]) ad, ao, aRs, aCs, (double[]) bd, bo, bRs, bCs, (double[]) od, co,
                    n, false);
            default -> integerGemm(m, n, k, ad, ao, aRs, aCs, bd, bo, bRs, bCs, od, co);
        }
    }

    /** True when every batch dim of size above 1 has stride 0: the same matrix for every batch item. */
    private static boolean broadcastAcross(int[] batch, int[] strides) {
        for (int d = 0; d < batch.length; d++) {
            if (batch[d] > 1 && strides[d] != 0) {
                return false;
            }
        }
        return true;
    }

    /** {@link #foldedRowStride}'s answer when A's rows are not evenly spaced (any real stride is larger). */
    private static final int UNEVEN = Integer.MIN_VALUE;

    /**
     * The one stride between consecutive rows of A's batch dims and its m rows taken together
     * (row {@code r = t * m + i} at {@code offset + r * stride}), or {@link #UNEVEN}. Dims of
     * size 1 have no say.
     */
    private static int foldedRowStride(int[] batch, int[] sa, int m, int aRs) {
        boolean found = m > 1; // whether an inner dim of size > 1 has fixed the stride yet
        int stride = m > 1 ? aRs : 0;
        long next = (long) aRs * m; // where the next outer dim of size > 1 must step
        for (int d = batch.length - 1; d >= 0; d--) {
            if (batch[d] == 1) {
                continue;
            }
            if (!found) {
                stride = sa[d];
                found = true;
            } else if (sa[d] != next) {
                return UNEVEN;
            }
            next = (long) sa[d] * batch[d];
        }
        return stride;
    }

    /** A's rows over its batch dims and m, gathered contiguously: [batches * m, k]. */
    private static Object gatherRows(DType dt, Object a, int off, int[] batch, int[] sa, int m, int k, int aRs, int aCs) {
        int batches = 1;
        for (int size : batch) {
            batches *= size;
        }
        int size = Math.multiplyExact(Math.multiplyExact(batches, m), k);
        Object dst = dt == DType.F32 ? new float[size] : new double[size];
        for (int t = 0; t < batches; t++) {
            int rem = t;
            int ao = off;
            for (int d = batch.length - 1; d >= 0; d--) {
                ao += (rem % batch[d]) * sa[d];
                rem /= batch[d];
            }
            for (int i = 0; i < m; i++) {
                int src = ao + i * aRs;
                int to = (t * m + i) * k;
                if (aCs == 1) {
                    System.arraycopy(a, src, dst, to, k);
                } else if (dt == DType.F32) {
                    float[] s = (float[]) a;
                    float[] o = (float[]) dst;
                    for (int p = 0; p < k; p++) {
                        o[to + p] = s[src + p * aCs];
                    }
                } else {
                    double[] s = (double[]) a;
                    double[] o = (double[]) dst;
                    for (int p = 0; p < k; p++) {
                        o[to + p] = s[src + p * aCs];
                    }
                }
            }
        }
        return dst;
    }

    private static void integerGemm(int m, int n, int k, Object a, int ao, int aRs, int aCs, Object b, int bo, int bRs,
                                    int bCs, Object out, int co) {
        // Integer matmul is rare and never hot; a plain loop keeps it exact (no float rounding).
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long acc = 0;
                for (int p = 0; p < k; p++) {
                    int ia = ao + i * aRs + p * aCs;
                    int ib = bo + p * bRs + j * bCs;
                    acc += a instanceof long[] la ? la[ia] * ((long[]) b)[ib] : (long) ((int[]) a)[ia] * ((int[]) b)[ib];
                }
                if (out instanceof long[] lo) {
                    lo[co + i * n + j] = acc;
                } else {
                    ((int[]) out)[co + i * n + j] = (int) acc;
                }
            }
        }
    }

    @Override
    public Storage batchSumOfProducts(Storage g, Layout lg, Storage y, Layout ly) {
        int batches = lg.shape()[0];
        int m = lg.shape()[1];
        int l = lg.shape()[2];
        int k = ly.shape()[1];
        int[] gs = lg.strides();
        int[] ys = ly.strides();
        Storage out = allocate(g.dtype(), m * k);
        for (int t = 0; t < batches; t++) {
            int go = lg.offset() + t * gs[0];
            int yo = ly.offset() + t * ys[0];
            // B = y[t]^T: element (p, j) is y[t, j, p].
            if (g.dtype() == DType.F32) {
                Gemm.sgemm(m, k, l, 1f, (float[]) a(g), go, gs[1], gs[2], (float[]) a(y), yo, ys[2], ys[1],
                        (float[]) a(out), 0, k, t > 0);
            } else {
                Gemm.dgemm(m, k, l, 1.0, (double[]) a(g), go, gs[1], gs[2], (double[]) a(y), yo, ys[2], ys[1],
                        (double[]) a(out), 0, k, t > 0);
            }
        }
        return out; // zero (a fresh array) when there are no batch items
    }

    // ------------------------------------------------------------------ windows

    /** Largest product depth C_in * kH * kW (also below C_out) for the direct convolution kernels. */
    static final int DIRECT_MAX_DEPTH = 27;

    /**
     * Whether convolutions may run channel-blocked ({@link BlockedConvKernels}); system
     * property {@code walnut.blockedConv=false} turns it off. Not final so that a measurement in
     * this package can compare both paths in one JVM (this host's speed moves by a third between
     * JVMs).
     */
    static volatile boolean blockedConv = !"false".equalsIgnoreCase(System.getProperty("walnut.blockedConv"));

    /** Most input channels of a deeper product that still runs direct (a phase-split first layer: 4 channels x 2 x 2 phases). */
    static final int DIRECT_MAX_CHANNELS = 16;

    /** Largest product depth on those few channels (4 channels x 2 x 2 phases x a 4 x 4 kernel: ResNet's split 7x7 stem). */
    static final int DIRECT_MAX_CHANNEL_DEPTH = 256;

    /** Most channels of a strided first layer that runs phase-split (grey, RGB, RGBA). */
    static final int PHASE_SPLIT_MAX_CHANNELS = 4;

    @Override
    public Storage im2col(Storage x, int off, int planes, Im2ColKernels.Geometry g) {
        Storage out = allocate(x.dtype(), planes * g.kernelVolume() * g.blocksVolume());
        im2colInto(x, off, planes, g, out);
        return out;
    }

    @Override
    public void im2colInto(Storage x, int off, int planes, Im2ColKernels.Geometry g, Storage out) {
        Im2ColKernels.im2col(a(x), off, a(out), planes, g);
    }

    @Override
    public Storage col2im(Storage cols, int off, int planes, Im2ColKernels.Geometry g) {
        Storage out = allocate(cols.dtype(), planes * g.planeSize());
        Im2ColKernels.col2im(a(cols), off, a(out), planes, g);
        return out;
    }

    /**
     * The direct kernels: for a product depth {@code C_in kH kW} of at most 27 below {@code C_out},
     * and for up to 16 input channels at any depth up to 256 when {@code C_out} fills two blocks of
     * eight channels. Their input rows stay in L1 whatever the depth on so few channels, and each
     * loaded vector feeds eight FMAs, while a shifted GEMM only {@code C_in} deep per tap packs
     * more than it multiplies.
     */
    private static boolean direct(long cIn, int kh, int kw, long cOut) {
        long ck = cIn * kh * kw;
        return ck < cOut && ck <= DIRECT_MAX_DEPTH
                || cIn <= DIRECT_MAX_CHANNELS && ck <= DIRECT_MAX_CHANNEL_DEPTH && cOut >= 16;
    }

    /**
     * The channel-blocked geometry when the provider has the blocked tile and the convolution has
     * taps to share (a 1x1 convolution takes the pointwise kernel) and whole channel blocks; else
     * null.
     */
    private static BlockedConvKernels.Geometry blocked(int n, int cIn, int h, int wd, int[] pad, int cOut, int kh,
                                                       int kw, int sh, int sw) {
        boolean strided = sh > 1 || sw > 1;
        if (!blockedConv || kh * kw < 2 && !strided) {
            return null;
        }
        return BlockedConvKernels.geometry(KernelProvider.get().blockedConvLanes(), n, cIn, h, wd, pad, cOut, kh, kw,
                sh, sw);
    }

    /**
     * Where the blocked kernel takes it (float32, whole channel blocks): resnet18's strided 3x3
     * and 1x1 layers then skip im2col's copy of every window and its GEMM (the pointwise kernel
     * has no stride).
     */
    @Override
    public boolean stridedConvolutionPays(DType dtype, long cIn, long cOut, int sh, int sw, int kh, int kw) {
        int lanes = KernelProvider.get().blockedConvLanes();
        return blockedConv && dtype == DType.F32 && (sh > 1 || sw > 1) && lanes > 0 && cIn % lanes == 0
                && cOut % (BlockedConvKernels.BLOCKS * lanes) == 0;
    }

    /** For up to 4 input channels when the phase-split convolution runs the direct kernels. */
    @Override
    public boolean phaseSplitConvolutionPays(long cIn, long cOut, int sh, int sw, int kh, int kw) {
        return cIn <= PHASE_SPLIT_MAX_CHANNELS && (sh > 1 || sw > 1)
                && direct(cIn * sh * sw, (kh + sh - 1) / sh, (kw + sw - 1) / sw, cOut);
    }

    /**
     * Always for the direct engine; for the shifted GEMMs only while the full grid holds at most
     * twice as many positions as there are windows (3x3 on 13 x 13: 1.4), since the extra
     * positions cost GEMM work.
     */
    @Override
    public boolean stride1ConvolutionPays(long cIn, long cOut, int h, int w, int kh, int kw) {
        if (direct(cIn, kh, kw, cOut)) {
            return true;
        }
        long windows = (long) (h - kh + 1) * (w - kw + 1);
        return (long) h * w <= 2 * windows;
    }

    /** The elements of {@code s} read through {@code l} in row-major order from index 0 (parameters usually are already). */
    private Object dense(Storage s, Layout l) {
        if (l.offset() == 0 && l.isContiguous()) {
            return a(s);
        }
        Storage c = allocate(s.dtype(), l.numel());
        copy(s, l, c, Layout.contiguous(l.shape()));
        return a(c);
    }

    @Override
    public Storage conv2d(Storage x, int off, Storage w, Layout lw, Storage bias, Layout lb, Storage residual, int rOff,
                          int n, int cIn, int h, int wd, int[] pad, int cOut, int kh, int kw, int sh, int sw, double min,
                          double max) {
        int[] p = pad == null ? new int[4] : pad;
        Storage out = allocate(x.dtype(), n * cOut * ((h + p[0] + p[1] - kh) / sh + 1) * ((wd + p[2] + p[3] - kw) / sw + 1));
        conv2dInto(x, off, w, lw, bias, lb, residual, rOff, n, cIn, h, wd, pad, cOut, kh, kw, sh, sw, min, max, out);
        return out;
    }

    @Override
    public void conv2dInto(Storage x, int off, Storage w, Layout lw, Storage bias, Layout lb, Storage residual, int rOff,
                           int n, int cIn, int h, int wd, int[] pad, int cOut, int kh, int kw, int sh, int sw, double min,
                           double max, Storage out) {
        int[] p = pad == null ? new int[4] : pad;
        int hp = h + p[0] + p[1];
        int wp = wd + p[2] + p[3];
        int outSize = n * cOut * (hp - kh + 1) * (wp - kw + 1);
        Object wv = dense(w, lw);
        Object bv = bias == null ? null : dense(bias, lb);
        var epilogue = new ConvEpilogue(residual == null ? null : a(residual), rOff, min, max);
        if (sh > 1 || sw > 1) {
            var blocked = wv instanceof float[] ? blocked(n, cIn, h, wd, p, cOut, kh, kw, sh, sw) : null;
            if (blocked != null) {
                BlockedConvKernels.forward((float[]) a(x), off,
                        PackedConvWeights.lookupBlocked((CpuStorage) w, lw, (float[]) wv, blocked), (float[]) bv,
                        (float[]) a(out), blocked, epilogue, KernelProvider.get());
            } else {
                stridedIm2col(a(x), off, wv, bv, a(out), n, cIn, h, wd, p, cOut, kh, kw, sh, sw, epilogue);
            }
        } else if (direct(cIn, kh, kw, cOut)) {
            // The direct kernels read a padded input and clamp only; a residual takes a pass of its own.
            boolean padded = hp != h || wp != wd;
            Object xin = padded ? ShiftedGemmConvKernels.padPlanes(a(x), off, n, cIn, h, wd, p, false) : a(x);
            ConvEpilogue inKernel = residual == null ? epilogue : ConvEpilogue.NONE;
            DirectConvKernels.forward(xin, padded ? 0 : off, wv, bv, a(out), n, cIn, hp, wp, cOut, kh, kw, inKernel.min(),
                    inKernel.max());
            if (residual != null) {
                epilogue.apply(a(out), 0, outSize);
            }
        } else {
            var blocked = wv instanceof float[] ? blocked(n, cIn, h, wd, p, cOut, kh, kw, 1, 1) : null;
            if (blocked != null) {
                BlockedConvKernels.forward((float[]) a(x), off,
                        PackedConvWeights.lookupBlocked((CpuStorage) w, lw, (float[]) wv, blocked), (float[]) bv,
                        (float[]) a(out), blocked, epilogue, KernelProvider.get());
            } else {
                Object packed = PackedConvWeights.lookup((CpuStorage) w, lw, wv, n, cIn, h, wd, pad, cOut, kh, kw);
                ShiftedGemmConvKernels.forward(a(x), off, wv, packed, bv, a(out), n, cIn, h, wd, pad, cOut, kh, kw,
                        epilogue);
            }
        }
    }

    /**
     * A strided convolution the blocked kernel does not take (float64, channels off its blocks,
     * no 16-lane vectors): per image, the windows of the padded input unfolded and one GEMM, then
     * bias, residual and clamp.
     */
    private void stridedIm2col(Object x, int off, Object wv, Object bv, Object out, int n, int cIn, int h, int wd,
                               int[] p, int cOut, int kh, int kw, int sh, int sw, ConvEpilogue epilogue) {
        int hp = h + p[0] + p[1];
        int wp = wd + p[2] + p[3];
        int oh = (hp - kh) / sh + 1;
        int ow = (wp - kw) / sw + 1;
        int positions = oh * ow;
        int depth = cIn * kh * kw;
        boolean padded = hp != h || wp != wd;
        Object xin = padded ? ShiftedGemmConvKernels.padPlanes(x, off, n, cIn, h, wd, p, false) : x;
        int xOff = padded ? 0 : off;
        var g = new Im2ColKernels.Geometry(new int[] {hp, wp}, new int[] {oh, ow}, new int[] {kh, kw},
                new int[] {1, 1}, new int[] {0, 0}, new int[] {sh, sw});
        Object cols = xin instanceof float[] ? new float[depth * positions] : new double[depth * positions];
        for (int i = 0; i < n; i++) {
            Im2ColKernels.im2col(xin, xOff + i * cIn * hp * wp, cols, cIn, g);
            int o = i * cOut * positions;
            if (cols instanceof float[] c) {
                Gemm.sgemm(cOut, positions, depth, 1f, (float[]) wv, 0, depth, 1, c, 0, positions, 1, (float[]) out, o,
                        positions, false);
            } else {
                Gemm.dgemm(cOut, positions, depth, 1.0, (double[]) wv, 0, depth, 1, (double[]) cols, 0, positions, 1,
                        (double[]) out, o, positions, false);
            }
            for (int c = 0; bv != null && c < cOut; c++) {
                int from = o + c * positions;
                if (out instanceof float[] f) {
                    float b = ((float[]) bv)[c];
                    for (int j = 0; j < positions; j++) {
                        f[from + j] += b;
                    }
                } else {
                    double[] d = (double[]) out;
                    double b = ((double[]) bv)[c];
                    for (int j = 0; j < positions; j++) {
                        d[from + j] += b;
                    }
                }
            }
            epilogue.apply(out, o, cOut * positions);
        }
    }

    /**
     * Channel-blocked (a convolution of the padded gradient with the flipped weights) where the
     * blocked tile takes the channels, else the shifted GEMMs. Null when a weight is not finite:
     * both add zero times weights at positions that are not windows.
     */
    @Override
    public Storage conv2dInputGrad(Storage gy, int off, Storage w, Layout lw, int n, int cIn, int h, int wd, int cOut,
                                   int kh, int kw) {
        Object wv = dense(w, lw);
        if (!ShiftedGemmConvKernels.allFinite(wv, 0, cOut * cIn * kh * kw)) {
            return null;
        }
        Storage dx = allocate(gy.dtype(), n * cIn * h * wd);
        inputGrad(gy, off, wv, n, cIn, h, wd, cOut, kh, kw, dx);
        return dx;
    }

    @Override
    public boolean conv2dInputGradInto(Storage gy, int off, Storage w, Layout lw, int n, int cIn, int h, int wd,
                                       int cOut, int kh, int kw, Storage out) {
        Object wv = dense(w, lw);
        if (!ShiftedGemmConvKernels.allFinite(wv, 0, cOut * cIn * kh * kw)) {
            return false;
        }
        inputGrad(gy, off, wv, n, cIn, h, wd, cOut, kh, kw, out);
        return true;
    }

    /** The input gradient into {@code dx} (every element written): channel-blocked where it applies, else the shifted GEMMs. */
    private void inputGrad(Storage gy, int off, Object wv, int n, int cIn, int h, int wd, int cOut, int kh, int kw,
                           Storage dx) {
        var blocked = wv instanceof float[] && blockedConv && kh * kw > 1
                ? BlockedConvKernels.inputGradGeometry(KernelProvider.get().blockedConvLanes(), n, cIn, h, wd, cOut, kh, kw)
                : null;
        if (blocked != null) {
            BlockedConvKernels.inputGrad((float[]) a(gy), off, (float[]) wv, (float[]) a(dx), blocked,
                    KernelProvider.get());
        } else {
            ShiftedGemmConvKernels.inputGrad(a(gy), off, wv, a(dx), n, cIn, h, wd, cOut, kh, kw);
        }
    }

    /**
     * The direct kernels for few channels, else channel-blocked where the blocked tile takes the
     * channels, else one GEMM over the unfolded windows. Null when the direct or blocked kernel
     * would not be exact (a non-finite input: the direct kernel's masked tail lanes and the blocked
     * kernel's dropped columns multiply inputs by zero).
     */
    @Override
    public Storage conv2dWeightGrad(Storage x, int xOff, Storage gy, int gOff, int n, int cIn, int h, int wd, int cOut,
                                    int kh, int kw) {
        boolean direct = direct(cIn, kh, kw, cOut);
        var blocked = !direct && a(x) instanceof float[] ? blocked(n, cIn, h, wd, null, cOut, kh, kw, 1, 1) : null;
        if (blocked != null && BlockedConvKernels.gradGeometry(blocked).inputFloats() > Integer.MAX_VALUE - 64) {
            blocked = null; // the blocked output gradient would pass an int index
        }
        if ((direct || blocked != null) && !ShiftedGemmConvKernels.allFinite(a(x), xOff, n * cIn * h * wd)) {
            return null;
        }
        Storage gw = allocate(gy.dtype(), cOut * cIn * kh * kw);
        if (direct) {
            DirectConvKernels.weightGrad(a(x), xOff, a(gy), gOff, a(gw), n, cIn, h, wd, cOut, kh, kw);
        } else if (blocked != null) {
            BlockedConvKernels.weightGrad((float[]) a(x), xOff, (float[]) a(gy), gOff, (float[]) a(gw), blocked,
                    KernelProvider.get());
        } else {
            ShiftedGemmConvKernels.weightGrad(a(x), xOff, a(gy), gOff, a(gw), n, cIn, h, wd, cOut, kh, kw);
        }
        return gw;
    }

    @Override
    public Storage conv2dBiasGrad(Storage gy, int off, int n, int cOut, int positions) {
        Storage gb = allocate(gy.dtype(), cOut);
        ShiftedGemmConvKernels.biasGrad(a(gy), off, a(gb), n, cOut, positions);
        return gb;
    }

    @Override
    public Storage depthwiseConv2d(Storage x, int off, Storage w, Layout lw, Storage bias, Layout lb,
                                   DepthwiseConvKernels.Geometry g, double min, double max) {
        Storage out = allocate(x.dtype(), g.outputSize());
        depthwiseConv2dInto(x, off, w, lw, bias, lb, g, min, max, out);
        return out;
    }

    @Override
    public void depthwiseConv2dInto(Storage x, int off, Storage w, Layout lw, Storage bias, Layout lb,
                                    DepthwiseConvKernels.Geometry g, double min, double max, Storage out) {
        DepthwiseConvKernels.forward(a(x), off, dense(w, lw), bias == null ? null : dense(bias, lb), a(out), g, min, max);
    }

    @Override
    public Storage depthwiseConv2dInputGrad(Storage gy, int off, Storage w, Layout lw, DepthwiseConvKernels.Geometry g) {
        Storage dx = allocate(gy.dtype(), g.inputSize());
        DepthwiseConvKernels.inputGrad(a(gy), off, dense(w, lw), a(dx), g);
        return dx;
    }

    @Override
    public Storage depthwiseConv2dWeightGrad(Storage x, int xOff, Storage gy, int gOff, DepthwiseConvKernels.Geometry g) {
        Storage gw = allocate(gy.dtype(), g.weightSize());
        DepthwiseConvKernels.weightGrad(a(x), xOff, a(gy), gOff, a(gw), g);
        return gw;
    }

    @Override
    public Storage maxPoolValues(Storage x, int off, int planes, PoolKernels.Windows g) {
        Storage out = allocate(x.dtype(), planes * g.outputSize());
        maxPoolValuesInto(x, off, planes, g, out);
        return out;
    }

    @Override
    public void maxPoolValuesInto(Storage x, int off, int planes, PoolKernels.Windows g, Storage out) {
        PoolKernels.maxValues(a(x), off, a(out), planes, g);
    }

    @Override
    public Storage[] maxPool(Storage x, int off, int planes, PoolKernels.Windows g) {
        int n = planes * g.outputSize();
        Storage out = allocate(x.dtype(), n);
        long[] idx = new long[n];
        PoolKernels.maxForward(a(x), off, a(out), idx, planes, g);
        return new Storage[] {out, wrap(idx, DType.I64)};
    }

    @Override
    public void maxPoolInto(Storage x, int off, int planes, PoolKernels.Windows g, Storage out, Storage indices) {
        PoolKernels.maxForward(a(x), off, a(out), (long[]) a(indices), planes, g);
    }

    @Override
    public Storage maxPoolBackward(Storage g, int gOff, Storage indices, int iOff, int planes, int height, int width,
                                   int outH, int outW) {
        Storage out = allocate(g.dtype(), planes * height * width);
        maxPoolBackward(g, gOff, indices, iOff, planes, height, width, outH, outW, out, true);
        return out;
    }

    @Override
    public void maxPoolBackwardInto(Storage g, int gOff, Storage indices, int iOff, int planes, int height, int width,
                                    int outH, int outW, Storage out) {
        maxPoolBackward(g, gOff, indices, iOff, planes, height, width, outH, outW, out, false);
    }

    private void maxPoolBackward(Storage g, int gOff, Storage indices, int iOff, int planes, int height, int width,
                                 int outH, int outW, Storage out, boolean zeroed) {
        long[] all = (long[]) a(indices);
        long[] idx = iOff == 0 ? all : Arrays.copyOfRange(all, iOff, iOff + planes * outH * outW);
        PoolKernels.maxBackward(a(g), gOff, idx, a(out), planes, height * width, outH * outW, zeroed);
    }

    @Override
    public Storage avgPool(Storage x, int off, int planes, PoolKernels.Windows g, double[] divisor) {
        Storage out = allocate(x.dtype(), planes * g.outputSize());
        PoolKernels.avgForward(a(x), off, a(out), planes, g, divisor);
        return out;
    }

    @Override
    public Storage avgPoolBackward(Storage g, int off, int planes, PoolKernels.Windows w, double[] divisor) {
        Storage out = allocate(g.dtype(), planes * w.inputSize());
        PoolKernels.avgBackward(a(g), off, a(out), planes, w, divisor);
        return out;
    }

    @Override
    public Storage maxUnpool(String op, Storage x, int off, Storage indices, int iOff, int planes, int inPlane,
                             int outPlane, String planeShape) {
        Storage out = allocate(x.dtype(), planes * outPlane);
        long[] id = (long[]) a(indices);
        long bad = PoolKernels.unpool(a(x), off, id, iOff, a(out), planes, inPlane, outPlane);
        if (bad >= 0) {
            throw new IllegalArgumentException(op + ": found an invalid max index: " + id[iOff + (int) bad]
                    + " (output volumes are of size " + planeShape + ")");
        }
        return out;
    }

    // ------------------------------------------------------------------ indexing

    @Override
    public int firstOutOfRange(Storage idx, int off, int n, long size, boolean allowNegative) {
        return IndexKernels.firstOutOfRange((long[]) a(idx), off, n, size, allowNegative);
    }

    @Override
    public Storage wrapNegative(Storage idx, int off, int n, long size) {
        long[] d = (long[]) a(idx);
        for (int k = 0; k < n; k++) {
            if (d[off + k] < 0) {
                return wrap(IndexKernels.wrapNegative(d, off, n, size), DType.I64);
            }
        }
        return null;
    }

    @Override
    public Storage indexSelect(Storage x, int off, int outer, int len, int inner, Storage idx, int idxOff, int n) {
        Storage out = allocate(x.dtype(), outer * n * inner);
        IndexKernels.indexSelect(a(x), off, outer, len, inner, (long[]) a(idx), idxOff, n, a(out));
        return out;
    }

    @Override
    public void indexAdd(Storage out, int outer, int len, int inner, Storage idx, int idxOff, int n, Storage src,
                         int srcOff, double alpha) {
        IndexKernels.indexAdd(a(out), outer, len, inner, (long[]) a(idx), idxOff, n, a(src), srcOff, alpha);
    }

    @Override
    public Storage gather(Storage x, int[] srcOuter, int dimStride, int[] srcInner, Storage idx, int idxOff, int idxLen) {
        Storage out = allocate(x.dtype(), srcOuter.length * idxLen * srcInner.length);
        gatherInto(x, srcOuter, dimStride, srcInner, idx, idxOff, idxLen, out);
        return out;
    }

    @Override
    public void gatherInto(Storage x, int[] srcOuter, int dimStride, int[] srcInner, Storage idx, int idxOff, int idxLen,
                           Storage out) {
        IndexKernels.gather(a(x), srcOuter, dimStride, srcInner, (long[]) a(idx), idxOff, idxLen, a(out));
    }

    @Override
    public void scatter(boolean accumulate, Storage src, int[] srcOuter, int srcDimStride, int[] srcInner, Storage idx,
                        int idxOff, int idxLen, Storage out, int[] outOuter, int outDimStride, int[] outInner) {
        IndexKernels.scatter(accumulate, a(src), srcOuter, srcDimStride, srcInner, (long[]) a(idx), idxOff, idxLen, a(out),
                outOuter, outDimStride, outInner);
    }

    @Override
    public long[] nonzeroPositions(Storage x, int off, int n) {
        return IndexKernels.nonzeroPositions(a(x), off, n);
    }

    @Override
    public Storage oneHot(Storage idx, int off, int n, int classes) {
        Storage out = allocate(DType.I64, n * classes);
        IndexKernels.oneHot((long[]) a(idx), off, n, classes, (long[]) a(out));
        return out;
    }

    // ------------------------------------------------------------------ fused kernels

    @Override
    public void sgdUpdate(Storage param, int po, Storage grad, int go, Storage buf, int bo, int n, boolean negate,
                          double weightDecay, double momentum, double dampening, boolean nesterov, boolean firstStep,
                          double lr) {
        FusedUpdateKernels.sgd(a(param), po, a(grad), go, buf == null ? null : a(buf), bo, n, negate, weightDecay, momentum,
                dampening, nesterov, firstStep, lr);
    }

    @Override
    public void adamUpdate(Storage param, int po, Storage grad, int go, Storage m, int mo, Storage v, int vo, Storage vmax,
                           int xo, int n, boolean negate, double l2, double decay, double beta1, double beta2, double eps,
                           double stepSize, double sqrtBias2) {
        FusedUpdateKernels.adam(a(param), po, a(grad), go, a(m), mo, a(v), vo, vmax == null ? null : a(vmax), xo, n, negate,
                l2, decay, beta1, beta2, eps, stepSize, sqrtBias2);
    }

    /**
     * Where the GEMM packs (batches of 2 and up, see {@link Gemm#packingPays}) and, where the
     * provider has the kernel, for a single row too: its matrix-vector product then reads the
     * packed weight once, along rows of C, instead of taking dot products along k.
     */
    @Override
    public boolean packingPays(int m, int n, int k) {
        return Gemm.packingPays(m, n, k) || Gemm.fewRowsPay(m, n, k);
    }

    /**
     * A linear layer's packed weight, and whether its k is contiguous ({@code dotOrder}): one row
     * times such a B is what {@link Gemm#sgemm} computes by dot products along k, so a single
     * row through the packed copy keeps that summation order (see {@link #linearPackedInto}).
     */
    private record PackedLinear(PackedMatrix matrix, boolean dotOrder) implements Packed {
        @Override
        public long bytes() {
            return matrix.bytes();
        }
    }

    @Override
    public Packed packTransposed(Storage w, Layout lw) {
        // B = W^T: element (p, j) is W[j, p].
        int[] s = lw.strides();
        return new PackedLinear(Gemm.packB(lw.shape()[1], lw.shape()[0], (float[]) a(w), lw.offset(), s[1], s[0]),
                s[1] == 1);
    }

    @Override
    public Storage linearPacked(Storage x, Layout lx, Packed w, int n, Storage bias, Layout lb) {
        Storage out = allocate(DType.F32, lx.shape()[0] * n);
        linearPackedInto(x, lx, w, n, bias, lb, false, out, 0);
        return out;
    }

    @Override
    public void linearPackedInto(Storage x, Layout lx, Packed w, int n, Storage bias, Layout lb, boolean relu, Storage out,
                                 int outOff) {
        int m = lx.shape()[0];
        float[] o = (float[]) a(out);
        PackedLinear pl = (PackedLinear) w;
        PackedMatrix p = pl.matrix();
        if (m == 0 || n == 0 || p.rows() == 0) {
            if (bias != null) {
                fillBias(o, outOff, n, (float[]) a(bias), lb, 0, m, 0, n);
            }
            Gemm.sgemmPacked(m, 1f, (float[]) a(x), lx.offset(), lx.strides()[0], lx.strides()[1], p, o, outOff, n,
                    bias != null);
            if (relu) {
                reluBlock(o, outOff, n, 0, m, 0, n);
            }
            return;
        }
        // The product accumulates onto the bias rows, written by each thread for its own
        // rectangle, a row block at a time, just before the block's product reads them back
        // (the same sums as a whole-output fill first, which ran on one thread and from memory);
        // the ReLU then reads the block back while it is still in cache (a pass over the whole
        // output afterwards read a feed-forward layer's [rows, 4d] from memory again).
        float[] xa = (float[]) a(x);
        float[] bd = bias == null ? null : (float[]) a(bias);
        if (m <= p.provider().packedFewRows()) {
            linearFewRows(m, xa, lx, pl, n, bd, lb, relu, o, outOff);
            return;
        }
        int block = Math.max(1, GemmBlocking.current().rows());
        Gemm.forPackedBlocks(m, p, (r0, r1, c0, c1) -> {
            for (int i = r0; i < r1; i += block) {
                int i1 = Math.min(r1, i + block);
                if (bd != null) {
                    fillBias(o, outOff, n, bd, lb, i, i1, c0, c1);
                }
                p.provider().sgemmPackedBlock(i, i1, c0, c1, 1f, xa, lx.offset(), lx.strides()[0], lx.strides()[1], p, o,
                        outOff, n, bd != null);
                if (relu) {
                    reluBlock(o, outOff, n, i, i1, c0, c1);
                }
            }
        });
    }

    /**
     * B floats a thread's share of a few-row product reads at least (256 KB): below that, waking
     * the team costs about what the split saves.
     */
    private static final int FEW_ROWS_GRAIN = 1 << 16;

    /**
     * {@link #linearPackedInto} for fewer rows than the provider's register tile: matrix-vector
     * products, split across threads by panels of columns (the rows are too few to split), each
     * thread writing the bias, the product and the ReLU of its own columns. Each element keeps
     * the bits of the path it replaces: from two rows on, the packed GEMM's (bias first, then the
     * product's k blocks); for a single row, which never took the packed GEMM, the unpacked
     * {@code matmul + add}'s: the product (by dot products along k when the weight's k is
     * contiguous, as {@code Gemm.sgemm} computes it, else in the packed GEMM's k blocks), then
     * the bias added to it.
     */
    private static void linearFewRows(int m, float[] xa, Layout lx, PackedLinear pl, int n, float[] bd, Layout lb,
                                      boolean relu, float[] o, int outOff) {
        PackedMatrix p = pl.matrix();
        KernelProvider provider = p.provider();
        boolean single = m == 1;
        boolean dotOrder = single && pl.dotOrder();
        int unit = p.columnUnit();
        int units = (n + unit - 1) / unit;
        int grain = (int) Math.max(1, FEW_ROWS_GRAIN / Math.max(1L, (long) p.rows() * unit));
        int xo = lx.offset();
        int xRs = lx.strides()[0];
        int xCs = lx.strides()[1];
        Parallel.forRange(units, grain, (lo, hi) -> {
            int c0 = lo * unit;
            int c1 = Math.min(n, hi * unit);
            boolean biasFirst = bd != null && !single;
            if (biasFirst) {
                fillBias(o, outOff, n, bd, lb, 0, m, c0, c1);
            }
            provider.sgemmPackedFewRows(0, m, c0, c1, xa, xo, xRs, xCs, p, o, outOff, n, biasFirst, dotOrder);
            if (bd != null && single) {
                int bo = lb.offset();
                int bs = lb.strides()[0];
                for (int j = c0; j < c1; j++) {
                    o[outOff + j] = o[outOff + j] + bd[bo + j * bs];
                }
            }
            if (relu) {
                reluBlock(o, outOff, n, 0, m, c0, c1);
            }
        });
    }

    /** ReLU in place on rows [r0, r1) x columns [c0, c1) of the row-major C (row stride n), by the provider's kernel. */
    private static void reluBlock(float[] o, int outOff, int n, int r0, int r1, int c0, int c1) {
        KernelProvider kp = KernelProvider.get();
        for (int i = r0; i < r1; i++) {
            kp.unary(dev.walnut.backend.UnaryOp.RELU, 0, 0, o, o, outOff + i * n + c0, c1 - c0);
        }
    }

    /** Rows [r0, r1) x columns [c0, c1) of the row-major C (row stride n) set to the bias. */
    private static void fillBias(float[] o, int outOff, int n, float[] bd, Layout lb, int r0, int r1, int c0, int c1) {
        if (r0 >= r1) {
            return;
        }
        int bo = lb.offset();
        int bs = lb.strides()[0];
        int row = outOff + r0 * n;
        for (int j = c0; j < c1; j++) {
            o[row + j] = bd[bo + j * bs];
        }
        for (int i = r0 + 1; i < r1; i++) {
            System.arraycopy(o, row + c0, o, outOff + i * n + c0, c1 - c0);
        }
    }
}
