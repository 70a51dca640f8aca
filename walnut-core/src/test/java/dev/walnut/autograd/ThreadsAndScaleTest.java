package dev.walnut.autograd;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Thread confinement of autograd state (two threads, two models, no interference), deep graphs
 * without recursion, and the tape introspection and growth warning of DESIGN.md §4.1.
 */
@ExtendWith(CleanTapeExtension.class)
class ThreadsAndScaleTest {

    /** Runs {@code body} on a new thread with the given stack size and returns its result. */
    private static <T> T onNewThread(String name, long stackBytes, Callable<T> body) throws Exception {
        var task = new FutureTask<>(body);
        Thread t = new Thread(null, task, name, stackBytes);
        t.start();
        try {
            return task.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw (Exception) e.getCause();
        }
    }

    // ------------------------------------------------------------------ two threads, two models

    /** Final weights, bias and loss of one training run. */
    record Trained(float[] weight, float[] bias, float loss) {
    }

    /** Weights, bias and loss of the two runs are equal bit for bit. */
    private static void assertBitwiseEqual(Trained expected, Trained actual) {
        assertArrayEquals(expected.weight(), actual.weight(), 0.0f);
        assertArrayEquals(expected.bias(), actual.bias(), 0.0f);
        assertEquals(Float.floatToIntBits(expected.loss()), Float.floatToIntBits(actual.loss()));
    }

    /**
     * Linear regression on data drawn from its own generator, 200 SGD steps. With
     * {@code customContext} it trains inside its own GradientContext (clearTape each step).
     */
    private static Trained trainLinearRegression(long seed, boolean customContext, CountDownLatch start)
            throws InterruptedException {
        if (start != null) {
            start.countDown();
            start.await();
        }
        var gen = new Generator(seed);
        Tensor x = Tensor.randn(new long[] {64, 8}, DType.F32, gen);
        Tensor trueW = Tensor.randn(new long[] {8, 1}, DType.F32, gen);
        Tensor y = x.matmul(trueW).add(0.5).add(Tensor.randn(new long[] {64, 1}, DType.F32, gen).mul(0.1));
        Tensor w = Tensor.zeros(8, 1).setRequiresGrad(true);
        Tensor b = Tensor.zeros(1).setRequiresGrad(true);
        var opt = new SGD(List.of(w, b), 0.05);
        GradientContext ctx = customContext ? new GradientContext() : null;
        float loss = Float.NaN;
        try {
            for (int step = 0; step < 200; step++) {
                Tensor l = x.matmul(w).add(b).sub(y).square().mean();
                l.backward();
                opt.step();
                opt.zeroGrad();
                if (ctx != null) {
                    Autograd.clearTape();
                }
                loss = (float) l.item();
                assertEquals(0, GradientContext.current().tapeSize());
            }
        } finally {
            if (ctx != null) {
                ctx.close();
            }
        }
        return new Trained(w.toFloatArray(), b.toFloatArray(), loss);
    }

    @Test
    void twoThreadsTrainingIndependentModelsConcurrentlyGiveBitwiseTheSequentialResults() throws Exception {
        Trained seqA = onNewThread("sequential-a", 0, () -> trainLinearRegression(101, false, null));
        Trained seqB = onNewThread("sequential-b", 0, () -> trainLinearRegression(202, true, null));
        assertTrue(seqA.loss() < 0.05 && seqB.loss() < 0.05, "both models trained: " + seqA.loss() + ", " + seqB.loss());

        for (int round = 0; round < 3; round++) {
            var start = new CountDownLatch(2);
            var a = new FutureTask<>(() -> trainLinearRegression(101, false, start));
            var b = new FutureTask<>(() -> trainLinearRegression(202, true, start));
            new Thread(a, "concurrent-a").start();
            new Thread(b, "concurrent-b").start();
            Trained parA = a.get(60, TimeUnit.SECONDS);
            Trained parB = b.get(60, TimeUnit.SECONDS);
            assertBitwiseEqual(seqA, parA);
            assertBitwiseEqual(seqB, parB);
        }
    }

