package dev.walnut.backend.cpu;

import java.lang.ref.SoftReference;

/**
 * Per-thread scratch arrays of the convolution kernels, grown on demand and kept for the next
 * call, as {@code VectorGemm} keeps its packing buffers: a compiled CNN runs the same layers
 * every inference, and fresh scratch arrays (the padded input, the shifted GEMMs' grid and
 * panels) were most of what an inference allocated after its outputs, each zeroed by the JVM
 * only to be overwritten. A taken array's contents are arbitrary: callers write every element
 * they read. Each slot has one user at a time on a thread: {@link #PADDED} and {@link #GRID} are
 * held by the calling thread for one kernel call, {@link #PANEL} by a thread for one range body
 * of {@link Parallel} (which never nests), so a caller that also runs range bodies uses
 * different arrays for the two. Arrays are softly held, so memory pressure can take them, and
 * larger than {@link #KEPT} elements are not kept at all (a huge image's scratch would otherwise
 * stay with its thread for good).
 *
 * <pre>{@code
 * float[] panel = (float[]) ConvScratch.take(ConvScratch.PANEL, false, rows * cols); // at least that long
 * }</pre>
 */
final class ConvScratch {
    /** The zero-padded (or channel-major) copy of a convolution's input. */
    static final int PADDED = 0;
    /** The shifted GEMMs' full-grid output. */
    static final int GRID = 1;
    /** One range body's panel of shifted input rows. */
    static final int PANEL = 2;
    /** A per-call packed copy of the weights (when none is kept for them, as in training). */
    static final int WEIGHTS = 3;
    /** The shifted product's table of row offsets (an {@code int[]}, see {@link #takeInts}). */
    static final int OFFSETS = 4;
    /** The weights without their zero taps, before packing. */
    static final int TAPS = 5;
    /** The transposed shifted product's table of row bases (an {@code int[]}). */
    static final int BASES = 6;
    /** Zeros standing in for a missing bias. */
    static final int BIAS = 7;
    /** Most elements an array may have to be kept: 32 MB of floats. */
    static final int KEPT = 1 << 23;

    private static final ThreadLocal<Object[]> SLOTS = ThreadLocal.withInitial(() -> new Object[16]);

    private ConvScratch() {
    }

    /**
     * A {@code double[]} ({@code f64}) or {@code float[]} of at least {@code n} elements for
     * {@code slot}, with arbitrary contents, valid until this thread next takes the same slot.
     */
    static Object take(int slot, boolean f64, int n) {
        if (n > KEPT) {
            return f64 ? new double[n] : new float[n];
        }
        Object[] slots = SLOTS.get();
        int i = 2 * slot + (f64 ? 1 : 0);
        @SuppressWarnings("unchecked")
        SoftReference<Object> ref = (SoftReference<Object>) slots[i];
        Object a = ref == null ? null : ref.get();
        if (a == null || (f64 ? ((double[]) a).length : ((float[]) a).length) < n) {
            a = f64 ? new double[n] : new float[n];
            slots[i] = new SoftReference<>(a);
        }
        return a;
    }

    /** An {@code int[]} of at least {@code n} elements for {@code slot}, as {@link #take} gives arrays. */
    static int[] takeInts(int slot, int n) {
        if (n > KEPT) {
            return new int[n];
        }
        Object[] slots = SLOTS.get();
        int i = 2 * slot;
        @SuppressWarnings("unchecked")
        SoftReference<int[]> ref = (SoftReference<int[]>) slots[i];
        int[] a = ref == null ? null : ref.get();
        if (a == null || a.length < n) {
            a = new int[n];
            slots[i] = new SoftReference<>(a);
        }
        return a;
    }

    /** {@code a[from .. to)} = 0. */
    static void zero(Object a, int from, int to) {
        if (from >= to) {
            return;
        }
        if (a instanceof float[] f) {
            java.util.Arrays.fill(f, from, to, 0f);
        } else {
            java.util.Arrays.fill((double[]) a, from, to, 0.0);
        }
    }
}
