package dev.walnut.backend.cpu;

import java.util.Arrays;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Matrix multiply kernels: a cache-blocked, packed, multi-threaded GEMM in pure Java.
 *
 * <p>Every operand is described by (array, offset, row stride, column stride), so transposed,
 * sliced and broadcast (stride 0) views are multiplied without the caller copying them; packing
 * gathers whatever layout it is given into contiguous buffers.
 *
 * <pre>{@code
 * // C[2x2] = A[2x3] * B[3x2], all row-major
 * Gemm.sgemm(2, 2, 3, 1f, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, false);
 * // the same with B given as its transpose Bt[2x3] (row-major): swap B's strides
 * Gemm.sgemm(2, 2, 3, 1f, a, 0, 3, 1, bt, 0, 1, 3, c, 0, 2, false);
 * }</pre>
 *
 * <h2>Why the micro-kernel is a row update, not a register tile</h2>
 * Without the Vector API, speed comes from C2's auto-vectorizer (SuperWord), and what it accepts
 * decides the design. Measured on JDK 17 (AVX-512): a BLIS-style register tile (4x8 or 6x16
 * scalar accumulators) stays scalar, 9-14 GFLOP/s per core; a loop that updates several rows of
 * C from several rows of B at once is left scalar; an update whose array indices carry different
 * loop-invariant offsets ({@code c[co + j] += x * b[bo + j]}) is left scalar, because SuperWord
 * cannot prove the two do not overlap; and one row updated from eight B rows vectorizes only in
 * some compilation contexts (constant trip count, or after inlining). What it vectorizes every
 * time is one row of C updated from four rows of B, each a separate array indexed by the bare
 * loop variable: {@code t[j] += x0*b0[j] + x1*b1[j] + x2*b2[j] + x3*b3[j]}. So B is packed into
 * one {@code float[]} per k-row (a panel of up to 512 columns), C is accumulated in per-row
 * tile arrays, and the "register tile" is a row of C that lives in L1. On the development
 * machine (AMD Zen 5, AVX-512, JDK 17) that kernel alone runs at about 95 GFLOP/s on one core and
 * the whole SGEMM at about 80 (1024^3), 145-150 on two cores; the scalar register tile manages
 * 9-14 per core.
 *
 * <p>With the JVM started with {@code --add-modules jdk.incubator.vector}, the packed float32
 * path runs the Vector API {@link KernelProvider} instead: there a BLIS-style 8 x 32 register
 * tile is possible, and 1024^3 reaches about 190 GFLOP/s per core (2.6-3x this kernel; see
 * {@code dev.walnut.backend.vector.VectorGemm}). The small, matrix-vector and float64 paths
 * below are the same for both providers.
 *
 * <h2>Blocking</h2>
 * The loops follow GotoBLAS (jc, pc, ic, panel, row block): a packed B panel (kc x nb) is reused
 * by every row of the packed A block, a tile block of {@code TB} C rows stays in L1 while four
 * B rows at a time stream past it, and the A block is reused across the B panels of a column
 * block. The sizes are chosen per element type, next to each kernel. Large products split rows
 * (or columns when C is wide) across {@link Parallel}; each thread packs its own operands into
 * thread-local buffers, which costs one extra pass over B per thread, negligible next to the
 * O(mnk) work.
 *
 * <p>The kernel vectorizes along C's rows, so a C that is tall and narrow is computed as its
 * transpose (C^T = B^T A^T, a matter of swapping strides). Small and degenerate shapes skip the
 * packing: small products (or C under 16 wide both ways) use 4x4 blocks of scalar accumulators,
 * and matrix-vector products whose shared dimension is contiguous use dot products (they are
 * bound by memory, not by arithmetic).
 *
 * <h2>A B packed once</h2>
 * When one B meets many A's (a layer's weight during inference), {@link #packB} packs it once in
 * the active provider's layout ({@link PackedMatrix}) and {@link #sgemmPacked} multiplies by it,
 * skipping the per-call packing of B, which for a 64-row A was over a quarter of the product.
 * The loops and the summation order are those of the packed path, so C gets the same bits.
 *
 * <h2>Where the code lives</h2>
 * This class checks the arguments and picks the path for each shape; the kernels are in the
 * package-private {@code FloatGemm} and {@code DoubleGemm} (both generated from the template
 * {@code TypeGemm.java.tmpl}, see CONTRIBUTING.md), and what the two share (the tile height, the
 * thresholds, the thread split) is here.
 */
public final class Gemm {
    /** Rows of C whose tiles stay in L1 while four B rows at a time stream past them. */
    static final int TB = 8;

    /** Up to this many multiply-adds a plain loop beats packing. */
    private static final long TINY = 2048;
    /**
     * When C is smaller than this both ways, the plain loop runs: the kernels' vector loop would
     * spend most of its time in the scalar pre/post loops C2 wraps around it.
     */
    private static final int MIN_ROW = 16;
    /**
     * Below this many multiply-adds (about 160^3) splitting the packed path across threads costs
     * more than it saves: measured at 128^3, two threads were 10% slower than one.
     */
    static final long PARALLEL_MIN = 1L << 22;
    /** The same for matrix-vector products, which have no packing to repeat per thread. */
    static final long GEMV_PARALLEL_MIN = 1L << 20;
    /** A thread given a column range gets at least this many columns (keeps panels wide). */
    private static final int MIN_SPLIT_COLUMNS = 256;
    /** Matrix-vector chunks get at least this many multiply-adds per thread. */
    static final int GEMV_GRAIN = 1 << 16;
    /** When C is narrower than this (and taller than wide), compute its transpose instead. */
    static final int NARROW = 256;

    private Gemm() {
    }

    /**
     * The native provider found on the class path, or null. Looked up once: the class path does
     * not change under a running program, and a lookup per product would cost more than a small
     * product does.
     */
    private static final GemmProvider PROVIDER = findProvider();

    private static GemmProvider findProvider() {
        if ("false".equalsIgnoreCase(System.getProperty("walnut.blas", "true"))) {
            return null;
        }
        System.Logger log = System.getLogger("dev.walnut");
        try {
            for (GemmProvider p : ServiceLoader.load(GemmProvider.class, Gemm.class.getClassLoader())) {
                log.log(System.Logger.Level.INFO, "Walnut GEMM: {0} for large products, pure Java below", p.name());
                return p;
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            // A provider whose native library cannot load (other OS, missing jar) must not take
            // matrix multiply down with it: say why, and run the pure-Java GEMM.
            log.log(System.Logger.Level.WARNING, "Walnut GEMM: ignoring the native GEMM provider on the class path ("
                    + e + "); using the pure-Java GEMM", e);
        }
        return null;
    }

    /** The native GEMM in use (see {@link GemmProvider}), or null when Walnut's own runs everything. */
    public static GemmProvider provider() {
        return PROVIDER;
    }

    /**
     * C[m,n] (=|+=) alpha * sum_k A[m,k] * B[k,n]. A element (i,p) is {@code a[aOff + i*aRs + p*aCs]};
     * B element (p,j) is {@code b[bOff + p*bRs + j*bCs]}; C element (i,j) is {@code c[cOff + i*ldc + j]}.
     * If {@code accumulate} is false C is overwritten (never read, so it may hold garbage/NaN), else
     * added to. Strides may be anything, including 0 (broadcast) and transposed layouts. k == 0
     * gives C = 0 (or leaves it unchanged when accumulating); so does alpha == 0, which skips the
     * product like BLAS does (NaN or infinity in A or B then does not reach C).
     */
    public static void sgemm(int m, int n, int k, float alpha, float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc, boolean accumulate) {
        if (trivial(m, n, k, alpha, c, cOff, ldc, accumulate)) {
            return;
        }
        long work = (long) m * n * k;
        if (PROVIDER != null && work >= PROVIDER.minWork()
                && PROVIDER.sgemm(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate)) {
            return;
        }
        if (n == 1 && aCs == 1) {
            FloatGemm.gemvRows(m, k, alpha, a, aOff, aRs, b, bOff, bRs, c, cOff, ldc, accumulate);
        } else if (m == 1 && bRs == 1) {
            FloatGemm.gemvRows(n, k, alpha, b, bOff, bCs, a, aOff, aCs, c, cOff, 1, accumulate);
        } else if (work <= TINY || Math.max(m, n) < MIN_ROW) {
            FloatGemm.simple(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        } else if (n < NARROW && m > n && KernelProvider.get().transposesNarrow(n, k, aCs)) {
            // C^T = B^T A^T: the kernel vectorizes along a row of C, so give the rows the long side.
            FloatGemm.packed(n, m, k, alpha, b, bOff, bCs, bRs, a, aOff, aCs, aRs, c, cOff, 1, ldc, accumulate);
        } else {
            FloatGemm.packed(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        }
    }

    /**
     * Whether a product with {@code C[m x n]} and shared dimension {@code k} runs a packed path
     * here, so that a B packed once by {@link #packB} saves work: false for the shapes
     * {@link #sgemm} computes without packing (matrix-vector, tiny) and for those it hands to the
     * native {@link GemmProvider}.
     */
    public static boolean packingPays(int m, int n, int k) {
        long work = (long) m * n * k;
        return m > 1 && n > 1 && work > TINY && Math.max(m, n) >= MIN_ROW
                && (PROVIDER == null || work < PROVIDER.minWork());
    }

    /**
     * Whether a B packed once pays for {@code C[m x n]} with depth {@code k} where {@link #packingPays}
     * does not hold, through the active provider's few-row kernel
     * ({@link KernelProvider#sgemmPackedFewRows}): a single row (m = 1) wide and deep enough that
     * {@link #sgemm} would neither run it as a tiny product nor hand it to the native provider.
     * Then reading the packed B along C's rows beats the dot products along k that sgemm takes
     * for it, which C2 leaves scalar.
     */
    public static boolean fewRowsPay(int m, int n, int k) {
        long work = (long) m * n * k;
        return m >= 1 && m <= KernelProvider.get().packedFewRows() && n >= MIN_ROW && work > TINY
                && (PROVIDER == null || work < PROVIDER.minWork());
    }

    /**
     * Packs {@code B[k x n]} (element (p, j) at {@code b[bOff + p*bRs + j*bCs]}) once, in the active
     * {@link KernelProvider}'s layout, for any number of {@link #sgemmPacked} calls.
     */
    public static PackedMatrix packB(int k, int n, float[] b, int bOff, int bRs, int bCs) {
        checkSizes(1, n, k);
        return KernelProvider.get().packB(k, n, b, bOff, bRs, bCs);
    }

    /**
     * {@link #sgemm} with a B packed by {@link #packB}: C[m,n] (=|+=) alpha * A * B, A element (i,p)
     * at {@code a[aOff + i*aRs + p*aCs]}, C element (i,j) at {@code c[cOff + i*ldc + j]}. Same edge
     * cases as sgemm; large products split across threads on whole panels. Each element of C is
     * rounded exactly as the packed path of sgemm rounds it (the summation order is the same).
     */
    public static void sgemmPacked(int m, float alpha, float[] a, int aOff, int aRs, int aCs, PackedMatrix b,
                                   float[] c, int cOff, int ldc, boolean accumulate) {
        int n = b.columns();
        int k = b.rows();
        if (trivial(m, n, k, alpha, c, cOff, ldc, accumulate)) {
            return;
        }
        KernelProvider provider = b.provider();
        forPackedBlocks(m, b, (r0, r1, c0, c1) -> provider.sgemmPackedBlock(r0, r1, c0, c1, alpha, a, aOff, aRs, aCs, b,
                c, cOff, ldc, accumulate));
    }

    /**
     * Packs {@code A[m x k]} (element (i, p) at {@code a[aOff + i*aRs + p*aCs]}) once, in the active
     * {@link KernelProvider}'s layout and the calling thread's {@link GemmBlocking#depth()}, for
     * any number of {@link #sgemmPackedA} calls; null when the provider has no packed-A layout.
     */
    public static PackedLeftMatrix packA(int m, int k, float[] a, int aOff, int aRs, int aCs) {
        checkSizes(m, 1, k);
        return KernelProvider.get().packA(m, k, a, aOff, aRs, aCs);
    }

    /**
     * Whether multiplying by an A packed once ({@link #packA}, {@link #sgemmPackedA}) is faster
     * than {@link #sgemm} for {@code C[m x n]} with depth {@code k}, and gives its bits: the shape
     * takes sgemm's packed path and the active provider's packed A pays at this width.
     */
    public static boolean leftPackingPays(int m, int n, int k) {
        return packingPays(m, n, k) && KernelProvider.get().packedLeftPays(n);
    }

    /**
     * {@link #sgemm} with an A packed by {@link #packA}: C[m,n] (=|+=) alpha * A * B, B element (p,j)
     * at {@code b[bOff + p*bRs + j*bCs]}, C element (i,j) at {@code c[cOff + i*ldc + j]}. Where
     * {@link #packingPays} holds for the shape, each element of C is rounded exactly as sgemm
     * rounds it under a blocking of A's {@link PackedLeftMatrix#blockDepth()} (the same k blocks
     * and tiles; the products sgemm hands over transposed give the same bits too, since each
     * fused multiply-add is symmetric in its factors). Large products split across threads.
     */
    public static void sgemmPackedA(int n, float alpha, PackedLeftMatrix a, float[] b, int bOff, int bRs, int bCs,
                                    float[] c, int cOff, int ldc, boolean accumulate) {
        int m = a.rows();
        int k = a.depth();
        if (trivial(m, n, k, alpha, c, cOff, ldc, accumulate)) {
            return;
        }
        KernelProvider provider = a.provider();
        if ((long) m * n * k < PARALLEL_MIN || Parallel.threads() <= 1) {
            provider.sgemmPackedLeftBlock(0, m, 0, n, alpha, a, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        } else {
            splitAcrossThreads(m, n, (r0, r1, c0, c1) -> provider.sgemmPackedLeftBlock(r0, r1, c0, c1, alpha, a, b,
                    bOff, bRs, bCs, c, cOff, ldc, 1, accumulate));
        }
    }

    /**
     * Runs {@code body} over C [m x b.columns()] as {@link #sgemmPacked} splits a product with
     * {@code b}: whole on the calling thread when it is small, else one rectangle per thread
     * (column ranges on panel edges), so a caller can do its own work on each rectangle (a
     * linear layer writes its bias rows there, while they are in cache for the product).
     */
    static void forPackedBlocks(int m, PackedMatrix b, BlockBody body) {
        int n = b.columns();
        if ((long) m * n * b.rows() < PARALLEL_MIN || Parallel.threads() <= 1) {
            body.run(0, m, 0, n);
        } else {
            splitAcrossThreads(m, n, b.columnUnit(), body);
        }
    }

    /**
     * Checks the sizes and handles the products with nothing to multiply: an empty C, and k == 0
     * or alpha == 0 (C = 0 unless accumulating; A and B are not read). True when nothing is left to do.
     */
    private static boolean trivial(int m, int n, int k, float alpha, float[] c, int cOff, int ldc,
                                   boolean accumulate) {
        checkSizes(m, n, k);
        if (m == 0 || n == 0) {
            return true;
        }
        if (k == 0 || alpha == 0f) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return true;
        }
        return false;
    }

    /** The float64 twin of {@link #sgemm}; same layout rules and edge cases. */
    public static void dgemm(int m, int n, int k, double alpha, double[] a, int aOff, int aRs, int aCs,
                             double[] b, int bOff, int bRs, int bCs, double[] c, int cOff, int ldc,
                             boolean accumulate) {
        checkSizes(m, n, k);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0.0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0.0);
                }
            }
            return;
        }
        long work = (long) m * n * k;
        if (PROVIDER != null && work >= PROVIDER.minWork()
                && PROVIDER.dgemm(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate)) {
            return;
        }
        if (n == 1 && aCs == 1) {
            DoubleGemm.gemvRows(m, k, alpha, a, aOff, aRs, b, bOff, bRs, c, cOff, ldc, accumulate);
        } else if (m == 1 && bRs == 1) {
            DoubleGemm.gemvRows(n, k, alpha, b, bOff, bCs, a, aOff, aCs, c, cOff, 1, accumulate);
        } else if (work <= TINY || Math.max(m, n) < MIN_ROW) {
            DoubleGemm.simple(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        } else if (n < NARROW && m > n) {
            DoubleGemm.packed(n, m, k, alpha, b, bOff, bCs, bRs, a, aOff, aCs, aRs, c, cOff, 1, ldc, accumulate);
        } else {
            DoubleGemm.packed(m, n, k, alpha, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, 1, accumulate);
        }
    }

    private static void checkSizes(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: sizes must be non-negative, got m=" + m + ", n=" + n
                    + ", k=" + k);
        }
    }

    /** Computes the rectangle rows [r0,r1) x columns [c0,c1) of C. */
    interface BlockBody {
        void run(int r0, int r1, int c0, int c1);
    }

    /**
     * Splits C into one rectangle per thread: whole rows when C is tall (or too narrow to split
     * its columns), ranges of at least {@link #MIN_SPLIT_COLUMNS} columns when it is wide.
     */
    static void splitAcrossThreads(int m, int n, BlockBody body) {
        // Units of 16 columns keep panel edges on whole AVX-512 float vectors.
        splitAcrossThreads(m, n, 16, body);
    }

    /** {@link #splitAcrossThreads(int, int, BlockBody)} with column ranges starting at multiples of {@code unit}. */
    static void splitAcrossThreads(int m, int n, int unit, BlockBody body) {
        Split split = body instanceof Split own ? own : new Split() {
            @Override
            public void run(int r0, int r1, int c0, int c1) {
                body.run(r0, r1, c0, c1);
            }
        };
        split.split(m, n, unit);
    }

    /**
     * A block body that splits C across threads itself, holding the split in fields: a body
     * kept per thread and given each product's arguments runs a parallel product without
     * allocating (no capturing lambda; {@link Parallel} reuses its job), which the compiled
     * training step needs to allocate nothing per step.
     */
    abstract static class Split implements BlockBody, Parallel.RangeBody {
        private int rows;
        private int columns;
        private int unit;
        private boolean byColumns;

        /** Runs this body over C [m x n], split as {@link #splitAcrossThreads(int, int, BlockBody)} describes. */
        final void split(int m, int n, int unit) {
            this.rows = m;
            this.columns = n;
            this.unit = unit;
            if (m < n && n >= 2 * MIN_SPLIT_COLUMNS) {
                byColumns = true;
                Parallel.forRange((n + unit - 1) / unit, Math.max(1, MIN_SPLIT_COLUMNS / unit), this);
            } else if (m >= 2 * TB) {
                byColumns = false;
                Parallel.forRange((m + TB - 1) / TB, 1, this);
            } else {
                run(0, m, 0, n);
            }
        }

        @Override
        public final void apply(int lo, int hi) {
            if (byColumns) {
                run(0, rows, lo * unit, Math.min(columns, hi * unit));
            } else {
                run(lo * TB, Math.min(rows, hi * TB), 0, columns);
            }
        }
    }

    /** 0 for rows under 32 wide, 1 under 64, 2 under 128, 3 under 256, else 4 (see FloatGemm.kernel4). */
    static int widthClass(int nb) {
        return Math.max(0, Math.min(4, 27 - Integer.numberOfLeadingZeros(nb)));
    }

    /** Splits {@code width} columns into equal panels of at most {@code nb}, rounded to 16. */
    static int panelWidth(int width, int nb) {
        int panels = (width + nb - 1) / nb;
        return Math.min(nb, ((width + panels - 1) / panels + 15) & ~15);
    }
}
