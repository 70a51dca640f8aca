package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks {@link OuterProducts} against the product written out element by element, in float32
 * and float64, for random batch shapes with broadcast (stride 0) batch dims, strided and
 * reversed rows, and offsets; the kernel rounds each element once, so the bits must match.
 */
class OuterProductsTest {
    /** One random case: batch shape, per-operand batch strides (0 = broadcast), m, n, strides. */
    private record Case(int[] batch, int[] aBatchStrides, int[] bBatchStrides, int m, int n, int aRs, int bCs,
                        int aOff, int bOff, int aLen, int bLen) {
        static Case random(SplittableRandom rnd) {
            int rank = rnd.nextInt(0, 3);
            int[] batch = new int[rank];
            for (int d = 0; d < rank; d++) {
                batch[d] = rnd.nextInt(1, 5);
            }
            int m = rnd.nextInt(1, 40);
            int n = rnd.nextInt(1, 300);
            // a's column: contiguous, or every third element; b's row: contiguous, every other
            // element, or reversed (a negative stride from the row's last element).
            int aRs = rnd.nextBoolean() ? 1 : 3;
            int bCs = switch (rnd.nextInt(3)) {
                case 0 -> 1;
                case 1 -> 2;
                default -> -1;
            };
            int aItem = (m - 1) * aRs + 1;
            int bItem = (n - 1) * Math.abs(bCs) + 1;
            int[] sa = new int[rank];
            int[] sb = new int[rank];
            int aSpan = aItem;
            int bSpan = bItem;
            for (int d = rank - 1; d >= 0; d--) {
                boolean aBroadcast = rnd.nextInt(3) == 0;
                boolean bBroadcast = rnd.nextInt(3) == 0;
                sa[d] = aBroadcast ? 0 : aSpan;
                sb[d] = bBroadcast ? 0 : bSpan;
                aSpan += aBroadcast ? 0 : aSpan * (batch[d] - 1);
                bSpan += bBroadcast ? 0 : bSpan * (batch[d] - 1);
            }
            int aOff = rnd.nextInt(0, 4);
            int bOff = rnd.nextInt(0, 4) + (bCs < 0 ? bItem - 1 : 0);
            return new Case(batch, sa, sb, m, n, aRs, bCs, aOff, bOff, aOff + aSpan, bOff + bSpan);
        }

        int batches() {
            int b = 1;
            for (int s : batch) {
                b *= s;
            }
            return b;
        }

        /** Offsets of batch item {@code t}'s operands: {a, b}. */
        int[] offsets(int t) {
            int ao = aOff;
            int bo = bOff;
            for (int d = batch.length - 1; d >= 0; d--) {
                int c = t % batch[d];
                t /= batch[d];
                ao += c * aBatchStrides[d];
                bo += c * bBatchStrides[d];
            }
            return new int[] {ao, bo};
        }
    }

    /**
     * The products written out element by element, in float64. The product of two floats is
     * exact in double, so rounding it to float gives the float32 kernel's one rounding.
     */
    private static double[] reference(Case c, double[] a, double[] b) {
        double[] want = new double[c.batches() * c.m() * c.n()];
        for (int t = 0; t < c.batches(); t++) {
            int[] o = c.offsets(t);
            for (int i = 0; i < c.m(); i++) {
                for (int j = 0; j < c.n(); j++) {
                    want[(t * c.m() + i) * c.n() + j] = a[o[0] + i * c.aRs()] * b[o[1] + j * c.bCs()];
                }
            }
        }
        return want;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void float32MatchesElementByElement(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Case c = Case.random(rnd);
        float[] a = new float[c.aLen()];
        float[] b = new float[c.bLen()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextGaussian();
        }
        float[] got = new float[c.batches() * c.m() * c.n()];
        OuterProducts.batched(a, c.aOff(), c.aRs(), c.aBatchStrides(), b, c.bOff(), c.bCs(), c.bBatchStrides(),
                c.batch(), got, 0, c.m(), c.n());
        double[] ref = reference(c, widen(a), widen(b));
        float[] want = new float[ref.length];
        for (int i = 0; i < ref.length; i++) {
            want[i] = (float) ref[i];
        }
        assertArrayEquals(want, got);
    }

    private static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15, 16})
    void float64MatchesElementByElement(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Case c = Case.random(rnd);
        double[] a = rnd.doubles(c.aLen()).toArray();
        double[] b = rnd.doubles(c.bLen(), -1, 1).toArray();
        // Written at an offset into a larger array (an arena buffer), the elements before it untouched.
        int outOff = 5;
        double[] got = new double[outOff + c.batches() * c.m() * c.n()];
        OuterProducts.batched(a, c.aOff(), c.aRs(), c.aBatchStrides(), b, c.bOff(), c.bCs(), c.bBatchStrides(),
                c.batch(), got, outOff, c.m(), c.n());
        assertArrayEquals(new double[outOff], java.util.Arrays.copyOf(got, outOff));
        assertArrayEquals(reference(c, a, b), java.util.Arrays.copyOfRange(got, outOff, got.length));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void largeProductsSplitAcrossThreadsGiveTheSameBits(int batches) {
        // Past the grain (64K elements) the rows are split between threads.
        SplittableRandom rnd = new SplittableRandom(batches);
        int m = 300;
        int n = 700;
        float[] a = new float[batches * m];
        float[] b = new float[batches * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextGaussian();
        }
        float[] got = new float[batches * m * n];
        OuterProducts.batched(a, 0, 1, new int[] {m}, b, 0, 1, new int[] {n}, new int[] {batches}, got, 0, m, n);
        float[] want = new float[got.length];
        for (int t = 0; t < batches; t++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    want[(t * m + i) * n + j] = a[t * m + i] * b[t * n + j];
                }
            }
        }
        assertArrayEquals(want, got);
    }
}
