package dev.walnut.backend.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API forms of {@code KernelProvider}'s layer-norm row kernels: elementwise, each
 * result one chain of IEEE operations on its own inputs (no fused multiply-add), so they give the
 * scalar loops' bits. Each method is self-contained over the preferred float species only, so
 * that C2 keeps every vector in registers (see {@link VectorKernelProvider}'s note on
 * type-profile pollution and {@link VectorMath}'s on inlining).
 *
 * <pre>{@code
 * VectorRowKernels.squaredDeviations(row, 0, 256, mean, sq);          // sq = (row - mean)^2
 * VectorRowKernels.normalize(row, 0, 256, mean, rstd, w, 0, b, 0);    // row = (row - mean) * rstd * w + b
 * }</pre>
 */
final class VectorRowKernels {
    private VectorRowKernels() {
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** {@code sq[i] = (x[off + i] - c)^2}, the difference rounded to float first. */
    static void squaredDeviations(float[] x, int off, int n, float c, float[] sq) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, off + i).sub(c);
            d.mul(d).intoArray(sq, i);
        }
        for (; i < n; i++) {
            float d = x[off + i] - c;
            sq[i] = d * d;
        }
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
}
