package dev.walnut.backend.vector;

import dev.walnut.backend.cpu.KernelProvider;
import dev.walnut.backend.cpu.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API {@link KernelProvider}: SIMD {@code exp}, {@code log}, {@code tanh},
 * {@code sigmoid} (see {@link VectorMath} for their error bounds), elementwise arithmetic,
 * blocked sums and max/min, and a register-tiled SGEMM ({@link VectorGemm}). Ops it does not
 * speed up run the scalar kernels.
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
    /** Floats summed in float lanes before the partial sum moves to double (4 vectors x 4 steps of 16 lanes). */
    private static final int SUM_BLOCK = 16 * L;

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
        return "Vector API, " + S.vectorBitSize() + "-bit float species";
    }

    @Override
    public void unary(int op, double p1, double p2, float[] x, float[] out, int o, int n) {
        switch (op) {
            case UnaryOp.EXP: VectorMath.apply(VectorMath.EXP, x, out, o, n); return;
            case UnaryOp.LOG: VectorMath.apply(VectorMath.LOG, x, out, o, n); return;
            case UnaryOp.TANH: VectorMath.apply(VectorMath.TANH, x, out, o, n); return;
            case UnaryOp.SIGMOID: VectorMath.apply(VectorMath.SIGMOID, x, out, o, n); return;
            default: scalarUnary(op, p1, p2, x, out, o, n);
        }
    }

    @Override
    public void binary(int op, float[] a, float[] b, float[] out, int o, int n) {
        scalarBinary(op, a, b, out, o, n);
    }

    /**
     * Blocks of {@code SUM_BLOCK} floats are summed in four vector accumulators (each lane adds
     * four values), reduced across lanes in float and added to a double total: the float error
     * per block is bounded by about {@code (4 + log2(4L)) * 2^-24} times the block's sum of
     * magnitudes, and blocks do not compound, so long rows stay as accurate as short ones.
     */
    @Override
    public double sum(float[] x, int off, int n) {
        double total = 0;
        int i = 0;
        for (; i + SUM_BLOCK <= n; i += SUM_BLOCK) {
            int b = off + i;
            FloatVector s0 = FloatVector.fromArray(S, x, b);
            FloatVector s1 = FloatVector.fromArray(S, x, b + L);
            FloatVector s2 = FloatVector.fromArray(S, x, b + 2 * L);
            FloatVector s3 = FloatVector.fromArray(S, x, b + 3 * L);
            for (int j = 4 * L; j < SUM_BLOCK; j += 4 * L) {
                s0 = s0.add(FloatVector.fromArray(S, x, b + j));
                s1 = s1.add(FloatVector.fromArray(S, x, b + j + L));
                s2 = s2.add(FloatVector.fromArray(S, x, b + j + 2 * L));
                s3 = s3.add(FloatVector.fromArray(S, x, b + j + 3 * L));
            }
            total += s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        }
        if (i < n) {
            FloatVector s = FloatVector.zero(S);
            for (; i < n; i += L) {
                s = s.add(FloatVector.fromArray(S, x, off + i, S.indexInRange(i, n)));
            }
            total += s.reduceLanes(VectorOperators.ADD);
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
        for (int bound = off + n - 2 * L; off + i <= bound; i += 2 * L) {
            m0 = m0.max(FloatVector.fromArray(S, x, off + i));
            m1 = m1.max(FloatVector.fromArray(S, x, off + i + L));
        }
        // The overlapping last vectors re-read some elements, which max does not mind.
        m0 = m0.max(FloatVector.fromArray(S, x, off + n - 2 * L));
        m1 = m1.max(FloatVector.fromArray(S, x, off + n - L));
        return m0.max(m1).reduceLanes(VectorOperators.MAX);
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
            m0 = m0.min(FloatVector.fromArray(S, x, off + i));
            m1 = m1.min(FloatVector.fromArray(S, x, off + i + L));
        }
        m0 = m0.min(FloatVector.fromArray(S, x, off + n - 2 * L));
        m1 = m1.min(FloatVector.fromArray(S, x, off + n - L));
        return m0.min(m1).reduceLanes(VectorOperators.MIN);
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
        VectorGemm.block(r0, r1, c0, c1, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs,
                accumulate);
    }
}
