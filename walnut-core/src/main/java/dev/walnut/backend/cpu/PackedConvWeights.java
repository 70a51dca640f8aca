package dev.walnut.backend.cpu;

import dev.walnut.DType;
import dev.walnut.backend.Layout;
import java.lang.ref.SoftReference;
import java.util.Arrays;

/**
 * The packed copy of a convolution's float weights ({@link ShiftedGemmConvKernels#packWeights})
 * that {@link CpuBackend} keeps on the weight's storage, so inference packs each layer's weights
 * once instead of on every call (or reading them row by row in place). Keyed by everything that
 * fixes the packed values: the storage's version (every in-place write bumps it, through any
 * view), the weight's layout and the GEMM blocking depth it was packed under. A copy is made
 * only when the same values are seen a second time (the first sight only notes the version, in
 * {@code CpuStorage.seenVersion}): a training step writes new weights before every forward, so
 * packing them would be a pure extra pass (and a training step allocates nothing here); an
 * inference loop reaches the second call at once. The copy is held softly (memory pressure drops
 * it; it is packed again) and is immutable, so threads running the same model share it; two
 * threads may both pack it once.
 *
 * <pre>{@code
 * Object wp = PackedConvWeights.lookup(w, lw, wv, n, cIn, h, wd, pad, cOut, kh, kw); // null: use wv
 * }</pre>
 *
 * @param version the storage version the key was taken at
 * @param layout  the weight's layout then
 * @param depth   the GEMM blocking depth then
 * @param packed  the packed copy ({@link PackedLeftMatrix} or {@link PackedMatrix}), or null when it does
 *                not pay for this convolution
 */
record PackedConvWeights(int version, Layout layout, int depth, SoftReference<Object> packed) {
    /**
     * The packed copy of {@code w} (its dense values {@code wv}) for a stride-1 convolution of
     * these sizes run by {@link ShiftedGemmConvKernels}, or null: first sight of these values, not
     * float, or not paying for this convolution ({@link ShiftedGemmConvKernels#packWeights}).
     */
    static Object lookup(CpuStorage w, Layout lw, Object wv, int n, int cIn, int h, int wd, int[] pad,
                                   int cOut, int kh, int kw) {
        if (w.dtype() != DType.F32) {
            return null;
        }
        int depth = GemmBlocking.current().depth();
        int version = w.version();
        if (w.packedWeights instanceof PackedConvWeights held && held.isFor(version, lw, depth)) {
            Object m = held.packed == null ? null : held.packed.get();
            if (m != null || held.packed == null) {
                return m;
            }
            // Dropped under memory pressure: pack again.
        } else if (w.seenVersion != version) {
            w.seenVersion = version;
            return null;
        }
        Object m = ShiftedGemmConvKernels.packWeights((float[]) wv, n, cIn, h, wd, pad, cOut, kh, kw);
        w.packedWeights = new PackedConvWeights(version, lw, depth, m == null ? null : new SoftReference<>(m));
        return m;
    }

    /**
     * The weights packed for {@link BlockedConvKernels} ({@code g}'s block size and channels), kept
     * on the storage as {@link #lookup} keeps its copy, but packed on first sight too: into the
     * calling thread's scratch while the values are new (a training step's weights), into a kept
     * array once they are seen again.
     */
    static float[] lookupBlocked(CpuStorage w, Layout lw, float[] wv, BlockedConvKernels.Geometry g) {
        int version = w.version();
        int key = g.lanes();
        if (w.packedWeights instanceof PackedConvWeights held && held.isFor(version, lw, -key)
                && held.packed.get() instanceof float[] kept) {
            return kept;
        }
        if (w.seenVersion != version) {
            w.seenVersion = version;
            float[] scratch = (float[]) ConvScratch.take(ConvScratch.WEIGHTS, false, wv.length);
            return BlockedConvKernels.packWeights(wv, g, scratch);
        }
        float[] m = BlockedConvKernels.packWeights(wv, g, null);
        // The depth slot holds minus the block size: a shifted-GEMM copy (depth > 0) never matches it.
        w.packedWeights = new PackedConvWeights(version, lw, -key, new SoftReference<>(m));
        return m;
    }

    private boolean isFor(int v, Layout l, int d) {
        return v == version && d == depth && l.offset() == layout.offset() && Arrays.equals(l.shape(), layout.shape())
                && Arrays.equals(l.strides(), layout.strides());
    }
}
