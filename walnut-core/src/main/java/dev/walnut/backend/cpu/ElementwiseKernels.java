// Generated from walnut-core/src/main/templates/dev/walnut/backend/cpu/ElementwiseKernels.java.tmpl by KernelTwins; do not edit.
// Edit the template, then run from the repository root: java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java
package dev.walnut.backend.cpu;

import dev.walnut.backend.BinaryOp;
import dev.walnut.backend.UnaryOp;

/**
 * Elementwise kernels of the pure-Java CPU back end: unary math, binary arithmetic, comparisons,
 * logical ops and {@code where}, over primitive arrays.
 *
 * <p>Every kernel reads {@code n} elements {@code x[xOff + i*xStride]} (stride 1 = contiguous,
 * stride 0 = one broadcast value, larger = a strided view) and writes them contiguously to
 * {@code out[outOff + i]}. The caller (the tensor layer) flattens an N-d elementwise op into
 * such runs. Each kernel checks its op once, picks a loop shape once, and then runs a
 * monomorphic loop. Contiguous inputs get loops that C2 auto-vectorizes: {@code out[o+i] =
 * a[o+i] + b[o+i]}, with one offset for all arrays, because C2 will not vectorize when the
 * offsets are separate variables (it cannot exclude overlap); an input at another offset is
 * first copied into {@code out} block by block. Strided inputs get a strided loop. Work above a
 * grain (smaller for transcendental ops) is split across {@link Parallel}.
 *
 * <pre>{@code
 * float[] x = {1f, 2f, 3f, 4f, 5f, 6f};     // a 2x3 matrix, row-major
 * float[] y = new float[3];
 * // exp of column 1 (offset 1, stride 3): y = {e^2, e^5}
 * ElementwiseKernels.unary(UnaryOp.EXP, 0, 0, x, 1, 3, y, 0, 2);
 * // row 0 plus the scalar 10 broadcast with stride 0: y = {11, 12, 13}
 * ElementwiseKernels.binary(BinaryOp.ADD, x, 0, 1, new float[] {10f}, 0, 0, y, 0, 3);
 * }</pre>
 *
 * <p>Aliasing: {@code out} may be the same array as an input only where that input is contiguous
 * and starts at {@code outOff} (the in-place case); other overlaps give unspecified results.
 * Unsupported op/dtype pairs throw {@link IllegalArgumentException} naming the op and dtype,
 * before any element is written.
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    /** Elements per parallel chunk for cheap, memory-bound ops (add, compare, copy-like). */
    static final int CHEAP_GRAIN = 1 << 15;
    /** Elements per parallel chunk for transcendental ops (exp, tanh, pow), whose cost is compute. */
    static final int COSTLY_GRAIN = 1 << 12;
    /**
     * Inputs not at the output's offset are copied (or gathered) into {@code out} in blocks this
     * long and transformed there in place, so the op loop indexes every array alike and
     * vectorizes; a block stays in L1.
     */
    static final int ALIGN_BLOCK = 1024;

    /** Lower-case name of a {@link UnaryOp} code, for error messages ({@code "exp"}, {@code "relu"}). */
    public static String unaryName(int op) {
        return UnaryOp.name(op);
    }

    // ---------------------------------------------------------------------------------- unary

    /**
     * {@code out[outOff + i] = op(x[xOff + i*xStride], p1, p2)} for {@code i < n}, computed in
     * float (transcendentals through {@code Math} in double, rounded once; with the Vector API
     * {@link KernelProvider} active, exp, log, tanh and sigmoid use its polynomials, within 2.5
     * ulp of that). Every {@link UnaryOp} is supported.
     */
    public static void unary(int op, double p1, double p2, float[] x, int xOff, int xStride, float[] out, int outOff, int n) {
        if (op < 0 || op >= UnaryOp.COUNT) {
            throw unsupportedUnary(op, "float32");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        int grain = UnaryOp.isCostly(op) ? COSTLY_GRAIN : CHEAP_GRAIN;
        if (n <= grain || xStride == 0) {
            FloatUnary.apply(op, p1, p2, x, xOff, xStride, out, outOff, n);
        } else {
            Parallel.forRange(n, grain, (lo, hi) ->
                    FloatUnary.apply(op, p1, p2, x, xOff + lo * xStride, xStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * {@code out[outOff + i] = op(x[xOff + i*xStride], p1, p2)} for {@code i < n}, computed in
     * double (transcendentals through {@code Math} in double, rounded once). Every {@link UnaryOp}
     * is supported.
     */
    public static void unary(int op, double p1, double p2, double[] x, int xOff, int xStride, double[] out, int outOff, int n) {
        if (op < 0 || op >= UnaryOp.COUNT) {
            throw unsupportedUnary(op, "float64");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        int grain = UnaryOp.isCostly(op) ? COSTLY_GRAIN : CHEAP_GRAIN;
        if (n <= grain || xStride == 0) {
            DoubleUnary.apply(op, p1, p2, x, xOff, xStride, out, outOff, n);
        } else {
            Parallel.forRange(n, grain, (lo, hi) ->
                    DoubleUnary.apply(op, p1, p2, x, xOff + lo * xStride, xStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * Integer form of {@link #unary(int, double, double, float[], int, int, float[], int, int)}:
     * only NEG, ABS, SIGN, SQUARE, RELU, ADD_SCALAR, MUL_SCALAR, RSUB_SCALAR, CLAMP, MAX_SCALAR and
     * MIN_SCALAR; any other op throws {@link IllegalArgumentException} naming it. {@code p1} and
     * {@code p2} should be integral; arithmetic wraps, CLAMP/MAX/MIN bounds saturate to the
     * int range ({@code ±inf} = no bound) and a NaN bound is an error.
     */
    public static void unary(int op, double p1, double p2, int[] x, int xOff, int xStride, int[] out, int outOff, int n) {
        if (!IntegerUnary.supports(op)) {
            throw unsupportedUnary(op, "int32");
        }
        IntegerUnary.checkParameters(op, p1, p2);
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN || xStride == 0) {
            IntegerUnary.apply(op, p1, p2, x, xOff, xStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) ->
                    IntegerUnary.apply(op, p1, p2, x, xOff + lo * xStride, xStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * Integer form of {@link #unary(int, double, double, float[], int, int, float[], int, int)}:
     * only NEG, ABS, SIGN, SQUARE, RELU, ADD_SCALAR, MUL_SCALAR, RSUB_SCALAR, CLAMP, MAX_SCALAR and
     * MIN_SCALAR; any other op throws {@link IllegalArgumentException} naming it. {@code p1} and
     * {@code p2} should be integral; arithmetic wraps, CLAMP/MAX/MIN bounds saturate to the
     * long range ({@code ±inf} = no bound) and a NaN bound is an error.
     */
    public static void unary(int op, double p1, double p2, long[] x, int xOff, int xStride, long[] out, int outOff, int n) {
        if (!IntegerUnary.supports(op)) {
            throw unsupportedUnary(op, "int64");
        }
        IntegerUnary.checkParameters(op, p1, p2);
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN || xStride == 0) {
            IntegerUnary.apply(op, p1, p2, x, xOff, xStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) ->
                    IntegerUnary.apply(op, p1, p2, x, xOff + lo * xStride, xStride, out, outOff + lo, hi - lo));
        }
    }

    // --------------------------------------------------------------------------------- binary

    /**
     * {@code out[outOff + i] = a[aOff + i*aStride] op b[bOff + i*bStride]} for {@code i < n} with
     * op one of ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM (NaN-propagating), ATAN2, FMOD or
     * REMAINDER, computed in float. Comparisons and logical ops go through {@link #compare}.
     */
    public static void binary(int op, float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, float[] out, int outOff, int n) {
        if (!FloatBinary.supports(op)) {
            throw unsupportedBinary(op, "float32");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        int grain = op == BinaryOp.POW || op == BinaryOp.ATAN2 ? COSTLY_GRAIN : CHEAP_GRAIN;
        if (n <= grain) {
            FloatBinary.run(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, grain, (lo, hi) -> FloatBinary.run(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * {@code out[outOff + i] = a[aOff + i*aStride] op b[bOff + i*bStride]} for {@code i < n} with
     * op one of ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM (NaN-propagating), ATAN2, FMOD or
     * REMAINDER, computed in double. Comparisons and logical ops go through {@link #compare}.
     */
    public static void binary(int op, double[] a, int aOff, int aStride, double[] b, int bOff, int bStride, double[] out, int outOff, int n) {
        if (!DoubleBinary.supports(op)) {
            throw unsupportedBinary(op, "float64");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        int grain = op == BinaryOp.POW || op == BinaryOp.ATAN2 ? COSTLY_GRAIN : CHEAP_GRAIN;
        if (n <= grain) {
            DoubleBinary.run(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, grain, (lo, hi) -> DoubleBinary.run(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * Integer form of {@link #binary(int, float[], int, int, float[], int, int, float[], int, int)}:
     * ADD, SUB, MUL, MAXIMUM, MINIMUM (wrapping two's-complement arithmetic), POW with
     * non-negative exponents, FMOD and REMAINDER (a zero divisor throws). DIV and ATAN2 throw: the caller promotes integer division to a
     * floating-point dtype first. A negative exponent throws before anything is written.
     */
    public static void binary(int op, int[] a, int aOff, int aStride, int[] b, int bOff, int bStride, int[] out, int outOff, int n) {
        if (!IntegerBinary.supports(op)) {
            throw unsupportedBinary(op, "int32");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        int grain = CHEAP_GRAIN;
        if (op == BinaryOp.POW) {
            IntegerBinary.checkExponents(b, bOff, bStride, n);
            grain = COSTLY_GRAIN;
        }
        if (n <= grain) {
            IntegerBinary.run(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, grain, (lo, hi) -> IntegerBinary.run(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * Integer form of {@link #binary(int, float[], int, int, float[], int, int, float[], int, int)}:
     * ADD, SUB, MUL, MAXIMUM, MINIMUM (wrapping two's-complement arithmetic), POW with
     * non-negative exponents, FMOD and REMAINDER (a zero divisor throws). DIV and ATAN2 throw: the caller promotes integer division to a
     * floating-point dtype first. A negative exponent throws before anything is written.
     */
    public static void binary(int op, long[] a, int aOff, int aStride, long[] b, int bOff, int bStride, long[] out, int outOff, int n) {
        if (!IntegerBinary.supports(op)) {
            throw unsupportedBinary(op, "int64");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        int grain = CHEAP_GRAIN;
        if (op == BinaryOp.POW) {
            IntegerBinary.checkExponents(b, bOff, bStride, n);
            grain = COSTLY_GRAIN;
        }
        if (n <= grain) {
            IntegerBinary.run(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, grain, (lo, hi) -> IntegerBinary.run(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    // ------------------------------------------------------------------- threshold backward

    /**
     * PyTorch's {@code threshold_backward} over contiguous float data:
     * {@code out[i] = x[xOff + i] > threshold ? g[gOff + i] : 0} for {@code i < n}. ReLU's
     * gradient in one pass, where {@code where(x > 0, g, 0)} takes two (a bool mask, then a
     * select); a masked-off inf or NaN in {@code g} gives 0, and a NaN in {@code x} gives 0.
     */
    public static void thresholdBackward(float[] g, int gOff, float[] x, int xOff, double threshold, float[] out, int n) {
        checkCount(n);
        float t = (float) threshold;
        if (t != t) {
            // Nothing is above NaN.
            java.util.Arrays.fill(out, 0, n, 0f);
            return;
        }
        // Branch-free: behind ReLU half the inputs are positive at random, so a compare-and-branch
        // mispredicts about every other element (and JDK 17's C2 emits a branch, not a blend, for
        // a float ternary). The mask is all ones where key(x) > key(t), and the gradient's bits
        // are ANDed with it: a kept g is bit-exact (NaN payload included), a dropped one is +0.
        Threshold task = THRESHOLD.get();
        task.gf = g;
        task.xf = x;
        task.outf = out;
        task.gOff = gOff;
        task.xOff = xOff;
        task.tk = floatOrderKey(t, 0);
        task.relu = t == 0f;
        try {
            Parallel.forRange(n, CHEAP_GRAIN, task);
        } finally {
            task.gf = task.xf = task.outf = null; // keep no caller's arrays alive
        }
    }

    /** {@link #thresholdBackward(float[], int, float[], int, double, float[], int)} for double data. */
    public static void thresholdBackward(double[] g, int gOff, double[] x, int xOff, double threshold, double[] out, int n) {
        checkCount(n);
        Threshold task = THRESHOLD.get();
        task.gd = g;
        task.xd = x;
        task.outd = out;
        task.gOff = gOff;
        task.xOff = xOff;
        task.threshold = threshold;
        try {
            Parallel.forRange(n, CHEAP_GRAIN, task);
        } finally {
            task.gd = task.xd = task.outd = null; // keep no caller's arrays alive
        }
    }

    /**
     * A thresholdBackward call's arguments as its range body (the float or the double arrays
     * set), one per thread and refilled per call: ReLU's gradient, which runs for every layer
     * of every training step, then allocates nothing.
     */
    private static final class Threshold implements Parallel.RangeBody {
        float[] gf;
        float[] xf;
        float[] outf;
        double[] gd;
        double[] xd;
        double[] outd;
        int gOff;
        int xOff;
        int tk;
        boolean relu;
        double threshold;

        @Override
        public void apply(int lo, int hi) {
            if (gf != null) {
                applyFloat(gf, gOff, xf, xOff, outf, lo, hi);
            } else {
                applyDouble(gd, gOff, xd, xOff, outd, lo, hi);
            }
        }

        private void applyFloat(float[] g, int gOff, float[] x, int xOff, float[] out, int lo, int hi) {
            if (relu) {
                // ReLU's threshold: x > 0 exactly when its bits, as an int, lie in (0, +inf's bits].
                for (int i = lo; i < hi; i++) {
                    int b = Float.floatToRawIntBits(x[xOff + i]);
                    int mask = (-b & b - 0x7F800001) >> 31;
                    out[i] = Float.intBitsToFloat(Float.floatToRawIntBits(g[gOff + i]) & mask);
                }
                return;
            }
            int tk = this.tk;
            for (int i = lo; i < hi; i++) {
                int mask = (int) (((long) tk - floatOrderKey(x[xOff + i], Integer.MIN_VALUE)) >> 63);
                out[i] = Float.intBitsToFloat(Float.floatToRawIntBits(g[gOff + i]) & mask);
            }
        }

        private void applyDouble(double[] g, int gOff, double[] x, int xOff, double[] out, int lo, int hi) {
            double threshold = this.threshold;
            if (gOff == 0 && xOff == 0) {
                for (int i = lo; i < hi; i++) out[i] = x[i] > threshold ? g[i] : 0.0;
            } else {
                for (int i = lo; i < hi; i++) out[i] = x[xOff + i] > threshold ? g[gOff + i] : 0.0;
            }
        }
    }

    private static final ThreadLocal<Threshold> THRESHOLD = ThreadLocal.withInitial(Threshold::new);

    /**
     * An int that orders like the float: {@code a < b} exactly when {@code key(a) < key(b)},
     * with -0.0 and 0.0 equal; a NaN gets {@code nanKey} (e.g. {@code Integer.MAX_VALUE} to make
     * it win a max, {@code Integer.MIN_VALUE} to make it fail every {@code >}). Lets hot loops
     * compare with integer arithmetic and no branches.
     */
    static int floatOrderKey(float v, int nanKey) {
        int bits = Float.floatToRawIntBits(v);
        int sign = bits >> 31;
        int magnitude = bits & 0x7FFFFFFF;
        int key = (magnitude ^ sign) - sign; // -magnitude for negatives, so -0.0 -> 0
        int nan = (0x7F800000 - magnitude) >> 31;
        return key & ~nan | nanKey & nan;
    }

    // ------------------------------------------------------------------- compare and logical

    /**
     * {@code out[outOff + i] = a[aOff + i*aStride] op b[bOff + i*bStride]} for a comparison
     * ({@link BinaryOp#EQ EQ} .. {@link BinaryOp#GE GE}) or a logical op on float inputs (numbers are true when non-zero, NaN included); NaN compares unequal to everything.
     */
    public static void compare(int op, float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, boolean[] out, int outOff, int n) {
        if (!BinaryOp.isComparison(op) && !BinaryOp.isLogical(op)) {
            throw unsupportedBinary(op, "float32");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.compare(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.compare(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * {@code out[outOff + i] = a[aOff + i*aStride] op b[bOff + i*bStride]} for a comparison
     * ({@link BinaryOp#EQ EQ} .. {@link BinaryOp#GE GE}) or a logical op on double inputs (numbers are true when non-zero, NaN included); NaN compares unequal to everything.
     */
    public static void compare(int op, double[] a, int aOff, int aStride, double[] b, int bOff, int bStride, boolean[] out, int outOff, int n) {
        if (!BinaryOp.isComparison(op) && !BinaryOp.isLogical(op)) {
            throw unsupportedBinary(op, "float64");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.compare(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.compare(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * {@code out[outOff + i] = a[aOff + i*aStride] op b[bOff + i*bStride]} for a comparison
     * ({@link BinaryOp#EQ EQ} .. {@link BinaryOp#GE GE}) or a logical op on int inputs (numbers are true when non-zero).
     */
    public static void compare(int op, int[] a, int aOff, int aStride, int[] b, int bOff, int bStride, boolean[] out, int outOff, int n) {
        if (!BinaryOp.isComparison(op) && !BinaryOp.isLogical(op)) {
            throw unsupportedBinary(op, "int32");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.compare(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.compare(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * {@code out[outOff + i] = a[aOff + i*aStride] op b[bOff + i*bStride]} for a comparison
     * ({@link BinaryOp#EQ EQ} .. {@link BinaryOp#GE GE}) or a logical op on long inputs (numbers are true when non-zero).
     */
    public static void compare(int op, long[] a, int aOff, int aStride, long[] b, int bOff, int bStride, boolean[] out, int outOff, int n) {
        if (!BinaryOp.isComparison(op) && !BinaryOp.isLogical(op)) {
            throw unsupportedBinary(op, "int64");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.compare(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.compare(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /**
     * {@code out[outOff + i] = a[aOff + i*aStride] op b[bOff + i*bStride]} for a comparison
     * ({@link BinaryOp#EQ EQ} .. {@link BinaryOp#GE GE}) or a logical op on boolean inputs, ordering {@code false < true}.
     */
    public static void compare(int op, boolean[] a, int aOff, int aStride, boolean[] b, int bOff, int bStride, boolean[] out, int outOff, int n) {
        if (!BinaryOp.isComparison(op) && !BinaryOp.isLogical(op)) {
            throw unsupportedBinary(op, "bool");
        }
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.compare(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.compare(op, a, aOff + lo * aStride, aStride,
                    b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /** {@code out[outOff + i] = a[...] op b[...]} for op LOGICAL_AND, LOGICAL_OR or LOGICAL_XOR. */
    public static void logical(int op, boolean[] a, int aOff, int aStride, boolean[] b, int bOff, int bStride, boolean[] out, int outOff, int n) {
        if (!BinaryOp.isLogical(op)) {
            throw new IllegalArgumentException("logical: " + BinaryOp.name(op)
                    + " is not a logical op (expected logical_and, logical_or or logical_xor)");
        }
        compare(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
    }

    /** {@code out[outOff + i] = !x[xOff + i*xStride]}. */
    public static void logicalNot(boolean[] x, int xOff, int xStride, boolean[] out, int outOff, int n) {
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.not(x, xOff, xStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) ->
                    Comparisons.not(x, xOff + lo * xStride, xStride, out, outOff + lo, hi - lo));
        }
    }

    // ---------------------------------------------------------------------------------- where

    /** {@code out[outOff + i] = cond[cOff + i*cStride] ? a[aOff + i*aStride] : b[bOff + i*bStride]}. */
    public static void where(boolean[] cond, int cOff, int cStride, float[] a, int aOff, int aStride, float[] b, int bOff, int bStride,
            float[] out, int outOff, int n) {
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.where(cond, cOff, cStride, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.where(cond, cOff + lo * cStride, cStride,
                    a, aOff + lo * aStride, aStride, b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /** {@code out[outOff + i] = cond[cOff + i*cStride] ? a[aOff + i*aStride] : b[bOff + i*bStride]}. */
    public static void where(boolean[] cond, int cOff, int cStride, double[] a, int aOff, int aStride, double[] b, int bOff, int bStride,
            double[] out, int outOff, int n) {
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.where(cond, cOff, cStride, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.where(cond, cOff + lo * cStride, cStride,
                    a, aOff + lo * aStride, aStride, b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /** {@code out[outOff + i] = cond[cOff + i*cStride] ? a[aOff + i*aStride] : b[bOff + i*bStride]}. */
    public static void where(boolean[] cond, int cOff, int cStride, int[] a, int aOff, int aStride, int[] b, int bOff, int bStride,
            int[] out, int outOff, int n) {
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.where(cond, cOff, cStride, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.where(cond, cOff + lo * cStride, cStride,
                    a, aOff + lo * aStride, aStride, b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /** {@code out[outOff + i] = cond[cOff + i*cStride] ? a[aOff + i*aStride] : b[bOff + i*bStride]}. */
    public static void where(boolean[] cond, int cOff, int cStride, long[] a, int aOff, int aStride, long[] b, int bOff, int bStride,
            long[] out, int outOff, int n) {
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.where(cond, cOff, cStride, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.where(cond, cOff + lo * cStride, cStride,
                    a, aOff + lo * aStride, aStride, b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    /** {@code out[outOff + i] = cond[cOff + i*cStride] ? a[aOff + i*aStride] : b[bOff + i*bStride]}. */
    public static void where(boolean[] cond, int cOff, int cStride, boolean[] a, int aOff, int aStride, boolean[] b, int bOff, int bStride,
            boolean[] out, int outOff, int n) {
        if (n <= 0) {
            checkCount(n);
            return;
        }
        if (n <= CHEAP_GRAIN) {
            Comparisons.where(cond, cOff, cStride, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
        } else {
            Parallel.forRange(n, CHEAP_GRAIN, (lo, hi) -> Comparisons.where(cond, cOff + lo * cStride, cStride,
                    a, aOff + lo * aStride, aStride, b, bOff + lo * bStride, bStride, out, outOff + lo, hi - lo));
        }
    }

    // --------------------------------------------------------------------------------- errors

    private static void checkCount(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("element count must be >= 0, got " + n);
        }
    }

    static IllegalArgumentException unsupportedUnary(int op, String dtype) {
        return new IllegalArgumentException(UnaryOp.name(op) + " is not supported for " + dtype
                + " tensors" + (dtype.startsWith("int") ? " (convert to a floating-point dtype first)" : ""));
    }

    static IllegalArgumentException unsupportedBinary(int op, String dtype) {
        if (op == BinaryOp.DIV && dtype.startsWith("int")) {
            return new IllegalArgumentException("div is not a kernel for " + dtype
                    + ": true division of integers is computed in a floating-point dtype (promote the inputs first)");
        }
        return new IllegalArgumentException(BinaryOp.name(op) + " is not supported for " + dtype + " tensors");
    }
}
