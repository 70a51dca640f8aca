package dev.walnut.backend.cpu;


/**
 * Row iteration over broadcast operands. The output is contiguous; each operand is read
 * through its own (possibly zero) strides. Dims are collapsed where every operand allows it,
 * so most broadcasts become one or two long rows handed to a flat kernel.
 */
final class Loops {
    /** Processes one row: {@code n} elements read from each operand at (offset, stride). */
    @FunctionalInterface
    interface Row {
        void run(int aOff, int aStride, int bOff, int bStride, int cOff, int cStride, int outOff, int n);
    }

    private Loops() {
    }

    /**
     * Runs {@code body} over the rows of {@code shape} for up to three operands (pass null
     * strides for an absent one).
     */
    static void forEachRow(int[] shape, int[] sa, int aOff, int[] sb, int bOff, int[] sc, int cOff, Row body) {
        int rank = shape.length;
        int total = 1;
        for (int size : shape) {
            total *= size;
        }
        if (total == 0) {
            return;
        }
        if (rank == 0) {
            body.run(aOff, 0, bOff, 0, cOff, 0, 0, 1);
            return;
        }
        // Collapse dim d into d+1 when every operand steps through them as one. The arrays are
        // the thread's own (only the first r entries are read), so a call allocates nothing.
        Scratch scratch = SCRATCH.get().fit(rank);
        int[] sh = scratch.sh;
        int[] a = scratch.a;
        int[] b = scratch.b;
        int[] c = scratch.c;
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) {
                continue;
            }
            int va = sa == null ? 0 : sa[d];
            int vb = sb == null ? 0 : sb[d];
            int vc = sc == null ? 0 : sc[d];
            if (r > 0 && a[r - 1] == va * shape[d] && b[r - 1] == vb * shape[d] && c[r - 1] == vc * shape[d]) {
                sh[r - 1] *= shape[d];
                a[r - 1] = va;
                b[r - 1] = vb;
                c[r - 1] = vc;
            } else {
                sh[r] = shape[d];
                a[r] = va;
                b[r] = vb;
                c[r] = vc;
                r++;
            }
        }
        if (r == 0) {
            body.run(aOff, 0, bOff, 0, cOff, 0, 0, 1);
            return;
        }
        int n = sh[r - 1];
        int as = a[r - 1];
        int bs = b[r - 1];
        int cs = c[r - 1];
        int rows = total / n;
        if (rows == 1) {
            body.run(aOff, as, bOff, bs, cOff, cs, 0, n);
            return;
        }
        int outer = r - 1;
        int grainRows = Math.max(1, (1 << 15) / Math.max(n, 1));
        if (Parallel.serial(rows, grainRows)) {
            // What forRange would do, without creating its lambda.
            rows(sh, a, b, c, outer, aOff, bOff, cOff, as, bs, cs, n, body, 0, rows);
        } else {
            Parallel.forRange(rows, grainRows, (lo, hi) -> rows(sh, a, b, c, outer, aOff, bOff, cOff, as, bs, cs, n, body,
                    lo, hi));
        }
    }

    private static void rows(int[] sh, int[] a, int[] b, int[] c, int outer, int aOff, int bOff, int cOff, int as, int bs,
                             int cs, int n, Row body, int lo, int hi) {
        for (int row = lo; row < hi; row++) {
            int rem = row;
            int oa = aOff;
            int ob = bOff;
            int oc = cOff;
            for (int d = outer - 1; d >= 0; d--) {
                int i = rem % sh[d];
                rem /= sh[d];
                oa += i * a[d];
                ob += i * b[d];
                oc += i * c[d];
            }
            body.run(oa, as, ob, bs, oc, cs, row * n, n);
        }
    }

    /** Each thread's arrays for {@link #forEachRow}'s collapsed dims, grown on demand. */
    private static final class Scratch {
        int[] sh = new int[0];
        int[] a = new int[0];
        int[] b = new int[0];
        int[] c = new int[0];

        Scratch fit(int rank) {
            if (sh.length < rank) {
                sh = new int[rank];
                a = new int[rank];
                b = new int[rank];
                c = new int[rank];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
