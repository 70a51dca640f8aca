package dev.walnut.backend.cpu;

/**
 * How a reduction over the middle axis of a contiguous {@code [outer, len, inner]} block is split
 * across {@link Parallel}; shared by every dtype so the policy lives in one place.
 *
 * <p>Callers first test {@link #serial} and, when it holds, call their block kernel directly;
 * split work allocates its body only through {@link #split(int, int, int, Block, Row)}, not
 * through a {@link Split} the caller keeps per thread.
 */
final class ReducePlan {
    private ReducePlan() {
    }

    /** Elements read per parallel chunk. */
    static final int GRAIN = 1 << 15;

    /** Reduces rows {@code [oLo, oHi)} and columns {@code [iLo, iHi)} of the block. */
    @FunctionalInterface
    interface Block {
        void apply(int oLo, int oHi, int iLo, int iHi);
    }

    /** Reduces the single long row {@code o} (inner == 1), itself splitting {@code len}. */
    @FunctionalInterface
    interface Row {
        void apply(int o);
    }

    /** Whether the whole block should run on the caller thread. */
    static boolean serial(int outer, int len, int inner) {
        return (long) outer * len * inner <= GRAIN || Parallel.threads() <= 1;
    }

    /**
     * Splits over rows when there are enough of them; otherwise over columns when inner > 1, or
     * through {@code longRow} (which splits {@code len} itself) when inner == 1. A null
     * {@code longRow} means the op cannot split a row, so rows are split however few they are.
     */
    static void split(int outer, int len, int inner, Block block, Row longRow) {
        new Split() {
            @Override
            public void apply(int oLo, int oHi, int iLo, int iHi) {
                block.apply(oLo, oHi, iLo, iHi);
            }

            @Override
            public void apply(int o) {
                longRow.apply(o);
            }

            @Override
            boolean splitsRows() {
                return longRow != null;
            }
        }.split(outer, len, inner);
    }

    /**
     * A block and long-row body that splits itself, {@link #split(int, int, int, Block, Row)}'s
     * way, holding the split in fields: kept per thread and refilled per call, it splits a
     * reduction across threads without allocating (a compiled graph's sums run every step).
     */
    abstract static class Split implements Block, Row, Parallel.RangeBody {
        private int outer;
        private int inner;
        private boolean byRows;

        /** False when the op cannot split one long row (the long-row body is then never called). */
        boolean splitsRows() {
            return true;
        }

        /** Reduces the {@code [outer, len, inner]} block across threads. */
        final void split(int outer, int len, int inner) {
            this.outer = outer;
            this.inner = inner;
            int threads = Parallel.threads();
            long rowWork = Math.max(1L, (long) len * inner);
            if (outer >= threads || inner == 1 && !splitsRows()) {
                byRows = true;
                Parallel.forRange(outer, (int) Math.max(1, GRAIN / rowWork), this);
            } else if (inner > 1) {
                byRows = false;
                Parallel.forRange(inner, (int) Math.max(1, GRAIN / Math.max(1L, (long) outer * len)), this);
            } else {
                for (int o = 0; o < outer; o++) {
                    apply(o);
                }
            }
        }

        @Override
        public final void apply(int lo, int hi) {
            if (byRows) {
                apply(lo, hi, 0, inner);
            } else {
                apply(0, outer, lo, hi);
            }
        }
    }

    /** Number of pieces a row of {@code len} elements is split into (1 = do not split). */
    static int chunks(int len) {
        return Math.min(Parallel.threads(), Math.max(1, len / GRAIN));
    }

    /** Start of piece {@code c} of {@code chunks} over {@code len}; piece c is [start(c), start(c+1)). */
    static int chunkStart(int c, int chunks, int len) {
        return (int) ((long) len * c / chunks);
    }
}
