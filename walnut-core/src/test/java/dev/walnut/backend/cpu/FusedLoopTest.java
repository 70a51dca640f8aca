package dev.walnut.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.walnut.backend.BinaryOp;
import dev.walnut.backend.ElementwiseProgram;
import dev.walnut.backend.Layout;
import dev.walnut.backend.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Fused elementwise programs through the Vector API provider's generated loops
 * ({@link KernelProvider#fusedLoop}) against the block interpreter
 * ({@code FloatFusedElementwise.run(..., false)}): the same bits (NaNs compared as NaN) on
 * random programs of every op the generator writes, with broadcast inputs, input offsets, every
 * ragged end, NaN, infinities, -0.0 and arguments outside the cheap exp and tanh ranges.
 */
class FusedLoopTest {
    /** The ops the generator writes; programs drawn from these must get a loop. */
    private static final int[] UNARY = {UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SQRT, UnaryOp.SQUARE, UnaryOp.RECIPROCAL,
        UnaryOp.EXP, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.RELU, UnaryOp.ADD_SCALAR, UnaryOp.MUL_SCALAR,
        UnaryOp.RSUB_SCALAR, UnaryOp.DIV_SCALAR, UnaryOp.RDIV_SCALAR, UnaryOp.CLAMP, UnaryOp.MAX_SCALAR,
        UnaryOp.MIN_SCALAR};
    private static final int[] BINARY = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM,
        BinaryOp.MINIMUM};
    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, 1e-30f, 90f, -90f, 50f, -120f, 0.5f, 1e-5f};

    private static KernelProvider vector() {
        var vector = KernelProvider.loadVector();
        assumeTrue(vector.isPresent(), "the JVM runs without --add-modules jdk.incubator.vector");
        assumeTrue(KernelProvider.get().getClass() == vector.get().getClass(), "the scalar kernels are active");
        // Off by default (see VectorKernelProvider); walnut-core's surefire configuration turns it on.
        assumeTrue(Boolean.getBoolean("walnut.fusedLoop"), "generated loops are off (-Dwalnut.fusedLoop=true)");
        return KernelProvider.get();
    }

    /** The benchmark chain: relu((tanh(exp(x*y + 1) * 0.5) * x - y) * 2 + x). */
    static ElementwiseProgram chain() {
        ElementwiseProgram.Builder b = ElementwiseProgram.builder(2);
        int x = ElementwiseProgram.input(0);
        int y = ElementwiseProgram.input(1);
        int t = b.binary(BinaryOp.MUL, x, y);
        t = b.unary(UnaryOp.ADD_SCALAR, 1.0, 0, t);
        t = b.unary(UnaryOp.EXP, 0, 0, t);
        t = b.unary(UnaryOp.MUL_SCALAR, 0.5, 0, t);
        t = b.unary(UnaryOp.TANH, 0, 0, t);
        t = b.binary(BinaryOp.MUL, t, x);
        t = b.binary(BinaryOp.SUB, t, y);
        t = b.unary(UnaryOp.MUL_SCALAR, 2.0, 0, t);
        t = b.binary(BinaryOp.ADD, t, x);
        b.unary(UnaryOp.RELU, 0, 0, t);
        return b.build();
    }

    private static float[] random(SplittableRandom rnd, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = lo + (hi - lo) * rnd.nextFloat();
        }
        return a;
    }

    /** Runs p both ways on inputs of the output's shape {@code [n]} and asserts the same bits. */
    private static void assertSameBits(ElementwiseProgram p, float[][] in, Layout[] layouts, int n, String what) {
        float[] generated = new float[n];
        float[] interpreted = new float[n];
        FloatFusedElementwise.run(p, in.clone(), layouts, new int[] {n}, generated, true);
        FloatFusedElementwise.run(p, in.clone(), layouts, new int[] {n}, interpreted, false);
        for (int i = 0; i < n; i++) {
            // floatToIntBits: one NaN (their payloads are not specified by the scalar loops either).
            if (Float.floatToIntBits(generated[i]) != Float.floatToIntBits(interpreted[i])) {
                throw new AssertionError(what + ": element " + i + " of " + n + ": generated " + generated[i]
                        + " (0x" + Integer.toHexString(Float.floatToRawIntBits(generated[i])) + "), interpreter "
                        + interpreted[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(interpreted[i]))
                        + ") for [" + p + "]");
            }
        }
    }

    @Test
    void chainGivesTheInterpretersBitsForEveryRaggedEnd() {
        vector();
        ElementwiseProgram p = chain();
        assertNotNull(KernelProvider.get().fusedLoop(p, 0));
        SplittableRandom rnd = new SplittableRandom(1);
        // A loop step is at most 8 unrolled vectors of 16 lanes: every remainder of 128 covers every step's.
        int base = FloatFusedElementwise.LOOP_MIN + 3 * 128;
        for (int tail = 0; tail < 128; tail++) {
            int n = base + tail;
            float[][] in = {random(rnd, n, 0, 1), random(rnd, n, 0, 1)};
            assertSameBits(p, in, new Layout[] {Layout.contiguous(new int[] {n}), Layout.contiguous(new int[] {n})}, n,
                    "tail " + tail);
        }
    }

    @Test
    void chainOnLargeArgumentsTakesTheGeneralFormsAndStillMatches() {
        vector();
        ElementwiseProgram p = chain();
        SplittableRandom rnd = new SplittableRandom(2);
        int n = 5 * 8192 + 77;
        // Cheap forms hold in the first chunks; then exp's argument leaves [-86, 86] (x*y+1 up to
        // 101), and later tanh's leaves [0.625, 43] (x*y+1 near -1: exp small); NaN and infinities last.
        float[] x = random(rnd, n, 0, 1);
        float[] y = random(rnd, n, 0, 1);
        for (int i = 2 * 8192 + 5; i < 2 * 8192 + 40; i++) {
            x[i] = 10;
            y[i] = 10;
        }
        for (int i = 3 * 8192; i < 3 * 8192 + 300; i++) {
            x[i] = -2;
            y[i] = 1;
        }
        for (int i = 0; i < SPECIAL.length; i++) {
            x[4 * 8192 + 7 * i] = SPECIAL[i];
            y[4 * 8192 + 7 * i + 3] = SPECIAL[i];
        }
        assertSameBits(p, new float[][] {x, y}, new Layout[] {Layout.contiguous(new int[] {n}),
            Layout.contiguous(new int[] {n})}, n, "out-of-range chunks");
    }

    @Test
    void randomProgramsGiveTheInterpretersBits() {
        vector();
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 60; trial++) {
            int inputs = 1 + rnd.nextInt(4);
            ElementwiseProgram.Builder b = ElementwiseProgram.builder(inputs);
            int steps = 1 + rnd.nextInt(10);
            int made = 0;
            int transcendentals = 0;
            for (int k = 0; k < steps; k++) {
                int a = operand(rnd, inputs, made);
                if (rnd.nextInt(3) == 0) {
                    b.binary(BINARY[rnd.nextInt(BINARY.length)], a, operand(rnd, inputs, made));
                } else {
                    int op = UNARY[rnd.nextInt(UNARY.length)];
                    boolean costly = op == UnaryOp.EXP || op == UnaryOp.TANH || op == UnaryOp.SIGMOID;
                    if (costly && transcendentals == 2) {
                        op = UnaryOp.MUL_SCALAR; // more would outgrow the generator's call budget
                    }
                    transcendentals += costly ? 1 : 0;
                    double p1 = rnd.nextInt(4) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextDouble(-3, 3);
                    double p2 = rnd.nextInt(4) == 0 ? Double.POSITIVE_INFINITY : p1 + rnd.nextDouble(0, 4);
                    if (op == UnaryOp.CLAMP && rnd.nextInt(4) == 0) {
                        p1 = Double.NEGATIVE_INFINITY;
                    }
                    b.unary(op, p1, p2, a);
                }
                made++;
            }
            ElementwiseProgram p = b.build();
            long broadcast = 0;
            int n = FloatFusedElementwise.LOOP_MIN + rnd.nextInt(3 * 8192);
            float[][] in = new float[inputs][];
            Layout[] layouts = new Layout[inputs];
            for (int i = 0; i < inputs; i++) {
                int offset = rnd.nextInt(3) == 0 ? rnd.nextInt(40) : 0;
                if (i > 0 && rnd.nextInt(4) == 0) {
                    broadcast |= 1L << i;
                    in[i] = new float[offset + 1];
                    in[i][offset] = rnd.nextInt(3) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextFloat() * 4 - 2;
                    layouts[i] = new Layout(new int[] {n}, new int[] {0}, offset);
                } else {
                    in[i] = random(rnd, offset + n, -3, 3);
                    if (rnd.nextBoolean()) {
                        for (int s = 0; s < 20; s++) {
                            in[i][offset + rnd.nextInt(n)] = SPECIAL[rnd.nextInt(SPECIAL.length)];
                        }
                    }
                    layouts[i] = new Layout(new int[] {n}, new int[] {1}, offset);
                }
            }
            assertNotNull(KernelProvider.get().fusedLoop(p, broadcast), () -> "no loop for " + p);
            assertSameBits(p, in, layouts, n, "trial " + trial + ", broadcast " + Long.toBinaryString(broadcast));
        }
    }

    private static int operand(SplittableRandom rnd, int inputs, int made) {
        return made == 0 || rnd.nextInt(3) == 0 ? ElementwiseProgram.input(rnd.nextInt(inputs)) : rnd.nextInt(made);
    }

    @Test
    void programsWithOtherOpsOrASumStayOnTheInterpreter() {
        KernelProvider provider = vector();
        ElementwiseProgram.Builder log = ElementwiseProgram.builder(1);
        log.unary(UnaryOp.LOG, 0, 0, ElementwiseProgram.input(0));
        assertNull(provider.fusedLoop(log.build(), 0));
        ElementwiseProgram.Builder pow = ElementwiseProgram.builder(2);
        pow.binary(BinaryOp.POW, ElementwiseProgram.input(0), ElementwiseProgram.input(1));
        assertNull(provider.fusedLoop(pow.build(), 0));
        ElementwiseProgram.Builder sum = ElementwiseProgram.builder(1);
        sum.unary(UnaryOp.EXP, 0, 0, ElementwiseProgram.input(0));
        assertNull(provider.fusedLoop(sum.sum().build(), 0));
        assertNull(KernelProvider.scalar().fusedLoop(chain(), 0));
    }

    @Test
    void loopIsMadeOncePerProgramAndArrangement() {
        KernelProvider provider = vector();
        ElementwiseProgram p = chain();
        FusedLoop contiguous = provider.fusedLoop(p, 0);
        assertNotNull(contiguous);
        assertSame(contiguous, provider.fusedLoop(p, 0));
        FusedLoop yBroadcast = provider.fusedLoop(p, 0b10);
        assertNotNull(yBroadcast);
        assertSame(yBroadcast, provider.fusedLoop(p, 0b10));
        assertSame(contiguous, provider.fusedLoop(p, 0));
    }

    @Test
    void stridedBroadcastSmallOutputsAndAliasedOutputsTakeTheInterpreter() {
        vector();
        ElementwiseProgram p = chain();
        int rows = 64;
        int cols = 256;
        int n = rows * cols;
        SplittableRandom rnd = new SplittableRandom(4);
        float[] x = random(rnd, n, 0, 1);
        float[] row = random(rnd, cols, 0, 1);
        Layout xl = Layout.contiguous(new int[] {rows, cols});
        Layout rowl = new Layout(new int[] {rows, cols}, new int[] {0, 1}, 0);
        int[] mode = {FloatFusedElementwise.CONTIGUOUS, FloatFusedElementwise.GATHER};
        int[] offsets = new int[2];
        assertNull(FloatFusedElementwise.loopFor(p, new float[][] {x, row}, new Layout[] {xl, rowl}, mode, n,
                new float[n], offsets), "a row broadcast over rows is gathered");
        mode[1] = FloatFusedElementwise.CONTIGUOUS;
        float[] y = random(rnd, n, 0, 1);
        assertNotNull(FloatFusedElementwise.loopFor(p, new float[][] {x, y}, new Layout[] {xl, xl}, mode, n,
                new float[n], offsets));
        assertNull(FloatFusedElementwise.loopFor(p, new float[][] {x, y}, new Layout[] {xl, xl}, mode, n, y, offsets),
                "the output is an input");
        assertNull(FloatFusedElementwise.loopFor(p, new float[][] {x, y}, new Layout[] {xl, xl}, mode,
                FloatFusedElementwise.LOOP_MIN - 1, new float[n], offsets), "small");
        // And the gathered run still gives the interpreter's bits.
        float[] a = new float[n];
        float[] b = new float[n];
        FloatFusedElementwise.run(p, new float[][] {x, row}, new Layout[] {xl, rowl}, new int[] {rows, cols}, a, true);
        FloatFusedElementwise.run(p, new float[][] {x, row}, new Layout[] {xl, rowl}, new int[] {rows, cols}, b, false);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToIntBits(b[i]), Float.floatToIntBits(a[i]), "element " + i);
        }
    }

    @Test
    void severalThreadsRunOneLoopAtOnce() throws Exception {
        vector();
        ElementwiseProgram p = chain();
        int n = 3 * 8192 + 11;
        SplittableRandom rnd = new SplittableRandom(5);
        List<float[][]> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        Layout l = Layout.contiguous(new int[] {n});
        for (int t = 0; t < 8; t++) {
            float[][] in = {random(rnd, n, t % 2 == 0 ? 0 : -20, 1), random(rnd, n, 0, t % 3 == 0 ? 60 : 1)};
            float[] e = new float[n];
            FloatFusedElementwise.run(p, in.clone(), new Layout[] {l, l}, new int[] {n}, e, false);
            inputs.add(in);
            expected.add(e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int r = 0; r < 32; r++) {
                int t = r % 8;
                runs.add(pool.submit(() -> {
                    float[] out = new float[n];
                    for (int rep = 0; rep < 5; rep++) {
                        FloatFusedElementwise.run(p, inputs.get(t).clone(), new Layout[] {l, l}, new int[] {n}, out, true);
                        for (int i = 0; i < n; i++) {
                            if (Float.floatToIntBits(out[i]) != Float.floatToIntBits(expected.get(t)[i])) {
                                throw new AssertionError("input set " + t + ", element " + i);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
