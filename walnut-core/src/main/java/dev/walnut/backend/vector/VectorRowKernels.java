package dev.walnut.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API forms of {@code KernelProvider}'s row kernels for the fused layer norm and
 * attention softmax: sums in float lanes (two accumulators, then the lanes reduced), the
 * deviation from a center and the softmax's shift formed in the same loop that sums them. Each
 * method is self-contained over the preferred float species only, so that C2 keeps every
 * vector in registers (see {@link VectorKernelProvider}'s note on type-profile pollution and
 * {@link VectorMath}'s on inlining).
 *
 * <pre>{@code
 * float mean = VectorRowKernels.sum(row, 0, 256) / 256;
 * float var = VectorRowKernels.squaredDeviations(row, 0, 256, mean) / 256;
 * }</pre>
 */
final class VectorRowKernels {
    private VectorRowKernels() {
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Sum of {@code x[off .. off+n)}: float lanes, then the tail in order. */
    static float sum(float[] x, int off, int n) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            s0 = s0.add(FloatVector.fromArray(S, x, off + i));
            s1 = s1.add(FloatVector.fromArray(S, x, off + i + L));
        }
        if (i + L <= n) {
            s0 = s0.add(FloatVector.fromArray(S, x, off + i));
            i += L;
        }
        float s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    /** {@code out = x + r} (or x copied where r is null), returning the sum of out: float lanes, then the tail in order. */
    static float addSum(float[] x, int xo, float[] r, int ro, float[] out, int oo, int n) {
        if (r == null) {
            if (out != x || oo != xo) {
                System.arraycopy(x, xo, out, oo, n);
            }
            return sum(out, oo, n);
        }
        FloatVector s0 = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector z = FloatVector.fromArray(S, x, xo + i).add(FloatVector.fromArray(S, r, ro + i));
            z.intoArray(out, oo + i);
            s0 = s0.add(z);
        }
        float s = s0.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float z = x[xo + i] + r[ro + i];
            out[oo + i] = z;
            s += z;
        }
        return s;
    }

    /** {@code z = ((z - mean) * rstd) * w + b} in place, w and b optional, each operation rounded on its own. */
    static void normalize(float[] z, int zo, int n, float mean, float rstd, float[] w, int wo, float[] b, int bo) {
        int i = 0;
        if (w != null && b != null) {
            for (; i + L <= n; i += L) {
                FloatVector.fromArray(S, z, zo + i).sub(mean).mul(rstd).mul(FloatVector.fromArray(S, w, wo + i))
                        .add(FloatVector.fromArray(S, b, bo + i)).intoArray(z, zo + i);
            }
        }
        for (; i < n; i++) {
            float y = (z[zo + i] - mean) * rstd;
            if (w != null) {
                y *= w[wo + i];
            }
            z[zo + i] = b == null ? y : y + b[bo + i];
        }
    }

    /** {@code sum((x[i] - c)^2)} over {@code x[off .. off+n)}, each square rounded to float. */
    static float squaredDeviations(float[] x, int off, int n, float c) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            FloatVector d0 = FloatVector.fromArray(S, x, off + i).sub(c);
            FloatVector d1 = FloatVector.fromArray(S, x, off + i + L).sub(c);
            s0 = s0.add(d0.mul(d0));
            s1 = s1.add(d1.mul(d1));
        }
        if (i + L <= n) {
            FloatVector d0 = FloatVector.fromArray(S, x, off + i).sub(c);
            s0 = s0.add(d0.mul(d0));
            i += L;
        }
        float s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = x[off + i] - c;
            s += d * d;
        }
        return s;
    }

    /** {@code x[i] -= shift} over {@code x[off .. off+n)}: the softmax's shift by the row max, before its exponentials. */
    static void shift(float[] x, int off, int n, float shift) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(S, x, off + i).sub(shift).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] -= shift;
        }
    }
}
