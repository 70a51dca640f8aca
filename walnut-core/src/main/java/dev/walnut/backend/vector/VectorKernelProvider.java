package dev.walnut.backend.vector;

import dev.walnut.backend.ElementwiseProgram;
import dev.walnut.backend.UnaryOp;
import dev.walnut.backend.cpu.BlockedConvKernels;
import dev.walnut.backend.cpu.FusedLoop;
import dev.walnut.backend.cpu.GemmBlocking;
import dev.walnut.backend.cpu.KernelProvider;
import dev.walnut.backend.cpu.PackedLeftMatrix;
import dev.walnut.backend.cpu.PackedMatrix;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API {@link KernelProvider}: SIMD {@code exp}, {@code log}, {@code tanh},
 * {@code sigmoid} (see {@link VectorMath} for their error bounds), sums in double lanes,
 * max/min, and a register-tiled SGEMM ({@link VectorGemm}). Everything else, elementwise
 * arithmetic included, runs the scalar kernels: C2 already vectorizes those loops and they are
 * bound by memory bandwidth, so explicit vectors measured no faster.
 *
 * <p>Loaded reflectively by {@link KernelProvider#get()} only when the JVM was started with
 * {@code --add-modules jdk.incubator.vector}; nothing else may refer to this class, or the core
 * would stop running without the module.
 *
 * <pre>{@code
 * // java --add-modules jdk.incubator.vector -cp walnut-core.jar ...
 * KernelProvider.get();   // a VectorKernelProvider: "Vector API, 512-bit float species"
 * }</pre>
 */
public final class VectorKernelProvider extends KernelProvider {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    /**
     * Whether SGEMM runs {@link VectorGemm}: {@code -Dwalnut.vector.gemm=true|false}, by default
     * true on every JDK.
     *
     * <p>The switch exists because JDK 17 used to be bimodal here: in about two starts of three
     * the MLP training step (batch 64) settled at 13-20 ms instead of 2.5. The cause was not
     * compilation order but type-profile pollution: {@link #sum} widened through a half-width
     * float species, so {@code FloatVector.intoArray}'s shared profile saw {@code Float256Vector}
     * too, and where C2 did not know the exact class of the kernel's accumulators (loop phis) it
     * inlined a second store branch it could not intrinsify and boxed all sixteen accumulators on
     * every k step. The kernel stores only vectors computed with an exact receiver (see
     * {@code VectorGemm.kernel}), and since that alone still lost the class in some compilations
     * (the imported transformer encoder spent most of its GEMM time in boxed stores), {@code sum}
     * now widens the two halves of a preferred-width vector, so no other float species exists. Measured after that on JDK 17.0.15, machine shared with another
     * benchmark: 8 of 8 starts at 2.7-3.6 ms (1 thread) and 8 of 8 at 3.2-5.1 ms (2 threads;
     * scalar GEMM 5.1-5.6, JDK 25 3.2-4.0 under the same load); SGEMM 128-2048 at 176-213
     * GFLOP/s on JDK 17 and 156-207 on JDK 25 against 51-74 for the scalar GEMM. Set it to false
     * to compare with the scalar kernels (any other value, {@code auto} included, means true).
     */
    private static final boolean VECTOR_GEMM = !"false".equalsIgnoreCase(System.getProperty("walnut.vector.gemm"));

    /**
     * Whether fused elementwise programs run as generated loops ({@link LoopGenerator}):
     * {@code -Dwalnut.fusedLoop=true}; off by default, the block interpreter runs them (the bits
     * are the same either way; the tests run with it on). Off because in some JVMs (one JMH fork
     * of six, 3 of about 30 harness starts) C2 compiled a generated loop with its vectors boxed,
     * 3-5 times slower and tens of megabytes per call, and the eager chain allocated more in that
     * JMH run too; the cause is not found (see walnut-bench/results/compiled-notes.md).
     */
    private static final boolean FUSED_LOOPS = "true".equalsIgnoreCase(System.getProperty("walnut.fusedLoop"));
    private static final ElementwiseProgram.Compilation<GeneratedLoop> GENERATE = LoopGenerator::generate;

    /**
     * Creates the provider (called reflectively).
     *
     * @throws UnsupportedOperationException when the preferred float vector holds fewer than
     *         4 lanes: the JVM has no usable SIMD, and the scalar loops are faster
     */
    public VectorKernelProvider() {
        if (L < 4) {
            throw new UnsupportedOperationException("preferred float species " + S + " is narrower than 128 bits");
        }
    }

    @Override
    public String description() {
        return "Vector API, " + S.vectorBitSize() + "-bit float species"
                + (VECTOR_GEMM ? "" : "; SGEMM on the scalar kernels (-Dwalnut.vector.gemm=false)");
    }

    @Override
    public void unary(int op, double p1, double p2, float[] x, float[] out, int o, int n) {
        switch (op) {
            case UnaryOp.EXP: VectorMath.apply(VectorMath.EXP, x, out, o, n); return;
            case UnaryOp.LOG: VectorMath.apply(VectorMath.LOG, x, out, o, n); return;
            case UnaryOp.TANH: VectorMath.apply(VectorMath.TANH, x, out, o, n); return;
            case UnaryOp.SIGMOID: VectorMath.apply(VectorMath.SIGMOID, x, out, o, n); return;
            case UnaryOp.RELU: clamp(x, out, o, n, 0f, Float.POSITIVE_INFINITY); return;
            case UnaryOp.CLAMP: clamp(x, out, o, n, (float) p1, (float) p2); return;
            case UnaryOp.MAX_SCALAR: clamp(x, out, o, n, (float) p1, Float.POSITIVE_INFINITY); return;
            case UnaryOp.MIN_SCALAR: clamp(x, out, o, n, Float.NEGATIVE_INFINITY, (float) p1); return;
            default: scalarUnary(op, p1, p2, x, out, o, n);
        }
    }

    /**
     * {@code min(max(x, lo), hi)} with {@code Math.max}/{@code Math.min}'s rules (NaN propagates,
     * -0.0 below 0.0), which the Vector API's lane-wise max and min follow, so the bits match the
     * scalar loop; an infinite bound is a no-op. ReLU, ReLU6 (ONNX Clip) and Hardtanh run here
     * inside fused elementwise programs, and their scalar loop showed in MobileNet v2 profiles.
     */
    private static void clamp(float[] x, float[] out, int o, int n, float lo, float hi) {
        FloatVector vlo = FloatVector.broadcast(S, lo);
        FloatVector vhi = FloatVector.broadcast(S, hi);
        int i = 0;
        // ReLU and the one-sided scalar max/min skip the infinite bound's lane-wise min or max, a
        // no-op (NaN has already propagated): ReLU ran at half the speed of an add inside fused
        // programs (1.6 against 0.8 ns per 16 floats in L1, JDK 17).
        if (hi == Float.POSITIVE_INFINITY) {
            for (int bound = n - L; i <= bound; i += L) {
                FloatVector.fromArray(S, x, o + i).max(vlo).intoArray(out, o + i);
            }
        } else if (lo == Float.NEGATIVE_INFINITY) {
            for (int bound = n - L; i <= bound; i += L) {
                FloatVector.fromArray(S, x, o + i).min(vhi).intoArray(out, o + i);
            }
        } else {
            for (int bound = n - L; i <= bound; i += L) {
                FloatVector.fromArray(S, x, o + i).max(vlo).min(vhi).intoArray(out, o + i);
            }
        }
        for (; i < n; i++) {
            out[o + i] = Math.min(Math.max(x[o + i], lo), hi);
        }
    }

    @Override
    public FusedLoop fusedLoop(ElementwiseProgram program, long broadcastInputs) {
        return FUSED_LOOPS ? program.compiled(broadcastInputs, GENERATE) : null;
    }

    @Override
    public void binary(int op, float[] a, float[] b, float[] out, int o, int n) {
        scalarBinary(op, a, b, out, o, n);
    }

    /**
     * Each float is widened to double and accumulated in eight double vectors, so the result is
     * as accurate as the scalar provider's double sum (the float32 reduction tests ask for the
     * correctly rounded sum within one ulp). Each preferred-width load is widened half by half:
     * loading through a half-width species would make a second float vector class and pollute the
     * Vector API's shared type profiles (see {@link #VECTOR_GEMM}). The upper half is moved down
     * by a constant shuffle and widened as part 0: JDK 17's C2 does not always intrinsify
     * {@code convert(F2D, 1)}, and where it did not, every call boxed its vectors (a compiled MLP
     * training step allocated 0.1 to 6 KB per step in its loss and bias-gradient sums).
     * Eight accumulators cover the add latency of two vector adders; they also keep this method's bytecode above C2's hot-call inlining limit
     * (325 bytes), which matters: inlined into the reduction driver, the compilation outgrew
     * the budget within which C2 intrinsifies the Vector API, and the widening casts ran boxed
     * (see {@code VectorMath.apply}).
     */
    /** Each thread's buffer for the lanes of {@link #sum}: a row sum (a bias gradient's, a loss's) allocates nothing. */
    private static final VectorShuffle<Float> UPPER_HALF = VectorShuffle.fromOp(S, i -> (i + L / 2) % L);
    private static final ThreadLocal<double[]> LANES = ThreadLocal.withInitial(() -> new double[DS.length()]);

    @Override
    public double sum(float[] x, int off, int n) {
        int step = DS.length();
        if (n < step) {
            // No whole vector: the lanes below would all be +0.0, so adding the elements in order
            // to 0.0 gives the same bits, without touching the lane buffer.
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += x[off + i];
            }
            return total;
        }
        DoubleVector s0 = DoubleVector.zero(DS);
        DoubleVector s1 = DoubleVector.zero(DS);
        DoubleVector s2 = DoubleVector.zero(DS);
        DoubleVector s3 = DoubleVector.zero(DS);
        DoubleVector s4 = DoubleVector.zero(DS);
        DoubleVector s5 = DoubleVector.zero(DS);
        DoubleVector s6 = DoubleVector.zero(DS);
        DoubleVector s7 = DoubleVector.zero(DS);
        int i = 0;
        for (; i + 8 * step <= n; i += 8 * step) {
            int b = off + i;
            FloatVector v = FloatVector.fromArray(S, x, b);
            s0 = s0.add((DoubleVector) v.convert(VectorOperators.F2D, 0));
            s1 = s1.add((DoubleVector) v.rearrange(UPPER_HALF).convert(VectorOperators.F2D, 0));
            v = FloatVector.fromArray(S, x, b + 2 * step);
            s2 = s2.add((DoubleVector) v.convert(VectorOperators.F2D, 0));
            s3 = s3.add((DoubleVector) v.rearrange(UPPER_HALF).convert(VectorOperators.F2D, 0));
            v = FloatVector.fromArray(S, x, b + 4 * step);
            s4 = s4.add((DoubleVector) v.convert(VectorOperators.F2D, 0));
            s5 = s5.add((DoubleVector) v.rearrange(UPPER_HALF).convert(VectorOperators.F2D, 0));
            v = FloatVector.fromArray(S, x, b + 6 * step);
            s6 = s6.add((DoubleVector) v.convert(VectorOperators.F2D, 0));
            s7 = s7.add((DoubleVector) v.rearrange(UPPER_HALF).convert(VectorOperators.F2D, 0));
        }
        // Lanes summed in a fixed order: reduceLanes(ADD)'s order is unspecified and differs
        // between the intrinsic and the interpreter's fallback, which would make a sum depend on
        // when the JIT compiled this method.
        double[] lanes = LANES.get();
        // zero(DS) as the receiver gives the stored vector an exact class (see VectorGemm.kernel).
        DoubleVector.zero(DS).add(s0.add(s1)).add(s2.add(s3)).add(s4.add(s5).add(s6.add(s7))).intoArray(lanes, 0);
        double total = 0;
        for (double lane : lanes) {
            total += lane;
        }
        for (; i < n; i++) {
            total += x[off + i];
        }
        return total;
    }

    @Override
    public float max(float[] x, int off, int n) {
        if (n < 2 * L) {
            return scalarMaxMin(true, x, off, n);
        }
        FloatVector m0 = FloatVector.fromArray(S, x, off);
        FloatVector m1 = FloatVector.fromArray(S, x, off + L);
        int i = 2 * L;
        // Each max is called on the freshly loaded vector, never on the loop-carried m0, m1: C2
        // knows the class of the former, not of the latter (see VectorGemm.kernel). max is
        // symmetric (NaN propagates, -0.0 below 0.0), so the result is the same.
        for (int bound = off + n - 2 * L; off + i <= bound; i += 2 * L) {
            m0 = FloatVector.fromArray(S, x, off + i).max(m0);
            m1 = FloatVector.fromArray(S, x, off + i + L).max(m1);
        }
        // The overlapping last vectors re-read some elements, which max does not mind.
        FloatVector t0 = FloatVector.fromArray(S, x, off + n - 2 * L).max(m0);
        return FloatVector.fromArray(S, x, off + n - L).max(m1).max(t0).reduceLanes(VectorOperators.MAX);
    }

    @Override
    public void rowSquaredDeviations(float[] x, int off, int n, float c, float[] sq) {
        VectorRowKernels.squaredDeviations(x, off, n, c, sq);
    }

    @Override
    public void rowNormalize(float[] z, int zo, int n, float mean, float rstd, float[] w, int wo, float[] b, int bo) {
        VectorRowKernels.normalize(z, zo, n, mean, rstd, w, wo, b, bo);
    }

    @Override
    public float min(float[] x, int off, int n) {
        if (n < 2 * L) {
            return scalarMaxMin(false, x, off, n);
        }
        FloatVector m0 = FloatVector.fromArray(S, x, off);
        FloatVector m1 = FloatVector.fromArray(S, x, off + L);
        int i = 2 * L;
        for (int bound = off + n - 2 * L; off + i <= bound; i += 2 * L) {
            m0 = FloatVector.fromArray(S, x, off + i).min(m0);
            m1 = FloatVector.fromArray(S, x, off + i + L).min(m1);
        }
        FloatVector t0 = FloatVector.fromArray(S, x, off + n - 2 * L).min(m0);
        return FloatVector.fromArray(S, x, off + n - L).min(m1).min(t0).reduceLanes(VectorOperators.MIN);
    }

    private static float scalarMaxMin(boolean max, float[] x, int off, int n) {
        float m = x[off];
        for (int i = 1; i < n; i++) {
            m = max ? Math.max(m, x[off + i]) : Math.min(m, x[off + i]);
        }
        return m;
    }

    @Override
    public void sgemmBlock(int r0, int r1, int c0, int c1, int k, float alpha, float[] a, int aOff, int aRs,
                           int aCs, float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                           boolean accumulate) {
        if (!VECTOR_GEMM) {
            KernelProvider.scalar().sgemmBlock(r0, r1, c0, c1, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c,
                    cOff, cRs, cCs, accumulate);
            return;
        }
        VectorGemm.block(GemmBlocking.current(), r0, r1, c0, c1, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs,
                accumulate);
    }

    @Override
    public int blockedConvLanes() {
        return VECTOR_GEMM ? VectorBlockedConv.lanes() : 0;
    }

    @Override
    public void blockedConvTiles(float[] xb, float[] wp, float[] bias, float[] yb, BlockedConvKernels.Geometry g,
                                 int[] offsets, int t0, int t1, float lo, float hi) {
        if (blockedConvLanes() == 0 || g.lanes() != blockedConvLanes()) {
            throw new IllegalArgumentException("blockedConvTiles: this provider's tile computes blocks of "
                    + blockedConvLanes() + " channels, the geometry has " + g.lanes() + "; check blockedConvLanes first");
        }
        VectorBlockedConv.tiles(xb, wp, bias, yb, g, offsets, t0, t1, lo, hi);
    }

    @Override
    public void blockedConvReorderIn(float[] x, int xOff, float[] xb, BlockedConvKernels.Geometry g, int p0, int p1) {
        if (blockedConvLanes() == 0 || g.lanes() != blockedConvLanes()) {
            super.blockedConvReorderIn(x, xOff, xb, g, p0, p1);
            return;
        }
        VectorBlockedConv.reorderIn(x, xOff, xb, g, p0, p1);
    }

    @Override
    public void blockedConvWeightGrad(float[] xb, float[] gyb, int gyPlane, float[] dwb, int dwOff,
                                      BlockedConvKernels.Geometry g, int[] taps, int ob, int ib, int i0, int i1) {
        if (blockedConvLanes() == 0 || g.lanes() != blockedConvLanes()) {
            super.blockedConvWeightGrad(xb, gyb, gyPlane, dwb, dwOff, g, taps, ob, ib, i0, i1);
            return;
        }
        VectorBlockedConv.weightGrad(xb, gyb, gyPlane, dwb, dwOff, g, taps, ob, ib, i0, i1);
    }

    @Override
    public void blockedConvReorderOut(float[] yb, float[] out, float[] residual, int rOff, float lo, float hi,
                                      BlockedConvKernels.Geometry g, int p0, int p1) {
        if (blockedConvLanes() == 0 || g.lanes() != blockedConvLanes()) {
            super.blockedConvReorderOut(yb, out, residual, rOff, lo, hi, g, p0, p1);
            return;
        }
        VectorBlockedConv.reorderOut(yb, out, residual, rOff, lo, hi, g, p0, p1);
    }

    @Override
    public boolean pointwiseConvFits(int rows, int columns) {
        return VECTOR_GEMM && VectorPointwiseConv.fits(rows, columns);
    }

    @Override
    public void pointwiseConvBlock(float[] w, int cIn, int o0, int o1, float[] x, int xb, int hw, int q0, int q1,
                                   float[] bias, float[] residual, int rOff, float lo, float hi, float[] out, int ob,
                                   int kc) {
        if (!pointwiseConvFits(o1 - o0, q1 - q0)) {
            throw new IllegalArgumentException("pointwiseConvBlock: a " + (o1 - o0) + " x " + (q1 - q0)
                    + " rectangle is too small for the tile (or the vector GEMM is off); check pointwiseConvFits first");
        }
        VectorPointwiseConv.block(w, cIn, o0, o1, x, xb, hw, q0, q1, bias, residual, rOff, lo, hi, out, ob, kc);
    }

    /**
     * Declines when k is contiguous in A and n pads to whole panels with at most an eighth wasted:
     * then A (for a convolution, its weights) is read in place by the tile instead of being packed
     * as the transposed product's B on every call (resnet18's 7 x 7 and 14 x 14 convolutions ran
     * at 70 and 90 GFLOP/s transposed, 140 untransposed, one thread). For a product deep enough
     * that {@code VectorGemm} reads A in place ({@link VectorGemm#DIRECT_MIN_DEPTH}), up to half
     * of n in padding is still cheaper than packing all of A: resnet18's strided im2col products
     * at batch 1, 512x49x2304 (64 padded columns) and 256x196x1152 (224), ran at about 50 and 70
     * GFLOP/s transposed (one thread).
     */
    @Override
    public boolean transposesNarrow(int n, int k, int aCs) {
        if (!VECTOR_GEMM || aCs != 1) {
            return true;
        }
        int padded = (n + VectorGemm.NR - 1) / VectorGemm.NR * VectorGemm.NR;
        int tolerated = k >= VectorGemm.DIRECT_MIN_DEPTH ? 2 : 8;
        return (padded - n) * tolerated > n;
    }

    @Override
    public PackedMatrix packB(int k, int n, float[] b, int bOff, int bRs, int bCs) {
        if (!VECTOR_GEMM) {
            return KernelProvider.scalar().packB(k, n, b, bOff, bRs, bCs);
        }
        int depth = GemmBlocking.current().depth();
        return packedMatrix(k, n, VectorGemm.NR, depth, VectorGemm.packAll(depth, k, n, b, bOff, bRs, bCs));
    }

    @Override
    public void sgemmPackedBlock(int r0, int r1, int c0, int c1, float alpha, float[] a, int aOff, int aRs, int aCs,
                                 PackedMatrix b, float[] c, int cOff, int ldc, boolean accumulate) {
        checkOwnLayout(b);
        if (c0 % VectorGemm.NR != 0) {
            throw new IllegalArgumentException("sgemmPackedBlock: column range must start on a panel edge (a multiple"
                    + " of " + VectorGemm.NR + "), got c0=" + c0);
        }
        VectorGemm.blockPacked(GemmBlocking.current(), b.blockDepth(), r0, r1, c0, c1, b.rows(), b.columns(), alpha, a, aOff, aRs, aCs, b.data(), c, cOff,
                ldc, accumulate);
    }

    /** Fewer rows than one register tile: those run as matrix-vector products ({@link VectorFewRows}). */
    @Override
    public int packedFewRows() {
        return VECTOR_GEMM ? VectorGemm.MR - 1 : 0;
    }

    @Override
    public void sgemmPackedFewRows(int r0, int r1, int c0, int c1, float[] a, int aOff, int aRs, int aCs,
                                   PackedMatrix b, float[] c, int cOff, int ldc, boolean accumulate, boolean dotOrder) {
        checkOwnLayout(b);
        int n = b.columns();
        if (r1 - r0 > packedFewRows() || c0 % VectorGemm.NR != 0 || c1 != n && c1 % VectorGemm.NR != 0
                || dotOrder && accumulate) {
            throw new IllegalArgumentException("sgemmPackedFewRows: rows [" + r0 + ", " + r1 + ") x columns [" + c0
                    + ", " + c1 + ") of " + n + (dotOrder && accumulate ? ", accumulating in dot order" : "")
                    + ": expected at most " + packedFewRows() + " rows and columns on panel edges (multiples of "
                    + VectorGemm.NR + ")");
        }
        int q0 = c0 / VectorGemm.NR;
        int q1 = (c1 + VectorGemm.NR - 1) / VectorGemm.NR;
        if (dotOrder) {
            for (int i = r0; i < r1; i++) {
                VectorFewRows.dotOrder(q0, q1, b.rows(), n, b.blockDepth(), a, aOff + i * aRs, aCs, b.data(), c,
                        cOff + i * ldc);
            }
        } else {
            VectorFewRows.blocked(r0, r1, q0, q1, b.rows(), n, b.blockDepth(), a, aOff, aRs, aCs, b.data(), c, cOff,
                    ldc, accumulate);
        }
    }

    /** The panels {@link #sgemmBlock} packs A into, for every k block and row block, packed once. */
    @Override
    public PackedLeftMatrix packA(int m, int k, float[] a, int aOff, int aRs, int aCs) {
        if (!VECTOR_GEMM) {
            return null;
        }
        int depth = GemmBlocking.current().depth();
        return packedLeftMatrix(m, k, depth, VectorGemm.packLeft(depth, m, k, a, aOff, aRs, aCs));
    }

    @Override
    public PackedLeftMatrix packA(int m, int k, float[] a, int aOff, int aRs, int aCs, float[] into) {
        if (!VECTOR_GEMM) {
            return null;
        }
        int depth = GemmBlocking.current().depth();
        float[] ap = into != null && into.length >= VectorGemm.packedLeftLength(m, k) ? into
                : new float[VectorGemm.packedLeftLength(m, k)];
        return packedLeftMatrix(m, k, depth, VectorGemm.packLeft(depth, m, k, a, aOff, aRs, aCs, ap));
    }

    @Override
    public int packedLeftLength(int m, int k) {
        return VECTOR_GEMM ? VectorGemm.packedLeftLength(m, k) : 0;
    }

    @Override
    public PackedMatrix packB(int k, int n, float[] b, int bOff, int bRs, int bCs, float[] into) {
        if (!VECTOR_GEMM) {
            return packB(k, n, b, bOff, bRs, bCs);
        }
        int depth = GemmBlocking.current().depth();
        int length = VectorGemm.packedAllLength(k, n);
        float[] bp = into != null && into.length >= length ? into : new float[length];
        return packedMatrix(k, n, VectorGemm.NR, depth, VectorGemm.packAll(depth, k, n, b, bOff, bRs, bCs, bp));
    }

    @Override
    public int packedLength(int k, int n) {
        return VECTOR_GEMM ? VectorGemm.packedAllLength(k, n) : super.packedLength(k, n);
    }

    @Override
    public void shiftedConvRowBlock(PackedMatrix b, float[] xs, int[] rowBase, int[] rowOff, int i0, int i1, int j0,
                                    int j1, float[] c, int ldc, boolean accumulate) {
        if (!VECTOR_GEMM || b.provider() != this) {
            super.shiftedConvRowBlock(b, xs, rowBase, rowOff, i0, i1, j0, j1, c, ldc, accumulate);
            return;
        }
        if (i0 % VectorGemm.MR != 0 || j0 % VectorGemm.NR != 0) {
            throw new IllegalArgumentException("shiftedConvRowBlock: the rectangle must start on a tile edge (rows a "
                    + "multiple of " + VectorGemm.MR + ", columns of " + VectorGemm.NR + "), got i0=" + i0 + ", j0=" + j0);
        }
        VectorShiftedConv.rowBlock(b.blockDepth(), b.rows(), b.data(), (b.columns() + VectorGemm.NR - 1) / VectorGemm.NR,
                xs, rowBase, rowOff, i0, i1, j0, j1, c, ldc, accumulate);
    }

    @Override
    public boolean shiftedConvFits() {
        return VECTOR_GEMM;
    }

    @Override
    public void shiftedConvBlock(PackedLeftMatrix a, int o0, int o1, float[] xs, int xo, int[] rowOff, int q0, int q1,
                                 float[] c, int cOff, int ldc, boolean accumulate) {
        if (!VECTOR_GEMM || a.provider() != this) {
            super.shiftedConvBlock(a, o0, o1, xs, xo, rowOff, q0, q1, c, cOff, ldc, accumulate);
            return;
        }
        if (o0 % VectorGemm.MR != 0 || q0 % VectorGemm.NR != 0) {
            throw new IllegalArgumentException("shiftedConvBlock: the rectangle must start on a tile edge (rows a "
                    + "multiple of " + VectorGemm.MR + ", columns of " + VectorGemm.NR + "), got o0=" + o0 + ", q0=" + q0);
        }
        int mPad = (a.rows() + VectorGemm.MR - 1) / VectorGemm.MR * VectorGemm.MR;
        VectorShiftedConv.block(a.blockDepth(), a.depth(), a.data(), mPad, o0, o1, xs, xo, rowOff, q0, q1, c, cOff,
                ldc, accumulate);
    }

    @Override
    public int panelColumns() {
        return VECTOR_GEMM ? VectorGemm.NR : 1;
    }

    /**
     * From three panels on. Measured on one thread (thread CPU time, GFLOP/s, A = weights rotated
     * through 64 MB so that they come from memory, as in a model): 64x480x576 140 -> 156,
     * 128x448x1152 152 -> 170, 256x224x2304 157 -> 161-176, 512x128x4608 158 -> 171, 512x224x4608
     * 157 -> 173, but two panels lose to A read in place (VectorGemm.kernelRows):
     * 512x64x4608 166 -> 156, 256x64x2304 167 -> 149, 128x64x4608 175 -> 147.
     */
    @Override
    public boolean packedLeftPays(int n) {
        return VECTOR_GEMM && n > 2 * VectorGemm.NR;
    }

    @Override
    public void sgemmPackedLeftBlock(int r0, int r1, int c0, int c1, float alpha, PackedLeftMatrix a, float[] b,
                                     int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                                     boolean accumulate) {
        if (a.provider() != this) {
            super.sgemmPackedLeftBlock(r0, r1, c0, c1, alpha, a, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate);
            return;
        }
        if (r0 % VectorGemm.MR != 0) {
            throw new IllegalArgumentException("sgemmPackedLeftBlock: row range must start on a panel edge (a multiple"
                    + " of " + VectorGemm.MR + "), got r0=" + r0);
        }
        int mPad = (a.rows() + VectorGemm.MR - 1) / VectorGemm.MR * VectorGemm.MR;
        VectorGemm.blockPackedLeft(a.blockDepth(), GemmBlocking.current().rows(), r0, r1, c0, c1, a.depth(), alpha,
                a.data(), mPad, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate);
    }
}