    @Test
    void eachThreadHasItsOwnContextZeroAndTape() throws Exception {
        Tensor x = Tensor.of(1.0).setRequiresGrad(true);
        x.mul(2.0).mul(3.0);
        assertEquals(2, GradientContext.defaultContext().tapeSize());
        GradientContext mine = GradientContext.defaultContext();

        var recorded = new CountDownLatch(1);
        var checked = new CountDownLatch(1);
        var other = new FutureTask<>(() -> {
            GradientContext theirs = GradientContext.defaultContext();
            int before = theirs.tapeSize();
            Tensor z = Tensor.of(5.0).setRequiresGrad(true);
            for (int i = 0; i < 5; i++) {
                z = z.add(1.0);
            }
            recorded.countDown();
            checked.await();
            return new Object[] {theirs, before, theirs.tapeSize()};
        });
        new Thread(other, "other-thread").start();
        assertTrue(recorded.await(10, TimeUnit.SECONDS));
        assertEquals(2, GradientContext.defaultContext().tapeSize(), "the other thread's nodes are not on my tape");
        checked.countDown();
        Object[] r = other.get(10, TimeUnit.SECONDS);
        assertNotSame(mine, r[0]);
        assertEquals(0L, ((GradientContext) r[0]).id());
        assertEquals(0, r[1], "a new thread starts with an empty context 0");
        assertEquals(5, r[2]);
    }

    @Test
    void gradModeIsPerThread() throws Exception {
        try (var off = Autograd.noGrad()) {
            boolean elsewhere = onNewThread("grad-mode", 0, Autograd::isGradEnabled);
            assertTrue(elsewhere, "noGrad on this thread does not turn recording off on another");
            assertFalse(Autograd.isGradEnabled());
        }
    }

    // ------------------------------------------------------------------ deep graphs

    @Test
    void backwardThroughAChainOfAMillionNodesNeedsNoDeepStack() throws Exception {
        // A 512 KiB stack: any recursion per node in backward (or in clearing the tape) would overflow it.
        long[] result = onNewThread("deep-chain", 512 * 1024, () -> {
            Tensor x = Tensor.scalar(1.5).setRequiresGrad(true);
            Tensor y = x;
            for (int i = 0; i < 1_000_000; i++) {
                y = y.mul(1.0);
            }
            int tapeSize = GradientContext.current().tapeSize();
            y.backward();
            double grad = x.grad().item();
            Autograd.clearTape();
            int after = GradientContext.current().tapeSize();
            return new long[] {tapeSize, (long) grad, after};
        });
        assertEquals(1_000_000, result[0], "tapeSize() after the forward chain");
        assertEquals(1, result[1], "d(x * 1^1000000)/dx");
        assertEquals(0, result[2]);
    }

    // ------------------------------------------------------------------ introspection

    /** 16,384 floats: 64 KiB, the smallest saved size that is counted (Tape.trackingMinimum). */
    private static final long N = 16_384;
    private static final long KIB64 = 65_536;

    /**
     * Graphs that earlier tests left unreachable on this thread's context 0 count in its saved
     * bytes until the collector takes them (the full suite failed here under load).
     */
    @org.junit.jupiter.api.BeforeEach
    void collectEarlierGraphs() throws InterruptedException {
        awaitGarbageCollected(GradientContext.defaultContext());
    }

    @Test
    void savedBytesCountsTensorsSavedForBackwardByGraphsStillHeld() {
        GradientContext ctx0 = GradientContext.current();
        assertEquals(0, ctx0.savedBytes());
        Tensor a = Tensor.randn(new long[] {N}, DType.F32, new Generator(1)).setRequiresGrad(true);
        Tensor b = Tensor.randn(new long[] {N}, DType.F32, new Generator(2)).setRequiresGrad(true);
        Tensor p = a.mul(b); // MulBackward0 saves a and b
        assertEquals(2 * KIB64, ctx0.savedBytes());
        Tensor e = p.exp(); // ExpBackward0 saves its output
        assertEquals(3 * KIB64, ctx0.savedBytes());
        Tensor s = e.sum(); // SumBackward0 saves nothing
        assertEquals(3 * KIB64, ctx0.savedBytes());
        Tensor q = Tensor.fromArray(new double[(int) N / 2], N / 2).setRequiresGrad(true).square(); // F64
        assertEquals(4 * KIB64, ctx0.savedBytes());
        Tensor small = Tensor.ones(10).setRequiresGrad(true).exp(); // 40 bytes: not counted
        assertEquals(4 * KIB64, ctx0.savedBytes());
        assertEquals(5, ctx0.tapeSize());
        Autograd.clearTape();
        assertEquals(0, ctx0.tapeSize());
        assertEquals(4 * KIB64, ctx0.savedBytes(), "the graphs are still held, so their saved tensors are still alive");
        assertTrue(s.requiresGrad() && q.requiresGrad() && small.requiresGrad()); // keeps the graphs reachable up to here
    }

