package dev.walnut.backend.cpu;

import dev.walnut.backend.BinaryOp;
import dev.walnut.backend.ElementwiseProgram;
import dev.walnut.backend.UnaryOp;
import java.util.Optional;

/**
 * The contiguous {@code float} kernels that have a faster SIMD form: elementwise loops,
 * transcendental functions, row reductions and the packed SGEMM block. The tensor layer never
 * sees this class: {@link ElementwiseKernels}, the reductions and {@link Gemm} call the active
 * provider at their contiguous fast paths, so every {@code Tensor} op uses it transparently.
 *
 * <p>Two implementations exist, chosen once per JVM the way Apache Lucene chooses its
 * vectorization provider:
 * <ul>
 *   <li>{@code dev.walnut.backend.vector.VectorKernelProvider}, written with the incubating
 *       Vector API ({@code jdk.incubator.vector}). It is loaded reflectively, and only when the
 *       JVM was started with {@code --add-modules jdk.incubator.vector}; without the module its
 *       class is never touched, so the core still runs on any JDK 17+.</li>
 *   <li>the scalar provider: the plain loops C2 auto-vectorizes, and the fallback whenever the
 *       module is missing, cannot be loaded, or {@code -Dwalnut.vector=false} is given.</li>
 * </ul>
 * The first kernel call logs one {@code INFO} line through {@link System.Logger} (logger
 * {@code dev.walnut.backend}) saying which provider is active.
 *
 * <pre>{@code
 * // java --add-modules jdk.incubator.vector ...
 * KernelProvider.get().description();   // "Vector API, 512-bit float species"
 * // java -Dwalnut.vector=false ...       (or no --add-modules)
 * KernelProvider.get().description();   // "scalar"
 * }</pre>
 *
 * <p>This is a service interface for Walnut's own back ends, public only so that the Vector API
 * implementation can live in its own package; applications do not call it. Every method works on
 * contiguous runs that start at one shared offset (see {@link FloatUnary} for why), has the same
 * NaN, infinity and signed-zero rules as the scalar loop it replaces, and differs from it only in
 * rounding where its Javadoc says so.
 */
public abstract class KernelProvider {
    /** System property that forces the scalar kernels when set to {@code false}. */
    public static final String VECTOR_PROPERTY = "walnut.vector";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "dev.walnut.backend.vector.VectorKernelProvider";

    /** Subclasses are Walnut's own providers. */
    protected KernelProvider() {
    }

    /** The active provider; the first call picks it and logs which one it is. */
    public static KernelProvider get() {
        return Holder.ACTIVE;
    }

    /** The scalar provider, whatever is active: the reference the SIMD kernels are tested against. */
    public static KernelProvider scalar() {
        return ScalarKernelProvider.INSTANCE;
    }

    // Lazy holder: nothing is looked up (or logged) until a kernel first runs, and afterwards
    // ACTIVE is a constant to the JIT, so calls through it inline like static calls.
    private static final class Holder {
        static final KernelProvider ACTIVE = load();
    }

