package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Shapes never wrap (issue 13): every shape-taking op, fed random huge, negative and ordinary
 * sizes, either returns a tensor of exactly the size the arguments say, or throws an
 * IllegalArgumentException / IndexOutOfBoundsException with a message. Never a wrapped size,
 * an OutOfMemoryError, a NegativeArraySizeException or an ArithmeticException.
 */
class ShapeSafetyTest {
    /** Sizes around every boundary: negative, empty, small, Walnut's element limit, int and long limits. */
    private static final long[] SIZES = {-3, -1, 0, 1, 2, 5, (1L << 31) - 9, (1L << 31) - 8, 1L << 31, (1L << 32) + 4,
            1L << 40, 3_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final long LIMIT = (1L << 31) - 9;
    private static final int CASES = 400;

    private final Random random = new Random(13);

    private long size() {
        return SIZES[random.nextInt(SIZES.length)];
    }

    private long[] shape(int maxRank) {
        long[] s = new long[random.nextInt(maxRank + 1)];
        for (int i = 0; i < s.length; i++) {
            s[i] = size();
        }
        return s;
    }

    private static BigInteger numel(long[] shape) {
        BigInteger n = BigInteger.ONE;
        for (long d : shape) {
            n = n.multiply(BigInteger.valueOf(d));
        }
        return n;
    }

    /** Whether every dim fits Walnut's int sizes (a shape with a larger dim is rejected even when empty). */
    private static boolean dimsFit(long[] shape) {
        return java.util.Arrays.stream(shape).allMatch(d -> d >= 0 && d <= Integer.MAX_VALUE);
    }

    /** Whether the result can be allocated in this JVM (the op must then succeed). */
    private static boolean fits(BigInteger numel, int bytesPerElement) {
        return numel.compareTo(BigInteger.valueOf(LIMIT)) <= 0
                && numel.multiply(BigInteger.valueOf(bytesPerElement)).compareTo(BigInteger.valueOf(Runtime.getRuntime().maxMemory())) <= 0;
    }

    /**
     * Runs {@code op}: when {@code expected} is non-null the result must have exactly that
     * shape; when null the op must fail cleanly. Results that would allocate more than a
     * million elements are not materialized here (the case is skipped), to keep the test small.
     */
    private static void check(String what, long[] expected, Supplier<Tensor> op) {
        Tensor t;
        try {
            t = op.get();
        } catch (IllegalArgumentException | IndexOutOfBoundsException | IllegalStateException e) {
            if (expected != null) {
                fail(what + ": expected shape " + java.util.Arrays.toString(expected) + " but got " + e);
            }
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), what + ": an exception without a message");
            return;
        } catch (Throwable e) {
            throw new AssertionError(what + ": threw " + e.getClass().getName() + " instead of a clear error", e);
        }
        if (expected == null) {
            fail(what + ": expected an error but got a tensor of shape " + java.util.Arrays.toString(t.shape()));
        }
        assertArrayEquals(expected, t.shape(), what);
        assertEquals(numel(expected).longValueExact(), t.numel(), what);
    }

    private static String str(long[] a) {
        return java.util.Arrays.toString(a);
    }

    @Test
    void creationFunctionsRejectEveryShapeTheyCannotHold() {
        for (int c = 0; c < CASES; c++) {
            long[] shape = shape(3);
            BigInteger n = numel(shape);
            boolean negative = !dimsFit(shape);
            if (!negative && fits(n, 8) && n.longValue() > 1_000_000) {
                continue;
            }
            long[] expected = !negative && fits(n, 4) ? shape : null;
            check("zeros" + str(shape), expected, () -> Tensor.zeros(shape));
            check("ones" + str(shape), expected, () -> Tensor.ones(shape));
            check("full" + str(shape), expected, () -> Tensor.full(shape, 2.0));
            check("randn" + str(shape), expected, () -> Tensor.randn(shape));
            long[] expected64 = !negative && fits(n, 8) ? shape : null;
            check("zeros F64" + str(shape), expected64, () -> Tensor.zeros(shape, DType.F64));
        }
    }

    @Test
    void arangeCountsItsElementsWithoutOverflow() {
        for (int c = 0; c < CASES; c++) {
            long start = size();
            long end = size();
            long step = random.nextBoolean() ? size() : random.nextBoolean() ? 1 : -1;
            BigInteger span = BigInteger.valueOf(end).subtract(BigInteger.valueOf(start));
            long[] expected = null;
            if (step != 0 && (span.signum() == 0 || span.signum() == Long.signum(step))) {
                BigInteger[] qr = span.divideAndRemainder(BigInteger.valueOf(step));
                BigInteger count = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
                if (fits(count, 8)) {
                    if (count.longValue() > 1_000_000) {
                        continue;
                    }
                    expected = new long[] {count.longValue()};
                }
            }
            long[] e = expected;
            check("arange(" + start + ", " + end + ", " + step + ")", e, () -> Tensor.arange(start, end, step));
        }
        check("arange(0, 3e9, 1)", null, () -> Tensor.arange(0.0, 3e9, 1.0));
        check("arange(0, 1e300, 1)", null, () -> Tensor.arange(0.0, 1e300, 1.0));
        check("arange(0, 2.5, 0.5)", new long[] {5}, () -> Tensor.arange(0.0, 2.5, 0.5));
    }

    @Test
    void reshapeAndViewAcceptOnlyShapesWithTheSameNumberOfElements() {
        Tensor x = Tensor.ones(4, 6);
        for (int c = 0; c < CASES; c++) {
            long[] target = shape(3);
            if (target.length > 0 && random.nextInt(3) == 0) {
                target[random.nextInt(target.length)] = -1;
            }
            long[] expected = inferred(target, 24);
            check("reshape" + str(target), expected, () -> x.reshape(target));
            check("view" + str(target), expected, () -> x.view(target));
        }
        check("reshape of an empty tensor to [2^32, 0]", null, () -> Tensor.zeros(0).reshape(1L << 32, 0));
    }

    /** The shape reshape must give for {@code numel} elements, or null when none fits. */
    private static long[] inferred(long[] target, long numel) {
        int infer = -1;
        BigInteger known = BigInteger.ONE;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1) {
                if (infer >= 0) {
                    return null;
                }
                infer = i;
            } else if (target[i] < 0 || target[i] > LIMIT) {
                return null;
            } else {
                known = known.multiply(BigInteger.valueOf(target[i]));
            }
        }
        long[] out = target.clone();
        if (infer >= 0) {
            if (known.signum() == 0 || !BigInteger.valueOf(numel).mod(known).equals(BigInteger.ZERO)) {
                return null;
            }
            out[infer] = BigInteger.valueOf(numel).divide(known).longValue();
            return out;
        }
        return known.equals(BigInteger.valueOf(numel)) ? out : null;
    }

    @Test
    void expandNeverWrapsASize() {
        Tensor one = Tensor.ones(1);
        for (int c = 0; c < CASES; c++) {
            long[] target = shape(3);
            if (target.length == 0) {
                continue;
            }
            long[] resolved = target.clone();
            resolved[resolved.length - 1] = target[target.length - 1] == -1 ? 1 : target[target.length - 1]; // -1 keeps a size
            boolean ok = java.util.Arrays.stream(resolved).allMatch(d -> d >= 0 && d <= LIMIT)
                    && numel(resolved).compareTo(BigInteger.valueOf(LIMIT)) <= 0;
            check("expand" + str(target), ok ? resolved : null, () -> one.expand(target));
        }
        check("expand(2^32 + 4)", null, () -> one.expand((1L << 32) + 4));
        check("expand(2^40)", null, () -> one.expand(1L << 40));
        check("expand(3e9).add(1)", null, () -> one.expand(3_000_000_000L).add(1.0));
        check("expand(2^31 - 9).add(1) (more than the heap)", null,
                () -> Runtime.getRuntime().maxMemory() < 4L * LIMIT ? one.expand(LIMIT).add(1.0) : Tensor.zeros(-1));
    }

    @Test
    void slicingClampsLikePythonAndNeverWraps() {
        Tensor x = Tensor.arange(5L).reshape(5, 1);
        assertArrayEquals(new long[] {1, 1}, x.slice(0, 0, 4, Long.MAX_VALUE).shape(), "one element, a huge step");
        assertEquals(0.0, x.slice(0, 0, 4, Long.MAX_VALUE).item(), 0.0);
        for (int c = 0; c < CASES; c++) {
            long start = size();
            long end = size();
            long step = size();
            long s = start < 0 ? Math.max(start + 5, 0) : Math.min(start, 5);
            long e = end < 0 ? Math.max(end + 5, 0) : Math.min(end, 5);
            long len = step <= 0 ? -1 : e > s ? (e - s - 1) / step + 1 : 0;
            check("slice(0, " + start + ", " + end + ", " + step + ")", len < 0 ? null : new long[] {len, 1},
                    () -> x.slice(0, start, end, step));
            long length = size();
            long ns = start < 0 ? start + 5 : start;
            boolean narrowOk = length >= 0 && ns >= 0 && ns <= 5 && ns + length <= 5 && ns + length >= 0;
            check("narrow(0, " + start + ", " + length + ")", narrowOk ? new long[] {length, 1} : null,
                    () -> x.narrow(0, start, length));
            long index = size();
            boolean selectOk = index >= -5 && index < 5;
            check("select(0, " + index + ")", selectOk ? new long[] {1} : null, () -> x.select(0, index));
        }
    }

    @Test
    void padRepeatAndTileRejectHugeSizes() {
        Tensor x = Tensor.ones(2, 3);
        for (int c = 0; c < CASES; c++) {
            long l = size();
            long r = size();
            BigInteger w = BigInteger.valueOf(3).add(BigInteger.valueOf(l)).add(BigInteger.valueOf(r));
            boolean padOk = Math.abs(l) <= Integer.MAX_VALUE && Math.abs(r) <= Integer.MAX_VALUE && w.signum() >= 0
                    && fits(w.multiply(BigInteger.TWO), 4);
            if (padOk && w.longValue() > 1_000_000) {
                continue;
            }
            check("pad(" + l + ", " + r + ")", padOk ? new long[] {2, w.longValue()} : null, () -> x.pad(l, r));
            long a = size();
            long b = size();
            long[] reps = {a, b};
            BigInteger n = BigInteger.valueOf(a).multiply(BigInteger.TWO).multiply(BigInteger.valueOf(b)).multiply(BigInteger.valueOf(3));
            boolean repeatOk = a >= 0 && b >= 0 && BigInteger.valueOf(a).multiply(BigInteger.TWO).compareTo(BigInteger.valueOf(LIMIT)) <= 0
                    && BigInteger.valueOf(b).multiply(BigInteger.valueOf(3)).compareTo(BigInteger.valueOf(LIMIT)) <= 0 && fits(n, 4);
            if (repeatOk && n.longValue() > 1_000_000) {
                continue;
            }
            long[] expected = repeatOk ? new long[] {2 * a, 3 * b} : null;
            check("repeat" + str(reps), expected, () -> x.repeat(reps));
            check("tile" + str(reps), expected, () -> x.tile(reps));
        }
    }

    @Test
    void eyeLinspaceAndRandintCheckTheirSizes() {
        for (int c = 0; c < CASES; c++) {
            long n = size();
            long m = size();
            BigInteger nm = BigInteger.valueOf(n).multiply(BigInteger.valueOf(m));
            boolean ok = dimsFit(new long[] {n, m}) && fits(nm, 4);
            if (ok && nm.longValue() > 1_000_000) {
                continue;
            }
            check("eye(" + n + ", " + m + ")", ok ? new long[] {n, m} : null, () -> Tensor.eye(n, m, DType.F32));
            long[] shape = shape(2);
            BigInteger k = numel(shape);
            boolean rok = dimsFit(shape) && fits(k, 8);
            if (rok && k.longValue() > 1_000_000) {
                continue;
            }
            check("randint" + str(shape), rok ? shape : null, () -> Tensor.randint(0, 10, shape));
        }
        assertThrows(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, -1));
        check("linspace(0, 1, 5)", new long[] {5}, () -> Tensor.linspace(0, 1, 5));
    }

    @Test
    void theMessageForTooLargeATensorSaysHowToFixIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(1).expand(3_000_000_000L));
        assertTrue(e.getMessage().contains("2^31 - 9"), e.getMessage());
        List<String> messages = new ArrayList<>();
        try {
            Tensor.ones(1).expand(LIMIT).add(1.0);
        } catch (IllegalArgumentException ex) {
            messages.add(ex.getMessage());
        }
        if (!messages.isEmpty()) {
            assertTrue(messages.get(0).contains("-Xmx"), messages.get(0));
        }
    }
}