    @Test
    void droppingTheOutputsFreesTheGraphAndItsSavedBytesWithoutClearingTheTape() throws Exception {
        long[] result = onNewThread("drop-graph", 0, () -> {
            GradientContext ctx0 = GradientContext.current();
            Tensor a = Tensor.ones(N).setRequiresGrad(true);
            for (int i = 0; i < 100; i++) {
                a.mul(a).exp().sum(); // result dropped at once
            }
            long tapeSize = ctx0.tapeSize();
            awaitGarbageCollected(ctx0);
            return new long[] {tapeSize, ctx0.tapeSize(), ctx0.savedBytes()};
        });
        assertEquals(300, result[0], "the tape records every node");
        assertEquals(300, result[1], "until it is cleared");
        assertEquals(0, result[2], "but owns none of them");
    }

    /** Runs the collector until no saved bytes of {@code ctx} are alive (or fails after 10 s). */
    static void awaitGarbageCollected(GradientContext ctx) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ctx.savedBytes() > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(0, ctx.savedBytes(), "saved tensors still alive after repeated garbage collections");
    }

    @Test
    void backwardWithoutRetainGraphFreesTheSavedBytes() {
        GradientContext ctx0 = GradientContext.current();
        Tensor a = Tensor.ones(N).setRequiresGrad(true);
        Tensor loss = a.mul(a).exp().sum();
        assertEquals(3 * KIB64, ctx0.savedBytes());
        loss.backward(GradOptions.defaults().retainGraph());
        assertEquals(3 * KIB64, ctx0.savedBytes(), "retainGraph keeps them");
        loss.backward();
        assertEquals(0, ctx0.savedBytes());
        assertEquals(3, ctx0.tapeSize(), "the nodes stay on the tape until it is cleared");
    }

    @Test
    void savedBytesOfACustomContextAreIndependentOfContextZero() {
        Tensor a = Tensor.ones(N).setRequiresGrad(true);
        Tensor p = a.mul(a);
        try (var ctx = new GradientContext()) {
            Tensor e = a.exp();
            assertEquals(KIB64, ctx.savedBytes());
            assertEquals(2 * KIB64, GradientContext.defaultContext().savedBytes());
            assertTrue(e.requiresGrad());
        }
        assertTrue(p.requiresGrad());
    }

    // ------------------------------------------------------------------ growth warning

    /** Collects records of the JUL logger that System.Logger "dev.walnut.autograd" maps to. */
    static final class Capture extends Handler {
        final List<LogRecord> records = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void savedTensorsOfHeldGraphsGrowingPastTheThresholdLogOneWarning() throws Exception {
        long previous = Autograd.savedBytesWarningThreshold();
        Logger jul = Logger.getLogger("dev.walnut.autograd");
        var capture = new Capture();
        jul.addHandler(capture);
        try {
            Autograd.setSavedBytesWarningThreshold(1 << 20);
            // A fresh thread: its context 0 starts empty and nothing else logs there meanwhile.
            onNewThread("tape-warning", 0, () -> {
                Tensor w = Tensor.ones(N).setRequiresGrad(true);
                for (int i = 0; i < 200; i++) {
                    w.mul(w).sum(); // dropped graphs (128 KiB saved each): nothing to warn about
                    if (i % 50 == 0) {
                        System.gc();
                    }
                }
                assertEquals(0, capture.records.size(), () -> "graphs nobody holds cost nothing: "
                        + capture.records.get(0).getMessage());
                Tensor total = Tensor.scalar(0.0);
                for (int i = 0; i < 10; i++) {
                    total = total.add(w.mul(w).sum()); // PyTorch's classic leak: every graph stays reachable
                }
                System.gc(); // the warning waits for a collection, so that dropped graphs never trigger it
                for (int i = 0; i < 10; i++) {
                    total = total.add(w.mul(w).sum());
                }
                assertEquals(1, capture.records.size(), "one warning once more than 1 MiB is held");
                for (int i = 0; i < 10; i++) {
                    total = total.add(w.mul(w).sum());
                    System.gc();
                }
                return total;
            });
            assertEquals(1, capture.records.size(), "one warning however far it grows");
            LogRecord r = capture.records.get(0);
            assertEquals(Level.WARNING, r.getLevel());
            assertContains(r.getMessage(), "saved for backward", "total = total.add(loss)", "setSavedBytesWarningThreshold");
        } finally {
            Autograd.setSavedBytesWarningThreshold(previous);
            jul.removeHandler(capture);
        }
        assertEquals(previous, Autograd.savedBytesWarningThreshold());
    }

    @Test
    void savedBytesWarningThresholdMustBePositive() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Autograd.setSavedBytesWarningThreshold(0));
        assertTrue(e.getMessage().contains("positive"), e.getMessage());
    }
}