    private static KernelProvider load() {
        System.Logger log = System.getLogger("dev.walnut.backend");
        String reason;
        if ("false".equalsIgnoreCase(System.getProperty(VECTOR_PROPERTY, "true").trim())) {
            reason = "forced by -D" + VECTOR_PROPERTY + "=false";
        } else if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            reason = "start the JVM with --add-modules " + VECTOR_MODULE + " for SIMD kernels";
        } else {
            Optional<KernelProvider> vector = loadVector();
            if (vector.isPresent()) {
                log.log(System.Logger.Level.INFO, "Walnut CPU kernels: " + vector.get().description());
                return vector.get();
            }
            reason = "the Vector API provider could not be used on this JVM (see the previous log line)";
        }
        log.log(System.Logger.Level.INFO, "Walnut CPU kernels: scalar; " + reason);
        return ScalarKernelProvider.INSTANCE;
    }

    /**
     * Instantiates the Vector API provider, or returns empty when it cannot run here: its
     * constructor refuses a JVM whose preferred float species is narrower than 128 bits (no SIMD
     * worth using). Package-private so tests can load it whatever the system property says.
     */
    static Optional<KernelProvider> loadVector() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of((KernelProvider) Class.forName(VECTOR_CLASS).getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | UnsupportedOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.getLogger("dev.walnut.backend").log(System.Logger.Level.WARNING,
                    "Walnut CPU kernels: Vector API provider unavailable (" + cause + "); using scalar kernels");
            return Optional.empty();
        }
    }

    /** Short human-readable name for the log line, e.g. {@code "Vector API, 512-bit float species"}. */
    public abstract String description();

    /**
     * {@code out[o + i] = op(x[o + i], p1, p2)} for {@code i < n}, every {@link UnaryOp};
     * {@code x == out} is allowed. Transcendental ops may differ from {@code Math}'s correctly
     * rounded result by the error bound the implementation documents.
     */
    public abstract void unary(int op, double p1, double p2, float[] x, float[] out, int o, int n);

    /**
     * {@code out[o + i] = a[o + i] op b[o + i]} for {@code i < n}, op one of {@link BinaryOp#ADD}
     * .. {@link BinaryOp#REMAINDER}; any of the arrays may be the same array.
     */
    public abstract void binary(int op, float[] a, float[] b, float[] out, int o, int n);

    /**
     * Sum of {@code x[off .. off+n)}, accumulated in double (the scalar provider sums pairwise,
     * the vector one in double lanes), so the float result is the correctly rounded sum within
     * an ulp unless the terms cancel massively.
     */
    public abstract double sum(float[] x, int off, int n);

    /** NaN-propagating maximum of a non-empty run ({@code max(-0, 0)} is {@code 0}). */
    public abstract float max(float[] x, int off, int n);

    /** NaN-propagating minimum of a non-empty run ({@code min(-0, 0)} is {@code -0}). */
    public abstract float min(float[] x, int off, int n);

    // Row kernels of the fused layer norm (NormKernels): short rows (a transformer's 256
    // features) already in cache, where the passes over the row were the cost. Each result
    // element is one IEEE operation chain on its own inputs, so every provider gives the same
    // bits and the fused norm keeps the decomposition's (its sums stay on sum).

    /** {@code sq[i] = (x[off + i] - c) * (x[off + i] - c)} for {@code i < n}, the difference rounded to float first. */
    public void rowSquaredDeviations(float[] x, int off, int n, float c, float[] sq) {
        for (int i = 0; i < n; i++) {
            float d = x[off + i] - c;
            sq[i] = d * d;
        }
    }

    /**
     * {@code z[zo + i] = ((z[zo + i] - mean) * rstd) * w[wo + i] + b[bo + i]} in place for
     * {@code i < n}, each operation rounded on its own (no fused multiply-add); a null {@code w}
     * or {@code b} is left out: a layer norm's normalization and affine.
     */
    public void rowNormalize(float[] z, int zo, int n, float mean, float rstd, float[] w, int wo, float[] b, int bo) {
        for (int i = 0; i < n; i++) {
            float y = (z[zo + i] - mean) * rstd;
            if (w != null) {
                y *= w[wo + i];
            }
            z[zo + i] = b == null ? y : y + b[bo + i];
        }
    }

    /**
     * The rectangle rows {@code [r0, r1)} x columns {@code [c0, c1)} of the packed SGEMM
     * {@code C (=|+=) alpha * A * B}, on the calling thread (operands as in {@link Gemm#sgemm},
     * C with row stride {@code cRs} and column stride {@code cCs}). {@link FloatGemm} splits
     * large products across threads and calls this once per rectangle.
     */
    public abstract void sgemmBlock(int r0, int r1, int c0, int c1, int k, float alpha, float[] a, int aOff,
                                    int aRs, int aCs, float[] b, int bOff, int bRs, int bCs, float[] c, int cOff,
                                    int cRs, int cCs, boolean accumulate);

    /**
     * Packs {@code B[k x n]} (element (p, j) at {@code b[bOff + p*bRs + j*bCs]}, any strides) once
     * into the layout {@link #sgemmPackedBlock} reads: what {@link #sgemmBlock} would pack on
     * every call. The scalar provider keeps a contiguous row-major copy; the vector provider its
     * zero-padded register-tile panels for every k block.
     */
    public abstract PackedMatrix packB(int k, int n, float[] b, int bOff, int bRs, int bCs);

    /**
     * The rectangle rows {@code [r0, r1)} x columns {@code [c0, c1)} of {@code C (=|+=) alpha * A *
     * B} with B packed by this provider's {@link #packB}, on the calling thread; {@code c0} is a
     * multiple of {@link PackedMatrix#columnUnit()}, C is row-major with row stride {@code ldc}.
     * Every element of C gets exactly the rounding {@link #sgemmBlock} gives it for the unpacked B.
     *
     * @throws IllegalArgumentException when {@code b} was packed by another provider
     */
    public abstract void sgemmPackedBlock(int r0, int r1, int c0, int c1, float alpha, float[] a, int aOff, int aRs,
                                          int aCs, PackedMatrix b, float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * The most rows of A that {@link #sgemmPackedFewRows} takes, 0 where it has no such kernel
     * (the scalar provider: its packed B is a plain row-major copy, and its GEMM path for one row,
     * dot products along k, is what the caller falls back to).
     */
    public int packedFewRows() {
        return 0;
    }

    /**
     * Rows {@code [r0, r1)} (at most {@link #packedFewRows()} of them) x columns {@code [c0, c1)}
     * of {@code C (=|+=) A * B} with B packed by this provider's {@link #packB}, on the calling
     * thread, as matrix-vector products that read B once for all the rows; {@code c0} is a
     * multiple of {@link PackedMatrix#columnUnit()}, and so is {@code c1} unless it is n. With
     * {@code dotOrder} false, each element of C gets the bits {@link #sgemmPackedBlock} gives it
     * (alpha 1); with it true (and {@code accumulate} false), the bits of the dot product
     * {@link Gemm#sgemm} computes for a single row of A times a B whose k is contiguous: one sum
     * in k order, each product rounded before it is added.
     *
     * @throws UnsupportedOperationException from a provider without the kernel
     */
    public void sgemmPackedFewRows(int r0, int r1, int c0, int c1, float[] a, int aOff, int aRs, int aCs,
                                   PackedMatrix b, float[] c, int cOff, int ldc, boolean accumulate, boolean dotOrder) {
        throw new UnsupportedOperationException("sgemmPackedFewRows: the " + description()
                + " provider has no few-row kernel; check packedFewRows first");
    }

    /**
     * Whether {@link Gemm#sgemm} should hand this provider a narrow product ({@code n} below 256
     * columns, fewer than its {@code m} rows) transposed, as {@code C^T = B^T A^T}, so that the
     * rows the kernel vectorizes along are the long side. {@code k} is the product's depth and
     * {@code aCs} A's column stride. True
     * here (the scalar kernel's rows are whole rows of C); the vector provider declines where its
     * panels waste little of n and A can be read in place.
     */
    public boolean transposesNarrow(int n, int k, int aCs) {
        return true;
    }

    /**
     * Packs {@code A[m x k]} (element (i, p) at {@code a[aOff + i*aRs + p*aCs]}) once into the
     * layout {@link #sgemmPackedLeftBlock} reads, with k blocks of the calling thread's
     * {@link GemmBlocking#depth()}; null where this provider has no such layout (the scalar one:
     * its kernel packs B, not A), and then callers multiply with {@link Gemm#sgemm} as before.
     */
    public PackedLeftMatrix packA(int m, int k, float[] a, int aOff, int aRs, int aCs) {
        return null;
    }

    /**
     * The rectangle rows {@code [r0, r1)} x columns {@code [c0, c1)} of {@code C (=|+=) alpha * A *
     * B} with A packed by this provider's {@link #packA}, on the calling thread; {@code r0} is a
     * multiple of 8 (C's row split), B and C as in {@link #sgemmBlock}. Every element of C gets
     * exactly the rounding {@link #sgemmBlock} gives it for the unpacked A under a blocking of A's
     * {@link PackedLeftMatrix#blockDepth()}.
     *
     * @throws IllegalArgumentException when {@code a} was packed by another provider
     */
    public void sgemmPackedLeftBlock(int r0, int r1, int c0, int c1, float alpha, PackedLeftMatrix a, float[] b,
                                     int bOff, int bRs, int bCs, float[] c, int cOff, int cRs, int cCs,
                                     boolean accumulate) {
        throw new IllegalArgumentException("sgemmPackedLeftBlock: A was packed by the " + a.provider().description()
                + " provider, not by this " + description() + " one; multiply through Gemm.sgemmPackedA");
    }

    /**
     * Columns per register-tile panel of {@link #sgemmBlock}: a product a whole number of panels
     * wide has no partial panel to run through a scratch tile. 1 here (the scalar kernel has no
     * such edge).
     */
    public int panelColumns() {
        return 1;
    }

    /**
     * Whether a product {@code n} columns wide runs faster with A packed once ({@link #packA})
     * than as {@link #sgemmBlock} runs it; false here (no packed-A layout).
     */
    public boolean packedLeftPays(int n) {
        return false;
    }

    /** Wraps {@code data}, packed in this provider's A layout with k blocks of {@code blockDepth}. */
    protected final PackedLeftMatrix packedLeftMatrix(int m, int k, int blockDepth, float[] data) {
        return new PackedLeftMatrix(this, m, k, blockDepth, data);
    }

    /**
     * {@link #packA} into {@code into} when it is long enough (its old contents are overwritten),
     * else into a new array: for a product whose A changes on every call (a training step's
     * convolution weights), so the packed copy needs no allocation of its own. Null when the
     * provider has no packed-A layout.
     */
    public PackedLeftMatrix packA(int m, int k, float[] a, int aOff, int aRs, int aCs, float[] into) {
        return null;
    }

    /**
     * Floats {@link #packA} packs an {@code m x k} A into (0 for a provider without the layout), for
     * sizing the {@code into} array.
     */
    public int packedLeftLength(int m, int k) {
        return 0;
    }

    /**
     * {@link #packB} into {@code into} when it is long enough (its old contents are overwritten),
     * else into a new array; see {@link #packA(int, int, float[], int, int, int, float[])}.
     */
    public PackedMatrix packB(int k, int n, float[] b, int bOff, int bRs, int bCs, float[] into) {
        return packB(k, n, b, bOff, bRs, bCs);
    }

    /** Floats {@link #packB} packs a {@code k x n} B into, for sizing the {@code into} array. */
    public int packedLength(int k, int n) {
        return Math.multiplyExact(k, n);
    }

    /**
     * Whether {@link #shiftedConvBlock} runs here; false (the caller copies the shifted rows into
     * panels for the GEMM) for the scalar provider.
     */
    public boolean shiftedConvFits() {
        return false;
    }

    /**
     * Rows {@code [o0, o1)} x columns {@code [q0, q1)} of a stride-1 convolution's product read
     * straight from its shifted input, on the calling thread: {@code C[o][q] (=|+=) sum_p A[o][p] *
     * xs[xo + q + rowOff[p]]}, C element (o, q) at {@code c[cOff + o*ldc + q]}, A packed by this
     * provider's {@link #packA}. Runs whole register tiles: rows up to the next multiple of 8 (C must
     * have them; the packed A's padding rows are zero) and columns up to {@code q0} plus a whole
     * number of {@link #panelColumns()} (xs and C must have room for them); those extra elements of C
     * get undefined values. {@code o0} and {@code q0} are multiples of 8 and of the panel width.
     * Each element of C gets the bits {@link #sgemmPackedLeftBlock} gives it for the same rows of B.
     *
     * @throws UnsupportedOperationException from a provider without the kernel
     */
    public void shiftedConvBlock(PackedLeftMatrix a, int o0, int o1, float[] xs, int xo, int[] rowOff, int q0, int q1,
                                 float[] c, int cOff, int ldc, boolean accumulate) {
        throw new UnsupportedOperationException("shiftedConvBlock: the " + description()
                + " provider has no shifted-convolution kernel; check shiftedConvFits first");
    }

    /**
     * {@link #shiftedConvBlock}'s product transposed, one row per output position: {@code C[i][j]
     * (=|+=) sum_p xs[rowBase[i] + rowOff[p]] * B[p][j]} for rows {@code [i0, i1)} and columns
     * {@code [j0, j1)}, C element (i, j) at {@code c[i*ldc + j]}, B ({@code [k, channels]}, the
     * weights transposed) packed by this provider's {@link #packB}. Whole register tiles: rows up
     * to the next multiple of 8 ({@code rowBase} and C must have them) and columns up to {@code j0}
     * plus a whole number of {@link #panelColumns()} (C must have room); {@code j0} a multiple of
     * the panel width. Each element gets the bits {@link #shiftedConvBlock} gives its transpose.
     *
     * @throws UnsupportedOperationException from a provider without the kernel
     */
    public void shiftedConvRowBlock(PackedMatrix b, float[] xs, int[] rowBase, int[] rowOff, int i0, int i1, int j0,
                                    int j1, float[] c, int ldc, boolean accumulate) {
        throw new UnsupportedOperationException("shiftedConvRowBlock: the " + description()
                + " provider has no shifted-convolution kernel; check shiftedConvFits first");
    }

    /**
     * The channel block size of {@link #blockedConvTiles}, or 0 when this provider has no
     * channel-blocked convolution tile (stride-1 convolutions then take the shifted GEMMs).
     */
    public int blockedConvLanes() {
        return 0;
    }

    /**
     * Tiles {@code [t0, t1)} of a channel-blocked convolution ({@link BlockedConvKernels}), on the
     * calling thread, with the operations and order of {@link BlockedConvKernels}' scalar tile.
     *
     * @throws UnsupportedOperationException from a provider without the tile ({@link #blockedConvLanes()} 0)
     */
    public void blockedConvTiles(float[] xb, float[] wp, float[] bias, float[] yb, BlockedConvKernels.Geometry g,
                                 int[] offsets, int t0, int t1, float lo, float hi) {
        throw new UnsupportedOperationException("blockedConvTiles: the " + description()
                + " provider has no channel-blocked convolution tile; check blockedConvLanes first");
    }

    /**
     * One (output block pair, input block) of a channel-blocked weight gradient on the calling
     * thread, with the operations and order of {@link BlockedConvKernels}' scalar kernel (which
     * this default runs): see {@link BlockedConvKernels#weightGrad}.
     */
    public void blockedConvWeightGrad(float[] xb, float[] gyb, int gyPlane, float[] dwb, int dwOff,
                                      BlockedConvKernels.Geometry g, int[] taps, int ob, int ib, int i0, int i1) {
        BlockedConvKernels.weightGradTiles(xb, gyb, gyPlane, dwb, dwOff, g, taps, ob, ib, i0, i1);
    }

    /**
     * Blocked input planes {@code [p0, p1)} of a channel-blocked convolution from NCHW {@code x},
     * padding zeroed ({@link BlockedConvKernels}), on the calling thread.
     */
    public void blockedConvReorderIn(float[] x, int xOff, float[] xb, BlockedConvKernels.Geometry g, int p0, int p1) {
        BlockedConvKernels.reorderIn(x, xOff, xb, g, p0, p1);
    }

    /**
     * Output planes {@code [p0, p1)} of a channel-blocked convolution back to NCHW {@code out},
     * plus the residual (when not null, at the output's index plus {@code rOff}) and clamped to
     * {@code [lo, hi]} ({@link BlockedConvKernels}), on the calling thread.
     */
    public void blockedConvReorderOut(float[] yb, float[] out, float[] residual, int rOff, float lo, float hi,
                                      BlockedConvKernels.Geometry g, int p0, int p1) {
        BlockedConvKernels.reorderOut(yb, out, residual, rOff, lo, hi, g, p0, p1);
    }

    /**
     * Whether {@link #pointwiseConvBlock} computes a {@code rows x columns} rectangle of a 1x1
     * convolution here; false (the caller runs the GEMM and the epilogue passes) for the scalar
     * provider, whose GEMM has no such kernel.
     */
    public boolean pointwiseConvFits(int rows, int columns) {
        return false;
    }

    /**
     * Rows {@code [o0, o1)} x columns {@code [q0, q1)} of one image's 1x1 convolution
     * {@code out [cOut, hw] = min(max(W [cOut, cIn] x X [cIn, hw] + bias + residual, lo), hi)}, on the
     * calling thread: X element (c, q) at {@code x[xb + c*hw + q]}, output (o, q) at
     * {@code out[ob + o*hw + q]}, residual (null for none) at the output's index plus {@code rOff},
     * bias null or {@code [cOut]}. Each output gets the bits of {@link #sgemmBlock} with k blocks of
     * {@code kc} followed by the bias, residual and clamp passes. Only for rectangles that
     * {@link #pointwiseConvFits}.
     *
     * @throws UnsupportedOperationException from a provider without the kernel
     */
    public void pointwiseConvBlock(float[] w, int cIn, int o0, int o1, float[] x, int xb, int hw, int q0, int q1,
                                   float[] bias, float[] residual, int rOff, float lo, float hi, float[] out, int ob,
                                   int kc) {
        throw new UnsupportedOperationException("pointwiseConvBlock: the " + description()
                + " provider has no 1x1 convolution kernel; check pointwiseConvFits first");
    }

    /**
     * Wraps {@code data}, packed in this provider's layout with k blocks of {@code blockDepth}
     * rows (0: not blocked), for {@link #sgemmPackedBlock}.
     */
    protected final PackedMatrix packedMatrix(int k, int n, int columnUnit, int blockDepth, float[] data) {
        return new PackedMatrix(this, k, n, columnUnit, blockDepth, data);
    }

    /** Refuses a matrix packed in another provider's layout (names both providers). */
    protected final void checkOwnLayout(PackedMatrix b) {
        if (b.provider() != this) {
            throw new IllegalArgumentException("sgemmPackedBlock: B was packed by the " + b.provider().description()
                    + " provider, not by this " + description() + " one; multiply through Gemm.sgemmPacked, "
                    + "which picks the packing provider");
        }
    }

    /**
     * {@code program} compiled into one loop over whole vectors, for inputs read as
     * {@code broadcastInputs} says (bit {@code i} set: input {@code i} is one element broadcast;
     * clear: contiguous with the output's shape), giving the bits of the block interpreter; or
     * null, and the caller runs the interpreter: here (the scalar kernels have nothing better),
     * for a program with a step or a sum the provider does not compile, and wherever compiling
     * fails. Compiled once per program and arrangement ({@link ElementwiseProgram#compiled}).
     */
    public FusedLoop fusedLoop(ElementwiseProgram program, long broadcastInputs) {
        return null;
    }

    /** The scalar kernels of this package, exposed to other providers for the ops they leave alone. */
    protected static void scalarUnary(int op, double p1, double p2, float[] x, float[] out, int o, int n) {
        FloatUnary.runScalar(op, p1, p2, x, out, o, n);
    }

    /** See {@link #scalarUnary}. */
    protected static void scalarBinary(int op, float[] a, float[] b, float[] out, int o, int n) {
        FloatBinary.alignedScalar(op, a, b, out, o, n);
    }

    @Override
    public String toString() {
        return description();
    }
}
