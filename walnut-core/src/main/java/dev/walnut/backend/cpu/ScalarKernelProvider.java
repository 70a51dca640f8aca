package dev.walnut.backend.cpu;

/**
 * The default {@link KernelProvider}: the package's plain loops, which C2 auto-vectorizes where
 * it can, with {@code Math}'s correctly rounded (in double) transcendentals.
 */
final class ScalarKernelProvider extends KernelProvider {
    static final ScalarKernelProvider INSTANCE = new ScalarKernelProvider();

    private ScalarKernelProvider() {
    }

    @Override
    public String description() {
        return "scalar";
    }

    @Override
    public void unary(int op, double p1, double p2, float[] x, float[] out, int o, int n) {
        FloatUnary.runScalar(op, p1, p2, x, out, o, n);
    }

    @Override
    public void binary(int op, float[] a, float[] b, float[] out, int o, int n) {
        FloatBinary.alignedScalar(op, a, b, out, o, n);
    }

    @Override
    public double sum(float[] x, int off, int n) {
        return FloatReduce.sumScalar(x, off, n);
    }

    @Override
    public float max(float[] x, int off, int n) {
        return FloatReduce.maxScalar(x, off, n);
    }

    @Override
    public float min(float[] x, int off, int n) {
        return FloatReduce.minScalar(x, off, n);
    }

    @Override
    public void sgemmBlock(int r0, int r1, int c0, int c1, int k, float alpha, float[] a, int aOff, int aRs,
                           int aCs, float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                           boolean accumulate) {
        FloatGemm.block(r0, r1, c0, c1, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, cCs, accumulate);
    }

    /** A contiguous row-major copy: the scalar block then packs it with plain array copies. */
    @Override
    public PackedMatrix packB(int k, int n, float[] b, int bOff, int bRs, int bCs) {
        float[] copy = new float[Math.multiplyExact(k, n)];
        CopyKernels.copy(b, bOff, new int[] {k, n}, new int[] {bRs, bCs}, copy, 0, new int[] {n, 1});
        return packedMatrix(k, n, 16, 0, copy);
    }

    @Override
    public void sgemmPackedBlock(int r0, int r1, int c0, int c1, float alpha, float[] a, int aOff, int aRs, int aCs,
                                 PackedMatrix b, float[] c, int cOff, int ldc, boolean accumulate) {
        checkOwnLayout(b);
        int n = b.columns();
        if (c1 - c0 < Gemm.NARROW && r1 - r0 > c1 - c0) {
            // C^T = B^T A^T, as Gemm.sgemm computes narrow products: the row kernel vectorizes
            // along C's rows, so the rows get the long side. Same products, same sums, same bits.
            FloatGemm.block(c0, c1, r0, r1, b.rows(), alpha, b.data(), 0, 1, n, a, aOff, aCs, aRs, c, cOff, 1, ldc,
                    accumulate);
        } else {
            FloatGemm.block(r0, r1, c0, c1, b.rows(), alpha, a, aOff, aRs, aCs, b.data(), 0, n, 1, c, cOff, ldc, 1,
                    accumulate);
        }
    }
}
